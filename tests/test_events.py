"""Journeys through the event pages: creating and editing events, tracks, invitations into roles, the audit log."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import User
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Invitation, Role, Track
from hackathon.extensions import db
from tests.conftest import PASSWORD, link_in

UTC = timezone.utc
NEW_PASSWORD = "quiet river lantern 42"

# 2026 dates typed in Asia/Bishkek (UTC+6, no daylight saving time) and the UTC moments they mean.
LOCAL_TIMES = {
    "applications_open_at": ("2026-06-01T09:00", datetime(2026, 6, 1, 3, 0, tzinfo=UTC)),
    "applications_close_at": ("2026-06-15T18:00", datetime(2026, 6, 15, 12, 0, tzinfo=UTC)),
    "hacking_starts_at": ("2026-07-01T10:00", datetime(2026, 7, 1, 4, 0, tzinfo=UTC)),
    "submissions_close_at": ("2026-07-03T12:00", datetime(2026, 7, 3, 6, 0, tzinfo=UTC)),
    "pitching_starts_at": ("2026-07-04T15:00", datetime(2026, 7, 4, 9, 0, tzinfo=UTC)),
    "results_at": ("2026-07-04T20:00", datetime(2026, 7, 4, 14, 0, tzinfo=UTC)),
}


def event_form(**overrides) -> dict:
    """A valid event form; an override of None leaves the field out (an unticked box, an empty time)."""
    data = {
        "title": "Civic Hack 2026", "slug": "civic-2026", "description": "Open data for Bishkek.",
        "timezone": "Asia/Bishkek", "languages": ["en", "ky"], "min_team_size": "2", "max_team_size": "5",
        "is_published": "y", **{name: local for name, (local, _) in LOCAL_TIMES.items()},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:
    """The page as a reader sees it: entities decoded, CLDR's narrow no-break spaces (before AM/PM) as spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def audit_entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def roles_of(user: User, event: Event) -> set[Role]:
    db.session.expire_all()
    return set(db.session.scalars(select(EventRole.role).where(EventRole.user_id == user.id,
                                                               EventRole.event_id == event.id)))


@pytest.fixture
def organiser_of(make_user, grant):
    def make(event: Event, **kwargs) -> User:
        user = make_user(**kwargs)
        grant(user, event, Role.organiser)
        return user

    return make


@pytest.fixture
def invite(outbox):
    """Invite through the people page as the signed-in client; returns the path of the link in the mail."""

    def invite(client, event: Event, email: str, role: str) -> str:
        response = client.post(f"/events/{event.slug}/people", data={"email": email, "role": role})
        assert response.status_code == 302, text(response)
        assert response.location == f"/events/{event.slug}/people"
        message = outbox(to=email.lower())[-1]
        assert message.template == "invitation"
        assert event.title in message.subject
        return link_in(message, "/invitations/")

    return invite


# Creating events ----------------------------------------------------------------------------------------------------

def test_admin_creates_an_event_with_times_in_its_timezone(client, make_user, login):
    admin = make_user(admin=True)
    login(client, admin)
    assert client.get("/events/new").status_code == 200

    response = client.post("/events/new", data=event_form())

    assert response.status_code == 302
    assert response.location == "/events/civic-2026/"
    event = db.session.scalar(select(Event).where(Event.slug == "civic-2026"))
    assert (event.title, event.description, event.timezone) == ("Civic Hack 2026", "Open data for Bishkek.",
                                                                "Asia/Bishkek")
    assert (event.languages, event.min_team_size, event.max_team_size, event.is_published) == (["en", "ky"], 2, 5, True)
    for name, (_local, moment) in LOCAL_TIMES.items():
        assert getattr(event, name) == moment, name
    assert event.applications_open_at == datetime(2026, 6, 1, 3, 0, tzinfo=UTC)

    [entry] = audit_entries()
    assert (entry.action, entry.actor_id, entry.event_id, entry.target_type, entry.target_id) == (
        "event.create", admin.id, event.id, "Event", event.id)
    assert entry.before is None
    assert entry.after["slug"] == "civic-2026"
    assert entry.after["applications_open_at"] == "2026-06-01T03:00:00+00:00"
    assert entry.after["languages"] == ["en", "ky"]

    overview = text(client.get(response.location))
    assert "The event is created." in overview
    assert "9:00 AM (Asia/Bishkek)" in overview


def test_phase_times_may_be_left_empty(client, make_user, login):
    login(client, make_user(admin=True))
    response = client.post("/events/new", data=event_form(pitching_starts_at=None, results_at=""))
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.pitching_starts_at is None and event.results_at is None
    assert event.submissions_close_at == LOCAL_TIMES["submissions_close_at"][1]


def test_unticked_publish_box_creates_a_draft(client, make_user, login):
    login(client, make_user(admin=True))
    assert client.post("/events/new", data=event_form(is_published=None)).status_code == 302
    assert db.session.scalar(select(Event.is_published)) is False


