"""API: the announcements of an event the token's person may see (those whose audience held them when they were
sent; organisers and site admins: all), newest first, in every language they were written in."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from hackathon.announcements import services
from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.api.views import iso
from hackathon.events.models import Event
from hackathon.markdown import render_markdown
from hackathon.permissions import event_route


def signed_in(user, event: Event) -> bool:
    return True


@bp.route("/events/<slug>/announcements")
@event_route(signed_in)
def list_announcements(event: Event):
    items = services.visible_news(current_user, event)
    return jsonify(announcements=[{
        "id": item.id,
        "title": item.title,
        "body": item.body,
        "body_html": str(render_markdown(item.body)),
        "texts": item.texts,
        "essential": item.essential,
        "sent_at": iso(item.sent_at),
        "updated_at": iso(item.corrected_at),
        "unread": item.unread,
    } for item in items])


document(
    paths={
        "/events/{slug}/announcements": {
            "get": {
                "summary": "Announcements the caller may see",
                "description": "The sent announcements whose audience held the caller when they were sent (the "
                               "event's organisers and site admins see all), newest first. `title` and `body` are "
                               "in the caller's language when the announcement has it, else in the event's first "
                               "language; `texts` holds every language written. `body` is Markdown, `body_html` "
                               "its sanitised HTML. `updated_at` is set when the text was corrected after sending. "
                               "Reading this list does not mark anything as read.",
                "operationId": "listAnnouncements",
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_response({"type": "object", "properties": {"announcements": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Announcement"}}}},
                        "The announcements, newest first"),
                    "401": json_response(ERROR, "Missing, invalid or revoked token"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "Announcement": {
            "type": "object",
            "required": ["id", "title", "body", "body_html", "texts", "essential", "sent_at", "updated_at", "unread"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "body": {"type": "string", "description": "Markdown"},
                "body_html": {"type": "string", "description": "The body rendered and sanitised"},
                "texts": {"type": "object", "additionalProperties": {
                    "type": "object", "properties": {"title": {"type": "string"}, "body": {"type": "string"}}}},
                "essential": {"type": "boolean"},
                "sent_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"},
                "unread": {"type": "boolean", "description": "Delivered to the caller and not yet read on the News "
                                                            "page"},
            },
        },
    },
)
