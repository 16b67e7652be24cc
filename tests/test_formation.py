"""The pure team suggestion (hackathon/teams/formation.py): sizes, mixing, regions, who is left out, determinism."""
from __future__ import annotations

import ast
import random
from collections import Counter
from pathlib import Path

import pytest

from hackathon.teams.formation import (IT, NO_ROOM, NON_IT, TOO_FEW_PEOPLE, Candidate, explain, suggest_teams,
                                       team_sizes)

REGIONS = ["bishkek", "osh", "naryn", "talas", "batken", "chuy", "issyk_kul"]


def people(n_it: int, n_non_it: int, n_unknown: int = 0, *, regions=REGIONS, start: int = 1) -> list[Candidate]:
    backgrounds = [IT] * n_it + [NON_IT] * n_non_it + [None] * n_unknown
    return [Candidate(id=start + i, background=background, region=regions[i % len(regions)], language="ru",
                      skills=(f"s{i}",)) for i, background in enumerate(backgrounds)]


def ids(team) -> list[int]:
    return [m.id for m in team.members]


@pytest.mark.parametrize("n, low, high, sizes", [
    (0, 1, 5, []),
    (2, 3, 5, []),               # too few for one team
    (3, 3, 5, [3]),
    (5, 3, 5, [5]),
    (6, 3, 5, [3, 3]),
    (7, 3, 5, [4, 3]),
    (11, 3, 5, [4, 4, 3]),
    (7, 4, 5, [5]),              # two teams would be under 4: one team, two people left out
    (9, 4, 5, [5, 4]),
    (200, 3, 5, [5] * 40),
    (201, 3, 5, [5] * 37 + [4] * 4),
    (4, 5, 3, []),               # impossible limits
    (4, 1, 0, []),
])
def test_team_sizes(n, low, high, sizes):
    result = team_sizes(n, low, high)
    assert result == sizes
    assert all(low <= size <= high for size in result)
    if result:
        assert max(result) - min(result) <= 1


def test_every_team_mixes_backgrounds_when_possible_and_sizes_hold():
    suggestion = suggest_teams(people(10, 14), 3, 5)
    assert [len(team.members) for team in suggestion.teams] == [5, 5, 5, 5, 4]
    for team in suggestion.teams:
        it = sum(1 for m in team.members if m.background == IT)
        assert 2 <= it <= 3 and team.explanation["mixed"] is True
    assert suggestion.unplaced == [] and suggestion.problems == []
    placed = [m.id for team in suggestion.teams for m in team.members]
    assert sorted(placed) == list(range(1, 25))  # each person exactly once


def test_backgrounds_are_spread_evenly_even_when_unbalanced():
    suggestion = suggest_teams(people(3, 12), 3, 5)
    assert [team.explanation["it"] for team in suggestion.teams] == [1, 1, 1]


