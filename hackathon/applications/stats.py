"""Inclusion statistics: the funnel through every stage, its breakdowns by profile dimension, per-event age bands
and the notes on groups markedly below the rest. Pure: stdlib only. The loader (inclusion.load_funnel) counts
people with SQL aggregates and hands the counts to `funnel_from_counts`; nothing here sees a person.

Vocabulary:
- a *person* is someone covered by a counted application: an individual applicant, or a member of a team whose
  team application is counted; a person counts once per stage whatever their roles and applications;
- a *stage* is a step of the funnel (`STAGES`, in order); a stage is *in use* when someone at the event can reach
  it, and each stage's conversion is measured from the previous stage in use (`previous_stages`).

Percentages are computed here from the integer counts and rounded once, half up, so that templates, the report
and the API never compute and the same number is shown everywhere.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

AGE_BANDS = [(0, 17, "under_18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"),
             (55, 200, "55+")]
UNKNOWN = "unknown"

# Values listed for every event, even at zero, in this order; anything else follows by count. Unknown is last.
KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "age_band": tuple(name for _low, _high, name in AGE_BANDS),
    "gender": ("female", "male", "other", "undisclosed"),
    "diaspora": ("home", "abroad"),
    "background": ("it", "non_it"),
    "first_hackathon": ("yes", "no"),
}
DIMENSIONS = ("age_band", "gender", "region", "country", "diaspora", "background", "first_hackathon", "language")


def percent(part: int, whole: int) -> int | None:
    """`part` as a whole percentage of `whole`, rounded half up once; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


def age_band(year_of_birth: int | None, year: int) -> str:
    """The default age band of someone born in `year_of_birth`, by their age in `year` (the applications API's
    per-applicant field; the funnel counts in the event's bands, `age_bands`)."""
    if year_of_birth is None:
        return UNKNOWN
    age = year - year_of_birth
    for low, high, name in AGE_BANDS:
        if low <= age <= high:
            return name
    return UNKNOWN


# The profile's regions are Kyrgyzstan's (and "abroad": outside it).
REGIONS_COUNTRY = "KG"


@dataclass(frozen=True)
class BreakdownRow:
    """People with one value of a dimension, per stage; `share` is the % of everyone who applied,
    `rates[stage]` the % of this row's previous stage that reached `stage`."""

    value: str
    counts: dict[str, int] = field(default_factory=dict)
    share: int | None = None
    rates: dict[str, int | None] = field(default_factory=dict)


# --- the whole funnel (issue 12): stages after the decision, per-event age bands, notes ---------------------------

# Every stage the app knows, in order. A person reaches a stage only if they reached the one before it (the
# loader's SQL makes them cumulative); a stage nobody at the event can reach yet or ever (no mentors assigned,
# no shortlist published) is "not in use" and the next stage follows on from the one before it.
STAGES: tuple[str, ...] = ("applied", "accepted", "confirmed", "in_team", "mentored", "submitted", "shortlisted",
                           "finalist", "awarded")
# Stages counted with applications as well as people and teams (a decision is made on an application).
APPLICATION_STAGES: tuple[str, ...] = ("applied", "accepted", "confirmed")


@dataclass(frozen=True)
class AgeBand:
    """Ages `low` to `high` inclusive (`high` None: and older). Keys are "18-24", "55+", "under_18"."""

    low: int
    high: int | None

    @property
    def key(self) -> str:
        if self.low == 0 and self.high is not None:
            return f"under_{self.high + 1}"
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"

    def holds(self, age: int) -> bool:
        return self.low <= age and (self.high is None or age <= self.high)


# The bands an event starts with (as before issue 12): 18-24, 25-34, 35-44, 45-54, 55+.
DEFAULT_AGE_BANDS: tuple[tuple[int, int | None], ...] = ((18, 24), (25, 34), (35, 44), (45, 54), (55, None))
MAX_AGE = 120


