"""Project files through the test client: uploading a pitch deck, screenshots and an archive, the list on the
team's page, downloading (headers, who may), removing, replacing the deck, limits (per file, per team, screenshot
count, archives off, 413), the deadline, a teammate's change in between, double submits, both storage
backends, nothing half-written when a commit fails, CSRF, query counts, and who may use each route."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import select
from werkzeug.datastructures import FileStorage as Upload

from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.submissions import attachments as services
from hackathon.submissions.file_views import attachment_context
from hackathon.submissions.models import (Attachment, AttachmentKind, StoredBlob, Submission, SubmissionStatus,
                                          SubmissionVersion)
from hackathon.submissions.storage import get_storage
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import (count, counting_queries, pdf_bytes, png_bytes, reset_caches, statuses,
                                       submission_of, text, walk)

UPLOAD = "/events/hack/submission/files"
BACK = "/events/hack/submission"
TEAM_ONLY = dict(participant=200, teammate=200, organiser=200, admin=200)


def zip_data(entries=(("project/README.md", "# Taza Suu"),)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def sample(kind: str) -> tuple[bytes, str]:
    return {"deck": (pdf_bytes(), "deck.pdf"), "screenshot": (png_bytes(), "shot.png"),
            "archive": (zip_data(), "code.zip")}[kind]


def form(kind="screenshot", name=None, data=None, version=None) -> dict:
    default_data, default_name = sample(kind)
    payload = {"kind": kind, "file": (io.BytesIO(default_data if data is None else data), name or default_name)}
    if version is not None:
        payload["version"] = str(version)
    return payload


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def attach(world, user="participant", kind="deck", name=None, data=None, team=None) -> Attachment:
    """An attachment made through the service (as the team's member)."""
    default_data, default_name = sample(kind)
    reset_caches()
    upload = Upload(io.BytesIO(default_data if data is None else data), filename=name or default_name)
    return services.add_attachment(world.users[user], world.event, team or world.team, kind, upload, utcnow())


def stored_files(files_dir) -> list:
    return [p for p in files_dir.rglob("*") if p.is_file()] if files_dir.exists() else []


def live(team) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).join(Submission).where(Submission.team_id == team.id,
                                                                               Attachment.removed_at.is_(None))
                                   .order_by(Attachment.id)))


@pytest.fixture
def world(subs):
    """subs, with a deck in each team's submission; each POST gets a fresh deck of the first team."""
    subs.ids["attachment"] = attach(subs).id
    subs.ids["other_attachment"] = attach(subs, "other_participant", team=subs.other_team).id
    subs.ids["huge"] = 2**31
    made = iter(range(1, 1000))

    def reset():
        subs.ids["attachment"] = attach(subs, name=f"deck {next(made)}.pdf").id
        return subs.ids

    subs.reset = reset
    return subs


