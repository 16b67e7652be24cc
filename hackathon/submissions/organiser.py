"""The organisers' side of submissions: every accepted team's state, deadline exemptions, reminders, the export
and the event's submission settings.

Exemptions. An organiser may give one team more time, always with a reason (audited, and mailed to the team):
- an *extension* while the team can still save (before its deadline, grace period included): the team may save
  until the new time, and a submission put in after the event's deadline counts as late;
- an *unlock* once the submission is frozen for judging: the team may edit again until the given time. What the
  team saves then becomes the version the jurors judge (`core.judged_version` is the last one saved).
Choosing the wrong kind for the team's situation is refused with a message saying which one applies.

Reminders are throttled per team: a team reminded less than REMINDER_INTERVAL ago (the audit log's
"submission.reminded" entries say when) is skipped, so two clicks never mail a team twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from hackathon.i18n import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import AuditEntry, changed_fields, record_audit
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.mentoring.progress import accepted_team_ids_query
from hackathon.permissions import can_manage_submissions
from hackathon.submissions import core
from hackathon.submissions.deadlines import SubmissionState, TeamDeadline, submission_state
from hackathon.submissions.models import (REQUIRABLE_FIELDS, Attachment, DeadlineExemption, ExemptionKind,
                                          Submission, SubmissionSettings, SubmissionStatus)
from hackathon.teams.models import Team, TeamMember

REASON_MAX = 500
MAX_GRACE_MINUTES = 1440
MAX_SCREENSHOTS = 20
# An exemption further away than this is a typing mistake (a year instead of a day).
MAX_EXEMPTION = timedelta(days=60)
REMINDER_INTERVAL = timedelta(hours=6)
REMINDED = "submission.reminded"

STATE_LABELS = {
    SubmissionState.missing: _l("Missing"),
    SubmissionState.draft: _l("Draft"),
    SubmissionState.submitted: _l("Submitted"),
    SubmissionState.late: _l("Late"),
}
KIND_LABELS = {
    ExemptionKind.extension: _l("Extension"),
    ExemptionKind.unlock: _l("Unlock"),
}


def _require_manager(actor: User, event: Event) -> None:
    if not can_manage_submissions(actor, event):
        raise NotAllowed()


def state_of(submission: Submission | None, event: Event) -> SubmissionState:
    """missing / draft / submitted / late. A submission never saved with a title counts as missing."""
    return submission_state(
        exists=submission is not None and bool((submission.title or "").strip()),
        submitted=submission is not None and submission.status == SubmissionStatus.submitted,
        submitted_at=submission.submitted_at if submission is not None else None,
        closes_at=event.submissions_close_at)


def announced_deadline(deadline: TeamDeadline) -> datetime | None:
    """The time a team is told: the event's deadline, or its exemption's if later (the grace period is a
    silent safety margin, not announced)."""
    if deadline.exemption_until is not None and (deadline.closes_at is None
                                                 or deadline.exemption_until > deadline.closes_at):
        return deadline.exemption_until
    return deadline.closes_at


# --- the list ----------------------------------------------------------------------------------------------------


@dataclass
class SubmissionRow:
    """One accepted team as organisers see it."""

    team: Team
    submission: Submission | None
    state: SubmissionState
    deadline: TeamDeadline
    track: Track | None
    challenge_title: str | None = None
    file_count: int = 0
    files: list[Attachment] = field(default_factory=list)
    members: list[User] = field(default_factory=list)

    @property
    def extra_time_until(self) -> datetime | None:
        """The live exemption's end when it gives the team more time than everyone else."""
        deadline = self.deadline
        if deadline.exemption_until is not None and (deadline.grace_until is None
                                                     or deadline.exemption_until > deadline.grace_until):
            return deadline.exemption_until
        return None


@dataclass
class SubmissionList:
    rows: list[SubmissionRow]
    counts: dict[SubmissionState, int]
    total: int


