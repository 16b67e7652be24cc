"""Personal data pages: thin views over privacy.export and privacy.services.

- `privacy.data_json`, `privacy.data_zip`: the signed-in person's own export (no URL names a person).
- `privacy.erase`: the signed-in person deletes their own account, with their password.
"""
from __future__ import annotations

import tempfile

from flask import Response, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from hackathon.accounts.views import auth_limit
from hackathon.errors import DomainError
from hackathon.extensions import limiter
from hackathon.privacy import bp, export, services
from hackathon.privacy.forms import EraseAccountForm
from hackathon.privacy.models import DataRequestKind

# The ZIP is written to memory up to this size, then to a temporary file on disk.
ZIP_SPOOL_BYTES = 4 * 1024 * 1024


def _download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


@bp.route("/account/data.json", endpoint="data_json")
@login_required
def data_json():
    data = export.person_data(current_user)
    services.note_data_request(current_user, DataRequestKind.export, export.related_event_ids(data))
    return Response(export.to_json(data), mimetype="application/json",
                    headers=_download_headers("personal-data.json"))


@bp.route("/account/data.zip", endpoint="data_zip")
@login_required
def data_zip():
    from hackathon.submissions.storage import get_storage

    data = export.person_data(current_user)
    services.note_data_request(current_user, DataRequestKind.export, export.related_event_ids(data))
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)
    try:
        export.write_zip(data, spool, storage=get_storage(current_app))
        size = spool.tell()
    except BaseException:
        spool.close()
        raise
    headers = _download_headers("personal-data.zip") | {"Content-Length": str(size)}
    return Response(export.iter_file(spool), mimetype="application/zip", headers=headers, direct_passthrough=True)


@bp.route("/account/delete", methods=["GET", "POST"], endpoint="erase")
@login_required
@limiter.limit(auth_limit, methods=["POST"])
def erase():
    """The person's own account only: no URL names a person. Refusals (the only organiser, the only admin) are
    shown before the form and said again if posted anyway."""
    form = EraseAccountForm()
    blockers = services.erasure_blockers(current_user)
    if form.validate_on_submit():
        try:
            report = services.erase_account(current_user, form.password.data)
        except services.WrongPassword as error:
            form.password.errors.append(error.message)
        except DomainError as error:
            flash(error.message, "error")
        else:
            logout_user()
            session.clear()
            flash(ngettext("Your account is deleted. %(num)d file you uploaded is kept without your name because "
                           "your team's project shows it.",
                           "Your account is deleted. %(num)d files you uploaded are kept without your name because "
                           "your team's project shows them.", report.files_kept)
                  if report.files_kept else _("Your account is deleted."), "success")
            return redirect(url_for("events.index"))
    return render_template("privacy/erase.html", form=form, blockers=blockers)
