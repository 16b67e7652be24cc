"""API: a team's progress (check-ins and reviews).

Organisers and site admins see everything, private notes included; the team's assigned mentors and the
team's own members see it without private notes. Anyone else gets 404 (a team id must not leak), and a caller
who is not signed in 401.
"""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.errors import NotFound
from hackathon.extensions import login_manager
from hackathon.mentoring import progress as services
from hackathon.permissions import accepted_team_id, can_manage_mentoring, can_review_team, load_event


def _iso(value):
    return value.isoformat() if value else None


@bp.route("/events/<slug>/teams/<id:team_id>/progress")
def team_progress(slug: str, team_id: int):
    event = load_event(slug)  # 404 when hidden from the caller
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # 401
    if not (can_review_team(current_user, event, team_id) or accepted_team_id(current_user, event) == team_id):
        abort(404)
    try:
        team = services.accepted_team(event, team_id)
    except NotFound:
        abort(404)
    with_notes = can_manage_mentoring(current_user, event)
    progress = services.team_progress(event, team.id)
    check_ins = [{"id": c.id, "milestone_id": c.milestone_id, "author": c.author.name if c.author else None,
                  "done": c.done, "next_steps": c.next_steps, "blockers": c.blockers, "links": list(c.links or []),
                  "created_at": _iso(c.created_at)} for c in progress.check_ins]
    reviews = []
    for review in progress.reviews:
        item = {"id": review.id, "status": review.status.value,
                "mentor": review.mentor.name if review.mentor else None,
                "scores": {key: value for key, value in (review.scores or {}).items()},
                "comment_to_team": review.comment_to_team, "created_at": _iso(review.created_at)}
        if with_notes:
            item["private_note"] = review.private_note
        reviews.append(item)
    return jsonify(team={"id": team.id, "name": team.name}, check_ins=check_ins, reviews=reviews)


document(
    paths={
        "/events/{slug}/teams/{team_id}/progress": {
            "get": {
                "summary": "A team's check-ins and mentor reviews, newest first",
                "description": (
                    "Organisers of the event and site admins see private notes (`private_note`); the team's "
                    "assigned mentors and the team's own members see the rest. Only accepted teams take part in "
                    "mentoring. Scores map a rubric criterion id to 1..5."
                ),
                "operationId": "getTeamProgress",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "team_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": json_response({"$ref": "#/components/schemas/TeamProgress"}, "The team's progress"),
                    "401": json_response(ERROR, "Not signed in, or an invalid or revoked token"),
                    "404": json_response(ERROR, "No such event or accepted team, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "TeamProgress": {
            "type": "object",
            "required": ["team", "check_ins", "reviews"],
            "properties": {
                "team": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                "check_ins": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "milestone_id": {"type": ["integer", "null"], "description": "null: any time"},
                    "author": {"type": ["string", "null"]},
                    "done": {"type": "string"}, "next_steps": {"type": "string"}, "blockers": {"type": "string"},
                    "links": {"type": "array", "items": {"type": "string", "format": "uri"}},
                    "created_at": {"type": "string", "format": "date-time"},
                }}},
                "reviews": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["on_track", "at_risk", "blocked"]},
                    "mentor": {"type": ["string", "null"]},
                    "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1,
                                                                          "maximum": 5}},
                    "comment_to_team": {"type": "string"},
                    "private_note": {"type": "string", "description": "Organisers and site admins only"},
                    "created_at": {"type": "string", "format": "date-time"},
                }}},
            },
        }
    },
)
