"""Project submissions: one per team and event, their saved versions, attachments, deadline exemptions."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.teams.models import Team

TITLE_MAX = 120
TAGLINE_MAX = 200
URL_MAX = 500
DESCRIPTION_MAX = 20_000
DISPLAY_NAME_MAX = 150

# Fields an organiser may make required for submitting; title is always required.
REQUIRABLE_FIELDS = ("tagline", "description", "track", "challenge", "repository_url", "demo_url", "video_url",
                     "technologies", "deck", "screenshot", "archive")
DEFAULT_REQUIRED_FIELDS = ["tagline", "description"]


class SubmissionSettings(TimestampMixin, db.Model):
    """Per-event submission options (one row per event, created on first use)."""

    __tablename__ = "submission_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    # Names from REQUIRABLE_FIELDS that must be filled in before a submission can be submitted.
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_REQUIRED_FIELDS))
    # Minutes after the event's submissions_close_at during which saving is still accepted (marked late).
    grace_minutes: Mapped[int] = mapped_column(default=0)
    max_screenshots: Mapped[int] = mapped_column(default=5)
    allow_archive: Mapped[bool] = mapped_column(default=True)
    # Set when the organisers open the public gallery (the results issue sets it on publishing).
    gallery_opened_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()


class SubmissionStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"


class Submission(TimestampMixin, db.Model):
    """A team's project. `lock_version` grows on every save: a save based on an older one is refused."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("event_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        db.Enum(SubmissionStatus, native_enum=False, length=16), default=SubmissionStatus.draft)
    lock_version: Mapped[int] = mapped_column(default=0)

    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    tagline: Mapped[str] = mapped_column(String(TAGLINE_MAX), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="SET NULL"))
    repository_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    demo_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    video_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    technologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Ids of the team's members credited on the project page (all members by default).
    credited_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The team agrees to show the project in the public gallery once results are published.
    show_in_gallery: Mapped[bool] = mapped_column(default=False)

    first_submitted_at: Mapped[datetime | None]
    # When it was last put into the submitted state; after the team's deadline means "late".
    submitted_at: Mapped[datetime | None]
    last_saved_at: Mapped[datetime | None]
    last_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    team: Mapped[Team] = relationship()
    track: Mapped[Track | None] = relationship()
    challenge: Mapped[Any] = relationship("Challenge")
    last_saved_by: Mapped[User | None] = relationship()
    # The files currently attached (removed ones stay in the table for earlier versions).
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.position, Attachment.id",
        primaryjoin="and_(Attachment.submission_id == Submission.id, Attachment.removed_at.is_(None))",
        viewonly=True)


class SubmissionVersion(db.Model):
    """A saved state of a submission: a full snapshot, what changed since the previous one, who and when."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3... equal to the submission's lock_version after that save
    # Every field of the submission (attachments as a list of {id, kind, name, size}) after the save.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What happened: "saved", "submitted", "returned_to_draft", "attachment_added", "attachment_removed".
    action: Mapped[str] = mapped_column(String(32), default="saved")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()
    author: Mapped[User | None] = relationship()


class AttachmentKind(str, enum.Enum):
    deck = "deck"              # pitch deck, PDF
    screenshot = "screenshot"  # PNG, JPEG, WebP (re-encoded)
    archive = "archive"        # ZIP of data or code, inspected, never extracted


class Attachment(db.Model):
    """An uploaded file. Never changed once stored; removing it from the submission only sets removed_at,
    so that earlier versions (and the version frozen for judging) keep their files."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(db.Enum(AttachmentKind, native_enum=False, length=16))
    # Random, server-generated name in the storage backend; the user's filename is only display_name.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class ExemptionKind(str, enum.Enum):
    extension = "extension"  # granted before the deadline: the team may submit until `until`
    unlock = "unlock"        # granted after the freeze: the team may edit again until `until`


class DeadlineExemption(db.Model):
    """An organiser's written permission for one team to save after the event's deadline (audited)."""

    __tablename__ = "deadline_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ExemptionKind] = mapped_column(db.Enum(ExemptionKind, native_enum=False, length=16))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship()
    granted_by: Mapped[User | None] = relationship()


class StoredBlob(db.Model):
    """File bytes for the database storage backend (several app servers share them)."""

    __tablename__ = "stored_blobs"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
