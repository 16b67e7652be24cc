"""Small-cell suppression (hackathon/applications/disclosure.py): worked cases for each part of the rule, and
properties over random events (no column with a shown total has exactly one suppressed cell; no small cell is
shown; no zero is hidden)."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hackathon.applications import stats
from hackathon.applications.disclosure import Count, column_marks, column_suppression, disclose, exact

STAGES = stats.STAGES


def funnel_of(people: list[dict], *, in_use=STAGES, teams: dict | None = None) -> stats.Funnel:
    """A funnel from people described as {"reached": how many stages (1 = applied only), dimension: value}:
    the aggregates the loader's SQL would give. Dimensions not given are "unknown"."""
    totals = Counter()
    groups: dict[str, dict[str, Counter]] = {dimension: {} for dimension in stats.DIMENSIONS}
    used = [stage for stage in STAGES if stage in in_use]
    for person in people:
        reached = used[:person["reached"]]
        for stage in reached:
            totals[stage] += 1
        for dimension in stats.DIMENSIONS:
            counter = groups[dimension].setdefault(person.get(dimension, stats.UNKNOWN), Counter())
            for stage in reached:
                counter[stage] += 1
    teams = teams or {stage: (totals[stage] + 2) // 3 for stage in STAGES}
    applied = {stage: totals[stage] // 2 for stage in stats.APPLICATION_STAGES}
    return stats.funnel_from_counts(people=totals, teams=teams, applications=applied,
                                    individual_applications={s: n // 2 for s, n in applied.items()},
                                    groups=groups, in_use=in_use, not_counted={"draft": 2, "withdrawn": 1,
                                                                              "merged": 0},
                                    year=2021, home_country="KG", bands=stats.age_bands())


def many(n: int, reached: int, **values) -> list[dict]:
    return [{"reached": reached, **values} for _ in range(n)]


def row(disclosed, dimension, value):
    return next(r for r in disclosed.breakdowns[dimension] if r.value == value)


# --- worked cases -------------------------------------------------------------------------------------------------


def test_a_small_cell_is_suppressed_and_so_is_the_next_smallest_of_its_column():
    # Applied: 12 women, 3 men, 6 who did not say; 21 in all. The men's 3 is suppressed (1 to 4); alone, it would
    # be 21 - 12 - 6, so the next smallest non-zero cell (the 6 "Not given") goes too. Zeros ("other") are shown.
    people = many(12, 1, gender="female") + many(3, 1, gender="male") + many(6, 1)
    disclosed = disclose(funnel_of(people))
    assert row(disclosed, "gender", "female").counts["applied"] == Count(12)
    assert row(disclosed, "gender", "male").counts["applied"] == Count(None, True)
    # Hidden for the men's sake, it is 5 or more: never printed as "<5".
    assert row(disclosed, "gender", "unknown").counts["applied"] == Count(None, True, complement=True)
    assert row(disclosed, "gender", "unknown").counts["applied"].text(5) == "×"
    assert row(disclosed, "gender", "other").counts["applied"] == Count(0)
    assert disclosed.total("applied").people == Count(21)
    assert row(disclosed, "gender", "male").counts["applied"].text(5) == "<5"
    # Shares: the women's 57% stays, the others' would give their counts back.
    assert row(disclosed, "gender", "female").share.value == 57
    assert row(disclosed, "gender", "male").share.suppressed
    assert row(disclosed, "gender", "unknown").share.suppressed


def test_two_small_cells_need_no_third():
    people = many(12, 1, gender="female") + many(3, 1, gender="male") + many(2, 1, gender="other") + many(9, 1)
    disclosed = disclose(funnel_of(people))
    shown = {r.value: r.counts["applied"] for r in disclosed.breakdowns["gender"]}
    assert shown == {"female": Count(12), "male": Count(None, True), "other": Count(None, True),
                     "undisclosed": Count(0), "unknown": Count(9)}


def test_each_hidden_cell_says_why():
    assert column_marks([12, 3, 6, 0], threshold=5, total_shown=True) == ["", "small", "complement", ""]
    assert column_marks([12, 3, 2, 0], threshold=5, total_shown=True) == ["", "small", "small", ""]
    assert column_marks([3, 0], threshold=5, total_shown=False) == ["small", ""]


def test_ties_take_the_first_in_the_rows_order():
    assert column_suppression([7, 3, 7, 0], threshold=5, total_shown=True) == [True, True, False, False]
    assert column_suppression([0, 3, 8, 6], threshold=5, total_shown=True) == [False, True, False, True]


def test_a_column_with_a_suppressed_total_needs_no_second_cell():
    # Three people awarded: the total is suppressed, so are their teams, and every non-zero cell; zeros stay.
    people = many(20, 6, gender="female") + many(3, 9, gender="male") + many(10, 5, gender="female")
    disclosed = disclose(funnel_of(people))
    awarded = disclosed.total("awarded")
    assert awarded.people.suppressed and awarded.teams.suppressed
    assert awarded.people_percent.suppressed and awarded.teams_percent.suppressed
    assert row(disclosed, "gender", "male").counts["awarded"].suppressed
    assert row(disclosed, "gender", "female").counts["awarded"] == Count(0)
    # The stage after a suppressed one: its count is shown but its percentage of 3 is not.
    assert column_suppression([3, 0], threshold=5, total_shown=False) == [True, False]


def test_percentages_with_a_suppressed_numerator_or_base_are_suppressed():
    # 12 women applied, 4 were accepted, all 4 confirmed: accepted is suppressed, so the rates to and from it.
    people = (many(8, 1, gender="female") + many(4, 3, gender="female") + many(10, 3, gender="male")
              + many(10, 1, gender="male"))
    disclosed = disclose(funnel_of(people))
    women = row(disclosed, "gender", "female")
    assert women.counts["applied"] == Count(12) and women.counts["accepted"].suppressed
    assert women.rates["accepted"].suppressed and women.rates["confirmed"].suppressed
    # The men's accepted 10 is the next smallest non-zero cell of the accepted column (the only other one).
    men = row(disclosed, "gender", "male")
    assert men.counts["accepted"].suppressed and men.rates["accepted"].suppressed
    # Totals are shown, with their percentages, teams and applications.
    accepted = disclosed.total("accepted")
    assert accepted.people == Count(14) and accepted.people_percent.value == 44
    assert accepted.teams == Count(5) and accepted.applications == Count(7)
    assert disclosed.total("in_team").applications is None  # no applications after the decision


def test_a_threshold_of_ten():
    people = many(12, 1, gender="female") + many(7, 1, gender="male") + many(8, 1)
    disclosed = disclose(funnel_of(people), threshold=10)
    assert [r.counts["applied"].text(10) for r in disclosed.breakdowns["gender"]] == ["12", "<10", "0", "0", "<10"]


def test_the_organisers_view_hides_nothing():
    people = many(12, 1, gender="female") + many(3, 9, gender="male")
    disclosed = exact(funnel_of(people))
    assert row(disclosed, "gender", "male").counts["awarded"] == Count(3)
    assert disclosed.total("awarded").people == Count(3)


def test_notes_keep_their_message_and_lose_the_suppressed_counts():
    # Non-IT people are shortlisted at a fraction of the IT people's rate: 3 of 20 against 18 of 24.
    people = (many(3, 7, background="non_it") + many(17, 6, background="non_it")
              + many(18, 7, background="it") + many(6, 6, background="it"))
    funnel = funnel_of(people)
    note = next(n for n in funnel.notes if n.dimension == "background" and n.stage == "shortlisted")
    assert (note.value, note.count, note.base, note.rest_count, note.rest_base) == ("non_it", 3, 20, 18, 24)
    hidden = next(n for n in disclose(funnel).notes if n.dimension == "background" and n.stage == "shortlisted")
    assert (hidden.value, hidden.previous, hidden.stage, hidden.small) == ("non_it", "submitted", "shortlisted",
                                                                         note.small)
    # The group's 3 is gone, and the rest's 18 with it (21 shortlisted - 18 = 3); so are the rates built on them.
    assert (hidden.count, hidden.rest_count, hidden.rate, hidden.rest_rate, hidden.relative) == (None,) * 5
    assert (hidden.base, hidden.rest_base) == (20, 24)


def test_a_note_loses_a_count_hidden_by_the_second_rule_too():
    # Gender at applied: 30 women, 3 men, 6 not given: the 6 is hidden by rule 2, so a note on it would be too.
    from hackathon.applications.disclosure import _note

    people = many(30, 2, gender="female") + many(3, 1, gender="male") + many(6, 1)
    disclosed = disclose(funnel_of(people))
    marks = {r.value: {s: c.suppressed for s, c in r.counts.items()} for r in disclosed.breakdowns["gender"]}
    note = stats.DisparityNote(dimension="gender", value="unknown", previous="applied", stage="accepted", count=0,
                               base=6, rest_count=30, rest_base=33, rate=0, rest_rate=91, relative=0, small=True)
    out = _note(note, {"gender": marks}, 5)
    assert out.base is None and out.rest_base is None and out.rate is None and out.relative is None
    assert out.count == 0 and out.rest_count == 30


# --- properties -----------------------------------------------------------------------------------------------


@st.composite
def events(draw):
    values = {"gender": ["female", "male", "other", "undisclosed", stats.UNKNOWN],
              "background": ["it", "non_it", stats.UNKNOWN],
              "region": ["bishkek", "osh", "naryn", "talas", "batken", stats.UNKNOWN]}
    person = st.fixed_dictionaries({"reached": st.integers(1, len(STAGES)),
                                    **{dimension: st.sampled_from(options) for dimension, options in values.items()}})
    return draw(st.lists(person, max_size=60)), draw(st.integers(2, 12))


@settings(max_examples=150, deadline=None)
@given(events())
def test_no_column_with_a_shown_total_has_exactly_one_suppressed_cell(event):
    people, threshold = event
    funnel = funnel_of(people)
    disclosed = disclose(funnel, threshold=threshold)
    for dimension, rows in disclosed.breakdowns.items():
        exact_rows = funnel.breakdowns[dimension]
        for stage in STAGES:
            total = disclosed.total(stage).people
            cells = [r.counts[stage] for r in rows]
            if not total.suppressed:
                assert sum(cell.suppressed for cell in cells) != 1, (dimension, stage, cells)
            for cell, exact_row in zip(cells, exact_rows):
                n = exact_row.counts[stage]
                if 0 < n < threshold:
                    assert cell.suppressed
                if n == 0:
                    assert cell == Count(0)
                if not cell.suppressed:
                    assert cell.value == n
            # Every shown rate has a shown numerator and base.
            for r in rows:
                rate = r.rates.get(stage)
                before = disclosed.total(stage).previous
                if rate is not None and not rate.suppressed and before:
                    assert not r.counts[stage].suppressed and not r.counts[before].suppressed


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=8), st.integers(2, 12))
def test_a_single_suppressed_cell_never_remains_in_a_column(cells, threshold):
    total_shown = not (0 < sum(cells) < threshold)
    hidden = column_suppression(cells, threshold=threshold, total_shown=total_shown)
    if total_shown:
        assert sum(hidden) != 1
    assert all(not h for h, value in zip(hidden, cells) if value == 0)
    # Nothing more than needed: at most one cell of threshold or more is hidden.
    assert sum(h and value >= threshold for h, value in zip(hidden, cells)) <= 1


@settings(max_examples=60, deadline=None)
@given(events())
def test_a_note_never_shows_a_count_the_table_hides(event):
    people, threshold = event
    disclosed = disclose(funnel_of(people), threshold=threshold)
    for note in disclosed.notes:
        r = row(disclosed, note.dimension, note.value)
        if r.counts[note.stage].suppressed:
            assert note.count is None and note.rest_count is None and note.rate is None
        if r.counts[note.previous].suppressed:
            assert note.base is None and note.rest_base is None
        for value in (note.count, note.base, note.rest_count, note.rest_base):
            assert value is None or value == 0 or value >= threshold


def test_a_threshold_under_one_is_refused():
    with pytest.raises(ValueError):
        disclose(funnel_of([]), threshold=0)
