"""API v1: the same permissions as the pages, JSON out.

A request with `Authorization: Bearer <token>` acts as the token's owner (see
`load_user_from_token` in hackathon/__init__.py); a browser session works too
for reads. Endpoints that write must require a token (`g.api_token_user`),
since the API is exempt from CSRF.
"""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import or_, select

from hackathon.api import bp
from hackathon.api.openapi import openapi_document
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole
from hackathon.extensions import csrf, db
from hackathon.permissions import can_manage_event, is_admin, load_event, roles_at

csrf.exempt(bp)

SCHEDULE_FIELDS = ("applications_open_at", "applications_close_at", "hacking_starts_at", "submissions_close_at",
                   "pitching_starts_at", "results_at")


def iso(value):
    return value.isoformat() if value else None


def event_summary(event: Event, now) -> dict:
    return {"slug": event.slug, "title": event.title, "phase": event.phase(now).value, "timezone": event.timezone}


def event_detail(event: Event, now) -> dict:
    data = event_summary(event, now) | {
        "description": event.description,
        "languages": event.languages,
        "team_size": {"min": event.min_team_size, "max": event.max_team_size},
        "schedule": {name: iso(getattr(event, name)) for name in SCHEDULE_FIELDS},
        "tracks": [{"id": track.id, "name": track.name, "description": track.description} for track in event.tracks],
        "my_roles": sorted(role.value for role in roles_at(current_user, event)),
    }
    if can_manage_event(current_user, event):
        data["is_published"] = event.is_published
    return data


@bp.route("/events")
def list_events():
    query = select(Event).order_by(Event.id)
    if not is_admin(current_user):
        visible = Event.is_published.is_(True)
        if current_user.is_authenticated:
            visible = or_(visible, Event.id.in_(select(EventRole.event_id).where(EventRole.user_id == current_user.id)))
        query = query.where(visible)
    now = utcnow()
    return jsonify(events=[event_summary(event, now) for event in db.session.scalars(query)])


@bp.route("/events/<slug>")
def get_event(slug: str):
    event = load_event(slug)
    return jsonify(event=event_detail(event, utcnow()))


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
