"""Reviewing applications: the queue, ratings, decisions under capacity, the waitlist, confirmation, decision mails,
and who may do what. Journeys go through the test client; the rules also get unit tests."""
from __future__ import annotations

import html
import secrets
import threading
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import Background, User
from hackathon.applications import review
from hackathon.applications.inclusion import reference_year
from hackathon.applications.mail_templates import MailText, fill, fill_text
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationRating,
                                           ApplicationSettings, ApplicationStatus, MailTemplate, QuestionKind)
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamMember, team_name_key
from tests.conftest import session_user_id

S = ApplicationStatus
UTC = timezone.utc
SLUG = "civic-2026"
QUEUE = f"/events/{SLUG}/review"
XSS = '<script>alert("x")</script>'


# Helpers and factories -----------------------------------------------------------------------------------------------

def text(response) -> str:
    """The page as a reader sees it: entities decoded, CLDR's narrow no-break spaces as spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def audit_entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(query))


def participants(event: Event) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(EventRole.user_id).where(EventRole.event_id == event.id,
                                                                  EventRole.role == Role.participant)))


def fresh(application: Application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def detail(application: Application) -> str:
    return f"{QUEUE}/{application.id}"


def sign_in(client, user: User) -> None:
    """Put the user in the session as /login does, without a password hash per test (the matrices below run
    hundreds of requests; sign-in itself is tested in test_accounts.py and used by the journeys here)."""
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


@pytest.fixture
def event(make_event):
    return make_event(slug=SLUG, title="Civic Hack 2026", languages=["en", "ru", "ky"])


@pytest.fixture
def capacity(app):
    """Save the event's application settings (team places and confirmation days)."""

    def set_capacity(event: Event, max_accepted_teams: int | None, confirmation_days: int = 7) -> None:
        row = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event.id))
        if row is None:
            row = ApplicationSettings(event_id=event.id)
            db.session.add(row)
        row.max_accepted_teams, row.confirmation_days = max_accepted_teams, confirmation_days
        db.session.commit()

    return set_capacity


@pytest.fixture
def make_application(make_user):
    """An individual application (submitted unless told otherwise)."""
    counter = {"n": 0}

    def make(event: Event, user: User | None = None, *, status: S = S.submitted, answers: dict | None = None,
             submitted_at: datetime | None = None, **values) -> Application:
        counter["n"] += 1
        user = user or make_user()
        application = Application(
            event_id=event.id, kind=ApplicationKind.individual, user_id=user.id, individual_user_id=user.id,
            status=status, answers=answers or {},
            submitted_at=submitted_at or (None if status == S.draft
                                          else utcnow() - timedelta(hours=100 - counter["n"])),
            **values)
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def make_team(make_user):
    """A team with its captain and members, and the team's application (submitted unless told otherwise)."""
    counter = {"n": 0}

    def make(event: Event, captain: User | None = None, *, members: list[User] | tuple = (), name: str | None = None,
             status: S = S.submitted, track: Track | None = None, idea: str = "An idea.", size: int = 0,
             submitted_at: datetime | None = None, answers: dict | None = None, **values) -> Application:
        counter["n"] += 1
        captain = captain or make_user()
        members = [captain, *members, *[make_user() for _ in range(size)]]
        name = name or f"Team {counter['n']}"
        team = Team(event_id=event.id, name=name, name_key=team_name_key(name), idea=idea, captain_id=captain.id,
                    join_code=secrets.token_hex(8), member_count=len(members), track_id=track.id if track else None)
        db.session.add(team)
        db.session.flush()
        for index, member in enumerate(members):
            db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=member.id,
                                      joined_at=utcnow() - timedelta(minutes=50 - index)))
        application = Application(
            event_id=event.id, kind=ApplicationKind.team, user_id=captain.id, team_id=team.id, status=status,
            answers=answers or {},
            submitted_at=submitted_at or (None if status == S.draft else utcnow() - timedelta(hours=50 - counter["n"])),
            **values)
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def organiser(make_user, grant, event):
    user = make_user(name="Olga Organiser")
    grant(user, event, Role.organiser)
    return user


@pytest.fixture
def reviewer(make_user, grant, event):
    user = make_user(name="Ruslan Reviewer")
    grant(user, event, Role.reviewer)
    return user


def decide(client, applications, decision, reason="", **query):
    """Bulk decision through the queue page."""
    path = QUEUE + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.post(path, data={"application_ids": [str(a.id) for a in applications], "decision": decision,
                                   "reason": reason})


# Who may do what -----------------------------------------------------------------------------------------------------

VISITORS = ["anonymous", "stranger", "applicant", "participant", "team member", "captain", "mentor", "juror",
            "reviewer", "organiser", "other organiser", "admin"]


@pytest.fixture
def world(make_user, make_event, grant, make_application, make_team):
    event = make_event(slug=SLUG, title="Civic Hack 2026")
    other = make_event(slug="other-2026")
    users = {name: make_user(name=name.title(), admin=name == "admin") for name in VISITORS if name != "anonymous"}
    individual = make_application(event, users["applicant"])
    accepted = make_application(event, users["participant"], status=S.accepted, confirm_by=utcnow() + timedelta(days=5))
    grant(users["participant"], event, Role.participant)
    team = make_team(event, users["captain"], members=[users["team member"]], name="Team Alpha")
    grant(users["mentor"], event, Role.mentor)
    grant(users["juror"], event, Role.juror)
    grant(users["reviewer"], event, Role.reviewer)
    grant(users["organiser"], event, Role.organiser)
    grant(users["other organiser"], other, Role.organiser)
    return SimpleNamespace(event=event, users=users, individual=individual, accepted=accepted, team=team)


REVIEWERS = {"reviewer": 200, "organiser": 200, "admin": 200}
DECIDERS = {"organiser": 200, "admin": 200}
ROUTES = {
    # name: (method, path, form data, {visitor: status}; anonymous is sent to sign in, the others get 403)
    "queue": ("GET", QUEUE, None, REVIEWERS),
    "detail": ("GET", QUEUE + "/{team}", None, REVIEWERS),
    "rate": ("POST", QUEUE + "/{team}", {"rating-score": "4"}, {"reviewer": 302, "organiser": 302, "admin": 302}),
    "bulk decision": ("POST", QUEUE, {"application_ids": "{individual}", "decision": "rejected"},
                      {"organiser": 302, "admin": 302}),
    "decision": ("POST", QUEUE + "/{individual}", {"decision-decision": "rejected"}, {"organiser": 302, "admin": 302}),
    "export": ("GET", QUEUE + "/export.csv", None, DECIDERS),
    "mail templates": ("GET", f"/events/{SLUG}/mail-templates", None, DECIDERS),
    "mail template": ("GET", f"/events/{SLUG}/mail-templates/accepted/ru", None, DECIDERS),
    "mail template reset": ("POST", f"/events/{SLUG}/mail-templates", {"key": "accepted", "locale": "ru"},
                            {"organiser": 302, "admin": 302}),
    "mail template save": ("POST", f"/events/{SLUG}/mail-templates/accepted/en", {"subject": "S", "body": "B"},
                           {"organiser": 302, "admin": 302}),
    "api": ("GET", f"/api/v1/events/{SLUG}/applications", None, DECIDERS),
}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_route_access_per_visitor(client, login, world, route, visitor):
    method, path, data, allowed = ROUTES[route]
    path = path.format(team=world.team.id, individual=world.individual.id)
    if data:
        data = {key: value.format(individual=world.individual.id) for key, value in data.items()}
    if visitor != "anonymous":
        sign_in(client, world.users[visitor])
    response = client.open(path, method=method, data=data)
    if visitor == "anonymous":
        expected = 401 if route == "api" else 302
    else:
        expected = allowed.get(visitor, 403)
    assert response.status_code == expected, (route, visitor, text(response)[:300])
    if visitor == "anonymous" and route != "api":
        assert response.location.startswith("/login?next=")
    acted = visitor in allowed
    changed = fresh(world.individual).status != S.submitted
    assert changed == (route in ("bulk decision", "decision") and acted)
    ratings = db.session.scalar(select(func.count(ApplicationRating.id)))
    assert ratings == (1 if route == "rate" and acted else 0)


