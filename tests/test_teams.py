"""Teams end to end through the test client: creating a team, the team page, invitations (emailed, from the
board), join links and requests, leaving and removing, the team board, forming teams from accepted individuals;
bad input, concurrency, query counts and who may do what.

The pure suggestion maths is tested in test_formation.py.
"""
from __future__ import annotations

import html
import threading
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from flask import current_app
from sqlalchemy import func, select

from hackathon.accounts.models import Background, Gender, User
from hackathon.applications.models import Application, ApplicationKind, ApplicationSettings, ApplicationStatus
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, OutOfPhase
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db
from hackathon.mail import OutboxMessage
from hackathon.permissions import forget_roles, forget_team_standing
from hackathon.teams import services
from hackathon.teams.models import (Team, TeamInvitation, TeamInvitationKind, TeamInvitationStatus, TeamMember,
                                    team_name_key)
from hackathon.teams.services import ProposedTeam, TeamFull
from tests.conftest import link_in, session_user_id

S = ApplicationStatus
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RTL = "فريق الأمل"


# --- helpers ------------------------------------------------------------------------------------------------------


def text(response) -> str:
    """The page as a reader sees it: entities decoded, CLDR's narrow no-break spaces as spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def raw(response) -> str:
    return response.get_data(as_text=True)


def sign_in(client, user: User) -> None:
    """Put the user in the session as /login does (the sign-in page is tested in test_accounts)."""
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def audit_actions(event: Event) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == event.id)
                                   .order_by(AuditEntry.id)))


def members_of(team_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)
                                   .order_by(TeamMember.joined_at, TeamMember.id)))


def reset_caches() -> None:
    forget_roles()
    forget_team_standing()


@pytest.fixture
def client_for(app):
    """A new browser signed in as `user` (or anonymous)."""

    def make(user: User | None = None):
        client = app.test_client()
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def event(make_event):
    """Applications open now; teams of 1 to 3."""
    return make_event("civic", min_team_size=1, max_team_size=3)


@pytest.fixture
def apply_alone():
    def apply(user: User, event: Event, *, looking: bool = True, status: ApplicationStatus = S.submitted):
        application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=user.id,
                                  individual_user_id=user.id, status=status, looking_for_team=looking, answers={})
        db.session.add(application)
        db.session.commit()
        reset_caches()
        return application

    return apply


@pytest.fixture
def new_team(app):
    """A team created through the service, with members joined through `join_team`."""

    def make(captain: User, event: Event, name: str = "Team Alpha", *members: User, **values) -> Team:
        values = {"track_id": None, "idea": "Bus timetables for Osh", "wanted_skills": ["design"],
                  "looking_for_members": True} | values
        team = services.create_team(captain, event, name=name, **values)
        for member in members:
            services.join_team(member, team)
        reset_caches()
        return fresh(Team, team.id)

    return make


def team_form(**overrides) -> dict:
    data = {"name": "Data Lab", "idea": "Open budgets, explained.", "wanted_skills": "design, law",
            "looking_for_members": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def close_applications(event: Event) -> None:
    now = utcnow()
    event.applications_open_at = now - timedelta(days=5)
    event.applications_close_at = now - timedelta(minutes=1)
    db.session.commit()


# --- creating a team --------------------------------------------------------------------------------------------


def test_create_team_makes_the_captain_a_member_with_a_draft_team_application(client, event, make_user, apply_alone):
    captain = make_user(name="Айгүл")
    own = apply_alone(captain, event, status=S.submitted)
    sign_in(client, captain)
    page = client.get("/events/civic/teams/new")
    assert page.status_code == 200
    assert 'name="name"' in raw(page) and 'for="name"' in raw(page)

    response = client.post("/events/civic/teams/new", data=team_form())

    assert response.status_code == 302
    assert response.location == "/events/civic/team"
    team = db.session.scalar(select(Team))
    assert (team.name, team.name_key, team.captain_id, team.member_count) == ("Data Lab", "data lab", captain.id, 1)
    assert (team.idea, team.wanted_skills, team.looking_for_members) == ("Open budgets, explained.",
                                                                         ["design", "law"], True)
    assert len(team.join_code) == 16
    assert members_of(team.id) == [captain.id]
    application = db.session.scalar(select(Application).where(Application.team_id == team.id))
    assert (application.kind, application.status, application.user_id, application.individual_user_id) == (
        ApplicationKind.team, S.draft, captain.id, None)
    assert fresh(Application, own.id).status == S.merged
    assert "team.create" in audit_actions(event)
    page = text(client.get("/events/civic/team"))
    assert "Your team is created." in page and "Data Lab" in page and "Айгүл" in page


def test_create_team_needs_open_applications(client, event, make_user):
    user = make_user()
    sign_in(client, user)
    close_applications(event)
    page = text(client.get("/events/civic/teams/new"))
    assert "Teams can be created only while applications are open." in page
    assert 'name="idea"' not in page
    client.post("/events/civic/teams/new", data=team_form())
    assert count(Team) == 0

    event.applications_open_at = utcnow() + timedelta(days=1)
    event.applications_close_at = utcnow() + timedelta(days=3)
    db.session.commit()
    with pytest.raises(OutOfPhase, match="not open yet"):
        services.create_team(user, event, name="Early", track_id=None, idea="x", wanted_skills=[],
                             looking_for_members=True)


def test_create_team_refused_when_the_event_takes_individuals_only(client, event, make_user):
    db.session.add(ApplicationSettings(event_id=event.id, allow_teams=False))
    db.session.commit()
    sign_in(client, make_user())
    page = text(client.post("/events/civic/teams/new", data=team_form()))
    assert "This event takes individual applications only" in page
    assert count(Team) == 0


def test_create_team_asks_for_a_track_when_the_event_has_tracks(client, event, make_user, make_event):
    db.session.add_all([Track(event_id=event.id, name="Health", position=1),
                        Track(event_id=event.id, name="Transport", position=2)])
    other = make_event("other")
    foreign = Track(event_id=other.id, name="Elsewhere")
    db.session.add(foreign)
    db.session.commit()
    sign_in(client, make_user())
    assert "Choose a track." in text(client.post("/events/civic/teams/new", data=team_form()))
    page = text(client.post("/events/civic/teams/new", data=team_form(track=str(foreign.id))))
    assert "Not a valid choice" in page
    assert count(Team) == 0
    transport = db.session.scalar(select(Track).where(Track.name == "Transport"))
    assert client.post("/events/civic/teams/new", data=team_form(track=str(transport.id))).status_code == 302
    assert db.session.scalar(select(Team)).track_id == transport.id


def test_blank_and_overlong_team_names_are_refused(client, event, make_user):
    sign_in(client, make_user())
    assert "This field is required." in text(client.post("/events/civic/teams/new", data=team_form(name="   ")))
    assert "at most 80 characters" in text(client.post("/events/civic/teams/new", data=team_form(name="x" * 81)))
    assert "at most 1000 characters" in text(client.post("/events/civic/teams/new",
                                                         data=team_form(idea="y" * 1001)))
    assert count(Team) == 0


@pytest.mark.parametrize("first, second", [
    ("Команда", "КОМАНДА"),
    ("Ｔｅａｍ", "team"),
    ("Cafe\u0301", "Café"),          # combining accent vs the precomposed letter
    ("Data   Lab", " data lab "),
    ("STRASSE", "straße"),           # case folding, not just lower-casing
])
def test_team_names_are_unique_ignoring_case_and_unicode_forms(client, event, make_user, new_team, first, second):
    new_team(make_user(), event, first)
    sign_in(client, make_user())
    response = client.post("/events/civic/teams/new", data=team_form(name=second))
    assert response.status_code == 200
    assert "already exists at this event" in text(response)
    assert count(Team) == 1


def test_the_same_name_may_be_used_at_another_event(event, make_event, make_user, new_team):
    new_team(make_user(), event, "Команда")
    other = make_event("other")
    new_team(make_user(), other, "КОМАНДА")
    assert count(Team) == 2


def test_a_name_clash_found_only_by_the_database_is_a_clear_message(client, event, make_user, new_team,
                                                                     monkeypatch):
    """Two people creating the same name at once: the check passes for both, the unique constraint decides."""
    new_team(make_user(), event, "Data Lab")
    monkeypatch.setattr(services, "_check_name_free", lambda event, name, team=None: team_name_key(name))
    sign_in(client, make_user())
    response = client.post("/events/civic/teams/new", data=team_form(name="DATA LAB"))
    assert response.status_code == 200
    assert "was just created by someone else" in text(response)
    assert count(Team) == 1 and count(Application) == 1


@pytest.mark.parametrize("name", ["Команда мечты", "🚀 Rocket 🚀", RTL, "Ақ Жол — ӨҢҮ"])
def test_names_in_any_script_are_kept_as_typed(client, event, make_user, name):
    sign_in(client, make_user())
    assert client.post("/events/civic/teams/new", data=team_form(name=name)).status_code == 302
    assert db.session.scalar(select(Team.name)) == name
    page = text(client.get("/events/civic/team"))
    assert name in page


def test_mass_assignment_through_the_create_form_is_ignored(client, event, make_user, make_event):
    other = make_event("other")
    someone = make_user()
    sign_in(client, make_user())
    client.post("/events/civic/teams/new", data=team_form(
        captain_id=str(someone.id), member_count="99", event_id=str(other.id), status="accepted",
        formed_by_organisers="y", join_code="chosen-code"))
    team = db.session.scalar(select(Team))
    assert (team.event_id, team.member_count, team.formed_by_organisers) == (event.id, 1, False)
    assert team.captain_id != someone.id and team.join_code != "chosen-code"
    assert db.session.scalar(select(Application.status)) == S.draft


def test_someone_in_a_team_cannot_create_another(client, event, make_user, new_team):
    captain = make_user()
    new_team(captain, event, "First")
    sign_in(client, captain)
    response = client.get("/events/civic/teams/new")
    assert response.status_code == 302 and response.location == "/events/civic/team"
    client.post("/events/civic/teams/new", data=team_form(name="Second"))
    assert count(Team) == 1
    with pytest.raises(Conflict):
        services.create_team(captain, event, name="Third", track_id=None, idea="", wanted_skills=[],
                             looking_for_members=False)


def test_team_names_and_ideas_are_escaped_everywhere(client_for, event, make_user, new_team, apply_alone, outbox):
    captain = make_user()
    team = new_team(captain, event, XSS, idea=XSS, wanted_skills=[XSS])
    seeker = make_user()
    apply_alone(seeker, event)
    captain_client = client_for(captain)
    captain_client.post("/events/civic/team/invitations", data={"invite-email": "friend@example.org", "invite-message": XSS})
    pages = {
        "team page": captain_client.get("/events/civic/team"),
        "board": client_for(seeker).get("/events/civic/board"),
        "join page": client_for(seeker).get(f"/events/civic/join/{team.join_code}"),
        "invitation page": client_for().get(link_in(outbox("friend@example.org")[-1], "/events/civic/team-")),
    }
    for where, page in pages.items():
        assert page.status_code == 200, where
        assert "<script>alert" not in raw(page), where
        assert "&lt;script&gt;alert" in raw(page), where
    mail = outbox("friend@example.org")[-1]
    assert "<script>alert" not in mail.body_html and "&lt;script&gt;" in mail.body_html


# --- the team page --------------------------------------------------------------------------------------------------


def test_team_page_shows_members_profiles_but_never_birth_year_or_gender(client, event, make_user, new_team):
    captain = make_user(name="Captain Nur", background=Background.it, region="naryn", skills=["Python", "SQL"],
                        year_of_birth=1961, gender=Gender.female, organisation="Secret Org")
    member = make_user(name="Member Bek", background=Background.non_it, region="osh", skills=["Law"],
                       year_of_birth=1999, gender=Gender.male)
    new_team(captain, event, "Team Alpha", member)
    sign_in(client, member)
    page = text(client.get("/events/civic/team"))
    for shown in ("Captain Nur", "Member Bek", "Naryn region", "Osh region", "Python", "Law", "IT", "Non-IT"):
        assert shown in page
    for hidden in ("1961", "1999", "Female", "Male", "Secret Org"):
        assert hidden not in page
    assert "2 of at most 3" in page


def test_team_page_has_an_actions_column_only_when_a_row_has_an_action(client, event, make_user, new_team):
    """After applications closed the members' table kept an empty "Actions" column."""
    captain, member = make_user(), make_user()
    new_team(captain, event, "Team Alpha", member)
    sign_in(client, captain)
    page = raw(client.get("/events/civic/team"))
    assert ">Actions<" in page and "/remove" in page  # the captain removes members while applications are open
    event.applications_close_at = utcnow() - timedelta(hours=1)
    event.applications_open_at = utcnow() - timedelta(days=2)
    db.session.commit()
    page = raw(client.get("/events/civic/team"))
    assert ">Actions<" not in page and "/remove" not in page
    head = page[page.index('id="members-heading"'):]
    assert head.count("<th scope", 0, head.index("</thead>")) == 4
    sign_in(client, member)  # a member never has an action in that table
    assert ">Actions<" not in raw(client.get("/events/civic/team"))


