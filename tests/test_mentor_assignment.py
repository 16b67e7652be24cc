"""Mentor profiles through the test client: mentors edit their own profile (expertise, tracks, languages,
capacity, bio, declared conflicts), organisers edit any mentor's, everyone else is refused; and who may use
each route.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hackathon.audit import AuditEntry
from hackathon.errors import DomainError, NotAllowed
from hackathon.extensions import db
from hackathon.mentoring import assignment as services
from hackathon.events.models import Role
from hackathon.mail import OutboxMessage
from hackathon.mentoring.models import MentorAssignment, MentorConflict, MentorProfile
from tests import test_challenges as shared
from tests.test_challenges import XSS, count, statuses, text, walk

client_for, hack, world = shared.client_for, shared.hack, shared.world

ORGANISERS = ("organiser", "admin")
MENTORS = ("mentor", "other_mentor")


@pytest.fixture
def assignment_world(world):
    shared_reset = world.reset

    def reset() -> dict:
        ids = shared_reset()
        db.session.execute(db.delete(MentorAssignment).where(MentorAssignment.team_id == world.other_team.id))
        if db.session.scalar(select(MentorAssignment.id).where(MentorAssignment.team_id == world.team.id)) is None:
            db.session.add(MentorAssignment(event_id=world.event.id, team_id=world.team.id,
                                            mentor_id=world.users["mentor"].id, reasons={}))
        db.session.commit()
        shared.reset_caches()
        ids["assignment"] = db.session.scalar(select(MentorAssignment.id).where(
            MentorAssignment.team_id == world.team.id))
        ids.update(mentor_user=world.users["mentor"].id, other_mentor_user=world.users["other_mentor"].id,
                   juror_user=world.users["juror"].id, team=world.team.id, other_team=world.other_team.id)
        world.ids = ids
        return ids

    world.reset = reset
    reset()
    return world


def profile_data(ids, **overrides) -> dict:
    data = {"expertise": "Data, web", "tracks": [str(ids["track"])], "languages": "ru, en", "capacity": "4",
            "bio": "Data engineer", "conflict_teams": [], "conflict_people": ""}
    data.update(overrides)
    return data


ROUTES = [
    ("GET", "/events/hack/mentor-profile", None,
     statuses(403, **dict.fromkeys(MENTORS, 200))),
    ("POST", "/events/hack/mentor-profile", profile_data,
     statuses(403, **dict.fromkeys(MENTORS, 302))),
    ("GET", "/events/hack/mentor-profile?mentor={mentor_user}", None,
     statuses(403, mentor=200, other_mentor=404, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentor-profile?mentor={mentor_user}", profile_data,
     statuses(403, mentor=302, other_mentor=404, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/events/hack/mentors", None, statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentors",
     lambda ids: {"team": str(ids["other_team"]), "mentor": str(ids["other_mentor_user"])},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentors/{assignment}/delete", None, statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentors/propose", lambda ids: {"per_team": "1", "keep_existing": "y"},
     statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentors/apply", lambda ids: {"keep_existing": "1",
                                                        f"slot-{ids['other_team']}-1": str(ids["other_mentor_user"])},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/api/v1/events/hack/teams", None,
     statuses(403, anonymous=401, **dict.fromkeys(MENTORS, 200), **dict.fromkeys(ORGANISERS, 200))),
    ("GET", "/events/hack/mentor-profile?mentor={juror_user}", None,
     statuses(403, **dict.fromkeys(MENTORS, 404), **dict.fromkeys(ORGANISERS, 404))),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES)
def test_who_may_use_each_route(assignment_world, client_for, method, path, data, expected):
    walk(assignment_world, client_for, method, path, data, expected)


def test_an_unpublished_event_hides_the_profile_from_outsiders(assignment_world, client_for, hack):
    hack.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(**assignment_world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(assignment_world.users.get(visitor))
            response = client.get(url) if method == "GET" else client.post(
                url, data=data(assignment_world.ids) if data else {})
            assert response.status_code == 404, (visitor, method, url)


def test_a_mentor_saves_a_profile_with_conflicts(assignment_world, client_for):
    w, ids = assignment_world, assignment_world.ids
    client = client_for(w.users["other_mentor"])
    page = client.get("/events/hack/mentor-profile")
    assert page.status_code == 200
    for name in ("expertise", "languages", "capacity", "bio", "conflict_people"):
        assert f'for="{name}"' in text(page)
    assert "Taza Suu" in text(page) and "Water" in text(page)
    response = client.post("/events/hack/mentor-profile", data=profile_data(
        ids, conflict_teams=[str(ids["team"])], conflict_people=w.users["other_participant"].email.upper()))
    assert response.status_code == 302
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == w.users["other_mentor"].id))
    assert profile.expertise == ["data", "web"] and profile.languages == ["ru", "en"]
    assert profile.capacity == 4 and profile.track_ids == [ids["track"]] and profile.bio == "Data engineer"
    conflicts = db.session.execute(select(MentorConflict.team_id, MentorConflict.person_id)
                                   .where(MentorConflict.mentor_id == w.users["other_mentor"].id)).all()
    assert sorted(conflicts, key=str) == sorted([(ids["team"], None), (None, w.users["other_participant"].id)],
                                                key=str)
    assert count(AuditEntry, AuditEntry.action == "mentor_profile.update") == 1
    again = client.get("/events/hack/mentor-profile")
    assert w.users["other_participant"].email in text(again) and 'value="data, web"' in text(again)
    # saving again replaces the conflicts (a double submit is harmless)
    assert client.post("/events/hack/mentor-profile", data=profile_data(ids)).status_code == 302
    assert client.post("/events/hack/mentor-profile", data=profile_data(ids)).status_code == 302
    assert count(MentorConflict, MentorConflict.mentor_id == w.users["other_mentor"].id) == 0
    assert count(MentorProfile, MentorProfile.user_id == w.users["other_mentor"].id) == 1


def test_an_organiser_edits_a_mentors_profile(assignment_world, client_for):
    w, ids = assignment_world, assignment_world.ids
    client = client_for(w.users["organiser"])
    page = client.get(f"/events/hack/mentor-profile?mentor={ids['mentor_user']}")
    assert "Profile of Mentor" in text(page)
    response = client.post(f"/events/hack/mentor-profile?mentor={ids['mentor_user']}",
                           data=profile_data(ids, capacity="7"))
    assert response.status_code == 302 and f"mentor={ids['mentor_user']}" in response.location
    assert services.profile_for(w.event, w.users["mentor"]).capacity == 7
    assert client.get("/events/hack/mentor-profile?mentor=abc").status_code == 404
    assert client.get("/events/hack/mentor-profile?mentor=99999999").status_code == 404


@pytest.mark.parametrize("overrides, message", [
    ({"capacity": "0"}, "Enter a number between 1 and 20."),
    ({"capacity": "21"}, "Enter a number between 1 and 20."),
    ({"capacity": "abc"}, "Enter a whole number."),
    ({"bio": "x" * 1001}, "at most 1000 characters"),
    ({"languages": "english!"}, "two or three letter codes"),
    ({"expertise": "<b>x</b>"}, "expertise tags"),
    ({"conflict_people": "nobody@example.org"}, "is not a participant of this event"),
    ({"tracks": ["999999"]}, "Not a valid choice"),
    ({"conflict_teams": ["999999"]}, "Not a valid choice"),
])
def test_bad_input_is_refused_with_a_message(assignment_world, client_for, overrides, message):
    client = client_for(assignment_world.users["mentor"])
    response = client.post("/events/hack/mentor-profile", data=profile_data(assignment_world.ids, **overrides))
    assert response.status_code == 400 and message in text(response)
    assert count(MentorProfile) == 0


def test_bio_is_escaped(assignment_world, client_for):
    client = client_for(assignment_world.users["mentor"])
    assert client.post("/events/hack/mentor-profile", data=profile_data(assignment_world.ids, bio=XSS)
                       ).status_code == 302
    page = client.get("/events/hack/mentor-profile").get_data(as_text=True)
    assert XSS not in page


def test_services_recheck_who_may_edit(assignment_world):
    w = assignment_world
    with pytest.raises(NotAllowed):
        services.save_profile(w.users["other_mentor"], w.event, w.users["mentor"], expertise=[], track_ids=[],
                              languages=[], capacity=2, bio="", conflict_team_ids=[], conflict_emails=[])
    with pytest.raises(DomainError):
        services.save_profile(w.users["mentor"], w.event, w.users["mentor"], expertise=[], track_ids=[],
                              languages=[], capacity=50, bio="", conflict_team_ids=[], conflict_emails=[])


def test_menu_links(assignment_world, client_for):
    mentor_page = client_for(assignment_world.users["mentor"]).get("/events/hack/")
    assert "/events/hack/mentor-profile" in mentor_page.get_data(as_text=True)
    participant_page = client_for(assignment_world.users["participant"]).get("/events/hack/")
    assert "/events/hack/mentor-profile" not in participant_page.get_data(as_text=True)


# --- assignment -------------------------------------------------------------------------------------------------


def test_manual_assign_refuses_conflicts_members_and_capacity(assignment_world, client_for):
    w, ids = assignment_world, assignment_world.ids
    organiser = client_for(w.users["organiser"])
    page = organiser.get("/events/hack/mentors")
    assert page.status_code == 200 and "Taza Suu" in text(page) and "Clean Air" in text(page)
    services.save_profile(w.users["other_mentor"], w.event, w.users["other_mentor"], expertise=[], track_ids=[],
                          languages=[], capacity=1, bio="", conflict_team_ids=[ids["team"]], conflict_emails=[])
    refused = organiser.post("/events/hack/mentors", data={"team": ids["team"], "mentor": ids["other_mentor_user"]})
    assert refused.status_code == 400 and "conflict of interest" in text(refused)
    ok = organiser.post("/events/hack/mentors", data={"team": ids["other_team"], "mentor": ids["other_mentor_user"]})
    assert ok.status_code == 302
    assert count(OutboxMessage, OutboxMessage.template == "mentor_assigned") == 1
    assert count(OutboxMessage, OutboxMessage.template == "team_mentor_assigned") == 1
    again = organiser.post("/events/hack/mentors", data={"team": ids["other_team"], "mentor": ids["other_mentor_user"]})
    assert again.status_code == 400 and "already assigned" in text(again)
    # mentor (capacity 3 by default, 1 team) at capacity when the capacity is 1
    services.save_profile(w.users["mentor"], w.event, w.users["mentor"], expertise=[], track_ids=[],
                          languages=[], capacity=1, bio="", conflict_team_ids=[], conflict_emails=[])
    full = organiser.post("/events/hack/mentors", data={"team": ids["other_team"], "mentor": ids["mentor_user"]})
    assert full.status_code == 400 and "at capacity" in text(full)
    forced = organiser.post("/events/hack/mentors", data={"team": ids["other_team"], "mentor": ids["mentor_user"],
                                                          "override_capacity": "y"})
    assert forced.status_code == 302
    assert count(MentorAssignment, MentorAssignment.mentor_id == ids["mentor_user"]) == 2
    assert organiser.post("/events/hack/mentors", data={"team": "999999", "mentor": ids["mentor_user"]}
                          ).status_code == 404


def test_a_member_is_never_assigned_to_their_team(assignment_world, client_for, grant):
    w, ids = assignment_world, assignment_world.ids
    grant(w.users["participant"], w.event, Role.mentor)
    response = client_for(w.users["organiser"]).post(
        "/events/hack/mentors", data={"team": ids["team"], "mentor": w.users["participant"].id})
    assert response.status_code == 400 and "member of the team" in text(response)


def test_propose_then_apply(assignment_world, client_for):
    w, ids = assignment_world, assignment_world.ids
    organiser = client_for(w.users["organiser"])
    page = organiser.post("/events/hack/mentors/propose", data={"per_team": "3", "keep_existing": "y"})
    body = text(page)
    assert page.status_code == 200 and f'name="slot-{ids["other_team"]}-1"' in body
    assert "Some teams could not be fully covered" in body and "too few mentors without a conflict" in body
    applied = organiser.post("/events/hack/mentors/apply", data={
        "keep_existing": "1", f"slot-{ids['other_team']}-1": str(ids["other_mentor_user"]),
        f"slot-{ids['other_team']}-2": str(ids["mentor_user"]),
        f"slot-{ids['team']}-1": str(ids["other_mentor_user"])})
    assert applied.status_code == 302
    pairs = set(db.session.execute(select(MentorAssignment.team_id, MentorAssignment.mentor_id)).all())
    assert pairs == {(ids["team"], ids["mentor_user"]), (ids["team"], ids["other_mentor_user"]),
                     (ids["other_team"], ids["other_mentor_user"]), (ids["other_team"], ids["mentor_user"])}
    assert count(AuditEntry, AuditEntry.action == "mentor_assignment.apply") == 1
    assert count(OutboxMessage, OutboxMessage.template == "mentor_assigned") == 2
    # applied twice: nothing new, no error
    assert organiser.post("/events/hack/mentors/apply", data={
        "keep_existing": "1", f"slot-{ids['other_team']}-1": str(ids["other_mentor_user"])}).status_code == 302
    assert count(MentorAssignment) == 4
    # unknown ids are 404
    assert organiser.post("/events/hack/mentors/apply", data={
        "keep_existing": "1", "slot-999999-1": str(ids["mentor_user"])}).status_code == 404
    assert organiser.post("/events/hack/mentors/propose", data={"per_team": "99"}).status_code == 400


def test_apply_without_keep_existing_replaces(assignment_world, client_for):
    w, ids = assignment_world, assignment_world.ids
    organiser = client_for(w.users["organiser"])
    assert organiser.post("/events/hack/mentors/apply", data={
        "keep_existing": "0", f"slot-{ids['other_team']}-1": str(ids["mentor_user"])}).status_code == 302
    pairs = set(db.session.execute(select(MentorAssignment.team_id, MentorAssignment.mentor_id)).all())
    assert pairs == {(ids["other_team"], ids["mentor_user"])}


def test_organiser_menu_link(assignment_world, client_for):
    page = client_for(assignment_world.users["organiser"]).get("/events/hack/")
    assert "/events/hack/mentors" in page.get_data(as_text=True)


def test_api_lists_teams_per_role(assignment_world, client_for):
    from hackathon.mentoring.models import MentorReview, TeamStatus

    w, ids = assignment_world, assignment_world.ids
    db.session.add_all([
        MentorReview(event_id=w.event.id, team_id=ids["team"], mentor_id=ids["mentor_user"],
                     status=TeamStatus.blocked, scores={}),
        MentorReview(event_id=w.event.id, team_id=ids["team"], mentor_id=ids["mentor_user"],
                     status=TeamStatus.on_track, scores={}, private_note="secret")])
    db.session.commit()
    data = client_for(w.users["organiser"]).get("/api/v1/events/hack/teams").get_json()
    by_name = {t["name"]: t for t in data["teams"]}
    assert set(by_name) == {"Taza Suu", "Clean Air"}
    assert by_name["Taza Suu"]["latest_status"] == "on_track" and by_name["Clean Air"]["latest_status"] is None
    assert [m["id"] for m in by_name["Taza Suu"]["mentors"]] == [ids["mentor_user"]]
    assert len(by_name["Taza Suu"]["members"]) == 2 and "secret" not in str(data)
    mine = client_for(w.users["mentor"]).get("/api/v1/events/hack/teams").get_json()
    assert [t["name"] for t in mine["teams"]] == ["Taza Suu"]
    assert client_for(w.users["other_mentor"]).get("/api/v1/events/hack/teams").get_json() == {"teams": []}
    document = client_for().get("/api/v1/openapi.json").get_json()
    assert "get" in document["paths"]["/events/{slug}/teams"]
    assert "MentoredTeam" in document["components"]["schemas"]


def test_pages_run_a_constant_number_of_queries(assignment_world, client_for, make_user):
    from hackathon.mentoring.models import MentorReview, TeamStatus

    w = assignment_world
    organiser = client_for(w.users["organiser"])
    made = {"n": 0}

    def add(n):
        for _ in range(n):
            made["n"] += 1
            team = shared.add_team(w.event, f"Team {made['n']}", make_user(), make_user())
            shared.assign(w.event, team, w.users["mentor"])
            db.session.add(MentorReview(event_id=w.event.id, team_id=team.id, mentor_id=w.users["mentor"].id,
                                        status=TeamStatus.at_risk, scores={}))
            db.session.commit()

    def measure(path):
        shared.reset_caches()
        with shared.counting_queries() as statements:
            assert organiser.get(path).status_code == 200
        return len(statements)

    add(3)
    few = [measure(p) for p in ("/events/hack/mentors", "/api/v1/events/hack/teams")]
    add(27)
    many = [measure(p) for p in ("/events/hack/mentors", "/api/v1/events/hack/teams")]
    assert few == many


def test_mail_goes_out_in_each_recipients_language_and_names_are_escaped(assignment_world, client_for, make_user):
    w, ids = assignment_world, assignment_world.ids
    w.users["other_participant"].locale = "ru"
    w.users["other_mentor"].locale = "ky"
    db.session.commit()
    team = shared.add_team(w.event, XSS, make_user())
    organiser = client_for(w.users["organiser"])
    assert organiser.post("/events/hack/mentors", data={"team": ids["other_team"],
                                                        "mentor": ids["other_mentor_user"]}).status_code == 302
    locales = dict(db.session.execute(select(OutboxMessage.to_address, OutboxMessage.locale)).all())
    assert locales[w.users["other_participant"].email] == "ru"
    assert locales[w.users["other_mentor"].email] == "ky"
    page = organiser.get("/events/hack/mentors").get_data(as_text=True)
    assert XSS not in page
    proposal = organiser.post("/events/hack/mentors/propose", data={"per_team": "1", "keep_existing": "y"})
    assert proposal.status_code == 200 and XSS not in proposal.get_data(as_text=True)
    assert f'name="slot-{team.id}-1"' in proposal.get_data(as_text=True)


def test_the_proposal_shows_its_match_reasons_translated(assignment_world, client_for):
    """A proposal whose pairs carry reasons (track, language, expertise) renders them, in the reader's language."""
    w, ids = assignment_world, assignment_world.ids
    w.other_team.track_id = ids["track"]
    w.users["other_participant"].locale = "ru"
    w.users["other_participant"].skills = ["data"]
    db.session.commit()
    organiser = client_for(w.users["organiser"])
    assert organiser.post(f"/events/hack/mentor-profile?mentor={ids['other_mentor_user']}", data=profile_data(
        ids, expertise="data", languages="ru")).status_code == 302
    page = organiser.post("/events/hack/mentors/propose", data={"per_team": "1", "keep_existing": "y"})
    body = text(page)
    assert page.status_code == 200, body[:2000]
    assert "same track, language: Russian, expertise: data" in body  # the name, not the code "ru"
    assert f'name="reason-{ids["other_team"]}-{ids["other_mentor_user"]}" value="track|language: ru|expertise: data"' \
        in body
    w.users["organiser"].locale = "ru"
    db.session.commit()
    page = organiser.post("/events/hack/mentors/propose", data={"per_team": "1", "keep_existing": "y"})
    assert page.status_code == 200 and "тот же трек, язык: русский, экспертиза: data" in text(page)
    w.users["organiser"].locale = "ky"
    db.session.commit()
    page = organiser.post("/events/hack/mentors/propose", data={"per_team": "1", "keep_existing": "y"})
    assert page.status_code == 200 and "орусча" in text(page) and ": ru," not in text(page)
