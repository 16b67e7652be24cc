"""Juror scores by group: the mean calibrated score of a round's projects for each group of each profile dimension.
Pure: stdlib only (and disclosure.py's pure rule for the report); the loader (score_split_service.py) turns the
leaderboard and SQL counts into the inputs.

Vocabulary and formulas, for one round and one dimension (age band, gender, region...):

- each scored project p has its calibrated score Z_p (the leaderboard's: the mean of its jurors' z-scores, each
  juror's totals put on a common scale; see judging/scoring.py) and its raw score R_p (the mean weighted total);
- n_gp is the number of members of p's team in group g, N_p = Σ_g n_gp the team's size;
- the group's mean is people-weighted: a project counts once for each member of its team in the group,
      mean_g = Σ_p n_gp·Z_p / Σ_p n_gp,
  and "the rest" is everyone else in the scored teams, in the same way:
      rest_g = Σ_p (N_p − n_gp)·Z_p / Σ_p (N_p − n_gp);
- the difference is mean_g − rest_g, in calibrated units (standard deviations of a juror's own totals).

"Markedly lower": the group's mean is at least `MARKEDLY_LOWER` (half a standard deviation) below the rest's. Half
of a juror's spread is a gap a juror would notice in their own scoring — on a round whose totals spread by 15
points it is about 7 points — and well beyond what rounding or a single juror's sheet moves. "Not given" is never
a group of its own here (it is no group of people) but its people count among the rest. A note carries a caution
when the group or the rest has fewer than `SMALL_PEOPLE` people or `SMALL_PROJECTS` projects: a handful of teams
decide such a mean, and a team's members all share its score.

Sums use math.fsum (correctly rounded) and the comparison with the threshold allows `TOLERANCE`, as the
leaderboard does for z-based values.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hackathon.applications.disclosure import COMPLEMENT, column_marks  # pure as well: the report's rule for counts

UNKNOWN = "unknown"  # the same key as stats.UNKNOWN ("Not given")
MARKEDLY_LOWER = 0.5
SMALL_PEOPLE = 10
SMALL_PROJECTS = 3
TOLERANCE = 1e-9


@dataclass(frozen=True)
class ProjectScore:
    """One scored project of the round: its calibrated score Z (z units) and raw score (0..100)."""

    project_id: int
    z: float
    raw: float


@dataclass(frozen=True)
class GroupScore:
    """One group of one dimension: people and projects counted, the people-weighted means of the group and of
    the rest, the difference (group − rest, z units), and whether it is markedly lower (`below`) and small."""

    value: str
    people: int
    projects: int
    mean_z: float | None
    mean_raw: float | None
    rest_people: int
    rest_projects: int
    rest_mean_z: float | None
    rest_mean_raw: float | None
    difference: float | None
    below: bool = False
    small: bool = False


@dataclass(frozen=True)
class ScoreNote:
    """A group whose mean calibrated score is markedly lower than the rest's (see the module's docstring)."""

    dimension: str
    value: str
    people: int
    projects: int
    rest_people: int
    rest_projects: int
    mean_z: float
    rest_mean_z: float
    difference: float
    small: bool


@dataclass(frozen=True)
class ScoreSplit:
    """The split of one round: groups per dimension (in `dimensions` order), notes (dimension order, then the
    largest gap first), and what was counted: `projects` scored projects with members, `people` in their teams,
    `unscored` projects of the round left out for having no score (no sheet: only conflicts, or nobody scored
    them yet), `without_members` scored projects whose team has nobody in it (they weigh nothing).
    `round_mean` and `round_sd` put a z value on the leaderboard's 0..100 display scale (mean + sd·z)."""

    dimensions: tuple[str, ...]
    groups: dict[str, list[GroupScore]]
    notes: list[ScoreNote]
    projects: int
    people: int
    unscored: int
    without_members: int
    round_mean: float
    round_sd: float

    def display(self, z: float | None) -> float | None:
        """A calibrated z as the leaderboard shows it (0..100 scale)."""
        return None if z is None else self.round_mean + self.round_sd * z

    def display_difference(self, difference: float | None) -> float | None:
        """A difference in z units as points of the 0..100 scale."""
        return None if difference is None else self.round_sd * difference