def submission_rows(actor: User, event: Event, *, now: datetime, state: SubmissionState | None = None,
                    track_id: int | None = None, details: bool = False) -> SubmissionList:
    """Every accepted team (accepted or confirmed application) with its submission, state, deadline and number
    of files, by team name; `counts` covers every team, `rows` only those passing the filters. A constant number
    of queries: teams, submissions, one aggregate for files, one for exemptions, tracks (and with `details`, the
    files, members and challenges for the export)."""
    _require_manager(actor, event)
    settings = core.settings_for(event)
    teams = list(db.session.scalars(
        select(Team).where(Team.event_id == event.id, Team.id.in_(accepted_team_ids_query(event)))
        .order_by(Team.name_key, Team.id)))
    submissions = {s.team_id: s for s in db.session.scalars(
        select(Submission).where(Submission.event_id == event.id))}
    deadlines = core.deadlines_for(event, [team.id for team in teams], settings)
    tracks = {track.id: track for track in db.session.scalars(select(Track).where(Track.event_id == event.id))}
    file_counts: dict[int, int] = dict(db.session.execute(
        select(Attachment.submission_id, func.count(Attachment.id))
        .join(Submission, Submission.id == Attachment.submission_id)
        .where(Submission.event_id == event.id, Attachment.removed_at.is_(None))
        .group_by(Attachment.submission_id)).all())
    rows = []
    for team in teams:
        submission = submissions.get(team.id)
        track_of = submission.track_id if submission is not None and submission.track_id else team.track_id
        rows.append(SubmissionRow(team=team, submission=submission, state=state_of(submission, event),
                                  deadline=deadlines[team.id], track=tracks.get(track_of),
                                  file_count=file_counts.get(submission.id, 0) if submission is not None else 0))
    counts = {each: 0 for each in SubmissionState}
    for row in rows:
        counts[row.state] += 1
    if details:
        _add_details(event, rows)
    shown = [row for row in rows if (state is None or row.state == state)
             and (track_id is None or (row.track is not None and row.track.id == track_id))]
    return SubmissionList(rows=shown, counts=counts, total=len(rows))


def _add_details(event: Event, rows: list[SubmissionRow]) -> None:
    """Files, members and challenge titles for every row, in three queries."""
    from hackathon.mentoring.models import Challenge

    by_submission = {row.submission.id: row for row in rows if row.submission is not None}
    by_team = {row.team.id: row for row in rows}
    if by_submission:
        for attachment in db.session.scalars(
                select(Attachment).where(Attachment.submission_id.in_(by_submission),
                                         Attachment.removed_at.is_(None))
                .order_by(Attachment.position, Attachment.id)):
            by_submission[attachment.submission_id].files.append(attachment)
    if by_team:
        for team_id, user in db.session.execute(
                select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                .where(TeamMember.event_id == event.id, TeamMember.team_id.in_(by_team))
                .order_by(TeamMember.joined_at, TeamMember.id)):
            by_team[team_id].members.append(user)
    challenges = dict(db.session.execute(select(Challenge.id, Challenge.title)
                                         .where(Challenge.event_id == event.id)).all())
    for row in rows:
        if row.submission is not None and row.submission.challenge_id:
            row.challenge_title = challenges.get(row.submission.challenge_id)


def export_table(actor: User, event: Event, *, now: datetime) -> tuple[list[str], list[list[object]]]:
    """The CSV export as a header and rows, one row per accepted team (times in UTC, ISO 8601). The caller
    writes it with applications.export.csv_document, which neutralises formulas."""
    listing = submission_rows(actor, event, now=now, details=True)
    header = [_("Team"), _("Members"), _("State"), _("Title"), _("Tagline"), _("Track"), _("Challenge"),
              _("Repository"), _("Demo"), _("Video"), _("Technologies"), _("Submitted at (UTC)"),
              _("Last saved (UTC)"), _("Files")]
    rows = []
    for row in listing.rows:
        submission = row.submission
        rows.append([
            row.team.name, "; ".join(user.name for user in row.members), str(STATE_LABELS[row.state]),
            submission.title if submission else "", submission.tagline if submission else "",
            row.track.name if row.track else "", row.challenge_title or "",
            submission.repository_url if submission else "", submission.demo_url if submission else "",
            submission.video_url if submission else "",
            ", ".join(submission.technologies or []) if submission else "",
            _iso(submission.submitted_at) if submission else "", _iso(submission.last_saved_at) if submission else "",
            "; ".join(f.display_name for f in row.files),
        ])
    return header, rows


def export_filename(slug: str, now: datetime) -> str:
    """`submissions-<slug>-<date>.csv` with only safe characters (no quotes, slashes or line breaks)."""
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-")[:64] or "event"
    return f"submissions-{safe}-{now:%Y%m%d}.csv"


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# --- one team ------------------------------------------------------------------------------------------------


def accepted_team(event: Event, team_id: int) -> Team:
    """The event's accepted (or confirmed) team, else NotFound: other events' and other teams' ids are 404."""
    team = db.session.scalar(select(Team).where(Team.id == team_id, Team.event_id == event.id,
                                                Team.id.in_(accepted_team_ids_query(event))))
    if team is None:
        raise NotFound()
    return team


@dataclass
class ExemptionEntry:
    exemption: DeadlineExemption
    revoked_by: User | None

    @property
    def live(self) -> bool:
        return self.exemption.revoked_at is None


@dataclass
class TeamSubmission:
    team: Team
    submission: Submission | None
    state: SubmissionState
    deadline: TeamDeadline
    frozen: bool
    exemptions: list[ExemptionEntry]


