"""Announcements: writing, the audience in SQL, sending through the outbox, the News page and the opt-out.

Sending is one unit of work in `send_announcement`: a conditional UPDATE claims the announcement (draft or
scheduled -> sent), one query reads the recipients, their delivery rows are inserted (unique per announcement and
person) and one mail per mailed person is queued in the same transaction; one commit. A second send, a double
click or `send-due` run twice finds nothing to claim and mails nobody.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from hackathon.accounts.models import User
from hackathon.announcements.audience import Audience, parse_audience, pick_language
from hackathon.announcements.models import (Announcement, AnnouncementDelivery, AnnouncementPreference,
                                            AnnouncementStatus)
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.audit import record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db
from hackathon.mail import queue_copies, queue_mail
from hackathon.markdown import render_markdown
from hackathon.mentoring.models import CheckIn
from hackathon.permissions import can_manage_event
from hackathon.submissions.models import Submission, SubmissionStatus
from hackathon.teams.models import Team, TeamMember
from hackathon.webhooks.services import queue_event

log = logging.getLogger(__name__)

TITLE_MAX = 200
BODY_MAX = 20000
STATUSES = tuple(status.value for status in ApplicationStatus)


@dataclass
class AnnouncementInput:
    """What the form gives: texts per language, the flag, the audience and an optional time (UTC)."""

    title: dict[str, str]
    body: dict[str, str]
    essential: bool = False
    audience: Audience = field(default_factory=Audience)
    send_at: datetime | None = None


# --- reading -----------------------------------------------------------------------------------------------------

def get_announcement(event: Event, announcement_id: int) -> Announcement:
    """The event's announcement; another event's id is NotFound."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.event_id != event.id:
        raise NotFound()
    return announcement


def list_announcements(event: Event) -> list[Announcement]:
    """Every announcement of the event for its organisers: unsent first (soonest scheduled first), then sent,
    newest first."""
    return list(db.session.scalars(
        select(Announcement).where(Announcement.event_id == event.id)
        .order_by((Announcement.status == AnnouncementStatus.sent), Announcement.send_at.desc(),
                  Announcement.sent_at.desc(), Announcement.id.desc())))


def audience_of(announcement: Announcement) -> Audience:
    return parse_audience(announcement.audience, statuses=STATUSES)


def texts_in(announcement: Announcement, language: str) -> tuple[str, str]:
    """(title, body) in `language`, falling back as recipients' mail does."""
    code = pick_language(language, _filled(announcement), announcement.event.languages)
    return announcement.title.get(code, ""), announcement.body.get(code, "")


def _filled(announcement: Announcement) -> list[str]:
    return [code for code, text in (announcement.title or {}).items() if text and (announcement.body or {}).get(code)]


# --- the audience in SQL -------------------------------------------------------------------------------------------

def _covered_by_applications(event: Event, *conditions):
    """Ids of people covered by an application of the event matching `conditions`: the individual applicant, or
    every member of the applying team."""
    individuals = select(Application.individual_user_id).where(
        Application.event_id == event.id, Application.kind == ApplicationKind.individual, *conditions)
    members = (select(TeamMember.user_id).join(Application, Application.team_id == TeamMember.team_id)
               .where(Application.event_id == event.id, *conditions))
    return individuals.union(members)


def _team_members(event: Event, *conditions):
    return (select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id)
            .where(TeamMember.event_id == event.id, *conditions))


def _role_holders(event: Event, role: Role):
    return select(EventRole.user_id).where(EventRole.event_id == event.id, EventRole.role == role)


def everyone_at(event: Event):
    """Anyone with a role at the event, an application (theirs or as its captain) or a place in a team."""
    return (select(EventRole.user_id).where(EventRole.event_id == event.id)
            .union(select(Application.user_id).where(Application.event_id == event.id),
                   select(TeamMember.user_id).where(TeamMember.event_id == event.id)))


