"""Help requests: a member of an accepted team asks, a mentor claims and resolves, the team may cancel.

Every change of status is one conditional UPDATE (`... WHERE status = <expected>`), so two mentors claiming the
same request at the same moment cannot both win: the database serialises the two updates, the second finds the
status no longer `open`, changes no row, and its mentor is told someone was faster.

`expertise_matches` and `help_times` are pure (standard library only, `now` passed in) and unit-tested.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event
from hackathon.events.phases import submissions_open
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.mentoring.models import HelpRequest, HelpStatus, MentorProfile
from hackathon.permissions import (accepted_team_id, can_ask_for_help, can_claim_help, can_manage_event,
                                   can_resolve_help)
from hackathon.teams.models import TeamMember

TOPIC_MAX = 120
DESCRIPTION_MAX = 2000
MAX_ACTIVE_PER_TEAM = 3  # open or claimed at once: a team cannot flood the queue
ACTIVE = (HelpStatus.open, HelpStatus.claimed)


# --- pure rules ------------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text or "")]


def expertise_matches(tags: Iterable[str], topic: str, description: str) -> list[str]:
    """The mentor's expertise tags found in the request: a tag matches when each of its words is a word of the
    topic or description (case-insensitive, any script), so "machine learning" matches "help with Machine
    Learning" but "ml" does not match "html"."""
    words = set(_words(topic)) | set(_words(description))
    found = []
    for tag in tags:
        tag_words = _words(tag)
        if tag_words and all(word in words for word in tag_words):
            found.append(tag)
    return found


@dataclass(frozen=True)
class HelpTimes:
    """Averages over the event's requests; None when nothing was claimed (resolved) yet."""

    claimed_count: int
    resolved_count: int
    average_wait: timedelta | None        # created -> claimed, over requests that were claimed
    average_resolution: timedelta | None  # claimed -> resolved, over requests that were resolved


def help_times(rows: Iterable[tuple[datetime, datetime | None, datetime | None]]) -> HelpTimes:
    """Average waiting time (created -> claimed) and resolution time (claimed -> resolved) from
    (created_at, claimed_at, resolved_at) triples. Open and cancelled-before-claim requests have no claim time and
    do not count; averages are rounded down to whole seconds."""
    waits: list[timedelta] = []
    resolutions: list[timedelta] = []
    for created_at, claimed_at, resolved_at in rows:
        if claimed_at is None:
            continue
        waits.append(max(claimed_at - created_at, timedelta(0)))
        if resolved_at is not None:
            resolutions.append(max(resolved_at - claimed_at, timedelta(0)))

    def average(values: list[timedelta]) -> timedelta | None:
        if not values:
            return None
        seconds = sum(int(v.total_seconds()) for v in values) // len(values)
        return timedelta(seconds=seconds)

    return HelpTimes(len(waits), len(resolutions), average(waits), average(resolutions))


def waiting_time(request: HelpRequest, now: datetime) -> timedelta:
    """How long the team waited for a mentor: until the claim, or until now while the request is open."""
    end = request.claimed_at or (request.cancelled_at if request.status == HelpStatus.cancelled else None) or now
    return max(end - request.created_at, timedelta(0))


# --- team side -------------------------------------------------------------------------------------------------


def help_open(event: Event, now: datetime) -> bool:
    """Teams ask and mentors claim while teams build: from the start of hacking until submissions close
    (no grace: once the projects are in, a waiting request has nothing left to help with)."""
    return submissions_open(event.schedule, now)


def _refuse_out_of_phase(event: Event, now: datetime) -> None:
    if not help_open(event, now):
        raise OutOfPhase(_("Mentors take help requests from the start of hacking until submissions close."))


def _team_id_or_refuse(actor: User, event: Event) -> int:
    if not can_ask_for_help(actor, event):
        raise NotAllowed(_("Only members of an accepted team ask for help."))
    return accepted_team_id(actor, event)


