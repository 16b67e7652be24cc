"""Help requests through the test client: a team asks, sees its requests and waiting times, cancels; mentors see
the queue (filters by language and expertise), claim (one of two simultaneous claims wins), resolve and release;
organisers see average waiting and resolution times; the pure rules; query counts; who may do what."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hackathon.applications.models import ApplicationStatus
from hackathon.database import utcnow
from hackathon.errors import Conflict, NotAllowed
from hackathon.events.models import Event, Role
from hackathon.extensions import db
from hackathon.mentoring import help as services
from hackathon.mentoring.models import HelpRequest, HelpStatus, MentorProfile
from tests import test_challenges as shared
from tests.test_challenges import XSS, add_team, count, counting_queries, statuses, text, walk

# The fixtures of test_challenges.py: the same visitors and the same event.
client_for, hack, world = shared.client_for, shared.hack, shared.world

TEAM = ("participant", "other_participant")
QUEUE = ("mentor", "other_mentor", "organiser", "admin")


def ask(**overrides) -> dict:
    data = {"topic": "pandas: merging two tables", "description": "Rows go missing after the merge.",
            "language": "ru"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def fresh(id_) -> HelpRequest:
    db.session.expire_all()
    return db.session.get(HelpRequest, id_)


# --- who may do what ----------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/events/hack/help", None, statuses(403, **dict.fromkeys(TEAM, 200))),
    ("POST", "/events/hack/help", lambda ids: ask(), statuses(403, **dict.fromkeys(TEAM, 302))),
    ("POST", "/events/hack/help/{open_request}/cancel", None, statuses(403, participant=302, other_participant=404)),
    ("GET", "/events/hack/help/queue", None, statuses(403, **dict.fromkeys(QUEUE, 200))),
    ("GET", "/events/hack/help/queue?language=ru&matching=y", None, statuses(403, **dict.fromkeys(QUEUE, 200))),
    # Organisers manage the queue but do not claim.
    ("POST", "/events/hack/help/{open_request}/claim", None,
     statuses(403, mentor=302, other_mentor=302)),
    ("POST", "/events/hack/help/{claimed_request}/resolve", None,
     statuses(403, mentor=302, organiser=302, admin=302)),
    ("POST", "/events/hack/help/{claimed_request}/release", None,
     statuses(403, mentor=302, organiser=302, admin=302)),
    ("POST", "/events/hack/help/999999/claim", None, statuses(403, mentor=404, other_mentor=404)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    walk(world, client_for, method, path, data, expected)


def test_an_unpublished_event_hides_every_help_route_from_outsiders(world, client_for, hack):
    hack.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(**world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(world.users.get(visitor))
            response = client.get(url) if method == "GET" else client.post(url, data=data(world.ids) if data else {})
            assert response.status_code == 404, (visitor, method, url)


def test_help_actions_do_not_answer_get(world, client_for):
    client = client_for(world.users["mentor"])
    for action in ("claim", "resolve", "release", "cancel"):
        assert client.get(f"/events/hack/help/{world.ids['open_request']}/{action}").status_code == 405


# --- the team's side ----------------------------------------------------------------------------------------------


def test_a_team_asks_and_sees_its_requests(world, client_for):
    participant = client_for(world.users["participant"])
    page = participant.get("/events/hack/help")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'for="topic"' in body and 'for="language"' in body
    assert "pandas merge" in text(page) and "Waiting for a mentor" in text(page) and "A mentor is on it" in text(page)
    assert "waiting for 5 minutes" in text(page) and "waited 20 minutes" in text(page)
    assert "Mentor: Mentor" in text(page)

    response = participant.post("/events/hack/help", data=ask(topic=XSS, language=""))
    assert response.status_code == 302
    request = db.session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()))
    assert (request.team_id, request.status, request.language, request.created_by_id) == (
        world.team.id, HelpStatus.open, None, world.users["participant"].id)
    body = participant.get("/events/hack/help").get_data(as_text=True)
    assert "<script>" not in body and "&lt;script&gt;" in body
    # Another team sees none of this.
    other = text(client_for(world.users["other_participant"]).get("/events/hack/help"))
    assert "pandas merge" not in other and "Your team has not asked for help yet." in other


def test_a_double_submit_asks_once(world, client_for):
    participant = client_for(world.users["participant"])
    before = count(HelpRequest)
    assert participant.post("/events/hack/help", data=ask()).status_code == 302
    assert participant.post("/events/hack/help", data=ask()).status_code == 302
    assert count(HelpRequest) == before + 1


def test_bad_input_is_refused(world, client_for):
    participant = client_for(world.users["participant"])
    before = count(HelpRequest)
    for data, message in [(ask(topic="   "), "This field is required."),
                          (ask(topic="x" * 121), "at most 120 characters"),
                          (ask(description="x" * 2001), "at most 2000 characters"),
                          (ask(language="de"), "Not a valid choice")]:
        response = participant.post("/events/hack/help", data=data)
        assert response.status_code == 200 and message in text(response), message
    assert count(HelpRequest) == before


def test_a_team_may_not_flood_the_queue(world, client_for):
    participant = client_for(world.users["participant"])
    assert participant.post("/events/hack/help", data=ask()).status_code == 302  # third active request
    response = participant.post("/events/hack/help", data=ask(topic="Another question"))
    assert response.status_code == 200 and "already has 3 requests" in text(response)
    assert count(HelpRequest, HelpRequest.team_id == world.team.id) == 3


def test_a_team_not_accepted_cannot_ask(world, client_for, make_user):
    waiting = make_user()
    add_team(world.event, "Waitlisted", waiting, status=ApplicationStatus.waitlisted)
    assert client_for(waiting).get("/events/hack/help").status_code == 403
    with pytest.raises(NotAllowed):
        services.ask_for_help(waiting, world.event, topic="x", description="", language=None, now=utcnow())


def test_cancel_open_and_claimed_but_not_twice(world, client_for):
    participant = client_for(world.users["participant"])
    for key in ("open_request", "claimed_request"):
        response = participant.post(f"/events/hack/help/{world.ids[key]}/cancel")
        assert response.status_code == 302
        request = fresh(world.ids[key])
        assert request.status == HelpStatus.cancelled and request.cancelled_at is not None
    response = participant.post(f"/events/hack/help/{world.ids['open_request']}/cancel", follow_redirects=True)
    assert "already resolved or cancelled" in text(response)
    # A cancelled request can no longer be claimed.
    response = client_for(world.users["other_mentor"]).post(
        f"/events/hack/help/{world.ids['open_request']}/claim", follow_redirects=True)
    assert "Another mentor has already claimed this request, or the team cancelled it." in text(response)


def test_another_teams_or_events_request_is_not_found(world, client_for, make_event, make_user):
    from tests.test_challenges import hacking_times

    other = make_event("elsewhere", **hacking_times())
    person = make_user()
    team = add_team(other, "Far away", person)
    foreign = HelpRequest(event_id=other.id, team_id=team.id, topic="theirs")
    db.session.add(foreign)
    db.session.commit()
    mentor = client_for(world.users["mentor"])
    for action in ("claim", "resolve", "release"):
        assert mentor.post(f"/events/hack/help/{foreign.id}/{action}").status_code == 404
    assert client_for(world.users["participant"]).post(f"/events/hack/help/{foreign.id}/cancel").status_code == 404
    assert fresh(foreign.id).status == HelpStatus.open


# --- the mentors' side --------------------------------------------------------------------------------------------


def test_claim_then_resolve(world, client_for):
    mentor = client_for(world.users["other_mentor"])
    page = text(mentor.get("/events/hack/help/queue"))
    assert "pandas merge" in page and "Taza Suu" in page and "waiting for 5 minutes" in page
    assert "deploy" not in page  # claimed by another mentor: not in this mentor's list
    response = mentor.post(f"/events/hack/help/{world.ids['open_request']}/claim", follow_redirects=True)
    assert "The request is yours" in text(response)
    request = fresh(world.ids["open_request"])
    assert (request.status, request.claimed_by_id) == (HelpStatus.claimed, world.users["other_mentor"].id)
    assert request.claimed_at is not None
    assert "Your claimed requests" in text(response)

    # Another mentor cannot resolve it; the claimer can.
    assert client_for(world.users["mentor"]).post(
        f"/events/hack/help/{request.id}/resolve").status_code == 403
    response = mentor.post(f"/events/hack/help/{request.id}/resolve", follow_redirects=True)
    assert "The request is resolved." in text(response)
    request = fresh(request.id)
    assert request.status == HelpStatus.resolved and request.resolved_at >= request.claimed_at
    # Resolving twice is harmless.
    response = mentor.post(f"/events/hack/help/{request.id}/resolve", follow_redirects=True)
    assert "no longer claimed" in text(response) and fresh(request.id).status == HelpStatus.resolved
    page = text(client_for(world.users["participant"]).get("/events/hack/help"))
    assert "Resolved" in page


def test_claiming_tells_the_asker_by_mail(world, client_for, outbox):
    request = db.session.get(HelpRequest, world.ids["open_request"])
    request.topic = XSS
    db.session.commit()
    client_for(world.users["other_mentor"]).post(f"/events/hack/help/{request.id}/claim")
    mails = outbox(world.users["participant"].email)
    assert [m.template for m in mails] == ["help_claimed"]
    assert "Other_Mentor has taken your team's help request" in mails[0].body_text
    assert "http://hackathon.test/events/hack/help" in mails[0].body_text
    assert "<script>" not in mails[0].body_html and "&lt;script&gt;" in mails[0].body_html
    # A lost claim sends nothing more.
    client_for(world.users["mentor"]).post(f"/events/hack/help/{request.id}/claim")
    assert len(outbox(world.users["participant"].email)) == 1


def test_release_puts_the_request_back(world, client_for):
    mentor = client_for(world.users["mentor"])
    response = mentor.post(f"/events/hack/help/{world.ids['claimed_request']}/release", follow_redirects=True)
    assert "back in the queue" in text(response)
    request = fresh(world.ids["claimed_request"])
    assert (request.status, request.claimed_by_id, request.claimed_at) == (HelpStatus.open, None, None)
    assert "Claim" in text(client_for(world.users["other_mentor"]).get("/events/hack/help/queue"))


def test_a_mentor_does_not_claim_their_own_teams_request(world, client_for, grant):
    participant = world.users["participant"]
    grant(participant, world.event, Role.mentor)
    response = client_for(participant).post(f"/events/hack/help/{world.ids['open_request']}/claim",
                                            follow_redirects=True)
    assert "You are a member of this team" in text(response)
    assert fresh(world.ids["open_request"]).status == HelpStatus.open


def test_two_claims_one_winner_sequentially(world):
    now = utcnow()
    services.claim_help(world.users["mentor"], world.event, world.ids["open_request"], now=now)
    with pytest.raises(Conflict, match="Another mentor has already claimed"):
        services.claim_help(world.users["other_mentor"], world.event, world.ids["open_request"], now=now)
    assert fresh(world.ids["open_request"]).claimed_by_id == world.users["mentor"].id


def test_two_simultaneous_claims_one_winner(app, world, request):
    """Two mentors press "Claim" at the same moment, each in its own connection: exactly one wins."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL; the sequential test covers SQLite")
    event_id, request_id = world.event.id, world.ids["open_request"]
    mentor_ids = [world.users["mentor"].id, world.users["other_mentor"].id]
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def claim(mentor_id: int) -> None:
        with app.app_context():
            from hackathon.accounts.models import User

            mentor = db.session.get(User, mentor_id)
            event = db.session.get(Event, event_id)
            barrier.wait()
            try:
                services.claim_help(mentor, event, request_id, now=utcnow())
                results[mentor_id] = "won"
            except Conflict:
                results[mentor_id] = "lost"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(mentor_id,)) for mentor_id in mentor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == ["lost", "won"]
    winner = next(mentor_id for mentor_id, result in results.items() if result == "won")
    assert fresh(request_id).claimed_by_id == winner


