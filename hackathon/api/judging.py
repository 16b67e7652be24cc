"""Judging through the API: the event's rounds and a round's leaderboard.

Organisers and site admins read everything; jurors read the rounds and, where the organiser allows it, a round's
leaderboard. Anyone else: 403 (401 without credentials); another event's round id: 404.
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import get_locale
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import document, json_response
from hackathon.api.views import iso
from hackathon.errors import NotAllowed
from hackathon.events.models import Event
from hackathon.judging import services
from hackathon.permissions import can_judge, can_manage_judging, event_route
from hackathon.templating import plain_number


def _may_list(user, event: Event) -> bool:
    return can_manage_judging(user, event) or can_judge(user, event)


@bp.route("/events/<slug>/rounds")
@event_route(_may_list)
def list_rounds(event: Event):
    locale = str(get_locale())
    return jsonify(rounds=[{
        "id": r.id, "name": services.round_name(r, locale), "position": r.position,
        "opens_at": iso(r.opens_at), "closes_at": iso(r.closes_at), "method": r.method.value,
        "jurors_per_project": None if r.assign_all else r.jurors_per_project,
        "criteria": [{"id": c.id, "name": services.criterion_name(c, locale), "weight": plain_number(c.weight),
                      "scale": [c.scale_min, c.scale_max]} for c in r.criteria],
        "leaderboard_visible": services.can_read_leaderboard(current_user, event, r),
    } for r in services.rounds_of(event)])


@bp.route("/events/<slug>/rounds/<id:round_id>/leaderboard")
@event_route(_may_list)
def round_leaderboard(event: Event, round_id: int):
    judging_round = services.load_round(event, round_id)
    if not services.can_read_leaderboard(current_user, event, judging_round):
        raise NotAllowed()
    board = services.round_board(judging_round)
    return jsonify(round_id=judging_round.id, method=judging_round.method.value, sheets=board.board.sheets,
                   connected=board.board.connected, alpha_raw=board.alpha_raw, alpha_z=board.alpha_z,
                   projects=services.board_json(judging_round, board))


_ERRORS = {"401": {"description": "Missing, invalid or revoked token"},
           "403": {"description": "Not an organiser (or a juror where the organiser allows it)"},
           "404": {"description": "No such event or round"}}

document(paths={
    "/events/{slug}/rounds": {"get": {
        "summary": "The event's judging rounds with their criteria (organisers and jurors)",
        "operationId": "listRounds",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": json_response({"type": "object"}, "The rounds in order"), **_ERRORS}}},
    "/events/{slug}/rounds/{round_id}/leaderboard": {"get": {
        "summary": "A round's leaderboard: rank, tie, team, project, raw, calibrated z and display, standard "
                   "error, sheets, flags",
        "operationId": "roundLeaderboard",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "round_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": json_response({"type": "object"}, "The ranked projects"), **_ERRORS}}},
})
