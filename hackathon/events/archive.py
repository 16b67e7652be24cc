"""The event archive: one event as a JSON document (settings, people and roles, applications, teams, mentoring,
submissions metadata, rounds, sheets, results), its uploaded files in a ZIP alongside, and the way back into
another installation with new ids.

Export walks the schema: every table reachable from `events` through foreign keys (users stay global and are
exported as profiles, matched by email on import; tokens, mail and invitations stay behind). Import checks the
whole document first — format, schema version, tables, columns, references, files and their digests — and
writes nothing unless all of it holds; ids change, and the ids that JSON columns hold (sheet scores keyed by
criterion, answers keyed by question, the results snapshot…) are changed with them.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import JSON, DateTime, Numeric, insert, select, update
from sqlalchemy.sql.schema import Table

from hackathon.database import UTCDateTime
from hackathon.extensions import db

FORMAT = "hackathon-event-archive"
VERSION = 1
# Global or secret tables: never part of one event's archive.
LEFT_BEHIND = {"users", "api_tokens", "outbox_messages", "invitations", "stored_blobs", "events"}
USER_FIELDS = ("email", "name", "locale", "year_of_birth", "gender", "region", "country", "background", "skills",
               "organisation", "first_hackathon")
MAX_ROWS = 2_000_000


class ArchiveError(ValueError):
    """The archive cannot be imported; `problems` says every reason found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in LEFT_BEHIND]


def _references(table: Table) -> dict[str, str]:
    """Column -> the table its foreign key points at."""
    return {column.name: next(iter(column.foreign_keys)).column.table.name
            for column in table.columns if column.foreign_keys}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _schema_revision() -> str | None:
    from sqlalchemy import text

    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # a database made by create_all (tests) has no alembic table
        db.session.rollback()
        return None


# --- export ------------------------------------------------------------------------------------------------------


