"""Deadline arithmetic for submissions: pure functions of plain values (no Flask, no database)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class SubmissionState(str, enum.Enum):
    """What organisers see in their list."""

    missing = "missing"      # no submission, or one never saved with a title
    draft = "draft"          # saved, not submitted
    submitted = "submitted"  # submitted by the event's deadline
    late = "late"            # submitted after the event's deadline (in the grace period or by exemption)


@dataclass(frozen=True)
class TeamDeadline:
    """When one team must stop saving.

    closes_at is the event's deadline (None: no deadline set, saving is open); grace_until adds the organisers'
    grace period; exemption_until is the latest live extension or unlock granted to this team. The team may
    save while now < effective_until. "Frozen" means the effective deadline has passed: what is stored is
    what the jurors judge.
    """

    closes_at: datetime | None
    grace_until: datetime | None
    exemption_until: datetime | None

    @property
    def effective_until(self) -> datetime | None:
        if self.grace_until is None:
            return None
        if self.exemption_until is not None and self.exemption_until > self.grace_until:
            return self.exemption_until
        return self.grace_until

    def is_open(self, now: datetime) -> bool:
        until = self.effective_until
        return until is None or now < until

    def is_frozen(self, now: datetime) -> bool:
        return not self.is_open(now)

    def in_grace(self, now: datetime) -> bool:
        """Past the announced deadline but still accepted (grace period or exemption)."""
        return self.closes_at is not None and now >= self.closes_at and self.is_open(now)

    def seconds_left(self, now: datetime) -> int | None:
        until = self.effective_until
        if until is None:
            return None
        return max(0, int((until - now).total_seconds()))


def team_deadline(closes_at: datetime | None, grace_minutes: int,
                  exemption_untils: list[datetime]) -> TeamDeadline:
    """The deadline of one team from the event's deadline, its grace period and the team's live exemptions."""
    grace_until = closes_at + timedelta(minutes=max(0, grace_minutes)) if closes_at is not None else None
    exemption_until = max(exemption_untils) if exemption_untils else None
    return TeamDeadline(closes_at=closes_at, grace_until=grace_until, exemption_until=exemption_until)


def submission_state(*, exists: bool, submitted: bool, submitted_at: datetime | None,
                     closes_at: datetime | None) -> SubmissionState:
    """missing / draft / submitted / late. Late means put into the submitted state after the event's deadline."""
    if not exists:
        return SubmissionState.missing
    if not submitted:
        return SubmissionState.draft
    if closes_at is not None and submitted_at is not None and submitted_at > closes_at:
        return SubmissionState.late
    return SubmissionState.submitted
