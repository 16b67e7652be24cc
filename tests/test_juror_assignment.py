"""Juror assignment (hackathon/judging/assignment.py): coverage, conflicts, balance, caps, determinism, kept
sheets, drop-outs, infeasible inputs, preferences, mixing and the "all" mode."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from hackathon.judging.assignment import Juror, Project, assign, assign_all

TAGS = ["water", "health", "ml", "gis", "civic", "finance", "education", "design"]


def event(jurors=30, projects=100, tracks=4, conflicts=60, seed=1):
    rng = random.Random(seed)
    js = [Juror(i, frozenset(rng.sample(TAGS, 2)), frozenset({rng.randrange(tracks)})) for i in range(jurors)]
    ps = [Project(1000 + i, rng.randrange(tracks), frozenset(rng.sample(TAGS, 2))) for i in range(projects)]
    cs = {(rng.randrange(jurors), 1000 + rng.randrange(projects)) for _ in range(conflicts)}
    return js, ps, cs


def per_project(result) -> Counter:
    return Counter(p for _j, p in result.pairs)


def test_every_project_gets_k_distinct_jurors_without_conflicts_and_balanced_loads():
    jurors, projects, conflicts = event()
    result = assign(jurors, projects, k=3, conflicts=conflicts, seed=5)
    assert result.feasible and result.report == []
    assert set(per_project(result).values()) == {3} and len(per_project(result)) == len(projects)
    assert len(set(result.pairs)) == len(result.pairs)
    assert not set(result.pairs) & conflicts
    assert max(result.loads.values()) - min(result.loads.values()) <= 1
    assert sum(result.loads.values()) == 3 * len(projects)
    assert result.connected


def test_the_same_seed_gives_the_same_assignment():
    jurors, projects, conflicts = event()
    first = assign(jurors, projects, conflicts=conflicts, seed=11)
    assert assign(list(reversed(jurors)), list(reversed(projects)), conflicts=conflicts, seed=11).pairs == first.pairs
    assert assign(jurors, projects, conflicts=conflicts, seed=12).pairs != first.pairs


def test_caps_are_respected_and_the_rest_stays_even():
    jurors, projects, conflicts = event(jurors=10, projects=20, conflicts=0)
    jurors[0] = Juror(jurors[0].id, jurors[0].expertise, jurors[0].track_ids, cap=2)
    result = assign(jurors, projects, k=3, seed=1)
    assert result.feasible and result.loads[jurors[0].id] <= 2
    others = [load for jid, load in result.loads.items() if jid != jurors[0].id]
    assert max(others) - min(others) <= 1


def test_track_and_expertise_are_preferred_and_explained():
    jurors = [Juror(1, frozenset({"water"}), frozenset({1})), Juror(2, frozenset({"ml"}), frozenset({2})),
              Juror(3, frozenset(), frozenset())]
    projects = [Project(10, 1, frozenset({"water"})), Project(20, 2, frozenset({"ML"}))]
    result = assign(jurors, projects, k=1, seed=0)
    assert result.pairs == [(1, 10), (2, 20)]
    assert result.reasons[(1, 10)] == [("track", 1), ("expertise", "water")]
    assert result.reasons[(2, 20)] == [("track", 2), ("expertise", "ml")]


def test_kept_sheets_do_not_move_and_a_drop_out_only_moves_their_projects():
    jurors, projects, conflicts = event(jurors=12, projects=30, conflicts=10)
    first = assign(jurors, projects, conflicts=conflicts, seed=3)
    gone = jurors[0].id
    completed = {pair for pair in first.pairs if pair[0] != gone and pair[1] % 2 == 0}
    rerun = assign(jurors[1:], projects, conflicts=conflicts, existing=completed, seed=3)
    assert completed <= set(rerun.pairs)
    assert rerun.feasible and gone not in rerun.loads
    assert set(per_project(rerun).values()) == {3}
    assert not any(j == gone for j, _p in rerun.pairs)


def test_infeasible_input_names_the_projects_that_cannot_be_covered():
    jurors = [Juror(1), Juror(2), Juror(3)]
    projects = [Project(10), Project(20)]
    result = assign(jurors, projects, k=3, conflicts={(1, 20)}, seed=0)
    assert not result.feasible
    assert result.uncovered == {20: 1}
    assert result.report == ["project 20: only 2 juror(s) without a conflict, 3 needed"]
    assert per_project(result)[10] == 3 and per_project(result)[20] == 2


def test_capacity_shortage_is_reported_not_crashed():
    jurors = [Juror(1, cap=1), Juror(2, cap=1), Juror(3, cap=1)]
    result = assign(jurors, [Project(10), Project(20)], k=2, seed=0)
    assert not result.feasible and sum(result.uncovered.values()) == 1
    assert "no capacity left" in result.report[0]


@pytest.mark.parametrize("jurors, projects", [([], [Project(1)]), ([Juror(1)], []), ([], [])])
def test_empty_inputs(jurors, projects):
    result = assign(jurors, projects, k=3)
    assert result.pairs == []
    assert result.uncovered == ({1: 3} if projects else {})


def test_augmenting_paths_find_what_the_greedy_pass_missed():
    # Juror 1 may judge anything; juror 2 only project 10 (conflicted with 20). k = 1, each juror one project.
    jurors = [Juror(1, cap=1), Juror(2, cap=1)]
    projects = [Project(10), Project(20)]
    for seed in range(10):
        result = assign(jurors, projects, k=1, conflicts={(2, 20)}, seed=seed)
        assert result.feasible and sorted(result.pairs) == [(1, 20), (2, 10)]


def test_separate_groups_are_mixed_into_one():
    # Track-perfect jurors would split the event into two islands; mixing joins them.
    jurors = [Juror(i, frozenset(), frozenset({i % 2})) for i in range(6)]
    projects = [Project(100 + i, i % 2) for i in range(6)]
    result = assign(jurors, projects, k=3, seed=0)
    assert result.feasible and result.connected


def test_all_mode_is_everyone_minus_conflicts():
    jurors = [Juror(1), Juror(2)]
    projects = [Project(10), Project(20)]
    result = assign_all(jurors, projects, conflicts={(1, 20), (2, 20)})
    assert result.pairs == [(1, 10), (2, 10)]
    assert result.uncovered == {20: 1} and result.report == ["project 20: every juror has a conflict"]


def test_a_large_round_stays_within_its_rules():
    jurors, projects, conflicts = event(jurors=60, projects=500, tracks=6, conflicts=400, seed=9)
    result = assign(jurors, projects, k=3, conflicts=conflicts, seed=2)
    assert result.feasible and result.connected
    assert max(result.loads.values()) - min(result.loads.values()) <= 1
