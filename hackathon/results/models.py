"""Results: how the final ranking is made, the awards and their winners, and the frozen published snapshot."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.submissions.models import Submission


class ResultSettings(TimestampMixin, db.Model):
    """One per event: the ranking method, what is shown, and the published snapshot (which never moves)."""

    __tablename__ = "result_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    # The round whose projects are ranked (the pitch final); None: the event's last round.
    final_round_id: Mapped[int | None] = mapped_column(ForeignKey("judging_rounds.id", ondelete="SET NULL"))
    # {round id: weight as a decimal string} on the calibrated scale; empty: the final round alone.
    round_weights: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    show_full_ranking: Mapped[bool] = mapped_column(default=False)
    show_rank_in_feedback: Mapped[bool] = mapped_column(default=False)
    show_juror_names: Mapped[bool] = mapped_column(default=False)
    # Publishing: at a chosen time (`flask results publish-due` does it) or now.
    publish_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    snapshot_version: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class Award(db.Model):
    """A prize: a place (1st, 2nd, 3rd overall), the best of a track, or a special mention chosen by the
    organisers (e.g. "best inclusion of non-IT members", an audience award)."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))  # place | track | special
    place: Mapped[int | None]
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)        # per event language
    prize_text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # per event language, optional

    track: Mapped[Track | None] = relationship()
    winners: Mapped[list[AwardWinner]] = relationship(back_populates="award", cascade="all, delete-orphan",
                                                      order_by="AwardWinner.id")


class AwardWinner(db.Model):
    """The organiser's decision for an award: the proposal confirmed, or another project with a reason."""

    __tablename__ = "award_winners"
    __table_args__ = (UniqueConstraint("award_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed | chosen | override
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    award: Mapped[Award] = relationship(back_populates="winners")
    submission: Mapped[Submission] = relationship()


class Certificate(db.Model):
    """A participant's certificate of an event: participation, finalist, or winner of an award. The random
    code makes the public verification link (/certificates/<code>) unguessable."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # participation | finalist | winner | revoked
    # The awards won (names per language), frozen with the certificate.
    awards: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    team_name: Mapped[str] = mapped_column(String(120), default="")
    project_title: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()
