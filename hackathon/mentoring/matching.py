"""Pure proposal of mentor-to-team assignments (stdlib only, no database).

Inputs are plain dataclasses (:class:`TeamInput`, :class:`MentorInput`); the
output is a :class:`Proposal` with the proposed :class:`Assignment` rows (each
with human-readable reasons such as ``"track"``, ``"language: ru"``,
``"expertise: data"``) and a report of teams that could not be fully covered,
each with a machine-readable reason code.

Method
------
1. *Existing assignments.*  With ``keep_existing=True`` every existing
   (team, mentor) pair that is still valid (both known, no conflict, mentor
   not a member of the team) is kept and counts toward the mentor's load and
   toward the team's ``per_team`` quota.  Existing pairs are kept even if they
   exceed ``per_team`` or the mentor's capacity: the function proposes, it
   never silently drops what an organiser decided.  With
   ``keep_existing=False`` they are ignored and everything is recomputed.
2. *Greedy, most-constrained team first.*  Repeatedly pick the team that
   still needs mentors and has the fewest eligible mentors with remaining
   capacity (ties: most slots missing, then team id).  For that team choose
   the eligible mentor with the lowest load relative to capacity
   (``load / capacity``), then the highest preference score, then the lowest
   absolute load, then the lowest id.  Balancing load comes first so that a
   popular, well-matching mentor is not exhausted while others sit idle;
   the score breaks ties between equally loaded mentors.
3. *Preference score.*  +4 same track, +2 per shared language (reason
   ``language: xx``), +1 per expertise tag overlapping the team's
   needs/skills (reason ``expertise: tag``).
4. *Final check.*  Every proposed pair is re-validated (no conflict, not a
   member, capacity not exceeded by new pairs, no duplicate pair); a failure
   would be a bug and raises ``AssertionError``.  Teams left short are reported
   with a reason: ``no_mentors`` (no mentors at all), ``all_conflicted``
   (every mentor is conflicted with or a member of the team),
   ``no_capacity`` (some mentors were eligible but all are full) or
   ``too_few_mentors`` (fewer eligible mentors than ``per_team``).

The result is deterministic: inputs are sorted by id and every tie is broken
by id; ``seed`` is accepted for API compatibility and, when given, only
rotates the final tie-break among otherwise identical mentors reproducibly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

TRACK_WEIGHT = 4
LANGUAGE_WEIGHT = 2
EXPERTISE_WEIGHT = 1

NO_MENTORS = "no_mentors"
ALL_CONFLICTED = "all_conflicted"
NO_CAPACITY = "no_capacity"
TOO_FEW_MENTORS = "too_few_mentors"


@dataclass(frozen=True)
class TeamInput:
    id: int
    track_id: int | None = None
    tags: frozenset[str] = frozenset()  # needs and skills, lower case
    languages: frozenset[str] = frozenset()  # languages of the members
    member_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MentorInput:
    id: int  # user id
    capacity: int = 1
    track_ids: frozenset[int] = frozenset()
    expertise: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    conflict_team_ids: frozenset[int] = frozenset()
    conflict_person_ids: frozenset[int] = frozenset()
    own_team_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Assignment:
    team_id: int
    mentor_id: int
    reasons: tuple[str, ...] = ()
    existing: bool = False


@dataclass(frozen=True)
class Uncovered:
    team_id: int
    missing: int
    reason: str


@dataclass
class Proposal:
    assignments: list[Assignment] = field(default_factory=list)
    uncovered: list[Uncovered] = field(default_factory=list)
    loads: dict[int, int] = field(default_factory=dict)

    def for_team(self, team_id: int) -> list[Assignment]:
        return [a for a in self.assignments if a.team_id == team_id]


def conflicted(team: TeamInput, mentor: MentorInput) -> bool:
    """True if the mentor may never mentor this team."""
    return (
        team.id in mentor.conflict_team_ids
        or team.id in mentor.own_team_ids
        or mentor.id in team.member_ids
        or bool(mentor.conflict_person_ids & team.member_ids)
    )


def reasons_for(team: TeamInput, mentor: MentorInput) -> tuple[str, ...]:
    reasons: list[str] = []
    if team.track_id is not None and team.track_id in mentor.track_ids:
        reasons.append("track")
    reasons += [f"language: {lang}" for lang in sorted(team.languages & mentor.languages)]
    reasons += [f"expertise: {tag}" for tag in sorted(team.tags & mentor.expertise)]
    return tuple(reasons)


def score(team: TeamInput, mentor: MentorInput) -> int:
    total = 0
    if team.track_id is not None and team.track_id in mentor.track_ids:
        total += TRACK_WEIGHT
    total += LANGUAGE_WEIGHT * len(team.languages & mentor.languages)
    total += EXPERTISE_WEIGHT * len(team.tags & mentor.expertise)
    return total


def propose_assignment(
    teams,
    mentors,
    *,
    per_team: int,
    existing=(),
    keep_existing: bool = True,
    seed: int | None = None,
) -> Proposal:
    """Propose mentors for teams; see the module docstring for the method.

    ``existing`` is an iterable of ``(team_id, mentor_id)`` pairs.
    """
    teams = sorted(teams, key=lambda t: t.id)
    mentors = sorted(mentors, key=lambda m: m.id)
    team_by_id = {t.id: t for t in teams}
    mentor_by_id = {m.id: m for m in mentors}
    per_team = max(0, int(per_team))

    tiebreak = {m.id: m.id for m in mentors}
    if seed is not None:
        order = [m.id for m in mentors]
        random.Random(seed).shuffle(order)
        tiebreak = {mid: i for i, mid in enumerate(order)}

    loads = {m.id: 0 for m in mentors}
    assigned: dict[int, list[Assignment]] = {t.id: [] for t in teams}

    if keep_existing:
        for team_id, mentor_id in sorted(set(existing)):
            team, mentor = team_by_id.get(team_id), mentor_by_id.get(mentor_id)
            if team is None or mentor is None or conflicted(team, mentor):
                continue
            assigned[team_id].append(
                Assignment(team_id, mentor_id, reasons_for(team, mentor), existing=True)
            )
            loads[mentor_id] += 1

    def has_room(mentor: MentorInput) -> bool:
        return loads[mentor.id] < mentor.capacity

    def eligible(team: TeamInput) -> list[MentorInput]:
        taken = {a.mentor_id for a in assigned[team.id]}
        return [
            m for m in mentors
            if m.id not in taken and has_room(m) and not conflicted(team, m)
        ]

    def missing(team: TeamInput) -> int:
        return max(0, per_team - len(assigned[team.id]))

    while True:
        open_teams = [t for t in teams if missing(t) and eligible(t)]
        if not open_teams:
            break
        team = min(open_teams, key=lambda t: (len(eligible(t)), -missing(t), t.id))
        mentor = min(
            eligible(team),
            key=lambda m: (
                Fraction(loads[m.id], m.capacity),
                -score(team, m),
                loads[m.id],
                tiebreak[m.id],
            ),
        )
        assigned[team.id].append(Assignment(team.id, mentor.id, reasons_for(team, mentor)))
        loads[mentor.id] += 1

    result = Proposal(loads=loads)
    new_per_mentor = {m.id: 0 for m in mentors}
    for team in teams:
        seen: set[int] = set()
        for a in assigned[team.id]:
            mentor = mentor_by_id[a.mentor_id]
            assert a.mentor_id not in seen, "duplicate pair"
            assert not conflicted(team, mentor), "conflicted pair"
            seen.add(a.mentor_id)
            if not a.existing:
                new_per_mentor[mentor.id] += 1
            result.assignments.append(a)
        short = missing(team)
        if short:
            result.uncovered.append(Uncovered(team.id, short, _why(team, mentors, per_team)))
    for mentor in mentors:
        if new_per_mentor[mentor.id]:
            assert loads[mentor.id] <= mentor.capacity, "capacity exceeded"
    return result


def _why(team: TeamInput, mentors: list[MentorInput], per_team: int) -> str:
    if not mentors:
        return NO_MENTORS
    allowed = [m for m in mentors if not conflicted(team, m)]
    if not allowed:
        return ALL_CONFLICTED
    if len(allowed) < per_team:
        return TOO_FEW_MENTORS
    return NO_CAPACITY
