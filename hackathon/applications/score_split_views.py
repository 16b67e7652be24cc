"""Juror scores by group: the mean calibrated score of a round's projects for each group of every profile
dimension, for the event's organisers and site admins (the inclusion page's predicate)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale

from hackathon.applications import bp
from hackathon.applications import score_split_report as _score_split_report  # noqa: F401  (the report's section)
from hackathon.applications.inclusion import can_view_inclusion
from hackathon.applications.score_split import MARKEDLY_LOWER, SMALL_PEOPLE, SMALL_PROJECTS
from hackathon.applications.score_split_service import build_score_page, load_score_split
from hackathon.events.models import Event
from hackathon.judging import services as judging
from hackathon.permissions import event_route


def chosen_round(rounds: list, value: str | None):
    """The round named by ?round=<id> among the event's rounds; the first one without a choice (or with one that
    is not a number: the chooser sends numbers only). A number that is no round of this event: 404."""
    if not rounds:
        return None
    if value is None or not (value.strip().isascii() and value.strip().isdigit()):
        return rounds[0]
    wanted = int(value)
    found = next((judging_round for judging_round in rounds if judging_round.id == wanted), None)
    if found is None:
        abort(404)
    return found


@bp.route("/events/<slug>/inclusion/scores")
@event_route(can_view_inclusion)
def inclusion_scores(event: Event):
    rounds = judging.rounds_of(event)
    judging_round = chosen_round(rounds, request.args.get("round"))
    page = build_score_page(load_score_split(event, judging_round)) if judging_round is not None else None
    locale = str(get_locale())
    return render_template("inclusion/scores.html", event=event, rounds=rounds, round=judging_round, page=page,
                           round_names={r.id: judging.round_name(r, locale) for r in rounds},
                           gap=MARKEDLY_LOWER, small_people=SMALL_PEOPLE, small_projects=SMALL_PROJECTS)