def filter_selects(event: Event, audience: Audience) -> list:
    """One sub-select of user ids per filter in use (the SQL side of audience.combine)."""
    selects = []
    if audience.statuses:
        selects.append(_covered_by_applications(
            event, Application.status.in_([ApplicationStatus(s) for s in audience.statuses])))
    if audience.track_ids:
        selects.append(_team_members(event, Team.track_id.in_(audience.track_ids)))
    if audience.confirmed:
        selects.append(_covered_by_applications(event, Application.status == ApplicationStatus.confirmed))
    if audience.without_submission:
        selects.append(_team_members(event, ~exists().where(Submission.team_id == Team.id,
                                                            Submission.status == SubmissionStatus.submitted)))
    if audience.not_checked_in:
        selects.append(_team_members(event, ~exists().where(CheckIn.team_id == Team.id)))
    if audience.looking_for_team:
        selects.append(select(Application.individual_user_id).where(
            Application.event_id == event.id, Application.kind == ApplicationKind.individual,
            Application.looking_for_team.is_(True),
            Application.status.not_in((ApplicationStatus.withdrawn, ApplicationStatus.merged)),
            ~exists().where(TeamMember.event_id == event.id, TeamMember.user_id == Application.individual_user_id)))
    for flag, role in (("mentors", Role.mentor), ("jurors", Role.juror), ("reviewers", Role.reviewer)):
        if getattr(audience, flag):
            selects.append(_role_holders(event, role))
    return selects


def audience_query(event: Event, audience: Audience) -> Select:
    """One SELECT of the recipients (active accounts only): id, email, locale and whether they opted out."""
    opted_out = (select(AnnouncementPreference.opted_out)
                 .where(AnnouncementPreference.event_id == event.id, AnnouncementPreference.user_id == User.id)
                 .scalar_subquery())
    query = (select(User.id, User.email, User.locale, func.coalesce(opted_out, False).label("opted_out"))
             .where(User.is_active_account.is_(True), User.id.in_(everyone_at(event))))
    for subquery in filter_selects(event, audience):
        query = query.where(User.id.in_(subquery))
    return query.order_by(User.id)


@dataclass(frozen=True)
class Reach:
    people: int   # who will see it on the News page
    mailed: int   # who gets a mail (not those who opted out, unless it is essential)


def count_recipients(event: Event, audience: Audience, *, essential: bool) -> Reach:
    """The exact number of recipients, in one query."""
    rows = audience_query(event, audience).order_by(None).subquery()
    people, opted = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((rows.c.opted_out, 1), else_=0)), 0)).select_from(rows)).one()
    return Reach(people=int(people), mailed=int(people) - (0 if essential else int(opted or 0)))


# --- writing -------------------------------------------------------------------------------------------------------

def _check(actor: User | None, event: Event) -> None:
    if actor is not None and not can_manage_event(actor, event):
        raise NotAllowed()


def _validate(event: Event, data: AnnouncementInput, *, now: datetime, check_time: bool = True) -> None:
    first = event.languages[0] if event.languages else "en"
    if not (data.title.get(first) or "").strip() or not (data.body.get(first) or "").strip():
        raise DomainError(_("Write the title and the text in the event's first language at least."))
    unknown = set(data.title) | set(data.body)
    if unknown - set(event.languages):
        raise DomainError(_("Write only in the event's languages."))
    if any(len(text) > TITLE_MAX for text in data.title.values()) or \
            any(len(text) > BODY_MAX for text in data.body.values()):
        raise DomainError(_("The title or the text is too long."))
    if data.audience.track_ids:
        found = set(db.session.scalars(select(Track.id).where(Track.event_id == event.id,
                                                              Track.id.in_(data.audience.track_ids))))
        if found != set(data.audience.track_ids):
            raise DomainError(_("Choose tracks of this event only."))
    if check_time and data.send_at is not None and data.send_at <= now:
        raise DomainError(_("The time to send is in the past: choose a later time, or send it now."))


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {code: text for code, text in values.items() if text and text.strip()}


