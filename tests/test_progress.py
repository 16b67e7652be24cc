"""Mentoring progress through the test client: the organisers' settings page (options, milestones in the event's
timezone, the review rubric archived once used), audit entries, what jurors may see of mentor reviews, and who
may use each route.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed
from hackathon.extensions import db
from hackathon.mentoring import progress as services
from hackathon.mentoring.models import (CheckIn, MentoringSettings, MentorReview, Milestone, RubricCriterion,
                                        TeamStatus)
from tests import test_challenges as shared
from tests.test_challenges import XSS, count, statuses, text, walk

client_for, hack, world = shared.client_for, shared.hack, shared.world

ORGANISERS = ("organiser", "admin")


@pytest.fixture
def progress_world(world):
    """The shared world plus a milestone, an unused and a used rubric criterion, fresh for each POST."""
    shared_reset = world.reset

    def reset() -> dict:
        ids = shared_reset()
        event = world.event
        # Exactly one active criterion, so review forms need one score.
        db.session.execute(update(RubricCriterion).where(RubricCriterion.event_id == event.id)
                           .values(is_archived=True))
        milestone = Milestone(event_id=event.id, title={"en": "Day 1"}, due_at=utcnow() + timedelta(hours=5))
        criterion = RubricCriterion(event_id=event.id, name={"en": "Progress"}, position=1)
        db.session.add_all([milestone, criterion])
        db.session.commit()
        ids.update(milestone=milestone.id, criterion=criterion.id, team=world.team.id,
                   other_team=world.other_team.id)
        world.ids = ids
        return ids

    world.reset = reset
    reset()
    return world


def milestone_data(**overrides) -> dict:
    data = {"milestone-title_en": "Demo ready", "milestone-due_at": "2026-05-02T18:00"}
    data.update(overrides)
    return data


def check_in_data(**overrides) -> dict:
    data = {"milestone": "", "done": "Cleaned the data", "next_steps": "Train a model", "blockers": "",
            "links": "https://github.com/example/repo"}
    data.update(overrides)
    return data


def review_data(ids, **overrides) -> dict:
    data = {"status": "at_risk", f"score_{ids['criterion']}": "4", "comment_to_team": "Good start",
            "private_note": "Watch the captain"}
    data.update(overrides)
    return data


ROUTES = [
    ("GET", "/events/hack/mentoring", None, statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentoring", lambda ids: {"mentors_per_team": "2", "stale_after_hours": "12"},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentoring/milestones", lambda ids: milestone_data(),
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/events/hack/mentoring/milestones/{milestone}", None, statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentoring/milestones/{milestone}", lambda ids: {"title_en": "Day one",
                                                                          "due_at": "2026-05-02T18:00"},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentoring/milestones/{milestone}/delete", None,
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/events/hack/mentoring/milestones/999999", None, statuses(403, **dict.fromkeys(ORGANISERS, 404))),
    ("POST", "/events/hack/mentoring/rubric", lambda ids: {"criterion-name_en": "Teamwork"},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/events/hack/mentoring/rubric/{criterion}", None, statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("POST", "/events/hack/mentoring/rubric/{criterion}", lambda ids: {"name_en": "Pace", "position": "3"},
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentoring/rubric/{criterion}/delete", None,
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("POST", "/events/hack/mentoring/rubric/{criterion}/restore", None,
     statuses(403, **dict.fromkeys(ORGANISERS, 302))),
    ("GET", "/events/hack/mentoring/rubric/999999", None, statuses(403, **dict.fromkeys(ORGANISERS, 404))),
    ("GET", "/events/hack/team/progress", None, statuses(403, participant=200, other_participant=200)),
    ("POST", "/events/hack/team/progress", lambda ids: check_in_data(),
     statuses(403, participant=302, other_participant=302)),
    ("GET", "/events/hack/mentoring/teams/{team}", None, statuses(404, mentor=200, organiser=200, admin=200)),
    ("POST", "/events/hack/mentoring/teams/{team}", lambda ids: review_data(ids),
     statuses(404, mentor=302, organiser=302, admin=302)),
    ("GET", "/events/hack/mentoring/teams/{other_team}", None, statuses(404, organiser=200, admin=200)),
    ("GET", "/events/hack/mentoring/teams/999999", None, statuses(404)),
    ("GET", "/events/hack/mentoring/mine", None, statuses(403, mentor=200, other_mentor=200)),
    ("GET", "/events/hack/mentoring/board", None, statuses(403, **dict.fromkeys(ORGANISERS, 200))),
    ("GET", "/api/v1/events/hack/teams/{team}/progress", None,
     statuses(404, anonymous=401, participant=200, mentor=200, organiser=200, admin=200)),
    ("GET", "/api/v1/events/hack/teams/{other_team}/progress", None,
     statuses(404, anonymous=401, other_participant=200, organiser=200, admin=200)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(progress_world, client_for, method, path, data, expected):
    walk(progress_world, client_for, method, path, data, expected)


def test_an_unpublished_event_hides_every_progress_route_from_outsiders(progress_world, client_for, hack):
    hack.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(**progress_world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(progress_world.users.get(visitor))
            response = client.get(url) if method == "GET" else client.post(url, data=data(progress_world.ids)
                                                                             if data else {})
            assert response.status_code == 404, (visitor, method, url)


def test_progress_actions_do_not_answer_get(progress_world, client_for):
    client = client_for(progress_world.users["organiser"])
    for path in ("/events/hack/mentoring/milestones/{milestone}/delete", "/events/hack/mentoring/rubric",
                 "/events/hack/mentoring/rubric/{criterion}/delete", "/events/hack/mentoring/milestones",
                 "/events/hack/mentoring/rubric/{criterion}/restore"):
        assert client.get(path.format(**progress_world.ids)).status_code == 405


def test_another_events_milestone_or_criterion_is_404(progress_world, client_for, make_event):
    other = make_event("elsewhere")
    milestone = Milestone(event_id=other.id, title={"en": "X"}, due_at=utcnow())
    criterion = RubricCriterion(event_id=other.id, name={"en": "X"})
    db.session.add_all([milestone, criterion])
    db.session.commit()
    client = client_for(progress_world.users["organiser"])
    assert client.get(f"/events/hack/mentoring/milestones/{milestone.id}").status_code == 404
    assert client.post(f"/events/hack/mentoring/milestones/{milestone.id}/delete").status_code == 404
    assert client.get(f"/events/hack/mentoring/rubric/{criterion.id}").status_code == 404
    assert client.post(f"/events/hack/mentoring/rubric/{criterion.id}/delete").status_code == 404
    assert count(Milestone, Milestone.id == milestone.id) == 1
    assert count(RubricCriterion, RubricCriterion.id == criterion.id) == 1


# --- settings ---------------------------------------------------------------------------------------------------


def test_settings_are_saved_and_audited(progress_world, client_for, hack):
    client = client_for(progress_world.users["organiser"])
    page = client.get("/events/hack/mentoring")
    body = text(page)
    for field in ("mentors_per_team", "stale_after_hours", "show_summaries_to_jurors", "milestone-title_en",
                  "milestone-due_at", "criterion-name_en"):
        assert f'for="{field}"' in body, field
    assert 'value="1"' in body and 'value="24"' in body  # the defaults before anything is saved
    response = client.post("/events/hack/mentoring", data={"mentors_per_team": "2", "stale_after_hours": "6",
                                                           "show_summaries_to_jurors": "y"})
    assert response.status_code == 302
    settings = db.session.scalar(select(MentoringSettings).where(MentoringSettings.event_id == hack.id))
    assert (settings.mentors_per_team, settings.stale_after_hours, settings.show_summaries_to_jurors) == (2, 6, True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mentoring.settings_updated"))
    assert entry.after["stale_after_hours"] == 6 and entry.actor_id == progress_world.users["organiser"].id
    # Saving again updates the one row; unchecking the box turns the summaries off.
    client.post("/events/hack/mentoring", data={"mentors_per_team": "2", "stale_after_hours": "6"})
    assert count(MentoringSettings, MentoringSettings.event_id == hack.id) == 1
    db.session.refresh(settings)
    assert settings.show_summaries_to_jurors is False


@pytest.mark.parametrize("data, message", [
    ({"mentors_per_team": "0", "stale_after_hours": "6"}, "Enter a number between 1 and 10."),
    ({"mentors_per_team": "abc", "stale_after_hours": "6"}, "Enter a whole number."),
    ({"mentors_per_team": "2", "stale_after_hours": "99999999999"}, "This number is too large."),
    ({"mentors_per_team": "2", "stale_after_hours": ""}, "This field is required."),
])
def test_bad_settings_are_refused_with_a_message(progress_world, client_for, hack, data, message):
    response = client_for(progress_world.users["organiser"]).post("/events/hack/mentoring", data=data)
    assert response.status_code == 200 and message in text(response)
    assert count(MentoringSettings, MentoringSettings.event_id == hack.id) == 0


def test_services_refuse_non_organisers(progress_world, hack):
    with pytest.raises(NotAllowed):
        services.update_settings(progress_world.users["mentor"], hack, mentors_per_team=1, stale_after_hours=2,
                                 show_summaries_to_jurors=True)
    with pytest.raises(NotAllowed):
        services.add_criterion(progress_world.users["juror"], hack, name={"en": "X"})
    with pytest.raises(DomainError):
        services.update_settings(progress_world.users["organiser"], hack, mentors_per_team=1,
                                 stale_after_hours=0, show_summaries_to_jurors=False)


# --- milestones ---------------------------------------------------------------------------------------------------


def test_milestones_are_typed_in_the_event_timezone_per_language(progress_world, client_for, hack):
    hack.timezone = "Asia/Bishkek"  # UTC+6
    hack.languages = ["en", "ru"]
    db.session.commit()
    client = client_for(progress_world.users["organiser"])
    body = text(client.get("/events/hack/mentoring"))
    assert 'for="milestone-title_ru"' in body and "Due (Asia/Bishkek)" in body
    response = client.post("/events/hack/mentoring/milestones",
                           data=milestone_data(**{"milestone-title_ru": "Демо готово"}))
    assert response.status_code == 302
    milestone = db.session.scalar(select(Milestone).where(Milestone.event_id == hack.id)
                                  .order_by(Milestone.id.desc()))
    assert milestone.title == {"en": "Demo ready", "ru": "Демо готово"}
    assert milestone.due_at == datetime(2026, 5, 2, 12, 0, tzinfo=timezone.utc)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mentoring.milestone_added"))
    # The edit page shows the local time back, and saving changes it.
    edit = text(client.get(f"/events/hack/mentoring/milestones/{milestone.id}"))
    assert "2026-05-02T18:00" in edit and "Демо готово" in edit
    client.post(f"/events/hack/mentoring/milestones/{milestone.id}",
                data={"title_en": "Demo", "title_ru": "", "due_at": "2026-05-03T09:30"})
    db.session.refresh(milestone)
    assert milestone.title == {"en": "Demo"}
    assert milestone.due_at == datetime(2026, 5, 3, 3, 30, tzinfo=timezone.utc)
    client.post(f"/events/hack/mentoring/milestones/{milestone.id}/delete")
    assert count(Milestone, Milestone.id == milestone.id) == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mentoring.milestone_deleted"))


@pytest.mark.parametrize("overrides, message", [
    ({"milestone-title_en": ""}, "This field is required."),
    ({"milestone-title_en": "x" * 121}, "Use at most 120 characters."),
    ({"milestone-due_at": "tomorrow"}, "Enter a date and time"),
    ({"milestone-due_at": ""}, "Enter a date and time"),
])
def test_bad_milestones_are_refused(progress_world, client_for, hack, overrides, message):
    before = count(Milestone, Milestone.event_id == hack.id)
    response = client_for(progress_world.users["organiser"]).post("/events/hack/mentoring/milestones",
                                                                  data=milestone_data(**overrides))
    assert response.status_code == 200 and message in text(response)
    assert count(Milestone, Milestone.event_id == hack.id) == before


def test_titles_are_escaped(progress_world, client_for, hack):
    client = client_for(progress_world.users["organiser"])
    client.post("/events/hack/mentoring/milestones", data=milestone_data(**{"milestone-title_en": XSS[:100]}))
    client.post("/events/hack/mentoring/rubric", data={"criterion-name_en": XSS[:100]})
    raw = client.get("/events/hack/mentoring").get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;" in raw


def test_deleting_a_milestone_keeps_its_check_ins(progress_world, hack):
    milestone_id = progress_world.ids["milestone"]
    db.session.add(CheckIn(event_id=hack.id, team_id=progress_world.team.id, milestone_id=milestone_id, done="x"))
    db.session.commit()
    services.delete_milestone(progress_world.users["organiser"], db.session.get(Milestone, milestone_id), event=hack)
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.team_id == progress_world.team.id))
    assert check_in is not None


# --- rubric -------------------------------------------------------------------------------------------------------


def test_rubric_criteria_are_ordered_and_archived_once_used(progress_world, client_for, hack):
    client = client_for(progress_world.users["organiser"])
    first = db.session.get(RubricCriterion, progress_world.ids["criterion"])
    assert client.post("/events/hack/mentoring/rubric", data={"criterion-name_en": "Teamwork"}).status_code == 302
    second = db.session.scalar(select(RubricCriterion).where(RubricCriterion.event_id == hack.id)
                               .order_by(RubricCriterion.id.desc()))
    assert second.position > first.position
    assert [c.id for c in services.rubric(hack)] == [first.id, second.id]
    client.post(f"/events/hack/mentoring/rubric/{second.id}", data={"name_en": "Teamwork", "position": "0"})
    assert [c.id for c in services.rubric(hack)] == [second.id, first.id]
    # A review scored the first one: removing archives it; the unused second is deleted.
    db.session.add(MentorReview(event_id=hack.id, team_id=progress_world.team.id,
                                mentor_id=progress_world.users["mentor"].id, status=TeamStatus.on_track,
                                scores={str(first.id): 4}))
    db.session.commit()
    response = client.post(f"/events/hack/mentoring/rubric/{first.id}/delete", follow_redirects=True)
    assert "archived" in text(response)
    db.session.refresh(first)
    assert first.is_archived and services.rubric(hack) == [second]
    assert services.rubric(hack, include_archived=True)[-1].id == first.id
    client.post(f"/events/hack/mentoring/rubric/{second.id}/delete")
    assert count(RubricCriterion, RubricCriterion.id == second.id) == 0
    client.post(f"/events/hack/mentoring/rubric/{first.id}/restore")
    db.session.refresh(first)
    assert not first.is_archived
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == hack.id)))
    assert {"mentoring.criterion_added", "mentoring.criterion_updated", "mentoring.criterion_archived",
            "mentoring.criterion_deleted", "mentoring.criterion_restored"} <= actions


def test_a_criterion_needs_a_name_in_the_first_language(progress_world, client_for, hack):
    hack.languages = ["ky", "en"]
    db.session.commit()
    before = count(RubricCriterion, RubricCriterion.event_id == hack.id)
    response = client_for(progress_world.users["organiser"]).post("/events/hack/mentoring/rubric",
                                                                  data={"criterion-name_en": "Only English"})
    assert response.status_code == 200 and "This field is required." in text(response)
    assert count(RubricCriterion, RubricCriterion.event_id == hack.id) == before
    with pytest.raises(DomainError):
        services.add_criterion(progress_world.users["organiser"], hack, name={"en": "Only English"})


# --- what jurors see -----------------------------------------------------------------------------------------------


def test_mentor_summaries_for_jurors_only_when_switched_on(progress_world, hack):
    team, other = progress_world.team, progress_world.other_team
    mentor = progress_world.users["mentor"]
    now = utcnow()
    db.session.add_all([
        MentorReview(event_id=hack.id, team_id=team.id, mentor_id=mentor.id, status=TeamStatus.blocked,
                     comment_to_team="Old", private_note="secret", created_at=now - timedelta(hours=2)),
        MentorReview(event_id=hack.id, team_id=team.id, mentor_id=mentor.id, status=TeamStatus.at_risk,
                     comment_to_team="Push the demo", private_note="secret too", created_at=now),
    ])
    db.session.commit()
    assert services.mentor_summaries_for_jurors(hack, [team.id, other.id]) == {}
    services.update_settings(progress_world.users["organiser"], hack, mentors_per_team=1, stale_after_hours=24,
                             show_summaries_to_jurors=True)
    summaries = services.mentor_summaries_for_jurors(hack, [team.id, other.id])
    assert summaries == {team.id: ("at_risk", "Push the demo")}
    assert "secret" not in repr(summaries)
    assert services.mentor_summaries_for_jurors(hack, []) == {}


# --- check-ins ------------------------------------------------------------------------------------------------------


def test_a_member_checks_in_and_sees_reviews_but_never_private_notes(progress_world, client_for, hack):
    w = progress_world
    client = client_for(w.users["participant"])
    page = text(client.get("/events/hack/team/progress"))
    for field in ("milestone", "done", "next_steps", "blockers", "links"):
        assert f'for="{field}"' in page, field
    assert "Day 1" in page and "Any time" in page
    response = client.post("/events/hack/team/progress",
                           data=check_in_data(milestone=str(w.ids["milestone"]), blockers="GPU quota"))
    assert response.status_code == 302 and response.location == "/events/hack/team/progress"
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.team_id == w.team.id))
    assert (check_in.milestone_id, check_in.author_id, check_in.blockers, check_in.links) == (
        w.ids["milestone"], w.users["participant"].id, "GPU quota", ["https://github.com/example/repo"])
    criterion = db.session.get(RubricCriterion, w.ids["criterion"])
    db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.at_risk, scores={str(criterion.id): 3},
                                comment_to_team="Cut the scope", private_note="Captain seems overwhelmed"))
    db.session.add(MentorReview(event_id=hack.id, team_id=w.other_team.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.blocked, comment_to_team="Other team's review"))
    db.session.commit()
    page = text(client.get("/events/hack/team/progress"))
    assert "GPU quota" in page and "At risk" in page and "Cut the scope" in page and "Mentor" in page
    assert "Progress" in page and "3 of 5" in page
    assert "overwhelmed" not in page and "Other team's review" not in page
    # The other team sees neither this team's check-in nor its review.
    other = text(client_for(w.users["other_participant"]).get("/events/hack/team/progress"))
    assert "GPU quota" not in other and "Cut the scope" not in other and "Other team's review" in other


def test_double_submit_stores_one_check_in(progress_world, client_for):
    client = client_for(progress_world.users["participant"])
    for _ in range(2):
        assert client.post("/events/hack/team/progress", data=check_in_data()).status_code == 302
    assert count(CheckIn, CheckIn.team_id == progress_world.team.id) == 1
    client.post("/events/hack/team/progress", data=check_in_data(done="Something else"))
    assert count(CheckIn, CheckIn.team_id == progress_world.team.id) == 2


@pytest.mark.parametrize("overrides, message", [
    ({"done": "", "next_steps": "", "blockers": ""}, "Say what you did, what is next or what blocks you."),
    ({"links": "javascript:alert(1)"}, "is not a web address"),
    ({"links": "ftp://example.org/x"}, "is not a web address"),
    ({"links": "\n".join(f"https://example.org/{i}" for i in range(6))}, "Give at most 5 links."),
    ({"done": "x" * 5001}, "Use at most 5000 characters."),
    ({"milestone": "999999"}, "Not a valid choice."),
])
def test_bad_check_ins_are_refused(progress_world, client_for, overrides, message):
    response = client_for(progress_world.users["participant"]).post("/events/hack/team/progress",
                                                                    data=check_in_data(**overrides))
    assert response.status_code == 200 and message in text(response)
    assert count(CheckIn, CheckIn.team_id == progress_world.team.id) == 0


def test_check_in_text_is_escaped(progress_world, client_for):
    client = client_for(progress_world.users["participant"])
    client.post("/events/hack/team/progress", data=check_in_data(done=XSS))
    raw = client.get("/events/hack/team/progress").get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;" in raw


@pytest.mark.parametrize("moment", ["before", "after"])
def test_check_ins_only_while_hacking(progress_world, client_for, hack, moment):
    now = utcnow()
    if moment == "before":
        hack.hacking_starts_at = now + timedelta(hours=1)
        hack.submissions_close_at = now + timedelta(days=1)
    else:
        hack.submissions_close_at = now - timedelta(minutes=1)
        hack.pitching_starts_at = now + timedelta(days=3)
    db.session.commit()
    client = client_for(progress_world.users["participant"])
    page = text(client.get("/events/hack/team/progress"))
    assert "Check-ins are open from the start of hacking until submissions close." in page
    assert 'for="done"' not in page
    response = client.post("/events/hack/team/progress", data=check_in_data(), follow_redirects=True)
    assert response.status_code == 200 and "Check-ins are open from the start" in text(response)
    assert count(CheckIn, CheckIn.team_id == progress_world.team.id) == 0


def test_post_check_in_rules(progress_world, hack, make_user):
    from hackathon.errors import OutOfPhase

    w = progress_world
    with pytest.raises(NotAllowed):
        services.post_check_in(w.users["mentor"], hack, milestone_id=None, done="x", next_steps="", blockers="",
                               links="", now=utcnow())
    with pytest.raises(OutOfPhase):
        services.post_check_in(w.users["participant"], hack, milestone_id=None, done="x", next_steps="",
                               blockers="", links="", now=utcnow() + timedelta(days=30))
    with pytest.raises(DomainError):
        services.post_check_in(w.users["participant"], hack, milestone_id=999999, done="x", next_steps="",
                               blockers="", links="", now=utcnow())
    assert services.clean_links("https://a.org/x\n\nhttps://a.org/x\nhttp://b.org") == [
        "https://a.org/x", "http://b.org"]


def test_a_pending_teams_member_has_no_progress_page(progress_world, client_for, hack, make_user):
    from hackathon.applications.models import ApplicationStatus

    pending = make_user(name="Pending")
    shared.add_team(hack, "Waiting", pending, status=ApplicationStatus.submitted)
    assert client_for(pending).get("/events/hack/team/progress").status_code == 403


def test_the_progress_page_runs_a_constant_number_of_queries(progress_world, client_for, hack):
    w = progress_world
    client = client_for(w.users["participant"])

    def add(n):
        for i in range(n):
            db.session.add(CheckIn(event_id=hack.id, team_id=w.team.id, author_id=w.users["participant"].id,
                                   milestone_id=w.ids["milestone"], done=f"step {i}"))
            db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["mentor"].id,
                                        status=TeamStatus.on_track, scores={str(w.ids["criterion"]): 4}))
        db.session.commit()

    def measure():
        with shared.counting_queries() as statements:
            assert client.get("/events/hack/team/progress").status_code == 200
        return len(statements)

    add(3)
    few = measure()
    add(27)
    assert measure() == few


# --- mentor reviews -----------------------------------------------------------------------------------------------


def test_an_assigned_mentor_reviews_a_team_and_the_team_is_told(progress_world, client_for, hack, outbox):
    w = progress_world
    db.session.add(CheckIn(event_id=hack.id, team_id=w.team.id, author_id=w.users["participant"].id,
                           done="Built the scraper", blockers="No GPU"))
    db.session.commit()
    client = client_for(w.users["mentor"])
    page = text(client.get(f"/events/hack/mentoring/teams/{w.team.id}"))
    assert "Taza Suu" in page and "Built the scraper" in page and "No GPU" in page
    assert "Teammate" in page and "Participant" in page  # the team's members
    for field in ("status", f"score_{w.ids['criterion']}", "comment_to_team", "private_note"):
        assert f'for="{field}"' in page, field
    assert "Progress (1 to 5)" in page
    response = client.post(f"/events/hack/mentoring/teams/{w.team.id}", data=review_data(w.ids))
    assert response.status_code == 302
    review = db.session.scalar(select(MentorReview).where(MentorReview.team_id == w.team.id))
    assert (review.status, review.scores, review.comment_to_team, review.private_note, review.mentor_id) == (
        TeamStatus.at_risk, {str(w.ids["criterion"]): 4}, "Good start", "Watch the captain", w.users["mentor"].id)
    mails = outbox()
    recipients = {m.to_address for m in mails if m.template == "mentor_review"}
    assert len(recipients) == 2 and w.users["participant"].email in recipients  # both members of the team
    assert all("Watch the captain" not in m.body_text + m.body_html for m in mails)
    # A second save is a new row: the history.
    client.post(f"/events/hack/mentoring/teams/{w.team.id}", data=review_data(w.ids, status="on_track"))
    assert count(MentorReview, MentorReview.team_id == w.team.id) == 2
    page = text(client.get(f"/events/hack/mentoring/teams/{w.team.id}"))
    assert "On track" in page and "At risk" in page and "Watch the captain" in page  # the author's own note


def test_double_submit_stores_one_review(progress_world, client_for):
    w = progress_world
    client = client_for(w.users["mentor"])
    for _ in range(2):
        assert client.post(f"/events/hack/mentoring/teams/{w.team.id}", data=review_data(w.ids)).status_code == 302
    assert count(MentorReview, MentorReview.team_id == w.team.id) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"status": "great"}, "Not a valid choice."),
    ({"status": ""}, "This field is required."),
    ({"score": "6"}, "Not a valid choice."),
    ({"score": "0"}, "Not a valid choice."),
    ({"score": ""}, "This field is required."),
    ({"comment_to_team": "x" * 5001}, "Use at most 5000 characters."),
])
def test_bad_reviews_are_refused(progress_world, client_for, overrides, message):
    w = progress_world
    if "score" in overrides:
        overrides = {f"score_{w.ids['criterion']}": overrides.pop("score"), **overrides}
    response = client_for(w.users["mentor"]).post(f"/events/hack/mentoring/teams/{w.team.id}",
                                                  data=review_data(w.ids, **overrides))
    assert response.status_code == 200 and message in text(response)
    assert count(MentorReview, MentorReview.team_id == w.team.id) == 0


def test_review_rules_in_the_service(progress_world, hack):
    w = progress_world
    team, mentor = w.team, w.users["mentor"]
    criterion = w.ids["criterion"]
    good = dict(status="on_track", comment_to_team="", private_note="", now=utcnow())
    from hackathon.errors import NotFound

    with pytest.raises(NotFound):
        services.review_team(w.users["other_mentor"], hack, team, scores={criterion: 3}, **good)
    with pytest.raises(DomainError):
        services.review_team(mentor, hack, team, scores={}, **good)
    with pytest.raises(DomainError):
        services.review_team(mentor, hack, team, scores={criterion: 3, 999999: 2}, **good)
    with pytest.raises(DomainError):
        services.review_team(mentor, hack, team, scores={criterion: 9}, **good)
    with pytest.raises(DomainError):
        services.review_team(mentor, hack, team, scores={criterion: 3}, **{**good, "status": "meh"})
    review = services.review_team(mentor, hack, team, scores={criterion: 3}, **good)
    assert review.scores == {str(criterion): 3}
    # Archived criteria are no longer scored.
    db.session.get(RubricCriterion, criterion).is_archived = True
    db.session.commit()
    assert services.review_team(mentor, hack, team, scores={}, **{**good, "status": "blocked"}).scores == {}


def test_other_mentors_cannot_see_private_notes_or_other_teams(progress_world, client_for, hack, make_user):
    w = progress_world
    db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["organiser"].id,
                                status=TeamStatus.blocked, private_note="Organiser-only note"))
    db.session.commit()
    mentor_page = text(client_for(w.users["mentor"]).get(f"/events/hack/mentoring/teams/{w.team.id}"))
    assert "Blocked" in mentor_page and "Organiser-only note" not in mentor_page
    organiser_page = text(client_for(w.users["organiser"]).get(f"/events/hack/mentoring/teams/{w.team.id}"))
    assert "Organiser-only note" in organiser_page
    # A team that is not accepted, or of another event, is 404 even to organisers.
    from hackathon.applications.models import ApplicationStatus

    pending = shared.add_team(hack, "Waiting", make_user(name="P"), status=ApplicationStatus.submitted)
    assert client_for(w.users["organiser"]).get(f"/events/hack/mentoring/teams/{pending.id}").status_code == 404


# --- dashboards -----------------------------------------------------------------------------------------------------


def test_the_mentor_dashboard_flags_stale_missed_and_blocked_teams(progress_world, client_for, hack, make_user):
    w = progress_world
    now = utcnow()
    quiet = shared.add_team(hack, "Quiet Ones", make_user(name="Q"))
    shared.assign(hack, quiet, w.users["mentor"])
    # The milestone "Day 1" is due an hour ago; Taza Suu checked in for it, the quiet team never did.
    milestone = db.session.get(Milestone, w.ids["milestone"])
    milestone.due_at = now - timedelta(hours=1)
    db.session.add(CheckIn(event_id=hack.id, team_id=w.team.id, milestone_id=milestone.id, done="ok",
                           created_at=now - timedelta(minutes=30)))
    db.session.add(MentorReview(event_id=hack.id, team_id=quiet.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.blocked, comment_to_team="x"))
    db.session.commit()
    board = services.mentor_dashboard(w.users["mentor"], hack, now=now)
    assert [row.team.name for row in board.rows] == ["Quiet Ones", "Taza Suu"]  # never the other team
    quiet_row, taza_row = board.rows
    assert quiet_row.stale and quiet_row.missed_milestone and quiet_row.blocked
    assert not taza_row.stale and not taza_row.missed_milestone and taza_row.status == "not_reviewed"
    assert [row.team.id for row in board.blocked] == [quiet.id]
    assert [row.team.id for row in board.needing_check_in] == [quiet.id]
    # Later than the stale-after hours (and before the deadline), Taza Suu is flagged too.
    hack.submissions_close_at = now + timedelta(days=2)
    db.session.commit()
    later = services.mentor_dashboard(w.users["mentor"], hack, now=now + timedelta(hours=25))
    assert all(row.stale for row in later.rows)
    page = text(client_for(w.users["mentor"]).get("/events/hack/mentoring/mine"))
    assert "Quiet Ones" in page and "Taza Suu" in page and "Clean Air" not in page
    assert "Missed the last milestone" in page and "Blocked" in page
    other = text(client_for(w.users["other_mentor"]).get("/events/hack/mentoring/mine"))
    assert "No teams are assigned to you yet." in other and "Taza Suu" not in other


def test_after_submissions_close_my_teams_shows_each_teams_final_state_not_needs_attention(
        progress_world, client_for, hack, make_user):
    from hackathon.submissions.models import Submission, SubmissionStatus

    w = progress_world
    now = utcnow()
    quiet = shared.add_team(hack, "Quiet Ones", make_user(name="Q"))
    shared.assign(hack, quiet, w.users["mentor"])
    db.session.add(Submission(event_id=hack.id, team_id=w.team.id, title="Clean water map",
                              status=SubmissionStatus.submitted))
    hack.submissions_close_at = now - timedelta(days=2)
    hack.pitching_starts_at, hack.results_at = now - timedelta(days=1), now - timedelta(hours=1)
    db.session.commit()
    board = services.mentor_dashboard(w.users["mentor"], hack, now=now)
    assert board.closed and not board.needing_check_in
    assert {row.team.name: row.project for row in board.rows} == {"Quiet Ones": "none", "Taza Suu": "submitted"}
    page = text(client_for(w.users["mentor"]).get("/events/hack/mentoring/mine"))
    assert "Needs attention" not in page and "No recent check-in" not in page
    assert "Each team's final state is below." in page
    assert "Project submitted" in page and "No project" in page


def test_after_submissions_close_the_organiser_board_flags_no_team_and_no_mentor(progress_world, client_for,
                                                                                 hack, make_user):
    from hackathon.submissions.models import Submission, SubmissionStatus

    w = progress_world
    now = utcnow()
    db.session.add(Submission(event_id=hack.id, team_id=w.team.id, title="Clean water map",
                              status=SubmissionStatus.submitted))
    hack.submissions_close_at = now - timedelta(days=2)
    hack.pitching_starts_at, hack.results_at = now - timedelta(days=1), now - timedelta(hours=1)
    db.session.commit()
    board = services.organiser_board(hack, now=now)
    assert board.closed and board.stale == [] and board.quiet_mentors == []
    page = text(client_for(w.users["organiser"]).get("/events/hack/mentoring/board"))
    assert "Each team's final state is below." in page
    assert "Teams without a check-in" not in page and "Mentors without a review" not in page
    assert "Project submitted" in page and "Taza Suu" in page


def test_the_organiser_board_groups_teams_and_flags_quiet_mentors(progress_world, client_for, hack, make_user):
    w = progress_world
    now = utcnow()
    db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.at_risk, created_at=now - timedelta(hours=30)))
    db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.blocked, created_at=now - timedelta(hours=26)))
    db.session.commit()
    board = services.organiser_board(hack, now=now)
    assert [row.team.name for row in board.by_status["blocked"]] == ["Taza Suu"]
    assert [row.team.name for row in board.by_status["not_reviewed"]] == ["Clean Air"]
    assert board.by_status["at_risk"] == [] and board.by_status["on_track"] == []
    assert (board.accepted_count, board.mentored_count) == (2, 1)
    assert [a.mentor.id for a in board.quiet_mentors] == [w.users["mentor"].id]
    assert {row.team.name for row in board.stale} == {"Taza Suu", "Clean Air"}
    services.review_team(w.users["mentor"], hack, w.team, status="on_track", scores={w.ids["criterion"]: 5},
                         comment_to_team="", private_note="", now=now)
    board = services.organiser_board(hack, now=now)
    assert board.quiet_mentors == [] and [r.team.name for r in board.by_status["on_track"]] == ["Taza Suu"]
    page = text(client_for(w.users["organiser"]).get("/events/hack/mentoring/board"))
    assert "1 of 2 accepted teams has a mentor." in page and "Clean Air" in page and "Mentor" in page


def _fill(event, count_, mentor, make_user):
    now = utcnow()
    for i in range(count_):
        team = shared.add_team(event, f"Bulk {event.id}-{i}-{secrets_token()}", make_user(name=f"B{i}"))
        shared.assign(event, team, mentor)
        db.session.add(CheckIn(event_id=event.id, team_id=team.id, done="x", created_at=now - timedelta(hours=i)))
        db.session.add(MentorReview(event_id=event.id, team_id=team.id, mentor_id=mentor.id,
                                    status=list(TeamStatus)[i % 3]))
    db.session.commit()


def secrets_token() -> str:
    import secrets

    return secrets.token_hex(3)


@pytest.mark.parametrize("path, who", [("/events/hack/mentoring/mine", "mentor"),
                                       ("/events/hack/mentoring/board", "organiser")])
def test_boards_run_a_constant_number_of_queries(progress_world, client_for, hack, make_user, path, who):
    w = progress_world
    client = client_for(w.users[who])

    def measure():
        shared.reset_caches()
        with shared.counting_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    _fill(hack, 3, w.users["mentor"], make_user)
    few = measure()
    _fill(hack, 27, w.users["mentor"], make_user)
    assert measure() == few


def test_menu_links_per_role(progress_world, client_for):
    w = progress_world
    pages = {who: client_for(w.users[who]).get("/events/hack/team/progress" if who == "participant" else
                                                "/events/hack/challenges").get_data(as_text=True)
             for who in ("participant", "mentor", "organiser", "juror")}
    assert "/events/hack/team/progress" in pages["participant"]
    assert "/events/hack/mentoring/mine" in pages["mentor"] and "/events/hack/mentoring/board" not in pages["mentor"]
    organiser = pages["organiser"]
    assert "/events/hack/mentoring/board" in organiser and 'href="/events/hack/mentoring"' in organiser
    assert "/events/hack/mentoring" not in pages["juror"] and "/team/progress" not in pages["juror"]


# --- API ------------------------------------------------------------------------------------------------------------


def test_the_progress_api_hides_private_notes_except_from_organisers(progress_world, client_for, hack):
    w = progress_world
    db.session.add(CheckIn(event_id=hack.id, team_id=w.team.id, author_id=w.users["participant"].id,
                           done="Scraper", links=["https://example.org"]))
    db.session.add(MentorReview(event_id=hack.id, team_id=w.team.id, mentor_id=w.users["mentor"].id,
                                status=TeamStatus.at_risk, scores={str(w.ids["criterion"]): 2},
                                comment_to_team="Focus", private_note="Tension in the team"))
    db.session.commit()
    url = f"/api/v1/events/hack/teams/{w.team.id}/progress"
    for who in ("participant", "mentor"):
        data = client_for(w.users[who]).get(url).get_json()
        assert data["team"]["name"] == "Taza Suu" and data["check_ins"][0]["done"] == "Scraper"
        assert data["reviews"][0]["comment_to_team"] == "Focus" and "private_note" not in data["reviews"][0]
        assert "Tension" not in str(data)
    data = client_for(w.users["organiser"]).get(url).get_json()
    assert data["reviews"][0]["private_note"] == "Tension in the team"
    assert data["reviews"][0]["scores"] == {str(w.ids["criterion"]): 2}
    document = client_for().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/events/{slug}/teams/{team_id}/progress"]["get"]
    assert set(operation["responses"]) == {"200", "401", "404"}
    assert "TeamProgress" in document["components"]["schemas"]


def test_csrf_is_required(app, progress_world, client_for):
    w = progress_world
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client_for(w.users["participant"]).post("/events/hack/team/progress",
                                                       data=check_in_data()).status_code == 400
        assert client_for(w.users["mentor"]).post(f"/events/hack/mentoring/teams/{w.team.id}",
                                                  data=review_data(w.ids)).status_code == 400
        organiser = client_for(w.users["organiser"])
        assert organiser.post("/events/hack/mentoring", data={"mentors_per_team": "3",
                                                              "stale_after_hours": "3"}).status_code == 400
        assert organiser.post(f"/events/hack/mentoring/rubric/{w.ids['criterion']}/delete").status_code == 400
        assert count(CheckIn) == 0 and count(MentorReview) == 0 and count(MentoringSettings) == 0
        assert count(RubricCriterion, RubricCriterion.id == w.ids["criterion"]) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_extra_fields_cannot_pick_the_team_or_the_author(progress_world, client_for, hack):
    """Mass assignment: the team comes from the signed-in member, the mentor from the session."""
    w = progress_world
    client_for(w.users["participant"]).post("/events/hack/team/progress", data=check_in_data(
        team_id=str(w.other_team.id), author_id=str(w.users["other_participant"].id)))
    check_in = db.session.scalar(select(CheckIn))
    assert (check_in.team_id, check_in.author_id) == (w.team.id, w.users["participant"].id)
    client_for(w.users["mentor"]).post(f"/events/hack/mentoring/teams/{w.team.id}", data=review_data(
        w.ids, mentor_id=str(w.users["other_mentor"].id), team_id=str(w.other_team.id)))
    review = db.session.scalar(select(MentorReview))
    assert (review.team_id, review.mentor_id) == (w.team.id, w.users["mentor"].id)


def test_no_mentor_review_once_the_results_are_published(progress_world, client_for):
    """A mentor saved a team review after the results were out."""
    from hackathon.results.services import settings_of

    w = progress_world
    client = client_for(w.users["mentor"])
    settings_of(w.event).published_at = utcnow()
    db.session.commit()
    page = client.get(f"/events/hack/mentoring/teams/{w.team.id}").get_data(as_text=True)
    assert "mentors no longer review the teams" in page
    assert 'name="status"' not in page
    response = client.post(f"/events/hack/mentoring/teams/{w.team.id}", data=review_data(w.ids))
    assert response.status_code == 200
    assert "The results are published: mentors no longer review the teams." in text(response)
    assert count(MentorReview, MentorReview.team_id == w.team.id) == 0


def test_mentor_reviews_go_on_through_judging(progress_world):
    """Jurors read the latest review, so reviewing stays open after submissions close, until results."""
    w = progress_world
    w.event.submissions_close_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    review = services.review_team(w.users["mentor"], w.event, w.team, status="on_track", comment_to_team="",
                                  private_note="", scores={w.ids["criterion"]: 4}, now=utcnow())
    assert review.id is not None
