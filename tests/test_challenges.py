"""Datathon challenges through the test client: posting, editing and deleting (author or organiser), Markdown
sanitised, data links checked, the track filter, teams choosing (changing, clearing) their challenge while
hacking is on, `team_challenge`, query counts, and who may do what.

The helpers and the `world` fixture here are shared with test_help_requests.py.
"""
from __future__ import annotations

import html
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hackathon.accounts.models import User
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, OutOfPhase
from hackathon.events.models import Event, Role, Track
from hackathon.extensions import db
from hackathon.mentoring import challenges as services
from hackathon.mentoring.models import Challenge, HelpRequest, HelpStatus, MentorAssignment, TeamChallenge
from hackathon.permissions import forget_accepted_team, forget_mentoring, forget_roles
from hackathon.teams.models import Team, TeamMember, team_name_key
from tests.conftest import session_user_id
from tests.queries import recorded_statements as counting_queries

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LOGIN = "login"


# --- helpers (also used by test_help_requests.py) -----------------------------------------------------------------


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def sign_in(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


def reset_caches() -> None:
    forget_roles()
    forget_accepted_team()
    forget_mentoring()


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def hacking_times(now=None) -> dict:
    now = now or utcnow()
    return dict(applications_open_at=now - timedelta(days=10), applications_close_at=now - timedelta(days=5),
                hacking_starts_at=now - timedelta(days=1), submissions_close_at=now + timedelta(days=1),
                pitching_starts_at=now + timedelta(days=3), results_at=now + timedelta(days=4))


def add_team(event: Event, name: str, *members: User, status: ApplicationStatus = ApplicationStatus.accepted,
             grant_participant: bool = True) -> Team:
    """A team with its application in `status`; members of accepted teams hold the participant role."""
    from hackathon.events.models import EventRole

    team = Team(event_id=event.id, name=name, name_key=team_name_key(name), captain_id=members[0].id if members
                else None, join_code=secrets.token_urlsafe(12)[:16], member_count=len(members), idea="")
    db.session.add(team)
    db.session.flush()
    for member in members:
        db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=member.id))
        if grant_participant and status in (ApplicationStatus.accepted, ApplicationStatus.confirmed):
            db.session.add(EventRole(event_id=event.id, user_id=member.id, role=Role.participant))
    db.session.add(Application(event_id=event.id, kind=ApplicationKind.team, team_id=team.id,
                               user_id=members[0].id if members else None, status=status, answers={}))
    db.session.commit()
    reset_caches()
    return team


def assign(event: Event, team: Team, mentor: User) -> MentorAssignment:
    assignment = MentorAssignment(event_id=event.id, team_id=team.id, mentor_id=mentor.id, reasons={})
    db.session.add(assignment)
    db.session.commit()
    reset_caches()
    return assignment


VISITORS = ("anonymous", "stranger", "applicant", "participant", "other_participant", "mentor", "other_mentor",
            "juror", "reviewer", "organiser", "other_organiser", "admin")
SIGNED_IN = VISITORS[1:]


def statuses(default, **special):
    table = dict.fromkeys(VISITORS, default) | {"anonymous": LOGIN}
    table.update(special)
    return table


@pytest.fixture
def client_for(app):
    def make(user: User | None = None):
        client = app.test_client()
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def hack(make_event):
    """An event in its hacking phase, with two tracks."""
    event = make_event("hack", **hacking_times())
    db.session.add_all([Track(event_id=event.id, name="Water", position=1),
                        Track(event_id=event.id, name="Air", position=2)])
    db.session.commit()
    return event


