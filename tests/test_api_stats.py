"""GET /api/v1/events/<slug>/stats over the whole funnel (a key per stage, each with its breakdowns; exact for
organisers, suppressed for others once shared) and the phase in GET /api/v1/events; both in the OpenAPI document."""
from __future__ import annotations

import pytest

from hackathon.applications import stats
from hackathon.database import utcnow
from hackathon.events.phases import Phase
from tests import factories as f
from tests.test_inclusion_report import API, share, sign_in, world  # noqa: F401  (the hand-worked event)


def gender(data: dict, stage: str) -> dict:
    return {row["value"]: row for row in data[stage]["breakdowns"]["gender"]}


def test_organisers_read_every_stage_exactly(client, world):
    event, organiser = world
    _token, secret = f.create_api_token(organiser)
    response = client.get(API.format(slug=event.slug), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()["stats"]
    assert data["exact"] is True and data["suppression"] == {"threshold": None}
    assert data["stages"] == list(stats.STAGES)
    for stage in stats.STAGES:
        assert set(data[stage]["breakdowns"]) == set(stats.DIMENSIONS), stage
        assert data[stage]["stage"] == stage
    assert (data["applied"]["people"], data["applied"]["teams"], data["applied"]["applications"]) == (22, 1, 17)
    assert data["confirmed"]["people"] == 9 and data["confirmed"]["percent_of_previous"]["people"] == 100
    assert data["in_team"]["applications"] is None
    assert gender(data, "applied")["male"] == {"value": "male", "people": 3, "people_suppressed": False,
                                               "percent": 14, "percent_suppressed": False}
    assert gender(data, "confirmed")["female"]["people"] == 6
    assert gender(data, "confirmed")["female"]["percent"] == 100  # 6 of the 6 women accepted
    assert [entry["stage"] for entry in data["funnel"]] == list(stats.STAGES)
    # The one-row-per-group shape is still there.
    rows = {row["value"]: row for row in data["breakdowns"]["gender"]}
    assert (rows["male"]["applied"], rows["male"]["confirmed"], rows["male"]["suppressed"]) == (3, 3, [])


def test_others_read_suppressed_cells_once_the_report_is_shared(client, world):
    event, _organiser = world
    share(event)
    participant = f.create_user()
    sign_in(client, participant)
    data = client.get(API.format(slug=event.slug)).get_json()["stats"]
    assert data["exact"] is False and data["suppression"] == {"threshold": 5}
    applied = gender(data, "applied")
    assert applied["female"]["people"] == 14 and applied["female"]["percent"] == 64
    for group in ("male", "unknown"):
        assert applied[group] == {"value": group, "people": None, "people_suppressed": True, "percent": None,
                                  "percent_suppressed": True}
    assert applied["other"]["people"] == 0 and applied["other"]["people_suppressed"] is False
    confirmed = gender(data, "confirmed")
    assert confirmed["male"]["people"] is None and confirmed["female"]["people"] is None  # the second cell
    assert data["confirmed"]["people"] == 9 and data["confirmed"]["people_suppressed"] is False
    rows = {row["value"]: row for row in data["breakdowns"]["gender"]}
    assert rows["male"]["applied"] is None and "applied" in rows["male"]["suppressed"]
    # In a team: the six women of the team, none of the men (who applied alone): both shown.
    assert data["in_team"]["people"] == 6 and gender(data, "in_team")["female"]["people"] == 6
    assert gender(data, "in_team")["male"]["people"] == 0
    for note in data["notes"]:
        for key in ("count", "base", "rest_count", "rest_base"):
            assert note[key] is None or note[key] == 0 or note[key] >= 5


def test_not_shared_is_refused_to_others(client, world):
    event, _organiser = world
    assert client.get(API.format(slug=event.slug)).status_code == 401
    sign_in(client, f.create_user())
    response = client.get(API.format(slug=event.slug))
    assert response.status_code == 403 and "stats" not in response.get_json()


def test_the_events_list_says_each_events_phase(client, app):
    now = utcnow()
    slugs = {phase: f.create_event(f"in-{phase.value}", phase=phase, now=now).slug for phase in Phase}
    events = {event["slug"]: event for event in client.get("/api/v1/events").get_json()["events"]}
    for phase, slug in slugs.items():
        assert events[slug]["phase"] == phase.value
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["schemas"]["EventSummary"]["properties"]["phase"]["enum"] == [p.value for p in Phase]
    assert "phase" in document["components"]["schemas"]["EventSummary"]["required"]


def test_the_stats_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/events/{slug}/stats"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404"}
    schema = document["components"]["schemas"]["InclusionStats"]
    for stage in stats.STAGES:
        assert schema["properties"][stage] == {"$ref": "#/components/schemas/InclusionStage"}
        assert stage in schema["required"]
    stage_schema = document["components"]["schemas"]["InclusionStage"]
    assert {"people", "people_suppressed", "breakdowns", "percent_of_previous"} <= set(stage_schema["properties"])


@pytest.mark.parametrize("kind", ["organiser", "participant"])
def test_the_answer_matches_its_schema(client, world, kind):
    """Every key the answer has is one the document names (for a stage object and a group row)."""
    event, organiser = world
    share(event)
    sign_in(client, organiser if kind == "organiser" else f.create_user())
    data = client.get(API.format(slug=event.slug)).get_json()["stats"]
    document = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(data) <= set(document["InclusionStats"]["properties"])
    stage_keys = set(document["InclusionStage"]["properties"])
    row_keys = set(document["InclusionStage"]["properties"]["breakdowns"]["additionalProperties"]["items"]
                   ["properties"])
    for stage in stats.STAGES:
        assert set(data[stage]) <= stage_keys
        for rows in data[stage]["breakdowns"].values():
            for row in rows:
                assert set(row) <= row_keys