def test_team_page_links_the_application_when_that_page_exists(client, event, make_user, new_team):
    captain = make_user()
    new_team(captain, event)
    sign_in(client, captain)
    page = raw(client.get("/events/civic/team"))
    assert "draft" in page
    if "applications.edit" in current_app.view_functions:
        assert 'href="/events/civic/application"' in page
    else:
        assert "/events/civic/application" not in page


def test_captain_edits_the_team(client, event, make_user, new_team):
    captain = make_user()
    team = new_team(captain, event, "Old name")
    new_team(make_user(), event, "Taken")
    sign_in(client, captain)
    assert "already exists" in text(client.post("/events/civic/team", data=team_form(name="TAKEN")))
    response = client.post("/events/civic/team", data=team_form(
        name="New name", idea="Better idea", wanted_skills="UX,  ux , Law", looking_for_members=None,
        captain_id="999", member_count="0", event_id="42"))
    assert response.status_code == 302
    team = fresh(Team, team.id)
    assert (team.name, team.idea, team.wanted_skills, team.looking_for_members) == (
        "New name", "Better idea", ["UX", "Law"], False)
    assert (team.captain_id, team.member_count, team.event_id) == (captain.id, 1, event.id)
    assert "team.update" in audit_actions(event)


def test_non_captain_members_get_403_on_captain_actions_and_others_404(client_for, event, make_user, new_team):
    captain, member, outsider = make_user(), make_user(), make_user()
    team = new_team(captain, event, "Team Alpha", member)
    other_captain = make_user()
    other = new_team(other_captain, event, "Other")
    services.invite_by_email(other_captain, other, email="x@example.org")
    invitation_id = db.session.scalar(select(TeamInvitation.id))
    other_member_id = db.session.scalar(select(TeamMember.id).where(TeamMember.team_id == other.id))
    own_member_id = db.session.scalar(select(TeamMember.id).where(TeamMember.user_id == member.id))
    actions = [
        ("/events/civic/team", team_form(name="Hijacked")),
        ("/events/civic/team/invitations", {"invite-email": "y@example.org"}),
        (f"/events/civic/team/invitations/{invitation_id}/withdraw", {}),
        (f"/events/civic/team/requests/{invitation_id}/answer", {"accept": "y"}),
        (f"/events/civic/team/members/{own_member_id}/remove", {}),
        ("/events/civic/team/join-code", {}),
    ]
    code = team.join_code
    for path, data in actions:
        assert client_for(member).post(path, data=data).status_code == 403, path
        assert client_for(outsider).post(path, data=data).status_code == 404, path
    # The captain with another team's ids: 404, nothing changes.
    captain_client = client_for(captain)
    assert captain_client.post(f"/events/civic/team/invitations/{invitation_id}/withdraw").status_code == 404
    assert captain_client.post(f"/events/civic/team/requests/{invitation_id}/answer",
                               data={"accept": "y"}).status_code == 404
    assert captain_client.post(f"/events/civic/team/members/{other_member_id}/remove").status_code == 404
    assert captain_client.post("/events/civic/team/members/2147483647/remove").status_code == 404
    assert captain_client.post("/events/civic/team/members/2147483648/remove").status_code == 404
    team = fresh(Team, team.id)
    assert (team.name, team.join_code, team.member_count) == ("Team Alpha", code, 2)
    assert fresh(TeamInvitation, invitation_id).status == TeamInvitationStatus.pending
    assert members_of(other.id) == [other_captain.id]