@pytest.mark.parametrize("visitor", VISITORS)
def test_hidden_event_is_not_found_for_everyone_without_a_role(client, login, world, visitor):
    world.event.is_published = False
    db.session.commit()
    if visitor != "anonymous":
        sign_in(client, world.users[visitor])
    # Applicants hold no role until accepted: like anyone without a role, they do not see a hidden event.
    outsiders = {"anonymous", "stranger", "other organiser", "applicant", "team member", "captain"}
    for path in (QUEUE, f"{QUEUE}/{world.team.id}", f"{QUEUE}/export.csv", f"/events/{SLUG}/mail-templates",
                 f"/api/v1/events/{SLUG}/applications"):
        status = client.get(path).status_code
        if visitor in outsiders:
            assert status == 404, (path, visitor)
        else:
            assert status != 404, (path, visitor)


CONFIRM_EXPECTED = {
    "anonymous": 302, "stranger": 404, "mentor": 404, "juror": 404, "reviewer": 404, "organiser": 404,
    "other organiser": 404, "admin": 404, "team member": 403,
    "applicant": 302, "participant": 302, "captain": 302,  # to their page: confirmed, or told why not
}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_confirm_and_decline_access_per_visitor(client, login, world, visitor, action):
    if visitor != "anonymous":
        sign_in(client, world.users[visitor])
    response = client.post(f"/events/{SLUG}/application/{action}")
    assert response.status_code == CONFIRM_EXPECTED[visitor], visitor
    if response.status_code == 302:
        expected_location = "/login?next=" if visitor == "anonymous" else f"/events/{SLUG}/me"
        assert response.location.startswith(expected_location)
    expected = {"confirm": S.confirmed, "decline": S.declined}[action] if visitor == "participant" else S.accepted
    assert fresh(world.accepted).status == expected
    assert fresh(world.team).status == S.submitted and fresh(world.individual).status == S.submitted
    assert client.get(f"/events/{SLUG}/application/{action}").status_code == 405


def test_navigation_links_follow_the_role(client, login, world):
    login(client, world.users["reviewer"])
    page = text(client.get(f"/events/{SLUG}/"))
    assert f'href="{QUEUE}"' in page and "/mail-templates" not in page
    client.post("/logout")
    login(client, world.users["organiser"])
    page = text(client.get(f"/events/{SLUG}/"))
    assert f'href="{QUEUE}"' in page and f'href="/events/{SLUG}/mail-templates"' in page
    client.post("/logout")
    login(client, world.users["mentor"])
    page = text(client.get(f"/events/{SLUG}/"))
    assert QUEUE not in page and "/mail-templates" not in page


def test_predicates(world):
    users = world.users
    for name in VISITORS[1:]:
        assert review.can_review_applications(users[name], world.event) == (name in REVIEWERS), name
        assert review.can_decide_applications(users[name], world.event) == (name in DECIDERS), name


# The queue -----------------------------------------------------------------------------------------------------------

def test_queue_lists_applications_with_ratings_members_and_local_times(
        client, login, event, organiser, reviewer, make_user, make_application, make_team):
    track = Track(event_id=event.id, name="Open data")
    db.session.add(track)
    db.session.commit()
    team = make_team(event, name="Рыбаки 🐟", size=2, track=track,
                     submitted_at=datetime(2026, 3, 1, 6, 30, tzinfo=UTC))
    alone = make_application(event, make_user(name="Aida Bekova"), submitted_at=datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    make_application(event, make_user(name="Draft Person"), status=S.draft)
    second = make_user()
    db.session.add_all([ApplicationRating(application_id=team.id, reviewer_id=reviewer.id, score=4),
                        ApplicationRating(application_id=team.id, reviewer_id=second.id, score=5),
                        ApplicationRating(application_id=alone.id, reviewer_id=reviewer.id, score=3)])
    db.session.commit()
    login(client, organiser)

    page = text(client.get(QUEUE))

    assert "Рыбаки 🐟" in page and "3 members" in page and "Open data" in page
    assert "4.5" in page and "(2 ratings)" in page
    assert "3.0" in page and "(1 rating)" in page
    assert "Aida Bekova" in page and "Draft Person" not in page
    assert "3/1/2026, 12:30 PM (Asia/Bishkek)" in page  # 06:30 UTC is 12:30 in Bishkek
    assert "3/3/2026, 2:00 AM (Asia/Bishkek)" in page
    assert "2 applications" in page
    assert f'href="{detail(team)}"' in page


def test_queue_default_order_is_undecided_first_then_best_rated_then_oldest(
        client, login, event, organiser, reviewer, make_user, make_application):
    now = utcnow()
    names = ["rated 3", "rated 5 accepted", "unrated old", "rated 5 late", "rated 5 early", "unrated new"]
    apps = {}
    for index, name in enumerate(names):
        status = S.accepted if "accepted" in name else S.submitted
        submitted = now - timedelta(hours=10) if "early" in name or "old" in name else now - timedelta(hours=index)
        apps[name] = make_application(event, make_user(name=name), status=status, submitted_at=submitted)
    for name, score in [("rated 3", 3), ("rated 5 accepted", 5), ("rated 5 late", 5), ("rated 5 early", 5)]:
        db.session.add(ApplicationRating(application_id=apps[name].id, reviewer_id=reviewer.id, score=score))
    db.session.commit()
    login(client, organiser)

    page = text(client.get(QUEUE))
    positions = sorted((page.index(f">{name}<"), name) for name in names)
    assert [name for _position, name in positions] == [
        "rated 5 early", "rated 5 late", "rated 3", "unrated old", "unrated new", "rated 5 accepted"]

    page = text(client.get(QUEUE + "?sort=newest"))
    assert page.index(">rated 3<") < page.index(">unrated new<") < page.index(">unrated old<")


@pytest.fixture
def crowd(event, make_user, make_application, make_team):
    """People and applications that differ in every filterable way."""
    db.session.add_all([Track(event_id=event.id, name="Health", position=1),
                        Track(event_id=event.id, name="Water", position=2)])
    db.session.commit()
    health, water = event.tracks
    year = reference_year(event, utcnow())  # the year the queue counts ages in
    people = SimpleNamespace(
        naryn_it=make_user(name="Nurlan Naryn", email="nurlan@example.org", region="naryn", background=Background.it,
                           year_of_birth=year - 20),
        osh_non_it=make_user(name="Gulnara Osh", email="gulnara@osh.example.org", region="osh",
                             background=Background.non_it, year_of_birth=year - 40),
        talas_young=make_user(name="Талант Таласский", email="talant@example.org", region="talas",
                              background=Background.it, year_of_birth=year - 17),
        no_profile=make_user(name="Unknown Person", email="unknown@example.org"),
    )
    apps = SimpleNamespace(
        naryn=make_application(event, people.naryn_it),
        osh=make_application(event, people.osh_non_it, status=S.waitlisted),
        team_health=make_team(event, people.talas_young, members=[people.no_profile], name="Health Heroes",
                              track=health),
        team_water=make_team(event, name="Water_100%", track=water, size=1),
    )
    return SimpleNamespace(people=people, apps=apps, health=health, water=water)


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"naryn", "osh", "team_health", "team_water"}),
    ("status=waitlisted", {"osh"}),
    ("kind=team", {"team_health", "team_water"}),
    ("kind=individual", {"naryn", "osh"}),
    ("track={health}", {"team_health"}),
    ("region=talas", {"team_health"}),  # a team matches through any member
    ("region=naryn", {"naryn"}),
    ("background=non_it", {"osh"}),
    ("background=it", {"naryn", "team_health"}),
    ("age=35-44", {"osh"}),
    ("age=under_18", {"team_health"}),
    ("age=unknown", {"team_health", "team_water"}),
    ("q=NURLAN", {"naryn"}),  # the name, any case
    ("q=osh.example", {"osh"}),  # the email
    ("q=heroes", {"team_health"}),  # the team name
    ("q=unknown@example", {"team_health"}),  # a member's email
    ("q=Талант", {"team_health"}),  # Cyrillic
    ("q=_100%25", {"team_water"}),  # LIKE wildcards are searched literally
    ("q=%25", {"team_water"}),
    ("q=nobody", set()),
    ("kind=team&region=talas&track={health}", {"team_health"}),
])
def test_queue_filters_and_search(client, login, organiser, crowd, query, expected):
    sign_in(client, organiser)
    page = text(client.get(QUEUE + "?" + query.format(health=crowd.health.id)))
    shown = {name for name, application in vars(crowd.apps).items() if f'href="{detail(application)}"' in page}
    assert shown == expected
    if not expected:
        assert "No applications match." in page


