"""A person's export: everything the app holds about them as one JSON document, and a ZIP of it with the files
they uploaded.

`person_data(user)` reads a fixed number of queries (one per kind of row, see SECTIONS) whatever the person's
activity: every section is one SELECT filtered on the person, and no relationship is touched (rows are turned
into dicts from their columns). Secrets are left out (password and token hashes, session keys, storage keys,
join codes); what other people wrote about the person is given without saying who (reviewers' ratings).

`write_zip(user, data, out)` writes the ZIP into a file object, one uploaded file at a time, copied in chunks
from the local storage (the database storage hands over one file's bytes): the archive is never held in memory.
"""
from __future__ import annotations

import enum
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import and_, or_, select

from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.applications.models import Application, ApplicationQuestion, ApplicationRating
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Invitation
from hackathon.extensions import db
from hackathon.judging.models import JudgingRound, JurorConflict, ScoreSheet
from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, MentorAssignment, MentorConflict,
                                        MentorProfile, MentorReview)
from hackathon.privacy.models import ConsentRecord, ConsentVersion, DataRequest
from hackathon.results.models import Certificate
from hackathon.submissions.models import Attachment, Submission, SubmissionVersion
from hackathon.teams.models import Team, TeamInvitation, TeamMember

FORMAT = "hackathon-personal-data/1"
# Columns never exported: secrets, and internal names that mean nothing outside the server.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "key_hash", "storage_key", "join_code", "name_key",
                            "claim_token", "lock_version"})
CHUNK = 64 * 1024


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_dict(row: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A model row as a dict of its columns (no relationship is loaded), secrets left out."""
    return {column.key: _value(getattr(row, column.key)) for column in row.__table__.columns
            if column.key not in SECRET_COLUMNS and column.key not in skip}


@dataclass(frozen=True)
class Section:
    """One part of the export: its key, and the SELECT of the person's rows (given the person's id)."""

    key: str
    query: Any  # callable(user_id) -> Select
    skip: frozenset[str] = frozenset()


def _my_team_ids(user_id: int):
    return select(TeamMember.team_id).where(TeamMember.user_id == user_id)


def _my_application_ids(user_id: int):
    return select(Application.id).where(or_(Application.user_id == user_id, Application.individual_user_id == user_id,
                                            Application.team_id.in_(_my_team_ids(user_id))))


def _my_submission_ids(user_id: int):
    return select(Submission.id).where(or_(
        Submission.team_id.in_(_my_team_ids(user_id)),
        Submission.id.in_(select(SubmissionVersion.submission_id).where(SubmissionVersion.author_id == user_id))))


SECTIONS = (
    Section("event_roles", lambda u: select(EventRole).where(EventRole.user_id == u).order_by(EventRole.id)),
    Section("role_invitations", lambda u: select(Invitation).where(Invitation.accepted_by_id == u)
            .order_by(Invitation.id)),
    Section("applications", lambda u: select(Application).where(Application.id.in_(_my_application_ids(u)))
            .order_by(Application.id)),
    # What reviewers made of the person's applications, without who they were.
    Section("application_ratings_received", lambda u: select(ApplicationRating)
            .where(ApplicationRating.application_id.in_(_my_application_ids(u))).order_by(ApplicationRating.id),
            skip=frozenset({"reviewer_id"})),
    Section("application_ratings_given", lambda u: select(ApplicationRating).where(ApplicationRating.reviewer_id == u)
            .order_by(ApplicationRating.id)),
    Section("teams", lambda u: select(Team).where(Team.id.in_(_my_team_ids(u))).order_by(Team.id)),
    Section("team_memberships", lambda u: select(TeamMember).where(TeamMember.user_id == u).order_by(TeamMember.id)),
    Section("team_invitations", lambda u: select(TeamInvitation)
            .where(or_(TeamInvitation.user_id == u, TeamInvitation.created_by_id == u)).order_by(TeamInvitation.id)),
    Section("check_ins", lambda u: select(CheckIn).where(CheckIn.author_id == u).order_by(CheckIn.id)),
    Section("help_requests", lambda u: select(HelpRequest)
            .where(or_(HelpRequest.created_by_id == u, HelpRequest.claimed_by_id == u)).order_by(HelpRequest.id)),
    Section("mentor_profiles", lambda u: select(MentorProfile).where(MentorProfile.user_id == u)
            .order_by(MentorProfile.id)),
    Section("mentor_assignments", lambda u: select(MentorAssignment).where(MentorAssignment.mentor_id == u)
            .order_by(MentorAssignment.id)),
    Section("mentor_reviews_written", lambda u: select(MentorReview).where(MentorReview.mentor_id == u)
            .order_by(MentorReview.id)),
    Section("mentor_conflicts_declared", lambda u: select(MentorConflict).where(MentorConflict.mentor_id == u)
            .order_by(MentorConflict.id)),
    Section("challenges_posted", lambda u: select(Challenge).where(Challenge.created_by_id == u)
            .order_by(Challenge.id)),
    Section("submissions", lambda u: select(Submission).where(Submission.id.in_(_my_submission_ids(u)))
            .order_by(Submission.id), skip=frozenset({"credited_user_ids"})),
    Section("submission_versions_authored", lambda u: select(SubmissionVersion)
            .where(SubmissionVersion.author_id == u).order_by(SubmissionVersion.id), skip=frozenset({"snapshot"})),
    Section("files_uploaded", lambda u: select(Attachment).where(Attachment.uploaded_by_id == u)
            .order_by(Attachment.id)),
    Section("score_sheets", lambda u: select(ScoreSheet).where(ScoreSheet.juror_id == u).order_by(ScoreSheet.id)),
    Section("juror_conflicts_declared", lambda u: select(JurorConflict).where(JurorConflict.juror_id == u)
            .order_by(JurorConflict.id)),
    Section("certificates", lambda u: select(Certificate).where(Certificate.user_id == u).order_by(Certificate.id)),
    Section("consents", lambda u: select(ConsentRecord).where(ConsentRecord.user_id == u)
            .order_by(ConsentRecord.id)),
    Section("api_tokens", lambda u: select(ApiToken).where(ApiToken.user_id == u).order_by(ApiToken.id)),
    Section("sessions", lambda u: select(UserSession).where(UserSession.user_id == u).order_by(UserSession.id)),
    Section("audit_entries", lambda u: select(AuditEntry).where(or_(
        AuditEntry.actor_id == u,
        and_(AuditEntry.target_type == "User", AuditEntry.target_id == u),
        and_(AuditEntry.target_type == "Application", AuditEntry.target_id.in_(_my_application_ids(u))),
    )).order_by(AuditEntry.id)),
)


def _event_ids(data: dict[str, list[dict[str, Any]]]) -> set[int]:
    return {row["event_id"] for rows in data.values() for row in rows if row.get("event_id") is not None}


def person_data(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything about `user`, in len(SECTIONS) + 4 queries: the sections, the questions of the events they
    applied to (so answers carry their question), the rounds of their sheets, the versions they accepted and
    the events named anywhere."""
    now = now or utcnow()
    data: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        data[section.key] = [row_dict(row, skip=section.skip) for row in db.session.scalars(section.query(user.id))]

    # Answers by question: the questions of the events of the person's applications, in one query.
    application_events = {row["event_id"] for row in data["applications"]}
    questions = {str(question.id): question for question in db.session.scalars(
        select(ApplicationQuestion).where(ApplicationQuestion.event_id.in_(application_events)))
    } if application_events else {}
    for row in data["applications"]:
        row["answers"] = [{"question_id": int(key) if key.isascii() and key.isdigit() else key,
                           "question": questions[key].label if key in questions else None, "answer": value}
                          for key, value in (row.get("answers") or {}).items()]

    round_ids = {row["round_id"] for row in data["score_sheets"]}
    rounds = {judging_round.id: judging_round for judging_round in db.session.scalars(
        select(JudgingRound).where(JudgingRound.id.in_(round_ids)))} if round_ids else {}
    for row in data["score_sheets"]:
        judging_round = rounds.get(row["round_id"])
        row["event_id"] = judging_round.event_id if judging_round else None
        row["round"] = judging_round.name if judging_round else None

    version_ids = {row["version_id"] for row in data["consents"]}
    versions = {version.id: version for version in db.session.scalars(
        select(ConsentVersion).where(ConsentVersion.id.in_(version_ids)))} if version_ids else {}
    for row in data["consents"]:
        version = versions.get(row["version_id"])
        row["version"] = version.number if version else None
        row["texts"] = version.texts if version else None
        row["retention_months"] = version.retention_months if version else None

    event_ids = _event_ids(data)
    events = [{"id": event.id, "slug": event.slug, "title": event.title} for event in db.session.scalars(
        select(Event).where(Event.id.in_(event_ids)).order_by(Event.id))] if event_ids else []
    return {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "account": row_dict(user),
        "events": events,
        **data,
    }


