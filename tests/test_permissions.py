"""The route walk: every route x method x kind of visitor, and the status each one gets.

`CASES` must name every rule in the URL map (see `test_every_route_is_in_the_table`), so a new route fails the
suite until its row is added here. Expected statuses:

- allowed: 200 for a page, 302 for a POST that did its work (checked through the audit entry it writes);
- `LOGIN`: anonymous on a sign-in-only page, a 302 to /login?next=...;
- 403: signed in but not allowed;
- 404: the object must not leak (an unpublished event for outsiders, another event's object id).

To add a route: a `Case` with its path (formatted with `w`, the world; `e`, the event; `me`, the visitor's own
objects), the status per visitor (built with `everyone`, `signed_in`, `guests`, `managers`, `admins`), the POST
data and the audit action a successful POST writes; add what it acts on to `world`. Event pages (`<slug>`) are
walked again on the unpublished event automatically.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from hackathon.accounts import services as account_services
from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.applications.models import Application, ApplicationKind
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Invitation, Role, Track
from hackathon.extensions import db
from tests.conftest import PASSWORD, link_in, session_user_id

ROLES = ("anonymous", "user", "applicant", "participant", "mentor", "juror", "reviewer", "organiser", "other_organiser",
         "admin")
# Who must get a 404 on an unpublished event: no role at it and not a site admin (an applicant with a draft at the
# published event holds no role at either).
OUTSIDERS = ("anonymous", "user", "applicant", "other_organiser")
LOGIN = "login"  # 302 to the sign-in page
NEW_PASSWORD = "quiet river lantern 42"


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return everyone(status) | {"anonymous": LOGIN}


def guests(status):
    """Pages for signed-out visitors: signed-in ones are sent on (302)."""
    return everyone(302) | {"anonymous": status}


def managers(status):
    return signed_in(403) | {"organiser": status, "admin": status}


def admins(status):
    return signed_in(403) | {"admin": status}


def event_form(slug: str, title: str) -> dict:
    return {
        "title": title, "slug": slug, "timezone": "Asia/Bishkek", "languages": ["en"], "min_team_size": "1",
        "max_team_size": "5", "is_published": "y", "applications_open_at": "2026-06-01T09:00",
    }


@dataclass(frozen=True)
class Case:
    method: str
    rule: str
    path: str  # formatted with w (the world), e (the event the row is about) and me (the visitor's objects)
    expected: dict
    data: object = None  # a dict, or a callable of (world, event)
    audit: str | None = None  # the action an allowed POST writes, to prove it did its work
    event: str = "main"
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}{' (' + self.variant + ')' if self.variant else ''}"


CASES = [
    # Public pages.
    Case("GET", "/", "/", everyone(200)),
    Case("GET", "/api/v1/events", "/api/v1/events", everyone(200)),
    Case("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", everyone(200)),
    Case("GET", "/api/v1/events/<slug>", "/api/v1/events/{e.slug}", everyone(200)),
    Case("GET", "/events/<slug>/", "/events/{e.slug}/", everyone(200)),
    Case("POST", "/language", "/language", everyone(302), data={"language": "ru", "next": "/"}),

    # Accounts.
    Case("GET", "/login", "/login", guests(200)),
    Case("POST", "/login", "/login", everyone(302), data=lambda w, e: {"email": w.spare.email, "password": PASSWORD}),
    Case("POST", "/logout", "/logout", everyone(302)),
    Case("GET", "/register", "/register", guests(200)),
    Case("POST", "/register", "/register", guests(200),
         data={"name": "Newcomer", "email": "newcomer@example.org", "password": NEW_PASSWORD}),
    Case("GET", "/confirm", "/confirm", everyone(200)),
    Case("POST", "/confirm", "/confirm", everyone(200), data={"email": "nobody@example.org"}),
    Case("GET", "/confirm/<token>", "{w.confirm_link}", everyone(302)),
    Case("GET", "/reset", "/reset", everyone(200)),
    Case("POST", "/reset", "/reset", everyone(200), data={"email": "nobody@example.org"}),
    Case("GET", "/reset/<token>", "{w.reset_link}", everyone(200)),
    Case("POST", "/reset/<token>", "{w.reset_link}", everyone(302), data={"password": NEW_PASSWORD}),
    Case("GET", "/account", "/account", signed_in(200)),
    Case("POST", "/account", "/account", signed_in(302), data={"name": "Renamed Person", "locale": "en"}),
    Case("GET", "/account/password", "/account/password", signed_in(200)),
    Case("POST", "/account/password", "/account/password", signed_in(302),
         data={"current_password": PASSWORD, "password": NEW_PASSWORD}),
    Case("POST", "/account/sessions/end-others", "/account/sessions/end-others", signed_in(302)),
    Case("POST", "/account/sessions/<id:session_id>/end", "/account/sessions/{me.session}/end", signed_in(302)),
    Case("POST", "/account/sessions/<id:session_id>/end", "/account/sessions/{w.spare_session}/end",
         signed_in(404), variant="someone else's session"),
    Case("GET", "/account/tokens", "/account/tokens", signed_in(200)),
    Case("POST", "/account/tokens", "/account/tokens", signed_in(200), data={"name": "export script"}),
    Case("POST", "/account/tokens/<id:token_id>/revoke", "/account/tokens/{me.token}/revoke", signed_in(302)),
    Case("POST", "/account/tokens/<id:token_id>/revoke", "/account/tokens/{w.spare_token}/revoke", signed_in(404),
         variant="someone else's token"),

    # Invitations: the link is the key, whoever holds it (signed in or not) may use it.
    Case("GET", "/invitations/<token>", "{e.invitation_link}", everyone(200)),
    Case("POST", "/invitations/<token>", "{e.invitation_link}", everyone(302),
         data={"name": "Invited Person", "password": NEW_PASSWORD}, audit="invitation.accept"),

    # Site admin.
    Case("GET", "/events/new", "/events/new", admins(200)),
    Case("POST", "/events/new", "/events/new", admins(302), data=event_form("brand-new", "Brand New"),
         audit="event.create"),

    # Organisers of the event (and site admins).
    Case("GET", "/events/<slug>/edit", "/events/{e.slug}/edit", managers(200)),
    Case("POST", "/events/<slug>/edit", "/events/{e.slug}/edit", managers(302),
         data=lambda w, e: event_form(e.slug, "Renamed Event"), audit="event.update"),
    Case("GET", "/events/<slug>/tracks", "/events/{e.slug}/tracks", managers(200)),
    Case("POST", "/events/<slug>/tracks", "/events/{e.slug}/tracks", managers(302), data={"name": "New track"},
         audit="track.create"),
    Case("GET", "/events/<slug>/tracks/<id:track_id>", "/events/{e.slug}/tracks/{e.track}", managers(200)),
    Case("POST", "/events/<slug>/tracks/<id:track_id>", "/events/{e.slug}/tracks/{e.track}", managers(302),
         data={"name": "Renamed track", "position": "3"}, audit="track.update"),
    Case("POST", "/events/<slug>/tracks/<id:track_id>/delete", "/events/{e.slug}/tracks/{e.track}/delete",
         managers(302), audit="track.delete"),
    Case("GET", "/events/<slug>/people", "/events/{e.slug}/people", managers(200)),
    Case("POST", "/events/<slug>/people", "/events/{e.slug}/people", managers(302),
         data={"email": "new-mentor@example.org", "role": "mentor"}, audit="invitation.create"),
    Case("POST", "/events/<slug>/people/<id:event_role_id>/remove", "/events/{e.slug}/people/{e.spare_role}/remove",
         managers(302), audit="role.remove"),
    Case("POST", "/events/<slug>/invitations/<id:invitation_id>/revoke",
         "/events/{e.slug}/invitations/{e.invitation}/revoke", managers(302), audit="invitation.revoke"),
    Case("GET", "/events/<slug>/audit", "/events/{e.slug}/audit", managers(200)),
    # The inclusion report (not shared: the default; shared, it is walked in test_inclusion_report.py).
    Case("GET", "/events/<slug>/inclusion/report-<lang>.pdf", "/events/{e.slug}/inclusion/report-en.pdf",
         managers(200)),
    Case("GET", "/events/<slug>/inclusion/report-<lang>.csv", "/events/{e.slug}/inclusion/report-en.csv",
         managers(200)),
    Case("GET", "/events/<slug>/inclusion/settings", "/events/{e.slug}/inclusion/settings", managers(200)),
    Case("POST", "/events/<slug>/inclusion/settings", "/events/{e.slug}/inclusion/settings", managers(302),
         data={"age_bands": "16-29, 30+", "suppression_threshold": "5"}, audit="inclusion_settings.update"),
    Case("GET", "/events/<slug>/inclusion/scores", "/events/{e.slug}/inclusion/scores", managers(200)),

    # Appointing and removing organisers is for site admins only.
    Case("POST", "/events/<slug>/people", "/events/{e.slug}/people", admins(302) | {"organiser": 200},
         data={"email": "new-organiser@example.org", "role": "organiser"}, audit="invitation.create",
         variant="organiser role"),
    Case("POST", "/events/<slug>/people/<id:event_role_id>/remove",
         "/events/{e.slug}/people/{e.organiser_role}/remove", admins(302) | {"organiser": 403},
         audit="role.remove", variant="organiser role"),
    Case("POST", "/events/<slug>/invitations/<id:invitation_id>/revoke",
         "/events/{e.slug}/invitations/{e.organiser_invitation}/revoke", admins(302), audit="invitation.revoke",
         variant="organiser invitation"),
]

# The same routes with another event's object id in the URL: the id must not leak to this event's managers.
FOREIGN = managers(404)
CASES += [
    Case("GET", "/events/<slug>/tracks/<id:track_id>", "/events/{e.slug}/tracks/{w.other.track}", FOREIGN,
         variant="other event's track"),
    Case("POST", "/events/<slug>/tracks/<id:track_id>", "/events/{e.slug}/tracks/{w.other.track}", FOREIGN,
         data={"name": "Hijacked"}, variant="other event's track"),
    Case("POST", "/events/<slug>/tracks/<id:track_id>/delete", "/events/{e.slug}/tracks/{w.other.track}/delete",
         FOREIGN, variant="other event's track"),
    Case("POST", "/events/<slug>/people/<id:event_role_id>/remove",
         "/events/{e.slug}/people/{w.other.spare_role}/remove", FOREIGN, variant="other event's role"),
    Case("POST", "/events/<slug>/invitations/<id:invitation_id>/revoke",
         "/events/{e.slug}/invitations/{w.other.invitation}/revoke", FOREIGN, variant="other event's invitation"),
]

# Every event page again on an unpublished event: outsiders get 404 (even before being asked to sign in),
# everyone else gets what they get on a published one.
CASES += [
    replace(case, event="draft", variant=" ".join(filter(None, ["draft", case.variant])),
            expected=case.expected | dict.fromkeys(OUTSIDERS, 404))
    for case in list(CASES)
    if "<slug>" in case.rule and "{w." not in case.path
]


def _user(email: str, password_hash: str, **values) -> User:
    user = User(email=email, name=values.pop("name", email.split("@")[0].replace("_", " ").title()),
                password_hash=password_hash, email_confirmed_at=values.pop("email_confirmed_at", utcnow()),
                skills=[], **values)
    db.session.add(user)
    return user


def _invitation(event: Event, email: str, role: Role) -> tuple[Invitation, str]:
    """A pending invitation and the path of its link (the secret is hashed as the service does)."""
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(event=event, email=email, role=role, token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                            expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    return invitation, f"/invitations/{secret}"


def _world_event(slug: str, *, published: bool, people: dict[str, User], password_hash: str) -> SimpleNamespace:
    """An event where `people` hold the roles named by their keys, with objects to act on."""
    now = utcnow()
    event = Event(slug=slug, title=f"Event {slug}", timezone="Asia/Bishkek", languages=["en"], is_published=published,
                  applications_open_at=now - timedelta(days=1), applications_close_at=now + timedelta(days=10))
    spare_mentor = _user(f"spare-mentor-{slug}@example.org", password_hash)
    second_organiser = _user(f"second-organiser-{slug}@example.org", password_hash)
    roles = [EventRole(event=event, user=user, role=Role(role)) for role, user in people.items()]
    spare_role = EventRole(event=event, user=spare_mentor, role=Role.mentor)
    organiser_role = EventRole(event=event, user=second_organiser, role=Role.organiser)
    track = Track(event=event, name=f"Track of {slug}")
    invitation, invitation_link = _invitation(event, f"invitee-{slug}@example.org", Role.mentor)
    organiser_invitation, _link = _invitation(event, f"boss-{slug}@example.org", Role.organiser)
    db.session.add_all([event, *roles, spare_role, organiser_role, track])
    db.session.flush()
    return SimpleNamespace(slug=slug, id=event.id, track=track.id, spare_role=spare_role.id,
                           organiser_role=organiser_role.id, invitation=invitation.id,
                           invitation_link=invitation_link, organiser_invitation=organiser_invitation.id)


@pytest.fixture
def world(app, password_hash, outbox):
    """Three events (published `main`, published `other`, unpublished `draft`) and one person per kind of visitor."""
    users = {name: _user(f"{name}@example.org", password_hash, is_admin=name == "admin")
             for name in ROLES if name != "anonymous"}
    insiders = {role: users[role] for role in ("participant", "mentor", "juror", "reviewer", "organiser")}
    w = SimpleNamespace(users=users)
    w.main = _world_event("main", published=True, people=insiders, password_hash=password_hash)
    w.draft = _world_event("draft", published=False, people=insiders, password_hash=password_hash)
    w.other = _world_event("other", published=True, people={"organiser": users["other_organiser"]},
                           password_hash=password_hash)
    applicant = users["applicant"]
    db.session.add(Application(event_id=w.main.id, kind=ApplicationKind.individual, user_id=applicant.id,
                               individual_user_id=applicant.id, answers={}))  # a draft
    w.spare = _user("spare@example.org", password_hash)
    tokens = {name: ApiToken(user=user, name="mine", token_hash=secrets.token_hex(32), prefix="hk_")
              for name, user in users.items()}
    spare_token = ApiToken(user=w.spare, name="not yours", token_hash=secrets.token_hex(32), prefix="hk_")
    # A second device of each person, and one of someone else's, as rows (no key needed to end them).
    expires_at = utcnow() + timedelta(days=1)
    sessions = {name: UserSession(user=user, key_hash=secrets.token_hex(32), expires_at=expires_at)
                for name, user in users.items()}
    spare_session = UserSession(user=w.spare, key_hash=secrets.token_hex(32), expires_at=expires_at)
    unconfirmed = _user("unconfirmed@example.org", password_hash, email_confirmed_at=None)
    forgetful = _user("forgetful@example.org", password_hash)
    db.session.add_all([*tokens.values(), spare_token, *sessions.values(), spare_session])
    db.session.commit()

    w.tokens = {name: token.id for name, token in tokens.items()} | {"anonymous": tokens["user"].id}
    w.spare_token = spare_token.id
    w.sessions = {name: row.id for name, row in sessions.items()} | {"anonymous": sessions["user"].id}
    w.spare_session = spare_session.id
    w.confirm_link = f"/confirm/{account_services.confirmation_token(unconfirmed)}"
    account_services.request_password_reset(forgetful.email, locale="en")
    w.reset_link = link_in(outbox(to=forgetful.email)[-1], "/reset/")
    return w


def sign_in(client, user: User) -> None:
    """Put the user in the session as /login does, without paying for a password hash in each of ~500 tests.

    The sign-in page itself is walked below and used by the journeys in test_events.py.
    """
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


WALK = [pytest.param(case, role, id=f"{case.id} as {role}") for case in CASES for role in ROLES]


@pytest.mark.parametrize(("case", "role"), WALK)
def test_route_walk(app, client, world, case, role):
    event = getattr(world, case.event)
    me = SimpleNamespace(token=world.tokens[role], session=world.sessions[role])
    path = case.path.format(w=world, e=event, me=me)
    data = case.data(world, event) if callable(case.data) else case.data
    # The row really exercises the rule it names.
    matched, _args = app.url_map.bind("hackathon.test").match(urlsplit(path).path, method=case.method,
                                                               return_rule=True)
    assert matched.rule == case.rule
    if role != "anonymous":
        sign_in(client, world.users[role])
    last_audit = db.session.scalar(select(func.max(AuditEntry.id))) or 0

    response = client.open(path, method=case.method, data=data)

    expected = case.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert response.location.startswith("/login?next="), response.location
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    written = db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > last_audit)).all()
    if case.audit and expected == 302:
        assert written == [case.audit], "the POST was accepted but did nothing"
    else:
        assert written == [], "a refused or read-only request changed something"


# Later domains walk their routes for every kind of visitor in tables of their own test modules (`ROUTES`:
# rows starting with method and path, `{...}` standing for ids or codes); they are read here, so that a route
# missing from every table still fails this test.
DOMAIN_TABLES = ("test_applying", "test_teams", "test_review", "test_challenges", "test_help_requests", "test_progress",
                 "test_mentor_assignment", "test_submission_editing", "test_submission_files", "test_submissions_organiser",
                 "test_judging", "test_results", "test_pitch_day", "test_privacy")
DOMAIN_TABLES += ("test_webhooks",)
DOMAIN_TABLES += ("test_applicant_import",)
DOMAIN_TABLES += ("test_api_write",)
DOMAIN_TABLES += ("test_announcements",)
DOMAIN_TABLES += ("test_two_factor",)
# Routes walked per visitor by dedicated tests rather than a table.
WALKED_BY_TESTS = {
    ("/events/<slug>/application/confirm", "POST"): "test_review.py::test_confirm_and_decline_access_per_visitor",
    ("/events/<slug>/application/decline", "POST"): "test_review.py::test_confirm_and_decline_access_per_visitor",
    ("/events/<slug>/inclusion", "GET"): "test_inclusion.py::test_who_sees_the_dashboard",
    ("/api/v1/events/<slug>/stats", "GET"): "test_inclusion.py::test_who_sees_the_dashboard",
}


def domain_table_routes(app) -> set[tuple[str, str]]:
    import importlib
    import re

    adapter = app.url_map.bind("hackathon.test")
    covered = set()
    for name in DOMAIN_TABLES:
        table = importlib.import_module(name).ROUTES
        for row in (table.values() if isinstance(table, dict) else table):
            method, path = row[0], row[1]
            concrete = re.sub(r"\{[^}]+\}", "1", path).split("?")[0]
            # A row with an id outside INTEGER (a 404 from the id converter) still names the rule it probes.
            concrete = re.sub(r"(?<=/)\d{10,}(?=[/.]|$)", "1", concrete)
            rule, _arguments = adapter.match(concrete, method=method, return_rule=True)
            covered.add((rule.rule, method))
    return covered


def test_every_route_is_in_the_table(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(case.rule, case.method) for case in CASES}
    elsewhere = domain_table_routes(app) | set(WALKED_BY_TESTS)
    assert sorted(routes - covered - elsewhere) == [], (
        "add these routes to CASES here, or to the ROUTES table of their domain's test module")
    assert sorted(covered - routes) == [], "these rows name routes that no longer exist"
    assert sorted(set(WALKED_BY_TESTS) - routes) == [], "WALKED_BY_TESTS names routes that no longer exist"


def test_table_is_well_formed():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "two rows with one id: give one a variant"
    for case in CASES:
        assert set(case.expected) == set(ROLES), case.id
        assert set(case.expected.values()) <= {200, 302, 403, 404, LOGIN}, case.id


def test_every_event_page_is_also_walked_on_a_draft():
    event_rules = {(case.rule, case.method) for case in CASES if "<slug>" in case.rule}
    draft_rules = {(case.rule, case.method) for case in CASES if case.event == "draft"}
    assert event_rules == draft_rules
    for case in CASES:
        if case.event == "draft":
            assert all(case.expected[role] == 404 for role in OUTSIDERS), case.id


POST_ONLY = sorted({case.rule for case in CASES} - {case.rule for case in CASES if case.method == "GET"})


@pytest.mark.parametrize("rule", POST_ONLY)
def test_actions_do_not_answer_get(app, client, world, rule):
    """A link (or a prefetching browser) never deletes, revokes or signs out."""
    case = next(case for case in CASES if case.rule == rule)
    path = case.path.format(w=world, e=world.main, me=SimpleNamespace(token=world.tokens["admin"],
                                                                             session=world.sessions["admin"]))
    sign_in(client, world.users["admin"])
    assert client.get(path).status_code == 405
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