@pytest.mark.parametrize(("overrides", "message"), [
    ({"slug": "Civic Hack"}, "Use lower-case Latin letters, digits and single dashes only."),
    ({"slug": "civic--2026"}, "Use lower-case Latin letters, digits and single dashes only."),
    ({"slug": "-civic"}, "Use lower-case Latin letters, digits and single dashes only."),
    ({"slug": "сivic"}, "Use lower-case Latin letters, digits and single dashes only."),  # Cyrillic с
    ({"slug": "ab"}, "Use between 3 and 64 characters."),
    ({"slug": "taken-slug"}, "Another event already uses this address. Choose another short name."),
    ({"min_team_size": "6", "max_team_size": "3"}, "The minimum team size cannot be larger than the maximum."),
    ({"min_team_size": "0"}, "Enter a number between 1 and 50."),
    ({"max_team_size": "many"}, "Enter a whole number."),
    ({"applications_close_at": "2026-05-31T09:00"}, "The phases must be in order"),
    ({"results_at": "2026-07-04T14:59"}, "The phases must be in order"),
    ({"hacking_starts_at": "2026-06-15T17:59", "applications_open_at": None}, "The phases must be in order"),
    ({"hacking_starts_at": "1 July"}, "Enter a date and time, like 2026-05-01 09:00."),
    ({"timezone": "Mars/Olympus"}, "Not a valid choice."),
    ({"languages": None}, "Choose at least one language."),
    ({"languages": ["en", "xx<b>"]}, "'xx<b>' is not a valid choice for this field."),
    ({"title": ""}, "This field is required."),
], ids=["spaces", "double-dash", "leading-dash", "cyrillic", "short", "duplicate", "min>max", "min-zero",
        "size-not-number", "close-before-open", "results-before-pitch", "gap-out-of-order", "bad-time",
        "bad-timezone", "no-language", "unknown-language", "no-title"])
def test_bad_event_form_says_why_and_saves_nothing(client, make_user, make_event, login, overrides, message):
    make_event(slug="taken-slug", title="Already Here")
    login(client, make_user(admin=True))

    response = client.post("/events/new", data=event_form(**overrides))

    assert response.status_code == 200
    assert message in text(response)
    assert count(Event) == 1
    assert audit_entries() == []


def test_non_admins_cannot_create_events(client, make_user, make_event, login, grant):
    event = make_event()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    login(client, organiser)
    assert client.get("/events/new").status_code == 403
    assert client.post("/events/new", data=event_form()).status_code == 403
    assert count(Event) == 1


def test_anonymous_is_sent_to_sign_in_to_create_events(client):
    for response in (client.get("/events/new"), client.post("/events/new", data=event_form())):
        assert response.status_code == 302
        assert response.location.startswith("/login?next=%2Fevents%2Fnew")
    assert count(Event) == 0


# Editing and seeing events -------------------------------------------------------------------------------------------

@pytest.fixture
def bishkek_event(make_event):
    """An event whose times are whole minutes, as the form sends them."""
    return make_event(slug="civic-2026", title="Civic Hack 2026", description="Open data for Bishkek.",
                      languages=["en", "ky"], min_team_size=2,
                      **{name: moment for name, (_local, moment) in LOCAL_TIMES.items()})


def test_organiser_edits_the_event_and_sees_local_times(client, login, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event)
    login(client, organiser)

    form = text(client.get("/events/civic-2026/edit"))
    assert 'value="2026-06-01T09:00"' in form  # shown back in the event's timezone
    assert 'value="Civic Hack 2026"' in form

    response = client.post("/events/civic-2026/edit", data=event_form(
        title="Civic Hack Autumn", applications_open_at="2026-05-20T08:30"))
    assert response.status_code == 302
    assert response.location == "/events/civic-2026/"

    db.session.expire_all()
    assert bishkek_event.title == "Civic Hack Autumn"
    assert bishkek_event.applications_open_at == datetime(2026, 5, 20, 2, 30, tzinfo=UTC)
    [entry] = audit_entries(action="event.update")
    assert entry.actor_id == organiser.id and entry.event_id == bishkek_event.id
    assert entry.before == {"title": "Civic Hack 2026", "applications_open_at": "2026-06-01T03:00:00+00:00"}
    assert entry.after == {"title": "Civic Hack Autumn", "applications_open_at": "2026-05-20T02:30:00+00:00"}

    overview = text(client.get("/events/civic-2026/"))
    assert "Civic Hack Autumn" in overview
    assert "All times in Asia/Bishkek." in overview
    assert "May 20, 2026, 8:30 AM (Asia/Bishkek)" in overview
    assert "Jul 4, 2026, 8:00 PM (Asia/Bishkek)" in overview
    assert "2:30 AM" not in overview  # the UTC hour is not shown


