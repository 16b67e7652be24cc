"""Announcements: writing, previewing with the exact count, sending through the outbox (once), scheduling with the
CLI, the News page per role with its unread badge, the opt-out, corrections, the API, and who may do what."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hackathon.announcements import services
from hackathon.announcements.audience import Audience
from hackathon.announcements.models import Announcement, AnnouncementDelivery, AnnouncementStatus
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.forms import to_local
from hackathon.events.models import Role
from hackathon.extensions import db
from hackathon.mail import OutboxMessage
from hackathon.permissions import forget_accepted_team, forget_mentoring, forget_roles
from tests import factories as f
from tests.conftest import session_user_id
from tests.queries import recorded_statements

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> [link](javascript:alert(1))'


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


@pytest.fixture
def client_for(app):
    def make(user=None):
        client = app.test_client()
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def world(app):
    """An event in hacking with people of every kind, and another event with its own organiser and track."""
    now = utcnow()
    organiser = f.create_user("org@example.org", name="Organiser")
    event = f.create_event("hack", phase="hacking", now=now, organiser=organiser, languages=["en", "ru", "ky"])
    water = f.create_track(event, "Water")
    budgets = f.create_track(event, "Budgets")
    other_organiser = f.create_user("other-org@example.org")
    other = f.create_event("other", phase="hacking", now=now, organiser=other_organiser)
    other_track = f.create_track(other, "Elsewhere")
    people = {
        "applicant": f.create_user("applicant@example.org", locale="ru"),
        "looking": f.create_user("looking@example.org", locale="ky"),
        "waitlisted": f.create_user("waitlisted@example.org"),
        "captain_a": f.create_user("a1@example.org", locale="ru"),
        "member_a": f.create_user("a2@example.org"),
        "captain_b": f.create_user("b1@example.org", locale="ky"),
        "mentor": f.create_user("mentor@example.org"),
        "juror": f.create_user("juror@example.org"),
        "reviewer": f.create_user("reviewer@example.org"),
        "stranger": f.create_user("stranger@example.org"),
        "admin": f.create_user("admin@example.org", admin=True),
        "other_organiser": other_organiser, "organiser": organiser,
    }
    f.create_application(event, people["applicant"], status="submitted", now=now)
    f.create_application(event, people["looking"], status="submitted", looking_for_team=True, now=now)
    f.create_application(event, people["waitlisted"], status="waitlisted", now=now)
    team_a = f.create_team(event, people["captain_a"], people["member_a"], name="Alpha", track=water,
                           application="confirmed", now=now)
    team_b = f.create_team(event, people["captain_b"], name="Beta", track=budgets, application="confirmed", now=now)
    f.create_submission(team_a, status="submitted", now=now)
    f.create_check_in(team_a, people["captain_a"])
    f.grant(people["mentor"], event, Role.mentor)
    f.grant(people["juror"], event, Role.juror)
    f.grant(people["reviewer"], event, Role.reviewer)
    f.create_application(other, people["stranger"], status="submitted", now=now)
    return SimpleNamespace(event=event, other=other, water=water, budgets=budgets, other_track=other_track,
                           team_a=team_a, team_b=team_b, now=now, **people)


def form_data(event, **values) -> dict:
    data = {"title_en": "Kickoff link changed", "body_en": "The **new** link: https://meet.example.org/kickoff",
            "title_ru": "Ссылка изменилась", "body_ru": "Новая ссылка: https://meet.example.org/kickoff",
            "title_ky": "", "body_ky": ""}
    data.update(values)
    return data


def create(client, event="hack", **values):
    return client.post(f"/events/{event}/announcements/new", data=form_data(None, **values))


def last_announcement() -> Announcement:
    db.session.expire_all()
    return db.session.scalar(select(Announcement).order_by(Announcement.id.desc()))


def everyone_emails(w) -> set[str]:
    return {w.applicant.email, w.looking.email, w.waitlisted.email, w.captain_a.email, w.member_a.email,
            w.captain_b.email, w.mentor.email, w.juror.email, w.reviewer.email, w.organiser.email}


def announcement_mails(outbox) -> list[OutboxMessage]:
    return [message for message in outbox() if message.template == "announcement"]


# --- the journey --------------------------------------------------------------------------------------------------


def test_write_preview_count_and_send_to_everyone(world, client_for, outbox):
    w = world
    client = client_for(w.organiser)
    response = create(client)
    assert response.status_code == 302
    announcement = last_announcement()
    assert announcement.status == AnnouncementStatus.draft and announcement.audience == {}
    preview = text(client.get(response.headers["Location"]))
    assert "10 people will see it on the News page." in preview
    assert "Kickoff link changed" in preview and "Ссылка изменилась" in preview
    assert "<strong>new</strong>" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert announcement_mails(outbox) == []

    sent = client.post(f"/events/hack/announcements/{announcement.id}/send", data={"now": "Send now"})
    assert sent.status_code == 302
    assert "Sent to 10 people." in text(client.get(sent.headers["Location"]))
    mails = announcement_mails(outbox)
    assert sorted(m.to_address for m in mails) == sorted(everyone_emails(w))
    assert w.stranger.email not in {m.to_address for m in mails}
    by_address = {m.to_address: m for m in mails}
    # Their own language when written, else the event's first (nobody wrote Kyrgyz).
    assert by_address[w.applicant.email].subject.startswith("Ссылка изменилась")
    assert by_address[w.applicant.email].locale == "ru"
    assert by_address[w.looking.email].subject.startswith("Kickoff link changed")
    assert "<strong>new</strong>" in by_address[w.member_a.email].body_html
    for message in mails:  # one address per mail, nobody else's
        others = everyone_emails(w) - {message.to_address}
        assert not any(address in message.body_text or address in message.body_html for address in others)
        assert "/events/hack/news" in message.body_text
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "announcement.send")) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "announcement.create")) == 1


def test_sending_twice_or_double_submitting_mails_nobody_twice(world, client_for, outbox):
    w = world
    client = client_for(w.organiser)
    create(client)
    announcement = last_announcement()
    url = f"/events/hack/announcements/{announcement.id}/send"
    first = client.post(url, data={"now": "Send now"})
    second = client.post(url, data={"now": "Send now"})
    assert first.status_code == second.status_code == 302
    assert "already sent" in text(client.get(second.headers["Location"]))
    assert len(announcement_mails(outbox)) == 10
    assert db.session.scalar(select(func.count(AnnouncementDelivery.id))) == 10
    assert services.send_announcement(w.organiser, last_announcement()) is None
    assert len(announcement_mails(outbox)) == 10


def test_a_delivery_is_unique_per_announcement_and_person(world):
    from sqlalchemy.exc import IntegrityError

    announcement = services.create_announcement(w := world.organiser, world.event, services.AnnouncementInput(
        title={"en": "T"}, body={"en": "B"}))
    services.send_announcement(w, announcement)
    db.session.add(AnnouncementDelivery(announcement_id=announcement.id, user_id=world.applicant.id, locale="en"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("filters, expected", [
    ({"statuses": ["submitted"]}, {"applicant", "looking"}),
    ({"statuses": ["submitted", "waitlisted"]}, {"applicant", "looking", "waitlisted"}),
    ({"confirmed": "y"}, {"captain_a", "member_a", "captain_b"}),
    ({"tracks": "water"}, {"captain_a", "member_a"}),
    ({"without_submission": "y"}, {"captain_b"}),
    ({"not_checked_in": "y"}, {"captain_b"}),
    ({"looking_for_team": "y"}, {"looking"}),
    ({"mentors": "y"}, {"mentor"}),
    ({"jurors": "y"}, {"juror"}),
    ({"reviewers": "y"}, {"reviewer"}),
    ({"confirmed": "y", "tracks": "budgets"}, {"captain_b"}),  # AND
    ({"confirmed": "y", "not_checked_in": "y", "tracks": "water"}, set()),
])
def test_each_audience_filter_and_their_combination(world, client_for, filters, expected):
    w = world
    client = client_for(w.organiser)
    if "tracks" in filters:
        filters = dict(filters, tracks=str(getattr(w, filters["tracks"]).id))
    assert create(client, **filters).status_code == 302
    announcement = last_announcement()
    preview = text(client.get(f"/events/hack/announcements/{announcement.id}"))
    if expected:
        assert re.search(rf"\b{len(expected)} (people|person) will see it", preview), preview
    else:
        assert "Nobody is in this audience" in preview and "Send now" not in preview
    recipients = {row.email for row in db.session.execute(
        services.audience_query(w.event, services.audience_of(announcement)))}
    assert recipients == {getattr(w, key).email for key in expected}


def test_an_empty_audience_cannot_be_sent(world, client_for, outbox):
    w = world
    client = client_for(w.organiser)
    create(client, mentors="y", jurors="y")  # nobody is both
    announcement = last_announcement()
    response = client.post(f"/events/hack/announcements/{announcement.id}/send", data={"now": "Send now"})
    assert "Nobody is in this audience" in text(client.get(response.headers["Location"]))
    assert last_announcement().status == AnnouncementStatus.draft
    assert announcement_mails(outbox) == []


def test_another_events_track_is_refused(world, client_for):
    w = world
    client = client_for(w.organiser)
    response = create(client, tracks=str(w.other_track.id))
    assert response.status_code == 200 and "not a valid choice" in text(response).lower()
    assert last_announcement() is None
    with pytest.raises(services.DomainError, match="tracks of this event"):
        services.create_announcement(w.organiser, w.event, services.AnnouncementInput(
            title={"en": "T"}, body={"en": "B"}, audience=Audience(track_ids=(w.other_track.id,))))


def test_markdown_with_html_and_scripts_is_sanitised_everywhere(world, client_for, outbox):
    w = world
    client = client_for(w.organiser)
    create(client, body_en=XSS, title_en='<script>alert("t")</script>')
    announcement = last_announcement()
    pages = [client.get(f"/events/hack/announcements/{announcement.id}").get_data(as_text=True)]
    client.post(f"/events/hack/announcements/{announcement.id}/send", data={"now": "Send now"})
    pages.append(client_for(w.applicant).get("/events/hack/news").get_data(as_text=True))
    pages += [m.body_html for m in announcement_mails(outbox)]
    for page in pages:
        assert "<script" not in page and "<img" not in page and 'href="javascript' not in page
    api = client_for().get("/api/v1/events/hack/announcements",
                           headers={"Authorization": f"Bearer {f.create_api_token(w.applicant)[1]}"}).get_json()
    assert "<script>" not in api["announcements"][0]["body_html"]


def test_the_title_in_the_first_language_is_required(world, client_for):
    client = client_for(world.organiser)
    response = create(client, title_en="", body_en="")
    assert response.status_code == 200 and "This field is required." in text(response)
    assert last_announcement() is None


# --- scheduling -----------------------------------------------------------------------------------------------------


def test_a_time_in_the_past_is_refused(world, client_for):
    w = world
    client = client_for(w.organiser)
    past = to_local(utcnow() - timedelta(hours=1), w.event.timezone).strftime("%Y-%m-%dT%H:%M")
    response = create(client, send_at=past)
    assert response.status_code == 200
    assert "The time to send is in the past" in text(response)
    assert last_announcement() is None


def test_scheduled_send_through_the_cli_is_idempotent(world, client_for, runner, outbox):
    w = world
    client = client_for(w.organiser)
    at = utcnow() + timedelta(hours=2)
    local = to_local(at, w.event.timezone).strftime("%Y-%m-%dT%H:%M")
    create(client, send_at=local, mentors="y")
    announcement = last_announcement()
    assert announcement.send_at.strftime("%H:%M") == at.strftime("%H:%M")  # typed in Bishkek, kept in UTC
    assert "Schedule it for" in text(client.get(f"/events/hack/announcements/{announcement.id}"))
    response = client.post(f"/events/hack/announcements/{announcement.id}/send", data={"schedule": "Schedule"})
    assert response.status_code == 302 and last_announcement().status == AnnouncementStatus.scheduled

    result = runner.invoke(args=["announcements", "send-due"])
    assert result.exit_code == 0, result.output
    assert "0 sent" in result.output and announcement_mails(outbox) == []

    db.session.execute(Announcement.__table__.update().values(send_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["announcements", "send-due"])
    assert "sent to 1 people" in result.output and "1 sent" in result.output
    again = runner.invoke(args=["announcements", "send-due"])
    assert "0 sent" in again.output
    assert [m.to_address for m in announcement_mails(outbox)] == [w.mentor.email]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.send"))
    assert entry.actor_id is None


def test_a_scheduled_one_whose_audience_emptied_goes_back_to_draft(world, runner, outbox):
    w = world
    announcement = services.create_announcement(w.organiser, w.event, services.AnnouncementInput(
        title={"en": "T"}, body={"en": "B"}, audience=Audience(jurors=True), send_at=utcnow() + timedelta(hours=1)))
    services.schedule_announcement(w.organiser, announcement)
    db.session.execute(db.delete(f.EventRole).where(f.EventRole.role == Role.juror))
    db.session.execute(Announcement.__table__.update().values(send_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["announcements", "send-due"])
    assert "back to draft" in result.output
    assert last_announcement().status == AnnouncementStatus.draft and announcement_mails(outbox) == []


# --- the News page --------------------------------------------------------------------------------------------------


def _send(w, audience=Audience(), essential=False, title="Office hours at 15:00"):
    announcement = services.create_announcement(w.organiser, w.event, services.AnnouncementInput(
        title={"en": title, "ru": title + " (ru)"}, body={"en": "Room 2", "ru": "Комната 2"}, essential=essential,
        audience=audience))
    services.send_announcement(w.organiser, announcement)
    return announcement


def test_news_page_per_role_with_unread_badge(world, client_for):
    w = world
    _send(w, Audience(mentors=True), title="For mentors")
    _send(w, Audience(confirmed=True), title="For participants")
    _send(w, Audience(), title="For everyone")
    expected = {
        "applicant": {"For everyone"}, "captain_a": {"For participants", "For everyone"},
        "mentor": {"For mentors", "For everyone"}, "juror": {"For everyone"}, "reviewer": {"For everyone"},
        "organiser": {"For mentors", "For participants", "For everyone"},
        "admin": {"For mentors", "For participants", "For everyone"},
        "other_organiser": set(), "stranger": set(),
    }
    for key, titles in expected.items():
        person = getattr(w, key)
        client = client_for(person)
        page = text(client.get("/events/hack/"))
        unread = len(titles) if key not in ("organiser", "admin") else (1 if key == "organiser" else 0)
        if unread:
            assert re.search(rf'<span class="badge">{unread}<span class="visually-hidden">', page), key
        else:
            assert '<span class="visually-hidden"> ' not in page, key
        news = client.get("/events/hack/news")
        assert news.status_code == 200, key
        body = text(news)
        shown = {title for title in ("For mentors", "For participants", "For everyone") if title in body}
        if person.locale == "ru":
            shown = {t for t in ("For mentors", "For participants", "For everyone") if f"{t} (ru)" in body}
        assert shown == titles, key
        assert body.count("challenge-card unread") == unread, key
        # Newest first.
        positions = [body.find(t) for t in ("For everyone", "For participants", "For mentors") if t in titles]
        assert positions == sorted(positions), key
        # Read now: the badge is gone and nothing is new.
        assert '<span class="visually-hidden"> ' not in client.get("/events/hack/").get_data(as_text=True)
        assert "challenge-card unread" not in text(client.get("/events/hack/news"))
    assert client_for().get("/events/hack/news").status_code == 302


def test_opt_out_skips_non_essential_mail_but_not_essential(world, client_for, outbox):
    w = world
    client = client_for(w.mentor)
    assert client.post("/events/hack/news/preferences", data={"opt_out": "y"}).status_code == 302
    assert services.opted_out(w.mentor, w.event)
    organiser = client_for(w.organiser)
    create(organiser, mentors="y")
    preview = text(organiser.get(f"/events/hack/announcements/{last_announcement().id}"))
    assert "1 person will see it" in preview and "0 of them get a mail" in preview
    services.send_announcement(w.organiser, last_announcement())
    assert announcement_mails(outbox) == []
    assert "Kickoff link changed" in text(client.get("/events/hack/news"))  # still on the News page
    _send(w, Audience(mentors=True), essential=True, title="Deadline moved")
    assert [m.to_address for m in announcement_mails(outbox)] == [w.mentor.email]
    assert "Important" in announcement_mails(outbox)[0].subject
    client.post("/events/hack/news/preferences", data={})
    assert not services.opted_out(w.mentor, w.event)


def test_a_sent_announcement_is_corrected_with_an_updated_note_and_no_new_mail(world, client_for, outbox):
    w = world
    announcement = _send(w)
    mails = len(announcement_mails(outbox))
    client = client_for(w.organiser)
    page = text(client.get(f"/events/hack/announcements/{announcement.id}/edit"))
    assert "Correct the announcement" in page and "Audience" not in page
    response = client.post(f"/events/hack/announcements/{announcement.id}/edit",
                           data={"title_en": "Office hours at 16:00", "body_en": "Room 3", "title_ru": "",
                                 "body_ru": "", "title_ky": "", "body_ky": "", "mentors": "y"})
    assert response.status_code == 302
    corrected = last_announcement()
    assert corrected.corrected_at is not None and corrected.audience == {}
    assert corrected.title == {"en": "Office hours at 16:00"}
    news = text(client_for(w.member_a).get("/events/hack/news"))
    assert "Office hours at 16:00" in news and "Updated" in news
    assert len(announcement_mails(outbox)) == mails
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "announcement.correct")) == 1


def test_drafts_are_edited_and_deleted_with_audit(world, client_for):
    w = world
    client = client_for(w.organiser)
    create(client)
    announcement = last_announcement()
    assert client.post(f"/events/hack/announcements/{announcement.id}/edit",
                       data=form_data(None, title_en="Renamed", jurors="y")).status_code == 302
    assert last_announcement().title["en"] == "Renamed" and last_announcement().audience == {"jurors": True}
    assert client.post(f"/events/hack/announcements/{announcement.id}/delete").status_code == 302
    assert last_announcement() is None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"announcement.create", "announcement.update", "announcement.delete"} <= actions
    _send(w, Audience(statuses=("confirmed",), track_ids=(w.water.id,)), essential=True)
    log = text(client.get("/events/hack/audit"))
    for words in ("Wrote an announcement", "Changed an announcement", "Deleted an announcement",
                  "Sent an announcement"):
        assert words in log


def test_another_events_announcement_is_a_404(world, client_for):
    w = world
    theirs = services.create_announcement(w.other_organiser, w.other, services.AnnouncementInput(
        title={"en": "Theirs"}, body={"en": "B"}))
    client = client_for(w.organiser)
    for path in ("", "/edit"):
        assert client.get(f"/events/hack/announcements/{theirs.id}{path}").status_code == 404
    for path in ("/send", "/delete", "/unschedule", "/edit"):
        assert client.post(f"/events/hack/announcements/{theirs.id}{path}", data={"now": "y"}).status_code == 404
    assert db.session.get(Announcement, theirs.id).status == AnnouncementStatus.draft


def test_the_api_lists_what_the_tokens_person_may_see(world, client_for):
    w = world
    _send(w, Audience(mentors=True), title="For mentors")
    _send(w, Audience(), title="For everyone")

    def listed(person):
        token = f.create_api_token(person)[1]
        response = client_for().get("/api/v1/events/hack/announcements", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        return [item["title"] for item in response.get_json()["announcements"]]

    assert listed(w.mentor) == ["For everyone", "For mentors"]
    assert listed(w.juror) == ["For everyone"]
    assert listed(w.organiser) == ["For everyone", "For mentors"]
    assert listed(w.stranger) == []
    assert listed(w.applicant) == ["For everyone (ru)"]
    assert client_for().get("/api/v1/events/hack/announcements").status_code == 401
    document = client_for().get("/api/v1/openapi.json").get_json()
    assert "/events/{slug}/announcements" in document["paths"]
    assert "Announcement" in document["components"]["schemas"]


# --- who may do what ------------------------------------------------------------------------------------------------

VISITORS = ("anonymous", "stranger", "applicant", "captain_a", "mentor", "juror", "reviewer", "other_organiser",
            "organiser", "admin")
LOGIN = "login"


def statuses(default, **overrides) -> dict:
    """The status per visitor: `default` for signed-in people, the sign-in page for visitors."""
    return dict.fromkeys(VISITORS, default) | {"anonymous": LOGIN} | overrides


def managers(status) -> dict:
    return statuses(403, organiser=status, admin=status)


def _valid(ids) -> dict:
    return form_data(None, title_en=f"Posted {ids['id']}")


# (method, path, data, expected per visitor); {id} is a draft announcement of the event. Read by
# tests/test_permissions.py (DOMAIN_TABLES), so that every route is walked for every kind of visitor.
ROUTES = [
    ("GET", "/events/hack/announcements", None, managers(200)),
    ("GET", "/events/hack/announcements/new", None, managers(200)),
    ("POST", "/events/hack/announcements/new", _valid, managers(302)),
    ("GET", "/events/hack/announcements/{id}", None, managers(200)),
    ("GET", "/events/hack/announcements/999999", None, managers(404)),
    ("GET", "/events/hack/announcements/{id}/edit", None, managers(200)),
    ("POST", "/events/hack/announcements/{id}/edit", _valid, managers(302)),
    ("POST", "/events/hack/announcements/{id}/send", {"now": "Send now"}, managers(302)),
    ("POST", "/events/hack/announcements/{id}/unschedule", {}, managers(302)),
    ("POST", "/events/hack/announcements/{id}/delete", {}, managers(302)),
    ("GET", "/events/hack/news", None, statuses(200)),
    ("POST", "/events/hack/news/preferences", {"opt_out": "y"}, statuses(302)),
    ("GET", "/api/v1/events/hack/announcements", None, statuses(200, anonymous=401)),
]
CASES = [(method, path, data, visitor, expected[visitor])
         for method, path, data, expected in ROUTES for visitor in VISITORS]


def _walk(w, client_for, method, path, data, visitor):
    announcement = services.create_announcement(w.organiser, w.event, services.AnnouncementInput(
        title={"en": "Draft"}, body={"en": "B"}))
    ids = {"id": announcement.id}
    client = client_for(None if visitor == "anonymous" else getattr(w, visitor))
    url = path.format(**ids)
    if method == "GET":
        return client.get(url), announcement.id
    return client.post(url, data=data(ids) if callable(data) else data), announcement.id


@pytest.mark.parametrize("method, path, data, visitor, expected", CASES,
                         ids=[f"{m} {p} {v}" for m, p, _d, v, _e in CASES])
def test_who_may_use_each_route(world, client_for, outbox, method, path, data, visitor, expected):
    response, announcement_id = _walk(world, client_for, method, path, data, visitor)
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:1000]
    if expected in (403, 404, LOGIN, 401):
        assert db.session.get(Announcement, announcement_id).status == AnnouncementStatus.draft
        assert db.session.scalar(select(func.count(Announcement.id))) == 1
        assert announcement_mails(outbox) == []


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_an_unpublished_event_hides_every_route_from_outsiders(world, client_for, method, path, data, expected):
    world.event.is_published = False
    db.session.commit()
    for visitor in ("anonymous", "stranger", "applicant", "other_organiser"):
        response, _ = _walk(world, client_for, method, path, data, visitor)
        assert response.status_code == 404, (visitor, response.status_code)


# --- query counts ---------------------------------------------------------------------------------------------------


def test_news_page_and_badge_cost_the_same_at_any_number_of_announcements(world, client_for):
    w = world
    client = client_for(w.captain_a)
    organiser = client_for(w.organiser)

    def queries(c, path) -> int:
        db.session.expunge_all()
        with recorded_statements() as statements:
            assert c.get(path).status_code == 200
        return len(statements)

    _send(w)
    counts = {path: (queries(client, path), queries(organiser, path))
              for path in ("/events/hack/news", "/events/hack/", "/events/hack/announcements")
              if path != "/events/hack/announcements"}
    manage_few = queries(organiser, "/events/hack/announcements")
    from hackathon.accounts.models import User
    from hackathon.events.models import Event

    w.event = db.session.scalar(select(Event).where(Event.slug == "hack"))
    w.organiser = db.session.scalar(select(User).where(User.email == "org@example.org"))
    for number in range(12):
        _send(w, Audience(confirmed=True) if number % 2 else Audience(), title=f"News {number}")
        services.create_announcement(w.organiser, w.event, services.AnnouncementInput(
            title={"en": f"Draft {number}"}, body={"en": "B"}))
    for path, (few_member, few_organiser) in counts.items():
        assert queries(client, path) == few_member, path
        assert queries(organiser, path) == few_organiser, path
    assert queries(organiser, "/events/hack/announcements") == manage_few


def test_the_badge_is_read_in_the_menus_own_query(world, client_for):
    """The unread count rides in permissions.team_standing's query, which the menu makes anyway."""
    w = world
    _send(w)
    client = client_for(w.captain_a)
    with recorded_statements() as statements:
        page = client.get("/events/hack/").get_data(as_text=True)
    reading = [s for s in statements if "announcement_deliveries" in s]
    assert len(reading) == 1 and "team_members" in reading[0]
    assert '<span class="badge">1<span class="visually-hidden">' in page


