"""Small-cell suppression of the inclusion numbers for everyone but the organisers: the donors' report, its CSV
and the API for non-organisers. Pure: stdlib only; takes a `stats.Funnel`, returns a `Disclosed` view of it.

The rule (`threshold` t, 5 by default, set per event):

1. *Primary suppression.* A count of people from 1 to t - 1 is suppressed: a stage's total and a group's cell
   alike ("<5" in the report, null with `suppressed: true` in JSON and CSV). A 0 is shown: no one to identify.
2. *Secondary (complementary) suppression.* A dimension's groups add up to the stage's total (every person is
   in exactly one group, "Not given" included), so one suppressed cell in a column (a dimension at a stage)
   could be recovered as the published total minus the other cells. Within each (dimension, stage) column
   whose total is shown, when exactly one cell is suppressed, the next smallest non-zero cell is suppressed
   too (the first such in the row order when two are equal). Two suppressed cells give only their sum. One
   pass suffices: columns share no cells, and nothing is published that adds up across stages or dimensions.
   A column whose total is suppressed holds only suppressed cells and zeros, so nothing can be subtracted.
3. *Percentages.* A percentage is suppressed when its numerator or its base is (a rate and its shown base
   give the count back).
4. *Teams and applications.* Shown, except at a stage whose people total is suppressed (a team of three
   at a stage with three people says who they are). Their percentages follow rule 3.
5. *Notes* on groups markedly below the rest keep their message (group, stages, the caution on small counts)
   but lose every count that is suppressed in the table, and the rest's count with it (the total minus the
   rest gives the group's count back), any rest's count from 1 to t - 1, and every rate or ratio computed
   from a lost count.

What this does not protect, and is left to the reader of the rule:
- Differences between stages. A group's cells at two stages are both shown when both are t or more, so
  "12 applied, 9 accepted" says 3 of that group were not accepted, fewer than t. Stages are nested, not
  added, and suppressing every such difference would hide most of a small event's report.
- Whole groups (attribute disclosure): a shown 0, or a group whose every member reached a stage ("7 applied,
  7 accepted"), says something of each person in it.
- Cross-tabulations: none are published; a reader who knows one person's group and the event's
  applicants from elsewhere can still learn what others know.
- Other releases of the same event's numbers at another moment (the difference of two downloads) and the
  organisers' exact page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Count:
    """A number as published: `value` None when suppressed."""

    value: int | None
    suppressed: bool = False
    # Suppressed by rule 2 only (it is `threshold` or more): shown as COMPLEMENT_MARK, never as "<threshold".
    complement: bool = False

    def text(self, threshold: int) -> str:
        if not self.suppressed:
            return str(self.value)
        return COMPLEMENT_MARK if self.complement else f"<{threshold}"


@dataclass(frozen=True)
class Rate:
    """A whole percentage as published: `value` None when suppressed or when there is nothing to divide."""

    value: int | None
    suppressed: bool = False


COMPLEMENT_MARK = "×"
HIDDEN_COUNT = Count(None, True)
HIDDEN_COMPLEMENT = Count(None, True, complement=True)
# Why a cell is hidden (column_marks): not hidden, rule 1, rule 2.
SHOWN, SMALL, COMPLEMENT = "", "small", "complement"
HIDDEN_RATE = Rate(None, True)


@dataclass(frozen=True)
class DisclosedTotal:
    stage: str
    in_use: bool
    previous: str | None
    people: Count
    teams: Count
    applications: Count | None
    individual_applications: Count | None
    people_percent: Rate
    teams_percent: Rate
    applications_percent: Rate


@dataclass(frozen=True)
class DisclosedRow:
    value: str
    counts: dict[str, Count] = field(default_factory=dict)
    share: Rate = Rate(None)
    rates: dict[str, Rate] = field(default_factory=dict)


@dataclass(frozen=True)
class DisclosedNote:
    dimension: str
    value: str
    previous: str
    stage: str
    count: int | None
    base: int | None
    rest_count: int | None
    rest_base: int | None
    rate: int | None
    rest_rate: int | None
    relative: int | None
    small: bool


@dataclass(frozen=True)
class Disclosed:
    """The funnel as it may be published: the same shape as `stats.Funnel`, every count a `Count`."""

    threshold: int
    year: int
    home_country: str
    age_bands: list[Any]
    stages: tuple[str, ...]
    in_use: frozenset[str]
    totals: list[DisclosedTotal]
    breakdowns: dict[str, list[DisclosedRow]]
    not_counted: dict[str, int]
    notes: list[DisclosedNote]

    def total(self, stage: str) -> DisclosedTotal:
        return next(total for total in self.totals if total.stage == stage)


def is_small(value: int | None, threshold: int) -> bool:
    """Rule 1: 1 to threshold - 1 people."""
    return value is not None and 0 < value < threshold


def column_marks(cells: Sequence[int], *, threshold: int, total_shown: bool) -> list[str]:
    """Why each cell of one (dimension, stage) column is suppressed: SMALL by rule 1, then COMPLEMENT by rule 2
    when the column's total is shown (the next smallest non-zero cell joins a lone suppressed one; the first in
    order on ties); SHOWN for the others."""
    marks = [SMALL if is_small(value, threshold) else SHOWN for value in cells]
    if total_shown and marks.count(SMALL) == 1:
        candidates = [(value, index) for index, value in enumerate(cells) if value > 0 and not marks[index]]
        if candidates:
            marks[min(candidates)[1]] = COMPLEMENT
    return marks


def column_suppression(cells: Sequence[int], *, threshold: int, total_shown: bool) -> list[bool]:
    """Which cells of one (dimension, stage) column are suppressed (column_marks, for either reason)."""
    return [bool(mark) for mark in column_marks(cells, threshold=threshold, total_shown=total_shown)]


def _count(value: int | None, hidden: bool | str) -> Count:
    if not hidden:
        return Count(value)
    return HIDDEN_COMPLEMENT if hidden == COMPLEMENT else HIDDEN_COUNT


def _rate(value: int | None, *hidden: bool) -> Rate:
    return HIDDEN_RATE if any(hidden) else Rate(value)


def disclose(funnel: Any, *, threshold: int = DEFAULT_THRESHOLD) -> Disclosed:
    """The suppressed view of `funnel` (a `stats.Funnel`) under the rule in this module's docstring."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    stages = tuple(funnel.stages)
    totals = {total.stage: total for total in funnel.totals}
    total_hidden = {stage: is_small(totals[stage].people, threshold) for stage in stages}

    disclosed_totals = []
    for stage in stages:
        total = totals[stage]
        hidden = total_hidden[stage]
        before = total.previous
        before_hidden = total_hidden.get(before, False) if before else False
        disclosed_totals.append(DisclosedTotal(
            stage=stage, in_use=total.in_use, previous=before,
            people=_count(total.people, hidden), teams=_count(total.teams, hidden),
            applications=None if total.applications is None else _count(total.applications, hidden),
            individual_applications=(None if total.individual_applications is None
                                     else _count(total.individual_applications, hidden)),
            people_percent=_rate(total.people_percent, hidden, before_hidden),
            teams_percent=_rate(total.teams_percent, hidden, before_hidden),
            applications_percent=_rate(total.applications_percent, hidden, before_hidden),
        ))

    # hidden_cells[dimension][value][stage]
    hidden_cells: dict[str, dict[str, dict[str, bool]]] = {}
    breakdowns: dict[str, list[DisclosedRow]] = {}
    first = stages[0]
    previous = {total.stage: total.previous for total in funnel.totals}
    for dimension, rows in funnel.breakdowns.items():
        marks: dict[str, dict[str, str]] = {row.value: {} for row in rows}
        for stage in stages:
            cells = [row.counts.get(stage, 0) for row in rows]
            for row, mark in zip(rows, column_marks(cells, threshold=threshold,
                                                     total_shown=not total_hidden[stage])):
                marks[row.value][stage] = mark
        hidden_cells[dimension] = {value: {stage: bool(mark) for stage, mark in by_stage.items()}
                                   for value, by_stage in marks.items()}
        disclosed_rows = []
        for row in rows:
            mark = marks[row.value]
            disclosed_rows.append(DisclosedRow(
                value=row.value,
                counts={stage: _count(row.counts.get(stage, 0), mark[stage]) for stage in stages},
                share=_rate(row.share, bool(mark[first]), total_hidden[first]),
                rates={stage: _rate(rate, bool(mark.get(stage)), bool(mark.get(previous.get(stage) or "")))
                       for stage, rate in row.rates.items()},
            ))
        breakdowns[dimension] = disclosed_rows

    notes = [_note(note, hidden_cells, threshold) for note in funnel.notes]
    return Disclosed(threshold=threshold, year=funnel.year, home_country=funnel.home_country,
                     age_bands=list(funnel.age_bands), stages=stages, in_use=frozenset(funnel.in_use),
                     totals=disclosed_totals, breakdowns=breakdowns, not_counted=dict(funnel.not_counted),
                     notes=notes)


