"""Pitch-day services: the schedule of a pitch round (planned by judging/pitch.py), publishing it to the teams
with a mail each, reminders before each slot (`flask judging pitch-reminders`), and iCalendar exports."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import changed_fields, record_audit
from hackathon.errors import DomainError, NotAllowed
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.judging import pitch
from hackathon.judging.models import JudgingRound, PitchSchedule, PitchSlot
from hackathon.judging.services import round_projects, rounds_of
from hackathon.permissions import can_manage_event
from hackathon.submissions.models import Submission
from hackathon.teams.models import Team, TeamMember


def schedule_of(judging_round: JudgingRound) -> tuple[PitchSchedule | None, list[PitchSlot]]:
    schedule = db.session.scalar(select(PitchSchedule).where(PitchSchedule.round_id == judging_round.id))
    slots = list(db.session.scalars(
        select(PitchSlot).where(PitchSlot.round_id == judging_round.id).order_by(PitchSlot.position)
        .options(joinedload(PitchSlot.submission).joinedload(Submission.team))))
    return schedule, slots


def save_schedule(actor: User, event: Event, judging_round: JudgingRound, *, starts_at: datetime,
                  pitch_minutes: int, qa_minutes: int, changeover_minutes: int, order: str, seed: int,
                  break_after: int, break_minutes: int, call_links: str, reminder_hours: int) -> list[PitchSlot]:
    """(Re)plan the round's slots from its projects (a published shortlist keeps its order). A published
    schedule may be re-planned: teams see the new times and are mailed again when it is published again."""
    if not can_manage_event(actor, event):
        raise NotAllowed()
    projects = round_projects(judging_round)
    if not projects:
        raise DomainError(_("The round has no projects yet: publish the shortlist it takes its projects from."))
    links = [line.strip() for line in call_links.splitlines() if line.strip()]
    if any(not link.startswith(("https://", "http://")) or any(c.isspace() for c in link) for link in links):
        raise DomainError(_("The call link must start with https://."))
    call_links = "\n".join(links)
    try:
        planned = pitch.plan([p.id for p in projects], starts_at=starts_at, pitch_minutes=pitch_minutes,
                             qa_minutes=qa_minutes, changeover_minutes=changeover_minutes, order=order, seed=seed,
                             break_after=break_after, break_minutes=break_minutes)
    except ValueError:
        raise DomainError(_("Check the durations and the order.")) from None
    schedule, old = schedule_of(judging_round)
    values = {"starts_at": starts_at, "pitch_minutes": pitch_minutes, "qa_minutes": qa_minutes,
              "changeover_minutes": changeover_minutes, "order": order, "seed": seed, "break_after": break_after,
              "break_minutes": break_minutes, "call_links": call_links, "reminder_hours": reminder_hours}
    # Every field of the form is in the log: what changed on a re-plan, everything on the first plan.
    before, after = changed_fields(schedule, values) if schedule is not None else ({}, dict(values))
    if schedule is None:
        schedule = PitchSchedule(round_id=judging_round.id, starts_at=starts_at)
        db.session.add(schedule)
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.published_at = None
    for slot in old:
        db.session.delete(slot)
    db.session.flush()
    slots = [PitchSlot(round_id=judging_round.id, submission_id=s.project_id, position=s.position, session=s.session,
                       starts_at=s.starts_at, pitch_ends_at=s.pitch_ends_at, ends_at=s.ends_at) for s in planned]
    db.session.add_all(slots)
    record_audit(actor=actor, action="judging.schedule_planned", event_id=event.id, target=judging_round,
                 before=before, after={**after, "slots": [s.project_id for s in planned]})
    db.session.commit()
    return slots


def publish_schedule(actor: User, event: Event, judging_round: JudgingRound, now: datetime) -> int:
    """Teams see their slot from now on; each member gets a mail with it in their language. Returns mails."""
    from flask import url_for

    from hackathon.mail import queue_mail

    if not can_manage_event(actor, event):
        raise NotAllowed()
    schedule, slots = schedule_of(judging_round)
    if schedule is None or not slots:
        raise DomainError(_("Plan the schedule first."))
    schedule.published_at = now
    members = _members_by_team([s.submission.team_id for s in slots])
    link = url_for("judging.my_pitch", slug=event.slug, _external=True)
    mails = 0
    for slot in slots:
        for person in members.get(slot.submission.team_id, []):
            queue_mail(person.email, "pitch_slot", locale=person.locale, event_id=event.id, event=event,
                       person=person, slot=slot, team=slot.submission.team,
                       call_link=schedule.link_for(slot.session), link=link)
            mails += 1
    record_audit(actor=actor, action="judging.schedule_published", event_id=event.id, target=judging_round,
                 after={"mails": mails})
    db.session.commit()
    return mails


def _members_by_team(team_ids: list[int]) -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    for team_id, user in db.session.execute(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids)).order_by(User.id)):
        members.setdefault(team_id, []).append(user)
    return members


def slots_of_team(event: Event, team_id: int) -> list[tuple[JudgingRound, PitchSchedule, PitchSlot]]:
    """A team's published slots in the event's pitch rounds."""
    found = []
    for judging_round in rounds_of(event):
        schedule, slots = schedule_of(judging_round)
        if schedule is None or schedule.published_at is None:
            continue
        found += [(judging_round, schedule, s) for s in slots if s.submission.team_id == team_id]
    return found


def send_reminders(now: datetime) -> int:
    """Mail each member of a team whose published slot starts within the schedule's reminder window, once."""
    from flask import url_for

    from hackathon.mail import queue_mail

    mails = 0
    due = db.session.execute(
        select(PitchSlot, PitchSchedule).join(PitchSchedule, PitchSchedule.round_id == PitchSlot.round_id)
        .where(PitchSchedule.published_at.is_not(None), PitchSlot.reminded_at.is_(None),
               PitchSlot.starts_at > now)).all()
    for slot, schedule in due:
        if slot.starts_at - now > timedelta(hours=schedule.reminder_hours):
            continue
        team = db.session.get(Team, slot.submission.team_id)
        event = db.session.get(Event, team.event_id)
        for person in _members_by_team([team.id]).get(team.id, []):
            queue_mail(person.email, "pitch_reminder", locale=person.locale, event_id=event.id, event=event,
                       person=person, slot=slot, team=team, call_link=schedule.link_for(slot.session),
                       link=url_for("judging.my_pitch", slug=event.slug, _external=True))
            mails += 1
        slot.reminded_at = now
    db.session.commit()
    return mails


