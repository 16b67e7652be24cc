"""Unit tests of the inclusion statistics and the bar charts: pure functions, no app, no database."""
from __future__ import annotations

import pytest

from hackathon.applications import charts, stats
from hackathon.applications.stats import UNKNOWN, ApplicationRow, Person


def person(user_id: int, *stages: str, **profile) -> Person:
    return Person(user_id=user_id, stages=frozenset(stages or ("applied",)), **profile)


def rows_of(result, dimension):
    return [(row.value, row.counts["applied"]) for row in result[dimension]]


# --- percentages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "whole", "expected"), [
    (0, 10, 0), (10, 10, 100), (1, 3, 33), (2, 3, 67), (1, 8, 13), (3, 8, 38), (5, 8, 63), (1, 200, 1),
    (1, 201, 0), (0, 0, None), (3, 0, None), (7, 7, 100),
])
def test_percent_rounds_half_up_once(part, whole, expected):
    assert stats.percent(part, whole) == expected


def test_percentages_come_from_counts_not_from_rounded_percentages():
    # 1 of 8 is 12.5% -> 13; a stage of 1 of 1 after it is 100%, never 13% of something rounded before.
    applications = [ApplicationRow(id=n, kind="team", status="rejected", user_id=n, team_id=n) for n in range(1, 8)]
    applications.append(ApplicationRow(id=8, kind="team", status="confirmed", user_id=8, team_id=8))
    members = {n: [n] for n in range(1, 9)}
    result = stats.inclusion_stats(applications, members, {}, year=2021, home_country="KG")
    applied, accepted, confirmed = result.funnel
    assert (accepted.teams, accepted.teams_percent) == (1, 13)
    assert (confirmed.teams, confirmed.teams_percent) == (1, 100)
    assert applied.teams_percent is None  # the first stage has no stage before it


# --- age bands -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("year_of_birth", "band"), [
    (2004, "under_18"), (2003, "18-24"), (1997, "18-24"), (1996, "25-34"), (1987, "25-34"), (1986, "35-44"),
    (1977, "35-44"), (1976, "45-54"), (1967, "45-54"), (1966, "55+"), (1959, "55+"), (1900, "55+"),
    (None, UNKNOWN), (2030, UNKNOWN),
])
def test_age_band_at_the_boundaries(year_of_birth, band):
    assert stats.age_band(year_of_birth, 2021) == band


def test_age_is_counted_in_the_year_given():
    assert stats.age_band(2003, 2021) == "18-24"
    assert stats.age_band(2003, 2028) == "25-34"


# --- who counts ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "stages"), [
    ("draft", set()), ("withdrawn", set()), ("merged", set()),
    ("submitted", {"applied"}), ("waitlisted", {"applied"}), ("rejected", {"applied"}),
    ("accepted", {"applied", "accepted"}), ("declined", {"applied", "accepted"}), ("lapsed", {"applied", "accepted"}),
    ("confirmed", {"applied", "accepted", "confirmed"}),
])
def test_stages_reached_by_status(status, stages):
    assert stats.stages_for_status(status) == stages


def test_a_team_member_counts_through_the_team_and_only_once():
    applications = [
        ApplicationRow(id=1, kind="team", status="confirmed", user_id=10, team_id=100),
        # 11 applied alone, then joined the team: their application is merged, the team's covers them.
        ApplicationRow(id=2, kind="individual", status="merged", user_id=11),
        # 12 was rejected alone and is in the team too: the team's status wins.
        ApplicationRow(id=3, kind="individual", status="rejected", user_id=12),
        ApplicationRow(id=4, kind="individual", status="submitted", user_id=13),
        ApplicationRow(id=5, kind="individual", status="draft", user_id=14),
        ApplicationRow(id=6, kind="individual", status="withdrawn", user_id=15),
        # A draft team: its members have not applied (yet).
        ApplicationRow(id=7, kind="team", status="draft", user_id=16, team_id=101),
    ]
    members = {100: [10, 11, 12], 101: [16, 17]}
    reached = stats.coverage(applications, members)
    confirmed = {"applied", "accepted", "confirmed"}
    assert reached == {10: confirmed, 11: confirmed, 12: confirmed, 13: {"applied"}}
    assert stats.not_counted(applications) == {"draft": 2, "withdrawn": 1, "merged": 1}