def test_queue_filters_by_language_and_expertise(world, client_for):
    now = utcnow()
    db.session.add(MentorProfile(event_id=world.event.id, user_id=world.users["other_mentor"].id,
                                 expertise=["Machine learning", "pandas"], languages=["ru"]))
    db.session.add_all([
        HelpRequest(event_id=world.event.id, team_id=world.other_team.id, topic="Деплой на сервер", language="ky",
                    created_at=now - timedelta(minutes=2)),
        HelpRequest(event_id=world.event.id, team_id=world.other_team.id, topic="model", language=None,
                    description="our machine learning model overfits", created_at=now - timedelta(minutes=1)),
    ])
    db.session.commit()
    mentor = client_for(world.users["other_mentor"])
    page = text(mentor.get("/events/hack/help/queue"))
    assert "pandas merge" in page and "Деплой на сервер" in page and "model" in page
    assert page.index("pandas merge") < page.index("Деплой на сервер")  # oldest first
    assert "Your expertise: Machine learning, pandas" in page
    page = text(mentor.get("/events/hack/help/queue?language=ky"))
    assert "pandas merge" not in page and "Деплой на сервер" in page and "overfits" in page  # no preference: any
    assert "1 request is hidden by the filters." in page
    page = text(mentor.get("/events/hack/help/queue?matching=y"))
    assert "pandas merge" in page and "Деплой на сервер" not in page and "overfits" in page
    assert "Matches: pandas" in page and "Matches: Machine learning" in page
    page = mentor.get("/events/hack/help/queue?language=xx")
    assert page.status_code == 200 and "Not a valid choice" in text(page)


