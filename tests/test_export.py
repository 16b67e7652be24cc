"""Exporting applications: the CSV file (BOM, formula injection, members, answers) and the JSON API."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from hackathon.accounts.models import Background
from hackathon.api.openapi import openapi_document
from hackathon.applications.export import csv_document, export_filename, neutralise
from hackathon.applications.models import ApplicationQuestion, ApplicationRating, ApplicationStatus, QuestionKind
from hackathon.database import utcnow
from hackathon.events.models import Role, Track
from hackathon.extensions import db
from tests.test_review import (QUEUE, SLUG, XSS, event, make_application, make_team,  # noqa: F401
                               organiser, reviewer, sign_in)

S = ApplicationStatus
UTC = timezone.utc
EXPORT = f"{QUEUE}/export.csv"
API = f"/api/v1/events/{SLUG}/applications"


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for spreadsheet programs
    return list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline="")))


# Unit ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1+1", "'+1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
    (" =not a formula", " =not a formula"), ("a=b", "a=b"), (XSS, XSS), ("Кыргызстан 🇰🇬", "Кыргызстан 🇰🇬"),
    ("", ""), (None, ""), (42, "42"), (-3, "'-3"), (True, "yes"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_document_has_a_bom_crlf_and_quotes_what_needs_quoting():
    data = csv_document(["Name", "=Label"], [["A, B", "line\nbreak"], ['say "hi"', "=1+1"]])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8") == ('\ufeffName,\'=Label\r\n"A, B","line\nbreak"\r\n'
                                    '"say ""hi""",\'=1+1\r\n')


@pytest.mark.parametrize(("slug", "expected"), [
    ("civic-2026", "applications-civic-2026-20260301.csv"),
    ('a"b\r\nc/../d', "applications-a-b-c-d-20260301.csv"),
    ("", "applications-event-20260301.csv"),
])
def test_export_filename_is_safe(slug, expected):
    assert export_filename(slug, datetime(2026, 3, 1, tzinfo=UTC)) == expected


# The CSV export ------------------------------------------------------------------------------------------------------

@pytest.fixture
def filled(event, organiser, reviewer, make_user, make_application, make_team):
    """A team and an individual with answers, ratings and hostile text; a draft that is never exported."""
    db.session.add(Track(event_id=event.id, name="Water"))
    questions = [
        ApplicationQuestion(event_id=event.id, position=1, kind=QuestionKind.short_text,
                            label={"en": "Your motivation", "ru": "Ваша мотивация"}),
        ApplicationQuestion(event_id=event.id, position=2, kind=QuestionKind.single_choice,
                            label={"en": "Experience", "ru": "Опыт"},
                            options=[{"value": "a", "label": {"en": "Beginner", "ru": "Новичок"}},
                                     {"value": "b", "label": {"en": "Expert", "ru": "Эксперт"}}]),
        ApplicationQuestion(event_id=event.id, position=3, kind=QuestionKind.number, label={"en": "=Age"}),
    ]
    db.session.add_all(questions)
    db.session.commit()
    motivation, experience, age = (str(question.id) for question in questions)
    captain = make_user(name="Айбек Captain", email="aibek@example.org", region="naryn", background=Background.it,
                        year_of_birth=utcnow().year - 22)
    member = make_user(name="=cmd|' /C calc'!A0", email="member@example.org")
    team = make_team(event, captain, members=[member], name=f"Team {XSS}", idea="+SUM(1)", track=event.tracks[0],
                     submitted_at=datetime(2026, 3, 1, 6, 0, tzinfo=UTC),
                     answers={motivation: "=HYPERLINK(\"http://evil.test\",\"click\")", experience: "b", age: -5})
    alone = make_application(event, make_user(name="Aida", email="aida@example.org"), looking_for_team=True,
                             submitted_at=datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
                             answers={motivation: "Water 💧 for all", experience: "a"})
    make_application(event, make_user(name="Draft Person"), status=S.draft)
    db.session.add_all([ApplicationRating(application_id=team.id, reviewer_id=reviewer.id, score=4),
                        ApplicationRating(application_id=team.id, reviewer_id=organiser.id, score=5)])
    db.session.commit()
    return team, alone


def test_organiser_downloads_every_application_as_csv(client, login, organiser, filled):
    team, alone = filled
    login(client, organiser)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="applications-civic-2026-')
    assert response.headers["Content-Disposition"].endswith('.csv"')
    header, *rows = read_csv(response)
    assert header[:4] == ["ID", "Type", "Status", "Team"]
    assert header[-3:] == ["Your motivation", "Experience", "'=Age"]
    assert "Submitted at (Asia/Bishkek)" in header
    assert len(rows) == 2  # no draft
    by_id = {row[0]: dict(zip(header, row)) for row in rows}

    team_row = by_id[str(team.id)]
    assert team_row["Team"] == f"Team {XSS}"  # verbatim: CSV is not HTML
    assert team_row["Idea"] == "'+SUM(1)"
    assert team_row["Track"] == "Water"
    assert team_row["Members"] == "Айбек Captain <aibek@example.org>; =cmd|' /C calc'!A0 <member@example.org>"
    assert team_row["Number of members"] == "2"
    assert team_row["Submitted at (Asia/Bishkek)"] == "2026-03-01 12:00"
    assert (team_row["Average rating"], team_row["Ratings"]) == ("4.5", "2")
    assert team_row["Your motivation"] == "'=HYPERLINK(\"http://evil.test\",\"click\")"
    assert team_row["Experience"] == "Expert"
    assert team_row["'=Age"] == "'-5"

    alone_row = by_id[str(alone.id)]
    assert (alone_row["Type"], alone_row["Team"], alone_row["Applicant"]) == ("Individual", "", "Aida")
    assert alone_row["Looking for a team"] == "Yes"
    assert alone_row["Your motivation"] == "Water 💧 for all"
    assert (alone_row["Average rating"], alone_row["Ratings"]) == ("", "0")