def test_funnel_counts_people_applications_and_teams_per_stage():
    applications = [
        ApplicationRow(id=1, kind="team", status="confirmed", user_id=1, team_id=1),
        ApplicationRow(id=2, kind="team", status="accepted", user_id=4, team_id=2),
        ApplicationRow(id=3, kind="team", status="rejected", user_id=6, team_id=3),
        ApplicationRow(id=4, kind="individual", status="waitlisted", user_id=8),
        ApplicationRow(id=5, kind="individual", status="confirmed", user_id=9),
        ApplicationRow(id=6, kind="team", status="withdrawn", user_id=10, team_id=4),
    ]
    members = {1: [1, 2, 3], 2: [4, 5], 3: [6, 7], 4: [10, 11]}
    result = stats.inclusion_stats(applications, members, {}, year=2021, home_country="KG")
    assert [(c.stage, c.people, c.applications, c.individual_applications, c.teams) for c in result.funnel] == [
        ("applied", 9, 5, 2, 3), ("accepted", 6, 3, 1, 2), ("confirmed", 4, 2, 1, 1)]
    assert [(c.people_percent, c.applications_percent, c.teams_percent) for c in result.funnel] == [
        (None, None, None), (67, 60, 67), (67, 67, 50)]
    assert result.not_counted == {"draft": 0, "withdrawn": 1, "merged": 0}


def test_empty_event():
    result = stats.inclusion_stats([], {}, {}, year=2021, home_country="KG")
    assert [(c.people, c.applications, c.teams, c.people_percent) for c in result.funnel] == [
        (0, 0, 0, None), (0, 0, 0, None), (0, 0, 0, None)]
    assert [row.value for row in result.breakdowns["age_band"]] == [
        "under_18", "18-24", "25-34", "35-44", "45-54", "55+", UNKNOWN]
    assert all(row.share is None for row in result.breakdowns["gender"])


def test_funnel_follows_the_stage_list(monkeypatch):
    """A later issue adds a stage by naming it and marking the applications that reached it."""
    monkeypatch.setattr(stats, "FUNNEL_STAGES", ("applied", "accepted", "confirmed", "submitted"))
    submitted = frozenset({"submitted"})
    applications = [
        ApplicationRow(id=1, kind="team", status="confirmed", user_id=1, team_id=1, extra_stages=submitted),
        ApplicationRow(id=2, kind="team", status="confirmed", user_id=2, team_id=2),
        # Extra stages never resurrect an application the funnel does not count.
        ApplicationRow(id=3, kind="team", status="withdrawn", user_id=3, team_id=3, extra_stages=submitted),
    ]
    result = stats.inclusion_stats(applications, {1: [1], 2: [2], 3: [3]}, {}, year=2021, home_country="KG")
    assert [(c.stage, c.teams, c.teams_percent) for c in result.funnel][-1] == ("submitted", 1, 50)
    assert result.breakdowns["gender"][-1].counts == {"applied": 2, "accepted": 2, "confirmed": 2, "submitted": 1}


# --- breakdowns -------------------------------------------------------------------------------------------------

def test_unknowns_are_kept_as_not_given_and_listed_last():
    people = [person(1, gender="female", region="naryn", country="KG", background="it", first_hackathon=True,
                     language="ky", year_of_birth=2000),
              person(2), person(3, gender="male")]
    result = stats.breakdown(people, year=2021, home_country="KG")
    for dimension in stats.DIMENSIONS:
        rows = result[dimension]
        assert rows[-1].value == UNKNOWN, dimension
        assert sum(row.counts["applied"] for row in rows) == 3, dimension
    assert rows_of(result, "gender") == [("female", 1), ("male", 1), ("other", 0), ("undisclosed", 0), (UNKNOWN, 1)]
    assert rows_of(result, "first_hackathon") == [("yes", 1), ("no", 0), (UNKNOWN, 2)]
    assert rows_of(result, "country") == [("KG", 1), (UNKNOWN, 2)]


