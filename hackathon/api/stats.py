"""API: inclusion statistics of an event, every stage of the funnel with its breakdowns. Organisers of the event
and site admins read exact counts; once the organisers share the report, anyone who can see the event reads
the suppressed ones (applications/disclosure.py: null and a `_suppressed` flag)."""
from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from hackathon.api import bp
from hackathon.api.openapi import ERROR, document, json_response
from hackathon.applications import disclosure
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.report import can_download_report, report_settings
from hackathon.applications.stats import DIMENSIONS, STAGES
from hackathon.database import utcnow
from hackathon.events.models import Event
from hackathon.extensions import login_manager
from hackathon.permissions import can_manage_event, load_event


def _count(prefix: str, count: disclosure.Count | None) -> dict:
    if count is None:
        return {prefix: None}
    return {prefix: count.value, f"{prefix}_suppressed": count.suppressed}


def _rate(rate: disclosure.Rate | None) -> int | None:
    return None if rate is None else rate.value


def _row(row: disclosure.DisclosedRow, stage: str, first: str) -> dict:
    """A group at a stage: its people and, at the first stage, its share of everyone who applied; later, the %
    of the group's previous stage in use."""
    rate = row.share if stage == first else row.rates.get(stage, disclosure.Rate(None))
    return {"value": row.value, **_count("people", row.counts[stage]), "percent": rate.value,
            "percent_suppressed": rate.suppressed}


def stats_as_json(event: Event, disclosed: disclosure.Disclosed, *, exact: bool) -> dict:
    """The funnel with raw keys ("18-24", "bishkek", "KG", "it", "unknown"): one object per stage, named after it,
    with its totals and breakdowns; the same objects (without breakdowns) in `funnel`, in order, and in
    `breakdowns` each group's people at every stage on one row (the shape before the whole funnel)."""
    first = disclosed.stages[0]
    data = {
        "event": event.slug,
        "reference_year": disclosed.year,
        "home_country": disclosed.home_country,
        "exact": exact,
        "suppression": {"threshold": None if exact else disclosed.threshold},
        "stages": list(disclosed.stages),
        "in_use": [stage for stage in disclosed.stages if stage in disclosed.in_use],
        "age_bands": [band.key for band in disclosed.age_bands],
        "not_counted": dict(disclosed.not_counted),
        "funnel": [],
        "notes": [
            {"dimension": note.dimension, "value": note.value, "previous": note.previous, "stage": note.stage,
             "count": note.count, "base": note.base, "rest_count": note.rest_count, "rest_base": note.rest_base,
             "percent": note.rate, "rest_percent": note.rest_rate, "relative_percent": note.relative,
             "small": note.small}
            for note in disclosed.notes
        ],
    }
    for total in disclosed.totals:
        suppressed = {name: getattr(total, f"{name}_percent").suppressed
                      for name in ("people", "teams", "applications")}
        stage = {
            "stage": total.stage, "in_use": total.in_use, "previous": total.previous,
            **_count("people", total.people), **_count("teams", total.teams),
            **_count("applications", total.applications),
            **_count("individual_applications", total.individual_applications),
            "percent_of_previous": {"people": _rate(total.people_percent), "teams": _rate(total.teams_percent),
                                    "applications": _rate(total.applications_percent)},
            "percent_of_previous_suppressed": suppressed,
        }
        data["funnel"].append(stage)
        data[total.stage] = stage | {
            "breakdown_percent_of": "all_applied" if total.stage == first else total.previous,
            "breakdowns": {dimension: [_row(row, total.stage, first) for row in rows]
                           for dimension, rows in disclosed.breakdowns.items()},
        }
    data["breakdowns"] = {
        dimension: [
            {"value": row.value, **{stage: count.value for stage, count in row.counts.items()},
             "suppressed": [stage for stage, count in row.counts.items() if count.suppressed],
             "percent_of_applied": row.share.value,
             "percent_of_previous": {stage: rate.value for stage, rate in row.rates.items()}}
            for row in rows
        ]
        for dimension, rows in disclosed.breakdowns.items()
    }
    return data


@bp.route("/events/<slug>/stats")
def event_stats(slug: str):
    event = load_event(slug)  # 404 when hidden from the caller
    settings = report_settings(event)
    if not can_download_report(current_user, event, settings):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()  # 401
        abort(403)
    exact = can_manage_event(current_user, event)
    funnel = load_funnel(event, now=utcnow())
    disclosed = disclosure.exact(funnel) if exact else disclosure.disclose(funnel, threshold=settings.threshold)
    return jsonify(stats=stats_as_json(event, disclosed, exact=exact))


_PERCENT = {"type": ["integer", "null"], "minimum": 0, "maximum": 100,
            "description": "Whole percentage, rounded half up once; null when the base is zero or when suppressed."}