class AgeBandError(ValueError):
    """Bands that cannot be used, with the reason as a key and the values for the message:
    "syntax" (text), "order" (low, high: a band whose end is before its start), "overlap" / "gap"
    (previous, next: two neighbouring bands), "open" (a band after an open-ended one), "range" (age), "empty"."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


_BAND = re.compile(r"^\s*([0-9]{1,3})\s*(?:([-\u2013\u2014])\s*([0-9]{1,3})|(\+))\s*$")


def parse_age_bands(text: str) -> list[tuple[int, int | None]]:
    """"18-24, 25-34, 55+" (commas, semicolons or new lines between bands; an en dash works too) as
    [(18, 24), (25, 34), (55, None)], checked by `check_age_bands`. Raises AgeBandError."""
    parts = [part for part in re.split(r"[,;\n]", text or "") if part.strip()]
    bands: list[tuple[int, int | None]] = []
    for part in parts:
        match = _BAND.match(part)
        if not match:
            raise AgeBandError("syntax", text=part.strip())
        low = int(match.group(1))
        bands.append((low, None) if match.group(4) else (low, int(match.group(3))))
    check_age_bands(bands)
    return bands


def check_age_bands(bands: Sequence[tuple[int, int | None]]) -> None:
    """Bands must be in order, each end at or after its start, touching without overlap or gap, within 0..MAX_AGE,
    with at most the last one open-ended. Raises AgeBandError naming the first problem."""
    if not bands:
        raise AgeBandError("empty")
    for index, (low, high) in enumerate(bands):
        for age in (low, high):
            if age is not None and not 0 <= age <= MAX_AGE:
                raise AgeBandError("range", age=age)
        if high is not None and high < low:
            raise AgeBandError("order", low=low, high=high)
        if index:
            previous_low, previous_high = bands[index - 1]
            previous = AgeBand(previous_low, previous_high).key
            if previous_high is None:
                raise AgeBandError("open", previous=previous, next=AgeBand(low, high).key)
            if low <= previous_high:
                raise AgeBandError("overlap", previous=previous, next=AgeBand(low, high).key)
            if low > previous_high + 1:
                raise AgeBandError("gap", previous=previous, next=AgeBand(low, high).key)


def age_bands(configured: Sequence[Sequence[int | None]] | None = None) -> list[AgeBand]:
    """The bands people are counted in: the configured ones (default DEFAULT_AGE_BANDS), with "under_<first>"
    before them when the first starts above 0, and "<last + 1>+" after a closed last band, so that every age
    falls in exactly one band."""
    pairs = [(int(low), None if high is None else int(high)) for low, high in (configured or DEFAULT_AGE_BANDS)]
    check_age_bands(pairs)
    bands = [AgeBand(low, high) for low, high in pairs]
    if bands[0].low > 0:
        bands.insert(0, AgeBand(0, bands[0].low - 1))
    if bands[-1].high is not None:
        bands.append(AgeBand(bands[-1].high + 1, None))
    return bands


def age_band_of(age: int | None, bands: Sequence[AgeBand]) -> str:
    """The key of the band holding `age`, or UNKNOWN (no year of birth, or a negative age)."""
    if age is None:
        return UNKNOWN
    for band in bands:
        if band.holds(age):
            return band.key
    return UNKNOWN


def given(value) -> str:
    """A profile answer as a group key: its text, or UNKNOWN when missing or empty."""
    return UNKNOWN if value is None or str(value) == "" else str(value)


def country_key(country: str | None) -> str:
    return UNKNOWN if not country else str(country).upper()


def first_hackathon_key(value) -> str:
    """yes / no from the profile's answer (SQLite gives 1/0, PostgreSQL True/False), UNKNOWN without one."""
    return UNKNOWN if value is None else ("yes" if value else "no")


def diaspora_key(country: str | None, region: str | None, home_country: str) -> str:
    """"home" or "abroad" by the country of residence; without one, by the region (the profile's regions are
    Kyrgyzstan's, "abroad" outside it); UNKNOWN with neither."""
    if country:
        return "home" if str(country).upper() == home_country.upper() else "abroad"
    in_regions_country = home_country.upper() == REGIONS_COUNTRY
    if region == "abroad":
        return "abroad" if in_regions_country else UNKNOWN
    if region:
        return "home" if in_regions_country else "abroad"
    return UNKNOWN


def counts_from_levels(levels: Mapping[int, int], in_use: Iterable[str]) -> dict[str, int]:
    """{stage: people} from {level: people}, where a person's level is how many of the stages in use (in the
    order of STAGES) they reached: the stages are cumulative, so a stage counts everyone whose level passes it.
    A stage not in use counts 0."""
    used = [stage for stage in STAGES if stage in set(in_use)]
    counts = dict.fromkeys(STAGES, 0)
    for level, people in levels.items():
        for stage in used[:max(0, int(level))]:
            counts[stage] += int(people)
    return counts


