"""API: every accepted team's submission (organisers and site admins only), the same data as the CSV export plus
the files' metadata and download links (never their bytes)."""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.api.views import iso
from hackathon.database import utcnow
from hackathon.errors import abort_with
from hackathon.events.models import Event
from hackathon.permissions import can_manage_submissions, event_route
from hackathon.submissions import organiser
from hackathon.submissions.deadlines import SubmissionState


def submission_data(row: organiser.SubmissionRow, event: Event) -> dict:
    submission = row.submission
    return {
        "team": {"id": row.team.id, "name": row.team.name,
                 "members": [{"id": user.id, "name": user.name, "email": user.email} for user in row.members]},
        "state": row.state.value,
        "extra_time_until": iso(row.extra_time_until),
        "submission": None if submission is None else {
            "id": submission.id,
            "status": submission.status.value,
            "title": submission.title,
            "tagline": submission.tagline,
            "description": submission.description,
            "track": {"id": row.track.id, "name": row.track.name} if row.track else None,
            "challenge": ({"id": submission.challenge_id, "title": row.challenge_title}
                          if submission.challenge_id and row.challenge_title is not None else None),
            "repository_url": submission.repository_url,
            "demo_url": submission.demo_url,
            "video_url": submission.video_url,
            "technologies": list(submission.technologies or []),
            "show_in_gallery": submission.show_in_gallery,
            "first_submitted_at": iso(submission.first_submitted_at),
            "submitted_at": iso(submission.submitted_at),
            "last_saved_at": iso(submission.last_saved_at),
            "version": submission.lock_version,
            "attachments": [
                {"id": f.id, "kind": f.kind.value, "name": f.display_name, "content_type": f.content_type,
                 "size": f.size, "sha256": f.sha256, "width": f.width, "height": f.height,
                 "url": url_for("submissions.attachment", slug=event.slug, attachment_id=f.id, _external=True)}
                for f in row.files],
        },
    }


@bp.route("/events/<slug>/submissions")
@event_route(can_manage_submissions)
def list_submissions(event: Event):
    state = request.args.get("state") or None
    if state is not None:
        if state not in {s.value for s in SubmissionState}:
            abort_with(400, _("Unknown state: %(state)s.", state=state[:40]))
        state = SubmissionState(state)
    listing = organiser.submission_rows(current_user, event, now=utcnow(), state=state, details=True)
    return jsonify(submissions=[submission_data(row, event) for row in listing.rows])


_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

document(
    paths={
        "/events/{slug}/submissions": {
            "get": {
                "summary": "Every accepted team's submission, for the event's organisers",
                "description": "The same data as the CSV export: one entry per accepted team (teams without a "
                               "project too, with state `missing`), the current submission's fields and its files' "
                               "metadata with download links (the bytes are not included). Times in UTC. "
                               "Organisers and site admins only.",
                "operationId": "listSubmissions",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "state", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": [s.value for s in SubmissionState]}},
                ],
                "responses": {
                    "200": json_response({"type": "object", "properties": {"submissions": {
                        "type": "array", "items": {"$ref": "#/components/schemas/TeamSubmission"}}}},
                        "The accepted teams by name"),
                    "400": json_response(ERROR, "Unknown state"),
                    "401": json_response(ERROR, "Missing, invalid or revoked token"),
                    "403": json_response(ERROR, "The caller does not organise the event"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "SubmissionAttachment": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["deck", "screenshot", "archive"]},
                "name": {"type": "string", "description": "The display name (the stored name is random)"},
                "content_type": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
                "width": {"type": ["integer", "null"]}, "height": {"type": ["integer", "null"]},
                "url": {"type": "string", "format": "uri", "description": "Download link (same permissions)"},
            },
        },
        "TeamSubmission": {
            "type": "object",
            "required": ["team", "state", "submission"],
            "properties": {
                "team": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "members": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}}}},
                "state": {"type": "string", "enum": [s.value for s in SubmissionState],
                          "description": "late: submitted after the event's deadline (grace period or extension)"},
                "extra_time_until": {**_NULLABLE_TIME, "description": "End of a live extension or unlock"},
                "submission": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["draft", "submitted"]},
                    "title": {"type": "string"}, "tagline": {"type": "string"},
                    "description": {"type": "string", "description": "Markdown, as typed"},
                    "track": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}}}]},
                    "challenge": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                        "id": {"type": "integer"}, "title": {"type": "string"}}}]},
                    "repository_url": {"type": "string"}, "demo_url": {"type": "string"},
                    "video_url": {"type": "string"},
                    "technologies": {"type": "array", "items": {"type": "string"}},
                    "show_in_gallery": {"type": "boolean"},
                    "first_submitted_at": _NULLABLE_TIME, "submitted_at": _NULLABLE_TIME,
                    "last_saved_at": _NULLABLE_TIME,
                    "version": {"type": "integer", "description": "Number of the latest saved version"},
                    "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/SubmissionAttachment"}},
                }}]},
            },
        },
    },
)
