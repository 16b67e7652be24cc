"""A person's export through the test client: everything the app holds about them as JSON (a constant number of
queries whatever their activity), and a streamed ZIP with their files (100 MB without holding it in memory);
signed-out visitors are sent to sign in; nobody's export carries another person's data."""
from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hackathon.audit import record_audit
from hackathon.events.models import Role
from hackathon.events.phases import Phase
from hackathon.extensions import db
from hackathon.privacy import services
from hackathon.privacy.models import DataRequest
from hackathon.results.models import Certificate
from hackathon.submissions.models import Attachment
from tests import factories as f
from tests.queries import recorded_statements
from tests.test_challenges import sign_in


@pytest.fixture
def files_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["UPLOAD_STORAGE"] = "local"
    return tmp_path / "uploads"


def client_for(app, user=None):
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    return client


def activity(event, person, teammate, juror, organiser, *, files=("deck", "screenshot")):
    """One event's worth of a participant's traces: an answered application, a team with a project and files,
    a check-in, a juror's sheet on the project, a certificate and an audit entry about the person."""
    question = f.create_question(event, "long_text", "Why do you apply?")
    application = f.create_application(event, person, status="confirmed", answers={str(question.id): "To map wells"})
    f.rate_application(application, juror, 5, "Strong motivation")
    team = f.create_team(event, person, teammate, name=f"Taza Suu {event.id}")
    submission = f.create_submission(team, by=person, files=files)
    f.create_check_in(team, person, done="Cleaned the well data")
    judging_round = f.create_round(event, organiser, "Screening", criteria=[("Impact", 1, None)])
    f.create_sheet(judging_round, juror, submission, comment_to_team="Good map")
    db.session.add(Certificate(event_id=event.id, user_id=person.id, code=f"code{event.id}", kind="participation",
                               team_name=team.name, project_title=submission.title))
    record_audit(actor=organiser, action="team.remove_member", event_id=event.id, target=person,
                 after={"email": person.email})
    db.session.commit()
    return SimpleNamespace(application=application, team=team, submission=submission, question=question)


@pytest.fixture
def people(app, files_dir):
    organiser = f.create_user(name="Organiser Olga")
    w = SimpleNamespace(organiser=organiser,
                        person=f.create_user("aida@example.org", name="Aida Asanova", year_of_birth=1990,
                                             region="naryn", country="KG"),
                        teammate=f.create_user("bek@example.org", name="Bek Teammate"),
                        juror=f.create_user(name="Juror Jyldyz"),
                        stranger=f.create_user("stranger@example.org", name="Stranger Danger"))
    w.event = f.create_event("hack", phase=Phase.judging, organiser=organiser)
    f.grant(w.juror, w.event, Role.juror)
    w.activity = activity(w.event, w.person, w.teammate, w.juror, organiser)
    return w