def related_event_ids(data: dict[str, Any]) -> set[int]:
    """The events a person had a part in (a role, an application, a team), for the counts organisers see."""
    return {row["event_id"] for key in ("event_roles", "applications", "team_memberships")
            for row in data.get(key, [])}


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def zip_name(attachment: dict[str, Any]) -> str:
    """The file's place in the ZIP: files/<id>-<display name>; the display name is already cleaned on upload
    (no folders), and the id keeps two files of one name apart."""
    name = (attachment.get("display_name") or "file").replace("/", "_").replace("\\", "_")
    return f"files/{attachment['id']}-{name}"


def write_zip(data: dict[str, Any], out: IO[bytes], *, storage) -> list[str]:
    """Write data.json and each uploaded file still stored into `out`; returns the names of files missing
    from the storage (listed in the ZIP's README too)."""
    from hackathon.submissions.storage import LocalStorage

    keys = {row.id: row.storage_key for row in db.session.scalars(
        select(Attachment).where(Attachment.id.in_([row["id"] for row in data["files_uploaded"]])))
    } if data["files_uploaded"] else {}
    missing = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("data.json", to_json(data))
        for row in data["files_uploaded"]:
            key = keys.get(row["id"])
            name = zip_name(row)
            # Images, PDFs and ZIPs are compressed already: stored as they are.
            info = zipfile.ZipInfo(name, date_time=_zip_time(row.get("created_at")))
            info.compress_type = zipfile.ZIP_STORED
            try:
                if isinstance(storage, LocalStorage):
                    with open(storage.path(key), "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                        shutil.copyfileobj(source, target, CHUNK)
                else:
                    content = storage.open(key)
                    with archive.open(info, "w", force_zip64=True) as target:
                        target.write(content)
                    del content
            except (FileNotFoundError, ValueError, TypeError):
                missing.append(name)
        if missing:
            archive.writestr("MISSING.txt", "These files are listed in data.json but are no longer stored:\n"
                             + "\n".join(missing) + "\n")
    return missing


def _zip_time(value: str | None) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromisoformat(value) if value else utcnow()
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def iter_file(handle: IO[bytes], *, chunk: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes from the start in chunks, closing it at the end (a streamed response's body)."""
    try:
        handle.seek(0)
        while True:
            block = handle.read(chunk)
            if not block:
                break
            yield block
    finally:
        handle.close()
