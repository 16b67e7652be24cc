"""The applicants import page (organisers): upload, check and preview, adjust the mapping, import."""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hackathon.applications import bp
from hackathon.applications import import_service as service
from hackathon.applications.import_forms import UploadForm, mapping_form
from hackathon.events.models import Event
from hackathon.permissions import can_decide_applications, event_route

UPLOAD_KEEP_SECONDS = 3600


def _upload_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "hackathon-imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _upload_path(event: Event, token: str) -> Path | None:
    """The stored upload of this organiser at this event; None for a token that is not ours (or not a token)."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    return _upload_dir() / f"{event.id}-{current_user.id}-{token}"


def _store(event: Event, storage) -> str:
    directory = _upload_dir()
    now = time.time()
    for old in directory.iterdir():  # uploads nobody imported are not kept
        try:
            if now - old.stat().st_mtime > UPLOAD_KEEP_SECONDS:
                old.unlink()
        except OSError:
            pass
    token = service.new_upload_token()
    storage.save(str(_upload_path(event, token)))
    return token


def _page(event: Event, upload_form, form=None, report=None, error: str | None = None):
    return render_template("applications/import.html", event=event, upload_form=upload_form, form=form,
                           report=report, error=error, max_rows=service.max_rows(),
                           labels=dict(service.target_choices(event, str(get_locale()))))


@bp.route("/events/<slug>/applications/import", methods=["GET", "POST"])
@event_route(can_decide_applications)
def import_applicants(event: Event):
    upload_form = UploadForm()
    if request.method != "POST":
        return _page(event, upload_form)
    choices = service.target_choices(event, str(get_locale()))
    storage = request.files.get("file")
    if storage is not None and storage.filename:
        token = _store(event, storage)
        mapping = None
    else:
        token = request.form.get("upload", "")
        path = _upload_path(event, token)
        if not token:
            return _page(event, upload_form, error=_("Choose a CSV or XLSX file."))
        if path is None or not path.exists():
            return _page(event, upload_form, error=_("The uploaded file is no longer here: upload the file again."))
        mapping = {int(name.removeprefix("column_")): value for name, value in request.form.items()
                   if re.fullmatch(r"column_\d{1,3}", name)}
    path = _upload_path(event, token)
    importing = mapping is not None and "do_import" in request.form
    try:
        with open(path, "rb") as source:
            report = service.import_applicants(current_user, event, source, mapping=mapping, dry_run=not importing)
    except service.ImportRefused as error:
        if mapping is None:
            os.unlink(path)
            return _page(event, upload_form, error=error.message)
        report = None
        refusal = error.message
    else:
        refusal = None
    if report is not None and importing and report.ok:
        os.unlink(path)
        flash(ngettext("%(num)d applicant imported.", "%(num)d applicants imported.", report.rows) + " " + _(
            "New accounts (invited by mail to set a password): %(accounts)s; new applications: %(created)s; "
            "updated: %(updated)s; unchanged: %(unchanged)s.", accounts=report.accounts_created,
            created=report.applications_created, updated=report.applications_updated,
            unchanged=report.unchanged), "success")
        return redirect(url_for("applications.review_queue", slug=event.slug))
    header = report.header if report is not None else []
    if report is None:
        with open(path, "rb") as source:
            header = _header_of(source)
    form = mapping_form(header, choices, report.mapping if report is not None else mapping or {})
    form.upload.data = token
    return _page(event, upload_form, form=form, report=report, error=refusal)


def _header_of(source) -> list[str]:
    from hackathon.applications.import_rows import FileProblem, read_rows

    try:
        for cells in read_rows(source):
            if any(cell.strip() for cell in cells):
                return [cell.strip() for cell in cells]
    except FileProblem:
        pass
    return []