def test_captain_replaces_the_join_link_and_the_old_one_dies(client_for, event, make_user, new_team):
    captain, joiner = make_user(), make_user()
    team = new_team(captain, event)
    old = team.join_code
    captain_client = client_for(captain)
    assert old in text(captain_client.get("/events/civic/team"))
    assert captain_client.post("/events/civic/team/join-code").status_code == 302
    new = fresh(Team, team.id).join_code
    assert new != old and new in text(captain_client.get("/events/civic/team"))
    joiner_client = client_for(joiner)
    assert joiner_client.get(f"/events/civic/join/{old}").status_code == 404
    assert joiner_client.post(f"/events/civic/join/{old}").status_code == 404
    assert joiner_client.get(f"/events/civic/join/{new}").status_code == 200
    assert members_of(team.id) == [captain.id]


# --- invitations by email ---------------------------------------------------------------------------------------


def speak_english(user):
    """Pages follow the account's language; switch it once the mail's locale has been checked."""
    db.session.get(type(user), user.id).locale = "en"
    db.session.commit()


def test_invitation_by_email_journey_through_sign_in(client_for, event, make_user, new_team, outbox):
    captain = make_user(name="Captain")
    invitee = make_user("friend@example.org", name="Friend", locale="ru")
    team = new_team(captain, event, "Команда")
    captain_client = client_for(captain)
    response = captain_client.post("/events/civic/team/invitations",
                                   data={"invite-email": " Friend@Example.org ", "invite-message": "Join us!"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(TeamInvitation))
    assert (invitation.kind, invitation.status, invitation.email, invitation.user_id) == (
        TeamInvitationKind.invite, TeamInvitationStatus.pending, "friend@example.org", invitee.id)
    assert invitation.token_hash and len(invitation.token_hash) == 64
    assert timedelta(days=13) < invitation.expires_at - utcnow() <= timedelta(days=14)
    [mail] = outbox("friend@example.org")
    assert mail.template == "team_invitation" and mail.locale == "ru"
    assert "Команда" in mail.subject
    speak_english(invitee)  # the pages below are asserted in English
    link = link_in(mail, "/events/civic/team-invitations/")
    assert invitation.token_hash not in link  # only the hash is stored
    pending_page = text(captain_client.get("/events/civic/team"))
    assert "Friend" in pending_page and "Withdraw" in pending_page

    anonymous = client_for()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Команда" in text(page)
    login_link = next(part for part in raw(page).split('"') if part.startswith("/login?next="))
    assert unquote(urlsplit(html.unescape(login_link)).query.split("=", 1)[1]) == link
    assert anonymous.post(link, data={"accept": "y"}).status_code == 200  # not signed in: nothing happens
    assert members_of(team.id) == [captain.id]

    invitee_client = client_for(invitee)
    response = invitee_client.post(link, data={"accept": "y"})
    assert response.status_code == 302 and response.location == "/events/civic/team"
    assert members_of(team.id) == [captain.id, invitee.id]
    assert fresh(Team, team.id).member_count == 2
    assert fresh(TeamInvitation, invitation.id).status == TeamInvitationStatus.accepted
    assert [m.template for m in outbox(captain.email)] == ["team_member_joined"]

    used = invitee_client.get(link)
    assert used.status_code == 400 and "This invitation was already used." in text(used)


def test_invitee_without_an_account_gets_the_mail_in_the_captains_language(client, event, make_user, new_team,
                                                                          outbox):
    captain = make_user(locale="ky")
    new_team(captain, event)
    sign_in(client, captain)
    client.post("/events/civic/team/invitations", data={"invite-email": "nobody@example.org"})
    [mail] = outbox("nobody@example.org")
    assert mail.locale == "ky"
    assert db.session.scalar(select(TeamInvitation.user_id)) is None


def test_declined_revoked_expired_and_forged_links_are_refused_clearly(client_for, event, make_user, new_team,
                                                                      outbox, make_event):
    captain, invitee = make_user(), make_user("inv@example.org")
    team = new_team(captain, event)
    captain_client = client_for(captain)

    def invite() -> tuple[str, TeamInvitation]:
        captain_client.post("/events/civic/team/invitations", data={"invite-email": "inv@example.org"})
        invitation = db.session.scalar(select(TeamInvitation).order_by(TeamInvitation.id.desc()))
        return link_in(outbox("inv@example.org")[-1], "/events/civic/team-invitations/"), invitation

    invitee_client = client_for(invitee)
    link, invitation = invite()
    assert "is already invited" in text(captain_client.post("/events/civic/team/invitations",
                                                            data={"invite-email": "INV@example.org"}))
    assert invitee_client.post(link, data={"decline": "y"}).status_code == 302
    assert fresh(TeamInvitation, invitation.id).status == TeamInvitationStatus.declined
    response = invitee_client.post(link, data={"accept": "y"})
    assert response.status_code == 400 and "This invitation was declined." in text(response)

    link, invitation = invite()
    assert captain_client.post(f"/events/civic/team/invitations/{invitation.id}/withdraw").status_code == 302
    response = invitee_client.post(link, data={"accept": "y"})
    assert response.status_code == 400 and "withdrawn by the team" in text(response)

    link, invitation = invite()
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = invitee_client.post(link, data={"accept": "y"})
    assert response.status_code == 400 and "This invitation has expired." in text(response)
    assert "Ask the team's captain for a new one." in text(response)

    assert "not valid" in text(invitee_client.get("/events/civic/team-invitations/forged-token"))
    assert invitee_client.get("/events/civic/team-invitations/" + "x" * 500).status_code == 400
    make_event("other")
    link, invitation = invite()
    assert invitee_client.get(link.replace("/events/civic/", "/events/other/")).status_code == 400
    assert members_of(team.id) == [captain.id]


def test_invitation_from_the_dashboard_list_is_answered_on_the_team_page(client_for, event, make_user, new_team):
    captain, invitee, stranger = make_user(), make_user("inv@example.org"), make_user()
    team = new_team(captain, event, "Team Alpha")
    services.invite_by_email(captain, team, email="inv@example.org")
    invitation = db.session.scalar(select(TeamInvitation))
    invitee_client = client_for(invitee)
    page = text(invitee_client.get("/events/civic/team"))
    assert "Invitations to you" in page and "Team Alpha" in page
    assert client_for(stranger).post(f"/events/civic/team/invitations/{invitation.id}/answer",
                                     data={"accept": "y"}).status_code == 404
    assert invitee_client.post(f"/events/civic/team/invitations/{invitation.id}/answer").status_code == 400
    assert fresh(TeamInvitation, invitation.id).status == TeamInvitationStatus.pending
    assert invitee_client.post(f"/events/civic/team/invitations/{invitation.id}/answer",
                               data={"accept": "y"}).status_code == 302
    assert members_of(team.id) == [captain.id, invitee.id]


def test_invitations_are_bounded_per_team(event, make_user, new_team):
    captain = make_user()
    team = new_team(captain, event)
    for number in range(services.MAX_PENDING_INVITATIONS):
        services.invite_by_email(captain, team, email=f"p{number}@example.org")
    with pytest.raises(DomainError, match="pending invitations"):
        services.invite_by_email(captain, team, email="one-more@example.org")


def test_invalid_email_is_refused_on_the_field(client, event, make_user, new_team):
    captain = make_user()
    new_team(captain, event)
    sign_in(client, captain)
    page = text(client.post("/events/civic/team/invitations", data={"invite-email": "not an address"}))
    assert "Enter a valid email address" in page
    assert count(TeamInvitation) == 0


# --- joining by link, size limits, one team per person -------------------------------------------------------------


def test_join_link_shows_the_team_and_joining_merges_the_joiners_application(client, event, make_user, new_team,
                                                                             apply_alone, outbox):
    captain, joiner = make_user(), make_user()
    own = apply_alone(joiner, event, status=S.waitlisted)
    team = new_team(captain, event, "Team Alpha")
    sign_in(client, joiner)
    page = client.get(f"/events/civic/join/{team.join_code}")
    assert page.status_code == 200
    assert "Team Alpha" in text(page) and "Join the team" in text(page)
    response = client.post(f"/events/civic/join/{team.join_code}")
    assert response.status_code == 302 and response.location == "/events/civic/team"
    assert members_of(team.id) == [captain.id, joiner.id]
    assert fresh(Application, own.id).status == S.merged
    assert "team.join" in audit_actions(event)
    assert outbox(captain.email)[-1].template == "team_member_joined"
    # A second click is harmless.
    client.post(f"/events/civic/join/{team.join_code}")
    assert fresh(Team, team.id).member_count == 2
    assert "You are already in this team." in text(client.get(f"/events/civic/join/{team.join_code}"))


def test_joining_a_full_team_is_refused(client, event, make_user, new_team):
    team = new_team(make_user(), event, "Full", make_user(), make_user())
    assert team.member_count == 3 == event.max_team_size
    late = make_user()
    sign_in(client, late)
    assert "This team is full" in text(client.get(f"/events/civic/join/{team.join_code}"))
    response = client.post(f"/events/civic/join/{team.join_code}")
    assert response.status_code == 302
    assert "This team is full" in text(client.get(response.location))
    assert fresh(Team, team.id).member_count == 3 and len(members_of(team.id)) == 3
    with pytest.raises(TeamFull):
        services.join_team(late, fresh(Team, team.id))


def test_joining_a_second_team_is_refused(client, event, make_user, new_team):
    person = make_user()
    first = new_team(make_user(), event, "First", person)
    second = new_team(make_user(), event, "Second")
    sign_in(client, person)
    assert "already in a team" in text(client.get(f"/events/civic/join/{second.join_code}"))
    client.post(f"/events/civic/join/{second.join_code}")
    assert members_of(second.id) == [second.captain_id]
    assert fresh(Team, second.id).member_count == 1
    assert members_of(first.id) == [first.captain_id, person.id]


def test_the_database_guards_one_team_per_person_when_the_check_is_raced(event, make_user, new_team, monkeypatch):
    person = make_user()
    new_team(make_user(), event, "First", person)
    second = new_team(make_user(), event, "Second")
    monkeypatch.setattr(services, "membership", lambda user, event: None)  # as if both joins checked at once
    with pytest.raises(Conflict, match="already in a team"):
        services.join_team(person, second)
    assert fresh(Team, second.id).member_count == 1  # the bump was rolled back with the insert
    assert members_of(second.id) == [second.captain_id]


def test_size_limit_holds_for_sequential_joins(event, make_user, new_team):
    """SQLite (and PostgreSQL): with one free place, the first join wins and every later one is refused."""
    team = new_team(make_user(), event, "Almost full", make_user())
    joiners = [make_user() for _ in range(4)]
    outcomes = []
    for joiner in joiners:
        try:
            services.join_team(joiner, fresh(Team, team.id))
            outcomes.append("joined")
        except TeamFull:
            outcomes.append("full")
    assert outcomes == ["joined", "full", "full", "full"]
    assert fresh(Team, team.id).member_count == 3 and len(members_of(team.id)) == 3


def _race(app, work, n: int) -> list[str]:
    """Run work(i) in n threads at once, each with its own app context (and so its own session)."""
    barrier = threading.Barrier(n)
    results: list[str] = [""] * n

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as error:  # noqa: BLE001 - reported in the results
                results[i] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.skipif("config.getoption('--db') != 'postgresql'", reason="needs PostgreSQL's concurrency")
def test_concurrent_joins_never_exceed_the_team_size(app, event, make_user, new_team):
    team = new_team(make_user(), event, "One place left", make_user())
    joiner_ids = [make_user().id for _ in range(8)]

    def join(i: int) -> str:
        services.join_team(db.session.get(User, joiner_ids[i]), db.session.get(Team, team.id))
        return "joined"

    results = _race(app, join, len(joiner_ids))
    assert sorted(results) == ["TeamFull"] * 7 + ["joined"]
    assert fresh(Team, team.id).member_count == 3
    assert len(members_of(team.id)) == 3


@pytest.mark.skipif("config.getoption('--db') != 'postgresql'", reason="needs PostgreSQL's concurrency")
def test_concurrent_joins_of_one_person_into_two_teams_leave_them_in_one(app, event, make_user, new_team):
    person = make_user()
    teams = [new_team(make_user(), event, f"Team {i}") for i in range(4)]

    def join(i: int) -> str:
        services.join_team(db.session.get(User, person.id), db.session.get(Team, teams[i].id))
        return "joined"

    results = _race(app, join, len(teams))
    assert results.count("joined") == 1 and results.count("Conflict") == 3
    assert count(TeamMember, TeamMember.user_id == person.id) == 1
    db.session.expire_all()
    assert sorted(t.member_count for t in db.session.scalars(select(Team))) == [1, 1, 1, 2]


@pytest.mark.skipif("config.getoption('--db') != 'postgresql'", reason="needs PostgreSQL's concurrency")
def test_concurrent_creation_of_one_name_makes_one_team(app, event, make_user):
    captain_ids = [make_user().id for _ in range(6)]

    def create(i: int) -> str:
        services.create_team(db.session.get(User, captain_ids[i]), db.session.get(Event, event.id),
                             name="Same Name" if i % 2 else "SAME name", track_id=None, idea="", wanted_skills=[],
                             looking_for_members=True)
        return "created"

    results = _race(app, create, len(captain_ids))
    assert results.count("created") == 1 and results.count("Conflict") == 5
    assert count(Team) == 1 and count(Application) == 1 and count(TeamMember) == 1


def test_a_closed_team_application_takes_no_members_and_an_accepted_one_grants_the_role(event, make_user,
                                                                                        new_team):
    rejected = new_team(make_user(), event, "Rejected")
    accepted = new_team(make_user(), event, "Accepted")
    db.session.scalar(select(Application).where(Application.team_id == rejected.id)).status = S.rejected
    db.session.scalar(select(Application).where(Application.team_id == accepted.id)).status = S.accepted
    db.session.commit()
    person = make_user()
    with pytest.raises(Conflict, match="application is closed"):
        services.join_team(person, fresh(Team, rejected.id))
    services.join_team(person, fresh(Team, accepted.id))
    assert db.session.scalar(select(EventRole.role).where(EventRole.user_id == person.id)) == Role.participant


def test_requests_are_bounded_per_person(event, make_user, new_team, apply_alone):
    person = make_user()
    apply_alone(person, event)
    for number in range(services.MAX_PENDING_REQUESTS):
        services.request_to_join(person, new_team(make_user(), event, f"Team {number}"))
    with pytest.raises(DomainError, match="requests waiting"):
        services.request_to_join(person, new_team(make_user(), event, "One more"))


def test_only_applicants_may_ask_to_join(event, make_user, new_team):
    with pytest.raises(DomainError, match="Apply to the event first"):
        services.request_to_join(make_user(), new_team(make_user(), event))


def test_invitation_page_says_why_someone_in_a_team_cannot_accept(client, event, make_user, new_team, outbox):
    captain, invitee = make_user(), make_user("inv@example.org")
    new_team(make_user(), event, "Current", invitee)
    services.invite_by_email(captain, new_team(captain, event, "Inviting"), email="inv@example.org")
    link = link_in(outbox("inv@example.org")[-1], "/events/civic/team-invitations/")
    sign_in(client, invitee)
    page = text(client.get(link))
    assert "You are already in a team for this event." in page and "Accept and join" not in page
    response = client.post(link, data={"accept": "y"})
    assert "already in a team" in text(client.get(response.location))
    assert count(TeamMember, TeamMember.user_id == invitee.id) == 1


# --- leaving and removing -------------------------------------------------------------------------------------------


def test_captain_leaving_hands_captaincy_to_the_longest_standing_member(client, event, make_user, new_team):
    captain, first, second = make_user(), make_user(), make_user()
    team = new_team(captain, event, "Team Alpha", first, second)
    sign_in(client, captain)
    response = client.post("/events/civic/team/leave")
    assert response.status_code == 302
    assert "You left the team." in text(client.get(response.location))
    team = fresh(Team, team.id)
    assert (team.captain_id, team.member_count) == (first.id, 2)
    assert db.session.scalar(select(Application.user_id).where(Application.team_id == team.id)) == first.id
    assert "team.captain" in audit_actions(event)


def test_last_member_leaving_deletes_a_never_submitted_team(client, event, make_user, new_team):
    captain = make_user()
    team = new_team(captain, event)
    services.invite_by_email(captain, fresh(Team, team.id), email="x@example.org")
    sign_in(client, captain)
    response = client.post("/events/civic/team/leave")
    assert "the team and its draft application are deleted" in text(client.get(response.location))
    assert count(Team) == 0 and count(Application) == 0 and count(TeamMember) == 0
    assert count(TeamInvitation) == 0


def test_last_member_leaving_keeps_a_submitted_team_and_withdraws_it(client, event, make_user, new_team):
    captain = make_user()
    team = new_team(captain, event)
    application = db.session.scalar(select(Application))
    application.status, application.submitted_at = S.submitted, utcnow()
    db.session.commit()
    sign_in(client, captain)
    response = client.post("/events/civic/team/leave")
    assert "the team is kept" in text(client.get(response.location))
    team = fresh(Team, team.id)
    assert (team.member_count, team.captain_id, team.looking_for_members) == (0, None, False)
    assert fresh(Application, application.id).status == S.withdrawn


def test_leaving_an_accepted_team_drops_the_participant_role(event, make_user, new_team):
    captain, member = make_user(), make_user()
    team = new_team(captain, event, "Team Alpha", member)
    db.session.scalar(select(Application)).status = S.accepted
    db.session.add_all([EventRole(event_id=event.id, user_id=u.id, role=Role.participant) for u in (captain, member)])
    db.session.commit()
    services.leave_team(member, event)
    assert set(db.session.scalars(select(EventRole.user_id).where(EventRole.role == Role.participant))) == {
        captain.id}
    assert members_of(team.id) == [captain.id]


def test_captain_removes_a_member_who_is_told_by_mail(client, event, make_user, new_team, outbox):
    captain, member = make_user(), make_user(locale="ru")
    team = new_team(captain, event, "Team Alpha", member)
    member_row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == member.id))
    sign_in(client, captain)
    own_row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == captain.id))
    client.post(f"/events/civic/team/members/{own_row.id}/remove")
    assert members_of(team.id) == [captain.id, member.id]  # use "leave" for yourself
    assert client.post(f"/events/civic/team/members/{member_row.id}/remove").status_code == 302
    assert members_of(team.id) == [captain.id] and fresh(Team, team.id).member_count == 1
    [mail] = outbox(member.email)
    assert mail.template == "team_member_removed" and mail.locale == "ru"
    assert "team.remove_member" in audit_actions(event)


