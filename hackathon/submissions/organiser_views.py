"""Organisers' submission pages: the list of every accepted team, one team's submission with its exemptions,
reminders, the CSV export and the settings.

Who sees what: organisers of the event and site admins (`can_manage_submissions`); everyone else signed in gets
403, the anonymous the sign-in page. Team ids of other events, of teams not accepted, or too large are 404.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hackathon.applications.export import csv_document
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.permissions import can_manage_submissions, event_route
from hackathon.submissions import bp, core
from hackathon.submissions import organiser as services
from hackathon.submissions.models import ExemptionKind
from hackathon.submissions.organiser_forms import (FIELD_LABELS, ExemptionForm, SubmissionFilterForm,
                                                   SubmissionSettingsForm)
from hackathon.submissions.presenters import project_view
from hackathon.templating import register_nav


@register_nav
def organiser_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "Submissions" for organisers."""
    return [(_("Submissions"), "submissions.organiser_list")] if can_manage_submissions(user, event) else []


@bp.route("/events/<slug>/submissions", endpoint="organiser_list")
@event_route(can_manage_submissions)
def organiser_list(event: Event):
    filters = SubmissionFilterForm(request.args, event=event)
    filters.validate()
    now = utcnow()
    listing = services.submission_rows(current_user, event, now=now, **filters.filters())
    return render_template("submissions/organiser/list.html", event=event, listing=listing, filters=filters,
                           labels=services.STATE_LABELS, states=list(services.STATE_LABELS),
                           button_form=EmptyForm(formdata=None),
                           interval_hours=int(services.REMINDER_INTERVAL.total_seconds() // 3600))


def _detail_page(event: Event, team_id: int, *, form: ExemptionForm | None = None, status: int = 200):
    now = utcnow()
    try:
        details = services.team_submission(current_user, event, team_id, now=now)
    except NotFound:
        abort(404)
    kind = ExemptionKind.unlock if details.frozen else ExemptionKind.extension
    if form is None:
        form = ExemptionForm(formdata=None, event=event, kind=kind)
    form.kind.data = kind.value  # the kind that applies now (the message says why another one was refused)
    form.submit.label.text = _("Unlock") if kind == ExemptionKind.unlock else _("Grant the extension")
    project = project_view(core.snapshot(details.submission)) if details.submission is not None else None
    return render_template("submissions/organiser/detail.html", event=event, details=details, project=project,
                           form=form, kind=kind, labels=services.STATE_LABELS, kind_labels=services.KIND_LABELS,
                           button_form=EmptyForm(formdata=None), now=now), status


@bp.route("/events/<slug>/submissions/<id:team_id>", endpoint="organiser_detail")
@event_route(can_manage_submissions)
def organiser_detail(event: Event, team_id: int):
    return _detail_page(event, team_id)


@bp.route("/events/<slug>/submissions/<id:team_id>/exemptions", methods=["POST"], endpoint="grant_exemption")
@event_route(can_manage_submissions)
def grant_exemption(event: Event, team_id: int):
    try:
        team = services.accepted_team(event, team_id)
    except NotFound:
        abort(404)
    form = ExemptionForm(event=event)
    if form.validate_on_submit():
        values = form.values()
        try:
            exemption = services.grant_exemption(current_user, event, team, values["kind"], values["until"],
                                                 values["reason"], now=utcnow())
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            form.until.errors = [*form.until.errors, error.message]
        else:
            if exemption.kind == ExemptionKind.unlock:
                flash(_("The team's submission is unlocked. Its members are told by mail."), "success")
            else:
                flash(_("The extension is granted. The team's members are told by mail."), "success")
            return redirect(url_for("submissions.organiser_detail", slug=event.slug, team_id=team.id))
    return _detail_page(event, team_id, form=form)


@bp.route("/events/<slug>/submissions/<id:team_id>/exemptions/<id:exemption_id>/revoke", methods=["POST"],
          endpoint="revoke_exemption")
@event_route(can_manage_submissions)
def revoke_exemption(event: Event, team_id: int, exemption_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        team = services.accepted_team(event, team_id)
        services.revoke_exemption(current_user, event, team, exemption_id, now=utcnow())
    except NotFound:
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("The exemption is revoked."), "success")
    return redirect(url_for("submissions.organiser_detail", slug=event.slug, team_id=team_id))


@bp.route("/events/<slug>/submissions/remind", methods=["POST"], endpoint="remind")
@event_route(can_manage_submissions)
def remind(event: Event):
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = services.remind_teams(current_user, event, now=utcnow())
    if result.teams:
        flash(ngettext("%(num)d team reminded (%(people)d people).", "%(num)d teams reminded (%(people)d people).",
                       result.teams, people=result.people), "success")
    elif not result.skipped:
        flash(_("No team needs a reminder: every team has submitted, or its deadline has passed."), "info")
    if result.skipped:
        flash(ngettext("%(num)d team was reminded less than %(hours)d hours ago and was skipped.",
                       "%(num)d teams were reminded less than %(hours)d hours ago and were skipped.",
                       result.skipped, hours=int(services.REMINDER_INTERVAL.total_seconds() // 3600)), "info")
    return redirect(url_for("submissions.organiser_list", slug=event.slug))


@bp.route("/events/<slug>/submissions.csv", endpoint="export_csv")
@event_route(can_manage_submissions)
def export_csv(event: Event):
    now = utcnow()
    header, rows = services.export_table(current_user, event, now=now)
    filename = services.export_filename(event.slug, now)
    return Response(csv_document(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.route("/events/<slug>/submissions/settings", methods=["GET", "POST"], endpoint="settings")
@event_route(can_manage_submissions)
def settings(event: Event):
    form = SubmissionSettingsForm()
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, event, **form.values(), now=utcnow())
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            form.required_fields.errors = [*form.required_fields.errors, error.message]
        else:
            flash(_("The submission settings are saved."), "success")
            return redirect(url_for("submissions.settings", slug=event.slug))
    elif not form.is_submitted():
        form = SubmissionSettingsForm(formdata=None)
        form.fill_from(core.settings_for(event))
    return render_template("submissions/organiser/settings.html", event=event, form=form,
                           field_labels=FIELD_LABELS)
