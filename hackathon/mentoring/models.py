"""Mentor profiles and conflicts, assignments, milestones and check-ins, reviews, challenges, help requests."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.teams.models import Team


class MentoringSettings(TimestampMixin, db.Model):
    """Per-event mentoring options set by organisers (one row per event)."""

    __tablename__ = "mentoring_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    mentors_per_team: Mapped[int] = mapped_column(default=1)
    # A team without a check-in (a mentor without a review) for this long is flagged on the boards.
    stale_after_hours: Mapped[int] = mapped_column(default=24)
    # Jurors see the mentors' latest status and comment to the team at judging time only if this is on.
    show_summaries_to_jurors: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()


class MentorProfile(TimestampMixin, db.Model):
    """What a mentor offers at one event."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    track_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(default=3)
    bio: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()


class MentorConflict(db.Model):
    """A team or a person the mentor must not mentor (a relative, a colleague...)."""

    __tablename__ = "mentor_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentorAssignment(db.Model):
    __tablename__ = "mentor_assignments"
    __table_args__ = (UniqueConstraint("team_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Why this mentor: {"track": true, "language": "ru", "expertise": ["data"]}, shown to organisers.
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])


class Milestone(db.Model):
    """A moment the organisers expect a check-in (e.g. day 1 evening)."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # per event language
    due_at: Mapped[datetime]
    position: Mapped[int] = mapped_column(default=0)


class CheckIn(db.Model):
    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id", ondelete="SET NULL"))
    done: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    team: Mapped[Team] = relationship()
    author: Mapped[User | None] = relationship()
    milestone: Mapped[Milestone | None] = relationship()


class RubricCriterion(db.Model):
    """One line of the mentors' review rubric (scored 1-5), set by organisers."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # per event language
    position: Mapped[int] = mapped_column(default=0)
    is_archived: Mapped[bool] = mapped_column(default=False)


class TeamStatus(str, enum.Enum):
    on_track = "on_track"
    at_risk = "at_risk"
    blocked = "blocked"


class MentorReview(db.Model):
    """A mentor's review of a team at a moment; never edited, so the rows are the history."""

    __tablename__ = "mentor_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[TeamStatus] = mapped_column(db.Enum(TeamStatus, native_enum=False, length=16))
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # {"<criterion id>": 1..5}
    comment_to_team: Mapped[str] = mapped_column(Text, default="")
    private_note: Mapped[str] = mapped_column(Text, default="")  # for organisers only
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    team: Mapped[Team] = relationship()
    mentor: Mapped[User | None] = relationship()


class Challenge(TimestampMixin, db.Model):
    """A datathon challenge under a track: a problem with data, posted by a mentor or organiser."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    data_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    track: Mapped[Track | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class TeamChallenge(db.Model):
    """The challenge a team chose (at most one per team)."""

    __tablename__ = "team_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship()


class HelpStatus(str, enum.Enum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"
    cancelled = "cancelled"


class HelpRequest(db.Model):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[HelpStatus] = mapped_column(db.Enum(HelpStatus, native_enum=False, length=16),
                                               default=HelpStatus.open, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    team: Mapped[Team] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