def team_requests(actor: User, event: Event) -> list[HelpRequest]:
    """The actor's team's requests, newest first, with their mentors, in one query."""
    team_id = _team_id_or_refuse(actor, event)
    return list(db.session.scalars(
        select(HelpRequest).where(HelpRequest.event_id == event.id, HelpRequest.team_id == team_id)
        .options(joinedload(HelpRequest.claimed_by)).order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())))


def ask_for_help(actor: User, event: Event, *, topic: str, description: str, language: str | None,
                 now: datetime) -> HelpRequest:
    """Open a request for the actor's accepted team; the same request still waiting or in progress is returned
    rather than asked twice."""
    team_id = _team_id_or_refuse(actor, event)
    _refuse_out_of_phase(event, now)
    topic, description = (topic or "").strip(), (description or "").strip()
    if not topic:
        raise DomainError(_("Say in a few words what you need help with."))
    if len(topic) > TOPIC_MAX or len(description) > DESCRIPTION_MAX:
        raise DomainError(_("The topic or the description is too long."))
    if language and language not in (event.languages or []):
        raise DomainError(_("Choose one of the event's languages."))
    active = list(db.session.scalars(select(HelpRequest).where(HelpRequest.team_id == team_id,
                                                               HelpRequest.status.in_(ACTIVE))))
    for same in active:  # a double submit (or a teammate asking the same) adds nothing
        if same.topic.casefold() == topic.casefold() and same.description == description:
            return same
    if len(active) >= MAX_ACTIVE_PER_TEAM:
        raise Conflict(ngettext("Your team already has %(count)d request waiting or in progress. Cancel or finish "
                                "it before asking again.", "Your team already has %(count)d requests waiting or in "
                                "progress. Cancel or finish one before asking again.", MAX_ACTIVE_PER_TEAM,
                                count=MAX_ACTIVE_PER_TEAM))
    request = HelpRequest(event_id=event.id, team_id=team_id, topic=topic, description=description,
                          language=language or None, status=HelpStatus.open, created_by_id=actor.id, created_at=now)
    db.session.add(request)
    db.session.flush()
    record_audit(actor=actor, action="help.ask", event_id=event.id, target=request, after={"team_id": team_id})
    db.session.commit()
    return request