@pytest.fixture(params=["local", "database"])
def backend(request, app, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_STORAGE", request.param)
    return request.param


# --- who may do what ----------------------------------------------------------------------------------------------

ROUTES = [
    ("POST", UPLOAD, lambda ids: form(), statuses(403, participant=302, teammate=302, other_participant=302)),
    ("POST", UPLOAD + "/{attachment}/remove", None,
     statuses(403, participant=302, teammate=302, other_participant=404)),
    ("POST", UPLOAD + "/{other_attachment}/remove", None, statuses(403, other_participant=302, participant=404,
                                                                   teammate=404)),
    ("POST", UPLOAD + "/999999/remove", None, statuses(403, participant=404, teammate=404, other_participant=404)),
    # Files: the team and the organisers; everybody else (the anonymous too) a 404, never a hint.
    ("GET", "/events/hack/files/{attachment}", None, statuses(404, anonymous=404, **TEAM_ONLY)),
    ("GET", "/events/hack/files/{other_attachment}", None,
     statuses(404, anonymous=404, other_participant=200, organiser=200, admin=200)),
    ("GET", "/events/hack/files/999999", None, statuses(404, anonymous=404)),
    ("GET", "/events/hack/files/{huge}", None, statuses(404, anonymous=404)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    walk(world, client_for, method, path, data, expected)


def test_file_routes_of_an_unpublished_event_are_hidden(world, client_for):
    world.event.is_published = False
    db.session.commit()
    for visitor in ("anonymous", "stranger", "other_organiser"):
        client = client_for(world.users.get(visitor))
        assert client.get(f"/events/hack/files/{world.ids['attachment']}").status_code == 404
        assert client.post(UPLOAD, data=form()).status_code == 404


def test_file_actions_do_not_answer_get(world, client_for):
    client = client_for(world.users["participant"])
    assert client.get(UPLOAD).status_code == 405
    assert client.get(f"{UPLOAD}/{world.ids['attachment']}/remove").status_code == 405


# --- uploading ------------------------------------------------------------------------------------------------------


def test_a_team_uploads_a_deck_a_screenshot_and_an_archive(subs, client_for, files_dir):
    client = client_for(subs.users["participant"])
    for kind in ("deck", "screenshot", "archive"):
        response = client.post(UPLOAD, data=form(kind))
        assert response.status_code == 302 and response.location.split("#")[0].endswith(BACK), response.location
        assert response.location.endswith("#files")
    assert any("“deck.pdf” is attached" in m for m in flashes(client))
    files = live(subs.team)
    assert [(a.kind, a.display_name, a.content_type) for a in files] == [
        (AttachmentKind.deck, "deck.pdf", "application/pdf"), (AttachmentKind.screenshot, "shot.png", "image/png"),
        (AttachmentKind.archive, "code.zip", "application/zip")]
    screenshot = files[1]
    assert (screenshot.width, screenshot.height, screenshot.uploaded_by_id) == (40, 30, subs.users["participant"].id)
    assert all(re.fullmatch(r"[0-9a-f]{32}", a.storage_key) for a in files)
    # Stored under random names, never the user's.
    assert sorted(p.name for p in stored_files(files_dir)) == sorted(a.storage_key for a in files)
    # Each upload is a version of the submission, and audited.
    submission = submission_of(subs.team)
    versions = list(db.session.scalars(select(SubmissionVersion).where(SubmissionVersion.submission_id
                                                                       == submission.id)
                                       .order_by(SubmissionVersion.number)))
    assert [v.action for v in versions] == ["attachment_added"] * 3 and submission.lock_version == 3
    assert [a["name"] for a in versions[-1].snapshot["attachments"]] == ["deck.pdf", "shot.png", "code.zip"]
    assert versions[-1].changed_fields == ["attachments"]
    assert count(AuditEntry, AuditEntry.action == "submission.attachment_added") == 3


def test_the_team_page_lists_the_files_with_the_upload_forms(subs, app, files_dir):
    attach(subs, kind="deck", name="отчёт.pdf")
    attach(subs, kind="screenshot", name='<img src=x onerror=alert(1)>.png')
    with app.test_request_context("/events/hack/submission"):
        submission = submission_of(subs.team)
        assert subs.event.slug and subs.team.id  # loaded: the page has them already
        with counting_queries() as queries:
            context = attachment_context(subs.event, submission, subs.team)
        assert len(queries) <= 3
        html = render_template_string('{% include "submissions/_attachments.html" %}', event=subs.event, **context)
    assert "отчёт.pdf" in html and "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.png" in html
    for kind in ("deck", "screenshot", "archive"):
        assert f'<label for="file-{kind}">' in html and f'id="file-{kind}"' in html
    assert 'accept=".pdf,application/pdf"' in html
    assert 'accept=".png,.jpg,.jpeg,.webp,image/png,image/jpeg,image/webp"' in html
    assert 'accept=".zip,application/zip"' in html
    assert "Replace the pitch deck" in html and "PDF, up to 20 MB" in html and "at most 5 screenshots" in html
    assert f'name="version" value="{submission.lock_version}"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    assert html.count("/remove") == 2 and 'aria-label="Remove отчёт.pdf"' in html

    # After the deadline: the list without controls.
    subs.event.submissions_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with app.test_request_context("/events/hack/submission"):
        context = attachment_context(subs.event, submission_of(subs.team), subs.team)
        html = render_template_string('{% include "submissions/_attachments.html" %}', event=subs.event, **context)
    assert "/remove" not in html and 'type="file"' not in html and "deadline has passed" in html


def test_archives_switched_off_are_not_offered_or_accepted(subs, client_for, app, files_dir):
    subs.settings.allow_archive = False
    db.session.commit()
    client = client_for(subs.users["participant"])
    client.post(UPLOAD, data=form("archive"))
    assert "do not accept archives" in flashes(client)[-1] and count(Attachment) == 0
    with app.test_request_context("/"):
        context = attachment_context(subs.event, None, subs.team)
    assert [slot["kind"] for slot in context["attachment_slots"]] == ["deck", "screenshot"]


def test_a_new_deck_replaces_the_old_one(subs, client_for, files_dir):
    client = client_for(subs.users["participant"])
    client.post(UPLOAD, data=form("deck", name="first.pdf", data=pdf_bytes("First")))
    client.post(UPLOAD, data=form("deck", name="second.pdf", data=pdf_bytes("Second")))
    db.session.expire_all()
    decks = list(db.session.scalars(select(Attachment).order_by(Attachment.id)))
    assert [(a.display_name, a.removed_at is None) for a in decks] == [("first.pdf", False), ("second.pdf", True)]
    # The replaced deck stays readable by the team (earlier versions show it).
    response = client.get(f"/events/hack/files/{decks[0].id}")
    assert response.status_code == 200 and b"First" in response.data
    snapshot = db.session.scalar(select(SubmissionVersion.snapshot).order_by(SubmissionVersion.number.desc()))
    assert [a["name"] for a in snapshot["attachments"]] == ["second.pdf"]


def test_a_new_archive_replaces_the_old_one(subs, files_dir):
    attach(subs, kind="archive", name="v1.zip")
    attach(subs, kind="archive", name="v2.zip", data=zip_data([("b.txt", "b")]))
    assert [a.display_name for a in live(subs.team)] == ["v2.zip"]


def test_the_number_of_screenshots_is_limited(subs, client_for, files_dir):
    subs.settings.max_screenshots = 2
    db.session.commit()
    client = client_for(subs.users["participant"])
    for index in range(3):
        client.post(UPLOAD, data=form("screenshot", name=f"s{index}.png", data=png_bytes(10 + index, 10)))
    assert "already has 2 screenshots" in flashes(client)[-1]
    assert [a.display_name for a in live(subs.team)] == ["s0.png", "s1.png"]
    assert [a.position for a in live(subs.team)] == [0, 1]


def test_the_team_quota_is_enforced(subs, client_for, app, files_dir, monkeypatch):
    deck = pdf_bytes("x" * 10)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_TEAM_BYTES", len(deck) + 500)
    client = client_for(subs.users["participant"])
    client.post(UPLOAD, data=form("deck", data=deck))
    client.post(UPLOAD, data=form("screenshot", data=png_bytes(300, 300, (1, 2, 3))))
    assert "more than the" in flashes(client)[-1] and "allowed per team" in flashes(client)[-1]
    assert [a.kind for a in live(subs.team)] == [AttachmentKind.deck]
    assert len(stored_files(files_dir)) == 1
    # Replacing the deck does not count the old one.
    client.post(UPLOAD, data=form("deck", name="new.pdf", data=pdf_bytes("y" * 10)))
    assert [a.display_name for a in live(subs.team)] == ["new.pdf"]


def test_removed_files_count_towards_the_stored_cap(subs, client_for, app, files_dir, monkeypatch):
    """Removed files keep their bytes for the history, so replacing files forever is capped too."""
    deck = pdf_bytes("x" * 10)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_TEAM_STORED_BYTES", 2 * len(deck) + 100)
    client = client_for(subs.users["participant"])
    client.post(UPLOAD, data=form("deck", name="one.pdf", data=deck))
    client.post(UPLOAD, data=form("deck", name="two.pdf", data=pdf_bytes("y" * 10)))
    client.post(UPLOAD, data=form("deck", name="three.pdf", data=pdf_bytes("z" * 10)))
    assert "counting removed files" in flashes(client)[-1]
    assert [a.display_name for a in live(subs.team)] == ["two.pdf"]
    assert len(stored_files(files_dir)) == 2


@pytest.mark.parametrize("payload, message", [
    (form("deck", name="deck.pdf", data=png_bytes()), "must be a PDF"),
    (form("screenshot", name="shot.png", data=b'<svg onload="alert(1)"/>'), "SVG and HTML"),
    (form("screenshot", name="page.png", data=b"<!doctype html><script>alert(1)</script>"), "SVG and HTML"),
    (form("archive", name="bomb.zip", data=zip_data([("z", "\0" * 5_000_000)])), "ZIP bomb"),
    (form("archive", name="evil.zip", data=zip_data([("../../etc/passwd", "x")])), "unsafe path"),
    (form("deck", name="invoice\u202Efdp.exe"), "must end in .pdf"),
    ({"kind": "deck"}, "Choose a file"),
    ({"kind": "deck", "file": (io.BytesIO(b""), "empty.pdf")}, "The file is empty"),
    ({"kind": "virus", "file": (io.BytesIO(pdf_bytes()), "deck.pdf")}, "Not a valid choice"),
    ({"kind": "deck", "version": "abc", "file": (io.BytesIO(pdf_bytes()), "deck.pdf")}, "Enter a whole number"),
])
def test_bad_files_are_refused_with_a_message(subs, client_for, files_dir, payload, message):
    client = client_for(subs.users["participant"])
    response = client.post(UPLOAD, data=payload)
    assert response.status_code == 302
    assert any(message in m for m in flashes(client)), flashes(client)
    assert count(Attachment) == 0 and stored_files(files_dir) == []


def test_odd_file_names_are_kept_for_display_only(subs, client_for, files_dir):
    client = client_for(subs.users["participant"])
    for name in ("../../etc/passwd.pdf", "отчёт.pdf", "🚀 pitch.pdf"):
        client.post(UPLOAD, data=form("deck", name=name, data=pdf_bytes(name)))
    db.session.expire_all()
    names = list(db.session.scalars(select(Attachment.display_name).order_by(Attachment.id)))
    assert names == ["passwd.pdf", "отчёт.pdf", "🚀 pitch.pdf"]
    assert not any(".." in p.name or "pdf" in p.name for p in stored_files(files_dir))


def test_an_upload_over_the_request_limit_gets_the_413_page(subs, client_for, app, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20_000)
    client = client_for(subs.users["participant"])
    response = client.post(UPLOAD, data=form("deck", data=pdf_bytes("x" * 40_000)))
    assert response.status_code == 413 and "too large" in text(response)
    assert count(Attachment) == 0 and count(StoredBlob) == 0 and stored_files(files_dir) == []
    assert count(SubmissionVersion) == 0


def test_a_file_over_the_file_limit_gets_a_clear_message(subs, client_for, app, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILE_BYTES", 2048)
    client = client_for(subs.users["participant"])
    response = client.post(UPLOAD, data=form("deck", data=pdf_bytes("x" * 5000)))
    assert response.status_code == 302
    assert "This file is too large: at most 2 KB per file." in flashes(client)
    assert count(Attachment) == 0 and stored_files(files_dir) == []


# --- deadline, concurrency, double submits ------------------------------------------------------------------------


def test_uploads_after_the_deadline_are_refused(subs, client_for, files_dir, backend):
    attachment = attach(subs)
    subs.event.submissions_close_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = client_for(subs.users["participant"])
    assert client.post(UPLOAD, data=form("screenshot")).status_code == 302
    assert any("deadline has passed" in m for m in flashes(client))
    client.post(f"{UPLOAD}/{attachment.id}/remove")
    assert sum("deadline has passed" in m for m in flashes(client)) == 2
    assert [a.id for a in live(subs.team)] == [attachment.id]
    assert count(StoredBlob) == (1 if backend == "database" else 0)
    assert len(stored_files(files_dir)) == (1 if backend == "local" else 0)


def test_the_grace_period_and_an_extension_still_accept_files(subs, client_for, files_dir):
    from hackathon.submissions.models import DeadlineExemption, ExemptionKind

    subs.event.submissions_close_at = utcnow() - timedelta(minutes=5)
    subs.settings.grace_minutes = 10
    db.session.commit()
    client = client_for(subs.users["participant"])
    client.post(UPLOAD, data=form("deck"))
    assert count(Attachment) == 1
    subs.settings.grace_minutes = 0
    db.session.add(DeadlineExemption(event_id=subs.event.id, team_id=subs.team.id, kind=ExemptionKind.extension,
                                     until=utcnow() + timedelta(hours=1), reason="power cut",
                                     granted_by_id=subs.users["organiser"].id))
    db.session.commit()
    client.post(UPLOAD, data=form("screenshot"))
    assert count(Attachment) == 2


def test_a_stale_version_is_refused_politely(subs, client_for, files_dir):
    participant, teammate = client_for(subs.users["participant"]), client_for(subs.users["teammate"])
    participant.post(UPLOAD, data=form("deck", version=0))
    assert count(Attachment) == 1
    teammate.post(UPLOAD, data=form("screenshot", version=0))  # loaded the page before the deck arrived
    assert any("changed the submission while you were choosing this file" in m for m in flashes(teammate))
    assert count(Attachment) == 1 and len(stored_files(files_dir)) == 1
    teammate.post(UPLOAD, data=form("screenshot", version=1))
    assert count(Attachment) == 2


def test_a_double_submit_attaches_once(subs, client_for, files_dir):
    client = client_for(subs.users["participant"])
    for _ in range(2):
        assert client.post(UPLOAD, data=form("screenshot", version=0)).status_code == 302
    assert count(Attachment) == 1 and count(SubmissionVersion) == 1 and len(stored_files(files_dir)) == 1
    assert not any("changed the submission" in m for m in flashes(client))
    # The same picture under another name is a second screenshot.
    client.post(UPLOAD, data=form("screenshot", name="again.png"))
    assert count(Attachment) == 2


@pytest.mark.parametrize("failing_backend", ["local", "database"])
def test_a_failed_commit_leaves_no_file(subs, app, files_dir, monkeypatch, failing_backend):
    monkeypatch.setitem(app.config, "UPLOAD_STORAGE", failing_backend)

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        attach(subs)
    monkeypatch.undo()
    assert count(Attachment) == 0 and count(StoredBlob) == 0 and count(SubmissionVersion) == 0
    assert stored_files(files_dir) == []


def test_only_members_of_the_team_attach(subs):
    from hackathon.errors import NotAllowed

    reset_caches()
    upload = Upload(io.BytesIO(pdf_bytes()), filename="deck.pdf")
    with pytest.raises(NotAllowed):
        services.add_attachment(subs.users["other_participant"], subs.event, subs.team, "deck", upload, utcnow())
    with pytest.raises(NotAllowed):
        services.add_attachment(subs.users["organiser"], subs.event, subs.team, "deck", upload, utcnow())


# --- removing ------------------------------------------------------------------------------------------------------


def test_a_member_removes_a_file_which_earlier_versions_keep(subs, client_for, files_dir):
    deck = attach(subs)
    shot = attach(subs, kind="screenshot")
    client = client_for(subs.users["teammate"])
    response = client.post(f"{UPLOAD}/{shot.id}/remove")
    assert response.status_code == 302 and response.location.split("#")[0].endswith(BACK)
    assert "“shot.png” is removed from your submission. Earlier versions still show it." in flashes(client)
    assert [a.id for a in live(subs.team)] == [deck.id]
    versions = list(db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.number)))
    assert [v.action for v in versions] == ["attachment_added", "attachment_added", "attachment_removed"]
    assert [a["name"] for a in versions[1].snapshot["attachments"]] == ["deck.pdf", "shot.png"]
    assert [a["name"] for a in versions[2].snapshot["attachments"]] == ["deck.pdf"]
    assert len(stored_files(files_dir)) == 2  # the bytes stay for version 2
    assert client.get(f"/events/hack/files/{shot.id}").status_code == 200
    # Removing it again changes nothing.
    assert client.post(f"{UPLOAD}/{shot.id}/remove").status_code == 302
    assert count(SubmissionVersion) == 3
    assert count(AuditEntry, AuditEntry.action == "submission.attachment_removed") == 1


# --- downloading ---------------------------------------------------------------------------------------------------


def test_download_headers(subs, client_for, files_dir, backend):
    deck = attach(subs, name="отчёт.pdf")
    shot = attach(subs, kind="screenshot")
    archive = attach(subs, kind="archive", name='my "code".zip')
    client = client_for(subs.users["participant"])

    response = client.get(f"/events/hack/files/{deck.id}")
    assert response.status_code == 200 and response.data == pdf_bytes()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf" in disposition
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{deck.sha256}"'
    assert client.get(f"/events/hack/files/{deck.id}",
                      headers={"If-None-Match": f'"{deck.sha256}"'}).status_code == 304

    response = client.get(f"/events/hack/files/{shot.id}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    response = client.get(f"/events/hack/files/{archive.id}")
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my \\"code\\".zip"'


def test_names_with_line_breaks_never_reach_a_header(subs, client_for, files_dir):
    evil = attach(subs, name="deck\r\nSet-Cookie: stolen=1\r\n.pdf")
    assert "\r" not in evil.display_name and "\n" not in evil.display_name
    rtl = attach(subs, kind="archive", name="invoice\u202Efdp.zip")
    assert rtl.display_name == "invoicefdp.zip"
    client = client_for(subs.users["participant"])
    response = client.get(f"/events/hack/files/{evil.id}")
    assert "stolen" not in response.headers.get("Set-Cookie", "")
    assert all("\r" not in value and "\n" not in value for _name, value in response.headers)
    assert "\u202e" not in client.get(f"/events/hack/files/{rtl.id}").headers["Content-Disposition"]


def test_the_gallery_makes_files_public_when_the_team_opted_in(subs, client_for, files_dir):
    deck = attach(subs)
    removed = attach(subs, kind="screenshot")
    services.remove_attachment(subs.users["participant"], subs.event, subs.team, removed.id, utcnow())
    anonymous = client_for()
    url = f"/events/hack/files/{deck.id}"
    assert anonymous.get(url).status_code == 404

    submission = submission_of(subs.team)
    submission.show_in_gallery, submission.status = True, SubmissionStatus.submitted
    db.session.commit()
    assert anonymous.get(url).status_code == 404  # the gallery is not open yet
    subs.settings.gallery_opened_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert anonymous.get(url).status_code == 404  # opens later
    subs.settings.gallery_opened_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = anonymous.get(url)
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    for visitor in ("stranger", "juror", "mentor", "other_participant"):
        assert client_for(subs.users[visitor]).get(url).status_code == 200
    # Removed files are not public, but the team still sees them.
    assert anonymous.get(f"/events/hack/files/{removed.id}").status_code == 404
    assert client_for(subs.users["participant"]).get(f"/events/hack/files/{removed.id}").status_code == 200
    # A team that did not opt in keeps its files private.
    submission.show_in_gallery = False
    db.session.commit()
    assert anonymous.get(url).status_code == 404
    # A draft is never public.
    submission.show_in_gallery, submission.status = True, SubmissionStatus.draft
    db.session.commit()
    assert anonymous.get(url).status_code == 404


def test_a_file_of_another_event_is_a_404(subs, client_for, make_event, files_dir):
    from tests.submissions_support import submission_times

    deck = attach(subs)
    make_event("elsewhere", **submission_times())
    client = client_for(subs.users["organiser"])
    assert client.get(f"/events/elsewhere/files/{deck.id}").status_code == 404
    assert client.get(f"/events/hack/files/{deck.id}").status_code == 200


def test_a_file_missing_from_storage_is_a_404(subs, client_for, files_dir):
    deck = attach(subs)
    get_storage().delete(deck.storage_key)
    assert client_for(subs.users["participant"]).get(f"/events/hack/files/{deck.id}").status_code == 404


@pytest.mark.parametrize("visitor", ["participant", "organiser", "anonymous"])
def test_downloads_run_a_constant_number_of_queries(subs, client_for, files_dir, backend, visitor):
    first = attach(subs)
    submission = submission_of(subs.team)
    submission.show_in_gallery, submission.status = True, SubmissionStatus.submitted
    subs.settings.gallery_opened_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = client_for(subs.users.get(visitor))

    def queries_for(attachment_id) -> int:
        with counting_queries() as queries:
            assert client.get(f"/events/hack/files/{attachment_id}").status_code == 200
        return len(queries)

    baseline = queries_for(first.id)
    for index in range(4):
        attach(subs, kind="screenshot", name=f"s{index}.png", data=png_bytes(10 + index, 10))
    last = attach(subs, kind="deck", name="later.pdf", data=pdf_bytes("later"))
    assert queries_for(last.id) == baseline
    assert baseline <= 8


# --- both backends, end to end --------------------------------------------------------------------------------------


def test_both_storage_backends_through_http(subs, client_for, files_dir, backend):
    client = client_for(subs.users["participant"])
    data = png_bytes(64, 64, (0, 128, 0))
    client.post(UPLOAD, data=form("screenshot", data=data))
    (shot,) = live(subs.team)
    if backend == "database":
        assert count(StoredBlob) == 1 and stored_files(files_dir) == []
    else:
        assert count(StoredBlob) == 0 and len(stored_files(files_dir)) == 1
    response = client.get(f"/events/hack/files/{shot.id}")
    assert response.status_code == 200 and response.data == get_storage().open(shot.storage_key)
    assert response.data.startswith(b"\x89PNG") and len(response.data) == shot.size
    client.post(f"{UPLOAD}/{shot.id}/remove")
    assert live(subs.team) == [] and client.get(f"/events/hack/files/{shot.id}").status_code == 200


# --- CSRF ------------------------------------------------------------------------------------------------------------


def test_uploads_need_the_csrf_token(subs, client_for, app, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = client_for(subs.users["participant"])
    assert client.post(UPLOAD, data=form("deck")).status_code == 400
    assert count(Attachment) == 0 and stored_files(files_dir) == []
    page = client.get("/events/hack", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    payload = form("deck") | {"csrf_token": token}
    assert client.post(UPLOAD, data=payload).status_code == 302
    assert count(Attachment) == 1
    deck = live(subs.team)[0]
    assert client.post(f"{UPLOAD}/{deck.id}/remove").status_code == 400
    assert client.post(f"{UPLOAD}/{deck.id}/remove", data={"csrf_token": token}).status_code == 302
    assert live(subs.team) == []