def team_submission(actor: User, event: Event, team_id: int, *, now: datetime) -> TeamSubmission:
    """One accepted team's submission, state, deadline and every exemption (newest first, with who revoked)."""
    _require_manager(actor, event)
    team = accepted_team(event, team_id)
    submission = core.team_submission(event, team.id)
    exemptions = list(db.session.scalars(
        select(DeadlineExemption).where(DeadlineExemption.event_id == event.id, DeadlineExemption.team_id == team.id)
        .options(joinedload(DeadlineExemption.granted_by))
        .order_by(DeadlineExemption.granted_at.desc(), DeadlineExemption.id.desc())))
    revokers: dict[int, User | None] = {}
    if exemptions:
        for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.event_id == event.id,
                                         AuditEntry.action == "submission.exemption_revoked",
                                         AuditEntry.target_type == "DeadlineExemption",
                                         AuditEntry.target_id.in_([e.id for e in exemptions]))
                .options(joinedload(AuditEntry.actor))):
            revokers[entry.target_id] = entry.actor
    deadline = core.deadline_for(event, team.id)
    return TeamSubmission(team=team, submission=submission, state=state_of(submission, event), deadline=deadline,
                          frozen=deadline.is_frozen(now),
                          exemptions=[ExemptionEntry(e, revokers.get(e.id)) for e in exemptions])


def _members(team_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id, User.is_active_account.is_(True))
        .order_by(TeamMember.joined_at, TeamMember.id)))


def team_page_url(event: Event) -> str:
    """The team's submission page (where members edit), as an absolute link for mail."""
    return url_for("submissions.edit", slug=event.slug, _external=True)


def grant_exemption(actor: User, event: Event, team: Team, kind: ExemptionKind | str, until: datetime | None,
                    reason: str, *, now: datetime) -> DeadlineExemption:
    """Give one accepted team more time (see the module's docstring for extension versus unlock): audited with
    the reason, and every member is told by mail in their language. The same grant sent twice is stored once."""
    _require_manager(actor, event)
    team = accepted_team(event, team.id)
    try:
        kind = ExemptionKind(kind)
    except ValueError:
        raise DomainError(_("Choose an extension or an unlock.")) from None
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason: it is kept in the audit log and sent to the team."))
    if len(reason) > REASON_MAX:
        raise DomainError(ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", REASON_MAX,
                                   max=REASON_MAX))
    if until is None or until <= now:
        raise DomainError(_("Choose a time in the future."))
    if until > now + MAX_EXEMPTION:
        raise DomainError(ngettext("Choose a time within %(days)d day from now.", "Choose a time within %(days)d days "
                                   "from now.", MAX_EXEMPTION.days, days=MAX_EXEMPTION.days))
    if event.submissions_close_at is None:
        raise Conflict(_("The event has no submission deadline: teams can save at any time."))
    same = db.session.scalar(select(DeadlineExemption).where(
        DeadlineExemption.event_id == event.id, DeadlineExemption.team_id == team.id,
        DeadlineExemption.kind == kind, DeadlineExemption.until == until, DeadlineExemption.reason == reason,
        DeadlineExemption.revoked_at.is_(None)).limit(1))
    if same is not None:  # a double submit
        return same
    deadline = core.deadline_for(event, team.id)
    frozen = deadline.is_frozen(now)
    if kind == ExemptionKind.extension and frozen:
        raise Conflict(_("This team's submission is already frozen for judging: unlock it instead."))
    if kind == ExemptionKind.unlock and not frozen:
        raise Conflict(_("This team can still save: grant an extension instead."))
    if kind == ExemptionKind.extension and deadline.effective_until is not None and until <= deadline.effective_until:
        raise Conflict(_("The team can already save until then: choose a later time."))
    exemption = DeadlineExemption(event_id=event.id, team_id=team.id, kind=kind, until=until, reason=reason,
                                  granted_by_id=actor.id, granted_at=now)
    db.session.add(exemption)
    db.session.flush()
    record_audit(actor=actor, action=f"submission.{kind.value}_granted", event_id=event.id, target=exemption,
                 after={"team_id": team.id, "team": team.name, "kind": kind, "until": until}, reason=reason)
    link = team_page_url(event)
    for member in _members(team.id):
        queue_mail(member.email, "deadline_exemption", locale=member.locale, event_id=event.id, event=event,
                   team_name=team.name, kind=kind.value, until=until, reason=reason, submission_url=link)
    db.session.commit()
    return exemption


