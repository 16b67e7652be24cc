"""The published results through the API: public once published (the frozen snapshot), 404 before."""
from __future__ import annotations

from flask import jsonify

from hackathon.api import bp
from hackathon.api.openapi import document, json_response
from hackathon.errors import NotFound
from hackathon.events.models import Event
from hackathon.permissions import event_route
from hackathon.results import services


@bp.route("/events/<slug>/results")
@event_route()
def event_results(event: Event):
    settings = services.published(event)
    if settings is None:
        raise NotFound()
    snapshot = dict(settings.snapshot or {})
    snapshot.pop("feedback", None)  # each team reads its own feedback on its page
    if not snapshot.get("show_full_ranking"):
        snapshot["ranking"] = []
    # Organisers' reasons stay on the organisers' pages.
    snapshot["awards"] = [{**award, "winners": [{k: v for k, v in w.items() if k != "reason"}
                                                 for w in award["winners"]]} for award in snapshot.get("awards", [])]
    return jsonify(event=event.slug, **snapshot)


document(paths={
    "/events/{slug}/results": {"get": {
        "summary": "The event's published results (public): winners per award, the method and weights, and the "
                   "full ranking when the organisers show it",
        "operationId": "eventResults", "security": [],
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": json_response({"type": "object"}, "The frozen results snapshot"),
                      "404": {"description": "No such event, or the results are not published"}}}},
})