def test_queue_and_detail_count_ages_in_the_events_year_as_the_inclusion_page_does(client, event, organiser,
                                                                                   make_user, make_application):
    """Hacking next January: someone 17 this year is 18 at the event, so 18-24 (not under 18) in the queue's
    filter and on the review page, the year inclusion.reference_year gives."""
    now = utcnow()
    event.hacking_starts_at = datetime(now.year + 1, 1, 15, 4, 0, tzinfo=timezone.utc)
    event.submissions_close_at = event.hacking_starts_at + timedelta(days=2)
    event.pitching_starts_at = event.hacking_starts_at + timedelta(days=3)
    event.results_at = event.hacking_starts_at + timedelta(days=4)
    db.session.commit()
    assert reference_year(event, now) == now.year + 1
    application = make_application(event, make_user(name="Almost Eighteen", year_of_birth=now.year - 17))
    sign_in(client, organiser)

    def shown(query: str) -> bool:
        return f'href="{detail(application)}"' in text(client.get(f"{QUEUE}?{query}"))

    assert shown("age=18-24") and not shown("age=under_18")
    page = text(client.get(detail(application)))
    assert "18–24" in page and "Under 18" not in page


@pytest.mark.parametrize("query", ["status=bogus", "status=draft", "kind=robot", "track=999999", "region=mars",
                                   "age=old", "sort=evil", "page=-1", "page=abc", "page=99999999999999",
                                   "slug=other&_external=1&_anchor=x", "q=" + "x" * 200])
def test_queue_survives_bad_filters(client, login, organiser, crowd, query):
    sign_in(client, organiser)
    response = client.get(QUEUE + "?" + query)
    assert response.status_code == 200
    page = text(response)
    if query.startswith(("status", "kind", "track", "region", "age", "sort")):
        assert "Choose one of the options." in page
    if query.startswith("q="):
        assert "Use at most 100 characters." in page
    # an invalid filter filters nothing
    assert all(f'href="{detail(application)}"' in page for application in vars(crowd.apps).values())
    main = page.split("<main")[1]
    assert "_external" not in main and "http://" not in main


def test_queue_paginates_and_keeps_filters_in_links(client, login, event, organiser, make_application, make_user):
    for index in range(55):
        make_application(event, make_user(name=f"Person {index:02d}", region="naryn"))
    login(client, organiser)

    first = text(client.get(QUEUE + "?region=naryn&sort=oldest"))
    assert "55 applications" in first and "page 1 of 2" in first
    assert first.count('name="application_ids"') == 50
    assert ">Person 00<" in first and ">Person 50<" not in first
    assert f'href="{QUEUE}?page=2&region=naryn&sort=oldest" rel="next"' in first

    second = text(client.get(QUEUE + "?region=naryn&sort=oldest&page=2"))
    assert second.count('name="application_ids"') == 5 and ">Person 54<" in second
    assert f'href="{QUEUE}?page=1&region=naryn&sort=oldest" rel="prev"' in second

    beyond = text(client.get(QUEUE + "?region=naryn&sort=oldest&page=7"))
    assert "page 2 of 2" in beyond and ">Person 54<" in beyond


def test_queue_query_count_does_not_grow_with_applications(client, login, event, organiser, reviewer, capacity,
                                                           make_user, make_application, make_team, count_queries):
    capacity(event, 100)
    db.session.add(Track(event_id=event.id, name="Health"))
    db.session.commit()
    organiser_id, reviewer_id = organiser.id, reviewer.id
    login(client, organiser)

    def add(n: int) -> None:
        for index in range(n):
            application = (make_team(event, size=2, track=event.tracks[0]) if index % 2
                           else make_application(event, status=S.waitlisted if index % 3 == 0 else S.submitted))
            db.session.add(ApplicationRating(application_id=application.id, reviewer_id=reviewer_id, score=3))
            db.session.add(ApplicationRating(application_id=application.id, reviewer_id=organiser_id, score=4))
        db.session.commit()

    def queries(path: str) -> int:
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200
        return len(statements)

    add(3)
    few = [queries(QUEUE), queries(QUEUE + "?region=naryn&background=it&q=a&age=18-24&kind=team")]
    add(57)
    many = [queries(QUEUE), queries(QUEUE + "?region=naryn&background=it&q=a&age=18-24&kind=team")]
    assert few == many
    assert many[0] <= 12
    assert text(client.get(QUEUE)).count("(2 ratings)") == 50


# One application -----------------------------------------------------------------------------------------------------

def _questions(event: Event) -> dict[str, ApplicationQuestion]:
    questions = {
        "motivation": ApplicationQuestion(event_id=event.id, position=1, kind=QuestionKind.long_text,
                                          label={"en": "Why do you apply?", "ru": "Почему вы подаёте заявку?"}),
        "langs": ApplicationQuestion(event_id=event.id, position=2, kind=QuestionKind.multiple_choice,
                                     label={"en": "Languages", "ru": "Языки"},
                                     options=[{"value": "ky", "label": {"en": "Kyrgyz", "ru": "Кыргызский"}},
                                              {"value": "ru", "label": {"en": "Russian", "ru": "Русский"}}]),
        "laptop": ApplicationQuestion(event_id=event.id, position=3, kind=QuestionKind.yes_no,
                                      label={"en": "Do you bring a laptop?"}),
        "old": ApplicationQuestion(event_id=event.id, position=4, kind=QuestionKind.number, is_archived=True,
                                   label={"en": "Archived question"}),
    }
    db.session.add_all(questions.values())
    db.session.commit()
    return questions