def test_organisers_see_average_times(world, client_for):
    base = utcnow() - timedelta(days=1)
    db.session.add_all([
        HelpRequest(event_id=world.event.id, team_id=world.other_team.id, topic="a", status=HelpStatus.resolved,
                    created_at=base, claimed_at=base + timedelta(minutes=10), resolved_at=base + timedelta(minutes=40)),
        HelpRequest(event_id=world.event.id, team_id=world.other_team.id, topic="b", status=HelpStatus.resolved,
                    created_at=base, claimed_at=base + timedelta(minutes=30), resolved_at=base + timedelta(minutes=40)),
    ])
    db.session.commit()
    page = text(client_for(world.users["organiser"]).get("/events/hack/help/queue"))
    # Waits: 10, 30 and the world's claimed request (20) -> 20 minutes; resolutions: 30 and 10 -> 20 minutes
    # (the third "20 minutes" is the claimed request's own wait in its card).
    assert "Average waiting time (asked → claimed)" in page and "Claimed requests" in page and "deploy" in page
    assert page.count("20 minutes") == 3 and "(3 requests)" in page and "(2 requests)" in page
    assert "Average waiting time" not in text(client_for(world.users["mentor"]).get("/events/hack/help/queue"))


def test_csrf_is_required(app, world, client_for):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client_for(world.users["mentor"]).post(
            f"/events/hack/help/{world.ids['open_request']}/claim").status_code == 400
        assert client_for(world.users["participant"]).post("/events/hack/help", data=ask()).status_code == 400
        assert fresh(world.ids["open_request"]).status == HelpStatus.open and count(HelpRequest) == 2
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- the pure rules -----------------------------------------------------------------------------------------------