def _note(note: Any, hidden_cells: Mapping[str, Mapping[str, Mapping[str, bool]]], threshold: int) -> DisclosedNote:
    """Rule 5: the note with the counts the table suppresses (and their complements) taken out."""
    marks = hidden_cells.get(note.dimension, {}).get(note.value, {})
    count_hidden = marks.get(note.stage, is_small(note.count, threshold))
    base_hidden = marks.get(note.previous, is_small(note.base, threshold))
    rest_count_hidden = count_hidden or is_small(note.rest_count, threshold)
    rest_base_hidden = base_hidden or is_small(note.rest_base, threshold)
    rate_hidden = count_hidden or base_hidden
    rest_rate_hidden = rest_count_hidden or rest_base_hidden
    return DisclosedNote(
        dimension=note.dimension, value=note.value, previous=note.previous, stage=note.stage,
        count=None if count_hidden else note.count, base=None if base_hidden else note.base,
        rest_count=None if rest_count_hidden else note.rest_count,
        rest_base=None if rest_base_hidden else note.rest_base,
        rate=None if rate_hidden else note.rate, rest_rate=None if rest_rate_hidden else note.rest_rate,
        relative=None if rate_hidden or rest_rate_hidden else note.relative, small=note.small,
    )


def exact(funnel: Any) -> Disclosed:
    """The same view with nothing suppressed, for the event's organisers (the API's exact numbers)."""
    return disclose(funnel, threshold=1)


def suppressed_cells(disclosed: Disclosed) -> Iterable[tuple[str, str, str]]:
    """(dimension, value, stage) of every suppressed cell, for tests and the report's summary line."""
    for dimension, rows in disclosed.breakdowns.items():
        for row in rows:
            for stage, count in row.counts.items():
                if count.suppressed:
                    yield dimension, row.value, stage