def export_event(event_id: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The archive document and the uploaded files it refers to ({storage key: bytes})."""
    from hackathon.submissions.storage import get_storage

    events = db.metadata.tables["events"]
    event_row = db.session.execute(select(events).where(events.c.id == event_id)).mappings().one()
    included: dict[str, set[int]] = {"events": {event_id}}
    tables: dict[str, list[dict[str, Any]]] = {}
    user_ids: set[int] = set()
    for table in _tables():
        references = _references(table)
        scoped = {column: target for column, target in references.items() if target in included}
        if not scoped:
            continue
        condition = None
        for column, target in scoped.items():
            clause = table.c[column].in_(sorted(included[target]))
            condition = clause if condition is None else (condition | clause)
        rows = [dict(row) for row in db.session.execute(select(table).where(condition).order_by(
            *table.primary_key.columns)).mappings()]
        if not rows:
            continue
        included[table.name] = {row["id"] for row in rows}
        for column, target in references.items():
            if target == "users":
                user_ids.update(row[column] for row in rows if row[column] is not None)
        tables[table.name] = [{key: _plain(value) for key, value in row.items()} for row in rows]
    users_table = db.metadata.tables["users"]
    users = [{"id": row["id"], **{field: _plain(row[field]) for field in USER_FIELDS}}
             for row in db.session.execute(select(users_table).where(users_table.c.id.in_(sorted(user_ids)))
                                           .order_by(users_table.c.id)).mappings()] if user_ids else []
    storage = get_storage()
    files: dict[str, bytes] = {}
    for row in tables.get("attachments", []):
        files[row["storage_key"]] = storage.open(row["storage_key"])
    document = {
        "format": FORMAT, "version": VERSION, "schema": _schema_revision(),
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "event": {key: _plain(value) for key, value in dict(event_row).items()},
        "users": users, "tables": tables,
        "files": {key: hashlib.sha256(data).hexdigest() for key, data in files.items()},
    }
    return document, files


# --- ids inside JSON columns ---------------------------------------------------------------------------------------


def _keys(target: str) -> Callable[[Any, Callable[[str, Any], Any]], Any]:
    def remap(value, new_id):
        return {str(new_id(target, int(k))) if str(k).isascii() and str(k).isdigit() else k: v for k, v in (value or {}).items()}
    return remap


def _ids(target: str) -> Callable[[Any, Callable[[str, Any], Any]], Any]:
    def remap(value, new_id):
        return [new_id(target, int(v)) for v in (value or [])]
    return remap


def _version_snapshot(value, new_id):
    value = dict(value or {})
    for field, target in (("track_id", "tracks"), ("challenge_id", "challenges")):
        if value.get(field) is not None:
            value[field] = new_id(target, int(value[field]))
    if value.get("credited_user_ids"):
        value["credited_user_ids"] = [new_id("users", int(v)) for v in value["credited_user_ids"]]
    return value


def _results_snapshot(value, new_id):
    if not value:
        return value
    value = dict(value)

    def project(entry: dict) -> dict:
        entry = dict(entry)
        if entry.get("project_id") is not None:
            entry["project_id"] = new_id("submissions", int(entry["project_id"]))
        if entry.get("team_id") is not None:
            entry["team_id"] = new_id("teams", int(entry["team_id"]))
        if "parts" in entry:
            entry["parts"] = {str(new_id("judging_rounds", int(k))): v for k, v in entry["parts"].items()}
        return entry

    if value.get("final_round_id") is not None:
        value["final_round_id"] = new_id("judging_rounds", int(value["final_round_id"]))
    value["weights"] = {str(new_id("judging_rounds", int(k))): v for k, v in (value.get("weights") or {}).items()}
    value["rounds"] = [{**r, "id": new_id("judging_rounds", int(r["id"]))} for r in value.get("rounds", [])]
    value["ranking"] = [project(e) for e in value.get("ranking", [])]
    value["awards"] = [{**a, "id": new_id("awards", int(a["id"])),
                        "track_id": new_id("tracks", int(a["track_id"])) if a.get("track_id") is not None else None,
                        "winners": [project(w) for w in a.get("winners", [])]} for a in value.get("awards", [])]
    value["feedback"] = {str(new_id("submissions", int(k))): {
        **f, "rounds": [{**r, "round_id": new_id("judging_rounds", int(r["round_id"]))} for r in f.get("rounds", [])]}
        for k, f in (value.get("feedback") or {}).items()}
    return value


# Values unique across the installation: kept unless taken here already (an event imported twice), then new.
UNIQUE_TOKENS: dict[tuple[str, str], Callable[[], str]] = {
    ("certificates", "code"): lambda: secrets.token_urlsafe(18)[:24],
    ("teams", "join_code"): lambda: secrets.token_urlsafe(12)[:16],
    ("team_invitations", "token_hash"): lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
}

JSON_IDS: dict[tuple[str, str], Callable] = {
    ("score_sheets", "scores"): _keys("judging_criteria"),
    ("mentor_reviews", "scores"): _keys("rubric_criteria"),
    ("applications", "answers"): _keys("application_questions"),
    ("judging_rounds", "shortlist_quotas"): _keys("tracks"),
    ("result_settings", "round_weights"): _keys("judging_rounds"),
    ("result_settings", "snapshot"): _results_snapshot,
    ("mentor_profiles", "track_ids"): _ids("tracks"),
    ("submissions", "credited_user_ids"): _ids("users"),
    ("submission_versions", "snapshot"): _version_snapshot,
}


# --- import ------------------------------------------------------------------------------------------------------


def _value(column, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(column.type, (DateTime, UTCDateTime)):
        if not isinstance(raw, str):
            raise ValueError(f"{column.name}: not a date and time")
        moment = datetime.fromisoformat(raw)
        moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return moment if isinstance(column.type, UTCDateTime) else moment.replace(tzinfo=None)
    if isinstance(column.type, Numeric):
        return Decimal(str(raw))
    if isinstance(column.type, JSON):
        return raw
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        pass
    if python_type is bytes:
        return base64.b64decode(raw, validate=True)
    if python_type is bool and not isinstance(raw, bool):
        raise ValueError(f"{column.name}: not a boolean")
    if python_type is int and (not isinstance(raw, int) or isinstance(raw, bool)):
        raise ValueError(f"{column.name}: not an integer")
    if python_type is str and not isinstance(raw, str):
        raise ValueError(f"{column.name}: not text")
    if isinstance(column.type, db.Enum):
        enum_class = column.type.enum_class
        return enum_class(raw) if enum_class else raw
    return raw


def check(document: Any, files: dict[str, bytes]) -> list[str]:
    """Every problem of the archive, without writing anything."""
    problems: list[str] = []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return ["This is not an event archive."]
    if document.get("version") != VERSION:
        return [f"Archive version {document.get('version')!r} is not {VERSION}."]
    current = _schema_revision()
    if document.get("schema") and current and document["schema"] != current:
        problems.append(f"The archive was made at schema {document['schema']}, this installation is at {current}: "
                        "upgrade the older one first.")
    event = document.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("slug"), str) or not isinstance(event.get("id"), int):
        return problems + ["The archive has no event."]
    users = document.get("users")
    if not isinstance(users, list) or not all(isinstance(u, dict) and isinstance(u.get("id"), int)
                                              and isinstance(u.get("email"), str) and "@" in u["email"]
                                              for u in users):
        return problems + ["The people in the archive are malformed."]
    known = {"events": {event["id"]}, "users": {u["id"] for u in users}}
    tables = document.get("tables")
    if not isinstance(tables, dict):
        return problems + ["The archive has no tables."]
    by_name = {t.name: t for t in _tables()}
    total = 0
    for name in tables:
        if name not in by_name:
            problems.append(f"Unknown table {name!r}.")
    for table in _tables():
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            problems.append(f"{table.name}: not a list of rows.")
            continue
        total += len(rows)
        references = _references(table)
        ids = set()
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or not isinstance(row.get("id"), int):
                problems.append(f"{table.name} row {number}: malformed.")
                continue
            unknown = set(row) - set(table.columns.keys())
            if unknown:
                problems.append(f"{table.name} row {number}: unknown columns {sorted(unknown)}.")
            for column in table.columns:
                if column.name not in row:
                    if not column.nullable and column.default is None and column.server_default is None \
                            and not column.primary_key:
                        problems.append(f"{table.name} row {number}: {column.name} is missing.")
                    continue
                try:
                    _value(column, row[column.name])
                except (ValueError, TypeError) as error:
                    problems.append(f"{table.name} row {number}: {error}.")
            for column, target in references.items():
                value = row.get(column)
                if value is not None and value not in known.get(target, set()) and not (
                        target == table.name):  # a reference within the same table is checked after
                    problems.append(f"{table.name} row {number}: {column} refers to a {target} row not in the "
                                    "archive.")
            ids.add(row["id"])
        known[table.name] = ids
        for number, row in enumerate(rows, start=1):
            for column, target in references.items():
                if target == table.name and isinstance(row, dict) and row.get(column) is not None \
                        and row[column] not in ids:
                    problems.append(f"{table.name} row {number}: {column} refers to a missing row.")
    if total > MAX_ROWS:
        problems.append("The archive is too large.")
    listed = document.get("files") or {}
    if not isinstance(listed, dict):
        problems.append("The file list is malformed.")
        listed = {}
    from hackathon.submissions.storage import check_key

    for key, digest in listed.items():
        try:
            check_key(key)
        except ValueError:
            problems.append(f"File {key!r}: not a storage key.")
            continue
        if key not in files:
            problems.append(f"File {key!r} is missing from the files archive.")
        elif hashlib.sha256(files[key]).hexdigest() != digest:
            problems.append(f"File {key!r} does not match its digest.")
    return problems


def import_event(document: Any, files: dict[str, bytes], *, slug: str | None = None) -> int:
    """Restore an archive as a new event (new ids); returns its id. Raises ArchiveError, writing nothing."""
    from hackathon.accounts.models import User
    from hackathon.submissions.storage import get_storage

    problems = check(document, files)
    event_data = dict(document.get("event") or {}) if isinstance(document, dict) else {}
    slug = slug or event_data.get("slug")
    events = db.metadata.tables["events"]
    if not problems and db.session.scalar(select(events.c.id).where(events.c.slug == slug)) is not None:
        problems.append(f"An event {slug!r} exists already: import it under another slug.")
    storage = get_storage()
    if problems:
        raise ArchiveError(problems)
    # Files get new random keys here (the same archive may be imported twice, keys are unique).
    new_keys = {key: secrets.token_hex(16) for key in (document.get("files") or {})}
    taken: dict[tuple[str, str], set] = {}
    for (name, column), _make in UNIQUE_TOKENS.items():
        values = [row.get(column) for row in document["tables"].get(name, []) if row.get(column) is not None]
        table = db.metadata.tables[name]
        taken[(name, column)] = set(db.session.scalars(select(table.c[column]).where(
            table.c[column].in_(values)))) if values else set()

    mapping: dict[str, dict[int, int]] = {}

    def new_id(target: str, old: int | None) -> int | None:
        if old is None:
            return None
        try:
            return mapping[target][old]
        except KeyError:
            raise ArchiveError([f"{target} {old} is referred to but not in the archive."]) from None

    written: list[str] = []
    try:
        # People: matched by email; the missing ones are created without a usable password (they reset it).
        mapping["users"] = {}
        for person in document["users"]:
            existing = db.session.scalar(select(User).where(db.func.lower(User.email) == person["email"].lower()))
            if existing is None:
                existing = User(email=person["email"], name=person.get("name") or person["email"],
                                password_hash="!" + secrets.token_hex(16))
                for field in USER_FIELDS[2:]:
                    if person.get(field) is not None:
                        setattr(existing, field, person[field])
                db.session.add(existing)
                db.session.flush()
            mapping["users"][person["id"]] = existing.id
        values = {column.name: _value(column, event_data.get(column.name)) for column in events.columns
                  if column.name != "id" and column.name in event_data}
        values["slug"] = slug
        mapping["events"] = {event_data["id"]: db.session.execute(insert(events).values(**values)).inserted_primary_key[0]}
        deferred: list[tuple[Table, int, str, int]] = []
        for table in _tables():
            rows = document["tables"].get(table.name, [])
            if not rows:
                continue
            references = _references(table)
            mapping[table.name] = {}
            for row in rows:
                values = {}
                for column in table.columns:
                    if column.name == "id" or column.name not in row:
                        continue
                    raw = row[column.name]
                    target = references.get(column.name)
                    if target == table.name and raw is not None:
                        deferred.append((table, row["id"], column.name, raw))
                        values[column.name] = None
                    elif target is not None:
                        values[column.name] = new_id(target, raw)
                    elif raw in taken.get((table.name, column.name), ()):
                        values[column.name] = UNIQUE_TOKENS[(table.name, column.name)]()
                    elif table.name == "attachments" and column.name == "storage_key":
                        if raw not in new_keys:
                            raise ArchiveError([f"The file of attachment {row['id']} is not in the archive."])
                        values[column.name] = new_keys[raw]
                    else:
                        values[column.name] = _value(column, raw)
                mapping[table.name][row["id"]] = db.session.execute(
                    insert(table).values(**values)).inserted_primary_key[0]
        for table, old_id, column, raw in deferred:
            db.session.execute(update(table).where(table.c.id == new_id(table.name, old_id))
                               .values({column: new_id(table.name, raw)}))
        for (name, column), remap in JSON_IDS.items():
            table = db.metadata.tables[name]
            for row in document["tables"].get(name, []):
                if row.get(column) is not None:
                    db.session.execute(update(table).where(table.c.id == new_id(name, row["id"]))
                                       .values({column: remap(row[column], new_id)}))
        for key, new_key in new_keys.items():
            storage.save(new_key, files[key])
            written.append(new_key)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for key in written:
            storage.delete(key)
        raise
    return mapping["events"][event_data["id"]]
