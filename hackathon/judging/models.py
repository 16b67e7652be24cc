"""Judging rounds and their weighted criteria, jurors' conflicts, assignments, score sheets, shortlists."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.submissions.models import Submission
from hackathon.teams.models import Team


class RankingMethod(str, enum.Enum):
    calibrated = "calibrated"  # per-juror z-scores (the default): lenient and harsh jurors weigh the same
    raw = "raw"                # the mean of weighted totals


class ProjectSource(str, enum.Enum):
    submissions = "submissions"  # every submitted project of the event (a screening round)
    shortlist = "shortlist"      # the published shortlist of `source_round_id` (a pitch round)


class JudgingRound(TimestampMixin, db.Model):
    __tablename__ = "judging_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # Names per event language, e.g. {"en": "Screening", "ru": "Отбор"}.
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    project_source: Mapped[ProjectSource] = mapped_column(
        db.Enum(ProjectSource, native_enum=False, length=16), default=ProjectSource.submissions)
    source_round_id: Mapped[int | None] = mapped_column(ForeignKey("judging_rounds.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    # k jurors per project; every juror on every project (minus conflicts) when assign_all is set.
    jurors_per_project: Mapped[int] = mapped_column(default=3)
    assign_all: Mapped[bool] = mapped_column(default=False)
    assignment_seed: Mapped[int] = mapped_column(default=0)
    method: Mapped[RankingMethod] = mapped_column(db.Enum(RankingMethod, native_enum=False, length=16),
                                                  default=RankingMethod.calibrated)
    # What jurors may see: other jurors' scores and the leaderboard (never, by default).
    jurors_see_other_scores: Mapped[bool] = mapped_column(default=False)
    jurors_see_leaderboard: Mapped[bool] = mapped_column(default=False)
    # Criteria and weights are locked once the first sheet is submitted; an organiser may unlock with a reason.
    criteria_locked_at: Mapped[datetime | None]
    shortlist_size: Mapped[int | None]
    # Per-track quotas for the shortlist: {track_id: places}.
    shortlist_quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    shortlist_published_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    criteria: Mapped[list[JudgingCriterion]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="JudgingCriterion.position, JudgingCriterion.id")


class JudgingCriterion(db.Model):
    __tablename__ = "judging_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Rubric per language: {"en": {"1": "No evidence…", "10": "Outstanding…"}}; levels without text are allowed.
    rubric: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    # Any positive number; normalised by the sum of the round's weights. Exact decimal, read as a Fraction.
    weight: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(1))
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=10)

    round: Mapped[JudgingRound] = relationship(back_populates="criteria")


class ConflictSource(str, enum.Enum):
    declared = "declared"  # the juror said so (on their profile or from their queue)
    recused = "recused"    # an organiser recused the juror


class JurorConflict(db.Model):
    """A juror must not judge a team, a person's team, or teams with members from an organisation."""

    __tablename__ = "juror_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[ConflictSource] = mapped_column(db.Enum(ConflictSource, native_enum=False, length=16),
                                                   default=ConflictSource.declared)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    juror: Mapped[User] = relationship(foreign_keys=[juror_id])
    team: Mapped[Team | None] = relationship()
    person: Mapped[User | None] = relationship(foreign_keys=[person_id])


class JurorAssignment(db.Model):
    __tablename__ = "juror_assignments"
    __table_args__ = (UniqueConstraint("round_id", "juror_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Why this pair, e.g. [["track", 3], ["expertise", "gis"]].
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    juror: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class SheetStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"


class ScoreSheet(TimestampMixin, db.Model):
    """One juror's scores for one project in one round (a database rule); changes are kept in the audit log."""

    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("round_id", "juror_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    status: Mapped[SheetStatus] = mapped_column(db.Enum(SheetStatus, native_enum=False, length=16),
                                                default=SheetStatus.draft)
    # {criterion_id (as text): integer score}
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comment_to_team: Mapped[str] = mapped_column(Text, default="")
    private_note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    # The submission version the juror judged (the one frozen at the deadline).
    submission_version: Mapped[int | None]
    lock_version: Mapped[int] = mapped_column(default=0)

    round: Mapped[JudgingRound] = relationship()
    juror: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class ShortlistEntry(db.Model):
    """A project on a round's shortlist; `reason` is required when the organiser changed the proposal."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("round_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # "proposed" (top N), "tie" (a tie at the cut included whole), "swap" (chosen over the proposal), "quota".
    origin: Mapped[str] = mapped_column(String(16), default="proposed")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()


class PitchSchedule(TimestampMixin, db.Model):
    """How a pitch round runs: when it starts, the lengths of a slot, the order (kept seed), the call link, and
    the live state (the team on stage and when its timer started)."""

    __tablename__ = "pitch_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), unique=True)
    starts_at: Mapped[datetime]
    pitch_minutes: Mapped[int] = mapped_column(default=5)
    qa_minutes: Mapped[int] = mapped_column(default=3)
    changeover_minutes: Mapped[int] = mapped_column(default=2)
    order: Mapped[str] = mapped_column(String(16), default="shortlist")  # shortlist | reverse | random
    seed: Mapped[int] = mapped_column(default=0)
    break_after: Mapped[int] = mapped_column(default=0)
    break_minutes: Mapped[int] = mapped_column(default=0)
    # Video-call links, one a line: one per session (a break starts the next session).
    call_links: Mapped[str] = mapped_column(Text, default="")
    reminder_hours: Mapped[int] = mapped_column(default=24)
    published_at: Mapped[datetime | None]
    # Live: the slot on stage (its position) and when the organiser started its timer.
    current_position: Mapped[int | None]
    timer_started_at: Mapped[datetime | None]

    round: Mapped[JudgingRound] = relationship()

    def link_for(self, session: int) -> str:
        links = [line.strip() for line in (self.call_links or "").splitlines() if line.strip()]
        return links[min(max(session, 1), len(links)) - 1] if links else ""


class PitchSlot(db.Model):
    """One team's time on stage."""

    __tablename__ = "pitch_slots"
    __table_args__ = (UniqueConstraint("round_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    position: Mapped[int]
    session: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime]
    pitch_ends_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()
