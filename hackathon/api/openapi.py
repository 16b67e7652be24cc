"""The OpenAPI 3.1 document of /api/v1; later issues add their paths here."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}

# Paths and schemas added by each domain's API module at import (see `document`).
_EXTRA_PATHS: dict[str, dict] = {}
_EXTRA_SCHEMAS: dict[str, dict] = {}


def document(paths: dict[str, dict], schemas: dict[str, dict] | None = None) -> None:
    """Add a domain's paths (relative to /api/v1) and component schemas to the OpenAPI document."""
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def json_response(schema: dict, description: str) -> dict:
    return _json(schema, description)


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict:
    event_summary = {
        "type": "object",
        "required": ["slug", "title", "phase", "timezone"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "phase": {"type": "string", "enum": ["upcoming", "applications", "review", "hacking", "judging",
                                                 "pitching", "results"]},
            "timezone": {"type": "string", "example": "Asia/Bishkek"},
        },
    }
    event_detail = {
        "allOf": [
            {"$ref": "#/components/schemas/EventSummary"},
            {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "team_size": {"type": "object", "properties": {"min": {"type": "integer"},
                                                                   "max": {"type": "integer"}}},
                    "schedule": {"type": "object", "additionalProperties": {"type": ["string", "null"],
                                                                            "format": "date-time"}},
                    "tracks": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}, "description": {"type": "string"}}}},
                    "my_roles": {"type": "array", "items": {"type": "string",
                                                            "enum": ["organiser", "mentor", "juror", "participant", "reviewer"]}},
                    "is_published": {"type": "boolean", "description": "Only for the event's organisers."},
                },
            },
        ]
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hackathon API",
            "version": "1",
            "description": "Personal API tokens are created on the profile page or with `flask tokens create EMAIL`. "
                           "The same permissions apply as on the pages.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {}],
        "paths": _EXTRA_PATHS | {
            "/events": {
                "get": {
                    "summary": "Events visible to the caller",
                    "operationId": "listEvents",
                    "responses": {
                        "200": _json({"type": "object", "properties": {"events": {
                            "type": "array", "items": {"$ref": "#/components/schemas/EventSummary"}}}},
                            "The events"),
                        "401": _json(ERROR, "Invalid or revoked token"),
                    },
                }
            },
            "/events/{slug}": {
                "get": {
                    "summary": "One event",
                    "operationId": "getEvent",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json({"type": "object", "properties": {
                            "event": {"$ref": "#/components/schemas/EventDetail"}}}, "The event"),
                        "401": _json(ERROR, "Invalid or revoked token"),
                        "404": _json(ERROR, "No such event, or not visible to the caller"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": _EXTRA_SCHEMAS | {
                "EventSummary": event_summary,
                "EventDetail": event_detail,
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"}}}}},
            },
        },
    }
