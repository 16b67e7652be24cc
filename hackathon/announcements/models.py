"""Announcements, their deliveries (one row per recipient: the audience as it was when it was sent) and the
per-event opt-out of non-essential announcements."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event
from hackathon.extensions import db


class AnnouncementStatus(str, enum.Enum):
    draft = "draft"
    scheduled = "scheduled"  # `send_at` is set; `flask announcements send-due` sends it once that time has come
    sent = "sent"


class Announcement(TimestampMixin, db.Model):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # Per event language: {"en": "...", "ru": "..."}; the event's first language is always filled.
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # Markdown, rendered sanitised
    # Essential announcements (a deadline moved) reach people who opted out of the others.
    essential: Mapped[bool] = mapped_column(default=False)
    # The filters, combined by AND (see audience.Audience.as_dict); {} is everyone at the event.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[AnnouncementStatus] = mapped_column(
        db.Enum(AnnouncementStatus, native_enum=False, length=16), default=AnnouncementStatus.draft, index=True)
    send_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    # Set when a sent announcement's text is corrected: the News page says "updated" with this time.
    corrected_at: Mapped[datetime | None]
    recipient_count: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class AnnouncementDelivery(db.Model):
    """One recipient of a sent announcement: who may see it on the News page, whether it was mailed (not when the
    person opted out of a non-essential one) and when they read it. Unique per (announcement, user): sending
    twice, or two sends at once, never mails anyone twice."""

    __tablename__ = "announcement_deliveries"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))  # the language of the text the person got
    mailed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class AnnouncementPreference(db.Model):
    """A person's choice for one event: no mail for non-essential announcements (they still show on News)."""

    __tablename__ = "announcement_preferences"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