def test_after_the_window_closes_teams_are_frozen_except_for_organisers(client_for, event, make_user, new_team,
                                                                        grant):
    captain, member, joiner = make_user(), make_user(), make_user()
    team = new_team(captain, event, "Team Alpha", member)
    member_row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == member.id))
    close_applications(event)
    captain_client = client_for(captain)
    closed = "Applications are closed"
    for path, data in [("/events/civic/team", team_form(name="Renamed")),
                       ("/events/civic/team/invitations", {"invite-email": "late@example.org"}),
                       (f"/events/civic/team/members/{member_row.id}/remove", {}),
                       ("/events/civic/team/join-code", {}), ("/events/civic/team/leave", {})]:
        response = captain_client.post(path, data=data)
        follow = text(captain_client.get(response.location)) if response.status_code == 302 else text(response)
        assert closed in follow, path
    joiner_client = client_for(joiner)
    assert "Applications are closed" in text(joiner_client.get(f"/events/civic/join/{team.join_code}"))
    joiner_client.post(f"/events/civic/join/{team.join_code}")
    team = fresh(Team, team.id)
    assert (team.name, team.member_count) == ("Team Alpha", 2)
    assert members_of(team.id) == [captain.id, member.id]
    assert count(TeamInvitation) == 0
    # Organisers may still change a team.
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    reset_caches()
    services.remove_member(organiser, team, member_row.id)
    assert members_of(team.id) == [captain.id]