def weighted_mean(pairs: Sequence[tuple[int, float]]) -> float | None:
    """Σ w·x / Σ w over (weight, value) pairs with weight > 0; None when the weights add up to nothing."""
    weight = sum(w for w, _x in pairs if w > 0)
    if weight <= 0:
        return None
    return math.fsum(w * x for w, x in pairs if w > 0) / weight


def is_markedly_lower(difference: float | None, gap: float = MARKEDLY_LOWER) -> bool:
    """True when group − rest is at least `gap` below zero (within TOLERANCE)."""
    return difference is not None and difference <= -gap + TOLERANCE


def order_values(present: Mapping[str, int], known: Sequence[str]) -> list[str]:
    """Groups in order: known values that have people, in their own order; then the others by people (most
    first, then by key); then UNKNOWN, always listed."""
    listed = [value for value in known if value != UNKNOWN and present.get(value, 0) > 0]
    others = sorted((value for value, people in present.items()
                     if value not in listed and value != UNKNOWN and people > 0),
                    key=lambda value: (-present[value], value))
    return [*listed, *others, UNKNOWN]


def split_dimension(scores: Mapping[int, ProjectScore], counts: Mapping[int, Mapping[str, int]], *,
                    known: Sequence[str] = (), gap: float = MARKEDLY_LOWER, small_people: int = SMALL_PEOPLE,
                    small_projects: int = SMALL_PROJECTS) -> list[GroupScore]:
    """One dimension's groups from the scored projects and {project id: {value: members of the team}}.
    Projects without a score, and counts of projects not in `scores`, are ignored."""
    sizes = {project: sum(max(int(n), 0) for n in by_value.values())
             for project, by_value in counts.items() if project in scores}
    people_in: dict[str, int] = {}
    for project in sizes:
        for value, n in counts[project].items():
            if n > 0:
                people_in[value] = people_in.get(value, 0) + int(n)
    rows = []
    for value in order_values(people_in, known):
        inside = [(int(counts[p].get(value, 0)), scores[p]) for p in sizes]
        outside = [(sizes[p] - n, score) for p, (n, score) in zip(sizes, inside)]
        people, rest_people = sum(n for n, _s in inside if n > 0), sum(n for n, _s in outside if n > 0)
        projects, rest_projects = sum(n > 0 for n, _s in inside), sum(n > 0 for n, _s in outside)
        mean_z = weighted_mean([(n, s.z) for n, s in inside])
        rest_z = weighted_mean([(n, s.z) for n, s in outside])
        difference = mean_z - rest_z if mean_z is not None and rest_z is not None else None
        small = (people < small_people or projects < small_projects or rest_people < small_people
                 or rest_projects < small_projects)
        rows.append(GroupScore(
            value=value, people=people, projects=projects, mean_z=mean_z,
            mean_raw=weighted_mean([(n, s.raw) for n, s in inside]), rest_people=rest_people,
            rest_projects=rest_projects, rest_mean_z=rest_z,
            rest_mean_raw=weighted_mean([(n, s.raw) for n, s in outside]),
            difference=difference, below=value != UNKNOWN and is_markedly_lower(difference, gap), small=small,
        ))
    return rows


