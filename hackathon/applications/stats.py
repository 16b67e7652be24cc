"""Inclusion statistics: the funnel and its breakdowns. Pure: stdlib only; the loader turns rows into inputs.

Vocabulary:
- an *application row* is one application with its kind, status and team;
- a *person* is someone covered by a counted application: an individual applicant, or a member of a team whose
  team application is counted. A person in a team counts through the team's application, never twice;
- a *stage* is a step of the funnel. `FUNNEL_STAGES` lists them in order; every count here iterates over it,
  so a later stage (mentored, submitted, shortlisted, winning) is one more name there plus the loader saying
  which applications reached it (`ApplicationRow.extra_stages`).

Percentages are computed here from the integer counts and rounded once, half up, so that templates and the
API never compute and the same number is shown everywhere.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

AGE_BANDS = [(0, 17, "under_18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"),
             (55, 200, "55+")]
UNKNOWN = "unknown"

# The funnel, in order. Each stage is a subset of the one before it.
FUNNEL_STAGES: tuple[str, ...] = ("applied", "accepted", "confirmed")

# Which stages an application in each status has reached. Drafts and withdrawn applications are not counted
# at all; merged individual applications are covered by their team's application. Declined and lapsed
# applications were offered a place, so they reached "accepted" and dropped out before "confirmed".
STATUS_STAGES: dict[str, frozenset[str]] = {
    "submitted": frozenset({"applied"}),
    "waitlisted": frozenset({"applied"}),
    "rejected": frozenset({"applied"}),
    "accepted": frozenset({"applied", "accepted"}),
    "declined": frozenset({"applied", "accepted"}),
    "lapsed": frozenset({"applied", "accepted"}),
    "confirmed": frozenset({"applied", "accepted", "confirmed"}),
}
NOT_COUNTED = ("draft", "withdrawn", "merged")

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


def stages_for_status(status: str) -> frozenset[str]:
    """The funnel stages an application in `status` has reached (empty: not counted)."""
    return STATUS_STAGES.get(status, frozenset())


@dataclass(frozen=True)
class ApplicationRow:
    """One application of the event as the loader read it."""

    id: int
    kind: str  # "individual" or "team"
    status: str
    user_id: int
    team_id: int | None = None
    # Stages after the decision that later issues know about (mentored, submitted...), from their own tables.
    extra_stages: frozenset[str] = frozenset()

    @property
    def stages(self) -> frozenset[str]:
        reached = stages_for_status(self.status)
        return reached | self.extra_stages if reached else reached


@dataclass(frozen=True)
class Person:
    """One person covered by a counted application, with their profile and the stages they reached."""

    user_id: int
    stages: frozenset[str]
    year_of_birth: int | None = None
    gender: str | None = None
    region: str | None = None
    country: str | None = None
    background: str | None = None
    first_hackathon: bool | None = None
    language: str | None = None


def coverage(applications: Iterable[ApplicationRow], members: Mapping[int, Iterable[int]]) -> dict[int, frozenset[str]]:
    """{user id: stages reached} for every person covered by a counted application.

    A member of a team counts through the team's application (if it is counted); an individual application
    covers its applicant only when no counted team application covers them already.
    """
    applications = list(applications)
    reached: dict[int, frozenset[str]] = {}
    for row in applications:
        if row.kind == "team" and row.team_id is not None and row.stages:
            for user_id in members.get(row.team_id, ()):
                reached[user_id] = row.stages
    for row in applications:
        if row.kind == "individual" and row.stages and row.user_id not in reached:
            reached[row.user_id] = row.stages
    return reached


def not_counted(applications: Iterable[ApplicationRow]) -> dict[str, int]:
    """How many applications the funnel leaves out, by status (drafts, withdrawn, merged into a team)."""
    counts = Counter(row.status for row in applications if row.status in NOT_COUNTED)
    return {status: counts[status] for status in NOT_COUNTED}


@dataclass(frozen=True)
class StageCount:
    """One funnel stage: people, applications and teams that reached it, and each as a % of the stage before."""

    stage: str
    people: int
    applications: int
    individual_applications: int
    teams: int  # team applications: one per team
    people_percent: int | None = None
    applications_percent: int | None = None
    teams_percent: int | None = None


def funnel(applications: Iterable[ApplicationRow], people: Iterable[Person]) -> list[StageCount]:
    """The funnel, one `StageCount` per stage of `FUNNEL_STAGES`; percentages are of the previous stage."""
    applications = list(applications)
    people = list(people)
    result: list[StageCount] = []
    for stage in FUNNEL_STAGES:
        reached = [row for row in applications if stage in row.stages]
        teams = sum(row.kind == "team" for row in reached)
        count = StageCount(stage=stage, people=sum(stage in person.stages for person in people),
                           applications=len(reached), individual_applications=len(reached) - teams, teams=teams)
        if result:
            before = result[-1]
            count = replace(count, people_percent=percent(count.people, before.people),
                            applications_percent=percent(count.applications, before.applications),
                            teams_percent=percent(count.teams, before.teams))
        result.append(count)
    return result


def age_band(year_of_birth: int | None, year: int) -> str:
    """The age band of someone born in `year_of_birth`, by their age in `year` (the year the event happens)."""
    if year_of_birth is None:
        return UNKNOWN
    age = year - year_of_birth
    for low, high, name in AGE_BANDS:
        if low <= age <= high:
            return name
    return UNKNOWN


# The profile's regions are Kyrgyzstan's (and "abroad": outside it).
REGIONS_COUNTRY = "KG"


def diaspora(country: str | None, home_country: str, region: str | None = None) -> str:
    """"home" or "abroad" by the country of residence; without one, by the region, which places people in
    (or, for "abroad", outside) Kyrgyzstan."""
    home = home_country.upper()
    if country:
        return "home" if country.upper() == home else "abroad"
    if region == "abroad":
        return "abroad" if home == REGIONS_COUNTRY else UNKNOWN
    if region:
        return "home" if home == REGIONS_COUNTRY else "abroad"
    return UNKNOWN


def first_timer(value: bool | None) -> str:
    return UNKNOWN if value is None else ("yes" if value else "no")


def dimension_value(person: Person, dimension: str, *, year: int, home_country: str) -> str:
    """The raw key a person has in a dimension ("18-24", "bishkek", "KG", "it", "yes"...), or `UNKNOWN`."""
    if dimension == "age_band":
        return age_band(person.year_of_birth, year)
    if dimension == "diaspora":
        return diaspora(person.country, home_country, person.region)
    if dimension == "first_hackathon":
        return first_timer(person.first_hackathon)
    value = getattr(person, dimension)
    if dimension == "country" and value:
        value = value.upper()
    return value or UNKNOWN


@dataclass(frozen=True)
class BreakdownRow:
    """People with one value of a dimension, per stage; `share` is the % of everyone who applied,
    `rates[stage]` the % of this row's previous stage that reached `stage`."""

    value: str
    counts: dict[str, int] = field(default_factory=dict)
    share: int | None = None
    rates: dict[str, int | None] = field(default_factory=dict)