def export_of(app, user) -> dict:
    response = client_for(app, user).get("/account/data.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def test_the_export_holds_everything_about_the_person_and_nothing_secret(app, people):
    data = export_of(app, people.person)
    assert data["account"]["email"] == "aida@example.org" and data["account"]["year_of_birth"] == 1990
    assert "password_hash" not in data["account"]
    [application] = data["applications"]
    assert application["answers"] == [{"question_id": people.activity.question.id,
                                       "question": {"en": "Why do you apply?", "ru": "Why do you apply?",
                                                    "ky": "Why do you apply?"}, "answer": "To map wells"}]
    # What the reviewer made of it, without who.
    assert [(r["score"], r["note"]) for r in data["application_ratings_received"]] == [(5, "Strong motivation")]
    assert "reviewer_id" not in data["application_ratings_received"][0]
    assert [t["name"] for t in data["teams"]] == [people.activity.team.name]
    assert "join_code" not in data["teams"][0]
    assert len(data["team_memberships"]) == 1
    assert [c["done"] for c in data["check_ins"]] == ["Cleaned the well data"]
    assert [s["title"] for s in data["submissions"]] == [people.activity.submission.title]
    assert data["submission_versions_authored"]
    assert sorted(a["kind"] for a in data["files_uploaded"]) == ["deck", "screenshot"]
    assert all("storage_key" not in a for a in data["files_uploaded"])
    assert [c["kind"] for c in data["certificates"]] == ["participation"]
    assert [e["action"] for e in data["audit_entries"]] == ["team.remove_member"]
    assert [e["slug"] for e in data["events"]] == ["hack"]
    assert data["score_sheets"] == []  # a participant wrote none
    text = json.dumps(data)
    assert "Stranger Danger" not in text and "stranger@example.org" not in text
    assert "Juror Jyldyz" not in text  # their sheet on the project is theirs, not the participant's


def test_a_juror_exports_their_sheets(app, people):
    data = export_of(app, people.juror)
    [sheet] = data["score_sheets"]
    assert sheet["comment_to_team"] == "Good map" and sheet["event_id"] == people.event.id
    assert sheet["round"]["en"] == "Screening"
    assert [r["note"] for r in data["application_ratings_given"]] == ["Strong motivation"]
    assert "aida@example.org" not in json.dumps(data["score_sheets"])


def test_the_query_count_does_not_grow_with_the_persons_activity(app, people):
    def queries() -> int:
        client = client_for(app, people.person)
        with recorded_statements() as statements:
            assert client.get("/account/data.json").status_code == 200
        return len(statements)

    before = queries()
    for _ in range(2):
        event = f.create_event(phase=Phase.judging, organiser=people.organiser)
        activity(event, people.person, people.teammate, people.juror, people.organiser)
    after = queries()
    assert after == before, (before, after)
    assert before <= 40


def test_signed_out_visitors_are_sent_to_sign_in(app, people):
    for path in ("/account/data.json", "/account/data.zip"):
        response = client_for(app).get(path)
        assert response.status_code == 302 and response.location.startswith("/login?next="), path


def test_organisers_see_how_many_exported_not_who(app, people):
    export_of(app, people.person)
    export_of(app, people.person)  # twice: one person
    export_of(app, people.teammate)
    assert services.data_request_counts(people.event) == {"export": 2, "erasure": 0}
    export_of(app, people.stranger)  # no part in the event
    assert services.data_request_counts(people.event)["export"] == 2
    assert db.session.scalar(select(DataRequest).where(DataRequest.user_id == people.stranger.id)) is None


def test_the_zip_holds_the_json_and_the_persons_files(app, people, files_dir):
    response = client_for(app, people.person).get("/account/data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "aida@example.org"
    from hackathon.submissions.storage import get_storage

    for row in db.session.scalars(select(Attachment).where(Attachment.uploaded_by_id == people.person.id)):
        assert archive.read(f"files/{row.id}-{row.display_name}") == get_storage().open(row.storage_key)
    assert "MISSING.txt" not in archive.namelist()
    # The teammate uploaded nothing: a ZIP with the JSON only.
    names = zipfile.ZipFile(io.BytesIO(client_for(app, people.teammate).get("/account/data.zip").get_data())).namelist()
    assert names == ["data.json"]


def test_a_file_gone_from_the_storage_is_listed_not_fatal(app, people, files_dir):
    from hackathon.submissions.storage import get_storage

    row = db.session.scalars(select(Attachment).where(Attachment.uploaded_by_id == people.person.id)).first()
    get_storage().delete(row.storage_key)
    archive = zipfile.ZipFile(io.BytesIO(client_for(app, people.person).get("/account/data.zip").get_data()))
    assert f"files/{row.id}-{row.display_name}" in archive.read("MISSING.txt").decode()


def test_the_zip_works_with_the_database_storage(app, people):
    app.config["UPLOAD_STORAGE"] = "database"
    try:
        submission = people.activity.submission
        f.attach_file(submission, "deck", name="plan.pdf", data=b"%PDF-1.4 plan", by=people.person)
        archive = zipfile.ZipFile(io.BytesIO(client_for(app, people.person).get("/account/data.zip").get_data()))
        assert any(name.endswith("-plan.pdf") for name in archive.namelist())
        assert archive.read(next(n for n in archive.namelist() if n.endswith("-plan.pdf"))) == b"%PDF-1.4 plan"
    finally:
        app.config["UPLOAD_STORAGE"] = "local"


def test_a_hundred_megabytes_of_files_are_streamed_not_held_in_memory(app, people, files_dir, tmp_path):
    """Four 25 MB files written straight into the local storage; the ZIP is read chunk by chunk into a file while
    tracemalloc watches: the peak stays a small fraction of the archive."""
    from hackathon.submissions.storage import get_storage, new_key

    storage = get_storage()
    block = os.urandom(1024 * 1024)
    for number in range(4):
        key = new_key()
        path = storage.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            for _ in range(25):
                out.write(block)
        db.session.add(Attachment(submission_id=people.activity.submission.id, kind="archive", storage_key=key,
                                  display_name=f"data{number}.zip", content_type="application/zip",
                                  size=25 * 1024 * 1024, sha256="0" * 64, uploaded_by_id=people.person.id))
    db.session.commit()
    client = client_for(app, people.person)
    target = tmp_path / "export.zip"
    tracemalloc.start()
    try:
        response = client.get("/account/data.zip", buffered=False)
        with open(target, "wb") as out:
            for chunk in response.response:
                out.write(chunk)
        response.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = target.stat().st_size
    assert size > 100 * 1024 * 1024
    assert int(response.headers["Content-Length"]) == size
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB archive"
    with zipfile.ZipFile(target) as archive:
        assert len([n for n in archive.namelist() if n.startswith("files/")]) == 6
        assert archive.getinfo(next(n for n in archive.namelist() if n.endswith("data3.zip"))).file_size == 25 << 20
