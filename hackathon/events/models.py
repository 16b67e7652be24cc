"""Events, their tracks, the roles people hold in them, and invitations into roles."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.phases import Phase, Schedule, current_phase, next_milestone
from hackathon.extensions import db

SLUG_MAX = 64
TITLE_MAX = 160


class Role(str, enum.Enum):
    organiser = "organiser"
    mentor = "mentor"
    juror = "juror"
    participant = "participant"
    reviewer = "reviewer"  # rates applications for the organisers


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    min_team_size: Mapped[int] = mapped_column(default=1)
    max_team_size: Mapped[int] = mapped_column(default=5)
    # Unpublished events are seen only by site admins and people with a role at the event.
    is_published: Mapped[bool] = mapped_column(default=False)
    # Organisers (and site admins at this event) must use two-factor sign-in to reach its pages.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())

    applications_open_at: Mapped[datetime | None]
    applications_close_at: Mapped[datetime | None]
    hacking_starts_at: Mapped[datetime | None]
    submissions_close_at: Mapped[datetime | None]
    pitching_starts_at: Mapped[datetime | None]
    results_at: Mapped[datetime | None]

    tracks: Mapped[list[Track]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Track.position, Track.id"
    )

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            applications_open_at=self.applications_open_at,
            applications_close_at=self.applications_close_at,
            hacking_starts_at=self.hacking_starts_at,
            submissions_close_at=self.submissions_close_at,
            pitching_starts_at=self.pitching_starts_at,
            results_at=self.results_at,
        )

    def phase(self, now: datetime) -> Phase:
        return current_phase(self.schedule, now)

    def next_milestone(self, now: datetime) -> tuple[Phase, datetime] | None:
        """The next moment of the schedule still ahead and the phase it starts, or None once all have passed."""
        return next_milestone(self.schedule, now)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Track(db.Model):
    """A challenge statement teams work under."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tracks")


class EventRole(db.Model):
    """A person's role at one event; one person may hold several roles at the same event."""

    __tablename__ = "event_roles"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """An emailed, single-use, expiring link that gives its holder a role at an event."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=16))
    # SHA-256 of the secret in the link; the secret itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])

    def is_usable(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
