"""API: inclusion statistics of an event (organisers and site admins only), the numbers of the dashboard."""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.applications.inclusion import can_view_inclusion, load_inclusion_stats, stats_as_json
from hackathon.applications.stats import FUNNEL_STAGES
from hackathon.extensions import login_manager
from hackathon.permissions import load_event


@bp.route("/events/<slug>/stats")
def event_stats(slug: str):
    event = load_event(slug)  # 404 when hidden from the caller
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # 401
    if not can_view_inclusion(current_user, event):
        abort(403)
    return jsonify(stats=stats_as_json(event, load_inclusion_stats(event)))


_PERCENT = {"type": ["integer", "null"], "minimum": 0, "maximum": 100,
            "description": "Whole percentage, rounded half up once; null when the base is zero."}
_STAGE_COUNTS = {stage: {"type": "integer", "minimum": 0} for stage in FUNNEL_STAGES}

document(
    paths={
        "/events/{slug}/stats": {
            "get": {
                "summary": "Inclusion statistics: the application funnel and its breakdowns",
                "description": (
                    "The numbers of the inclusion dashboard. Stages: `applied` counts everyone covered by a "
                    "submitted application (individuals and team members; drafts, withdrawn and merged "
                    "applications are left out and counted in `not_counted`), `accepted` the applications "
                    "offered a place (including later declined or lapsed), `confirmed` those who confirmed. "
                    "Teams count team applications; a team member counts through the team's application. "
                    "Breakdowns count people by raw keys (age band `18-24`, region `bishkek`, country `KG`, "
                    "background `it`...); `unknown` is a profile field left empty. Organisers of the event and "
                    "site admins only."
                ),
                "operationId": "getEventStats",
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_response({"type": "object", "properties": {
                        "stats": {"$ref": "#/components/schemas/InclusionStats"}}}, "The statistics"),
                    "401": json_response(ERROR, "Not signed in, or an invalid or revoked token"),
                    "403": json_response(ERROR, "Not an organiser of the event"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "InclusionStats": {
            "type": "object",
            "required": ["event", "reference_year", "home_country", "stages", "funnel", "not_counted", "breakdowns"],
            "properties": {
                "event": {"type": "string", "description": "The event's slug"},
                "reference_year": {"type": "integer", "description": "Ages are counted in this year"},
                "home_country": {"type": "string", "example": "KG"},
                "stages": {"type": "array", "items": {"type": "string"}, "example": list(FUNNEL_STAGES)},
                "funnel": {"type": "array", "items": {"type": "object", "properties": {
                    "stage": {"type": "string"},
                    "people": {"type": "integer"},
                    "applications": {"type": "integer"},
                    "individual_applications": {"type": "integer"},
                    "teams": {"type": "integer", "description": "Team applications"},
                    "percent_of_previous": {"type": "object", "properties": {
                        "people": _PERCENT, "applications": _PERCENT, "teams": _PERCENT}},
                }}},
                "not_counted": {"type": "object", "properties": {
                    "draft": {"type": "integer"}, "withdrawn": {"type": "integer"}, "merged": {"type": "integer"}}},
                "breakdowns": {
                    "type": "object",
                    "description": "By dimension: age_band, gender, region, country, diaspora, background, "
                                   "first_hackathon, language.",
                    "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {
                        "value": {"type": "string", "example": "18-24"},
                        **_STAGE_COUNTS,
                        "percent_of_applied": _PERCENT,
                        "percent_of_previous": {"type": "object", "additionalProperties": _PERCENT},
                    }}},
                },
            },
        }
    },
)