def previous_stages(in_use: Iterable[str]) -> dict[str, str | None]:
    """{stage: the stage its conversion is measured from}: the nearest earlier stage in use (None for the first).
    A stage not in use is measured from the same stage as it would be, so its row still reads sensibly."""
    used = set(in_use)
    result: dict[str, str | None] = {}
    last: str | None = None
    for stage in STAGES:
        result[stage] = last
        if stage in used:
            last = stage
    return result


@dataclass(frozen=True)
class DisparityNote:
    """A group whose conversion from `previous` to `stage` is markedly below everyone else's at `previous`.

    `count` of `base` people of the group reached the stage, against `rest_count` of `rest_base` of the others;
    rates are whole percentages; `relative` is the group's rate as a % of the others' rate; `small` says the
    counts are too small to read much into (either base under SMALL_BASE)."""

    dimension: str
    value: str
    previous: str
    stage: str
    count: int
    base: int
    rest_count: int
    rest_base: int
    rate: int | None
    rest_rate: int | None
    relative: int | None
    small: bool


# "Markedly below": under four fifths of the others' rate (the "four-fifths rule" used in selection audits), and
# at least one person short of what the others' rate would give the group, so a group of one is not flagged for
# being one person. Counts under SMALL_BASE carry a caution.
MARKEDLY_BELOW = (4, 5)
SMALL_BASE = 10


def disparity_notes(breakdowns: Mapping[str, Sequence[BreakdownRow]], in_use: Iterable[str], *,
                    small_base: int = SMALL_BASE) -> list[DisparityNote]:
    """Every (dimension, group, stage) whose conversion from the previous stage in use is markedly below the rest
    of the people at that previous stage. "Not given" is never a group of its own here (it is no group of people)
    but its people count among "the rest". In stage order, then dimension order, then by how far below."""
    used = [stage for stage in STAGES if stage in set(in_use)]
    numerator, denominator = MARKEDLY_BELOW
    notes: list[tuple[int, int, float, DisparityNote]] = []
    dimension_order = {dimension: index for index, dimension in enumerate(breakdowns)}
    for position, (previous, stage) in enumerate(zip(used, used[1:])):
        for dimension, rows in breakdowns.items():
            total_base = sum(row.counts.get(previous, 0) for row in rows)
            total_count = sum(row.counts.get(stage, 0) for row in rows)
            for row in rows:
                if row.value == UNKNOWN:
                    continue
                base, count = row.counts.get(previous, 0), row.counts.get(stage, 0)
                rest_base, rest_count = total_base - base, total_count - count
                if base <= 0 or rest_base <= 0 or rest_count <= 0:
                    continue
                # rate < 4/5 of rest rate  <=>  count * rest_base * 5 < 4 * rest_count * base (integers, exact)
                below = count * rest_base * denominator < numerator * rest_count * base
                # one person short: base * rest_count / rest_base - count >= 1
                short = base * rest_count - count * rest_base >= rest_base
                if not (below and short):
                    continue
                rate, rest_rate = percent(count, base), percent(rest_count, rest_base)
                relative = percent(count * rest_base, rest_count * base)
                note = DisparityNote(dimension=dimension, value=row.value, previous=previous, stage=stage,
                                     count=count, base=base, rest_count=rest_count, rest_base=rest_base, rate=rate,
                                     rest_rate=rest_rate, relative=relative,
                                     small=base < small_base or rest_base < small_base)
                notes.append((position, dimension_order[dimension], (count * rest_base) / (rest_count * base), note))
    notes.sort(key=lambda item: (item[0], item[1], item[2], item[3].value))
    return [note for *_order, note in notes]

# --- the result of the whole funnel, from counts the loader's SQL aggregates give --------------------------------

@dataclass(frozen=True)
class StageTotal:
    """One stage of the whole funnel: people and teams that reached it (a team reaches a stage when one of its
    members does through it), applications for the application stages (None after them), and each as a whole %
    of the previous stage in use (`previous`). A stage not `in_use` shows no percentages."""

    stage: str
    in_use: bool
    previous: str | None
    people: int
    teams: int
    applications: int | None = None
    individual_applications: int | None = None
    people_percent: int | None = None
    teams_percent: int | None = None
    applications_percent: int | None = None