# --- the board ------------------------------------------------------------------------------------------------


def test_board_lists_people_looking_for_a_team_and_teams_looking_for_members(client, event, make_user,
                                                                             new_team, apply_alone):
    viewer = make_user()
    apply_alone(viewer, event, looking=False)
    looking = make_user(name="Looking Lina", background=Background.non_it, region="talas", locale="ky",
                        skills=["Дизайн"], year_of_birth=1962, gender=Gender.female,
                        email="lina-secret@example.org", organisation="Hidden Org")
    apply_alone(looking, event, looking=True, status=S.draft)
    apply_alone(make_user(name="Not Looking"), event, looking=False)
    apply_alone(make_user(name="Withdrawn Person"), event, looking=True, status=S.withdrawn)
    apply_alone(make_user(name="Rejected Person"), event, looking=True, status=S.rejected)
    in_team = make_user(name="Already Teamed")
    apply_alone(in_team, event, looking=True)
    new_team(make_user(), event, "Open Team", idea="We need a designer", wanted_skills=["UX"])
    new_team(make_user(), event, "Closed Team", looking_for_members=False)
    new_team(make_user(), event, "Full Team", make_user(), make_user())
    new_team(make_user(), event, "Has Teamed", in_team)
    sign_in(client, viewer)
    page = text(client.get("/events/civic/board"))
    assert "Looking Lina" in page and "Дизайн" in page and "Talas region" in page and "Кыргызча" in page
    assert "Open Team" in page and "We need a designer" in page and "UX" in page
    for absent in ("Not Looking", "Withdrawn Person", "Rejected Person", "Already Teamed", "Closed Team",
                   "Full Team", "1962", "Female", "lina-secret", "Hidden Org"):
        assert absent not in page, absent


def test_board_filters_work_without_javascript(client, event, make_user, new_team, apply_alone):
    viewer = make_user()
    apply_alone(viewer, event, looking=False)
    apply_alone(make_user(name="Coder Osh", background=Background.it, region="osh", locale="ru",
                          skills=["Python", "Go"]), event)
    apply_alone(make_user(name="Lawyer Naryn", background=Background.non_it, region="naryn", locale="ky",
                          skills=["Право", "Design"]), event)
    new_team(make_user(background=Background.it, region="osh", locale="ru"), event, "Osh Coders",
             wanted_skills=["право"])
    sign_in(client, viewer)

    def names(query: str) -> set[str]:
        page = text(client.get("/events/civic/board?" + query))
        return {name for name in ("Coder Osh", "Lawyer Naryn", "Osh Coders") if name in page}

    assert names("") == {"Coder Osh", "Lawyer Naryn", "Osh Coders"}
    assert names("skill=python") == {"Coder Osh"}
    assert names("skill=ПРАВО") == {"Lawyer Naryn", "Osh Coders"}  # case-insensitive, Cyrillic, wanted skills
    assert names("background=non_it") == {"Lawyer Naryn"}
    assert names("background=it") == {"Coder Osh", "Osh Coders"}
    assert names("region=osh") == {"Coder Osh", "Osh Coders"}
    assert names("language=ky") == {"Lawyer Naryn"}
    assert names("show=teams") == {"Osh Coders"}
    assert names("show=people&region=naryn") == {"Lawyer Naryn"}
    # Bad values are a message, never a 500; the filter is then ignored.
    response = client.get("/events/civic/board?region=atlantis&page=abc&show=everything&skill=" + "x" * 100)
    assert response.status_code == 200
    assert "Not a valid choice" in text(response)


def test_board_is_paginated(client, event, make_user, apply_alone):
    viewer = make_user()
    apply_alone(viewer, event, looking=False)
    for number in range(services.BOARD_PAGE_SIZE + 5):
        apply_alone(make_user(name=f"Person {number:02d}"), event)
    sign_in(client, viewer)
    first = text(client.get("/events/civic/board"))
    assert "Person 00" in first and f"Person {services.BOARD_PAGE_SIZE:02d}" not in first
    assert "Page 1 of 2" in first and "Next page" in first
    second = text(client.get("/events/civic/board?page=2"))
    assert f"Person {services.BOARD_PAGE_SIZE:02d}" in second and "Person 00" not in second
    assert "Page 2 of 2" in text(client.get("/events/civic/board?page=99"))


