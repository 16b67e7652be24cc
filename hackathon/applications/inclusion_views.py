"""The inclusion dashboard: the funnel and who applied, by age, gender, region, background."""
from __future__ import annotations

from flask import render_template
from hackathon.i18n import lazy_gettext as _l

from hackathon.applications import bp
from hackathon.applications.inclusion import build_dashboard, can_view_inclusion, load_inclusion_stats
from hackathon.events.models import Event
from hackathon.permissions import event_route
from hackathon.templating import register_nav


@register_nav
def inclusion_nav(user, event: Event, roles) -> list:
    return [(_l("Inclusion"), "applications.inclusion")] if can_view_inclusion(user, event) else []


@bp.route("/events/<slug>/inclusion")
@event_route(can_view_inclusion)
def inclusion(event: Event):
    dashboard = build_dashboard(load_inclusion_stats(event))
    return render_template("inclusion/dashboard.html", event=event, dashboard=dashboard)