def test_known_values_keep_their_order_and_others_follow_by_count():
    people = ([person(n, region="osh", country="RU", language="ru") for n in range(3)]
              + [person(10 + n, region="bishkek", country="TR", language="en") for n in range(2)]
              + [person(20, region="somewhere", country="de", language="fr")])
    result = stats.breakdown(people, year=2021, home_country="KG",
                             known={"region": ["bishkek", "osh_city", "osh"], "language": ["ky", "ru", "en"]})
    assert rows_of(result, "region") == [("bishkek", 2), ("osh_city", 0), ("osh", 3), ("somewhere", 1), (UNKNOWN, 0)]
    assert rows_of(result, "language") == [("ky", 0), ("ru", 3), ("en", 2), ("fr", 1), (UNKNOWN, 0)]
    # No known countries: most first, ties by code; codes are upper-cased.
    assert rows_of(result, "country") == [("RU", 3), ("TR", 2), ("DE", 1), (UNKNOWN, 0)]


def test_diaspora_by_country_else_by_region():
    assert stats.diaspora("KG", "KG") == "home"
    assert stats.diaspora("kg", "KG") == "home"
    assert stats.diaspora("RU", "KG") == "abroad"
    assert stats.diaspora("RU", "KG", "bishkek") == "abroad"  # the country wins
    assert stats.diaspora(None, "KG", "abroad") == "abroad"
    assert stats.diaspora(None, "KG", "talas") == "home"
    assert stats.diaspora(None, "KG") == UNKNOWN
    # Another deployment's home country: the regions are Kyrgyzstan's.
    assert stats.diaspora("KZ", "KZ") == "home"
    assert stats.diaspora(None, "KZ", "talas") == "abroad"
    assert stats.diaspora(None, "KZ", "abroad") == UNKNOWN


def test_breakdown_shares_and_rates():
    people = [person(1, "applied", "accepted", "confirmed", background="it"),
              person(2, "applied", "accepted", background="it"),
              person(3, "applied", background="it"),
              person(4, "applied", background="non_it"),
              person(5, "applied", "accepted", "confirmed", background="non_it"),
              person(6, "applied", "accepted", "confirmed", background="non_it")]
    it, non_it, unknown = stats.breakdown(people, year=2021)["background"]
    assert (it.value, it.counts, it.share, it.rates) == (
        "it", {"applied": 3, "accepted": 2, "confirmed": 1}, 50, {"accepted": 67, "confirmed": 50})
    assert (non_it.counts, non_it.share, non_it.rates) == (
        {"applied": 3, "accepted": 2, "confirmed": 2}, 50, {"accepted": 67, "confirmed": 100})
    assert (unknown.counts["applied"], unknown.share, unknown.rates) == (0, 0, {"accepted": None, "confirmed": None})


def test_people_without_a_profile_row_count_as_unknown():
    applications = [ApplicationRow(id=1, kind="individual", status="submitted", user_id=5)]
    result = stats.inclusion_stats(applications, {}, {}, year=2021, home_country="KG")
    assert result.funnel[0].people == 1
    assert rows_of(result.breakdowns, "age_band")[-1] == (UNKNOWN, 1)