def test_captain_invites_from_the_board_and_the_person_accepts(client_for, event, make_user, new_team,
                                                               apply_alone, outbox):
    captain = make_user(name="Captain")
    team = new_team(captain, event, "Team Alpha")
    person = make_user(name="Seeker", locale="ru")
    own = apply_alone(person, event)
    captain_client = client_for(captain)
    board = text(captain_client.get("/events/civic/board?region=&show=all"))
    assert "Invite to my team" in board
    response = captain_client.post(f"/events/civic/board/people/{person.id}/invite?show=people")
    assert response.status_code == 302 and response.location == "/events/civic/board?show=people"
    invitation = db.session.scalar(select(TeamInvitation))
    assert (invitation.kind, invitation.user_id, invitation.token_hash) == (TeamInvitationKind.invite, person.id,
                                                                            None)
    [mail] = outbox(person.email)
    assert mail.template == "team_board_invitation" and mail.locale == "ru"
    speak_english(person)  # the pages below are asserted in English
    assert "Invited to your team" in text(captain_client.get("/events/civic/board"))
    captain_client.post(f"/events/civic/board/people/{person.id}/invite")
    assert count(TeamInvitation) == 1  # a second click does not invite twice

    person_client = client_for(person)
    page = text(person_client.get("/events/civic/team"))
    assert "Team Alpha" in page and "Accept and join" in page
    person_client.post(f"/events/civic/team/invitations/{invitation.id}/answer", data={"accept": "y"})
    assert members_of(team.id) == [captain.id, person.id]
    assert fresh(Application, own.id).status == S.merged


def test_board_invitations_only_reach_people_on_the_board(client, event, make_user, new_team, apply_alone,
                                                          make_event):
    captain = make_user()
    new_team(captain, event)
    hidden = make_user()
    apply_alone(hidden, event, looking=False)
    other_event = make_event("other")
    elsewhere = make_user()
    apply_alone(elsewhere, other_event, looking=True)
    sign_in(client, captain)
    for user_id in (hidden.id, elsewhere.id, captain.id, 2147483647):
        assert client.post(f"/events/civic/board/people/{user_id}/invite").status_code == 404
    assert count(TeamInvitation) == 0


def test_person_asks_to_join_and_the_captain_answers(client_for, event, make_user, new_team, apply_alone,
                                                     outbox):
    captain = make_user(name="Captain", locale="ky")
    team = new_team(captain, event, "Team Alpha")
    asker, other_asker = make_user(name="Asker"), make_user(name="Other Asker")
    apply_alone(asker, event)
    apply_alone(other_asker, event)
    asker_client = client_for(asker)
    assert "Ask to join" in text(asker_client.get("/events/civic/board"))
    assert asker_client.post(f"/events/civic/board/teams/{team.id}/request").status_code == 302
    asker_client.post(f"/events/civic/board/teams/{team.id}/request")
    assert count(TeamInvitation) == 1
    assert "You asked to join" in text(asker_client.get("/events/civic/board"))
    [mail] = outbox(captain.email)
    assert mail.template == "team_join_request" and mail.locale == "ky"
    speak_english(captain)  # the pages below are asserted in English
    client_for(other_asker).post(f"/events/civic/board/teams/{team.id}/request")
    first, second = db.session.scalars(select(TeamInvitation).order_by(TeamInvitation.id))

    captain_client = client_for(captain)
    page = text(captain_client.get("/events/civic/team"))
    assert "People asking to join" in page and "Asker" in page and "Other Asker" in page
    captain_client.post(f"/events/civic/team/requests/{first.id}/answer", data={"accept": "y"})
    captain_client.post(f"/events/civic/team/requests/{second.id}/answer", data={"decline": "y"})
    assert members_of(team.id) == [captain.id, asker.id]
    assert fresh(TeamInvitation, second.id).status == TeamInvitationStatus.declined
    assert [m.template for m in outbox(asker.email)] == ["team_request_answered"]
    assert "accepted your request" in outbox(asker.email)[0].body_text
    assert "declined your request" in outbox(other_asker.email)[0].body_text
    # Answering twice is harmless and says why.
    response = captain_client.post(f"/events/civic/team/requests/{first.id}/answer", data={"accept": "y"})
    assert "already accepted" in text(captain_client.get(response.location))
    assert fresh(Team, team.id).member_count == 2


def test_requests_to_hidden_or_other_events_teams_are_404(client, event, make_user, new_team, apply_alone,
                                                          make_event):
    asker = make_user()
    apply_alone(asker, event)
    closed = new_team(make_user(), event, "Not looking", looking_for_members=False)
    other_event = make_event("other")
    foreign = new_team(make_user(), other_event, "Elsewhere")
    sign_in(client, asker)
    for team_id in (closed.id, foreign.id, 2147483647):
        assert client.post(f"/events/civic/board/teams/{team_id}/request").status_code == 404
    assert count(TeamInvitation) == 0


def test_person_withdraws_their_request(client_for, event, make_user, new_team, apply_alone):
    team = new_team(make_user(), event)
    asker, stranger = make_user(), make_user()
    apply_alone(asker, event)
    services.request_to_join(asker, team)
    ask = db.session.scalar(select(TeamInvitation))
    assert client_for(stranger).post(f"/events/civic/board/requests/{ask.id}/cancel").status_code == 404
    asker_client = client_for(asker)
    assert "Your requests to join" in text(asker_client.get("/events/civic/team"))
    assert asker_client.post(f"/events/civic/board/requests/{ask.id}/cancel").status_code == 302
    assert fresh(TeamInvitation, ask.id).status == TeamInvitationStatus.revoked


def test_joining_a_team_withdraws_the_persons_other_requests(event, make_user, new_team, apply_alone):
    first, second = new_team(make_user(), event, "First"), new_team(make_user(), event, "Second")
    person = make_user()
    apply_alone(person, event)
    services.request_to_join(person, first)
    services.request_to_join(person, second)
    services.join_team(person, fresh(Team, first.id))
    statuses = dict(db.session.execute(select(TeamInvitation.team_id, TeamInvitation.status)).all())
    assert statuses == {first.id: TeamInvitationStatus.revoked, second.id: TeamInvitationStatus.revoked}


# --- forming teams --------------------------------------------------------------------------------------------------


@pytest.fixture
def accepted_people(make_user, apply_alone, grant):
    """Accepted individuals with the participant role, alternating IT / non-IT across regions."""

    def make(event: Event, n: int) -> list[User]:
        regions = ["bishkek", "osh", "naryn", "talas", "batken", "chuy", "issyk_kul"]
        people = []
        for i in range(n):
            person = make_user(name=f"Person {i:02d}", background=Background.it if i % 2 else Background.non_it,
                               region=regions[i % len(regions)], locale=["ru", "ky", "en"][i % 3],
                               skills=[f"skill{i}"])
            apply_alone(person, event, looking=False, status=S.confirmed if i % 3 == 0 else S.accepted)
            grant(person, event, Role.participant)
            people.append(person)
        reset_caches()
        return people

    return make


def formation_post(page_html: str) -> dict:
    """The formation form as the browser would post it unchanged: every name field and selected option."""
    import re

    data = {}
    for name, value in re.findall(r'<input[^>]*name="(team_\d+_name)"[^>]*value="([^"]*)"', page_html):
        data[name] = html.unescape(value)
    for name, body in re.findall(r'<select[^>]*name="(person_\d+)"[^>]*>(.*?)</select>', page_html, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body)
        data[name] = selected.group(1) if selected else ""
    return data


def test_organiser_forms_teams_from_accepted_individuals(client, event, make_user, grant, accepted_people,
                                                         outbox):
    event.min_team_size, event.max_team_size = 2, 3
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    people = accepted_people(event, 7)
    sign_in(client, organiser)
    page = client.get("/events/civic/formation")
    assert page.status_code == 200
    body = text(page)
    assert "People: 7; teams in the suggestion: 3." in body
    assert "Mixes IT and non-IT" in body and "Osh region" in body and "skill3" in body
    data = formation_post(raw(page))
    assert {key for key in data if key.startswith("person_")} == {f"person_{p.id}" for p in people}
    assert sorted(value for key, value in data.items() if key.startswith("person_")) == [
        "1", "1", "1", "2", "2", "3", "3"]
    assert data["team_1_name"] == "Team 1"

    response = client.post("/events/civic/formation", data=data)
    assert response.status_code == 302
    assert "3 teams are created and accepted" in text(client.get(response.location))
    teams = db.session.scalars(select(Team).order_by(Team.id)).all()
    assert [t.name for t in teams] == ["Team 1", "Team 2", "Team 3"]
    assert all(t.formed_by_organisers and not t.looking_for_members for t in teams)
    assert sorted(t.member_count for t in teams) == [2, 2, 3]
    assert sum(len(members_of(t.id)) for t in teams) == 7
    for team in teams:
        application = db.session.scalar(select(Application).where(Application.team_id == team.id))
        assert (application.kind, application.status, application.decided_by_id) == (
            ApplicationKind.team, S.accepted, organiser.id)
        assert application.user_id == team.captain_id and team.captain_id in members_of(team.id)
    assert set(db.session.scalars(select(Application.status).where(
        Application.kind == ApplicationKind.individual))) == {S.merged}
    assert count(EventRole, EventRole.role == Role.participant) == 7
    assert audit_actions(event).count("team.form") == 3
    mails = [m for m in outbox() if m.template == "team_formed"]
    assert sorted(m.to_address for m in mails) == sorted(p.email for p in people)
    assert {m.locale for m in mails} == {"ru", "ky", "en"}
    # Applying the same page again (a double submit) creates nothing more.
    client.post("/events/civic/formation", data=data)
    assert count(Team) == 3
    assert "no accepted individuals without a team" in text(client.get("/events/civic/formation"))


