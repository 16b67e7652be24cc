"""The inclusion dashboard (the whole funnel and its breakdowns) and its settings, for the event's organisers."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.applications import bp
from hackathon.applications.inclusion import (build_dashboard, can_view_inclusion, inclusion_settings_for,
                                              load_funnel, save_inclusion_settings)
from hackathon.applications.inclusion_forms import InclusionSettingsForm
from hackathon.errors import DomainError
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.i18n import lazy_gettext as _l
from hackathon.permissions import event_route
from hackathon.templating import register_nav


@register_nav
def inclusion_nav(user, event: Event, roles) -> list:
    return [(_l("Inclusion"), "applications.inclusion")] if can_view_inclusion(user, event) else []


@bp.route("/events/<slug>/inclusion")
@event_route(can_view_inclusion)
def inclusion(event: Event):
    dashboard = build_dashboard(load_funnel(event))
    # The juror scores by group are another page (helper S's); linked once it exists.
    scores_page = "applications.inclusion_scores" in current_app.view_functions
    return render_template("inclusion/dashboard.html", event=event, dashboard=dashboard, scores_page=scores_page)


@bp.route("/events/<slug>/inclusion/settings", methods=["GET", "POST"])
@event_route(can_view_inclusion)
def inclusion_settings(event: Event):
    form = InclusionSettingsForm()
    if not form.is_submitted():
        form.fill_from(inclusion_settings_for(event))
    if form.validate_on_submit():
        try:
            save_inclusion_settings(current_user, event, age_bands=form.age_bands.data,
                                    suppression_threshold=form.suppression_threshold.data,
                                    report_shared=form.report_shared.data)
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, getattr(error, "field", ""), None)
            if field is not None:
                field.errors = [*field.errors, error.message]
            flash(error.message, "error")
        else:
            flash(_("The inclusion settings are saved."), "success")
            return redirect(url_for("applications.inclusion_settings", slug=event.slug))
    return render_template("inclusion/settings.html", event=event, form=form)