def test_saving_an_unchanged_event_writes_no_audit_entry(client, login, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    assert client.post("/events/civic-2026/edit", data=event_form(title="Civic Hack 2026")).status_code == 302
    assert audit_entries(action="event.update") == []


def test_changing_the_slug_moves_the_event(client, login, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    response = client.post("/events/civic-2026/edit", data=event_form(title="Civic Hack 2026", slug="civic-autumn"))
    assert response.location == "/events/civic-autumn/"
    assert client.get("/events/civic-autumn/").status_code == 200
    assert client.get("/events/civic-2026/").status_code == 404


@pytest.mark.parametrize(("overrides", "message"), [
    ({"slug": "taken-slug"}, "Another event already uses this address."),
    ({"min_team_size": "9", "max_team_size": "4"}, "The minimum team size cannot be larger than the maximum."),
    ({"results_at": "2026-06-01T08:00"}, "The phases must be in order"),
    ({"slug": "Bad Slug"}, "Use lower-case Latin letters, digits and single dashes only."),
], ids=["duplicate-slug", "min>max", "out-of-order", "bad-slug"])
def test_bad_edit_says_why_and_changes_nothing(client, login, make_event, organiser_of, bishkek_event,
                                               overrides, message):
    make_event(slug="taken-slug")
    login(client, organiser_of(bishkek_event))

    response = client.post("/events/civic-2026/edit", data=event_form(title="Changed Title", **overrides))

    assert response.status_code == 200
    assert message in text(response)
    db.session.expire_all()
    assert bishkek_event.title == "Civic Hack 2026" and bishkek_event.slug == "civic-2026"
    assert bishkek_event.results_at == LOCAL_TIMES["results_at"][1]
    assert audit_entries() == []


@pytest.mark.parametrize("viewer", ["anonymous", "plain user", "organiser of another event",
                                    "mentor of another event"])
def test_draft_is_not_found_for_outsiders(client, make_user, make_event, login, grant, viewer):
    draft = make_event(slug="secret-draft", is_published=False)
    other = make_event(slug="other-event")
    if viewer != "anonymous":
        user = make_user()
        if viewer == "organiser of another event":
            grant(user, other, Role.organiser)
        elif viewer == "mentor of another event":
            grant(user, other, Role.mentor)
        login(client, user)

    for path in ("/events/secret-draft/", "/events/secret-draft/edit", "/events/secret-draft/tracks",
                 "/events/secret-draft/people", "/events/secret-draft/audit", "/api/v1/events/secret-draft"):
        assert client.get(path).status_code == 404, path
    assert client.post("/events/secret-draft/edit", data=event_form(slug="secret-draft")).status_code == 404
    db.session.expire_all()
    assert draft.title == "Event 1"  # the edit was not applied
    assert audit_entries() == []


@pytest.mark.parametrize("viewer", ["organiser", "admin"])
def test_draft_is_visible_to_its_organisers_and_admins(client, make_user, make_event, login, grant, viewer):
    make_event(slug="secret-draft", title="Secret Draft", is_published=False)
    user = make_user(admin=viewer == "admin")
    if viewer == "organiser":
        grant(user, db.session.scalar(select(Event)), Role.organiser)
    login(client, user)
    page = text(client.get("/events/secret-draft/"))
    assert "Secret Draft" in page and "Draft" in page
    for path in ("/events/secret-draft/edit", "/events/secret-draft/tracks", "/events/secret-draft/people",
                 "/events/secret-draft/audit"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("viewer", ["anonymous", "plain", "draft organiser", "draft mentor", "other organiser",
                                    "admin"])
def test_start_page_lists_exactly_the_events_the_viewer_may_open(client, make_user, make_event, login, grant,
                                                                  viewer):
    events = {
        "public": make_event(slug="public-hack", title="Public Hack"),
        "draft": make_event(slug="draft-one", title="Draft One", is_published=False),
        "other": make_event(slug="draft-two", title="Draft Two", is_published=False),
    }
    visible = {
        "anonymous": {"public"}, "plain": {"public"}, "draft organiser": {"public", "draft"},
        "draft mentor": {"public", "draft"}, "other organiser": {"public", "other"},
        "admin": {"public", "draft", "other"},
    }[viewer]
    if viewer != "anonymous":
        user = make_user(admin=viewer == "admin")
        if viewer == "draft organiser":
            grant(user, events["draft"], Role.organiser)
        elif viewer == "draft mentor":
            grant(user, events["draft"], Role.mentor)
        elif viewer == "other organiser":
            grant(user, events["other"], Role.organiser)
        login(client, user)

    page = text(client.get("/"))

    for key, event in events.items():
        assert (event.title in page) == (key in visible), event.title
        assert client.get(f"/events/{event.slug}/").status_code == (200 if key in visible else 404), event.slug


def test_start_page_shows_my_roles(client, make_user, make_event, login, grant):
    event = make_event(title="Role Hack")
    user = make_user()
    grant(user, event, Role.juror, Role.mentor)
    login(client, user)
    page = text(client.get("/"))
    assert "Mentor" in page and "Juror" in page


MILESTONE_LABELS = ["Applications open", "Applications close", "Hacking starts", "Submissions close",
                    "Pitching starts", "Results"]


@pytest.mark.parametrize(("phase", "label", "moment"), [
    ("upcoming", "Applications open", "applications_open_at"),
    ("applications", "Applications close", "applications_close_at"),
    ("review", "Hacking starts", "hacking_starts_at"),
    ("hacking", "Submissions close", "submissions_close_at"),
    ("judging", "Pitching starts", "pitching_starts_at"),
    ("pitching", "Results", "results_at"),
    ("results", None, None),
])
def test_start_page_shows_each_events_next_milestone_in_its_timezone(app, client, factories, phase, label, moment):
    from hackathon.templating import local_datetime

    event = factories.create_event(phase=phase, title="Milestone Hack", timezone="Asia/Bishkek")
    page = text(client.get("/"))
    card = page[page.index("Milestone Hack"):page.index("</article>", page.index("Milestone Hack"))]
    shown = [name for name in MILESTONE_LABELS if f"{name}:" in card]
    if label is None:  # everything has passed: the phase badge alone
        assert shown == [] and "(Asia/Bishkek)" not in card
        return
    with app.test_request_context():
        when = text_of(local_datetime(getattr(event, moment), "Asia/Bishkek"))
    assert shown == [label] and f"{label}: {when}" in card, card


def text_of(value: str) -> str:
    return value.replace("\u202f", " ").replace("\u00a0", " ")


# Tracks --------------------------------------------------------------------------------------------------------------

def test_organiser_adds_edits_and_deletes_a_track(client, login, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event)
    login(client, organiser)

    response = client.post("/events/civic-2026/tracks", data={"name": "Clean air", "description": "Sensors."})
    assert response.status_code == 302 and response.location == "/events/civic-2026/tracks"
    track = db.session.scalar(select(Track))
    assert (track.event_id, track.name, track.description, track.position) == (bishkek_event.id, "Clean air",
                                                                                "Sensors.", 1)
    second = client.post("/events/civic-2026/tracks", data={"name": "Transport"})
    assert second.status_code == 302
    assert [t.position for t in db.session.scalars(select(Track).order_by(Track.id))] == [1, 2]
    assert "Clean air" in text(client.get("/events/civic-2026/"))

    assert "Clean air" in text(client.get(f"/events/civic-2026/tracks/{track.id}"))
    response = client.post(f"/events/civic-2026/tracks/{track.id}",
                           data={"name": "Clean air and water", "description": "Sensors.", "position": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (track.name, track.position) == ("Clean air and water", 5)

    response = client.post(f"/events/civic-2026/tracks/{track.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Track, track.id) is None
    assert "Clean air" not in text(client.get("/events/civic-2026/tracks"))

    entries = audit_entries()
    assert [entry.action for entry in entries] == ["track.create", "track.create", "track.update", "track.delete"]
    assert {entry.actor_id for entry in entries} == {organiser.id}
    assert entries[0].after == {"name": "Clean air", "description": "Sensors."}
    assert (entries[2].before, entries[2].after) == ({"name": "Clean air", "position": 1},
                                                     {"name": "Clean air and water", "position": 5})
    assert entries[3].before == {"name": "Clean air and water", "description": "Sensors."}
    assert entries[3].target_id == track.id


def test_track_form_errors_are_shown(client, login, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    response = client.post("/events/civic-2026/tracks", data={"name": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert count(Track) == 0


def test_another_events_track_is_not_found(client, login, make_event, organiser_of, bishkek_event):
    other = make_event(slug="other-event")
    foreign = Track(event=other, name="Foreign track")
    db.session.add(foreign)
    db.session.commit()
    login(client, organiser_of(bishkek_event))

    assert client.get(f"/events/civic-2026/tracks/{foreign.id}").status_code == 404
    assert client.post(f"/events/civic-2026/tracks/{foreign.id}", data={"name": "Hijacked"}).status_code == 404
    assert client.post(f"/events/civic-2026/tracks/{foreign.id}/delete").status_code == 404

    db.session.expire_all()
    assert db.session.get(Track, foreign.id).name == "Foreign track"
    assert audit_entries() == []


@pytest.mark.parametrize("method,path", [
    ("GET", "/events/civic-2026/tracks/{}"),
    ("POST", "/events/civic-2026/tracks/{}"),
    ("POST", "/events/civic-2026/tracks/{}/delete"),
    ("POST", "/events/civic-2026/people/{}/remove"),
    ("POST", "/events/civic-2026/invitations/{}/revoke"),
], ids=["edit-track-get", "edit-track-post", "delete-track", "remove-role", "revoke-invitation"])
def test_out_of_range_ids_are_not_found(client, login, organiser_of, bishkek_event, method, path):
    login(client, organiser_of(bishkek_event))
    # 2^31 - 1 is the largest INTEGER (no such row); above it the URL does not match, never a database error.
    for object_id in ("2147483647", "2147483648", "99999999999999999999", "0", "-1", "abc"):
        response = client.open(path.format(object_id), method=method, data={"name": "x"})
        assert response.status_code == 404, object_id
    assert audit_entries() == []


# Invitations and roles -----------------------------------------------------------------------------------------------

def test_organiser_is_offered_mentor_and_juror_only(client, login, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    page = text(client.get("/events/civic-2026/people"))
    assert '<option value="mentor">' in page and '<option value="juror">' in page
    assert 'value="organiser"' not in page
    assert 'value="participant"' not in page


def test_admin_is_offered_organiser_too(client, make_user, login, bishkek_event):
    login(client, make_user(admin=True))
    page = text(client.get("/events/civic-2026/people"))
    for role in ("organiser", "mentor", "juror"):
        assert f'<option value="{role}">' in page


@pytest.mark.parametrize("role", ["organiser", "participant", "admin"])
def test_organiser_cannot_forge_a_role_they_may_not_give(client, login, outbox, organiser_of, bishkek_event, role):
    login(client, organiser_of(bishkek_event))
    response = client.post("/events/civic-2026/people", data={"email": "friend@example.org", "role": role})
    assert response.status_code == 200
    assert "Not a valid choice." in text(response)
    assert count(Invitation) == 0
    assert outbox() == []
    assert audit_entries() == []


def test_new_visitor_accepts_an_invitation(client, app, login, outbox, invite, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event, name="Olga Organiser")
    login(client, organiser)

    link = invite(client, bishkek_event, "Mentor@Example.org", "mentor")
    [message] = outbox(to="mentor@example.org")
    assert "Olga Organiser invites you to be mentor at Civic Hack 2026." in message.body_text
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.invited_by_id) == ("mentor@example.org", Role.mentor,
                                                                             organiser.id)
    assert "mentor@example.org" in text(client.get("/events/civic-2026/people"))  # listed as pending

    visitor = app.test_client()
    page = text(visitor.get(link))
    assert "You are invited to be mentor at Civic Hack 2026." in page
    assert "Create your account for mentor@example.org" in page
    response = visitor.post(link, data={"name": "Marat Mentor", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/events/civic-2026/"

    user = db.session.scalar(select(User).where(User.email == "mentor@example.org"))
    assert user.name == "Marat Mentor" and user.is_confirmed
    assert roles_of(user, bishkek_event) == {Role.mentor}
    overview = text(visitor.get("/events/civic-2026/"))
    assert "Welcome! You are now mentor at Civic Hack 2026." in overview
    assert '<span class="badge">Mentor</span>' in overview
    assert visitor.get("/account").status_code == 200  # signed in

    # The new account signs in with the password it chose.
    assert app.test_client().post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302

    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.accepted_by_id == user.id and invitation.accepted_at is not None
    accept = audit_entries(action="invitation.accept")[0]
    assert accept.actor_id == user.id and accept.after == {"role": "mentor", "user_id": user.id}
    assert "mentor@example.org" not in text(client.get("/events/civic-2026/people")).split("Pending invitations")[1]


def test_new_account_needs_a_decent_password(app, client, login, invite, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    link = invite(client, bishkek_event, "mentor@example.org", "mentor")
    visitor = app.test_client()
    response = visitor.post(link, data={"name": "Marat", "password": "short"})
    assert response.status_code == 200
    assert "Use at least 10 characters." in text(response)
    assert count(User) == 1


def test_signed_in_user_attaches_the_role_to_their_account(app, client, make_user, login, invite, organiser_of,
                                                           bishkek_event):
    login(client, organiser_of(bishkek_event))
    link = invite(client, bishkek_event, "juror-work@example.org", "juror")
    # They follow the link while signed in with their personal account.
    juror = make_user("juror-home@example.org")
    browser = app.test_client()
    login(browser, juror)

    page = text(browser.get(link))
    assert "The role will be added to the account you are signed in with: juror-home@example.org." in page
    response = browser.post(link)
    assert response.status_code == 302 and response.location == "/events/civic-2026/"

    assert roles_of(juror, bishkek_event) == {Role.juror}
    assert db.session.scalar(select(User).where(User.email == "juror-work@example.org")) is None
    assert "You are now juror at Civic Hack 2026." in text(browser.get("/events/civic-2026/"))


def test_existing_account_is_asked_to_sign_in(app, client, make_user, login, invite, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    mentor = make_user("mentor@example.org")
    link = invite(client, bishkek_event, "mentor@example.org", "mentor")

    visitor = app.test_client()
    page = text(visitor.get(link))
    assert "An account exists for mentor@example.org. Sign in to accept." in page
    assert f'href="/login?next={link}"' in page
    # A new account cannot be made for the address that has one.
    response = visitor.post(link, data={"name": "Impostor", "password": NEW_PASSWORD})
    assert response.status_code == 200
    assert count(User) == 2 and roles_of(mentor, bishkek_event) == set()

    response = visitor.post(f"/login?next={link}", data={"email": "mentor@example.org", "password": PASSWORD})
    assert response.location == link
    assert visitor.post(link).status_code == 302
    assert roles_of(mentor, bishkek_event) == {Role.mentor}


def test_a_link_works_once(app, client, login, invite, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    link = invite(client, bishkek_event, "mentor@example.org", "mentor")
    first = app.test_client()
    assert first.post(link, data={"name": "Marat", "password": NEW_PASSWORD}).status_code == 302

    for browser in (app.test_client(), first):
        for response in (browser.get(link), browser.post(link, data={"name": "Again", "password": NEW_PASSWORD})):
            assert response.status_code == 400
            assert "This invitation was already accepted." in text(response)
    assert count(User) == 2
    assert len(audit_entries(action="invitation.accept")) == 1


def test_expired_invitation_is_refused(app, client, login, invite, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    link = invite(client, bishkek_event, "mentor@example.org", "mentor")
    invitation = db.session.scalar(select(Invitation))
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    visitor = app.test_client()
    for response in (visitor.get(link), visitor.post(link, data={"name": "Late", "password": NEW_PASSWORD})):
        assert response.status_code == 400
        assert "This invitation has expired. Ask the organisers for a new one." in text(response)
    assert count(User) == 1
    assert "Expired" in text(client.get("/events/civic-2026/people"))


def test_withdrawn_invitation_is_refused(app, client, login, invite, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event)
    login(client, organiser)
    link = invite(client, bishkek_event, "mentor@example.org", "mentor")
    invitation = db.session.scalar(select(Invitation))

    response = client.post(f"/events/civic-2026/invitations/{invitation.id}/revoke")
    assert response.status_code == 302

    visitor = app.test_client()
    for response in (visitor.get(link), visitor.post(link, data={"name": "Late", "password": NEW_PASSWORD})):
        assert response.status_code == 400
        assert "This invitation was withdrawn by the organisers." in text(response)
    [entry] = audit_entries(action="invitation.revoke")
    assert entry.actor_id == organiser.id and entry.target_id == invitation.id
    assert entry.before == {"email": "mentor@example.org", "role": "mentor"}


def test_forged_link_is_refused(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 400
    assert "This invitation link is not valid." in text(response)


def test_organiser_cannot_withdraw_an_organiser_invitation(client, make_user, login, invite, organiser_of,
                                                          bishkek_event):
    admin_browser = client
    login(admin_browser, make_user(admin=True))
    invite(admin_browser, bishkek_event, "new-organiser@example.org", "organiser")
    invitation = db.session.scalar(select(Invitation))
    organiser_browser = admin_browser.application.test_client()
    login(organiser_browser, organiser_of(bishkek_event))
    response = organiser_browser.post(f"/events/civic-2026/invitations/{invitation.id}/revoke")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None


def test_inviting_someone_who_already_holds_the_role(client, make_user, login, grant, outbox, organiser_of,
                                                     bishkek_event):
    login(client, organiser_of(bishkek_event))
    mentor = make_user("mentor@example.org")
    grant(mentor, bishkek_event, Role.mentor)

    response = client.post("/events/civic-2026/people", data={"email": "MENTOR@example.org", "role": "mentor"})

    assert response.status_code == 200
    assert "mentor@example.org is already mentor at this event." in text(response)
    assert count(Invitation) == 0 and outbox() == []
    # The same person may still be invited to another role.
    assert client.post("/events/civic-2026/people", data={"email": "mentor@example.org",
                                                          "role": "juror"}).status_code == 302


def test_invalid_email_is_refused(client, login, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    response = client.post("/events/civic-2026/people", data={"email": "not an email", "role": "mentor"})
    assert response.status_code == 200
    assert "Enter a valid email address" in text(response)
    assert count(Invitation) == 0


def test_admin_appoints_an_organiser(app, client, make_user, login, invite, bishkek_event):
    admin = make_user(admin=True)
    login(client, admin)
    link = invite(client, bishkek_event, "boss@example.org", "organiser")
    newcomer = app.test_client()
    assert newcomer.post(link, data={"name": "Bakyt", "password": NEW_PASSWORD}).status_code == 302
    assert newcomer.get("/events/civic-2026/edit").status_code == 200
    assert newcomer.get("/events/civic-2026/people").status_code == 200
    [entry] = audit_entries(action="invitation.create")
    assert entry.actor_id == admin.id and entry.after == {"email": "boss@example.org", "role": "organiser"}


def test_organiser_removes_a_mentor(client, make_user, login, grant, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event)
    mentor = make_user(name="Marat Mentor")
    grant(mentor, bishkek_event, Role.mentor, Role.juror)
    login(client, organiser)
    mentor_role = db.session.scalar(select(EventRole).where(EventRole.role == Role.mentor))
    page = text(client.get("/events/civic-2026/people"))
    assert "Marat Mentor" in page
    assert f"/events/civic-2026/people/{mentor_role.id}/remove" in page

    response = client.post(f"/events/civic-2026/people/{mentor_role.id}/remove")

    assert response.status_code == 302 and response.location == "/events/civic-2026/people"
    assert roles_of(mentor, bishkek_event) == {Role.juror}
    [entry] = audit_entries(action="role.remove")
    assert entry.actor_id == organiser.id and entry.target_id == mentor_role.id
    assert entry.before == {"user_id": mentor.id, "role": "mentor"}


def test_organiser_cannot_remove_their_own_organiser_role(client, login, organiser_of, bishkek_event):
    organiser = organiser_of(bishkek_event)
    login(client, organiser)
    own = db.session.scalar(select(EventRole))
    assert f"/people/{own.id}/remove" not in text(client.get("/events/civic-2026/people"))

    response = client.post(f"/events/civic-2026/people/{own.id}/remove")

    assert response.status_code == 403
    assert "You are not allowed to do that." in text(response)
    assert roles_of(organiser, bishkek_event) == {Role.organiser}
    assert client.get("/events/civic-2026/people").status_code == 200
    assert audit_entries() == []


def test_organiser_cannot_remove_another_organiser_but_admin_can(app, client, make_user, login, organiser_of,
                                                                 bishkek_event):
    first = organiser_of(bishkek_event)
    second = organiser_of(bishkek_event)
    second_role = db.session.scalar(select(EventRole).where(EventRole.user_id == second.id))
    login(client, first)
    assert client.post(f"/events/civic-2026/people/{second_role.id}/remove").status_code == 403
    assert roles_of(second, bishkek_event) == {Role.organiser}

    admin_browser = app.test_client()
    admin = make_user(admin=True)
    login(admin_browser, admin)
    assert admin_browser.post(f"/events/civic-2026/people/{second_role.id}/remove").status_code == 302
    assert roles_of(second, bishkek_event) == set()
    [entry] = audit_entries(action="role.remove")
    assert entry.actor_id == admin.id
    # The removed organiser loses the pages at once.
    second_browser = app.test_client()
    login(second_browser, second)
    assert second_browser.get("/events/civic-2026/edit").status_code == 403


def test_another_events_role_and_invitation_ids_are_not_found(client, make_user, make_event, login, grant,
                                                              organiser_of, bishkek_event):
    other = make_event(slug="other-event")
    outsider = make_user()
    grant(outsider, other, Role.mentor)
    foreign_role = db.session.scalar(select(EventRole))
    db.session.add(Invitation(event=other, email="x@example.org", role=Role.mentor, token_hash="0" * 64,
                              expires_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    foreign_invitation = db.session.scalar(select(Invitation))
    login(client, organiser_of(bishkek_event))

    assert client.post(f"/events/civic-2026/people/{foreign_role.id}/remove").status_code == 404
    assert client.post(f"/events/civic-2026/invitations/{foreign_invitation.id}/revoke").status_code == 404
    assert roles_of(outsider, other) == {Role.mentor}
    assert db.session.get(Invitation, foreign_invitation.id).revoked_at is None


# Audit log -----------------------------------------------------------------------------------------------------------

def test_audit_page_lists_every_action_at_the_event(app, client, make_user, make_event, login, invite, outbox,
                                                    grant):
    admin = make_user(admin=True, name="Aizada Admin")
    login(client, admin)
    assert client.post("/events/new", data=event_form()).status_code == 302
    event = db.session.scalar(select(Event))
    link = invite(client, event, "organiser@example.org", "organiser")

    organiser_browser = app.test_client()
    assert organiser_browser.post(link, data={"name": "Omar Organiser", "password": NEW_PASSWORD}).status_code == 302
    steps = [
        ("/events/civic-2026/edit", event_form(title="Civic Hack Renamed")),
        ("/events/civic-2026/tracks", {"name": "Air"}),
    ]
    for path, data in steps:
        assert organiser_browser.post(path, data=data).status_code == 302, path
    track = db.session.scalar(select(Track))
    assert organiser_browser.post(f"/events/civic-2026/tracks/{track.id}",
                                  data={"name": "Air quality", "position": "1"}).status_code == 302
    assert organiser_browser.post(f"/events/civic-2026/tracks/{track.id}/delete").status_code == 302
    invite(organiser_browser, event, "mentor@example.org", "mentor")
    mentor_invitation = db.session.scalar(select(Invitation).where(Invitation.email == "mentor@example.org"))
    assert organiser_browser.post(
        f"/events/civic-2026/invitations/{mentor_invitation.id}/revoke").status_code == 302
    juror = make_user(name="Jyldyz Juror")
    grant(juror, event, Role.juror)
    juror_role = db.session.scalar(select(EventRole).where(EventRole.user_id == juror.id))
    assert organiser_browser.post(f"/events/civic-2026/people/{juror_role.id}/remove").status_code == 302
    # Another event's actions stay in that event's log.
    other = make_event(slug="other-event")
    assert client.post("/events/other-event/tracks", data={"name": "Elsewhere"}).status_code == 302

    entries = audit_entries(event_id=event.id)
    organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
    assert [(entry.action, entry.actor_id) for entry in entries] == [
        ("event.create", admin.id), ("invitation.create", admin.id), ("invitation.accept", organiser.id),
        ("event.update", organiser.id), ("track.create", organiser.id), ("track.update", organiser.id),
        ("track.delete", organiser.id), ("invitation.create", organiser.id), ("invitation.revoke", organiser.id),
        ("role.remove", organiser.id),
    ]
    assert entries[3].before == {"title": "Civic Hack 2026"} and entries[3].after == {"title": "Civic Hack Renamed"}
    assert [entry.action for entry in audit_entries(event_id=other.id)] == ["track.create"]

    page = text(organiser_browser.get("/events/civic-2026/audit"))
    for words in ("Created the event", "Invited someone to a role", "Accepted an invitation to a role",
                  "Changed the event", "Added a track", "Changed a track", "Deleted a track",
                  "Revoked an invitation to a role", "Removed a role"):
        assert words in page, words
    assert "event.create" not in page and "<code>" not in page
    assert "Aizada Admin" in page and "Omar Organiser" in page
    assert "Civic Hack 2026 → Civic Hack Renamed" in page
    assert "Elsewhere" not in page
    # Newest first.
    assert page.index("Removed a role") < page.index("Created the event")


def test_audit_survives_the_actor_losing_their_role(client, make_user, login, organiser_of, bishkek_event):
    admin = make_user(admin=True)
    organiser = organiser_of(bishkek_event, name="Gone Organiser")
    login(client, organiser)
    assert client.post("/events/civic-2026/tracks", data={"name": "Air"}).status_code == 302
    db.session.delete(db.session.scalar(select(EventRole)))
    db.session.commit()
    assert client.get("/events/civic-2026/audit").status_code == 403
    admin_browser = client.application.test_client()
    login(admin_browser, admin)
    assert "Gone Organiser" in text(admin_browser.get("/events/civic-2026/audit"))


# Several roles -------------------------------------------------------------------------------------------------------

def test_one_person_is_mentor_and_juror_at_one_event(app, client, login, invite, organiser_of, bishkek_event):
    login(client, organiser_of(bishkek_event))
    mentor_link = invite(client, bishkek_event, "both@example.org", "mentor")
    juror_link = invite(client, bishkek_event, "both@example.org", "juror")

    browser = app.test_client()
    assert browser.post(mentor_link, data={"name": "Both Roles", "password": NEW_PASSWORD}).status_code == 302
    assert browser.post(juror_link).status_code == 302

    user = db.session.scalar(select(User).where(User.email == "both@example.org"))
    assert roles_of(user, bishkek_event) == {Role.mentor, Role.juror}
    nav = text(browser.get("/events/civic-2026/")).split('class="event-nav"')[1].split("</nav>")[0]
    assert '<span class="badge">Mentor</span>' in nav
    assert '<span class="badge">Juror</span>' in nav
    assert "Settings" not in nav  # neither role manages the event
    assert browser.get("/events/civic-2026/edit").status_code == 403
    client.get("/events/civic-2026/people")  # shows the "invitation sent" messages once
    people = text(client.get("/events/civic-2026/people")).split("Pending invitations")
    assert people[0].count("both@example.org") == 2  # one row per role
    assert "both@example.org" not in people[1]  # both links used


# Query counts --------------------------------------------------------------------------------------------------------

def _queries(client, count_queries, path: str) -> int:
    # The test's session outlives requests here; a server starts each request with an empty one, so empty it,
    # or objects loaded by earlier requests would hide lazy loads (N+1) from the count.
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_start_page_query_count_does_not_grow_with_events(client, make_user, make_event, login, grant,
                                                          count_queries):
    user_id = make_user().id
    login(client, db.session.get(User, user_id))

    def add_events(n: int) -> None:
        user = db.session.get(User, user_id)
        for index in range(n):
            grant(user, make_event(is_published=index % 2 == 0), Role.mentor, Role.juror)

    add_events(3)
    few = _queries(client, count_queries, "/")
    add_events(27)
    many = _queries(client, count_queries, "/")
    assert few == many
    assert many <= 4
    assert text(client.get("/")).count('<span class="badge">Mentor</span>') == 30


@pytest.mark.parametrize("page", ["people", "audit", "tracks"])
def test_event_list_pages_query_count_does_not_grow(client, make_user, login, organiser_of, bishkek_event,
                                                    count_queries, page):
    event_id = bishkek_event.id
    organiser = organiser_of(bishkek_event)
    organiser_id = organiser.id
    login(client, organiser)

    def add_items(n: int) -> None:
        for _ in range(n):
            user = make_user()
            db.session.add(EventRole(event_id=event_id, user_id=user.id, role=Role.mentor))
            db.session.add(Invitation(event_id=event_id, email=f"x{user.id}@example.org", role=Role.juror,
                                      token_hash=f"{user.id:064d}", invited_by_id=organiser_id,
                                      expires_at=utcnow() + timedelta(days=3)))
            db.session.add(Track(event_id=event_id, name=f"Track {user.id}"))
            db.session.add(AuditEntry(actor_id=user.id, event_id=event_id, action="test.action"))
        db.session.commit()

    add_items(3)
    few = _queries(client, count_queries, f"/events/civic-2026/{page}")
    add_items(27)
    many = _queries(client, count_queries, f"/events/civic-2026/{page}")
    assert few == many
    assert many <= 6


# Outside a request ---------------------------------------------------------------------------------------------------

def test_invitation_can_be_sent_outside_a_request(app, make_user, outbox, bishkek_event):
    """Services run from the CLI too: rendering the invitation mail needs no request."""
    from hackathon.events.services import invite_to_role

    invite_to_role(make_user(admin=True), bishkek_event, email="cli@example.org", role=Role.mentor)
    [message] = outbox(to="cli@example.org")
    assert link_in(message, "/invitations/")