def test_expertise_matches_whole_words_in_any_script():
    assert services.expertise_matches(["Machine learning", "ml", "SQL"], "ML model", "need sql help") == ["ml", "SQL"]
    assert services.expertise_matches(["ml"], "HTML layout", "") == []
    assert services.expertise_matches(["машинное обучение"], "Машинное обучение", "") == ["машинное обучение"]
    assert services.expertise_matches(["", " "], "anything", "") == []


def test_help_times():
    t = datetime(2026, 1, 1, 12, 0)
    times = services.help_times([
        (t, t + timedelta(minutes=4), t + timedelta(minutes=10)),
        (t, t + timedelta(minutes=5), None),
        (t, None, None),                                       # still open: not counted
        (t, t + timedelta(seconds=1), t + timedelta(seconds=2)),
    ])
    assert (times.claimed_count, times.resolved_count) == (3, 2)
    assert times.average_wait == timedelta(seconds=(240 + 300 + 1) // 3)
    assert times.average_resolution == timedelta(seconds=(360 + 1) // 2)
    empty = services.help_times([])
    assert (empty.average_wait, empty.average_resolution, empty.claimed_count) == (None, None, 0)


def test_waiting_time():
    t = datetime(2026, 1, 1, 12, 0)
    open_request = HelpRequest(created_at=t, status=HelpStatus.open)
    assert services.waiting_time(open_request, t + timedelta(minutes=7)) == timedelta(minutes=7)
    claimed = HelpRequest(created_at=t, status=HelpStatus.claimed, claimed_at=t + timedelta(minutes=3))
    assert services.waiting_time(claimed, t + timedelta(hours=1)) == timedelta(minutes=3)
    cancelled = HelpRequest(created_at=t, status=HelpStatus.cancelled, cancelled_at=t + timedelta(minutes=2))
    assert services.waiting_time(cancelled, t + timedelta(hours=1)) == timedelta(minutes=2)


# --- query counts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["mentor", "organiser"])
def test_the_queue_runs_a_constant_number_of_queries(world, client_for, make_user, viewer):
    import secrets

    event_id, mentor_id = world.event.id, world.users["mentor"].id
    db.session.add(MentorProfile(event_id=event_id, user_id=mentor_id, expertise=["pandas"]))
    db.session.commit()

    def add(n: int) -> None:
        event = db.session.get(Event, event_id)
        now = utcnow()
        for i in range(n):
            team = add_team(event, f"Team {secrets.token_hex(4)}", make_user())
            db.session.add_all([
                HelpRequest(event_id=event_id, team_id=team.id, topic=f"pandas {i}", created_at=now),
                HelpRequest(event_id=event_id, team_id=team.id, topic=f"claimed {i}", status=HelpStatus.claimed,
                            created_at=now, claimed_at=now, claimed_by_id=make_user().id),
                HelpRequest(event_id=event_id, team_id=team.id, topic=f"done {i}", status=HelpStatus.resolved,
                            created_at=now, claimed_at=now, resolved_at=now, claimed_by_id=mentor_id),
            ])
        db.session.commit()

    client = client_for(world.users[viewer])
    add(3)
    db.session.expunge_all()
    with counting_queries() as few:
        assert client.get("/events/hack/help/queue?matching=y").status_code == 200
    add(27)
    db.session.expunge_all()
    with counting_queries() as many:
        page = client.get("/events/hack/help/queue?matching=y")
    assert page.status_code == 200 and "pandas 26" in text(page)
    assert len(many) == len(few), "\n".join(many)


def test_the_team_page_runs_a_constant_number_of_queries(world, client_for):
    event_id, team_id = world.event.id, world.team.id
    client = client_for(world.users["participant"])

    def add(n: int) -> None:
        now = utcnow()
        mentor_id = world_mentor
        db.session.add_all([HelpRequest(event_id=event_id, team_id=team_id, topic=f"t{i}", created_at=now,
                                        status=HelpStatus.resolved, claimed_at=now, resolved_at=now,
                                        claimed_by_id=mentor_id) for i in range(n)])
        db.session.commit()

    world_mentor = world.users["mentor"].id
    add(3)
    db.session.expunge_all()
    with counting_queries() as few:
        assert client.get("/events/hack/help").status_code == 200
    add(27)
    db.session.expunge_all()
    with counting_queries() as many:
        assert client.get("/events/hack/help").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_ids_too_large_for_the_database_are_not_found(world, client_for):
    for visitor, action in (("mentor", "claim"), ("organiser", "resolve"), ("participant", "cancel")):
        client = client_for(world.users[visitor])
        assert client.post(f"/events/hack/help/99999999999/{action}").status_code == 404


# --- the event menu -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("visitor, links", [
    ("participant", {"Challenges", "Help"}),
    ("mentor", {"Challenges", "Help queue"}),
    ("organiser", {"Challenges", "Help queue"}),
    ("juror", {"Challenges"}),
    ("stranger", set()),
])
def test_menu_links(world, client_for, visitor, links):
    import re

    page = client_for(world.users[visitor]).get("/events/hack/").get_data(as_text=True)
    shown = {label for path, label in (
        ("/events/hack/challenges", "Challenges"), ("/events/hack/help", "Help"),
        ("/events/hack/help/queue", "Help queue")) if re.search(f'href="{re.escape(path)}"', page)}
    assert shown == links


