"""API writes (tokens with the write scope only): importing applicants and deciding applications in bulk.

The API is exempt from CSRF, so a write needs a personal token sent as `Authorization: Bearer`: a browser's
session cookie is refused here (401), a read-only token too (403, also refused for every write in
`check_api_token`). The services check the organiser's permission and every rule, as on the pages.
"""
from __future__ import annotations

import io
import json
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.applications import import_service, review
from hackathon.errors import DomainError, NotFound, abort_with
from hackathon.events.models import Event
from hackathon.permissions import can_decide_applications, event_route

DECISIONS = ("accepted", "waitlisted", "rejected")
IDS_MAX = 5000


def write_scope_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = getattr(g.get("api_token_user"), "current_api_token", None)
        if token is None:
            abort_with(401, _("Send a personal API token with the write scope (Authorization: Bearer <token>)."))
        if token.scope != "write":
            abort_with(403, _("This token can only read. Create a token with the write scope to change anything "
                              "through the API."))
        return view(*args, **kwargs)

    return wrapped


def _upload() -> io.BytesIO:
    """The file: a multipart part named `file`, or the request body itself (text/csv or an XLSX type)."""
    storage = request.files.get("file")
    if storage is not None:
        return io.BytesIO(storage.read())
    data = request.get_data(cache=False)
    if not data or request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        abort_with(400, _("Send the file as the request body (text/csv or an XLSX workbook), or as the "
                          "multipart part “file”."))
    return io.BytesIO(data)


@bp.route("/events/<slug>/applications/import", methods=["POST"])
@write_scope_required
@event_route(can_decide_applications)
def import_applications(event: Event):
    source = _upload()
    mapping = request.args.get("mapping") or request.form.get("mapping") or None
    dry_run = (request.args.get("dry_run") or request.form.get("dry_run") or "").lower() in ("1", "true", "yes")
    try:
        report = import_service.import_applicants(current_user, event, source, mapping_text=mapping,
                                                  dry_run=dry_run)
    except import_service.ImportRefused as error:
        abort_with(400, error.message)
    return jsonify(report=report.as_json()), (200 if report.ok else 422)


@bp.route("/events/<slug>/applications/decisions", methods=["POST"])
@write_scope_required
@event_route(can_decide_applications)
def decide_applications(event: Event):
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except ValueError:
        abort_with(400, _("The body must be JSON."))
    if not isinstance(body, dict):
        abort_with(400, _("The body must be a JSON object with “decision” and “application_ids”."))
    decision = body.get("decision")
    ids = body.get("application_ids")
    reason = body.get("reason")
    if decision not in DECISIONS:
        abort_with(400, _("“decision” is one of accepted, waitlisted, rejected."))
    if (not isinstance(ids, list) or not ids or len(ids) > IDS_MAX
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids)):
        abort_with(400, _("“application_ids” is a list of application ids (at most %(max)s).", max=IDS_MAX))
    if reason is not None and not isinstance(reason, str):
        abort_with(400, _("“reason” is a text."))
    try:
        outcome = review.decide_applications(current_user, event, ids, decision, reason)
    except NotFound:
        abort_with(404, _("One of the applications is not at this event: nothing was decided."))
    except DomainError as error:
        abort_with(error.status_code if error.status_code in (400, 403, 409) else 400, error.message)
    return jsonify(decision=decision, changed=[a.id for a in outcome.changed],
                   unchanged=[a.id for a in outcome.unchanged],
                   refused=[{"id": a.id, "message": message} for a, message in outcome.refused])


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_WRITE_ERRORS = {
    "401": json_response(ERROR, "No token, or an invalid or revoked one (a browser session is not enough)"),
    "403": json_response(ERROR, "A read-only token, or the caller does not organise the event"),
    "404": json_response(ERROR, "No such event, or not visible to the caller"),
}