@pytest.fixture
def world(hack, make_event, make_user, grant):
    """Every kind of visitor: members of two accepted teams, a mentor assigned to the first team and one not
    assigned, a juror, the organiser, an organiser of another event, a site admin."""
    w = type("World", (), {})()
    w.event = hack
    w.users = {name: make_user(name=name.title(), admin=(name == "admin")) for name in SIGNED_IN}
    u = w.users
    grant(u["mentor"], hack, Role.mentor)
    grant(u["other_mentor"], hack, Role.mentor)
    grant(u["juror"], hack, Role.juror)
    grant(u["reviewer"], hack, Role.reviewer)
    grant(u["organiser"], hack, Role.organiser)
    db.session.add(Application(event_id=hack.id, kind=ApplicationKind.individual, user_id=u["applicant"].id,
                               individual_user_id=u["applicant"].id, answers={}))  # a draft, no role
    grant(u["other_organiser"], make_event("other-event", **hacking_times()), Role.organiser)
    w.team = add_team(hack, "Taza Suu", u["participant"], make_user(name="Teammate"))
    w.other_team = add_team(hack, "Clean Air", u["other_participant"])
    assign(hack, w.team, u["mentor"])
    w.tracks = list(db.session.scalars(select(Track).where(Track.event_id == hack.id).order_by(Track.position)))

    def reset() -> dict:
        """Fresh objects for a route that changes them (called before each visitor's request)."""
        db.session.execute(update(HelpRequest).where(HelpRequest.status.in_((HelpStatus.open, HelpStatus.claimed)))
                           .values(status=HelpStatus.cancelled, cancelled_at=utcnow()))
        challenge = Challenge(event_id=hack.id, track_id=w.tracks[0].id, title="River data",
                              description="Find **leaks**.", data_links=["https://example.org/water.csv"],
                              created_by_id=u["mentor"].id)
        db.session.add(challenge)
        db.session.flush()
        now = utcnow()
        open_request = HelpRequest(event_id=hack.id, team_id=w.team.id, topic="pandas merge", language="ru",
                                   created_by_id=u["participant"].id, created_at=now - timedelta(minutes=5))
        claimed = HelpRequest(event_id=hack.id, team_id=w.team.id, topic="deploy", status=HelpStatus.claimed,
                              created_at=now - timedelta(minutes=30), claimed_by_id=u["mentor"].id,
                              claimed_at=now - timedelta(minutes=10))
        db.session.add_all([open_request, claimed])
        db.session.commit()
        reset_caches()
        w.ids = {"challenge": challenge.id, "open_request": open_request.id, "claimed_request": claimed.id,
                 "track": w.tracks[0].id}
        return w.ids

    w.reset = reset
    reset()
    return w


def walk(world, client_for, method, path, data, expected):
    """Send the request as every kind of visitor; state-changing requests get fresh objects each time."""
    for visitor in VISITORS:
        ids = world.reset() if method == "POST" else world.ids
        url = path.format(**ids)
        client = client_for(world.users.get(visitor))
        response = client.get(url) if method == "GET" else client.post(url, data=data(ids) if data else {})
        want = expected[visitor]
        if want == LOGIN:
            assert response.status_code == 302 and response.location.startswith("/login?next="), (visitor, url)
        else:
            assert response.status_code == want, (visitor, method, url, response.status_code)


