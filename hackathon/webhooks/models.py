"""Webhook endpoints of an event and the deliveries queued for them."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event
from hackathon.extensions import db


class WebhookKind(str, enum.Enum):
    """What an endpoint may subscribe to; the value is the `type` of the delivery."""

    application_submitted = "application.submitted"
    application_decided = "application.decided"
    team_formed = "team.formed"
    submission_submitted = "submission.submitted"
    sheet_submitted = "sheet.submitted"
    shortlist_published = "shortlist.published"
    results_published = "results.published"
    announcement_sent = "announcement.sent"


class DeliveryStatus(str, enum.Enum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # gave up after WEBHOOKS_MAX_ATTEMPTS; "send again" puts it back in the queue


class WebhookEndpoint(TimestampMixin, db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(120), default="")
    # Kept in clear: every delivery is signed with it. Organisers of the event may reveal it.
    secret: Mapped[str] = mapped_column(String(80))
    # WebhookKind values this endpoint receives.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()


class WebhookDelivery(db.Model):
    """One event for one endpoint: the exact body sent, and the outcome of the last attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The X-Hackathon-Event-Id header and the body's "id": the same on every attempt, so receivers can dedupe.
    event_uid: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        db.Enum(DeliveryStatus, native_enum=False, length=16), default=DeliveryStatus.pending, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
