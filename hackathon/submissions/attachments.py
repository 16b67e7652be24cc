"""Attaching files to a team's submission and removing them.

Every change is one unit of work: the submission row locked and the deadline checked on the server clock
(core.open_for_writing), the attachment row, a new version (core.record_version), an audit entry, one commit.
Bytes go to the storage backend under a random key; the local disk is not part of the transaction, so when the
commit fails the stored file is deleted again (nothing half-written). Attachments never change: removing one
only sets removed_at, so earlier versions, and the version frozen for judging, keep their files.

Limits: UPLOAD_MAX_FILE_BYTES per file, UPLOAD_MAX_TEAM_BYTES over the team's live attachments, one pitch deck
and one archive (a new one replaces the old), at most `max_screenshots` screenshots, archives only when the
organisers allow them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import FileStorage as Upload

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.permissions import accepted_team_id, can_download_attachment, can_edit_submission
from hackathon.submissions import core
from hackathon.submissions.files import FileRefused, Limits, check_file
from hackathon.submissions.models import Attachment, AttachmentKind, Submission, SubmissionSettings
from hackathon.submissions.storage import get_storage, new_key
from hackathon.teams.models import Team

# The same file (same content, kind and name) sent again this soon is a double submit, not a second file.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)
REPLACED_KINDS = (AttachmentKind.deck, AttachmentKind.archive)  # one of each: a new one replaces the old


def format_size(size: int) -> str:
    """A size for people: "20 MB", "512 KB", "80 bytes" (binary units, as file managers show them)."""
    if size >= 1024 * 1024:
        return _("%(number)s MB", number=format_decimal(round(size / 1024 / 1024, 1)))
    if size >= 1024:
        return _("%(number)s KB", number=format_decimal(round(size / 1024)))
    return ngettext("%(number)s byte", "%(number)s bytes", size, number=format_decimal(size))


def _check_member(actor: User, event: Event, team: Team) -> None:
    if not can_edit_submission(actor, event) or accepted_team_id(actor, event) != team.id or team.event_id != event.id:
        raise NotAllowed(_("Only members of the team attach files to its submission."))


def read_upload(upload: Upload | None, max_bytes: int) -> bytes:
    """The uploaded bytes, reading at most one byte more than allowed."""
    if upload is None or not upload.filename:
        raise DomainError(_("Choose a file to upload."))
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(_("This file is too large: at most %(max)s per file.", max=format_size(max_bytes)))
    if not data:
        raise DomainError(_("The file is empty."))
    return data


def _kind(value) -> AttachmentKind:
    try:
        return AttachmentKind(value)
    except ValueError:
        raise DomainError(_("Choose what the file is: a pitch deck, a screenshot or an archive.")) from None


def add_attachment(actor: User, event: Event, team: Team, kind: AttachmentKind | str, upload: Upload | None,
                   now: datetime, expected_version: int | None = None) -> Attachment:
    """Check the uploaded file, store it and attach it to the team's submission (as a new version).

    The same file sent twice within DOUBLE_SUBMIT_WINDOW returns the attachment made by the first request.
    """
    _check_member(actor, event, team)
    kind = _kind(kind)
    config = current_app.config
    data = read_upload(upload, config["UPLOAD_MAX_FILE_BYTES"])
    try:
        checked = check_file(kind, upload.filename, data, Limits.from_config(config))
    except FileRefused as refused:
        raise DomainError(str(refused.message)) from None
    del data

    # The lock is taken after the (slow) check of the content, so a teammate's save is not kept waiting.
    submission = core.open_for_writing(event, team, now)
    live = core.live_attachments(submission.id)
    for same in live:
        if (same.kind == kind and same.sha256 == checked.sha256 and same.display_name == checked.display_name
                and same.created_at >= now - DOUBLE_SUBMIT_WINDOW):
            db.session.rollback()
            return same
    if expected_version is not None and expected_version != submission.lock_version:
        raise core.SubmissionChanged(submission)

    settings = core.settings_for(event)
    replaced = [a for a in live if a.kind == kind] if kind in REPLACED_KINDS else []
    if kind == AttachmentKind.archive and not settings.allow_archive:
        raise DomainError(_("The organisers of this event do not accept archives."))
    if kind == AttachmentKind.screenshot:
        screenshots = [a for a in live if a.kind == kind]
        if len(screenshots) >= settings.max_screenshots:
            raise DomainError(ngettext("Your project already has %(count)d screenshot, the most allowed. Remove it "
                                       "before adding another.", "Your project already has %(count)d screenshots, "
                                       "the most allowed. Remove one before adding another.",
                                       settings.max_screenshots, count=settings.max_screenshots))
    quota = config["UPLOAD_MAX_TEAM_BYTES"]
    used = sum(a.size for a in live if a not in replaced)
    if used + checked.size > quota:
        raise DomainError(_("Your team's files would take %(total)s, more than the %(quota)s allowed per team. "
                            "Remove a file or upload a smaller one.",
                            total=format_size(used + checked.size), quota=format_size(quota)))

    # Removed files keep their bytes for earlier versions, so all bytes ever stored are capped too.
    stored_cap = config["UPLOAD_MAX_TEAM_STORED_BYTES"]
    stored = db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                               .where(Attachment.submission_id == submission.id)) or 0
    if stored + checked.size > stored_cap:
        raise DomainError(_("Your team has uploaded %(total)s in all, counting removed files kept in the version "
                            "history; the limit is %(quota)s. Ask the organisers for help.",
                            total=format_size(stored + checked.size), quota=format_size(stored_cap)))

    for old in replaced:
        old.removed_at = now
    position = max((a.position for a in live if a.kind == kind), default=-1) + 1
    storage = get_storage()
    key = new_key()
    storage.save(key, checked.content)
    try:
        attachment = Attachment(
            submission_id=submission.id, kind=kind, storage_key=key, display_name=checked.display_name,
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256, width=checked.width,
            height=checked.height, position=position, uploaded_by_id=actor.id, created_at=now)
        db.session.add(attachment)
        db.session.flush()
        core.record_version(submission, actor, "attachment_added", now)
        record_audit(actor=actor, action="submission.attachment_added", event_id=event.id, target=attachment,
                     after={"team_id": team.id, "kind": kind.value, "name": checked.display_name,
                            "size": checked.size, "replaced": [a.id for a in replaced]})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if not storage.transactional:
            storage.delete(key)
        raise
    return attachment


def remove_attachment(actor: User, event: Event, team: Team, attachment_id: int, now: datetime) -> Attachment:
    """Take a file off the submission (as a new version). Its bytes stay for the earlier versions. Removing a
    file already removed changes nothing; another team's file is NotFound."""
    _check_member(actor, event, team)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.submission.team_id != team.id or attachment.submission.event_id != event.id:
        raise NotFound()
    submission = core.open_for_writing(event, team, now)
    db.session.refresh(attachment)
    if attachment.removed_at is not None:
        db.session.rollback()
        return attachment
    attachment.removed_at = now
    core.record_version(submission, actor, "attachment_removed", now)
    record_audit(actor=actor, action="submission.attachment_removed", event_id=event.id, target=attachment,
                 before={"team_id": team.id, "kind": attachment.kind.value, "name": attachment.display_name})
    db.session.commit()
    return attachment


def attachment_for_download(user: User | None, event: Event, attachment_id: int, now: datetime
                            ) -> tuple[Attachment, bool]:
    """The attachment and whether it is public (anyone may fetch it), or NotFound for those not allowed, so
    that an id never reveals whether a file exists. Three queries whoever asks: the attachment with its
    submission, the gallery's opening time, and (signed in) the visitor's team."""
    attachment = db.session.scalar(
        select(Attachment).join(Attachment.submission).options(contains_eager(Attachment.submission))
        .where(Attachment.id == attachment_id, Submission.event_id == event.id))
    if attachment is None:
        raise NotFound()
    opened_at = db.session.scalar(select(SubmissionSettings.gallery_opened_at)
                                  .where(SubmissionSettings.event_id == event.id))
    gallery_open = opened_at is not None and opened_at <= now
    public = can_download_attachment(None, attachment, gallery_open=gallery_open)
    if not public and not can_download_attachment(user, attachment, gallery_open=gallery_open):
        raise NotFound()
    return attachment, public


def attachment_bytes(attachment: Attachment) -> bytes:
    return get_storage().open(attachment.storage_key)