def test_profiles_are_joined_to_the_people_covered():
    applications = [ApplicationRow(id=1, kind="team", status="accepted", user_id=1, team_id=7)]
    profiles = {1: Person(user_id=1, stages=frozenset(), year_of_birth=1990, region="talas"),
                2: Person(user_id=2, stages=frozenset(), year_of_birth=1960, region="naryn"),
                3: Person(user_id=3, stages=frozenset(), year_of_birth=1960, region="naryn")}  # not in the team
    result = stats.inclusion_stats(applications, {7: [1, 2]}, profiles, year=2021, home_country="KG")
    bands = dict(rows_of(result.breakdowns, "age_band"))
    assert (bands["25-34"], bands["55+"]) == (1, 1)
    assert result.breakdowns["age_band"][5].counts == {"applied": 1, "accepted": 1, "confirmed": 0}


# --- charts -------------------------------------------------------------------------------------------------------

def test_bar_chart_scales_to_the_largest_value():
    chart = charts.bar_chart("c", "Title", ["A", "B", "C"], [("Applied", [10, 5, 0]), ("Confirmed", [4, 1, 0])])
    room = charts.WIDTH - charts.VALUE_ROOM
    widths = [[bar.width for bar in group.bars] for group in chart.groups]
    assert widths == [[room, round(room * 4 / 10)], [room // 2, round(room / 10)], [0, 0]]
    assert [bar.text for group in chart.groups for bar in group.bars] == ["10", "4", "5", "1", "0", "0"]
    assert all(bar.x + bar.width <= chart.width - charts.VALUE_ROOM for group in chart.groups for bar in group.bars)
    assert [series.css_class for series in chart.series] == ["chart-series-0", "chart-series-1"]
    assert [group.label for group in chart.groups] == ["A", "B", "C"]


def test_bar_chart_geometry_does_not_overlap_and_fits_the_view_box():
    chart = charts.bar_chart("c", "T", ["A", "B"], [("s1", [3, 1]), ("s2", [2, 2]), ("s3", [0, 9])])
    spans = []
    for group in chart.groups:
        spans.append((group.label_y - charts.LABEL_BASELINE, group.label_y))
        spans += [(bar.y, bar.y + bar.height) for bar in group.bars]
    assert all(end <= start for (_s, end), (start, _e) in zip(spans, spans[1:]))
    assert spans[-1][1] <= chart.height
    assert chart.view_box == f"0 0 {charts.WIDTH} {chart.height}"


def test_a_small_value_is_still_visible():
    chart = charts.bar_chart("c", "T", ["big", "small"], [("s", [10_000, 1])])
    assert chart.groups[1].bars[0].width == charts.MIN_BAR


def test_an_all_zero_chart_draws_no_bars():
    chart = charts.bar_chart("c", "T", ["A"], [("s", [0])])
    assert chart.groups[0].bars[0].width == 0
    empty = charts.bar_chart("c", "T", [], [("s", [])])
    assert empty.groups == [] and empty.height > 0


def test_chart_description_carries_every_number():
    chart = charts.bar_chart("funnel", "Funnel", ["Applied", "Accepted"], [("People", [200, 140]), ("Teams", [46, 34])])
    assert chart.desc == "Applied: People 200, Teams 46; Accepted: People 140, Teams 34."
    assert (chart.title_id, chart.desc_id) == ("funnel-title", "funnel-desc")
    assert charts.bar_chart("c", "T", ["A"], [("s", [1])], desc="Own text").desc == "Own text"


def test_series_must_match_the_categories():
    with pytest.raises(ValueError):
        charts.bar_chart("c", "T", ["A", "B"], [("s", [1])])


# --- the whole funnel (issue 12): per-event age bands ------------------------------------------------------------

def test_parse_age_bands_reads_what_organisers_write():
    assert stats.parse_age_bands("18-24, 25-34, 35-44, 45-54, 55+") == list(stats.DEFAULT_AGE_BANDS)
    assert stats.parse_age_bands(" 16–29;30 - 49\n50+ ") == [(16, 29), (30, 49), (50, None)]
    assert stats.parse_age_bands("0-120") == [(0, 120)]


@pytest.mark.parametrize(("text", "reason", "values"), [
    ("18-30, 25-40", "overlap", {"previous": "18-30", "next": "25-40"}),
    ("18-24, 24-30", "overlap", {"previous": "18-24", "next": "24-30"}),
    ("18-24, 26-30", "gap", {"previous": "18-24", "next": "26-30"}),
    ("30-20", "order", {"low": 30, "high": 20}),
    ("25-34, 18-24", "overlap", {"previous": "25-34", "next": "18-24"}),  # out of order: the second overlaps
    ("18+, 30-40", "open", {"previous": "18+", "next": "30-40"}),
    ("18-121", "range", {"age": 121}),
    ("18 to 24", "syntax", {"text": "18 to 24"}),
    ("-5-10", "syntax", {"text": "-5-10"}),
    ("", "empty", {}),
    (" , ; ", "empty", {}),
])
def test_bad_age_bands_name_their_problem(text, reason, values):
    with pytest.raises(stats.AgeBandError) as raised:
        stats.parse_age_bands(text)
    assert (raised.value.reason, raised.value.values) == (reason, values)


def test_age_bands_cover_every_age_exactly_once():
    bands = stats.age_bands([(16, 29), (30, 49)])
    assert [band.key for band in bands] == ["under_16", "16-29", "30-49", "50+"]
    for age in range(0, 130):
        assert sum(band.holds(age) for band in bands) == 1, age
    assert [band.key for band in stats.age_bands()] == ["under_18", "18-24", "25-34", "35-44", "45-54", "55+"]
    assert [band.key for band in stats.age_bands([(0, 17), (18, None)])] == ["under_18", "18+"]


@pytest.mark.parametrize(("age", "key"), [(None, UNKNOWN), (-1, UNKNOWN), (0, "under_18"), (17, "under_18"),
                                          (18, "18-24"), (24, "18-24"), (25, "25-34"), (54, "45-54"),
                                          (55, "55+"), (119, "55+")])
def test_age_band_of(age, key):
    assert stats.age_band_of(age, stats.age_bands()) == key


def test_previous_stages_skip_the_stages_not_in_use():
    previous = stats.previous_stages({"applied", "accepted", "confirmed", "in_team", "submitted", "finalist"})
    assert previous["applied"] is None
    assert previous["mentored"] == "in_team" and previous["submitted"] == "in_team"
    assert previous["shortlisted"] == "submitted" and previous["finalist"] == "submitted"
    assert previous["awarded"] == "finalist"


# --- notes on groups markedly below the rest ---------------------------------------------------------------------

def rows(**groups) -> list[stats.BreakdownRow]:
    """{value: (at the previous stage, at the stage)} as breakdown rows for applied -> accepted."""
    return [stats.BreakdownRow(value=value, counts={"applied": base, "accepted": count})
            for value, (base, count) in groups.items()]


USED = ("applied", "accepted")


def test_a_group_at_half_the_rate_of_the_others_is_noted():
    notes = stats.disparity_notes({"background": rows(it=(20, 16), non_it=(20, 8), unknown=(5, 4))}, USED)
    assert len(notes) == 1
    note = notes[0]
    # Non-IT: 8 of 20 (40%); the others, IT and not given: 20 of 25 (80%); 40 / 80 = 50%.
    assert (note.value, note.previous, note.stage, note.count, note.base, note.rest_count, note.rest_base) == (
        "non_it", "applied", "accepted", 8, 20, 20, 25)
    assert (note.rate, note.rest_rate, note.relative, note.small) == (40, 80, 50, False)


def test_the_four_fifths_line_is_exact():
    # 8 of 10 against 10 of 10: exactly four fifths is not "below"; 7 of 10 is, and 3 people short.
    assert stats.disparity_notes({"gender": rows(female=(10, 8), male=(10, 10))}, USED) == []
    notes = stats.disparity_notes({"gender": rows(female=(10, 7), male=(10, 10))}, USED)
    assert [(note.value, note.relative) for note in notes] == [("female", 70)]


def test_a_group_one_person_from_the_rate_is_not_noted():
    # One person out of 2 against 9 of 10: below four fifths, but 2 * 0.9 - 1 = 0.8 people short: not noted.
    assert stats.disparity_notes({"region": rows(naryn=(2, 1), osh=(10, 9))}, USED) == []
    # 0 of 2: 1.8 people short: noted, with the caution on small counts.
    notes = stats.disparity_notes({"region": rows(naryn=(2, 0), osh=(10, 9))}, USED)
    assert [(note.value, note.small) for note in notes] == [("naryn", True)]


def test_not_given_is_never_a_group_and_empty_groups_are_skipped():
    notes = stats.disparity_notes({"gender": rows(female=(0, 0), male=(10, 10), unknown=(10, 1))}, USED)
    assert notes == []


def test_notes_follow_the_stages_in_use():
    breakdown = {"background": [
        stats.BreakdownRow(value="it", counts={"applied": 10, "accepted": 10, "confirmed": 10, "submitted": 10}),
        stats.BreakdownRow(value="non_it", counts={"applied": 10, "accepted": 10, "confirmed": 10, "submitted": 2}),
    ]}
    notes = stats.disparity_notes(breakdown, ("applied", "accepted", "confirmed", "submitted"))
    assert [(note.previous, note.stage) for note in notes] == [("confirmed", "submitted")]


# --- the funnel from aggregate counts ----------------------------------------------------------------------------

def test_funnel_from_counts():
    bands = stats.age_bands()
    in_use = ("applied", "accepted", "confirmed", "in_team", "submitted")
    people = {"applied": 8, "accepted": 4, "confirmed": 3, "in_team": 3, "submitted": 1}
    result = stats.funnel_from_counts(
        people=people, teams={"applied": 3, "accepted": 2, "confirmed": 1, "in_team": 1, "submitted": 1},
        applications={"applied": 5, "accepted": 3, "confirmed": 1}, individual_applications={"applied": 2},
        groups={"background": {"it": {"applied": 4, "accepted": 3, "confirmed": 3, "in_team": 3, "submitted": 1},
                               "non_it": {"applied": 3, "accepted": 1}, "unknown": {"applied": 1}},
                "country": {"TR": {"applied": 1}, "KG": {"applied": 5}, "unknown": {"applied": 2}}},
        in_use=in_use, not_counted={"draft": 1}, year=2025, home_country="KG", bands=bands)
    assert [total.stage for total in result.totals] == list(stats.STAGES)
    assert result.in_use == frozenset(in_use)
    accepted, mentored, submitted = result.total("accepted"), result.total("mentored"), result.total("submitted")
    assert (accepted.people_percent, accepted.teams_percent, accepted.applications_percent) == (50, 67, 60)
    assert (mentored.in_use, mentored.people, mentored.people_percent) == (False, 0, None)
    assert (submitted.previous, submitted.people_percent, submitted.applications) == ("in_team", 33, None)
    background = {row.value: row for row in result.breakdowns["background"]}
    assert [row.value for row in result.breakdowns["background"]] == ["it", "non_it", "unknown"]
    assert (background["it"].share, background["it"].rates["accepted"], background["it"].rates["submitted"]) == (
        50, 75, 33)
    assert background["non_it"].rates["confirmed"] == 0 and background["non_it"].rates["in_team"] is None
    # Other values by number of people who applied, then "Not given"; every age band listed even at zero.
    assert [row.value for row in result.breakdowns["country"]] == ["KG", "TR", "unknown"]
    assert [row.value for row in result.breakdowns["age_band"]] == [band.key for band in bands] + [UNKNOWN]
    # Non-IT accepted: 1 of 3 against 3 of 5, not even one person short (1.8 - 1); confirmed: 0 of 1 against
    # 3 of 3, a whole person short.
    assert [(note.dimension, note.value, note.stage) for note in result.notes] == [
        ("background", "non_it", "confirmed")]