def test_detail_shows_the_team_as_a_whole_in_the_readers_language(client, login, event, organiser, reviewer,
                                                                   make_user, make_team):
    questions = _questions(event)
    db.session.add(Track(event_id=event.id, name="Water"))
    db.session.commit()
    captain = make_user(name="Айгуль Captain", email="aigul@example.org", region="naryn", background=Background.it,
                        country="KG", year_of_birth=utcnow().year - 30)
    member = make_user(name="שרה Member", email="sara@example.org", region="abroad", background=Background.non_it,
                       country="DE", year_of_birth=utcnow().year - 58)
    team = make_team(event, captain, members=[member], name="Water Team", idea="Clean water for Naryn.",
                     track=event.tracks[0],
                     answers={str(questions["motivation"].id): "We care.", str(questions["langs"].id): ["ky", "ru"],
                              str(questions["laptop"].id): True})
    db.session.add(ApplicationRating(application_id=team.id, reviewer_id=organiser.id, score=2, note="Too vague."))
    db.session.commit()
    reviewer.locale = "ru"
    db.session.commit()
    login(client, reviewer)

    page = text(client.get(detail(team)))

    assert "Water Team" in page and "Clean water for Naryn." in page and "Water" in page
    for value in ("Айгуль Captain", "aigul@example.org", "Нарынская область", "Кыргызстан", "25–34",
                  "שרה Member", "sara@example.org", "За пределами Кыргызстана", "Германия", "55+"):
        assert value in page, value
    assert "Почему вы подаёте заявку?" in page and "We care." in page
    assert "Языки" in page and "Кыргызский, Русский" in page
    assert "Do you bring a laptop?" in page  # no Russian label: the event's first language
    assert "Archived question" not in page  # archived and unanswered
    assert "Olga Organiser" in page and "Too vague." in page and "2/5" in page
    assert 'name="decision-decision"' not in page  # reviewers do not decide


def test_drafts_and_other_events_applications_are_not_found(client, login, event, organiser, make_event,
                                                            make_application):
    other = make_event(slug="other-2026")
    draft = make_application(event, status=S.draft)
    foreign = make_application(other)
    login(client, organiser)
    for application in (draft, foreign):
        assert client.get(detail(application)).status_code == 404
        assert client.post(detail(application), data={"rating-score": "4"}).status_code == 404
        assert client.post(detail(application), data={"decision-decision": "accepted"}).status_code == 404
    assert client.get(f"{QUEUE}/2147483648").status_code == 404
    assert db.session.scalar(select(func.count(ApplicationRating.id))) == 0
    assert fresh(foreign).status == S.submitted


def test_reviewer_rates_and_rating_again_updates_the_same_row(client, login, event, reviewer, make_application):
    application = make_application(event)
    login(client, reviewer)

    response = client.post(detail(application), data={"rating-score": "4", "rating-note": "Strong motivation."})
    assert response.status_code == 302 and response.location == detail(application)
    page = text(client.get(detail(application)))
    assert "Your rating is saved." in page and "Strong motivation." in page
    assert 'value="4"' in page  # my rating is filled in

    client.post(detail(application), data={"rating-score": "2", "rating-note": "On second thought."})
    [rating] = db.session.scalars(select(ApplicationRating)).all()
    assert (rating.score, rating.note, rating.reviewer_id) == (2, "On second thought.", reviewer.id)
    assert "2.0" in text(client.get(QUEUE))


@pytest.mark.parametrize(("score", "message"), [
    ("0", "Enter a number between 1 and 5."), ("6", "Enter a number between 1 and 5."),
    ("-3", "Enter a number between 1 and 5."), ("abc", "Enter a whole number."), ("4.5", "Enter a whole number."),
    ("", "This field is required."), ("99999999999", "This number is too large."),
])
def test_bad_ratings_are_refused_with_a_message(client, login, event, reviewer, make_application, score, message):
    application = make_application(event)
    sign_in(client, reviewer)
    response = client.post(detail(application), data={"rating-score": score, "rating-note": "x"})
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(select(func.count(ApplicationRating.id))) == 0


def test_over_long_note_is_refused(client, login, event, reviewer, make_application):
    application = make_application(event)
    login(client, reviewer)
    response = client.post(detail(application), data={"rating-score": "3", "rating-note": "x" * 2001})
    assert "Use at most 2000 characters." in text(response)
    assert db.session.scalar(select(func.count(ApplicationRating.id))) == 0


def test_withdrawn_application_cannot_be_rated(client, login, event, reviewer, make_application):
    application = make_application(event, status=S.withdrawn)
    login(client, reviewer)
    page = text(client.get(detail(application)))
    assert 'name="rating-score"' not in page
    response = client.post(detail(application), data={"rating-score": "3"}, follow_redirects=True)
    assert "it is not rated" in text(response)
    assert db.session.scalar(select(func.count(ApplicationRating.id))) == 0


def test_concurrent_double_rating_makes_one_row(app, event, reviewer, make_application, monkeypatch):
    """Two requests of one reviewer both find no rating and insert: the unique constraint keeps one row and the
    loser updates it instead of failing."""
    application = make_application(event)
    review.rate_application(reviewer, application, score=3, note="first")
    real_scalar = db.session.scalar
    calls = {"n": 0}

    def blind_first_lookup(statement, *args, **kwargs):
        if "application_ratings" in str(statement) and calls["n"] == 0:
            calls["n"] += 1
            return None  # as if the other request had not committed yet
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", blind_first_lookup)
    rating = review.rate_application(reviewer, fresh(application), score=5, note="second")
    monkeypatch.undo()

    assert calls["n"] == 1
    rows = db.session.scalars(select(ApplicationRating)).all()
    assert len(rows) == 1 and (rows[0].score, rows[0].note) == (5, "second") and rating.id == rows[0].id


