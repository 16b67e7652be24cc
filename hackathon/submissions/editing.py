"""The team edits its submission: save, submit, return to draft; what is missing; version history.

Every write goes through core.open_for_writing: the row is locked, then the deadline is checked against the server
clock and the lock version the form was loaded with. A save based on an older version raises SubmissionChanged,
so a teammate's work is never silently overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from hackathon.i18n import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.permissions import accepted_team_id
from hackathon.submissions import core
from hackathon.submissions.models import (Attachment, AttachmentKind, Submission, SubmissionStatus,
                                          SubmissionVersion)
from hackathon.teams.models import Team, TeamMember
from hackathon.text import clean_line
from hackathon.webhooks.services import queue_event

EDITABLE_FIELDS = ("title", "tagline", "description", "track_id", "challenge_id", "repository_url", "demo_url",
                   "video_url", "technologies", "credited_user_ids", "show_in_gallery")

FIELD_LABELS = {
    "title": _l("Project title"), "tagline": _l("Tagline"), "description": _l("Description"),
    "track": _l("Track"), "track_id": _l("Track"), "challenge": _l("Challenge"), "challenge_id": _l("Challenge"),
    "repository_url": _l("Source code link"), "demo_url": _l("Demo link"), "video_url": _l("Video link"),
    "technologies": _l("Technologies"), "credited_user_ids": _l("Team members credited"),
    "show_in_gallery": _l("Gallery"), "status": _l("Status"), "attachments": _l("Files"),
    "deck": _l("Pitch deck (PDF)"), "screenshot": _l("At least one screenshot"),
    "archive": _l("ZIP archive of data or code"),
}

ACTION_LABELS = {
    "saved": _l("Saved"), "submitted": _l("Submitted"), "returned_to_draft": _l("Returned to draft"),
    "attachment_added": _l("File added"), "attachment_removed": _l("File removed"),
}


class Incomplete(DomainError):
    """Submitting needs fields that are still empty; `missing` lists them in words."""

    status_code = 400

    def __init__(self, missing: list[str]):
        super().__init__(_("Fill in what is missing before submitting: %(fields)s.", fields=", ".join(missing)))
        self.missing = missing


def check_member(actor: User, event: Event, team: Team) -> None:
    if team.event_id != event.id or accepted_team_id(actor, event) != team.id:
        raise NotAllowed(_("Only members of the team edit its submission."))


def missing_for_submit(submission: Submission | None, required_fields: list[str],
                       attachments: list[Attachment]) -> list[str]:
    """Names, in words, of the required fields still empty (the title is always required)."""
    if submission is None:
        return [str(FIELD_LABELS["title"])]
    kinds = {a.kind for a in attachments}
    values = {
        "title": submission.title, "tagline": submission.tagline, "description": submission.description,
        "track": submission.track_id, "challenge": submission.challenge_id,
        "repository_url": submission.repository_url, "demo_url": submission.demo_url,
        "video_url": submission.video_url, "technologies": submission.technologies,
        "deck": AttachmentKind.deck in kinds, "screenshot": AttachmentKind.screenshot in kinds,
        "archive": AttachmentKind.archive in kinds,
    }
    wanted = ["title", *(f for f in required_fields if f != "title")]
    return [str(FIELD_LABELS[name]) for name in wanted if name in values and not values[name]]




def _check_choices(event: Event, team: Team, values: dict[str, Any]) -> None:
    """Track, challenge and credited members must belong to this event and team (forms check shape only)."""
    from hackathon.mentoring.models import Challenge

    if values.get("track_id") is not None and db.session.scalar(
            select(Track.id).where(Track.id == values["track_id"], Track.event_id == event.id)) is None:
        raise DomainError(_("Choose one of the event's tracks."))
    if values.get("challenge_id") is not None and db.session.scalar(
            select(Challenge.id).where(Challenge.id == values["challenge_id"],
                                       Challenge.event_id == event.id)) is None:
        raise DomainError(_("Choose one of the event's challenges."))
    members = set(db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id)))
    if not set(values.get("credited_user_ids") or []) <= members:
        raise DomainError(_("Only the team's members can be credited."))


def save_submission(actor: User, event: Event, team: Team, values: dict[str, Any], *, expected_version: int | None,
                    now: datetime) -> SubmissionVersion | None:
    """Store the form's values as a new version; an unchanged form stores nothing and returns None.

    A submitted submission stays submitted only while it is complete: a save that empties a required field is
    refused with the list of what is missing.
    """
    check_member(actor, event, team)
    _check_choices(event, team, values)
    values = {**values, "title": clean_line(values.get("title")), "tagline": clean_line(values.get("tagline"))}
    submission = core.open_for_writing(event, team, now, expected_version=expected_version)
    if all(getattr(submission, field) == values[field] for field in EDITABLE_FIELDS):
        db.session.rollback()
        return None
    for field in EDITABLE_FIELDS:
        setattr(submission, field, values[field])
    if submission.status == SubmissionStatus.submitted:
        missing = missing_for_submit(submission, core.settings_for(event).required_fields,
                                     core.live_attachments(submission.id))
        if missing:
            db.session.rollback()
            raise Incomplete(missing)
    version = core.record_version(submission, actor, "saved", now)
    db.session.commit()
    return version


def submit_submission(actor: User, event: Event, team: Team, *, expected_version: int | None,
                      now: datetime) -> Submission:
    """Put the submission in the submitted state if it is complete. Submitting twice is harmless."""
    check_member(actor, event, team)
    submission = core.open_for_writing(event, team, now)
    if submission.status == SubmissionStatus.submitted:
        db.session.rollback()
        return submission
    if expected_version is not None and expected_version != submission.lock_version:
        raise core.SubmissionChanged(submission)
    missing = missing_for_submit(submission, core.settings_for(event).required_fields,
                                 core.live_attachments(submission.id))
    if missing:
        db.session.rollback()
        raise Incomplete(missing)
    submission.status = SubmissionStatus.submitted
    submission.submitted_at = now
    submission.first_submitted_at = submission.first_submitted_at or now
    core.record_version(submission, actor, "submitted", now)
    late = event.submissions_close_at is not None and now > event.submissions_close_at
    record_audit(actor=actor, action="submission.submitted", event_id=event.id, target=submission,
                 after={"team_id": team.id, "late": late})
    queue_event(event, "submission.submitted", {"submission_id": submission.id, "team_id": team.id, "late": late})
    db.session.commit()
    return submission


def return_to_draft(actor: User, event: Event, team: Team, *, now: datetime) -> Submission:
    """The team takes its submission back to edit it at length (only while saving is still open)."""
    check_member(actor, event, team)
    submission = core.open_for_writing(event, team, now)
    if submission.status == SubmissionStatus.draft:
        db.session.rollback()
        return submission
    submission.status = SubmissionStatus.draft
    core.record_version(submission, actor, "returned_to_draft", now)
    record_audit(actor=actor, action="submission.returned_to_draft", event_id=event.id, target=submission,
                 after={"team_id": team.id})
    db.session.commit()
    return submission


# --- history -----------------------------------------------------------------------------------------------------


def versions_of(submission: Submission | None) -> list[SubmissionVersion]:
    """Newest first, with their authors (one query)."""
    if submission is None:
        return []
    return list(db.session.scalars(
        select(SubmissionVersion).options(joinedload(SubmissionVersion.author))
        .where(SubmissionVersion.submission_id == submission.id).order_by(SubmissionVersion.number.desc())))


def version_of(submission: Submission | None, number: int) -> SubmissionVersion:
    if submission is None:
        raise NotFound()
    version = db.session.scalar(select(SubmissionVersion).options(joinedload(SubmissionVersion.author))
                                .where(SubmissionVersion.submission_id == submission.id,
                                       SubmissionVersion.number == number))
    if version is None:
        raise NotFound()
    return version


def changed_in_words(version: SubmissionVersion) -> str:
    names = []
    for field in version.changed_fields or []:
        label = FIELD_LABELS.get(field)
        if label is not None and str(label) not in names:
            names.append(str(label))
    return ", ".join(names)


@dataclass
class FieldComparison:
    name: str
    label: str
    old: Any
    new: Any
    rows: list | None = None  # line diff for long texts

    @property
    def changed(self) -> bool:
        return self.old != self.new


def compare_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[FieldComparison]:
    """Field by field, texts as line differences, lists (technologies, files) as removed/added items."""
    from hackathon.submissions.diff import line_diff, list_diff

    comparisons = []
    for field in core.SNAPSHOT_FIELDS:
        if field in ("credited_user_ids",):
            continue
        comparison = FieldComparison(field, str(FIELD_LABELS.get(field, field)), old.get(field), new.get(field))
        if field in ("description", "tagline", "title") and comparison.changed:
            comparison.rows = line_diff(old.get(field), new.get(field))
        if field == "technologies" and comparison.changed:
            comparison.rows = list_diff(old.get(field), new.get(field))
        comparisons.append(comparison)
    old_files = [f"{a['name']} ({a['kind']})" for a in old.get("attachments") or []]
    new_files = [f"{a['name']} ({a['kind']})" for a in new.get("attachments") or []]
    files = FieldComparison("attachments", str(FIELD_LABELS["attachments"]), old_files, new_files)
    if files.changed:
        files.rows = list_diff(old_files, new_files)
    comparisons.append(files)
    return comparisons
