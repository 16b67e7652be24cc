"""The pure phase maths: which phase an event is in at a moment, and when applications and submissions are open."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hackathon.events.phases import (PHASE_ORDER, Phase, Schedule, applications_open, current_phase,
                                     next_milestone, submissions_open)

UTC = timezone.utc
TICK = timedelta(microseconds=1)
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

FULL = Schedule(
    applications_open_at=T0,
    applications_close_at=T0 + timedelta(days=10),
    hacking_starts_at=T0 + timedelta(days=20),
    submissions_close_at=T0 + timedelta(days=22),
    pitching_starts_at=T0 + timedelta(days=25),
    results_at=T0 + timedelta(days=26),
)
# (field, the phase it starts, the phase just before it)
BOUNDARIES = [
    ("applications_open_at", Phase.applications, Phase.upcoming),
    ("applications_close_at", Phase.review, Phase.applications),
    ("hacking_starts_at", Phase.hacking, Phase.review),
    ("submissions_close_at", Phase.judging, Phase.hacking),
    ("pitching_starts_at", Phase.pitching, Phase.judging),
    ("results_at", Phase.results, Phase.pitching),
]


def test_phase_order_is_the_order_of_the_schedule():
    assert PHASE_ORDER == [Phase.upcoming, *[phase for phase, _ in FULL.starts()]]
    assert [phase for _, phase, _ in BOUNDARIES] == PHASE_ORDER[1:]


@pytest.mark.parametrize(("field", "starts", "before"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_phase_changes_exactly_at_its_moment(field, starts, before):
    moment = getattr(FULL, field)
    assert current_phase(FULL, moment - TICK) is before
    assert current_phase(FULL, moment) is starts
    assert current_phase(FULL, moment + TICK) is starts


def test_long_before_and_long_after():
    assert current_phase(FULL, T0 - timedelta(days=365)) is Phase.upcoming
    assert current_phase(FULL, T0 + timedelta(days=3650)) is Phase.results


def test_empty_schedule_is_always_upcoming():
    assert Schedule().starts() == [(phase, None) for phase in PHASE_ORDER[1:]]
    assert current_phase(Schedule(), T0) is Phase.upcoming
    assert current_phase(Schedule(), T0 + timedelta(days=10000)) is Phase.upcoming


def test_missing_pitch_goes_from_judging_straight_to_results():
    schedule = Schedule(**{**FULL.__dict__, "pitching_starts_at": None})
    assert current_phase(schedule, FULL.pitching_starts_at) is Phase.judging
    assert current_phase(schedule, FULL.results_at - TICK) is Phase.judging
    assert current_phase(schedule, FULL.results_at) is Phase.results


def test_missing_dates_are_skipped_wherever_they_are():
    only_hacking = Schedule(hacking_starts_at=FULL.hacking_starts_at, results_at=FULL.results_at)
    assert current_phase(only_hacking, T0) is Phase.upcoming
    assert current_phase(only_hacking, FULL.hacking_starts_at) is Phase.hacking
    assert current_phase(only_hacking, FULL.pitching_starts_at) is Phase.hacking
    assert current_phase(only_hacking, FULL.results_at) is Phase.results

    no_close = Schedule(applications_open_at=T0, hacking_starts_at=FULL.hacking_starts_at)
    assert current_phase(no_close, FULL.applications_close_at) is Phase.applications
    assert current_phase(no_close, FULL.hacking_starts_at) is Phase.hacking


def test_times_in_other_zones_compare_as_moments():
    bishkek = timezone(timedelta(hours=6))
    schedule = Schedule(applications_open_at=datetime(2026, 6, 1, 9, 0, tzinfo=bishkek))
    assert current_phase(schedule, datetime(2026, 6, 1, 2, 59, tzinfo=UTC)) is Phase.upcoming
    assert current_phase(schedule, datetime(2026, 6, 1, 3, 0, tzinfo=UTC)) is Phase.applications


# Applications: open in [applications_open_at, applications_close_at).

def test_applications_open_is_half_open():
    opens, closes = FULL.applications_open_at, FULL.applications_close_at
    assert not applications_open(FULL, opens - TICK)
    assert applications_open(FULL, opens)
    assert applications_open(FULL, closes - TICK)
    assert not applications_open(FULL, closes)
    assert not applications_open(FULL, closes + TICK)
    assert not applications_open(FULL, FULL.results_at)


def test_applications_without_opening_moment_are_closed():
    assert not applications_open(Schedule(), T0)
    assert not applications_open(Schedule(applications_close_at=T0 + timedelta(days=1)), T0)


def test_applications_without_closing_moment_stay_open():
    schedule = Schedule(applications_open_at=T0)
    assert not applications_open(schedule, T0 - TICK)
    assert applications_open(schedule, T0)
    assert applications_open(schedule, T0 + timedelta(days=3650))


def test_applications_agree_with_the_phase():
    for moment in (FULL.applications_open_at, FULL.applications_close_at - TICK):
        assert current_phase(FULL, moment) is Phase.applications and applications_open(FULL, moment)
    assert current_phase(FULL, FULL.applications_close_at) is Phase.review
    assert not applications_open(FULL, FULL.applications_close_at)


# Submissions: open in [hacking_starts_at, submissions_close_at).

def test_submissions_open_is_half_open():
    starts, closes = FULL.hacking_starts_at, FULL.submissions_close_at
    assert not submissions_open(FULL, FULL.applications_open_at)
    assert not submissions_open(FULL, starts - TICK)
    assert submissions_open(FULL, starts)
    assert submissions_open(FULL, closes - TICK)
    assert not submissions_open(FULL, closes)
    assert not submissions_open(FULL, FULL.results_at)


def test_submissions_without_hacking_start_are_closed():
    assert not submissions_open(Schedule(), T0)
    assert not submissions_open(Schedule(submissions_close_at=T0 + timedelta(days=1)), T0)


def test_submissions_without_closing_moment_stay_open():
    schedule = Schedule(hacking_starts_at=T0)
    assert not submissions_open(schedule, T0 - TICK)
    assert submissions_open(schedule, T0)
    assert submissions_open(schedule, T0 + timedelta(days=3650))


# Schedule.problems: each planned moment must not precede the planned one before it.

def test_ordered_schedule_has_no_problems():
    assert FULL.problems() == []
    assert Schedule().problems() == []


def test_equal_moments_are_allowed():
    same = Schedule(**{field: T0 for field, _, _ in BOUNDARIES})
    assert same.problems() == []
    assert current_phase(same, T0) is Phase.results
    assert not applications_open(same, T0)
    assert not submissions_open(same, T0)


@pytest.mark.parametrize(("field", "starts", "before"), BOUNDARIES[1:], ids=[b[0] for b in BOUNDARIES[1:]])
def test_a_moment_before_the_previous_one_is_a_problem(field, starts, before):
    moved = Schedule(**{**FULL.__dict__, field: getattr(FULL, field) - timedelta(days=40)})
    problems = moved.problems()
    assert f"{before.value}>{starts.value}" in problems


def test_first_moment_after_the_second_names_that_pair_only():
    schedule = Schedule(**{**FULL.__dict__, "applications_open_at": FULL.applications_close_at + TICK})
    assert schedule.problems() == ["applications>review"]


def test_a_moment_after_the_next_one_is_a_problem():
    schedule = Schedule(**{**FULL.__dict__, "hacking_starts_at": FULL.pitching_starts_at + TICK})
    # Only neighbouring moments are compared: the late hacking start is caught against submissions closing.
    assert schedule.problems() == ["hacking>judging"]


def test_problems_compare_across_missing_moments():
    schedule = Schedule(applications_open_at=T0, results_at=T0 - timedelta(days=1))
    assert schedule.problems() == ["applications>results"]


def test_reversed_schedule_lists_every_pair():
    reversed_schedule = Schedule(**{field: T0 - timedelta(days=index)
                                    for index, (field, _, _) in enumerate(BOUNDARIES)})
    assert reversed_schedule.problems() == [
        "applications>review", "review>hacking", "hacking>judging", "judging>pitching", "pitching>results",
    ]


@pytest.mark.parametrize(("field", "starts", "before"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_next_milestone_is_the_next_moment_ahead(field, starts, before):
    moment = getattr(FULL, field)
    assert next_milestone(FULL, moment - TICK) == (starts, moment)
    # At its moment the phase has begun: the milestone is behind, the next one (if any) ahead.
    following = next_milestone(FULL, moment)
    assert following is None if starts is Phase.results else following[0] is PHASE_ORDER[PHASE_ORDER.index(starts) + 1]


def test_next_milestone_skips_unplanned_moments_and_ends_with_the_schedule():
    only_hacking = Schedule(hacking_starts_at=FULL.hacking_starts_at, results_at=FULL.results_at)
    assert next_milestone(only_hacking, T0) == (Phase.hacking, FULL.hacking_starts_at)
    assert next_milestone(only_hacking, FULL.hacking_starts_at) == (Phase.results, FULL.results_at)
    assert next_milestone(only_hacking, FULL.results_at) is None
    assert next_milestone(Schedule(), T0) is None