_COUNT = {"type": ["integer", "null"], "minimum": 0, "description": "Null when suppressed (see the flag)."}
_FLAG = {"type": "boolean", "description": "True when the number beside it is suppressed (set to null)."}
_TOTALS = {
    "stage": {"type": "string", "enum": list(STAGES)},
    "in_use": {"type": "boolean", "description": "False while nobody at the event can reach the stage (no "
                                                 "mentor assigned, no shortlist published...)."},
    "previous": {"type": ["string", "null"], "description": "The stage percentages are of: the nearest earlier "
                                                            "stage in use."},
    "people": _COUNT, "people_suppressed": _FLAG,
    "teams": _COUNT, "teams_suppressed": _FLAG,
    "applications": {**_COUNT, "description": "Only for applied, accepted and confirmed; else null."},
    "applications_suppressed": _FLAG,
    "individual_applications": _COUNT, "individual_applications_suppressed": _FLAG,
    "percent_of_previous": {"type": "object", "properties": {"people": _PERCENT, "teams": _PERCENT,
                                                             "applications": _PERCENT}},
    "percent_of_previous_suppressed": {"type": "object", "additionalProperties": {"type": "boolean"}},
}
_ROW = {"type": "object", "properties": {
    "value": {"type": "string", "example": "18-24"},
    "people": _COUNT, "people_suppressed": _FLAG,
    "percent": {**_PERCENT, "description": "At applied: the group's share of everyone who applied; later: the % "
                                           "of the group's previous stage in use."},
    "percent_suppressed": _FLAG,
}}

document(
    paths={
        "/events/{slug}/stats": {
            "get": {
                "summary": "Inclusion statistics: every stage of the funnel and its breakdowns",
                "description": (
                    "One object per stage, named after it (`applied`, `accepted`, `confirmed`, `in_team`, "
                    "`mentored`, `submitted`, `shortlisted`, `finalist`, `awarded`), with people, teams "
                    "(and applications up to `confirmed`), the percentage of the previous stage in use, and "
                    "`breakdowns` by dimension (" + ", ".join(DIMENSIONS) + ") with raw keys (age band "
                    "`18-24`, region `bishkek`, country `KG`, background `it`...; `unknown` is a profile field "
                    "left empty). A person counts once per stage; each stage counts only people who reached "
                    "the one before it. `funnel` lists the same stage objects in order, without breakdowns.\n\n"
                    "Organisers of the event and site admins get exact counts (`exact: true`). Once the "
                    "organisers share the report, anyone who can see the event gets it with small cells "
                    "suppressed: a count of 1 to threshold - 1 people is null with `<name>_suppressed: true`, "
                    "and so is the next smallest cell of a dimension where one alone could be subtracted from "
                    "the total, and every percentage computed from a suppressed count; notes lose their "
                    "suppressed counts. Otherwise 403 (401 when signed out)."
                ),
                "operationId": "getEventStats",
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": json_response({"type": "object", "properties": {
                        "stats": {"$ref": "#/components/schemas/InclusionStats"}}}, "The statistics"),
                    "401": json_response(ERROR, "Not signed in, or an invalid or revoked token"),
                    "403": json_response(ERROR, "Not an organiser of the event, and the report is not shared"),
                    "404": json_response(ERROR, "No such event, or not visible to the caller"),
                },
            }
        }
    },
    schemas={
        "InclusionStage": {"type": "object", "properties": {
            **_TOTALS,
            "breakdown_percent_of": {"type": ["string", "null"],
                                     "description": "`all_applied` at the first stage, else the previous stage"},
            "breakdowns": {"type": "object", "additionalProperties": {"type": "array", "items": _ROW}},
        }},
        "InclusionStats": {
            "type": "object",
            "required": ["event", "reference_year", "home_country", "exact", "stages", "in_use", "funnel",
                         "not_counted", "notes", *STAGES],
            "properties": {
                "event": {"type": "string", "description": "The event's slug"},
                "reference_year": {"type": "integer", "description": "Ages are counted in this year"},
                "home_country": {"type": "string", "example": "KG"},
                "exact": {"type": "boolean", "description": "True for the event's organisers: nothing suppressed"},
                "suppression": {"type": "object", "properties": {"threshold": {
                    "type": ["integer", "null"], "description": "Counts under this many people are suppressed; "
                                                                "null when exact"}}},
                "stages": {"type": "array", "items": {"type": "string"}, "example": list(STAGES)},
                "in_use": {"type": "array", "items": {"type": "string"}},
                "age_bands": {"type": "array", "items": {"type": "string"}, "example": ["under_18", "18-24"]},
                "not_counted": {"type": "object", "properties": {
                    "draft": {"type": "integer"}, "withdrawn": {"type": "integer"}, "merged": {"type": "integer"}}},
                "funnel": {"type": "array", "items": {"type": "object", "properties": _TOTALS}},
                "breakdowns": {
                    "type": "object",
                    "description": "By dimension, one row per group with its people at every stage (null when "
                                   "suppressed, the stage then listed in `suppressed`).",
                    "additionalProperties": {"type": "array", "items": {"type": "object", "properties": {
                        "value": {"type": "string"}, **{stage: _COUNT for stage in STAGES},
                        "suppressed": {"type": "array", "items": {"type": "string"}},
                        "percent_of_applied": _PERCENT,
                        "percent_of_previous": {"type": "object", "additionalProperties": _PERCENT}}}},
                },
                "notes": {"type": "array", "description": "Groups whose rate from `previous` to `stage` is markedly "
                                                          "below the others' (under four fifths of it).",
                          "items": {"type": "object", "properties": {
                              "dimension": {"type": "string"}, "value": {"type": "string"},
                              "previous": {"type": "string"}, "stage": {"type": "string"},
                              "count": _COUNT, "base": _COUNT, "rest_count": _COUNT, "rest_base": _COUNT,
                              "percent": _PERCENT, "rest_percent": _PERCENT, "relative_percent": {
                                  "type": ["integer", "null"], "description": "The group's rate as a % of the "
                                                                              "others'"},
                              "small": {"type": "boolean", "description": "Counts too small to read much into"}}}},
                **{stage: {"$ref": "#/components/schemas/InclusionStage"} for stage in STAGES},
            },
        },
    },
)
