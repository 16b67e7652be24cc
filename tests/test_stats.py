"""Unit tests of the inclusion statistics and the bar charts: pure functions, no app, no database."""
from __future__ import annotations

import pytest

from hackathon.applications import charts, stats
from hackathon.applications.stats import UNKNOWN


# --- percentages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "whole", "expected"), [
    (0, 10, 0), (10, 10, 100), (1, 3, 33), (2, 3, 67), (1, 8, 13), (3, 8, 38), (5, 8, 63), (1, 200, 1),
    (1, 201, 0), (0, 0, None), (3, 0, None), (7, 7, 100),
])
def test_percent_rounds_half_up_once(part, whole, expected):
    assert stats.percent(part, whole) == expected


def test_percentages_come_from_counts_not_from_rounded_percentages():
    # 1 of 8 is 12.5% -> 13; a stage of 1 of 1 after it is 100%, never 13% of something rounded before.
    result = stats.funnel_from_counts(
        people={"applied": 8, "accepted": 1, "confirmed": 1}, teams={"applied": 8, "accepted": 1, "confirmed": 1},
        applications={"applied": 8, "accepted": 1, "confirmed": 1}, individual_applications={}, groups={},
        in_use=("applied", "accepted", "confirmed"), not_counted={}, year=2021, home_country="KG",
        bands=stats.age_bands())
    applied, accepted, confirmed = (result.total(stage) for stage in ("applied", "accepted", "confirmed"))
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


# --- rows of a dimension ------------------------------------------------------------------------------------------

def values_of(rows):
    return [(row.value, row.counts["applied"]) for row in rows]


def test_known_values_keep_their_order_others_follow_by_count_and_not_given_is_last():
    previous = stats.previous_stages(stats.STAGES)
    counts = {"osh": {"applied": 3}, "bishkek": {"applied": 2}, "somewhere": {"applied": 1}, "zeta": {"applied": 1}}
    rows = stats.group_rows(counts, known=["bishkek", "osh_city", "osh"], previous=previous, applied_total=7)
    assert values_of(rows) == [("bishkek", 2), ("osh_city", 0), ("osh", 3), ("somewhere", 1), ("zeta", 1),
                               (UNKNOWN, 0)]
    # No known values: most first, ties by key; "Not given" always there and last.
    rows = stats.group_rows({"TR": {"applied": 2}, "RU": {"applied": 3}, UNKNOWN: {"applied": 2}}, known=[],
                            previous=previous, applied_total=7)
    assert values_of(rows) == [("RU", 3), ("TR", 2), (UNKNOWN, 2)]
    assert [row.share for row in rows] == [43, 29, 29]


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
