"""Shared building blocks of the submission services: settings, the team's deadline, row locks, versions.

Every write to a submission goes through `open_for_writing` (row lock, then the deadline checked against the
server clock inside that transaction) and ends with `record_version` (lock_version bumped, snapshot stored).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hackathon.accounts.models import User
from hackathon.errors import Conflict, NotFound, OutOfPhase
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.submissions.deadlines import TeamDeadline, team_deadline
from hackathon.submissions.models import (Attachment, DeadlineExemption, Submission, SubmissionSettings,
                                          SubmissionStatus, SubmissionVersion)
from hackathon.teams.models import Team

# The fields a version snapshot holds and a comparison shows, in form order.
SNAPSHOT_FIELDS = ("title", "tagline", "description", "track_id", "challenge_id", "repository_url", "demo_url",
                   "video_url", "technologies", "credited_user_ids", "show_in_gallery", "status")


class DeadlinePassed(OutOfPhase):
    """The team's deadline (with grace period and exemptions) has passed: the submission is frozen."""


class SubmissionChanged(Conflict):
    """Someone else saved the submission since this form was loaded (optimistic lock)."""

    def __init__(self, current: Submission):
        super().__init__(_("Someone in your team saved the submission while you were editing it. Your changes "
                           "are below, next to the saved version: merge them and save again."))
        self.current = current


def settings_for(event: Event) -> SubmissionSettings:
    """The event's submission settings, created with defaults on first use (not committed here)."""
    settings = db.session.scalar(select(SubmissionSettings).where(SubmissionSettings.event_id == event.id))
    if settings is None:
        settings = SubmissionSettings(event_id=event.id)
        db.session.add(settings)
        db.session.flush()
    return settings


def deadline_for(event: Event, team_id: int, settings: SubmissionSettings | None = None,
                 now: datetime | None = None) -> TeamDeadline:
    """The team's deadline: the event's, plus the grace period, or a live exemption's if later."""
    settings = settings or settings_for(event)
    untils = list(db.session.scalars(
        select(DeadlineExemption.until).where(DeadlineExemption.event_id == event.id,
                                              DeadlineExemption.team_id == team_id,
                                              DeadlineExemption.revoked_at.is_(None))))
    return team_deadline(event.submissions_close_at, settings.grace_minutes, untils)


def deadlines_for(event: Event, team_ids: list[int], settings: SubmissionSettings) -> dict[int, TeamDeadline]:
    """Every listed team's deadline in one query (for lists)."""
    untils: dict[int, list[datetime]] = {team_id: [] for team_id in team_ids}
    rows = db.session.execute(
        select(DeadlineExemption.team_id, DeadlineExemption.until)
        .where(DeadlineExemption.event_id == event.id, DeadlineExemption.revoked_at.is_(None)))
    for team_id, until in rows:
        untils.setdefault(team_id, []).append(until)
    return {team_id: team_deadline(event.submissions_close_at, settings.grace_minutes, untils.get(team_id, []))
            for team_id in team_ids}


def team_submission(event: Event, team_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.event_id == event.id,
                                                      Submission.team_id == team_id))


def ensure_submission(event: Event, team: Team) -> Submission:
    """The team's submission, created as an empty draft if there is none (two first saves make one row)."""
    submission = team_submission(event, team.id)
    if submission is not None:
        return submission
    submission = Submission(event_id=event.id, team_id=team.id, track_id=team.track_id,
                            credited_user_ids=[member.user_id for member in team.members])
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite serialises writers, so there is no race to guard; and pysqlite would turn a savepoint opened
        # outside a transaction into a commit of its own, keeping the row even if the caller rolls back.
        db.session.add(submission)
        db.session.flush()
        return submission
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        submission = team_submission(event, team.id)
        if submission is None:
            raise
    return submission


def lock(submission: Submission) -> Submission:
    """Re-read the row under a row lock (PostgreSQL; SQLite serialises writers anyway), fresh from the database."""
    locked = db.session.scalar(select(Submission).where(Submission.id == submission.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked is None:
        raise NotFound()
    return locked


def open_for_writing(event: Event, team: Team, now: datetime, *, expected_version: int | None = None
                     ) -> Submission:
    """The team's submission, locked for this transaction, after checking the deadline and the lock version.

    `now` is the server clock read by the caller's request; the check happens after the lock is taken, so a
    save that waited on another one is still judged against the deadline.
    """
    if deadline_for(event, team.id).is_frozen(now):  # checked first too, so a refused save creates no row
        raise DeadlinePassed(_("The submission deadline has passed: the submission is frozen for judging. "
                               "Ask the organisers if you need an extension."))
    submission = lock(ensure_submission(event, team))
    deadline = deadline_for(event, team.id)
    if deadline.is_frozen(now):
        raise DeadlinePassed(_("The submission deadline has passed: the submission is frozen for judging. "
                               "Ask the organisers if you need an extension."))
    if expected_version is not None and expected_version != submission.lock_version:
        raise SubmissionChanged(submission)
    return submission


def live_attachments(submission_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.submission_id == submission_id, Attachment.removed_at.is_(None))
        .order_by(Attachment.position, Attachment.id)))


def snapshot(submission: Submission) -> dict[str, Any]:
    """Everything a version keeps: the fields and the live attachments (by id, kind, name, size)."""
    data: dict[str, Any] = {}
    for field in SNAPSHOT_FIELDS:
        value = getattr(submission, field)
        data[field] = value.value if isinstance(value, SubmissionStatus) else value
    data["attachments"] = [
        {"id": a.id, "kind": a.kind.value, "name": a.display_name, "size": a.size,
         "content_type": a.content_type}
        for a in live_attachments(submission.id)]
    return data


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return [key for key, value in after.items() if value not in ("", [], None, False, "draft")]
    return [key for key in after if before.get(key) != after[key]]


def latest_version(submission_id: int) -> SubmissionVersion | None:
    return db.session.scalar(select(SubmissionVersion).where(SubmissionVersion.submission_id == submission_id)
                             .order_by(SubmissionVersion.number.desc()).limit(1))


def record_version(submission: Submission, actor: User | None, action: str, now: datetime) -> SubmissionVersion:
    """Bump lock_version and store the new state as the next version (called inside the writer's transaction)."""
    db.session.flush()
    previous = latest_version(submission.id)
    after = snapshot(submission)
    submission.lock_version += 1
    submission.last_saved_at = now
    submission.last_saved_by_id = actor.id if actor is not None else None
    version = SubmissionVersion(submission_id=submission.id, number=submission.lock_version, snapshot=after,
                                changed_fields=changed_fields(previous.snapshot if previous else None, after),
                                action=action, author_id=actor.id if actor is not None else None, created_at=now)
    db.session.add(version)
    db.session.flush()
    return version


def judged_version(submission: Submission) -> SubmissionVersion | None:
    """The version jurors judge: the last one saved. Saving stops at the team's deadline (the server refuses
    later saves unless an organiser granted an extension or unlocked the team), so once the deadline has passed
    this is the version frozen at the deadline."""
    return latest_version(submission.id)
