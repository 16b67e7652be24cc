"""The event's phase at a moment, from its schedule. Pure: no Flask, `now` is an argument."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Phase(str, enum.Enum):
    """Phases in the order an event goes through them."""

    upcoming = "upcoming"                 # before applications open
    applications = "applications"         # applications open
    review = "review"                     # applications closed, hacking not started (organisers decide)
    hacking = "hacking"                   # teams build; submissions open
    judging = "judging"                   # submissions closed, jurors score
    pitching = "pitching"                 # the shortlist pitches
    results = "results"                   # results published


PHASE_ORDER = list(Phase)


@dataclass(frozen=True)
class Schedule:
    """The moments that start each phase; a missing moment means the phase has not been planned."""

    applications_open_at: datetime | None = None
    applications_close_at: datetime | None = None
    hacking_starts_at: datetime | None = None
    submissions_close_at: datetime | None = None
    pitching_starts_at: datetime | None = None
    results_at: datetime | None = None

    def starts(self) -> list[tuple[Phase, datetime | None]]:
        return [
            (Phase.applications, self.applications_open_at),
            (Phase.review, self.applications_close_at),
            (Phase.hacking, self.hacking_starts_at),
            (Phase.judging, self.submissions_close_at),
            (Phase.pitching, self.pitching_starts_at),
            (Phase.results, self.results_at),
        ]

    def problems(self) -> list[str]:
        """Names of moment pairs that are out of order (each later moment must not precede an earlier one)."""
        named = [(phase.value, moment) for phase, moment in self.starts() if moment is not None]
        return [
            f"{earlier}>{later}"
            for (earlier, first), (later, second) in zip(named, named[1:])
            if second < first
        ]


def current_phase(schedule: Schedule, now: datetime) -> Phase:
    """The latest phase whose start has passed; `upcoming` before the first one.

    Phases without a date are skipped, so an event that plans no pitch goes from
    judging straight to results.
    """
    phase = Phase.upcoming
    for candidate, starts_at in schedule.starts():
        if starts_at is not None and starts_at <= now:
            phase = candidate
    return phase


def next_milestone(schedule: Schedule, now: datetime) -> tuple[Phase, datetime] | None:
    """The next moment still ahead of `now` and the phase it starts (the applications opening, their closing,
    the hacking's start, ...); None when every planned moment has passed.

    The earliest moment after `now` wins (a schedule is kept in order, so this is also the next in phase order);
    moments not planned are skipped.
    """
    ahead = [(moment, number) for number, (_, moment) in enumerate(schedule.starts())
             if moment is not None and moment > now]
    if not ahead:
        return None
    moment, number = min(ahead)
    return schedule.starts()[number][0], moment


def applications_open(schedule: Schedule, now: datetime) -> bool:
    """Open from the opening moment until (excluding) the closing moment."""
    if schedule.applications_open_at is None or now < schedule.applications_open_at:
        return False
    return schedule.applications_close_at is None or now < schedule.applications_close_at


def submissions_open(schedule: Schedule, now: datetime) -> bool:
    if schedule.hacking_starts_at is None or now < schedule.hacking_starts_at:
        return False
    return schedule.submissions_close_at is None or now < schedule.submissions_close_at
