"""The event archive: the demo event exported and imported under a new slug gives the same leaderboards,
results, feedback and files; malformed or hostile archives are refused with every reason and write nothing."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from hackathon.demo import load_demo
from hackathon.events.archive import ArchiveError, check, export_event, import_event
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.judging import services as judging
from hackathon.results import services as results

PAST = "develop-my-community-2021"


@pytest.fixture
def exported(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    load_demo()
    event = db.session.scalar(select(Event).where(Event.slug == PAST))
    document, files = export_event(event.id)
    _CACHE["archive"] = (json.loads(json.dumps(document)), files)
    return event, json.loads(json.dumps(document)), files  # through JSON, as on disk


_CACHE: dict[str, tuple] = {}


@pytest.fixture
def archive_only(app, tmp_path):
    """The demo's archive without the demo in this test's database (checks refuse before writing anything)."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    if "archive" not in _CACHE:
        load_demo()
        event = db.session.scalar(select(Event).where(Event.slug == PAST))
        document, files = export_event(event.id)
        _CACHE["archive"] = (json.loads(json.dumps(document)), files)
    document, files = _CACHE["archive"]
    return None, copy.deepcopy(document), files


def boards(event: Event) -> list[list[tuple]]:
    names = []
    for judging_round in judging.rounds_of(event):
        board = judging.round_board(judging_round)
        names.append([(board.projects[p.project_id].team.name, p.rank, p.tied, round(p.z, 9), float(p.raw))
                      for p in board.board.projects])
    return names


def test_the_demo_round_trips_with_the_same_results(exported, app):
    event, document, files = exported
    assert len(files) == 16 and document["tables"]["score_sheets"]
    assert "password_hash" not in document["users"][0] and "api_tokens" not in document["tables"]
    new_id = import_event(document, files, slug="dmc-copy")
    copy_event = db.session.get(Event, new_id)
    assert copy_event.slug == "dmc-copy" and copy_event.id != event.id
    assert boards(copy_event) == boards(event)
    original, restored = results.published(event).snapshot, results.published(copy_event).snapshot
    assert [(a["name"], [w["team"] for w in a["winners"]]) for a in restored["awards"]] == \
        [(a["name"], [w["team"] for w in a["winners"]]) for a in original["awards"]]
    assert [(e["team"], e["rank"]) for e in restored["ranking"]] == [(e["team"], e["rank"]) for e in original["ranking"]]
    # The ids inside the snapshot point at the copy's rows: each team's feedback is found there.
    from hackathon.submissions.models import Submission

    team_id = db.session.scalar(select(Submission.team_id).where(Submission.event_id == new_id).limit(1))
    feedback = results.team_feedback(copy_event, restored, team_id)
    assert feedback is not None and feedback["rounds"]
    # People are matched by email, not duplicated; the files are there under their keys.
    from hackathon.accounts.models import User

    users_before = db.session.scalar(select(func.count()).select_from(User))
    import_event(document, files, slug="dmc-copy-2")
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    from hackathon.submissions.models import Attachment
    from hackathon.submissions.storage import get_storage

    copies = db.session.scalars(select(Attachment).join(Submission).where(Submission.event_id == new_id)).all()
    assert len(copies) == 16 and not {a.storage_key for a in copies} & set(files)  # new keys, same bytes
    assert sorted(get_storage().open(a.storage_key) for a in copies) == sorted(files.values())


def test_importing_twice_under_the_same_slug_is_refused(exported):
    event, document, files = exported
    with pytest.raises(ArchiveError) as refused:
        import_event(document, files)
    assert any("exists already" in problem for problem in refused.value.problems)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.update(format="zip bomb"), "not an event archive"),
    (lambda d: d.update(version=99), "Archive version"),
    (lambda d: d["tables"].update(secrets=[{"id": 1}]), "Unknown table 'secrets'"),
    (lambda d: d["tables"]["score_sheets"][0].update(admin=True), "unknown columns ['admin']"),
    (lambda d: d["tables"]["score_sheets"][0].update(juror_id=987654), "refers to a users row not in the archive"),
    (lambda d: d["tables"]["score_sheets"][0].update(round_id=987654), "refers to a judging_rounds row"),
    (lambda d: d["tables"]["teams"][0].update(member_count="many"), "not an integer"),
    (lambda d: d["users"].append({"id": 5, "email": "no-at-sign"}), "people in the archive are malformed"),
    (lambda d: d["files"].update({"../../etc/passwd": "00"}), "not a storage key"),
    (lambda d: d["files"].update({next(iter(d["files"])): "0" * 64}), "does not match its digest"),
])
def test_hostile_or_malformed_archives_write_nothing(archive_only, damage, message):
    event, document, files = archive_only
    damaged = copy.deepcopy(document)
    damage(damaged)
    before = db.session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(ArchiveError) as refused:
        import_event(damaged, files, slug="another")
    assert any(message in problem for problem in refused.value.problems), refused.value.problems[:5]
    assert db.session.scalar(select(func.count()).select_from(Event)) == before


def test_a_missing_file_is_reported(archive_only):
    event, document, files = archive_only
    key = next(iter(files))
    problems = check(document, {k: v for k, v in files.items() if k != key})
    assert any("missing from the files archive" in p for p in problems)


def test_the_commands_write_and_read_archives(exported, app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "dmc.json"
    result = runner.invoke(args=["events", "export", PAST, str(path)])
    assert result.exit_code == 0 and "16 files" in result.output
    assert (tmp_path / "dmc.files.zip").exists()
    result = runner.invoke(args=["events", "import", str(path)])
    assert result.exit_code != 0 and "Nothing was imported" in result.output and "exists already" in result.output
    (tmp_path / "broken.json").write_text("{not json")
    result = runner.invoke(args=["events", "import", str(tmp_path / "broken.json")])
    assert result.exit_code != 0 and "Cannot read" in result.output
