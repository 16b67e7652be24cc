"""The application form (settings and questions), applications, ratings and decision mail templates."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.teams.models import Team


class ApplicationSettings(TimestampMixin, db.Model):
    """Per-event application rules set by organisers (one row per event)."""

    __tablename__ = "application_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    allow_individuals: Mapped[bool] = mapped_column(default=True)
    allow_teams: Mapped[bool] = mapped_column(default=True)
    minimum_age: Mapped[int | None]
    # The data policy applicants consent to, per event language: {"en": "...", "ru": "..."}.
    consent_text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # At most this many teams accepted at once (None: no limit); the waitlist is promoted in order.
    max_accepted_teams: Mapped[int | None]
    # Accepted applicants confirm within this many days, or their place goes to the waitlist.
    confirmation_days: Mapped[int] = mapped_column(default=7)

    event: Mapped[Event] = relationship()


class QuestionKind(str, enum.Enum):
    short_text = "short_text"
    long_text = "long_text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    yes_no = "yes_no"
    number = "number"


class ApplicationQuestion(db.Model):
    __tablename__ = "application_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(db.Enum(QuestionKind, native_enum=False, length=20))
    required: Mapped[bool] = mapped_column(default=False)
    # Texts per event language: {"en": "...", "ru": "...", "ky": "..."}.
    label: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    help_text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Choices: [{"value": "a1", "label": {"en": "...", "ru": "..."}}, ...]
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    min_value: Mapped[int | None]
    max_value: Mapped[int | None]
    # Questions that already have answers are archived rather than deleted, so no answer is lost.
    is_archived: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()


class ApplicationKind(str, enum.Enum):
    individual = "individual"
    team = "team"


class ApplicationStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    withdrawn = "withdrawn"
    accepted = "accepted"
    waitlisted = "waitlisted"
    rejected = "rejected"
    confirmed = "confirmed"    # accepted, and the applicants confirmed they take part
    declined = "declined"      # accepted, and the applicants said they cannot take part
    lapsed = "lapsed"          # accepted, not confirmed in time: the place went to the waitlist
    merged = "merged"          # an individual who joined a team: the team's application covers them


class Application(TimestampMixin, db.Model):
    __tablename__ = "applications"
    # One individual application per person and event; one application per team.
    __table_args__ = (UniqueConstraint("event_id", "individual_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ApplicationKind] = mapped_column(db.Enum(ApplicationKind, native_enum=False, length=16))
    # The applicant (individual) or the captain who filled the form (team).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Equal to user_id for individual applications and NULL for team ones, for the unique constraint.
    individual_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        db.Enum(ApplicationStatus, native_enum=False, length=16), default=ApplicationStatus.draft, index=True)
    looking_for_team: Mapped[bool] = mapped_column(default=False)
    # {"<question id>": value}; value is a string, a list of option values, a bool or an int.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    confirm_by: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    # When the application was (last) accepted; kept when it is later confirmed, declined, lapsed or withdrawn,
    # cleared when a decision takes the place back, so the inclusion funnel counts a withdrawn-after-acceptance
    # application at "accepted".
    accepted_at: Mapped[datetime | None]
    # Order on the waitlist (lower first); set when waitlisted.
    waitlist_rank: Mapped[int | None]

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    team: Mapped[Team | None] = relationship()
    ratings: Mapped[list[ApplicationRating]] = relationship(back_populates="application",
                                                            cascade="all, delete-orphan")


class ApplicationRating(TimestampMixin, db.Model):
    """A reviewer's 1-5 rating with a note; one per reviewer and application."""

    __tablename__ = "application_ratings"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="ratings")
    reviewer: Mapped[User] = relationship()


class InclusionSettings(TimestampMixin, db.Model):
    """Per-event settings of the inclusion statistics (one row per event, created on first save; defaults when
    absent: see `inclusion.inclusion_settings_for`)."""

    __tablename__ = "inclusion_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    # [[low, high], ..., [low, null]] (null high: and older); None: stats.DEFAULT_AGE_BANDS.
    age_bands: Mapped[list[list[int | None]] | None] = mapped_column(JSON)
    # Report and export cells under this many people are suppressed (2..50).
    suppression_threshold: Mapped[int] = mapped_column(default=5)
    # When on, anyone who can see the event may download the report and read the suppressed statistics.
    report_shared: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()


class MailTemplate(TimestampMixin, db.Model):
    """An organiser's wording of a decision mail for one event and language (else the built-in text)."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("event_id", "key", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