# --- phase rules: help is asked and claimed only while teams build ---------------------------------------------

def _close_submissions(event: Event, *, years: int = 0) -> None:
    now = utcnow()
    event.hacking_starts_at = now - timedelta(days=3 + 365 * years)
    event.submissions_close_at = now - timedelta(days=2 + 365 * years)
    event.pitching_starts_at = now - timedelta(days=1 + 365 * years)
    event.results_at = now - timedelta(hours=1 + 365 * 24 * years)
    db.session.commit()


def test_no_help_request_once_submissions_close(world, client_for):
    """After the event, "Your request is in the mentors' queue." was still the answer."""
    _close_submissions(world.event, years=5)
    before = db.session.query(HelpRequest).count()
    client = client_for(world.users["participant"])
    page = text(client.get("/events/hack/help"))
    assert "Mentors take help requests from the start of hacking until submissions close." in page
    assert 'name="topic"' not in client.get("/events/hack/help").get_data(as_text=True)
    response = client.post("/events/hack/help", data=ask(topic="late"), follow_redirects=True)
    assert "in the mentors' queue" not in text(response)
    assert "Mentors take help requests from the start of hacking" in text(response)
    assert db.session.query(HelpRequest).count() == before


def test_no_help_request_before_hacking_starts(world):
    world.event.hacking_starts_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    with pytest.raises(services.OutOfPhase):
        services.ask_for_help(world.users["participant"], world.event, topic="early", description="",
                              language=None, now=utcnow())


def test_no_claim_once_submissions_close_and_no_claim_button(world, client_for):
    """The queue offered "Claim" on requests that had waited five years."""
    _close_submissions(world.event, years=5)
    client = client_for(world.users["mentor"])
    queue = client.get("/events/hack/help/queue").get_data(as_text=True)
    assert f"/help/{world.ids['open_request']}/claim" not in queue
    response = client.post(f"/events/hack/help/{world.ids['open_request']}/claim", follow_redirects=True)
    assert "Mentors take help requests from the start of hacking until submissions close." in text(response)
    assert fresh(world.ids["open_request"]).status == HelpStatus.open
    # A request already claimed can still be closed out.
    response = client.post(f"/events/hack/help/{world.ids['claimed_request']}/resolve")
    assert response.status_code == 302
    assert fresh(world.ids["claimed_request"]).status == HelpStatus.resolved