def revoke_exemption(actor: User, event: Event, team: Team, exemption_id: int, *, now: datetime
                     ) -> DeadlineExemption:
    """Withdraw a live exemption (audited): the team's deadline is the event's again, or the next live one."""
    _require_manager(actor, event)
    team = accepted_team(event, team.id)
    exemption = db.session.get(DeadlineExemption, exemption_id)
    if exemption is None or exemption.event_id != event.id or exemption.team_id != team.id:
        raise NotFound()
    if exemption.revoked_at is not None:
        raise Conflict(_("This exemption is already revoked."))
    exemption.revoked_at = now
    record_audit(actor=actor, action="submission.exemption_revoked", event_id=event.id, target=exemption,
                 before={"team_id": team.id, "team": team.name, "kind": exemption.kind, "until": exemption.until})
    db.session.commit()
    return exemption


# --- reminders -----------------------------------------------------------------------------------------------


@dataclass
class Reminders:
    teams: int = 0
    people: int = 0
    skipped: int = 0  # reminded less than REMINDER_INTERVAL ago


def remind_teams(actor: User, event: Event, *, now: datetime) -> Reminders:
    """Mail every member of each team without a submitted project (missing or draft) whose deadline has not
    passed, in their language, with the team's deadline in the event's timezone; one audit entry per team,
    which also keeps a team from being reminded again within REMINDER_INTERVAL."""
    listing = submission_rows(actor, event, now=now)
    due = [row for row in listing.rows
           if row.state in (SubmissionState.missing, SubmissionState.draft) and row.deadline.is_open(now)]
    recent = set(db.session.scalars(select(AuditEntry.target_id).where(
        AuditEntry.event_id == event.id, AuditEntry.action == REMINDED, AuditEntry.target_type == "Team",
        AuditEntry.created_at > now - REMINDER_INTERVAL)))
    due_ids = [row.team.id for row in due if row.team.id not in recent]
    members: dict[int, list[User]] = {}
    if due_ids:
        for team_id, user in db.session.execute(
                select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                .where(TeamMember.team_id.in_(due_ids), User.is_active_account.is_(True))
                .order_by(TeamMember.joined_at, TeamMember.id)):
            members.setdefault(team_id, []).append(user)
    result = Reminders(skipped=len(due) - len(due_ids))
    link = team_page_url(event)
    for row in due:
        people = members.get(row.team.id, [])
        if not people:
            continue
        for user in people:
            queue_mail(user.email, "submission_reminder", locale=user.locale, event_id=event.id, event=event,
                       team_name=row.team.name, state=row.state.value, deadline=announced_deadline(row.deadline),
                       submission_url=link)
        entry = record_audit(actor=actor, action=REMINDED, event_id=event.id, target=row.team,
                             after={"state": row.state, "people": len(people)})
        entry.created_at = now
        result.teams += 1
        result.people += len(people)
    db.session.commit()
    return result


# --- settings ------------------------------------------------------------------------------------------------


def update_settings(actor: User, event: Event, *, required_fields: list[str], grace_minutes: int,
                    max_screenshots: int, allow_archive: bool, gallery_open: bool, now: datetime
                    ) -> SubmissionSettings:
    """Save the event's submission options (audited with what changed). Opening the gallery keeps its first
    opening time; closing it clears it (publishing the results opens it again)."""
    _require_manager(actor, event)
    unknown = set(required_fields) - set(REQUIRABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field: %(name)s.", name=sorted(unknown)[0][:40]))
    if grace_minutes is None or not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
        raise DomainError(ngettext("The grace period must be between 0 and %(max)d minute.",
                                   "The grace period must be between 0 and %(max)d minutes.", MAX_GRACE_MINUTES,
                                   max=MAX_GRACE_MINUTES))
    if max_screenshots is None or not 0 <= max_screenshots <= MAX_SCREENSHOTS:
        raise DomainError(_("The number of screenshots must be between 0 and %(max)d.", max=MAX_SCREENSHOTS))
    if "screenshot" in required_fields and max_screenshots == 0:
        raise DomainError(_("A screenshot cannot be required when no screenshot is allowed."))
    if "archive" in required_fields and not allow_archive:
        raise DomainError(_("A ZIP archive cannot be required when archives are not allowed."))
    settings = core.settings_for(event)
    opened_at = (settings.gallery_opened_at or now) if gallery_open else None
    values = {"required_fields": [name for name in REQUIRABLE_FIELDS if name in required_fields],
              "grace_minutes": grace_minutes, "max_screenshots": max_screenshots,
              "allow_archive": bool(allow_archive), "gallery_opened_at": opened_at}
    before, after = changed_fields(settings, values)
    for key, value in values.items():
        setattr(settings, key, value)
    if after:
        record_audit(actor=actor, action="submission.settings_updated", event_id=event.id, target=settings,
                     before=before, after=after)
    db.session.commit()
    return settings