def test_the_suggestion_is_the_same_for_the_same_people(client, event, make_user, grant, accepted_people):
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    accepted_people(event, 11)
    sign_in(client, organiser)
    first, second = (formation_post(raw(client.get("/events/civic/formation"))) for _ in range(2))
    assert first == second


def test_organiser_edits_the_proposal_before_applying(client, event, make_user, grant, accepted_people):
    event.min_team_size, event.max_team_size = 2, 3
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    people = accepted_people(event, 6)
    sign_in(client, organiser)
    data = formation_post(raw(client.get("/events/civic/formation")))
    assert "team_3_name" in data  # the spare, empty team
    data |= {f"person_{people[0].id}": "", f"person_{people[1].id}": "3", f"person_{people[2].id}": "3",
             f"person_{people[3].id}": "1", f"person_{people[4].id}": "1", f"person_{people[5].id}": "1",
             "team_3_name": XSS, "team_1_name": "Команда 🚀"}
    team_of = {int(key[7:]): value for key, value in data.items() if key.startswith("person_")}
    response = client.post("/events/civic/formation", data=data)
    assert response.status_code == 302, text(response)
    created = {t.name: set(members_of(t.id)) for t in db.session.scalars(select(Team))}
    expected: dict[str, set[int]] = {}
    names = {"1": "Команда 🚀", "2": data["team_2_name"], "3": XSS}
    for user_id, number in team_of.items():
        if number:
            expected.setdefault(names[number], set()).add(user_id)
    assert created == {name: ids for name, ids in expected.items() if ids}
    left_out = fresh(Application, db.session.scalar(select(Application.id).where(
        Application.individual_user_id == people[0].id)))
    assert left_out.status in (S.accepted, S.confirmed)
    page = client.get("/events/civic/formation")
    assert "<script>alert" not in raw(page)


@pytest.mark.parametrize("change, message", [
    (lambda data, ids: data | {f"person_{ids[0]}": "1", f"person_{ids[1]}": "1", f"person_{ids[2]}": "1",
                               f"person_{ids[3]}": "1"}, "teams at this event have 2 to 3"),
    (lambda data, ids: data | {"team_1_name": "team 2", "team_2_name": "TEAM 2"}, "Two teams are called"),
    (lambda data, ids: data | {"team_1_name": ""}, "Give every team a name"),
    (lambda data, ids: data | {"person_2147483647": "1"}, "no longer an accepted individual"),
    (lambda data, ids: data | {f"person_{ids[0]}": "99"}, "Not a valid choice"),
])
def test_invalid_proposals_are_refused_and_nothing_is_created(client, event, make_user, grant, accepted_people,
                                                              change, message):
    event.min_team_size, event.max_team_size = 2, 3
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    ids = [p.id for p in accepted_people(event, 6)]
    sign_in(client, organiser)
    data = change(formation_post(raw(client.get("/events/civic/formation"))), ids)
    response = client.post("/events/civic/formation", data=data)
    assert response.status_code == 200
    assert message in text(response)
    assert count(Team) == 0
    assert count(Application, Application.status == S.merged) == 0


