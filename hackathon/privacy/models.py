"""Retention settings and the purge's funnel snapshot, consent text versions and who accepted which, the
count of people who exported or erased their data per event, and the mark of an erased account."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hackathon.database import TimestampMixin, utcnow
from hackathon.extensions import db

DEFAULT_RETENTION_MONTHS = 12
RETENTION_MONTHS_MAX = 120


class PrivacySettings(TimestampMixin, db.Model):
    """One per event (created on first save; defaults when absent): how long applicants' and participants'
    profile data is kept after the results, and what the purge left behind."""

    __tablename__ = "privacy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    retention_months: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_MONTHS)
    # Set by `flask privacy purge-due` once the event's profile data is anonymised.
    purged_at: Mapped[datetime | None]
    # The inclusion funnel's counts taken just before the purge (the inputs of stats.funnel_from_counts), which
    # the dashboard, the report and the stats API read from then on: the purge removes what they were made of.
    funnel_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ConsentVersion(db.Model):
    """The data policy of an event as applicants saw it: its texts per language and the retention period shown
    with them. A new version is recorded whenever either changes; people who accepted an older one are asked
    again."""

    __tablename__ = "consent_versions"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3... per event
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    retention_months: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ConsentRecord(db.Model):
    """A person accepted a version of an event's data policy (on applying, or when asked again)."""

    __tablename__ = "consent_records"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_versions.id", ondelete="CASCADE"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataRequestKind(str, enum.Enum):
    export = "export"
    erasure = "erasure"


class DataRequest(db.Model):
    """That a person exported (first time) or erased their data, once per event they had a part in: organisers
    see how many, never who (the row of an erased person points at the anonymised account)."""

    __tablename__ = "data_requests"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DataRequestKind] = mapped_column(db.Enum(DataRequestKind, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasedAccount(db.Model):
    """An account its owner erased: the user row stays, anonymised, so teams, sheets and the log hold together."""

    __tablename__ = "erased_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