def breakdown(people: Iterable[Person], *, year: int, home_country: str = "KG",
              known: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[BreakdownRow]]:
    """{dimension: rows} for every dimension of `DIMENSIONS`.

    Order of rows: the dimension's known values in their own order (listed even at zero: a region nobody
    applied from is worth seeing), then other values by number of people who applied (most first, then by
    key), then `UNKNOWN` ("Not given"), always present so that missing answers are never dropped.
    `known` adds or replaces known values (e.g. the regions and the site's languages).
    """
    people = list(people)
    known_values = dict(KNOWN_VALUES) | dict(known or {})
    first = FUNNEL_STAGES[0]
    total = sum(first in person.stages for person in people)
    result: dict[str, list[BreakdownRow]] = {}
    for dimension in DIMENSIONS:
        counts: dict[str, Counter] = {}
        for person in people:
            value = dimension_value(person, dimension, year=year, home_country=home_country)
            counter = counts.setdefault(value, Counter())
            for stage in person.stages:
                counter[stage] += 1
        listed = [value for value in known_values.get(dimension, ()) if value != UNKNOWN]
        others = sorted((value for value in counts if value not in listed and value != UNKNOWN),
                        key=lambda value: (-counts[value][first], value))
        rows = []
        for value in [*listed, *others, UNKNOWN]:
            counter = counts.get(value, Counter())
            stage_counts = {stage: counter[stage] for stage in FUNNEL_STAGES}
            rates = {stage: percent(stage_counts[stage], stage_counts[before])
                     for before, stage in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:])}
            rows.append(BreakdownRow(value=value, counts=stage_counts, share=percent(stage_counts[first], total),
                                     rates=rates))
        result[dimension] = rows
    return result


@dataclass(frozen=True)
class InclusionStats:
    """Everything the dashboard and the API show."""

    year: int
    home_country: str
    funnel: list[StageCount]
    breakdowns: dict[str, list[BreakdownRow]]
    not_counted: dict[str, int]


def inclusion_stats(applications: Iterable[ApplicationRow], members: Mapping[int, Iterable[int]],
                    profiles: Mapping[int, Person], *, year: int, home_country: str,
                    known: Mapping[str, Sequence[str]] | None = None) -> InclusionStats:
    """The funnel and breakdowns from application rows, team members ({team id: user ids}) and profiles
    ({user id: Person with empty stages}); people without a profile row count with every value unknown."""
    applications = list(applications)
    reached = coverage(applications, members)
    people = []
    for user_id, stages in sorted(reached.items()):
        profile = profiles.get(user_id) or Person(user_id=user_id, stages=frozenset())
        people.append(Person(user_id=user_id, stages=stages, year_of_birth=profile.year_of_birth,
                             gender=profile.gender, region=profile.region, country=profile.country,
                             background=profile.background, first_hackathon=profile.first_hackathon,
                             language=profile.language))
    return InclusionStats(
        year=year, home_country=home_country, funnel=funnel(applications, people),
        breakdowns=breakdown(people, year=year, home_country=home_country, known=known),
        not_counted=not_counted(applications),
    )