def create_announcement(actor: User, event: Event, data: AnnouncementInput, *, now: datetime | None = None
                        ) -> Announcement:
    """A draft; it is sent (or scheduled) from its preview page."""
    now = now or utcnow()
    _check(actor, event)
    _validate(event, data, now=now)
    announcement = Announcement(event_id=event.id, title=_texts(data.title), body=_texts(data.body),
                                essential=data.essential, audience=data.audience.as_dict(), send_at=data.send_at,
                                status=AnnouncementStatus.draft, created_by_id=actor.id)
    db.session.add(announcement)
    db.session.flush()
    record_audit(actor=actor, action="announcement.create", event_id=event.id, target=announcement,
                 after=_snapshot(announcement))
    db.session.commit()
    return announcement


def _snapshot(announcement: Announcement) -> dict:
    return {"title": dict(announcement.title), "essential": announcement.essential,
            "audience": dict(announcement.audience), "send_at": announcement.send_at,
            "status": announcement.status}


def update_announcement(actor: User, announcement: Announcement, data: AnnouncementInput, *,
                        now: datetime | None = None) -> Announcement:
    """Until it is sent: every field (a scheduled one without a time goes back to draft). Once sent: a correction
    of the texts only, shown as "updated" with its time; nobody is mailed again."""
    now = now or utcnow()
    event = announcement.event
    _check(actor, event)
    if announcement.status == AnnouncementStatus.sent:
        _validate(event, AnnouncementInput(title=data.title, body=data.body), now=now)
        before = {"title": dict(announcement.title), "body": dict(announcement.body)}
        announcement.title, announcement.body = _texts(data.title), _texts(data.body)
        announcement.corrected_at = now
        record_audit(actor=actor, action="announcement.correct", event_id=event.id, target=announcement,
                     before=before, after={"title": dict(announcement.title), "body": dict(announcement.body)})
        db.session.commit()
        return announcement
    _validate(event, data, now=now)
    before = _snapshot(announcement)
    values = dict(title=_texts(data.title), body=_texts(data.body), essential=data.essential,
                  audience=data.audience.as_dict(), send_at=data.send_at)
    # Only while it is still unsent (a send at the same moment wins; this edit then changes nothing).
    result = db.session.execute(
        update(Announcement).where(Announcement.id == announcement.id,
                                   Announcement.status != AnnouncementStatus.sent)
        .values(**values, status=AnnouncementStatus.draft if data.send_at is None else announcement.status,
                updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(_("This announcement was sent meanwhile: correct its text instead."))
    db.session.refresh(announcement)
    record_audit(actor=actor, action="announcement.update", event_id=event.id, target=announcement,
                 before=before, after=_snapshot(announcement))
    db.session.commit()
    return announcement


def delete_announcement(actor: User, announcement: Announcement) -> None:
    """Gone from the News page too (its deliveries go with it)."""
    event = announcement.event
    _check(actor, event)
    record_audit(actor=actor, action="announcement.delete", event_id=event.id, target=announcement,
                 before=_snapshot(announcement))
    db.session.delete(announcement)
    db.session.commit()


def schedule_announcement(actor: User, announcement: Announcement, *, now: datetime | None = None) -> None:
    """Hand a draft with a time to `flask announcements send-due`."""
    now = now or utcnow()
    event = announcement.event
    _check(actor, event)
    if announcement.send_at is None or announcement.send_at <= now:
        raise DomainError(_("The time to send is in the past: choose a later time, or send it now."))
    if count_recipients(event, audience_of(announcement), essential=announcement.essential).people == 0:
        raise DomainError(_("Nobody is in this audience: change the filters before sending."))
    result = db.session.execute(
        update(Announcement).where(Announcement.id == announcement.id,
                                   Announcement.status == AnnouncementStatus.draft)
        .values(status=AnnouncementStatus.scheduled).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # already scheduled or sent (a second click): nothing more to do
        db.session.rollback()
        return
    record_audit(actor=actor, action="announcement.schedule", event_id=event.id, target=announcement,
                 after={"send_at": announcement.send_at})
    db.session.commit()
    db.session.refresh(announcement)


def unschedule_announcement(actor: User, announcement: Announcement) -> None:
    """Back to draft (it is not sent at its time)."""
    event = announcement.event
    _check(actor, event)
    result = db.session.execute(
        update(Announcement).where(Announcement.id == announcement.id,
                                   Announcement.status == AnnouncementStatus.scheduled)
        .values(status=AnnouncementStatus.draft).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return
    record_audit(actor=actor, action="announcement.unschedule", event_id=event.id, target=announcement)
    db.session.commit()
    db.session.refresh(announcement)


@dataclass(frozen=True)
class Sent:
    people: int
    mailed: int


def send_announcement(actor: User | None, announcement: Announcement, *, now: datetime | None = None
                      ) -> Sent | None:
    """Send it now to its audience, in one commit (the one place that sends: hooks on "announcement sent" belong
    here). `actor` None is the scheduler. Returns None when it was already sent (nothing is mailed again);
    raises DomainError for an empty audience (nothing changes)."""
    now = now or utcnow()
    event = announcement.event
    _check(actor, event)
    claimed = db.session.execute(
        update(Announcement).where(Announcement.id == announcement.id,
                                   Announcement.status.in_((AnnouncementStatus.draft, AnnouncementStatus.scheduled)))
        .values(status=AnnouncementStatus.sent, sent_at=now, sent_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    db.session.refresh(announcement)
    recipients = db.session.execute(audience_query(event, audience_of(announcement))).all()
    if not recipients:
        db.session.rollback()
        raise DomainError(_("Nobody is in this audience: change the filters before sending."))
    filled = _filled(announcement)
    rows: list[dict] = []
    addresses: dict[str, list[str]] = {}  # language -> the addresses that get a mail in it
    for person in recipients:
        language = pick_language(person.locale, filled, event.languages)
        gets_mail = announcement.essential or not person.opted_out
        rows.append({"announcement_id": announcement.id, "user_id": person.id, "locale": language,
                     "mailed": gets_mail, "created_at": now})
        if gets_mail:
            addresses.setdefault(language, []).append(person.email)
    # The text is the same for everyone who reads a language: rendered once per language, one mail per person.
    link = url_for("announcements.news", slug=event.slug, _external=True)
    mailed = 0
    for language, emails in addresses.items():
        body = announcement.body.get(language, "")
        first = queue_mail(emails[0], "announcement", locale=language, event_id=event.id, event=event,
                           title=announcement.title.get(language, ""), body_text=body,
                           body_html=render_markdown(body), essential=announcement.essential, link=link)
        db.session.flush()  # its id and rendered text, copied for the others
        mailed += 1 + queue_copies(first, emails[1:])
    db.session.execute(insert(AnnouncementDelivery), rows)
    announcement.recipient_count = len(rows)
    record_audit(actor=actor, action="announcement.send", event_id=event.id, target=announcement,
                 after={"status": AnnouncementStatus.sent, "recipients": len(rows), "mailed": mailed,
                        "scheduled_for": announcement.send_at})
    queue_event(event, "announcement.sent", {"announcement_id": announcement.id, "recipients": len(rows)})
    db.session.commit()
    return Sent(people=len(rows), mailed=mailed)


def send_due(now: datetime | None = None) -> list[tuple[Announcement, Sent | None, str | None]]:
    """Send every scheduled announcement whose time has come (idempotent: run it from cron every minute).

    One whose audience became empty goes back to draft, audited, so it is not tried every minute."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Announcement).where(
        Announcement.status == AnnouncementStatus.scheduled, Announcement.send_at <= now)
        .order_by(Announcement.send_at, Announcement.id)))
    outcomes = []
    for announcement in due:
        try:
            outcomes.append((announcement, send_announcement(None, announcement, now=now), None))
        except DomainError as error:
            db.session.rollback()
            db.session.execute(update(Announcement).where(Announcement.id == announcement.id,
                                                          Announcement.status == AnnouncementStatus.scheduled)
                               .values(status=AnnouncementStatus.draft))
            record_audit(actor=None, action="announcement.unschedule", event_id=announcement.event_id,
                         target=announcement, reason=str(error)[:500])
            db.session.commit()
            outcomes.append((announcement, None, str(error)))
    return outcomes


# --- the News page, the opt-out ------------------------------------------------------------------------------------

@dataclass
class NewsItem:
    """One announcement as its reader sees it (plain values: the page may commit the reading before it renders)."""

    id: int
    title: str
    body: str
    essential: bool
    sent_at: datetime
    corrected_at: datetime | None
    unread: bool
    texts: dict[str, dict[str, str]]


def _visible(user: User, event: Event):
    delivery = AnnouncementDelivery
    query = (select(Announcement, delivery.read_at, delivery.id.label("delivery_id"))
             .outerjoin(delivery, and_(delivery.announcement_id == Announcement.id, delivery.user_id == user.id))
             .where(Announcement.event_id == event.id, Announcement.status == AnnouncementStatus.sent)
             .order_by(Announcement.sent_at.desc(), Announcement.id.desc()))
    if not can_manage_event(user, event):
        query = query.where(delivery.id.is_not(None))
    return query


def visible_news(user: User, event: Event) -> list[NewsItem]:
    """The sent announcements whose audience held the person (organisers and site admins: all), newest first, in
    the reader's language; unread: delivered to them and not yet read. One query whatever their number."""
    language = str(get_locale() or "")
    items = []
    for announcement, read_at, delivery_id in db.session.execute(_visible(user, event)):
        code = pick_language(language, _filled(announcement), event.languages)
        items.append(NewsItem(
            id=announcement.id, title=announcement.title.get(code, ""), body=announcement.body.get(code, ""),
            essential=announcement.essential, sent_at=announcement.sent_at, corrected_at=announcement.corrected_at,
            unread=delivery_id is not None and read_at is None,
            texts={lang: {"title": announcement.title.get(lang, ""), "body": announcement.body.get(lang, "")}
                   for lang in event.languages if lang in _filled(announcement)}))
    return items


def mark_read(user: User, event: Event, *, now: datetime | None = None) -> int:
    """Every announcement of the event delivered to the person counts as read (the News page was opened)."""
    result = db.session.execute(
        update(AnnouncementDelivery).where(
            AnnouncementDelivery.user_id == user.id, AnnouncementDelivery.read_at.is_(None),
            AnnouncementDelivery.announcement_id.in_(select(Announcement.id).where(Announcement.event_id == event.id)))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0


def unread_count_query(user: User, event: Event) -> Select:
    """The number of the event's announcements delivered to the person and not read yet (the menu's badge; read
    inside permissions.team_standing's query, so the badge costs no query of its own)."""
    return (select(func.count(AnnouncementDelivery.id))
            .join(Announcement, Announcement.id == AnnouncementDelivery.announcement_id)
            .where(AnnouncementDelivery.user_id == user.id, AnnouncementDelivery.read_at.is_(None),
                   Announcement.event_id == event.id))


def opted_out(user: User, event: Event) -> bool:
    return bool(db.session.scalar(select(AnnouncementPreference.opted_out).where(
        AnnouncementPreference.event_id == event.id, AnnouncementPreference.user_id == user.id)))


def set_opt_out(user: User, event: Event, value: bool) -> None:
    """The person's choice for this event: no mail for non-essential announcements."""
    preference = db.session.scalar(select(AnnouncementPreference).where(
        AnnouncementPreference.event_id == event.id, AnnouncementPreference.user_id == user.id))
    if preference is None:
        preference = AnnouncementPreference(event_id=event.id, user_id=user.id)
        db.session.add(preference)
    preference.opted_out = value
    try:
        db.session.commit()
    except IntegrityError:  # two saves at once: the other one made the row; set it there
        db.session.rollback()
        db.session.execute(update(AnnouncementPreference).where(
            AnnouncementPreference.event_id == event.id, AnnouncementPreference.user_id == user.id)
            .values(opted_out=value))
        db.session.commit()
