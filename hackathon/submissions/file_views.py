"""Project files: the team uploads and removes them; the allowed fetch them.

Who may do what (the services re-check every rule):
- `submissions.upload`, `submissions.remove_file`: members of an accepted team, for their own team (another
  team's file id is a 404); refusals (type, size, quota, deadline, a teammate's change) are flashed on the team's
  submission page.
- `submissions.attachment`: the team and the event's organisers; anyone, signed in or not, once the gallery is
  open for a submitted project whose team opted in (live files only). Everybody else gets a 404, so an id never
  tells whether a file exists.

`attachment_context(...)` gives the team's submission page what `templates/submissions/_attachments.html`
needs (the file list and the upload forms).
"""
from __future__ import annotations

import io
from datetime import datetime

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from hackathon.i18n import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.widgets import HiddenInput

from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import BaseForm, EmptyForm, IntegerField, optional, options, required
from hackathon.permissions import accepted_team_id, can_edit_submission, event_route
from hackathon.submissions import attachments as services
from hackathon.submissions import bp, core
from hackathon.submissions.deadlines import TeamDeadline
from hackathon.submissions.files import CONTENT_TYPES, EXTENSIONS, allowed_extensions
from hackathon.submissions.models import Attachment, AttachmentKind, Submission, SubmissionSettings
from hackathon.teams.models import Team

# Shown in the browser; everything else is downloaded (Content-Disposition: attachment).
INLINE_TYPES = ("image/png", "image/jpeg", "image/webp")
PUBLIC_MAX_AGE = 300  # seconds a shared cache may keep a public gallery file


def kind_labels() -> dict[AttachmentKind, str]:
    return {AttachmentKind.deck: _("Pitch deck"), AttachmentKind.screenshot: _("Screenshot"),
            AttachmentKind.archive: _("Archive (ZIP)")}


def _type_names() -> dict[AttachmentKind, str]:
    return {AttachmentKind.deck: _("PDF"), AttachmentKind.screenshot: _("PNG, JPEG or WebP"),
            AttachmentKind.archive: _("ZIP")}


class UploadForm(BaseForm):
    """The fields of an upload besides the file itself (read from request.files)."""

    kind = SelectField(_l("Kind of file"), choices=options((kind.value, kind.value) for kind in AttachmentKind),
                       validators=[required()])
    # The submission's lock_version when the page was loaded: a teammate's change in between is reported.
    version = IntegerField(widget=HiddenInput(), validators=[optional()])


# --- what the team's submission page shows ----------------------------------------------------------------------