# --- the outbox's copies --------------------------------------------------------------------------------------------


def test_copies_of_a_rendered_mail_go_with_the_transaction(world, app):
    from hackathon.mail import queue_copies, queue_mail

    def queue():
        with app.test_request_context("/"):
            first = queue_mail("one@example.org", "announcement", locale="ru", event_id=world.event.id,
                               event=world.event, title="T", body_text="B", body_html="<p>B</p>", essential=True,
                               link="https://hackathon.test/events/hack/news")
            db.session.flush()
            return first, queue_copies(first, ["two@example.org", "three@example.org"])

    queue()
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert not db.session.info.get("outbox_new_ids")
    first, copies = queue()
    db.session.commit()
    assert copies == 2
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.to_address for m in rows] == ["one@example.org", "two@example.org", "three@example.org"]
    assert {(m.subject, m.locale, m.body_html) for m in rows} == {(rows[0].subject, "ru", rows[0].body_html)}
    assert sorted(db.session.info.pop("outbox_committed")) == [m.id for m in rows]  # handed to the sender


def test_two_sends_at_once_make_one_on_postgresql(world, app, outbox, request):
    """Two organisers press Send at the same instant: the conditional UPDATE lets one in, the other finds it sent."""
    import threading

    from sqlalchemy import event as sa_event

    if request.config.getoption("--db") != "postgresql":
        pytest.skip("needs PostgreSQL's row locks: run with --db=postgresql")
    announcement_id = services.create_announcement(world.organiser, world.event, services.AnnouncementInput(
        title={"en": "T"}, body={"en": "B"})).id
    organiser_id = world.organiser.id
    both_ready = threading.Barrier(2, timeout=10)
    gated = threading.local()
    results, errors = [], []

    def hold_the_claim(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE announcements SET status") and not getattr(gated, "done", False):
            gated.done = True
            both_ready.wait()

    def organiser_clicks():
        try:
            with app.test_request_context("/"):
                from hackathon.accounts.models import User

                announcement = db.session.get(Announcement, announcement_id)
                results.append(services.send_announcement(db.session.get(User, organiser_id), announcement))
        except BaseException as error:  # noqa: BLE001 (asserted below)
            errors.append(error)

    sa_event.listen(db.engine, "before_cursor_execute", hold_the_claim)
    try:
        threads = [threading.Thread(target=organiser_clicks) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", hold_the_claim)
    assert not errors, errors
    assert sorted(result is None for result in results) == [False, True]
    assert db.session.scalar(select(func.count(AnnouncementDelivery.id))) == 10
    assert len(announcement_mails(outbox)) == 10
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "announcement.send")) == 1


def test_csrf_is_required(app, world, client_for, outbox):
    announcement = services.create_announcement(world.organiser, world.event, services.AnnouncementInput(
        title={"en": "T"}, body={"en": "B"}))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        organiser = client_for(world.organiser)
        assert create(organiser).status_code == 400
        for path in ("send", "delete", "edit", "unschedule"):
            response = organiser.post(f"/events/hack/announcements/{announcement.id}/{path}",
                                      data={"now": "Send now", **form_data(None)})
            assert response.status_code == 400, path
        assert client_for(world.mentor).post("/events/hack/news/preferences",
                                             data={"opt_out": "y"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(select(func.count(Announcement.id))) == 1
    assert last_announcement().status == AnnouncementStatus.draft and announcement_mails(outbox) == []
    assert not services.opted_out(world.mentor, world.event)
