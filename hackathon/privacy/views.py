"""Personal data pages: thin views over privacy.export and privacy.services.

- `privacy.data_json`, `privacy.data_zip`: the signed-in person's own export (no URL names a person).
- `privacy.erase`: the signed-in person deletes their own account, with their password.
- `privacy.consent`: the signed-in person accepts the changed data policies of events they applied to.
- `privacy.event_privacy`: organisers set the event's retention period and see how many people exported or
  erased their data (never who) and the versions of its data policy.
"""
from __future__ import annotations

import tempfile

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user, user_logged_in
from sqlalchemy import select

from hackathon.accounts.views import auth_limit
from hackathon.applications.answers import pick_text
from hackathon.errors import DomainError
from hackathon.extensions import db, limiter
from hackathon.i18n import current_locale
from hackathon.permissions import can_manage_event, event_route, is_safe_next
from hackathon.privacy import bp, export, retention, services
from hackathon.privacy import cli as _cli  # noqa: F401  (`flask privacy purge-due` registers on import)
from hackathon.privacy.forms import ConsentAgainForm, EraseAccountForm, RetentionForm
from hackathon.privacy.models import ConsentVersion, DataRequestKind, PrivacySettings

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


# --- Consent asked again -------------------------------------------------------------------------------------------

CONSENT_CHECK = "_privacy_consent_check"  # set on sign-in: the next page checks for changed data policies once
# Pages of an event's own application: its changed data policy is asked there before anything else.
APPLICATION_ENDPOINTS = frozenset({"applications.apply", "applications.edit"})


def _flag_consent_check(app, user, **_extra) -> None:
    """On sign-in (the sign-in request pays the query): remember whether a changed data policy awaits them."""
    if retention.outstanding_consents(user):
        session[CONSENT_CHECK] = True


@bp.record_once
def _connect_sign_in(state) -> None:
    user_logged_in.connect(_flag_consent_check, state.app)


@bp.before_app_request
def ask_consent_again():
    """At the first page after signing in (when the sign-in found a changed data policy), and on an event's
    application pages: someone who accepted an older version of a data policy is sent to accept the new one (GET
    only; a sign-out or the consent page itself pass)."""
    if request.method != "GET" or not current_user.is_authenticated or request.endpoint in (
            "privacy.consent", "static", "accounts.logout"):
        return None
    if request.endpoint in APPLICATION_ENDPOINTS:
        from hackathon.events.models import Event

        event = db.session.scalar(select(Event).where(Event.slug == (request.view_args or {}).get("slug")))
        if event is None or not retention.outstanding_consents(current_user, event=event):
            return None
    elif not session.pop(CONSENT_CHECK, None):
        return None  # no query on other pages: the sign-in checked
    return redirect(url_for("privacy.consent", next=request.full_path.rstrip("?")))


@bp.route("/account/consent", methods=["GET", "POST"], endpoint="consent")
@login_required
def consent():
    next_url = request.args.get("next")
    next_url = next_url if is_safe_next(next_url) else url_for("events.index")
    outstanding = retention.outstanding_consents(current_user)
    form = ConsentAgainForm()
    if not outstanding:  # nothing (left) to accept: a sent form goes on, a visit says so
        return redirect(next_url) if request.method == "POST" else render_template(
            "privacy/consent.html", form=form, items=[], next_url=next_url)
    if form.validate_on_submit():
        retention.accept_consents(current_user)
        flash(_("Thank you: your consent is recorded."), "success")
        return redirect(next_url)
    locale = current_locale()
    items = [(item, pick_text(item.version.texts, locale, item.event.languages)) for item in outstanding]
    return render_template("privacy/consent.html", form=form, items=items, next_url=next_url)


# --- Organisers: retention and the counts --------------------------------------------------------------------------


@bp.route("/events/<slug>/privacy", methods=["GET", "POST"], endpoint="event_privacy")
@event_route(can_manage_event)
def event_privacy(event):
    settings = retention.privacy_settings_for(event)
    form = RetentionForm(obj=settings) if request.method == "GET" else RetentionForm()
    if form.validate_on_submit():
        try:
            retention.save_retention(current_user, event, form.retention_months.data)
        except DomainError as error:
            form.retention_months.errors.append(error.message)
        else:
            flash(_("The retention period is saved."), "success")
            return redirect(url_for("privacy.event_privacy", slug=event.slug))
    if retention.current_consent_version(event) is not None and db.session.new:
        db.session.commit()  # a consent text saved before versions were kept becomes version 1 here
    versions = db.session.scalars(select(ConsentVersion).where(ConsentVersion.event_id == event.id)
                                  .order_by(ConsentVersion.number.desc())).all()
    return render_template("privacy/event.html", event=event, form=form, settings=settings,
                           ends_at=retention.retention_ends_at(event, settings.retention_months),
                           counts=services.data_request_counts(event), versions=versions)


@bp.app_template_global("privacy_retention_text")
def privacy_retention_text(event) -> str:
    """For the application form's data policy: how long the profile data is kept (templates/privacy/_retention.html)."""
    return retention.retention_text(event)


@bp.app_template_global("privacy_purged_at")
def privacy_purged_at(event):
    """When the event's profile data was purged (None before), for the inclusion pages' note
    (templates/privacy/_purged_note.html)."""
    return db.session.scalar(select(PrivacySettings.purged_at).where(PrivacySettings.event_id == event.id))