document(
    paths={
        "/events/{slug}/applications/import": {
            "post": {
                "summary": "Import applicants from a CSV or XLSX file (write scope)",
                "description": "The same import as the organisers' page and `flask applications import`: every row "
                               "is checked, nothing is written unless all hold, people are matched by email, new "
                               "accounts are invited to set a password, re-importing changes nothing. CSV in "
                               "UTF-8 (BOM optional, comma or semicolon) or XLSX, at most "
                               "APPLICANT_IMPORT_MAX_ROWS rows (50,000). Organisers and site admins, with a "
                               "token of the write scope.",
                "operationId": "importApplications",
                "security": [{"bearerAuth": []}],
                "parameters": [
                    _SLUG,
                    {"name": "mapping", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Columns the headings do not name: `Heading=target,...` (targets: email, name, "
                                    "year_of_birth, gender, region, country, background, organisation, skills, "
                                    "first_hackathon, locale, looking_for_team, question:<id>, ignore)."},
                    {"name": "dry_run", "in": "query", "required": False, "schema": {"type": "boolean"},
                     "description": "Check every row and answer the report; write nothing."},
                ],
                "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}, "mapping": {"type": "string"}}}},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}},
                }},
                "responses": {
                    "200": json_response({"type": "object", "properties": {
                        "report": {"$ref": "#/components/schemas/ImportReport"}}},
                        "Every row holds: imported (or checked, with dry_run)"),
                    "400": json_response(ERROR, "The file cannot be read, has no email column or too many rows"),
                    "422": json_response({"type": "object", "properties": {
                        "report": {"$ref": "#/components/schemas/ImportReport"}}},
                        "Some rows do not hold (each with its line): nothing was written"),
                    **_WRITE_ERRORS,
                },
            }
        },
        "/events/{slug}/applications/decisions": {
            "post": {
                "summary": "Accept, waitlist or reject applications in bulk (write scope)",
                "description": "As the review queue's bulk decision: audited, mailed to the applicants in their "
                               "language, within the team places. An application already in the chosen state "
                               "is unchanged; one that cannot be decided is refused with a message while the "
                               "others go ahead. An id of another event changes nothing (404).",
                "operationId": "decideApplications",
                "security": [{"bearerAuth": []}],
                "parameters": [_SLUG],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["decision", "application_ids"],
                    "properties": {
                        "decision": {"type": "string", "enum": list(DECISIONS)},
                        "application_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": IDS_MAX},
                        "reason": {"type": "string", "maxLength": 500,
                                   "description": "Shown to the applicants in the decision mail"},
                    }}}}},
                "responses": {
                    "200": json_response({"type": "object", "properties": {
                        "decision": {"type": "string"},
                        "changed": {"type": "array", "items": {"type": "integer"}},
                        "unchanged": {"type": "array", "items": {"type": "integer"}},
                        "refused": {"type": "array", "items": {"type": "object", "properties": {
                            "id": {"type": "integer"}, "message": {"type": "string"}}}},
                    }}, "What happened to each application"),
                    "400": json_response(ERROR, "A malformed body or an unknown decision"),
                    **_WRITE_ERRORS,
                },
            }
        },
    },
    schemas={
        "ImportReport": {
            "type": "object",
            "properties": {
                "rows": {"type": "integer"}, "written": {"type": "boolean"},
                "accounts_created": {"type": "integer"}, "applications_created": {"type": "integer"},
                "applications_updated": {"type": "integer"}, "unchanged": {"type": "integer"},
                "error_count": {"type": "integer"},
                "errors": {"type": "array", "description": "The first 200 rows that do not hold",
                           "items": {"type": "object", "properties": {
                               "line": {"type": "integer", "description": "The heading is line 1"},
                               "messages": {"type": "array", "items": {"type": "string"}}}}},
                "notes": {"type": "array", "items": {"type": "string"}},
                "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                            "description": "Heading -> what the column was imported as"},
            },
        },
    },
)