def attachment_context(event: Event, submission: Submission | None, team: Team, *,
                       settings: SubmissionSettings | None = None, deadline: TeamDeadline | None = None,
                       now: datetime | None = None) -> dict:
    """Variables of `templates/submissions/_attachments.html` for the team's page (two queries; pass `settings`
    and `deadline` when the page has them already)."""
    now = now or utcnow()
    settings = settings or core.settings_for(event)
    deadline = deadline or core.deadline_for(event, team.id, settings)
    files = list(db.session.scalars(
        select(Attachment).options(joinedload(Attachment.uploaded_by))
        .where(Attachment.submission_id == submission.id, Attachment.removed_at.is_(None))
        .order_by(Attachment.position, Attachment.id))) if submission is not None else []
    order = list(AttachmentKind)
    files.sort(key=lambda a: order.index(a.kind))  # deck, screenshots, archive (a stable sort keeps positions)
    labels, types = kind_labels(), _type_names()
    config = current_app.config
    max_file = services.format_size(config["UPLOAD_MAX_FILE_BYTES"])
    screenshots = sum(1 for a in files if a.kind == AttachmentKind.screenshot)
    slots = []
    for kind in AttachmentKind:
        if kind == AttachmentKind.archive and not settings.allow_archive:
            continue
        accept = allowed_extensions(kind) + [CONTENT_TYPES[found] for found in EXTENSIONS[kind]]
        current = next((a for a in files if a.kind == kind), None) if kind in services.REPLACED_KINDS else None
        full = kind == AttachmentKind.screenshot and screenshots >= settings.max_screenshots
        if kind == AttachmentKind.screenshot:
            rule = ngettext("%(types)s, up to %(size)s each; at most %(count)d screenshot. Photos are turned upright "
                            "and their metadata (such as location) removed.",
                            "%(types)s, up to %(size)s each; at most %(count)d screenshots. Photos are turned upright "
                            "and their metadata (such as location) removed.", settings.max_screenshots,
                            types=types[kind], size=max_file, count=settings.max_screenshots)
        elif kind == AttachmentKind.deck:
            rule = _("%(types)s, up to %(size)s. A new deck replaces the current one.", types=types[kind],
                     size=max_file)
        else:
            rule = _("%(types)s, up to %(size)s. A new archive replaces the current one; it is checked, never "
                     "unpacked on the server.", types=types[kind], size=max_file)
        label = labels[kind]
        if current is not None:
            label = _("Replace the pitch deck") if kind == AttachmentKind.deck else _("Replace the archive")
        slots.append({"kind": kind.value, "label": label, "accept": ",".join(accept), "rule": rule,
                      "current": current, "full": full})
    used = sum(a.size for a in files)
    return {
        "attachments": files,
        "attachment_slots": slots,
        "attachment_labels": {kind.value: label for kind, label in labels.items()},
        "attachment_version": submission.lock_version if submission is not None else 0,
        "attachment_remove_form": EmptyForm(formdata=None),
        "files_open": deadline.is_open(now),
        "files_used": services.format_size(used),
        "files_quota": services.format_size(config["UPLOAD_MAX_TEAM_BYTES"]),
        "file_size": services.format_size,
    }


# --- routes ------------------------------------------------------------------------------------------------------


def _team(event: Event) -> Team:
    team = db.session.get(Team, accepted_team_id(current_user, event))
    if team is None:
        abort(403)
    return team


def _back(event: Event) -> str:
    """The team's submission page, at its files section."""
    return url_for("submissions.edit", slug=event.slug, _anchor="files")


@bp.route("/events/<slug>/submission/files", methods=["POST"], endpoint="upload")
@event_route(can_edit_submission)
def upload(event: Event):
    form = UploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(_back(event))
    try:
        attachment = services.add_attachment(current_user, event, _team(event), form.kind.data,
                                             request.files.get("file"), utcnow(), expected_version=form.version.data)
    except (NotFound, NotAllowed):
        raise
    except core.SubmissionChanged:
        db.session.rollback()
        flash(_("Someone in your team changed the submission while you were choosing this file, so it was not "
                "added. Check the files below and upload it again if it is still needed."), "error")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("“%(name)s” is attached to your submission.", name=attachment.display_name), "success")
    return redirect(_back(event))


@bp.route("/events/<slug>/submission/files/<id:attachment_id>/remove", methods=["POST"], endpoint="remove_file")
@event_route(can_edit_submission)
def remove_file(event: Event, attachment_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attachment = services.remove_attachment(current_user, event, _team(event), attachment_id, utcnow())
    except NotFound:
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("“%(name)s” is removed from your submission. Earlier versions still show it.",
                name=attachment.display_name), "success")
    return redirect(_back(event))


@bp.route("/events/<slug>/files/<id:attachment_id>", endpoint="attachment")
@event_route()
def attachment(event: Event, attachment_id: int):
    try:
        found, public = services.attachment_for_download(current_user, event, attachment_id, utcnow())
        data = services.attachment_bytes(found)
    except NotFound:
        abort(404)
    except FileNotFoundError:
        current_app.logger.error("Attachment %s has no stored bytes (key %s)", found.id, found.storage_key)
        abort(404)
    inline = found.content_type in INLINE_TYPES
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=not inline,
                         download_name=found.display_name, etag=found.sha256, conditional=True, max_age=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not inline:  # opened anyway (say, a PDF viewer in the browser): no scripts, no requests, no same origin
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if public:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    else:
        response.cache_control.private = True
    return response
