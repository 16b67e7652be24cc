"""Where attachment bytes live: a small interface with two backends, chosen by UPLOAD_STORAGE.

- "local" (default): files under UPLOAD_DIR, written to a temporary file in the same folder and renamed into
  place, so a reader never sees half a file. The disk is not part of the database transaction: a caller whose
  commit fails deletes what it saved (see attachments.add_attachment).
- "database": StoredBlob rows in the caller's transaction (no commit here), so several app servers behind a load
  balancer share the files and a rollback removes them. On PostgreSQL the bytes are a bytea column.

Keys are random (`new_key()`: 32 hexadecimal characters), never derived from a user's filename; any other key
is refused, so a key can never name a path outside the storage folder.
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, select

from hackathon.extensions import db
from hackathon.submissions.models import StoredBlob

_KEY = re.compile(r"[0-9a-f]{32}")


def new_key() -> str:
    """A random storage key for a new file."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("storage keys are 32 lowercase hexadecimal characters")
    return key


class FileStorage(ABC):
    """Bytes by key. `open` raises FileNotFoundError for an unknown key."""

    # True when saved bytes belong to the caller's database transaction (a rollback removes them).
    transactional: bool = False

    @abstractmethod
    def save(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def open(self, key: str) -> bytes: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...


class LocalStorage(FileStorage):
    """Files on the local disk: <root>/<first two characters of the key>/<key>."""

    transactional = False

    def __init__(self, root: str | os.PathLike):
        if not str(root):
            raise RuntimeError("UPLOAD_DIR is not set: set it to the folder where uploaded files are kept")
        self.root = Path(root)

    def path(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key

    def save(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)  # atomic on one file system: the whole file or nothing
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise

    def open(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class DatabaseStorage(FileStorage):
    """StoredBlob rows, written in the caller's transaction: never commits, so the caller's commit or rollback
    decides for the file and the rows that refer to it together."""

    transactional = True

    def save(self, key: str, data: bytes) -> None:
        db.session.add(StoredBlob(key=check_key(key), data=bytes(data), size=len(data)))
        db.session.flush()

    def open(self, key: str) -> bytes:
        data = db.session.scalar(select(StoredBlob.data).where(StoredBlob.key == check_key(key)))
        if data is None:
            raise FileNotFoundError(key)
        return bytes(data)

    def delete(self, key: str) -> None:
        db.session.execute(delete(StoredBlob).where(StoredBlob.key == check_key(key)))

    def exists(self, key: str) -> bool:
        return db.session.scalar(select(StoredBlob.key).where(StoredBlob.key == check_key(key))) is not None


def get_storage(app: Flask | None = None) -> FileStorage:
    """The backend named by the app's UPLOAD_STORAGE ("local" or "database")."""
    config = (app or current_app).config
    backend = config.get("UPLOAD_STORAGE", "local")
    if backend == "local":
        return LocalStorage(config.get("UPLOAD_DIR") or "")
    if backend == "database":
        return DatabaseStorage()
    raise RuntimeError(f"UPLOAD_STORAGE must be 'local' or 'database', not {backend!r}")
