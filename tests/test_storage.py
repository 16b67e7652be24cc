"""The two storage backends of project files: local disk (atomic writes, keys checked) and the database (part
of the caller's transaction), and the choice between them by UPLOAD_STORAGE."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from hackathon.extensions import db
from hackathon.submissions.models import StoredBlob
from hackathon.submissions.storage import DatabaseStorage, LocalStorage, get_storage, new_key
from tests.test_challenges import count

BAD_KEYS = ["../../etc/passwd", "", "A" * 32, "0" * 31, "0" * 33, "0" * 30 + "/x", "g" * 32, None, "0" * 31 + "\n"]


# --- local disk ------------------------------------------------------------------------------------------------


def test_keys_are_random_hex():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 32 and set(k) <= set("0123456789abcdef") for k in keys)


def test_local_round_trip(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    key = new_key()
    assert not storage.exists(key)
    storage.save(key, b"\x00binary\xffdata")
    assert storage.exists(key) and storage.open(key) == b"\x00binary\xffdata"
    assert storage.path(key).parent.parent == tmp_path / "files"
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_local_writes_are_atomic(tmp_path, monkeypatch):
    storage = LocalStorage(tmp_path)
    key = new_key()
    renamed = []
    real_replace = os.replace

    def replace(source, target):
        renamed.append((source, target))
        assert not os.path.exists(target)  # nothing visible under the key before the rename
        assert os.path.dirname(source) == os.path.dirname(target)  # same folder: the rename is atomic
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    storage.save(key, b"x" * 100_000)
    assert len(renamed) == 1 and storage.open(key) == b"x" * 100_000

    def crash(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    other = new_key()
    with pytest.raises(OSError):
        storage.save(other, b"y" * 1000)
    assert not storage.exists(other)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [key]  # no temporary file left behind


@pytest.mark.parametrize("key", BAD_KEYS)
def test_local_refuses_keys_that_are_not_ours(tmp_path, key):
    storage = LocalStorage(tmp_path)
    for action in (lambda: storage.save(key, b"x"), lambda: storage.open(key), lambda: storage.delete(key),
                   lambda: storage.exists(key)):
        with pytest.raises(ValueError):
            action()
    assert list(tmp_path.iterdir()) == []


def test_local_needs_a_folder():
    with pytest.raises(RuntimeError):
        LocalStorage("")


# --- database ------------------------------------------------------------------------------------------------------


def test_database_round_trip_in_a_transaction(app):
    storage = DatabaseStorage()
    key = new_key()
    data = bytes(range(256)) * 100
    storage.save(key, data)
    assert storage.exists(key) and storage.open(key) == data  # visible inside the transaction
    db.session.commit()
    db.session.expire_all()
    blob = db.session.scalar(select(StoredBlob).where(StoredBlob.key == key))
    assert blob.size == len(data) and bytes(blob.data) == data
    assert storage.open(key) == data
    storage.delete(key)
    db.session.commit()
    assert not storage.exists(key) and count(StoredBlob) == 0
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_database_rollback_leaves_nothing(app):
    storage = DatabaseStorage()
    key = new_key()
    storage.save(key, b"half written")
    db.session.rollback()
    assert not storage.exists(key) and count(StoredBlob) == 0


def test_database_never_commits_for_the_caller(app):
    storage = DatabaseStorage()
    kept, dropped = new_key(), new_key()
    storage.save(kept, b"kept")
    db.session.commit()
    storage.delete(kept)
    storage.save(dropped, b"dropped")
    db.session.rollback()
    assert storage.exists(kept) and not storage.exists(dropped)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_database_refuses_keys_that_are_not_ours(app, key):
    storage = DatabaseStorage()
    with pytest.raises(ValueError):
        storage.save(key, b"x")
    with pytest.raises(ValueError):
        storage.open(key)


# --- the choice ----------------------------------------------------------------------------------------------------


def test_the_backend_comes_from_the_config(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_STORAGE", "local")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    local = get_storage()
    assert isinstance(local, LocalStorage) and local.root == tmp_path and not local.transactional
    app.config["UPLOAD_STORAGE"] = "database"
    assert isinstance(get_storage(app), DatabaseStorage) and get_storage().transactional
    app.config["UPLOAD_STORAGE"] = "s3"
    with pytest.raises(RuntimeError):
        get_storage()
    app.config.update(UPLOAD_STORAGE="local", UPLOAD_DIR="")
    with pytest.raises(RuntimeError):
        get_storage()