def challenge_form(**overrides) -> dict:
    data = {"title": "Air quality in Bishkek", "track": "", "description": "Predict **PM2.5**.",
            "data_links": "https://example.org/air.csv\nhttp://example.org/stations.json"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- who may do what ----------------------------------------------------------------------------------------------

VIEWERS = ("participant", "other_participant", "mentor", "other_mentor", "juror", "organiser", "admin")
POSTERS = ("mentor", "other_mentor", "organiser", "admin")
EDITORS = ("mentor", "organiser", "admin")
# Signed-in people who see the challenges but may not change this one get 403; the others 404 (the id stays hidden).
NOT_EDITORS = ("participant", "other_participant", "other_mentor", "juror")

ROUTES = [
    ("GET", "/events/hack/challenges", None, statuses(403, **dict.fromkeys(VIEWERS, 200))),
    ("GET", "/events/hack/challenges?track={track}", None, statuses(403, **dict.fromkeys(VIEWERS, 200))),
    ("GET", "/events/hack/challenges/new", None, statuses(403, **dict.fromkeys(POSTERS, 200))),
    ("POST", "/events/hack/challenges/new", lambda ids: challenge_form(title=f"New {ids['challenge']}"),
     statuses(403, **dict.fromkeys(POSTERS, 302))),
    # Those who may not see the challenges at all (no role, an applicant's draft, an application reviewer) are
    # not told that one exists.
    ("GET", "/events/hack/challenges/{challenge}", None,
     statuses(403, stranger=404, applicant=404, reviewer=404, other_organiser=404, **dict.fromkeys(EDITORS, 200))),
    ("POST", "/events/hack/challenges/{challenge}", lambda ids: challenge_form(title=f"Renamed {ids['challenge']}"),
     statuses(403, stranger=404, applicant=404, reviewer=404, other_organiser=404, **dict.fromkeys(EDITORS, 302))),
    ("GET", "/events/hack/challenges/999999", None, statuses(404)),
    ("POST", "/events/hack/challenges/{challenge}/delete", None,
     statuses(403, stranger=404, applicant=404, reviewer=404, other_organiser=404, **dict.fromkeys(EDITORS, 302))),
    ("POST", "/events/hack/challenges/choose", lambda ids: {"challenge_id": ids["challenge"]},
     statuses(403, participant=302, other_participant=302)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    walk(world, client_for, method, path, data, expected)


def test_an_unpublished_event_hides_every_challenge_route_from_outsiders(world, client_for, hack):
    hack.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(**world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(world.users.get(visitor))
            response = client.get(url) if method == "GET" else client.post(url, data=data(world.ids) if data else {})
            assert response.status_code == 404, (visitor, method, url)


def test_challenge_actions_do_not_answer_get(world, client_for):
    client = client_for(world.users["organiser"])
    for path in ("/events/hack/challenges/{challenge}/delete", "/events/hack/challenges/choose"):
        assert client.get(path.format(**world.ids)).status_code == 405


# --- posting, editing, deleting -------------------------------------------------------------------------------------


def test_a_mentor_posts_a_challenge_that_participants_read(world, client_for):
    mentor = client_for(world.users["mentor"])
    page = mentor.get("/events/hack/challenges/new")
    assert page.status_code == 200 and 'for="title"' in text(page) and 'for="data_links"' in text(page)
    response = mentor.post("/events/hack/challenges/new", data=challenge_form(track=str(world.tracks[1].id)))
    assert response.status_code == 302 and response.location == "/events/hack/challenges"
    challenge = db.session.scalar(select(Challenge).where(Challenge.title == "Air quality in Bishkek"))
    assert (challenge.track_id, challenge.created_by_id) == (world.tracks[1].id, world.users["mentor"].id)
    assert challenge.data_links == ["https://example.org/air.csv", "http://example.org/stations.json"]

    page = client_for(world.users["participant"]).get("/events/hack/challenges")
    body = page.get_data(as_text=True)
    assert "<strong>PM2.5</strong>" in body and 'href="https://example.org/air.csv"' in body
    assert "Posted by Mentor" in text(page)
    # Participants see no edit controls.
    assert f"/challenges/{challenge.id}/delete" not in body


def test_markdown_is_sanitised_and_titles_escaped(world, client_for):
    mentor = client_for(world.users["mentor"])
    description = (f"{XSS}\n\n[click](javascript:alert(1)) [ok](https://example.org) "
                   "<a href=\"javascript:alert(2)\">raw</a>\n\n![img](javascript:alert(3))")
    mentor.post("/events/hack/challenges/new", data=challenge_form(title=XSS, description=description))
    body = client_for(world.users["participant"]).get("/events/hack/challenges").get_data(as_text=True)
    assert "<script>" not in body and "onerror=alert" not in body.replace("onerror=alert(1)&gt;", "")
    assert '<a href="javascript' not in body and "<img" not in body
    assert "&lt;script&gt;" in body  # the title is shown, escaped
    assert 'href="https://example.org"' in body


@pytest.mark.parametrize("links, message", [
    ("javascript:alert(1)", "is not a web address"),
    ("data:text/html,<b>x</b>", "is not a web address"),
    ("/relative/path.csv", "is not a web address"),
    ("ftp://example.org/file", "is not a web address"),
    ("https://", "is not a web address"),
    ("\n".join(f"https://example.org/{i}.csv" for i in range(11)), "at most 10 data links"),
    ("https://example.org/" + "a" * 600, "longer than 500 characters"),
])
def test_bad_data_links_are_refused_with_a_message(world, client_for, links, message):
    response = client_for(world.users["mentor"]).post("/events/hack/challenges/new",
                                                      data=challenge_form(data_links=links))
    assert response.status_code == 200 and message in text(response)
    assert count(Challenge) == 1  # only the world's


def test_bad_form_input_is_refused(world, client_for):
    mentor = client_for(world.users["mentor"])
    for data, message in [(challenge_form(title="  "), "This field is required."),
                          (challenge_form(title="x" * 161), "at most 160 characters"),
                          (challenge_form(track="999999"), "Not a valid choice"),
                          (challenge_form(track="abc"), "Not a valid choice")]:
        response = mentor.post("/events/hack/challenges/new", data=data)
        assert response.status_code == 200 and message in text(response), message
    assert count(Challenge) == 1


def test_a_double_submit_posts_one_challenge_and_titles_are_unique(world, client_for):
    mentor = client_for(world.users["mentor"])
    assert mentor.post("/events/hack/challenges/new", data=challenge_form()).status_code == 302
    response = mentor.post("/events/hack/challenges/new", data=challenge_form(title="AIR QUALITY in Bishkek"))
    assert response.status_code == 200 and "A challenge with this title already exists" in text(response)
    assert count(Challenge) == 2
    # Renaming onto another challenge's title is refused too; keeping one's own title is fine.
    response = mentor.post(f"/events/hack/challenges/{world.ids['challenge']}",
                           data=challenge_form(title="Air quality in Bishkek"))
    assert "A challenge with this title already exists" in text(response)
    assert mentor.post(f"/events/hack/challenges/{world.ids['challenge']}",
                       data=challenge_form(title="River data")).status_code == 302


def test_another_events_track_is_refused_by_the_service(world, make_event):
    other = make_event("third", **hacking_times())
    track = Track(event_id=other.id, name="Elsewhere")
    db.session.add(track)
    db.session.commit()
    with pytest.raises(DomainError, match="tracks"):
        services.create_challenge(world.users["organiser"], world.event, title="x", description="",
                                  track_id=track.id, data_links="")


def test_only_mentors_and_organisers_post_in_the_service(world):
    with pytest.raises(NotAllowed):
        services.create_challenge(world.users["participant"], world.event, title="x", description="",
                                  track_id=None, data_links="")


def test_author_edits_and_other_mentor_cannot(world, client_for):
    challenge_id = world.ids["challenge"]
    page = client_for(world.users["mentor"]).get(f"/events/hack/challenges/{challenge_id}")
    assert 'value="River data"' in page.get_data(as_text=True) and "https://example.org/water.csv" in text(page)
    response = client_for(world.users["mentor"]).post(
        f"/events/hack/challenges/{challenge_id}", data=challenge_form(title="River data 2", data_links=""))
    assert response.status_code == 302
    db.session.expire_all()
    challenge = db.session.get(Challenge, challenge_id)
    assert (challenge.title, challenge.data_links, challenge.track_id) == ("River data 2", [], None)
    assert client_for(world.users["other_mentor"]).post(
        f"/events/hack/challenges/{challenge_id}", data=challenge_form(title="Hijack")).status_code == 403
    assert db.session.get(Challenge, challenge_id).title == "River data 2"


def test_a_mentor_who_lost_the_role_no_longer_edits(world, client_for):
    from hackathon.events.models import EventRole

    db.session.execute(EventRole.__table__.delete().where(EventRole.user_id == world.users["mentor"].id))
    db.session.commit()
    response = client_for(world.users["mentor"]).post(f"/events/hack/challenges/{world.ids['challenge']}",
                                                      data=challenge_form(title="Late"))
    assert response.status_code == 404  # no longer sees challenges at all


def test_another_events_challenge_is_not_found(world, client_for, make_event):
    other = make_event("elsewhere", **hacking_times())
    foreign = Challenge(event_id=other.id, title="Theirs")
    db.session.add(foreign)
    db.session.commit()
    organiser = client_for(world.users["organiser"])
    assert organiser.get(f"/events/hack/challenges/{foreign.id}").status_code == 404
    assert organiser.post(f"/events/hack/challenges/{foreign.id}/delete").status_code == 404
    participant = client_for(world.users["participant"])
    assert participant.post("/events/hack/challenges/choose", data={"challenge_id": foreign.id}).status_code == 404
    assert count(TeamChallenge) == 0 and count(Challenge, Challenge.id == foreign.id) == 1


def test_deleting_clears_the_teams_choice(world, client_for):
    challenge_id = world.ids["challenge"]
    client_for(world.users["participant"]).post("/events/hack/challenges/choose", data={"challenge_id": challenge_id})
    assert count(TeamChallenge) == 1
    response = client_for(world.users["organiser"]).post(f"/events/hack/challenges/{challenge_id}/delete")
    assert response.status_code == 302
    assert count(Challenge, Challenge.id == challenge_id) == 0 and count(TeamChallenge) == 0
    assert services.team_challenge(world.team.id) is None


# --- filtering ------------------------------------------------------------------------------------------------------


def test_the_track_filter(world, client_for):
    db.session.add(Challenge(event_id=world.event.id, track_id=world.tracks[1].id, title="Smog sensors"))
    db.session.commit()
    client = client_for(world.users["juror"])
    page = text(client.get("/events/hack/challenges"))
    assert "River data" in page and "Smog sensors" in page
    assert page.index("River data") < page.index("Smog sensors")  # by track position
    page = text(client.get(f"/events/hack/challenges?track={world.tracks[1].id}"))
    assert "River data" not in page and "Smog sensors" in page
    page = client.get("/events/hack/challenges?track=nonsense")
    assert page.status_code == 200 and "River data" in text(page) and "Smog sensors" in text(page)


# --- choosing -------------------------------------------------------------------------------------------------------


def test_a_team_chooses_changes_and_clears_its_challenge(world, client_for):
    second = Challenge(event_id=world.event.id, title="Glacier melt")
    db.session.add(second)
    db.session.commit()
    participant = client_for(world.users["participant"])
    page = text(participant.get("/events/hack/challenges"))
    assert "Your team has not chosen a challenge." in page and "Choose this challenge" in page

    response = participant.post("/events/hack/challenges/choose", data={"challenge_id": world.ids["challenge"]})
    assert response.status_code == 302
    page = text(participant.get("/events/hack/challenges"))
    assert "Your team works on “River data”." in page and "1 team chose it" in page
    assert "Chosen by:" not in page  # participants see how many teams, not which
    page = text(client_for(world.users["mentor"]).get("/events/hack/challenges"))
    assert "Chosen by:" in page and ">Taza Suu</span>" in page
    assert services.team_challenge(world.team.id).id == world.ids["challenge"]

    # A teammate changes it: still one row for the team.
    teammate = db.session.scalar(select(User).where(User.name == "Teammate"))
    client_for(teammate).post("/events/hack/challenges/choose", data={"challenge_id": second.id})
    assert count(TeamChallenge) == 1 and services.team_challenge(world.team.id).id == second.id
    # Choosing the same again is harmless (double submit).
    client_for(teammate).post("/events/hack/challenges/choose", data={"challenge_id": second.id})
    assert count(TeamChallenge) == 1

    participant.post("/events/hack/challenges/choose", data={})
    assert count(TeamChallenge) == 0 and services.team_challenge(world.team.id) is None
    assert "Your team has no challenge now." in text(participant.get("/events/hack/challenges"))


def test_choosing_needs_the_hacking_phase(world, client_for):
    now = utcnow()
    world.event.hacking_starts_at = now + timedelta(hours=1)
    db.session.commit()
    participant = client_for(world.users["participant"])
    response = participant.post("/events/hack/challenges/choose", data={"challenge_id": world.ids["challenge"]},
                                follow_redirects=True)
    assert "Teams choose a challenge while hacking is on." in text(response)
    assert "Choose this challenge" not in text(response)
    assert count(TeamChallenge) == 0
    with pytest.raises(OutOfPhase):
        services.choose_challenge(world.users["participant"], world.event, world.ids["challenge"],
                                  now=now + timedelta(days=2))


def test_teams_not_accepted_cannot_choose(world, client_for, make_user):
    waiting = make_user()
    add_team(world.event, "Waitlisted", waiting, status=ApplicationStatus.waitlisted)
    response = client_for(waiting).post("/events/hack/challenges/choose", data={"challenge_id": world.ids["challenge"]})
    assert response.status_code == 403 and count(TeamChallenge) == 0


def test_bad_choice_input(world, client_for):
    participant = client_for(world.users["participant"])
    for value in ("abc", "-1", "99999999999"):
        assert participant.post("/events/hack/challenges/choose",
                                data={"challenge_id": value}).status_code == 400, value
    assert participant.post("/events/hack/challenges/choose", data={"challenge_id": "999999"}).status_code == 404
    assert count(TeamChallenge) == 0


def test_csrf_is_required(app, world, client_for):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        mentor = client_for(world.users["mentor"])
        assert mentor.post("/events/hack/challenges/new", data=challenge_form()).status_code == 400
        assert mentor.post(f"/events/hack/challenges/{world.ids['challenge']}/delete").status_code == 400
        participant = client_for(world.users["participant"])
        assert participant.post("/events/hack/challenges/choose",
                                data={"challenge_id": world.ids["challenge"]}).status_code == 400
        assert count(Challenge) == 1 and count(TeamChallenge) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_clean_data_links_unit():
    assert services.clean_data_links(" https://a.org/x \n\nhttps://a.org/x\nHTTP://b.org ") == [
        "https://a.org/x", "HTTP://b.org"]
    assert services.clean_data_links(None) == []
    with pytest.raises(DomainError):
        services.clean_data_links("https://a.org/x y")
    with pytest.raises(DomainError):
        services.clean_data_links("javascript://a.org/%0aalert(1)")


# --- query counts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["participant", "organiser"])
def test_the_challenges_page_runs_a_constant_number_of_queries(world, client_for, make_user, viewer):
    event_id, track_ids, chosen = world.event.id, [t.id for t in world.tracks], world.ids["challenge"]

    def add(n: int) -> None:
        event = db.session.get(Event, event_id)
        for i in range(n):
            author = make_user()
            db.session.add(Challenge(event_id=event_id, track_id=track_ids[i % 2], title=f"C{i}",
                                     description="*x*", data_links=["https://example.org"],
                                     created_by_id=author.id))
            team = add_team(event, f"Team {secrets.token_hex(4)}", make_user())
            db.session.add(TeamChallenge(team_id=team.id, challenge_id=chosen))
        db.session.commit()

    client = client_for(world.users[viewer])
    add(3)
    db.session.expunge_all()  # as in a fresh request of a real server: nothing already loaded
    with counting_queries() as few:
        assert client.get("/events/hack/challenges").status_code == 200
    add(27)
    db.session.expunge_all()
    with counting_queries() as many:
        assert client.get("/events/hack/challenges").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_ids_too_large_for_the_database_are_not_found(world, client_for):
    client = client_for(world.users["organiser"])
    assert client.get("/events/hack/challenges/99999999999").status_code == 404
    assert client.post("/events/hack/challenges/99999999999/delete").status_code == 404
    assert client.post("/events/hack/challenges/0/delete").status_code == 404