def test_detail_query_count_does_not_grow_with_ratings_and_members(client, login, event, organiser, make_user,
                                                                   make_team, count_queries):
    event.max_team_size = 50
    db.session.commit()
    small = make_team(event, size=2)
    big = make_team(event, size=30)
    for application, reviewers in ((small, 2), (big, 30)):
        for _ in range(reviewers):
            db.session.add(ApplicationRating(application_id=application.id, reviewer_id=make_user().id, score=4))
        db.session.add(AuditEntry(event_id=event.id, action="application.decide", target_type="Application",
                                  target_id=application.id, before={"status": "submitted"},
                                  after={"status": "rejected"}))
    db.session.commit()
    login(client, organiser)
    counts = []
    for application in (small, big):
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(detail(application)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 12


# Decisions -----------------------------------------------------------------------------------------------------------

def test_accepting_an_individual(client, login, event, organiser, capacity, outbox, make_user, make_application):
    capacity(event, None, confirmation_days=5)
    person = make_user(name="Aida", email="aida@example.org", locale="ru")
    application = make_application(event, person)
    login(client, organiser)

    before = utcnow()
    response = decide(client, [application], "accepted", reason="Great idea")
    assert response.status_code == 302 and response.location == QUEUE

    application = fresh(application)
    assert application.status == S.accepted
    assert before + timedelta(days=5) <= application.confirm_by <= utcnow() + timedelta(days=5)
    assert application.decided_by_id == organiser.id and application.decision_reason == "Great idea"
    assert participants(event) == {person.id}
    [entry] = audit_entries(action="application.decide")
    assert (entry.actor_id, entry.target_id, entry.before, entry.after["status"], entry.reason) == (
        organiser.id, application.id, {"status": "submitted"}, "accepted", "Great idea")
    [mail] = outbox(to="aida@example.org")
    assert mail.template == "application_accepted" and mail.locale == "ru"
    assert "Civic Hack 2026" in mail.subject
    assert "Great idea" in mail.body_text and "Aida" in mail.body_text
    assert f"/events/{SLUG}/me" in mail.body_text
    assert "(Asia/Bishkek)" in mail.body_text  # the deadline in the event's timezone
    assert "Team:" not in mail.body_text  # an individual: the team line is left out
    assert "1 application accepted." in text(client.get(QUEUE))


def test_accepting_a_team_makes_every_member_a_participant_and_mails_each_in_their_language(
        client, login, event, organiser, capacity, outbox, make_user, make_team):
    capacity(event, 10)
    captain = make_user(email="cap@example.org", locale="ky")
    member = make_user(email="member@example.org", locale="en")
    team = make_team(event, captain, members=[member], name="Bishkek Builders")
    login(client, organiser)

    decide(client, [team], "accepted")

    assert fresh(team).status == S.accepted
    assert participants(event) == {captain.id, member.id}
    [for_captain] = outbox(to="cap@example.org")
    [for_member] = outbox(to="member@example.org")
    assert for_captain.locale == "ky" and for_member.locale == "en"
    assert "Bishkek Builders" in for_member.body_text and "Bishkek Builders" in for_captain.body_text
    assert "Note from the organisers" not in for_member.body_text  # no reason: the line is left out


def test_capacity_refuses_beyond_and_bulk_accepts_in_the_given_order(client, login, event, organiser, capacity,
                                                                     outbox, make_team, make_application):
    capacity(event, 3)
    already = make_team(event, status=S.confirmed, name="Confirmed Team")
    teams = [make_team(event, name=f"Team {name}") for name in ("C", "A", "B", "D")]
    individual = make_application(event)
    login(client, organiser)

    response = decide(client, [teams[0], teams[1], individual, teams[2], teams[3]], "accepted")

    assert [fresh(team).status for team in teams] == [S.accepted, S.accepted, S.submitted, S.submitted]
    assert fresh(individual).status == S.accepted  # individuals take no team place
    assert fresh(already).status == S.confirmed
    page = text(client.get(response.location))
    assert "3 applications accepted." in page
    assert "Team B was not accepted: all 3 team places are taken." in page
    assert "Team D was not accepted: all 3 team places are taken." in page
    assert len(audit_entries(action="application.decide")) == 3

    response = client.post(detail(teams[2]), data={"decision-decision": "accepted"}, follow_redirects=True)
    assert "Team B was not accepted: all 3 team places are taken." in text(response)
    assert "Team places: 3 of 3 taken." in text(client.get(QUEUE))


def test_waitlist_takes_the_next_rank_and_only_when_places_are_taken(client, login, event, organiser, capacity,
                                                                     outbox, make_team, make_application):
    capacity(event, 1)
    first, second, third = (make_team(event, name=name) for name in ("First", "Second", "Third"))
    alone = make_application(event)
    login(client, organiser)

    response = decide(client, [second], "waitlisted")
    assert "Second was not put on the waitlist: 1 team place of 1 is still free." in text(
        client.get(response.location))
    assert fresh(second).status == S.submitted

    decide(client, [first], "accepted")
    decide(client, [third, second, alone], "waitlisted", reason="Almost")

    assert (fresh(third).waitlist_rank, fresh(second).waitlist_rank, fresh(alone).waitlist_rank) == (1, 2, 3)
    assert {m.template for m in outbox()} == {"application_accepted", "application_waitlisted"}
    page = text(client.get(QUEUE))
    assert "Waitlisted <small>(#1)</small>" in page and "Waitlisted <small>(#3)</small>" in page
    assert "2 teams are on the waitlist." in page


def test_waitlisting_is_free_without_a_capacity(client, login, event, organiser, make_team):
    teams = [make_team(event) for _ in range(2)]
    login(client, organiser)
    decide(client, teams, "waitlisted")
    assert [fresh(team).waitlist_rank for team in teams] == [1, 2]


@pytest.mark.parametrize("decision", ["rejected", "waitlisted"])
def test_moving_an_accepted_application_takes_the_participant_roles_back(client, login, event, organiser, capacity,
                                                                         outbox, make_user, make_team, decision):
    capacity(event, 1)
    members = [make_user(), make_user()]
    team = make_team(event, members[0], members=[members[1]])
    login(client, organiser)
    decide(client, [team], "accepted")
    assert participants(event) == {members[0].id, members[1].id}

    decide(client, [team], decision, reason="Code of conduct")

    team = fresh(team)
    assert team.status == S(decision) and team.confirm_by is None
    assert participants(event) == set()
    assert [entry.before["status"] for entry in audit_entries(action="application.decide")] == ["submitted", "accepted"]
    assert len(outbox(to=members[1].email)) == 2


@pytest.mark.parametrize("status", [S.withdrawn, S.confirmed, S.declined, S.lapsed, S.merged, S.draft])
def test_applications_that_cannot_be_decided_are_refused_with_a_message(client, login, event, organiser, outbox,
                                                                        make_user, make_application, status):
    stuck = make_application(event, make_user(name="Stuck Person"), status=status)
    fine = make_application(event)
    sign_in(client, organiser)
    response = decide(client, [stuck, fine], "rejected")
    page = text(client.get(response.location))
    assert "Stuck Person cannot be decided: the application is" in page
    assert "1 application rejected." in page
    assert fresh(stuck).status == status and fresh(fine).status == S.rejected
    assert len(audit_entries(action="application.decide")) == 1


def test_another_events_application_id_is_not_found_and_nothing_changes(client, login, event, organiser,
                                                                         make_event, make_application, outbox):
    other = make_event(slug="other-2026")
    mine = make_application(event)
    foreign = make_application(other)
    login(client, organiser)

    assert decide(client, [mine, foreign], "accepted").status_code == 404
    assert client.post(QUEUE, data={"application_ids": ["2147483647"], "decision": "accepted"}).status_code == 404

    assert fresh(mine).status == S.submitted and fresh(foreign).status == S.submitted
    assert audit_entries() == [] and outbox() == []


def test_a_reviewer_cannot_post_a_decision(client, login, event, reviewer, make_application, outbox):
    application = make_application(event)
    login(client, reviewer)
    assert decide(client, [application], "accepted").status_code == 403
    assert client.post(detail(application), data={"decision-decision": "accepted"}).status_code == 403
    assert fresh(application).status == S.submitted and outbox() == []
    page = text(client.get(QUEUE))
    assert 'name="application_ids"' not in page and "export.csv" not in page


@pytest.mark.parametrize("decision", ["confirmed", "draft", "withdrawn", "submitted", "ACCEPTED", "", "accept"])
def test_only_the_three_decisions_are_accepted(client, login, event, organiser, make_application, decision):
    application = make_application(event)
    sign_in(client, organiser)
    response = decide(client, [application], decision)
    assert response.status_code == 200
    assert ("Choose one of the options." if decision else "This field is required.") in text(response)
    response = client.post(detail(application), data={"decision-decision": decision})
    assert response.status_code == 200
    assert fresh(application).status == S.submitted
    assert audit_entries() == []


def test_a_bulk_decision_needs_a_selection(client, login, event, organiser, make_application):
    make_application(event)
    login(client, organiser)
    response = client.post(QUEUE, data={"decision": "rejected"})
    assert response.status_code == 200 and "Select at least one application." in text(response)
    response = client.post(QUEUE, data={"decision": "rejected", "application_ids": ["abc"]})
    assert "The selection is not valid." in text(response)
    assert audit_entries() == []


def test_selection_and_reason_survive_a_form_error(client, login, event, organiser, make_application):
    application = make_application(event)
    login(client, organiser)
    response = client.post(QUEUE, data={"application_ids": [str(application.id)], "decision": "bogus",
                                        "reason": "Keep me"})
    page = response.get_data(as_text=True)
    assert f'value="{application.id}" id="select-{application.id}" checked' in page
    assert 'value="Keep me"' in page


def test_double_decision_clicks_are_harmless(client, login, event, organiser, capacity, outbox, make_team):
    capacity(event, 5)
    team = make_team(event, size=1)
    login(client, organiser)

    decide(client, [team], "accepted")
    confirm_by = fresh(team).confirm_by
    response = decide(client, [team], "accepted")
    client.post(detail(team), data={"decision-decision": "accepted"})

    assert fresh(team).status == S.accepted and fresh(team).confirm_by == confirm_by
    assert len(audit_entries(action="application.decide")) == 1
    assert len(outbox()) == 2  # one mail per member, once
    assert "already had this decision" in text(client.get(response.location))


def test_decision_from_the_detail_page_with_history(client, login, event, organiser, make_user, make_application):
    application = make_application(event, make_user(name="Bakyt"))
    login(client, organiser)

    response = client.post(detail(application), data={"decision-decision": "rejected",
                                                      "decision-reason": "Outside the age range"})
    assert response.status_code == 302 and response.location == detail(application)
    client.post(detail(application), data={"decision-decision": "accepted", "decision-reason": "Appeal granted"})

    page = text(client.get(detail(application)))
    assert "1 application accepted." in page
    history = page.split("History", 1)[1]
    assert history.index("Submitted → Rejected") < history.index("Rejected → Accepted")
    assert "Outside the age range" in history and "Appeal granted" in history and "Olga Organiser" in history


def test_too_long_reason_is_refused(client, login, event, organiser, make_application):
    application = make_application(event)
    login(client, organiser)
    response = decide(client, [application], "rejected", reason="x" * 501)
    assert "Use at most 500 characters." in text(response)
    assert fresh(application).status == S.submitted


def test_xss_in_team_names_reasons_and_notes_is_escaped_in_pages_and_mails(client, login, event, organiser,
                                                                            reviewer, capacity, outbox, make_user,
                                                                            make_team):
    capacity(event, 5)
    member = make_user(email="x@example.org", name=XSS)
    team = make_team(event, member, name=f"Team {XSS}", idea=XSS)
    login(client, reviewer)
    client.post(detail(team), data={"rating-score": "3", "rating-note": XSS})
    client.post("/logout")
    login(client, organiser)
    decide(client, [team], "accepted", reason=XSS)

    for path in (QUEUE, detail(team)):
        raw = client.get(path).get_data(as_text=True)
        assert "<script>" not in raw, path
        assert "&lt;script&gt;" in raw, path
    [mail] = outbox(to="x@example.org")
    assert "<script>" not in mail.body_html
    assert "Team &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in mail.body_html
    assert f"Team {XSS}" in mail.body_text and XSS in mail.body_text  # plain text stays as typed
    assert mail.subject == "Accepted: Civic Hack 2026"


def test_decide_service_rules(event, organiser, reviewer, make_application):
    application = make_application(event)
    with pytest.raises(review.NotAllowed):
        review.decide_applications(reviewer, event, [application.id], "accepted")
    with pytest.raises(review.DomainError, match="Select at least one application."):
        review.decide_applications(organiser, event, [], "accepted")
    with pytest.raises(review.DomainError, match="Choose one of the decisions"):
        review.decide_applications(organiser, event, [application.id], "confirmed")
    with pytest.raises(review.DomainError, match="at most 500"):
        review.decide_applications(organiser, event, [application.id], "rejected", "x" * 501)
    outcome = review.decide_applications(organiser, event, [application.id, application.id], "accept")
    assert [a.id for a in outcome.changed] == [application.id]


# Confirmation, the deadline and the waitlist -------------------------------------------------------------------------

@pytest.fixture
def accepted_team(event, organiser, capacity, make_user, make_team):
    """Capacity 1: a team accepted (confirm within 7 days) and two teams on the waitlist."""
    capacity(event, 1, confirmation_days=7)
    captain, member = make_user(email="captain@example.org"), make_user(email="member@example.org")
    team = make_team(event, captain, members=[member], name="Accepted Team")
    review.decide_applications(organiser, event, [team.id], "accepted")
    waiting = [make_team(event, make_user(email=f"wait{i}@example.org"), name=f"Waiting {i}") for i in (1, 2)]
    review.decide_applications(organiser, event, [waiting[1].id, waiting[0].id], "waitlisted")
    return SimpleNamespace(application=team, captain=captain, member=member, waiting=waiting)


def test_individual_confirms_before_the_deadline_and_twice_is_harmless(client, login, event, organiser, make_user,
                                                                        make_application):
    person = make_user()
    application = make_application(event, person)
    review.decide_applications(organiser, event, [application.id], "accepted")
    login(client, person)

    response = client.post(f"/events/{SLUG}/application/confirm")
    assert response.status_code == 302 and response.location == f"/events/{SLUG}/me"
    client.post(f"/events/{SLUG}/application/confirm")

    application = fresh(application)
    assert application.status == S.confirmed and application.confirmed_at is not None
    assert len(audit_entries(action="application.confirm")) == 1
    assert participants(event) == {person.id}


def test_confirming_after_the_deadline_is_refused(client, login, event, organiser, make_user, make_application):
    person = make_user()
    application = make_application(event, person)
    review.decide_applications(organiser, event, [application.id], "accepted")
    application = fresh(application)
    application.confirm_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(client, person)
    response = client.post(f"/events/{SLUG}/application/confirm")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert any("The time to confirm ended on" in message for _category, message in session["_flashes"])
    assert fresh(application).status == S.accepted


def test_only_the_captain_answers_for_the_team(client, login, event, accepted_team):
    login(client, accepted_team.member)
    assert client.post(f"/events/{SLUG}/application/confirm").status_code == 403
    assert client.post(f"/events/{SLUG}/application/decline").status_code == 403
    client.post("/logout")
    login(client, accepted_team.captain)
    assert client.post(f"/events/{SLUG}/application/confirm").status_code == 302
    assert fresh(accepted_team.application).status == S.confirmed


def test_declining_frees_the_place_for_the_first_on_the_waitlist(client, login, event, outbox, accepted_team):
    application, (first, second) = accepted_team.application, accepted_team.waiting
    assert (fresh(second).waitlist_rank, fresh(first).waitlist_rank) == (1, 2)
    login(client, accepted_team.captain)

    client.post(f"/events/{SLUG}/application/decline")
    client.post(f"/events/{SLUG}/application/decline")

    assert fresh(application).status == S.declined
    assert fresh(second).status == S.accepted and fresh(second).confirm_by is not None  # rank 1 moves up
    assert fresh(first).status == S.waitlisted
    captain_of_second = db.session.get(Team, fresh(second).team_id).captain_id
    assert participants(event) == {captain_of_second}
    assert [m.template for m in outbox(to="wait2@example.org")] == ["application_waitlisted", "application_promoted"]
    assert len(audit_entries(action="application.decline")) == 1
    assert len(audit_entries(action="application.promote")) == 1


def test_release_lapses_unconfirmed_places_and_promotes_in_rank_order(app, event, outbox, accepted_team):
    application, (first, second) = accepted_team.application, accepted_team.waiting
    later = utcnow() + timedelta(days=8)

    assert review.release_unconfirmed(event, utcnow()).lapsed == []  # not due yet
    outcome = review.release_unconfirmed(event, later)

    assert [a.id for a in outcome.lapsed] == [application.id]
    assert [a.id for a in outcome.promoted] == [second.id]
    assert fresh(application).status == S.lapsed
    promoted = fresh(second)
    assert promoted.status == S.accepted and promoted.waitlist_rank is None
    assert later + timedelta(days=7) - timedelta(seconds=1) <= promoted.confirm_by <= later + timedelta(days=7)
    assert accepted_team.captain.id not in participants(event)
    assert [m.template for m in outbox(to="member@example.org")][-1] == "application_lapsed"
    lapsed_mail = outbox(to="member@example.org")[-1]
    assert "was not confirmed by" in lapsed_mail.body_text
    [entry] = audit_entries(action="application.lapse")
    assert entry.actor_id is None and entry.after == {"status": "lapsed"}

    # Idempotent: nothing more happens, no more mail.
    mails = len(outbox())
    again = review.release_unconfirmed(event, later)
    assert again.lapsed == [] and again.promoted == [] and len(outbox()) == mails

    # The promoted team lapses in turn and the next one moves up.
    final = review.release_unconfirmed(event, later + timedelta(days=8))
    assert [a.id for a in final.lapsed] == [second.id] and [a.id for a in final.promoted] == [first.id]


def test_promotion_stops_when_hacking_starts(app, event, accepted_team):
    after_start = event.hacking_starts_at + timedelta(hours=1)
    outcome = review.release_unconfirmed(event, after_start)
    assert len(outcome.lapsed) == 1 and outcome.promoted == []
    assert fresh(accepted_team.waiting[1]).status == S.waitlisted


def test_confirm_by_never_falls_after_hacking_starts(event, organiser, capacity, make_application):
    capacity(event, None, confirmation_days=30)
    application = make_application(event)
    review.decide_applications(organiser, event, [application.id], "accepted")
    assert fresh(application).confirm_by == event.hacking_starts_at


def test_raising_the_capacity_promotes_the_waitlist(event, capacity, accepted_team):
    capacity(event, 3)
    outcome = review.release_unconfirmed(event, utcnow())
    assert outcome.lapsed == [] and [a.id for a in outcome.promoted] == [w.id for w in reversed(accepted_team.waiting)]


def test_the_queue_page_releases_before_listing(client, login, event, organiser, accepted_team):
    application = fresh(accepted_team.application)
    application.confirm_by = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(client, organiser)
    page = text(client.get(QUEUE))
    assert fresh(application).status == S.lapsed
    assert fresh(accepted_team.waiting[1]).status == S.accepted
    assert "Lapsed" in page
    assert "Team places: 1 of 1 taken." in page


def test_cli_releases_at_every_event(app, runner, event, make_event, organiser, make_user, make_application, grant):
    other = make_event(slug="other-2026")
    other_organiser = make_user()
    grant(other_organiser, other, Role.organiser)
    due = [make_application(event), make_application(other)]
    review.decide_applications(organiser, event, [due[0].id], "accepted")
    review.decide_applications(other_organiser, other, [due[1].id], "accepted")
    for application in due:
        fresh(application).confirm_by = utcnow() - timedelta(minutes=1)
        db.session.commit()

    result = runner.invoke(args=["applications", "release-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "2 lapsed, 0 promoted in total" in result.output
    assert all(fresh(application).status == S.lapsed for application in due)
    result = runner.invoke(args=["applications", "release-unconfirmed"])
    assert "0 lapsed, 0 promoted in total" in result.output


# Decision mail wording -----------------------------------------------------------------------------------------------

def test_organiser_words_a_mail_per_language_and_the_decision_uses_it(client, login, event, organiser, outbox,
                                                                       make_user, make_application):
    login(client, organiser)
    page = text(client.get(f"/events/{SLUG}/mail-templates/rejected/ru"))
    assert "Ваша заявка" in page or "{event}" in page  # the built-in text in Russian fills the form

    response = client.post(f"/events/{SLUG}/mail-templates/rejected/ru", data={
        "subject": "Решение: {event}", "body": "Здравствуйте, {name}!\n\nПричина: {reason}\n{unknown} stays"})
    assert response.status_code == 302 and response.location == f"/events/{SLUG}/mail-templates"
    assert "your text" in text(client.get(f"/events/{SLUG}/mail-templates"))
    [row] = db.session.scalars(select(MailTemplate)).all()
    assert (row.key, row.locale, row.updated_by_id) == ("rejected", "ru", organiser.id)
    assert audit_entries(action="mail_template.save")

    russian = make_application(event, make_user(name="Анна", email="anna@example.org", locale="ru"))
    english = make_application(event, make_user(name="John", email="john@example.org", locale="en"))
    decide(client, [russian, english], "rejected")

    [for_anna] = outbox(to="anna@example.org")
    assert for_anna.subject == "Решение: Civic Hack 2026"
    assert for_anna.body_text == "Здравствуйте, Анна!\n\n{unknown} stays\n"  # no reason: its line is left out
    [for_john] = outbox(to="john@example.org")
    assert for_john.subject == "Your application to Civic Hack 2026"  # built-in English


def test_preview_fills_sample_values_escaped_without_saving(client, login, event, organiser):
    organiser.name = XSS
    db.session.commit()
    login(client, organiser)
    response = client.post(f"/events/{SLUG}/mail-templates/accepted/en", data={
        "subject": "Hi {name}", "body": "Dear {name}, <b>welcome</b> to {event}.\nConfirm: {link}\n{nope}",
        "preview": "Preview"})
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "<b>welcome</b>" not in raw
    assert "&lt;b&gt;welcome&lt;/b&gt; to Civic Hack 2026." in raw
    assert f'<a href="http://hackathon.test/events/{SLUG}/me">' in raw
    assert "These placeholders are unknown and are sent as typed: {nope}" in text(response)
    assert db.session.scalar(select(func.count(MailTemplate.id))) == 0


def test_reset_goes_back_to_the_built_in_text(client, login, event, organiser):
    login(client, organiser)
    client.post(f"/events/{SLUG}/mail-templates/accepted/en", data={"subject": "Mine", "body": "Mine"})
    response = client.post(f"/events/{SLUG}/mail-templates", data={"key": "accepted", "locale": "en"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(MailTemplate.id))) == 0
    assert audit_entries(action="mail_template.reset")
    assert 'value="Accepted: {event}"' in client.get(f"/events/{SLUG}/mail-templates/accepted/en").get_data(
        as_text=True)


@pytest.mark.parametrize("path", ["bogus/en", "ACCEPTED/en", "accepted/de", "accepted/xx"])
def test_unknown_mail_or_language_is_not_found(client, login, event, organiser, path):
    event.languages = ["en", "ru"]
    db.session.commit()
    sign_in(client, organiser)
    assert client.get(f"/events/{SLUG}/mail-templates/{path}").status_code == 404
    assert client.get(f"/events/{SLUG}/mail-templates/accepted/ky").status_code == 404  # not an event language
    assert client.post(f"/events/{SLUG}/mail-templates", data={"key": "bogus", "locale": "en"}).status_code == 404


def test_mail_template_form_errors(client, login, event, organiser):
    login(client, organiser)
    response = client.post(f"/events/{SLUG}/mail-templates/accepted/en", data={"subject": "", "body": "x" * 10001})
    page = text(response)
    assert "This field is required." in page and "Use at most 10000 characters." in page
    assert db.session.scalar(select(func.count(MailTemplate.id))) == 0


# Filling placeholders (unit) -----------------------------------------------------------------------------------------

def test_fill_substitutes_once_and_leaves_unknown_placeholders():
    body_text, body_html = fill_text("Hi {name} of {team}! {unknown} {{name}} {Name}\n", {
        "name": "{team}", "team": "<b>&</b>"})
    assert body_text == "Hi {team} of <b>&</b>! {unknown} {{team}} {Name}\n"
    assert str(body_html) == "<p>Hi {team} of &lt;b&gt;&amp;&lt;/b&gt;! {unknown} {{team}} {Name}</p>"


def test_fill_drops_lines_whose_placeholders_are_all_empty_and_builds_paragraphs():
    template = "Hello {name},\r\n\r\nTeam: {team}\nReason: {reason}\n\n\n\nBye {name} {reason}\nLink: {link}"
    body_text, body_html = fill_text(template, {"name": "Ann", "team": "", "reason": "",
                                                "link": "https://x.test/a?b=1&c"})
    assert body_text == "Hello Ann,\n\nBye Ann\nLink: https://x.test/a?b=1&c\n"
    assert str(body_html) == ('<p>Hello Ann,</p>\n<p>Bye Ann<br>\nLink: '
                              '<a href="https://x.test/a?b=1&amp;c">https://x.test/a?b=1&amp;c</a></p>')


def test_fill_keeps_values_on_one_line_and_links_only_web_addresses():
    mail = fill(MailText("S {reason}", "Go: {link}\nWhy: {reason}"),
                {"reason": "one\ntwo", "link": "javascript:alert(1)"})
    assert mail.subject == "S one two"
    assert mail.body_text == "Go: javascript:alert(1)\nWhy: one two\n"
    assert "<a " not in str(mail.body_html)


def test_mean_score_is_exact_and_none_without_ratings():
    assert review.mean_score(None, 0) is None
    assert review.mean_score(9, 2) == Fraction(9, 2)
    assert review.mean_score(10, 3) == Fraction(10, 3)
    assert review.one_decimal(Fraction(9, 2)) == "4.5"
    assert review.one_decimal(Fraction(10, 3)) == "3.3"
    assert review.one_decimal(Fraction(29, 20)) == "1.5"  # 1.45 rounds half up, once
    assert review.one_decimal(Fraction(5)) == "5.0"
    assert review.one_decimal(None) == ""


# Concurrency (real threads, each with its own connection) ------------------------------------------------------------

def _in_threads(app, count: int, work) -> list[BaseException]:
    """Run work(index) in `count` threads at once, each in its own app context (so its own session)."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                work(index)
            except BaseException as error:  # reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_concurrent_accepts_never_exceed_the_capacity(app, event, organiser, capacity, make_team):
    capacity(event, 2)
    team_ids = [make_team(event).id for _ in range(5)]
    event_id, organiser_id = event.id, organiser.id

    def accept(index: int) -> None:
        review.decide_applications(db.session.get(User, organiser_id), db.session.get(Event, event_id),
                                   [team_ids[index]], "accepted")

    assert _in_threads(app, 5, accept) == []
    db.session.expire_all()
    statuses = db.session.scalars(select(Application.status).where(Application.id.in_(team_ids))).all()
    assert sorted(statuses).count(S.accepted) == 2
    assert len(audit_entries(action="application.decide")) == 2


def test_concurrent_double_submit_of_a_rating_makes_one_row(app, event, reviewer, make_application):
    application_id, reviewer_id = make_application(event).id, reviewer.id

    def rate(index: int) -> None:
        review.rate_application(db.session.get(User, reviewer_id), db.session.get(Application, application_id),
                                score=index + 1, note=f"click {index}")

    assert _in_threads(app, 3, rate) == []
    db.session.expire_all()
    [rating] = db.session.scalars(select(ApplicationRating)).all()
    assert rating.score in (1, 2, 3) and rating.note == f"click {rating.score - 1}"


# CSRF ----------------------------------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_review_forms_need_their_csrf_token(csrf_app, event, organiser, make_user, make_application):
    import re

    client = csrf_app.test_client()
    person = make_user()
    application = make_application(event, person)
    sign_in(client, organiser)
    for path, data in ((QUEUE, {"application_ids": str(application.id), "decision": "accepted"}),
                       (detail(application), {"decision-decision": "accepted"}),
                       (detail(application), {"rating-score": "5"}),
                       (f"/events/{SLUG}/mail-templates/accepted/en", {"subject": "S", "body": "B"}),
                       (f"/events/{SLUG}/mail-templates", {"key": "accepted", "locale": "en"})):
        assert client.post(path, data=data).status_code == 400, path
    assert fresh(application).status == S.submitted
    assert db.session.scalar(select(func.count(ApplicationRating.id))) == 0

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(QUEUE).get_data(as_text=True))
    response = client.post(QUEUE, data={"application_ids": str(application.id), "decision": "accepted",
                                        "csrf_token": token.group(1)})
    assert response.status_code == 302 and fresh(application).status == S.accepted

    sign_in(client, person)
    assert client.post(f"/events/{SLUG}/application/confirm").status_code == 400
    assert fresh(application).status == S.accepted


def test_a_person_without_a_language_gets_the_events_first_language(event, organiser, outbox, make_user,
                                                                    make_application):
    event.languages = ["ky", "ru"]
    db.session.commit()
    application = make_application(event, make_user(email="nolang@example.org", locale=None))
    review.decide_applications(organiser, event, [application.id], "rejected")
    [mail] = outbox(to="nolang@example.org")
    assert mail.locale == "ky"


def test_the_waitlist_mail_says_places_are_taken_only_when_they_are(client, login, event, organiser, capacity,
                                                                   outbox, make_team, make_application, make_user):
    capacity(event, 30)
    make_team(event, status=S.confirmed, name="Only Team")  # 1 of 30 places taken
    alone = make_application(event, make_user(email="alone@example.org"))
    login(client, organiser)
    decide(client, [alone], "waitlisted")
    [mail] = outbox(to="alone@example.org")
    assert "your application is on the waitlist" in mail.body_text.lower()
    assert "places are taken" not in mail.body_text and "place is taken" not in mail.body_text

    capacity(event, 1)
    waiting = make_team(event, make_user(email="wait@example.org", locale="ru"), name="Late Team")
    decide(client, [waiting], "waitlisted")
    [mail] = outbox(to="wait@example.org")
    assert "Единственное место для команды уже занято." in mail.body_text
    capacity(event, 2)
    make_team(event, status=S.accepted, name="Second Team")
    third = make_team(event, make_user(email="third@example.org"), name="Third Team")
    decide(client, [third], "waitlisted")
    [mail] = outbox(to="third@example.org")
    assert "All 2 team places are taken." in mail.body_text
