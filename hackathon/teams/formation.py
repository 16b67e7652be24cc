"""Suggest teams from individuals so that each mixes IT and non-IT people and regions. Pure: stdlib only.

The method, deterministic for the same input:
1. Team count k = ceil(n / max_size); while the smallest team (n // k) would fall under min_size, use one
   team fewer. Sizes then differ by at most one. People who cannot make a team of min_size stay unplaced.
   When some must stay out, they are taken one at a time from the largest background group (ties: the group
   whose newest person has the highest id), each time the person whose region is most common in that group
   (ties: the highest id), so that the people placed keep as much of the background and regional mix as possible.
2. People are dealt to teams like cards: IT people first, then non-IT, then those who did not say, each
   group ordered by region (then id). Dealing runs round the teams, skipping full ones, so every team gets
   its share of each background, and people from one region land in different teams.
3. A swap pass then tries, for every pair of teams, swapping two people of the same background when that
   raises the number of distinct regions in both teams without lowering it in either; the background mix
   is unchanged by construction. It stops when no swap helps (at most a few rounds for real inputs).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import ceil

IT, NON_IT, UNKNOWN = "it", "non_it", "unknown"


@dataclass(frozen=True)
class Candidate:
    id: int
    background: str | None  # "it", "non_it" or None
    region: str | None
    language: str | None = None
    skills: tuple[str, ...] = ()


@dataclass
class SuggestedTeam:
    members: list[Candidate]
    explanation: dict[str, object] = field(default_factory=dict)


# Why someone is not in a suggested team.
TOO_FEW_PEOPLE = "too_few_people"  # fewer people than the minimum team size
NO_ROOM = "no_room"                # the teams that respect both size limits cannot take everyone


@dataclass
class Suggestion:
    teams: list[SuggestedTeam]
    unplaced: list[Candidate]
    problems: list[str]
    reasons: dict[int, str] = field(default_factory=dict)  # candidate id -> TOO_FEW_PEOPLE | NO_ROOM


def _background(candidate: Candidate) -> str:
    return candidate.background if candidate.background in (IT, NON_IT) else UNKNOWN


def team_sizes(n: int, min_size: int, max_size: int) -> list[int]:
    """Balanced sizes within [min_size, max_size] covering as many of n people as possible."""
    if n < min_size or max_size < 1 or min_size > max_size:
        return []
    k = ceil(n / max_size)
    while k > 0 and n // k < min_size:
        k -= 1
    if k == 0:
        return []
    placed = min(n, k * max_size)
    base, extra = divmod(placed, k)
    return [base + 1 if i < extra else base for i in range(k)]


def explain(members: list[Candidate]) -> dict[str, object]:
    counts = {IT: 0, NON_IT: 0, UNKNOWN: 0}
    for member in members:
        counts[_background(member)] += 1
    regions = sorted({m.region for m in members if m.region})
    languages = sorted({m.language for m in members if m.language})
    skills = sorted({skill for m in members for skill in m.skills})
    return {"it": counts[IT], "non_it": counts[NON_IT], "unknown": counts[UNKNOWN], "regions": regions,
            "languages": languages, "skills": skills, "mixed": counts[IT] > 0 and counts[NON_IT] > 0}


def _distinct_regions(members: list[Candidate]) -> int:
    return len({m.region for m in members if m.region})


def _improve_regions(teams: list[list[Candidate]], max_rounds: int = 10) -> None:
    for _ in range(max_rounds):
        improved = False
        for a in range(len(teams)):
            for b in range(a + 1, len(teams)):
                for i, left in enumerate(teams[a]):
                    for j, right in enumerate(teams[b]):
                        if _background(left) != _background(right) or left.region == right.region:
                            continue
                        before = (_distinct_regions(teams[a]), _distinct_regions(teams[b]))
                        teams[a][i], teams[b][j] = right, left
                        after = (_distinct_regions(teams[a]), _distinct_regions(teams[b]))
                        if after[0] >= before[0] and after[1] >= before[1] and sum(after) > sum(before):
                            improved = True
                            left, right = teams[a][i], teams[b][j]
                        else:
                            teams[a][i], teams[b][j] = left, right
        if not improved:
            return


def _leave_out(people: list[Candidate], count: int) -> tuple[list[Candidate], list[Candidate]]:
    """(kept, left out): `count` people taken out so that the mix of the rest suffers least (module docstring)."""
    kept = list(people)
    left_out: list[Candidate] = []
    for _ in range(count):
        groups: dict[str, list[Candidate]] = {}
        for candidate in kept:
            groups.setdefault(_background(candidate), []).append(candidate)
        largest = max(groups.values(), key=lambda group: (len(group), max(c.id for c in group)))
        regions = Counter(c.region for c in largest)
        person = max(largest, key=lambda c: (regions[c.region], c.id))
        kept.remove(person)
        left_out.append(person)
    return kept, left_out


def suggest_teams(candidates: list[Candidate], min_size: int, max_size: int) -> Suggestion:
    """Teams of min_size..max_size mixing backgrounds and regions; see the module docstring for the method."""
    people = sorted(candidates, key=lambda c: c.id)
    if len({c.id for c in people}) != len(people):
        raise ValueError("each candidate must appear once")
    sizes = team_sizes(len(people), min_size, max_size)
    problems: list[str] = []
    if not sizes:
        if people:
            problems.append(TOO_FEW_PEOPLE)
        return Suggestion(teams=[], unplaced=people, problems=problems,
                          reasons={c.id: TOO_FEW_PEOPLE for c in people})
    to_place, unplaced = _leave_out(people, len(people) - sum(sizes))
    order = {IT: 0, NON_IT: 1, UNKNOWN: 2}
    to_place.sort(key=lambda c: (order[_background(c)], c.region or "~", c.id))
    teams: list[list[Candidate]] = [[] for _ in sizes]
    turn = 0
    for candidate in to_place:
        while len(teams[turn % len(teams)]) >= sizes[turn % len(teams)]:
            turn += 1
        teams[turn % len(teams)].append(candidate)
        turn += 1
    _improve_regions(teams)
    result = []
    for members in teams:
        members.sort(key=lambda c: c.id)
        result.append(SuggestedTeam(members=members, explanation=explain(members)))
    if not any(c.background == IT for c in people) or not any(c.background == NON_IT for c in people):
        problems.append("no_mix_possible")
    if unplaced:
        problems.append("some_unplaced")
    return Suggestion(teams=result, unplaced=sorted(unplaced, key=lambda c: c.id), problems=problems,
                      reasons={c.id: NO_ROOM for c in unplaced})