def calendar(event: Event, entries: list[tuple[JudgingRound, PitchSchedule, PitchSlot]], name: str,
             now: datetime) -> str:
    host = event.slug
    return pitch.ical([(f"pitch-{slot.round_id}-{slot.submission_id}@{host}",
                        _("Pitch: %(team)s", team=slot.submission.team.name), slot.starts_at, slot.ends_at,
                        (_("Call: %(link)s", link=schedule.link_for(slot.session))
                         if schedule.link_for(slot.session) else ""))
                       for _round, schedule, slot in entries], calendar_name=name, stamp=now)


# --- live ------------------------------------------------------------------------------------------------------


class LiveState:
    """The pitch round on stage: the current slot, the timer and, for the organiser, each juror's sheet for the
    team on stage (none, draft, submitted) — one read of the slots and one of the sheets."""

    def __init__(self, judging_round: JudgingRound, now: datetime):
        from hackathon.judging.models import JurorAssignment, ScoreSheet

        self.schedule, self.slots = schedule_of(judging_round)
        position = self.schedule.current_position if self.schedule else None
        self.current = next((s for s in self.slots if s.position == position), None)
        self.next = next((s for s in self.slots if position is not None and s.position == position + 1), None)
        self.timer_ends_at = (self.schedule.timer_started_at + timedelta(minutes=self.schedule.pitch_minutes)
                              if self.schedule and self.schedule.timer_started_at and self.current else None)
        self.seconds_left = max(0, int((self.timer_ends_at - now).total_seconds())) if self.timer_ends_at else None
        self.jurors: list[tuple[User, str]] = []
        if self.current is not None:
            statuses = dict(db.session.execute(
                select(ScoreSheet.juror_id, ScoreSheet.status).where(
                    ScoreSheet.round_id == judging_round.id, ScoreSheet.submission_id == self.current.submission_id)
            ).all())
            assigned = db.session.execute(
                select(User).join(JurorAssignment, JurorAssignment.juror_id == User.id).where(
                    JurorAssignment.round_id == judging_round.id,
                    JurorAssignment.submission_id == self.current.submission_id).order_by(User.name)).scalars()
            self.jurors = [(juror, statuses[juror.id].value if juror.id in statuses else "none")
                           for juror in assigned]


def move_on_stage(actor: User, event: Event, judging_round: JudgingRound, step: int) -> None:
    """The organiser puts the next (or previous) team on stage; its timer waits for a start."""
    if not can_manage_event(actor, event):
        raise NotAllowed()
    schedule, slots = schedule_of(judging_round)
    if schedule is None or not slots:
        raise DomainError(_("Plan the schedule first."))
    position = (schedule.current_position or 0) + step
    schedule.current_position = min(max(position, 1), len(slots))
    schedule.timer_started_at = None
    db.session.commit()


def start_timer(actor: User, event: Event, judging_round: JudgingRound, now: datetime) -> None:
    if not can_manage_event(actor, event):
        raise NotAllowed()
    schedule, _slots = schedule_of(judging_round)
    if schedule is None or schedule.current_position is None:
        raise DomainError(_("Put a team on stage first."))
    schedule.timer_started_at = now
    db.session.commit()
