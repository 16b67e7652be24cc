"""API: applications of an event (organisers and site admins only), the same data as the CSV export."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from flask_babel import gettext as _

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.api.views import iso
from hackathon.applications import review
from hackathon.applications.models import Application, ApplicationStatus
from hackathon.applications.services import event_year
from hackathon.applications.stats import age_band
from hackathon.database import utcnow
from hackathon.errors import abort_with
from hackathon.events.models import Event
from hackathon.i18n import current_locale
from hackathon.permissions import can_decide_applications, event_route


def person_data(user, *, year: int, captain_id: int | None = None) -> dict:
    return {
        "id": user.id, "name": user.name, "email": user.email,
        "background": user.background.value if user.background else None,
        "region": user.region, "country": user.country, "age_band": age_band(user.year_of_birth, year),
        "is_captain": user.id == captain_id,
    }


def application_data(record: review.ApplicationRecord, questions, *, locale: str, event: Event, year: int) -> dict:
    application: Application = record.application
    team = application.team
    return {
        "id": application.id,
        "kind": application.kind.value,
        "status": application.status.value,
        "looking_for_team": application.looking_for_team,
        "submitted_at": iso(application.submitted_at),
        "decided_at": iso(application.decided_at),
        "decision_reason": application.decision_reason,
        "confirm_by": iso(application.confirm_by),
        "confirmed_at": iso(application.confirmed_at),
        "waitlist_rank": application.waitlist_rank,
        "applicant": person_data(application.user, year=year),
        "team": {
            "id": team.id, "name": team.name, "idea": team.idea,
            "track": {"id": team.track.id, "name": team.track.name} if team.track else None,
            "members": [person_data(user, year=year, captain_id=team.captain_id) for user in record.people],
        } if team is not None else None,
        "rating": {
            # Rounded once here for reading; the exact value is sum / count.
            "average": round(float(record.average), 2) if record.average is not None else None,
            "count": record.rating_count,
        },
        "answers": [
            {"question_id": question.id, "label": review.localized(question.label, locale, event.languages),
             "value": (application.answers or {}).get(str(question.id)), "text": text}
            for question, text in zip(questions, record.answers)
        ],
    }


@bp.route("/events/<slug>/applications")
@event_route(can_decide_applications)
def list_applications(event: Event):
    status = request.args.get("status") or None
    if status is not None:
        if status not in {s.value for s in ApplicationStatus} or status == ApplicationStatus.draft.value:
            abort_with(400, _("Unknown status: %(status)s.", status=status[:40]))
        status = ApplicationStatus(status)
    locale = current_locale()
    questions, records = review.application_records(current_user, event, locale=locale, status=status)
    year = event_year(event, utcnow())  # ages counted in the event's year, as the review queue does
    return jsonify(applications=[application_data(record, questions, locale=locale, event=event, year=year)
                                 for record in records])


_PERSON = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
        "background": {"type": ["string", "null"], "enum": ["it", "non_it", None]},
        "region": {"type": ["string", "null"]}, "country": {"type": ["string", "null"]},
        "age_band": {"type": "string", "enum": ["under_18", "18-24", "25-34", "35-44", "45-54", "55+", "unknown"]},
        "is_captain": {"type": "boolean"},
    },
}

document(
    paths={
        "/events/{slug}/applications": {
            "get": {
                "summary": "The event's applications (drafts excluded), for its organisers",
                "description": "The same data as the CSV export: applicant, team with every member, ratings and "
                               "answers (labels in the caller's language). Organisers and site admins only.",
                "operationId": "listApplications",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": [s.value for s in ApplicationStatus
                                                           if s != ApplicationStatus.draft]}},
                ],
                "responses": {
                    "200": json_response({"type": "object", "properties": {"applications": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Application"}}}},
                        "The applications, oldest submission first"),
                    "400": json_response(ERROR, "Unknown status"),
                    "401": json_response(ERROR, "Missing, invalid or revoked token"),
                    "403": json_response(ERROR, "The caller does not organise the event"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "ApplicationPerson": _PERSON,
        "Application": {
            "type": "object",
            "required": ["id", "kind", "status", "applicant", "rating", "answers"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["individual", "team"]},
                "status": {"type": "string", "enum": [s.value for s in ApplicationStatus]},
                "looking_for_team": {"type": "boolean"},
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "decided_at": {"type": ["string", "null"], "format": "date-time"},
                "decision_reason": {"type": ["string", "null"]},
                "confirm_by": {"type": ["string", "null"], "format": "date-time"},
                "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
                "waitlist_rank": {"type": ["integer", "null"]},
                "applicant": {"$ref": "#/components/schemas/ApplicationPerson"},
                "team": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "idea": {"type": "string"},
                    "track": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}}}]},
                    "members": {"type": "array", "items": {"$ref": "#/components/schemas/ApplicationPerson"}},
                }}]},
                "rating": {"type": "object", "properties": {
                    "average": {"type": ["number", "null"], "description": "Rounded to two decimals"},
                    "count": {"type": "integer"}}},
                "answers": {"type": "array", "items": {"type": "object", "properties": {
                    "question_id": {"type": "integer"}, "label": {"type": "string"},
                    "value": {"description": "As stored: text, number, yes/no or option values"},
                    "text": {"type": "string", "description": "As shown to a reader (option labels)"}}}},
            },
        },
    },
)