def test_regions_are_spread_across_teams():
    # Two people from each of four regions, all IT: every team of two should span two regions.
    candidates = [Candidate(id=i, background=IT, region=REGIONS[i // 2]) for i in range(8)]
    suggestion = suggest_teams(candidates, 2, 2)
    for team in suggestion.teams:
        assert len(team.explanation["regions"]) == 2


def test_the_swap_pass_adds_regions_without_changing_the_background_mix():
    candidates = [Candidate(1, IT, "osh"), Candidate(2, IT, "osh"), Candidate(3, NON_IT, "naryn"),
                  Candidate(4, NON_IT, "naryn"), Candidate(5, IT, "talas"), Candidate(6, NON_IT, "talas")]
    suggestion = suggest_teams(candidates, 3, 3)
    for team in suggestion.teams:
        assert team.explanation["it"] + team.explanation["non_it"] == 3
        assert len(team.explanation["regions"]) >= 2
    assert sorted(t.explanation["it"] for t in suggestion.teams) == [1, 2]


def test_same_input_same_suggestion_in_any_order():
    candidates = people(9, 8, 3)
    first = suggest_teams(candidates, 3, 4)
    shuffled = candidates[:]
    random.Random(7).shuffle(shuffled)
    second = suggest_teams(shuffled, 3, 4)
    assert [ids(t) for t in first.teams] == [ids(t) for t in second.teams]
    assert first.unplaced == second.unplaced
    assert [t.explanation for t in first.teams] == [t.explanation for t in second.teams]


def test_too_few_people_are_all_left_out_with_the_reason():
    suggestion = suggest_teams(people(1, 1), 3, 5)
    assert suggestion.teams == []
    assert [c.id for c in suggestion.unplaced] == [1, 2]
    assert suggestion.problems == [TOO_FEW_PEOPLE]
    assert suggestion.reasons == {1: TOO_FEW_PEOPLE, 2: TOO_FEW_PEOPLE}
    assert suggest_teams([], 3, 5).problems == []


def test_people_left_out_come_from_the_largest_background_group_and_most_common_region():
    # 7 people, teams of 4-5: one team of five, two stay out. Non-IT is the larger group (5 vs 2), and among
    # them "osh" is the most common region: the two left out are the osh non-IT people with the highest ids.
    candidates = [Candidate(1, IT, "naryn"), Candidate(2, IT, "talas"), Candidate(3, NON_IT, "osh"),
                  Candidate(4, NON_IT, "osh"), Candidate(5, NON_IT, "osh"), Candidate(6, NON_IT, "chuy"),
                  Candidate(7, NON_IT, "batken")]
    suggestion = suggest_teams(candidates, 4, 5)
    assert [c.id for c in suggestion.unplaced] == [4, 5]
    assert suggestion.reasons == {4: NO_ROOM, 5: NO_ROOM}
    assert "some_unplaced" in suggestion.problems
    [team] = suggestion.teams
    assert ids(team) == [1, 2, 3, 6, 7]
    assert team.explanation["regions"] == ["batken", "chuy", "naryn", "osh", "talas"]


def test_no_mix_possible_is_reported():
    suggestion = suggest_teams(people(6, 0), 2, 3)
    assert "no_mix_possible" in suggestion.problems
    assert all(team.explanation["mixed"] is False for team in suggestion.teams)
    assert "no_mix_possible" in suggest_teams(people(0, 0, 6), 2, 3).problems


def test_unknown_backgrounds_are_placed_too():
    suggestion = suggest_teams(people(2, 2, 2), 3, 3)
    assert sum(t.explanation["unknown"] for t in suggestion.teams) == 2
    assert [len(t.members) for t in suggestion.teams] == [3, 3]


def test_explain_counts_and_lists():
    members = [Candidate(1, IT, "osh", "ru", ("Python", "SQL")), Candidate(2, NON_IT, None, "ky", ("Law",)),
               Candidate(3, None, "osh", None, ("SQL",))]
    assert explain(members) == {"it": 1, "non_it": 1, "unknown": 1, "regions": ["osh"], "languages": ["ky", "ru"],
                                "skills": ["Law", "Python", "SQL"], "mixed": True}


def test_a_candidate_listed_twice_is_a_programming_error():
    with pytest.raises(ValueError):
        suggest_teams([Candidate(1, IT, "osh"), Candidate(1, IT, "osh"), Candidate(2, NON_IT, "osh")], 1, 3)


def test_a_large_event_is_suggested_quickly():
    import time

    candidates = people(100, 100, 10)
    started = time.perf_counter()
    suggestion = suggest_teams(candidates, 3, 5)
    assert time.perf_counter() - started < 5
    assert len(suggestion.teams) == 42 and suggestion.unplaced == []
    assert Counter(len(t.members) for t in suggestion.teams) == Counter({5: 42})


def test_the_module_imports_only_the_standard_library():
    source = Path(__file__).resolve().parent.parent / "hackathon" / "teams" / "formation.py"
    tree = ast.parse(source.read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert modules <= {"__future__", "collections", "dataclasses", "math"}
