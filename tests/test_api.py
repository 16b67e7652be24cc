"""API v1: personal tokens, the same visibility as the pages, the OpenAPI document."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hackathon.accounts.models import ApiToken
from hackathon.accounts.services import create_api_token, revoke_api_token
from hackathon.events.models import Role
from hackathon.extensions import db


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_events_list_shows_published_events_to_everyone(client, make_event):
    make_event(slug="open-event", title="Open")
    make_event(slug="draft-event", title="Draft", is_published=False)
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    slugs = [event["slug"] for event in response.get_json()["events"]]
    assert slugs == ["open-event"]


def test_a_token_sees_the_drafts_its_owner_organises(client, make_user, make_event, grant):
    organiser = make_user()
    draft = make_event(slug="draft-event", is_published=False)
    make_event(slug="someone-elses-draft", is_published=False)
    grant(organiser, draft, Role.organiser)
    _, secret = create_api_token(organiser, "script")
    slugs = [e["slug"] for e in client.get("/api/v1/events", headers=bearer(secret)).get_json()["events"]]
    assert slugs == ["draft-event"]
    detail = client.get("/api/v1/events/draft-event", headers=bearer(secret)).get_json()["event"]
    assert detail["my_roles"] == ["organiser"]
    assert detail["is_published"] is False
    assert client.get("/api/v1/events/someone-elses-draft", headers=bearer(secret)).status_code == 404


def test_event_detail(client, make_event):
    event = make_event(slug="civic", title="Civic Hack", timezone="Asia/Bishkek", min_team_size=2, max_team_size=6)
    data = client.get("/api/v1/events/civic").get_json()["event"]
    assert data["title"] == "Civic Hack"
    assert data["phase"] == "applications"
    assert data["team_size"] == {"min": 2, "max": 6}
    assert data["schedule"]["applications_open_at"] == event.applications_open_at.isoformat()
    assert data["my_roles"] == []
    assert "is_published" not in data  # organisers only


def test_unknown_and_hidden_events_are_json_404(client, make_event):
    make_event(slug="hidden", is_published=False)
    for slug in ("nope", "hidden"):
        response = client.get(f"/api/v1/events/{slug}")
        assert response.status_code == 404
        assert response.get_json()["error"]["status"] == 404


def test_invalid_and_revoked_tokens_are_401(client, make_user):
    user = make_user()
    token, secret = create_api_token(user, "script")
    assert client.get("/api/v1/events", headers=bearer("hk_not-a-token")).status_code == 401
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
    revoke_api_token(user, token.id)
    response = client.get("/api/v1/events", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Invalid or revoked API token."


def test_tokens_are_stored_hashed_and_record_their_use(client, make_user):
    user = make_user()
    _, secret = create_api_token(user, "script")
    stored = db.session.scalar(select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix) and stored.last_used_at is None
    client.get("/api/v1/events", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_a_token_does_not_open_the_html_pages(client, make_user):
    user = make_user()
    _, secret = create_api_token(user, "script")
    assert client.get("/account", headers=bearer(secret)).status_code == 302  # still asks to sign in


def test_openapi_document_describes_the_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/events", "/events/{slug}"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_api_route_is_in_the_openapi_document(app, client):
    documented = set(client.get("/api/v1/openapi.json").get_json()["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            path = path.replace("{int:", "{").replace("{id:", "{")
            assert path in documented, rule.rule


# Errors under an invalid token, hidden and missing events, 405 -----------------------------------------------------

BAD_TOKEN_REQUESTS = [
    ("GET", "/api/v1/nope"),
    ("GET", "/api/v1/events/nonexistent"),
    ("GET", "/api/v1/events/hidden"),
    ("GET", "/api/v1/events/open"),
    ("GET", "/api/v1/events"),
    ("POST", "/api/v1/events"),
    ("GET", "/api/v1/events/open/rounds/2147483648/leaderboard"),
    ("DELETE", "/api/v1/events/open"),
]


@pytest.mark.parametrize(("method", "path"), BAD_TOKEN_REQUESTS)
def test_an_invalid_token_is_a_clean_401_on_every_api_path(client, make_event, method, path):
    """The credentials are checked first: a wrong token is told so, whatever the path (never a 500)."""
    make_event(slug="open")
    make_event(slug="hidden", is_published=False)
    for headers in (bearer("x"), bearer(""), {"Authorization": "Bearer x", "Accept-Language": "ru"}):
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 401, response.get_data(as_text=True)[:500]
        assert response.get_json()["error"] == {"status": 401, "message": "Invalid or revoked API token."}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}], ids=["anonymous", "basic"])
def test_a_missing_and_a_hidden_event_answer_alike(client, make_event, make_user, headers):
    """Someone who may not see an unpublished event cannot tell it from one that does not exist."""
    make_event(slug="hidden", is_published=False)
    _, secret = create_api_token(make_user(), "script")
    for extra in (headers, bearer(secret)):
        answers = [client.get(f"/api/v1/events/{slug}", headers=extra) for slug in ("hidden", "nonexistent")]
        assert [r.status_code for r in answers] == [404, 404]
        assert answers[0].get_json() == answers[1].get_json()
        rounds = [client.get(f"/api/v1/events/{slug}/rounds", headers=extra) for slug in ("hidden", "nonexistent")]
        assert [r.status_code for r in rounds] == [404, 404]


def test_unknown_api_paths_are_json_404_and_wrong_methods_405_with_allow(client, make_event, make_user):
    make_event(slug="open")
    _, secret = create_api_token(make_user(), "script")
    for headers in ({}, bearer(secret)):
        missing = client.get("/api/v1/nope", headers=headers)
        assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404
        wrong = client.post("/api/v1/events", headers=headers)
        assert wrong.status_code == 405 and wrong.get_json()["error"]["status"] == 405
        assert set(wrong.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
        assert client.delete("/api/v1/events/open", headers=headers).headers["Allow"]


def test_a_wrong_method_on_a_page_is_405_with_allow(client, make_event):
    make_event(slug="open")
    for path in ("/logout", "/events/open/"):
        response = client.put(path)
        assert response.status_code == 405
        assert "PUT" not in response.headers["Allow"] and response.headers["Allow"]
        assert "text/html" in response.headers["Content-Type"]