def score_split(scores: Sequence[ProjectScore], counts: Mapping[str, Mapping[int, Mapping[str, int]]], *,
                dimensions: Sequence[str], known: Mapping[str, Sequence[str]] | None = None, unscored: int = 0,
                round_mean: float = 0.0, round_sd: float = 0.0, gap: float = MARKEDLY_LOWER,
                small_people: int = SMALL_PEOPLE, small_projects: int = SMALL_PROJECTS) -> ScoreSplit:
    """The split of a round: `scores` of its scored projects, `counts[dimension][project id][value]` members of
    each project's team in each group (every member has exactly one value per dimension, UNKNOWN included)."""
    by_id = {score.project_id: score for score in scores}
    known = known or {}
    groups = {dimension: split_dimension(by_id, counts.get(dimension, {}), known=known.get(dimension, ()), gap=gap,
                                         small_people=small_people, small_projects=small_projects)
              for dimension in dimensions}
    # Team sizes from the first dimension with counts (they are the same in every dimension).
    sizes: dict[int, int] = {}
    for dimension in dimensions:
        if counts.get(dimension):
            sizes = {p: sum(by_value.values()) for p, by_value in counts[dimension].items() if p in by_id}
            break
    with_members = [p for p in by_id if sizes.get(p, 0) > 0]
    notes = []
    for position, dimension in enumerate(dimensions):
        for row in groups[dimension]:
            if row.below:
                notes.append((position, row.difference, row.value, ScoreNote(
                    dimension=dimension, value=row.value, people=row.people, projects=row.projects,
                    rest_people=row.rest_people, rest_projects=row.rest_projects, mean_z=row.mean_z,
                    rest_mean_z=row.rest_mean_z, difference=row.difference, small=row.small)))
    notes.sort(key=lambda item: item[:3])
    return ScoreSplit(dimensions=tuple(dimensions), groups=groups, notes=[item[3] for item in notes],
                      projects=len(with_members), people=sum(sizes.get(p, 0) for p in with_members),
                      unscored=unscored, without_members=len(by_id) - len(with_members), round_mean=round_mean,
                      round_sd=round_sd)


# --- what a report may publish (small groups suppressed; see disclosure.py for the counts' rule) -----------------

@dataclass(frozen=True)
class PublishedGroup:
    """A group as the donors' report shows it. `hidden`: its people are suppressed (1 to threshold − 1, or the
    next smallest beside a lone such group, as disclosure.column_suppression decides), and with them its projects,
    mean and difference. `difference` is None as well when the rest is a small number of people (the group's mean
    and the difference would give the rest's mean)."""

    value: str
    people: int | None
    projects: int | None
    mean_z: float | None
    difference: float | None
    hidden: bool
    below: bool
    small: bool
    complement: bool = False  # hidden only so that a smaller group cannot be worked out (it is not small)


def publish(split: ScoreSplit, threshold: int) -> tuple[dict[str, list[PublishedGroup]], list[ScoreNote]]:
    """The groups and notes a report may show: the counts' rule (disclosure.column_suppression) applied to each
    dimension's people, whose groups add up to the scored teams' people, which the report states when they are
    `threshold` or more (else every group with people is hidden). A note is kept only for a group shown with a
    shown difference. Not protected: the round's leaderboard itself, which says each team's score to whoever
    may read it."""
    total_shown = not (0 < split.people < threshold)
    published: dict[str, list[PublishedGroup]] = {}
    keep: set[tuple[str, str]] = set()
    for dimension in split.dimensions:
        groups = split.groups[dimension]
        marks = column_marks([group.people for group in groups], threshold=threshold, total_shown=total_shown)
        rows = []
        for group, mark in zip(groups, marks):
            secret = bool(mark) or not total_shown and group.people > 0
            rest_small = 0 < group.rest_people < threshold
            difference = None if secret or rest_small else group.difference
            rows.append(PublishedGroup(
                value=group.value, people=None if secret else group.people,
                projects=None if secret else group.projects, mean_z=None if secret else group.mean_z,
                difference=difference, hidden=secret, below=group.below and difference is not None,
                small=group.small, complement=mark == COMPLEMENT))
            if group.below and difference is not None:
                keep.add((dimension, group.value))
        published[dimension] = rows
    return published, [note for note in split.notes if (note.dimension, note.value) in keep]


def withheld_notes(split: ScoreSplit, published: dict[str, list[PublishedGroup]]) -> list[ScoreNote]:
    """The notes `publish` leaves out (the group's numbers or its difference are hidden): the report still says
    that such a group is markedly below, without its numbers, so that it never claims no group is."""
    shown = {(dimension, group.value) for dimension, groups in published.items() for group in groups if group.below}
    return [note for note in split.notes if (note.dimension, note.value) not in shown]
