"""API: an event's teams with their mentors and latest status.

Organisers and site admins see every accepted team; mentors see only the teams assigned to them; everyone else
gets 403 (404 for events they cannot see). Constant number of queries whatever the number of teams.
"""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import func, select

from hackathon.accounts.models import User
from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.api.views import iso
from hackathon.events.models import Event, Role
from hackathon.extensions import db
from hackathon.mentoring import assignment as services
from hackathon.mentoring.models import MentorAssignment, MentorReview
from hackathon.permissions import can_assign_mentors, event_route, mentored_team_ids, roles_at
from hackathon.teams.models import TeamMember


def can_list_mentored_teams(user, event: Event) -> bool:
    return can_assign_mentors(user, event) or Role.mentor in roles_at(user, event)


@bp.route("/events/<slug>/teams")
@event_route(can_list_mentored_teams)
def mentored_teams(event: Event):
    teams = services.accepted_teams(event)
    if not can_assign_mentors(current_user, event):
        mine = mentored_team_ids(current_user, event)
        teams = [t for t in teams if t.id in mine]
    ids = [t.id for t in teams]
    members: dict[int, list] = {i: [] for i in ids}
    mentors: dict[int, list] = {i: [] for i in ids}
    latest: dict[int, tuple] = {}
    if ids:
        for team_id, user in db.session.execute(
                select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                .where(TeamMember.team_id.in_(ids)).order_by(User.name, User.id)):
            members[team_id].append(user)
        for team_id, user in db.session.execute(
                select(MentorAssignment.team_id, User).join(User, User.id == MentorAssignment.mentor_id)
                .where(MentorAssignment.team_id.in_(ids)).order_by(User.name, User.id)):
            mentors[team_id].append(user)
        newest = (select(MentorReview.team_id, func.max(MentorReview.id).label("id"))
                  .where(MentorReview.team_id.in_(ids)).group_by(MentorReview.team_id).subquery())
        for review in db.session.scalars(select(MentorReview).join(newest, newest.c.id == MentorReview.id)):
            latest[review.team_id] = (review.status.value, review.created_at)
    return jsonify({"teams": [{
        "id": t.id, "name": t.name, "track_id": t.track_id,
        "members": [{"id": u.id, "name": u.name, "email": u.email, "is_captain": u.id == t.captain_id}
                    for u in members[t.id]],
        "mentors": [{"id": u.id, "name": u.name, "email": u.email} for u in mentors[t.id]],
        "latest_status": latest[t.id][0] if t.id in latest else None,
        "latest_review_at": iso(latest[t.id][1]) if t.id in latest else None,
    } for t in teams]})


_PERSON = {"type": "object", "required": ["id", "name", "email"],
           "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
                          "is_captain": {"type": "boolean"}}}

document(
    paths={
        "/events/{slug}/teams": {
            "get": {
                "summary": "Accepted teams with their members, mentors and latest mentor review status",
                "description": "Organisers and site admins see every accepted team; mentors only the teams "
                               "assigned to them. `latest_status` is the status of the most recent mentor review, "
                               "or null.",
                "operationId": "listMentoredTeams",
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_response({"type": "object", "properties": {"teams": {
                        "type": "array", "items": {"$ref": "#/components/schemas/MentoredTeam"}}}},
                        "The teams, by name"),
                    "401": json_response(ERROR, "Missing, invalid or revoked token"),
                    "403": json_response(ERROR, "The caller neither organises nor mentors at the event"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "MentoredTeamPerson": _PERSON,
        "MentoredTeam": {
            "type": "object",
            "required": ["id", "name", "members", "mentors", "latest_status"],
            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "track_id": {"type": ["integer", "null"]},
                "members": {"type": "array", "items": {"$ref": "#/components/schemas/MentoredTeamPerson"}},
                "mentors": {"type": "array", "items": {"$ref": "#/components/schemas/MentoredTeamPerson"}},
                "latest_status": {"type": ["string", "null"], "enum": ["on_track", "at_risk", "blocked", None]},
                "latest_review_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
    },
)