@dataclass(frozen=True)
class Funnel:
    """Everything the dashboard, the report and the API show: totals per stage, people per stage for every group
    of every dimension (`BreakdownRow.counts[stage]`; `share` is the % of all who applied, `rates[stage]` the %
    of the group's previous stage in use), the notes on groups markedly below the rest, and what was not
    counted. Numbers are exact; the report and exports suppress small cells (see disclosure.py)."""

    year: int
    home_country: str
    age_bands: list[AgeBand]
    stages: tuple[str, ...]
    in_use: frozenset[str]
    totals: list[StageTotal]
    breakdowns: dict[str, list[BreakdownRow]]
    not_counted: dict[str, int]
    notes: list[DisparityNote]

    def total(self, stage: str) -> StageTotal:
        return next(total for total in self.totals if total.stage == stage)


def group_rows(counts: Mapping[str, Mapping[str, int]], *, known: Sequence[str], previous: Mapping[str, str | None],
               applied_total: int) -> list[BreakdownRow]:
    """One dimension's rows from {value: {stage: people}}: known values first in their order (listed at zero),
    then other values by people who applied (most first, then by key), then UNKNOWN, always present."""
    first = STAGES[0]
    listed = [value for value in known if value != UNKNOWN]
    others = sorted((value for value in counts if value not in listed and value != UNKNOWN),
                    key=lambda value: (-counts[value].get(first, 0), value))
    rows = []
    for value in [*listed, *others, UNKNOWN]:
        reached = counts.get(value, {})
        stage_counts = {stage: int(reached.get(stage, 0)) for stage in STAGES}
        rates = {stage: percent(stage_counts[stage], stage_counts[before])
                 for stage, before in previous.items() if before is not None}
        rows.append(BreakdownRow(value=value, counts=stage_counts, share=percent(stage_counts[first], applied_total),
                                 rates=rates))
    return rows


def funnel_from_counts(*, people: Mapping[str, int], teams: Mapping[str, int], applications: Mapping[str, int],
                       individual_applications: Mapping[str, int],
                       groups: Mapping[str, Mapping[str, Mapping[str, int]]], in_use: Iterable[str],
                       not_counted: Mapping[str, int], year: int, home_country: str, bands: Sequence[AgeBand],
                       known: Mapping[str, Sequence[str]] | None = None, small_base: int = SMALL_BASE) -> Funnel:
    """The Funnel from aggregate counts: {stage: n} for people, teams, applications, individual applications;
    `groups[dimension][value][stage]` people; the stages in use. Percentages are computed here once."""
    used = frozenset(stage for stage in STAGES if stage in set(in_use))
    previous = previous_stages(used)
    totals: list[StageTotal] = []
    by_stage: dict[str, StageTotal] = {}
    for stage in STAGES:
        before = by_stage.get(previous[stage]) if previous[stage] else None
        counted = stage in APPLICATION_STAGES
        total = StageTotal(
            stage=stage, in_use=stage in used, previous=previous[stage], people=int(people.get(stage, 0)),
            teams=int(teams.get(stage, 0)),
            applications=int(applications.get(stage, 0)) if counted else None,
            individual_applications=int(individual_applications.get(stage, 0)) if counted else None,
        )
        if before is not None and stage in used:
            total = replace(total, people_percent=percent(total.people, before.people),
                            teams_percent=percent(total.teams, before.teams),
                            applications_percent=(percent(total.applications, before.applications)
                                                  if counted and before.applications is not None else None))
        totals.append(total)
        by_stage[stage] = total
    known_values = dict(KNOWN_VALUES) | {"age_band": tuple(band.key for band in bands)} | dict(known or {})
    applied_total = by_stage[STAGES[0]].people
    breakdowns = {dimension: group_rows(groups.get(dimension, {}), known=known_values.get(dimension, ()),
                                        previous=previous, applied_total=applied_total)
                  for dimension in DIMENSIONS}
    return Funnel(year=year, home_country=home_country, age_bands=list(bands), stages=STAGES, in_use=used,
                  totals=totals, breakdowns=breakdowns, not_counted=dict(not_counted),
                  notes=disparity_notes(breakdowns, used, small_base=small_base))