def test_a_person_posted_twice_is_refused(client, event, make_user, grant, accepted_people):
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    ids = [p.id for p in accepted_people(event, 4)]
    sign_in(client, organiser)
    data = formation_post(raw(client.get("/events/civic/formation")))
    body = "&".join(f"{key}={value}" for key, value in data.items()) + f"&person_{ids[0]}=2"
    response = client.post("/events/civic/formation", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert "Someone is in two teams" in text(response)
    assert count(Team) == 0
    with pytest.raises(DomainError, match="two teams"):
        services.apply_formation(organiser, event, [ProposedTeam("A", (ids[0], ids[1])),
                                                    ProposedTeam("B", (ids[1], ids[2]))])


def test_formation_respects_the_maximum_number_of_accepted_teams(client, event, make_user, grant,
                                                                 accepted_people, new_team):
    event.min_team_size, event.max_team_size = 2, 2
    db.session.add(ApplicationSettings(event_id=event.id, max_accepted_teams=3))
    db.session.commit()
    accepted = new_team(make_user(), event, "Already accepted")
    db.session.scalar(select(Application).where(Application.team_id == accepted.id)).status = S.accepted
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    accepted_people(event, 6)
    sign_in(client, organiser)
    page = client.get("/events/civic/formation")
    assert "Accepted teams: 1 of at most 3." in text(page)
    response = client.post("/events/civic/formation", data=formation_post(raw(page)))
    assert "new teams would be too many (team limit: 3, accepted already: 1)" in text(response)
    assert count(Team) == 1


def test_formation_explains_who_is_left_out(client, event, make_user, grant, accepted_people):
    event.min_team_size, event.max_team_size = 4, 5
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    accepted_people(event, 3)
    sign_in(client, organiser)
    page = text(client.get("/events/civic/formation"))
    assert "teams in the suggestion: 0" in page
    assert page.count("Fewer people than the smallest team allowed (4).") == 3


def test_formation_leaves_out_people_already_in_teams_and_others(client, event, make_user, grant,
                                                                 accepted_people, apply_alone, new_team):
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    [in_team, free] = accepted_people(event, 2)
    new_team(make_user(), event, "Existing", in_team)
    apply_alone(make_user(name="Only Submitted"), event, status=S.submitted)
    sign_in(client, organiser)
    page = text(client.get("/events/civic/formation"))
    assert free.name in page and in_team.name not in page and "Only Submitted" not in page


# --- query counts -------------------------------------------------------------------------------------------------


def _queries(client, count_queries, path: str) -> int:
    reset_caches()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_team_page_query_count_is_constant(client, make_event, make_user, new_team, count_queries):
    counts = {}
    for size in (3, 30):
        event = make_event(f"big-{size}", max_team_size=40)
        captain = make_user()
        team = new_team(captain, event, "Big", *[make_user(skills=["x"], region="osh") for _ in range(size - 1)])
        for number in range(min(size, services.MAX_PENDING_INVITATIONS)):
            services.invite_by_email(captain, fresh(Team, team.id), email=f"p{size}-{number}@example.org")
        sign_in(client, captain)
        counts[size] = _queries(client, count_queries, f"/events/big-{size}/team")
    assert counts[3] == counts[30]


def test_board_query_count_is_constant(client, make_event, make_user, new_team, apply_alone, count_queries):
    counts = {}
    viewer = make_user()
    for size in (3, 30):
        event = make_event(f"board-{size}", max_team_size=5)
        new_team(viewer, event, "Viewer's team")  # a captain sees invite buttons: the most work
        for number in range(size):
            apply_alone(make_user(skills=["Python"], region="naryn", background=Background.it), event)
            new_team(make_user(region="osh"), event, f"Team {number}", make_user(background=Background.non_it))
        sign_in(client, viewer)
        counts[size] = _queries(client, count_queries, f"/events/board-{size}/board?skill=py")
    assert counts[3] == counts[30]


def test_formation_query_count_is_constant(client, make_event, make_user, grant, accepted_people, count_queries):
    counts = {}
    organiser = make_user()
    for size in (3, 30):
        event = make_event(f"form-{size}", min_team_size=2, max_team_size=4)
        grant(organiser, event, Role.organiser)
        accepted_people(event, size)
        sign_in(client, organiser)
        counts[size] = _queries(client, count_queries, f"/events/form-{size}/formation")
    assert counts[3] == counts[30]


# --- menu links -------------------------------------------------------------------------------------------------


def test_event_menu_links_follow_who_may_see_each_page(client_for, event, make_user, new_team, apply_alone, grant):
    captain, applicant, stranger, organiser = make_user(), make_user(), make_user(), make_user()
    new_team(captain, event)
    apply_alone(applicant, event)
    grant(organiser, event, Role.organiser)

    def links(user):
        page = raw(client_for(user).get("/events/civic/"))
        return {label for label, path in (("My team", "/events/civic/team\""), ("Team board", "/events/civic/board"),
                                          ("Form teams", "/events/civic/formation")) if path in page}

    assert links(captain) == {"My team", "Team board"}
    assert links(applicant) == {"Team board"}
    assert links(stranger) == set()
    assert links(organiser) == {"Team board", "Form teams"}
    assert links(None) == set()


def test_signing_in_from_an_invitation_link_comes_back_to_it(client_for, event, make_user, new_team, outbox):
    from tests.conftest import PASSWORD

    captain, invitee = make_user(), make_user("inv@example.org")
    services.invite_by_email(captain, new_team(captain, event), email="inv@example.org")
    link = link_in(outbox("inv@example.org")[-1], "/events/civic/team-invitations/")
    anonymous = client_for()
    login_path = html.unescape(next(part for part in raw(anonymous.get(link)).split('"')
                                     if part.startswith("/login?next=")))
    response = anonymous.post(login_path, data={"email": invitee.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == link
    assert "Accept and join" in text(anonymous.get(link))


def test_csrf_is_required_on_team_forms(app, event, make_user, new_team):
    captain = make_user()
    team = new_team(captain, event)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        sign_in(client, captain)
        for path in ("/events/civic/team/join-code", "/events/civic/team/leave", "/events/civic/teams/new"):
            response = client.post(path, data=team_form(name="Other"))
            assert response.status_code == 400 and "This form expired" in text(response), path
        assert fresh(Team, team.id).join_code == team.join_code
        assert members_of(team.id) == [captain.id] and count(Team) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- who may do what: every route x every kind of visitor -----------------------------------------------------------

LOGIN = "login"
VISITORS = ("anonymous", "stranger", "applicant", "member", "captain", "mentor", "juror", "reviewer", "organiser",
            "other_organiser", "admin")
SIGNED_IN = VISITORS[1:]


def statuses(default, **special):
    table = dict.fromkeys(VISITORS, default) | {"anonymous": LOGIN}
    table.update(special)
    return table


NO_TEAM = ("stranger", "applicant", "mentor", "juror", "reviewer", "organiser", "other_organiser", "admin")
BOARD_VIEWERS = ("applicant", "member", "captain", "organiser", "admin")


def captain_only():
    return statuses(404, member=403, captain=302)


@pytest.fixture
def world(event, make_event, make_user, grant, new_team, apply_alone, accepted_people):
    w = type("World", (), {})()
    w.users = {name: make_user(name=name.title(), admin=(name == "admin")) for name in SIGNED_IN}
    u = w.users
    grant(u["mentor"], event, Role.mentor)
    grant(u["juror"], event, Role.juror)
    grant(u["reviewer"], event, Role.reviewer)
    grant(u["organiser"], event, Role.organiser)
    other = make_event("other-event")
    grant(u["other_organiser"], other, Role.organiser)
    apply_alone(u["applicant"], event, looking=True)
    w.team = new_team(u["captain"], event, "Team Alpha", u["member"])
    w.beta = new_team(make_user(), event, "Team Beta")
    asker = make_user()
    apply_alone(asker, event)
    w.request = services.request_to_join(asker, fresh(Team, w.team.id))
    w.own_request = services.request_to_join(u["applicant"], fresh(Team, w.beta.id))
    services.invite_by_email(u["captain"], fresh(Team, w.team.id), email=u["applicant"].email)
    w.invitation = db.session.scalar(select(TeamInvitation).where(TeamInvitation.email == u["applicant"].email,
                                                                  TeamInvitation.kind == TeamInvitationKind.invite))
    w.token = link_in(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "team_invitation")).all()[-1], "/events/civic/team-invitations/").rsplit("/", 1)[1]
    w.member_row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == u["member"].id))
    w.formable = accepted_people(event, 2)
    w.ids = {"request": w.request.id, "own_request": w.own_request.id, "invitation": w.invitation.id,
             "member_row": w.member_row.id, "applicant": u["applicant"].id, "beta": w.beta.id,
             "code": w.team.join_code}
    reset_caches()
    return w


ROUTES = [
    ("GET", "/events/civic/teams/new", None, statuses(200, member=302, captain=302)),
    ("GET", "/events/civic/team", None, statuses(200)),
    ("GET", "/events/civic/board", None, statuses(403, **dict.fromkeys(BOARD_VIEWERS, 200))),
    ("GET", "/events/civic/board?show=teams&skill=x&page=2", None, statuses(403, **dict.fromkeys(BOARD_VIEWERS, 200))),
    ("GET", "/events/civic/formation", None, statuses(403, organiser=200, admin=200)),
    ("GET", "/events/civic/join/{code}", None, statuses(200)),
    ("GET", "/events/civic/join/not-a-code", None, statuses(404)),
    ("GET", "/events/civic/team-invitations/{token}", None, statuses(200, anonymous=200)),
    ("GET", "/events/civic/team-invitations/forged", None, statuses(400, anonymous=400)),
    ("POST", "/events/civic/teams/new", lambda w, v: team_form(name=f"New {v}"),
     statuses(302, member=302, captain=302)),
    ("POST", "/events/civic/team", lambda w, v: team_form(name="Renamed"), captain_only()),
    ("POST", "/events/civic/team/invitations", lambda w, v: {"invite-email": "new@example.org"}, captain_only()),
    ("POST", "/events/civic/team/invitations/{invitation}/withdraw", None, captain_only()),
    ("POST", "/events/civic/team/requests/{request}/answer", lambda w, v: {"decline": "y"}, captain_only()),
    ("POST", "/events/civic/team/members/{member_row}/remove", None, captain_only()),
    ("POST", "/events/civic/team/join-code", None, captain_only()),
    ("POST", "/events/civic/team/leave", None, statuses(404, member=302, captain=302)),
    ("POST", "/events/civic/team/invitations/{invitation}/answer", lambda w, v: {"decline": "y"},
     statuses(404, applicant=302)),
    # Without a button pressed the page shows again; answering is tested above.
    ("POST", "/events/civic/team-invitations/{token}", None, statuses(200, anonymous=200)),
    ("POST", "/events/civic/join/{code}", None, statuses(302)),
    ("POST", "/events/civic/board/people/{applicant}/invite", None, statuses(403, captain=302)),
    ("POST", "/events/civic/board/teams/{beta}/request", None, statuses(403, **dict.fromkeys(BOARD_VIEWERS, 302))),
    ("POST", "/events/civic/board/requests/{own_request}/cancel", None, statuses(404, applicant=302)),
    ("POST", "/events/civic/formation",
     lambda w, v: {"team_1_name": f"Formed by {v}", f"person_{w.formable[0 if v == 'organiser' else 1].id}": "1"},
     statuses(403, organiser=302, admin=302)),
]

# Visitors whose request changes the state others see go last, in this order.
LAST = ("member", "applicant", "captain")


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    order = [v for v in VISITORS if v not in LAST] + [v for v in LAST if v in VISITORS]
    for visitor in order:
        url = path.format(token=world.token, **world.ids)
        client = client_for(world.users.get(visitor))
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data=data(world, visitor) if data else {})
        want = expected[visitor]
        if want == LOGIN:
            assert response.status_code == 302 and response.location.startswith("/login?next="), (visitor, url)
        else:
            assert response.status_code == want, (visitor, url, response.status_code)


def test_an_unpublished_event_hides_every_team_route_from_outsiders(world, client_for, event):
    event.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(token=world.token, **world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(world.users.get(visitor))
            response = client.get(url) if method == "GET" else client.post(url, data=data(world, visitor) if data else {})
            assert response.status_code == 404, (visitor, method, url)
