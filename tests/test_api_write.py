"""The write API: token scopes (existing tokens read only), importing applicants and bulk decisions through
/api/v1 with a write token, what every kind of caller gets, and the OpenAPI document describing both."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import ApiToken
from hackathon.accounts.services import create_api_token
from hackathon.applications.models import Application, ApplicationStatus
from hackathon.audit import AuditEntry
from hackathon.events.models import Role
from hackathon.extensions import db
from tests import factories as f

IMPORT = "/api/v1/events/hack/applications/import"
DECIDE = "/api/v1/events/hack/applications/decisions"
CSV = b"\xef\xbb\xbfEmail;Name\naida@example.org;Aida\nbek@example.org;Bek\n"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(make_event, make_user, grant):
    w = type("World", (), {})()
    w.event = make_event("hack")
    other = make_event("other")
    w.users = {name: make_user(name=name.title(), admin=name == "admin")
               for name in ("stranger", "applicant", "participant", "mentor", "juror", "reviewer", "organiser",
                            "other_organiser", "admin")}
    for name, role in (("participant", Role.participant), ("mentor", Role.mentor), ("juror", Role.juror),
                       ("reviewer", Role.reviewer), ("organiser", Role.organiser)):
        grant(w.users[name], w.event, role)
    grant(w.users["other_organiser"], other, Role.organiser)
    w.applications = [f.create_application(w.event, make_user(), status="submitted") for _ in range(3)]
    w.draft = f.create_application(w.event, w.users["applicant"], status="draft")
    w.foreign = f.create_application(other, make_user(), status="submitted")
    w.write = {name: create_api_token(user, "w", scope="write")[1] for name, user in w.users.items()}
    w.read = {name: create_api_token(user, "r")[1] for name, user in w.users.items()}
    return w


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_tokens_are_read_only_unless_made_for_writing(world):
    assert {t.scope for t in db.session.scalars(select(ApiToken))} == {"read", "write"}
    from hackathon.errors import DomainError

    with pytest.raises(DomainError):
        create_api_token(world.users["admin"], "x", scope="admin")


def test_a_write_token_imports_a_csv_body(client, world, outbox):
    response = client.post(IMPORT, data=CSV, headers=bearer(world.write["organiser"]) | {"Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()["report"]
    assert report["written"] and report["accounts_created"] == 2 and report["applications_created"] == 2
    assert report["mapping"] == {"Email": "email", "Name": "name"}
    again = client.post(IMPORT, data=CSV, headers=bearer(world.write["organiser"]) | {"Content-Type": "text/csv"})
    assert again.get_json()["report"]["unchanged"] == 2 and not again.get_json()["report"]["written"]
    assert {m.to_address for m in outbox() if m.template == "applicant_imported"} == {"aida@example.org",
                                                                                      "bek@example.org"}


def test_a_multipart_upload_with_a_mapping_and_a_dry_run(client, world):
    data = {"file": (io.BytesIO(b"Contact\ncara@example.org\n"), "people.csv"), "mapping": "Contact=email"}
    response = client.post(IMPORT + "?dry_run=1", data=data, headers=bearer(world.write["admin"]),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["report"]["rows"] == 1
    assert not response.get_json()["report"]["written"] and count(AuditEntry) == 0


def test_bad_rows_are_a_422_with_their_lines_and_nothing_is_written(client, world):
    body = b"Email,Name\nok@example.org,Ok\nnot-an-address,X\nok@example.org,Again\n"
    before = count(Application)
    response = client.post(IMPORT, data=body, headers=bearer(world.write["organiser"]) | {"Content-Type": "text/csv"})
    assert response.status_code == 422
    report = response.get_json()["report"]
    assert [e["line"] for e in report["errors"]] == [3, 4] and not report["written"]
    assert count(Application) == before
    response = client.post(IMPORT, data=b"Name\nx\n", headers=bearer(world.write["organiser"]) |
                           {"Content-Type": "text/csv"})
    assert response.status_code == 400 and "email address" in response.get_json()["error"]["message"]
    response = client.post(IMPORT, headers=bearer(world.write["organiser"]))
    assert response.status_code == 400


def test_bulk_decisions_through_the_api(client, world, outbox):
    ids = [a.id for a in world.applications]
    response = client.post(DECIDE, json={"decision": "accepted", "application_ids": ids[:2] + [world.draft.id],
                                         "reason": "Welcome"}, headers=bearer(world.write["organiser"]))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["changed"] == ids[:2] and data["refused"][0]["id"] == world.draft.id
    assert "cannot be decided" in data["refused"][0]["message"]
    db.session.expire_all()
    assert db.session.get(Application, ids[0]).status == ApplicationStatus.accepted
    again = client.post(DECIDE, json={"decision": "accepted", "application_ids": ids[:1]},
                        headers=bearer(world.write["organiser"]))
    assert again.get_json()["unchanged"] == ids[:1]
    assert count(AuditEntry) == 2
    # Another event's id changes nothing at all.
    response = client.post(DECIDE, json={"decision": "rejected", "application_ids": [ids[2], world.foreign.id]},
                           headers=bearer(world.write["organiser"]))
    assert response.status_code == 404
    assert db.session.get(Application, ids[2]).status == ApplicationStatus.submitted


@pytest.mark.parametrize("body", [None, "[]", {"decision": "maybe", "application_ids": [1]},
                                  {"decision": "accepted", "application_ids": []},
                                  {"decision": "accepted", "application_ids": ["1"]},
                                  {"decision": "accepted", "application_ids": [True]},
                                  {"decision": "accepted", "application_ids": [2**40]},
                                  {"decision": "accepted", "application_ids": [1], "reason": 5},
                                  {"decision": "accepted", "application_ids": [1], "reason": "x" * 501}])
def test_a_malformed_decision_is_a_400_with_a_message(client, world, body):
    headers = bearer(world.write["organiser"])
    response = (client.post(DECIDE, data=body, headers=headers | {"Content-Type": "application/json"})
                if isinstance(body, str) or body is None else client.post(DECIDE, json=body, headers=headers))
    assert response.status_code == 400 and response.get_json()["error"]["message"]
    assert count(AuditEntry) == 0


WHO = {"anonymous": 401, "session": 401, "stranger": 403, "applicant": 403, "participant": 403, "mentor": 403,
       "juror": 403, "reviewer": 403, "other_organiser": 403, "organiser": 200, "admin": 200}


# Read by tests/test_permissions.py (every route has a row somewhere); each is walked for every caller below.
ROUTES = [("POST", IMPORT, None, WHO), ("POST", DECIDE, None, WHO)]


@pytest.mark.parametrize("who", list(WHO))
@pytest.mark.parametrize("path", [row[1] for row in ROUTES])
def test_who_may_write(client, world, who, path):
    from tests.test_permissions import sign_in

    headers = {}
    if who == "session":
        sign_in(client, world.users["organiser"])  # a browser session, no token: writes need a token
    elif who != "anonymous":
        headers = bearer(world.write[who])
    if path == IMPORT:
        response = client.post(path, data=b"Email\nz@example.org\n", headers=headers | {"Content-Type": "text/csv"})
    else:
        response = client.post(path, json={"decision": "rejected", "application_ids": [world.applications[0].id]},
                               headers=headers)
    assert response.status_code == WHO[who], response.get_json()


@pytest.mark.parametrize("who", ["organiser", "admin"])
@pytest.mark.parametrize("path", [IMPORT, DECIDE])
def test_a_read_token_cannot_write(client, world, who, path):
    response = client.post(path, json={"decision": "rejected", "application_ids": [world.applications[0].id]},
                           headers=bearer(world.read[who]))
    assert response.status_code == 403 and "can only read" in response.get_json()["error"]["message"]
    assert count(AuditEntry) == 0
    assert client.get("/api/v1/events/hack/applications", headers=bearer(world.read[who])).status_code == 200


def test_an_event_the_caller_cannot_see_is_a_404(client, world, make_event):
    make_event("hidden", is_published=False)
    response = client.post("/api/v1/events/hidden/applications/decisions", json={
        "decision": "rejected", "application_ids": [1]}, headers=bearer(world.write["organiser"]))
    assert response.status_code == 404


def test_the_openapi_document_describes_the_writes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    imported = document["paths"]["/events/{slug}/applications/import"]["post"]
    decided = document["paths"]["/events/{slug}/applications/decisions"]["post"]
    assert imported["operationId"] == "importApplications" and "422" in imported["responses"]
    assert "text/csv" in imported["requestBody"]["content"]
    assert decided["requestBody"]["content"]["application/json"]["schema"]["required"] == ["decision",
                                                                                            "application_ids"]
    assert "ImportReport" in document["components"]["schemas"]


def test_the_tokens_page_makes_a_write_token(client, world):
    from tests.test_permissions import sign_in

    sign_in(client, world.users["stranger"])
    response = client.post("/account/tokens", data={"name": "importer", "scope": "write"})
    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "importer"))
    assert token.scope == "write"
    assert "Read and write" in response.get_data(as_text=True)


def test_the_cli_makes_a_write_token(runner, world):
    result = runner.invoke(args=["tokens", "create", world.users["admin"].email, "--name", "import",
                                 "--scope", "write"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(ApiToken.scope).where(ApiToken.name == "import")) == "write"