def cancel_help(actor: User, event: Event, request_id: int, *, now: datetime) -> None:
    """A member of the team cancels an open or claimed request of their team (404 for other teams' ids)."""
    team_id = _team_id_or_refuse(actor, event)
    request = db.session.get(HelpRequest, request_id)
    if request is None or request.event_id != event.id or request.team_id != team_id:
        raise NotFound()
    changed = db.session.execute(
        update(HelpRequest).where(HelpRequest.id == request_id, HelpRequest.status.in_(ACTIVE))
        .values(status=HelpStatus.cancelled, cancelled_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This request is already resolved or cancelled."))
    record_audit(actor=actor, action="help.cancel", event_id=event.id, target=request)
    db.session.commit()


# --- mentor side -----------------------------------------------------------------------------------------------


def get_request(event: Event, request_id: int) -> HelpRequest:
    request = db.session.get(HelpRequest, request_id)
    if request is None or request.event_id != event.id:
        raise NotFound()
    return request


def claim_help(actor: User, event: Event, request_id: int, *, now: datetime) -> HelpRequest:
    """A mentor takes an open request; exactly one of several simultaneous claims wins, and the person who asked
    is told by mail who is coming."""
    if not can_claim_help(actor, event):
        raise NotAllowed(_("Only mentors claim help requests."))
    request = get_request(event, request_id)
    _refuse_out_of_phase(event, now)
    if db.session.scalar(select(TeamMember.id).where(TeamMember.team_id == request.team_id,
                                                     TeamMember.user_id == actor.id)) is not None:
        raise Conflict(_("You are a member of this team: another mentor should help."))
    changed = db.session.execute(
        update(HelpRequest).where(HelpRequest.id == request.id, HelpRequest.status == HelpStatus.open)
        .values(status=HelpStatus.claimed, claimed_by_id=actor.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("Another mentor has already claimed this request, or the team cancelled it."))
    record_audit(actor=actor, action="help.claim", event_id=event.id, target=request)
    asker = db.session.get(User, request.created_by_id) if request.created_by_id else None
    if asker is not None and asker.is_active_account:
        # The person who asked learns a mentor is coming, in the same transaction (outbox).
        queue_mail(asker.email, "help_claimed", locale=asker.locale, event_id=event.id, event=event,
                   topic=request.topic, mentor_name=actor.name,
                   help_url=url_for("mentoring.help", slug=event.slug, _external=True))
    db.session.commit()
    db.session.refresh(request)
    return request


def _finish(actor: User, event: Event, request_id: int, *, values: dict, action: str) -> HelpRequest:
    request = get_request(event, request_id)
    if not can_resolve_help(actor, request):
        raise NotAllowed(_("Only the mentor who claimed this request, or an organiser, can do that."))
    condition = [HelpRequest.id == request.id, HelpRequest.status == HelpStatus.claimed]
    if not can_manage_event(actor, event):
        condition.append(HelpRequest.claimed_by_id == actor.id)
    changed = db.session.execute(update(HelpRequest).where(*condition).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount
    if not changed:
        db.session.rollback()
        raise Conflict(_("This request is no longer claimed: the team may have cancelled it."))
    record_audit(actor=actor, action=action, event_id=event.id, target=request)
    db.session.commit()
    db.session.refresh(request)
    return request


def resolve_help(actor: User, event: Event, request_id: int, *, now: datetime) -> HelpRequest:
    """The claiming mentor (or an organiser) marks a claimed request resolved."""
    return _finish(actor, event, request_id, values={"status": HelpStatus.resolved, "resolved_at": now},
                   action="help.resolve")


def release_help(actor: User, event: Event, request_id: int, *, now: datetime) -> HelpRequest:
    """The claiming mentor (or an organiser) puts a claimed request back in the queue."""
    return _finish(actor, event, request_id,
                   values={"status": HelpStatus.open, "claimed_by_id": None, "claimed_at": None},
                   action="help.release")


@dataclass
class QueueEntry:
    request: HelpRequest
    waiting: timedelta
    matches: list[str]


@dataclass
class HelpQueue:
    open: list[QueueEntry]
    claimed: list[QueueEntry]
    expertise: list[str]
    times: HelpTimes | None = None
    open_total: int = 0
    hidden_by_filters: int = field(default=0)


def help_queue(viewer: User, event: Event, *, language: str | None, matching: bool, now: datetime) -> HelpQueue:
    """The open requests (oldest first, filtered by language and by the viewer's expertise) and the claimed ones
    (all for organisers, their own for mentors); organisers also get the averages. Three queries.

    A request without a preferred language passes every language filter; the expertise filter needs a profile
    with expertise (without one it filters nothing)."""
    organiser = can_manage_event(viewer, event)
    expertise = db.session.scalar(select(MentorProfile.expertise).where(
        MentorProfile.event_id == event.id, MentorProfile.user_id == viewer.id)) or []
    rows = list(db.session.scalars(
        select(HelpRequest).where(HelpRequest.event_id == event.id, HelpRequest.status.in_(ACTIVE))
        .options(joinedload(HelpRequest.team), joinedload(HelpRequest.claimed_by))
        .order_by(HelpRequest.created_at, HelpRequest.id)))
    queue = HelpQueue(open=[], claimed=[], expertise=list(expertise))
    for row in rows:
        entry = QueueEntry(row, waiting_time(row, now), expertise_matches(expertise, row.topic, row.description))
        if row.status == HelpStatus.claimed:
            if organiser or row.claimed_by_id == viewer.id:
                queue.claimed.append(entry)
            continue
        queue.open_total += 1
        if language and row.language not in (language, None):
            continue
        if matching and expertise and not entry.matches:
            continue
        queue.open.append(entry)
    queue.hidden_by_filters = queue.open_total - len(queue.open)
    if organiser:
        queue.times = help_times(db.session.execute(
            select(HelpRequest.created_at, HelpRequest.claimed_at, HelpRequest.resolved_at)
            .where(HelpRequest.event_id == event.id, HelpRequest.claimed_at.is_not(None))).all())
    return queue