def test_every_cell_that_starts_like_a_formula_is_neutralised(client, login, organiser, filled):
    login(client, organiser)
    _header, *rows = read_csv(client.get(EXPORT))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_headers_follow_the_organisers_language(client, login, organiser, filled):
    organiser.locale = "ru"
    db.session.commit()
    login(client, organiser)
    header, *rows = read_csv(client.get(EXPORT))
    assert "Ваша мотивация" in header and "Опыт" in header
    assert "Эксперт" in [cell for row in rows for cell in row]


@pytest.mark.parametrize("who", ["reviewer", "stranger", "anonymous"])
def test_only_organisers_export(client, make_user, reviewer, filled, who):
    if who == "reviewer":
        sign_in(client, reviewer)
    elif who == "stranger":
        sign_in(client, make_user())
    response = client.get(EXPORT)
    assert response.status_code == {"reviewer": 403, "stranger": 403, "anonymous": 302}[who]
    assert b"aibek@example.org" not in response.get_data()


def test_export_query_count_does_not_grow(client, event, organiser, make_team, make_application, count_queries):
    db.session.add(ApplicationQuestion(event_id=event.id, kind=QuestionKind.short_text, label={"en": "Q"}))
    db.session.commit()
    sign_in(client, organiser)

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(EXPORT).status_code == 200
        return len(statements)

    def add(n: int) -> None:
        for index in range(n):
            make_team(event, size=2) if index % 2 else make_application(event)

    add(3)
    few = queries()
    add(57)
    assert queries() == few <= 10


# The API -------------------------------------------------------------------------------------------------------------

def test_api_lists_the_same_data_as_json(client, organiser, filled):
    team, alone = filled
    sign_in(client, organiser)

    response = client.get(API)

    assert response.status_code == 200 and response.mimetype == "application/json"
    applications = response.get_json()["applications"]
    assert [item["id"] for item in applications] == [team.id, alone.id]
    first = applications[0]
    assert (first["kind"], first["status"], first["submitted_at"]) == ("team", "submitted", "2026-03-01T06:00:00+00:00")
    assert first["team"]["name"] == f"Team {XSS}" and first["team"]["track"]["name"] == "Water"
    assert [(m["name"], m["email"], m["is_captain"]) for m in first["team"]["members"]] == [
        ("Айбек Captain", "aibek@example.org", True), ("=cmd|' /C calc'!A0", "member@example.org", False)]
    assert first["team"]["members"][0]["age_band"] == "18-24"
    assert first["team"]["members"][0]["region"] == "naryn" and first["team"]["members"][0]["background"] == "it"
    assert first["rating"] == {"average": 4.5, "count": 2}
    assert [(a["label"], a["text"]) for a in first["answers"]] == [
        ("Your motivation", "=HYPERLINK(\"http://evil.test\",\"click\")"), ("Experience", "Expert"), ("=Age", "-5")]
    assert first["answers"][1]["value"] == "b"
    second = applications[1]
    assert second["team"] is None and second["applicant"]["name"] == "Aida" and second["looking_for_team"] is True
    assert second["rating"] == {"average": None, "count": 0}

    only = client.get(API + "?status=submitted").get_json()["applications"]
    assert len(only) == 2
    assert client.get(API + "?status=accepted").get_json()["applications"] == []


@pytest.mark.parametrize("status", ["draft", "bogus", "x" * 300])
def test_api_refuses_unknown_statuses(client, organiser, filled, status):
    sign_in(client, organiser)
    response = client.get(API + "?status=" + status)
    assert response.status_code == 400
    assert "Unknown status" in response.get_json()["error"]["message"]


def test_api_works_with_a_token_and_refuses_others(client, make_user, grant, event, organiser, reviewer, filled):
    from hackathon.accounts.services import create_api_token

    _token, secret = create_api_token(organiser, "export")
    assert client.get(API, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    _token, secret = create_api_token(reviewer, "export")
    response = client.get(API, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.get_json()["error"]["status"] == 403
    assert client.get(API).status_code == 401
    assert client.get(API, headers={"Authorization": "Bearer nope"}).status_code == 401
    participant = make_user()
    grant(participant, event, Role.participant)
    sign_in(client, participant)
    assert client.get(API).status_code == 403


def test_api_hides_a_hidden_event(client, make_user, grant, event, organiser, filled, make_event):
    event.is_published = False
    db.session.commit()
    other_organiser = make_user()
    grant(other_organiser, make_event(slug="other-2026"), Role.organiser)
    sign_in(client, other_organiser)
    assert client.get(API).status_code == 404
    sign_in(client, make_user(admin=True))
    assert client.get(API).status_code == 200


def test_api_is_documented(client):
    document = openapi_document()
    operation = document["paths"]["/events/{slug}/applications"]["get"]
    assert operation["operationId"] == "listApplications"
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}
    assert "Application" in document["components"]["schemas"]
    served = client.get("/api/v1/openapi.json").get_json()
    assert "/events/{slug}/applications" in served["paths"]


def test_the_export_services_check_the_caller(event, reviewer, organiser, filled):
    from hackathon.applications import review
    from hackathon.errors import NotAllowed

    with pytest.raises(NotAllowed):
        review.export_table(reviewer, event, locale="en")
    with pytest.raises(NotAllowed):
        review.application_records(reviewer, event, locale="en")
    header, rows = review.export_table(organiser, event, locale="en")
    assert len(rows) == 2 and header[0] == "ID"
