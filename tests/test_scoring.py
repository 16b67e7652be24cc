"""The leaderboard maths (hackathon/judging/scoring.py): the issue's worked example, Krippendorff's published
reliability data, calibration edge cases, tie-breaks, checks and the juror–project graph."""
from __future__ import annotations

from fractions import Fraction

import pytest

from hackathon.judging.scoring import (Criterion, Sheet, fewer_than, krippendorff_alpha_interval, leaderboard,
                                       too_close_to_call, top_changes_without, weighted_total)

CRITERIA = [Criterion.of(1, "0.5"), Criterion.of(2, "0.3"), Criterion.of(3, "0.2")]
A, B, C = 1, 2, 3
P1, P2, P3, P4 = 101, 102, 103, 104


def sheet(juror, project, *scores, criteria=CRITERIA) -> Sheet:
    return Sheet(juror, project, dict(zip((c.id for c in criteria), scores)))


WORKED = [
    sheet(A, P1, 9, 9, 8), sheet(A, P2, 8, 9, 9), sheet(A, P3, 7, 8, 8),
    sheet(B, P1, 6, 7, 6), sheet(B, P2, 7, 6, 7), sheet(B, P4, 8, 8, 7),
    sheet(C, P2, 5, 4, 5), sheet(C, P3, 3, 4, 3), sheet(C, P4, 6, 5, 6),
]


def test_the_worked_example():
    raw = leaderboard(WORKED, CRITERIA, method="raw")
    assert [p.project_id for p in raw.projects] == [P1, P4, P2, P3]
    calibrated = leaderboard(WORKED, CRITERIA)
    assert [p.project_id for p in calibrated.projects] == [P4, P2, P1, P3]
    z = {p.project_id: p.z for p in calibrated.projects}
    assert z[P4] == pytest.approx(1.027934, abs=5e-7)
    assert z[P2] == pytest.approx(0.050998, abs=5e-7)
    assert z[P1] == pytest.approx(-0.015922, abs=5e-7)
    assert z[P3] == pytest.approx(-1.088509, abs=5e-7)
    assert [p.rank for p in calibrated.projects] == [1, 2, 3, 4] and not any(p.tied for p in calibrated.projects)


def test_weighted_totals_are_exact():
    assert weighted_total(sheet(A, P1, 9, 9, 8), CRITERIA) == Fraction(100) * (Fraction(1, 2) * Fraction(8, 9) + Fraction(3, 10) * Fraction(8, 9) + Fraction(1, 5) * Fraction(7, 9))
    assert weighted_total(sheet(A, P1, 1, 1, 1), CRITERIA) == 0
    assert weighted_total(sheet(A, P1, 10, 10, 10), CRITERIA) == 100
    # Weights are any positive numbers: 5/3/2 is the same as 0.5/0.3/0.2.
    other = [Criterion.of(1, 5), Criterion.of(2, 3), Criterion.of(3, 2)]
    assert weighted_total(sheet(A, P1, 9, 9, 8, criteria=other), other) == weighted_total(sheet(A, P1, 9, 9, 8), CRITERIA)
    with pytest.raises(ValueError):
        weighted_total(sheet(A, P1, 11, 9, 8), CRITERIA)


def test_display_scale_standard_errors_and_intervals():
    board = leaderboard(WORKED, CRITERIA)
    for project in board.projects:
        assert project.display == pytest.approx(board.round_mean + board.round_sd * project.z)
        low, high = project.interval
        assert low < project.display < high
    by_id = {p.project_id: p for p in board.projects}
    # P2 has three sheets, the others two: its standard error is smaller by √(2/3).
    assert by_id[P2].se == pytest.approx(by_id[P1].se * (2 / 3) ** 0.5)


def test_krippendorff_alpha_on_krippendorffs_reliability_data():
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability', data C: interval alpha = 0.849."""
    coders = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    data = {unit: {coder: values[unit] for coder, values in coders.items() if values[unit] is not None}
            for unit in range(12)}
    assert round(krippendorff_alpha_interval(data), 3) == 0.849
    assert krippendorff_alpha_interval({1: {"a": 3}}) is None
    assert krippendorff_alpha_interval({1: {"a": 3, "b": 3}, 2: {"a": 3, "b": 3}}) is None  # no variation
    assert krippendorff_alpha_interval({1: {"a": 1, "b": 1}, 2: {"a": 5, "b": 5}}) == 1


def test_single_sheet_and_zero_variance_jurors_are_flagged():
    sheets = WORKED + [sheet(4, P1, 5, 5, 5), sheet(5, P3, 6, 6, 6), sheet(5, P4, 6, 6, 6)]
    board = leaderboard(sheets, CRITERIA)
    assert board.jurors[4].flags == ["single_sheet"]
    assert board.jurors[5].flags == ["zero_variance"]
    assert board.jurors[A].flags == []


def test_a_juror_at_one_end_of_the_scale_is_flagged():
    sheets = WORKED + [sheet(6, P1, 10, 10, 10), sheet(6, P2, 10, 10, 10)]
    assert "one_end_of_scale" in leaderboard(sheets, CRITERIA).jurors[6].flags


def test_leniency_and_agreement():
    board = leaderboard(WORKED, CRITERIA)
    assert board.jurors[A].leniency > 0 > board.jurors[C].leniency  # A is lenient, C harsh
    assert board.jurors[A].agreement == pytest.approx(0.99948, abs=1e-4)


def test_true_ties_share_a_rank_and_never_fall_back_on_ids():
    criteria = [Criterion.of(1, 1)]
    sheets = [Sheet(1, 7, {1: 5}), Sheet(1, 3, {1: 5}), Sheet(2, 7, {1: 6}), Sheet(2, 3, {1: 6})]
    for method in ("calibrated", "raw"):
        board = leaderboard(sheets, criteria, method=method)
        assert [(p.rank, p.tied) for p in board.projects] == [(1, True), (1, True)]


def test_tie_break_by_the_highest_weighted_criterion():
    criteria = [Criterion.of(1, 2), Criterion.of(2, 1), Criterion.of(3, 1)]
    # Same weighted total (2·a + b + c equal) for both projects from one juror; P1 better on criterion 1.
    sheets = [Sheet(1, P1, {1: 6, 2: 4, 3: 4}), Sheet(1, P2, {1: 5, 2: 5, 3: 5}), Sheet(1, P3, {1: 1, 2: 1, 3: 1})]
    board = leaderboard(sheets, criteria, method="raw")
    assert [p.project_id for p in board.projects] == [P1, P2, P3]
    assert not board.projects[0].tied


def test_tie_break_by_head_to_head():
    criteria = [Criterion.of(1, 1)]
    # Equal raw means, equal medians, one criterion; the two jurors who scored both prefer P2 2 to 1.
    sheets = [Sheet(1, P1, {1: 9}), Sheet(1, P2, {1: 10}), Sheet(2, P1, {1: 8}), Sheet(2, P2, {1: 9}),
              Sheet(3, P1, {1: 10}), Sheet(3, P2, {1: 8})]
    board = leaderboard(sheets, criteria, method="raw")
    assert [p.project_id for p in board.projects] == [P2, P1] and not board.projects[0].tied


def test_the_graph_of_jurors_and_projects():
    assert leaderboard(WORKED, CRITERIA).connected
    apart = [sheet(1, P1, 5, 5, 5), sheet(1, P2, 6, 6, 6), sheet(2, P3, 5, 5, 5), sheet(2, P4, 7, 7, 7)]
    board = leaderboard(apart, CRITERIA)
    assert not board.connected
    assert sorted(sorted(projects) for _jurors, projects in board.groups) == [[P1, P2], [P3, P4]]


def test_checks_near_the_cut():
    board = leaderboard(WORKED, CRITERIA)
    assert (P2, P1) in too_close_to_call(board, cut=2)
    assert fewer_than(board, 3, project_ids=[P1, P2, P3, P4, 999]) == [P1, P3, P4, 999]
    assert top_changes_without(WORKED, CRITERIA, top=1) == []  # calibrated: no single juror decides the winner
    assert top_changes_without(WORKED, CRITERIA, top=1, method="raw") == [A, C]  # raw: the lenient one does
    assert top_changes_without(WORKED, CRITERIA, top=2) == [B]


def test_bad_method_and_weights_are_refused():
    with pytest.raises(ValueError):
        leaderboard(WORKED, CRITERIA, method="median")
    with pytest.raises(ValueError):
        weighted_total(sheet(A, P1, 5, 5, 5), [Criterion.of(1, 0), Criterion.of(2, 0), Criterion.of(3, 0)])


def test_the_fast_totals_equal_the_exact_formula():
    from hackathon.judging.scoring import exact_totals

    criteria = [Criterion.of(1, "0.35"), Criterion.of(2, 25, lo=0, hi=5), Criterion.of(3, "0.2", lo=1, hi=7)]
    sheets = [Sheet(j, p, {1: (j * p) % 10 + 1, 2: (j + p) % 6, 3: (j * 3 + p) % 7 + 1})
              for j in range(1, 6) for p in range(1, 9)]
    fast = exact_totals(sheets, criteria)
    assert fast == {(s.juror_id, s.project_id): weighted_total(s, criteria) for s in sheets}


def test_a_head_to_head_cycle_stands_as_a_tie_whatever_the_input_order():
    # Three projects equal on every key; jurors 1–3 each scored two of them: P1 beats P2, P2 beats P3, P3 beats P1.
    one = [Criterion.of(1, 1)]
    rows = [(1, P1, 7), (1, P2, 5), (2, P2, 7), (2, P3, 5), (3, P3, 7), (3, P1, 5)]
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        board = leaderboard([Sheet(j, p, {1: s}) for j, p, s in order], one, method="raw")
        assert [(r.rank, r.tied) for r in board.projects] == [(1, True)] * 3


def test_a_clear_head_to_head_order_in_a_group_of_three():
    # Equal raw means and medians; jurors who scored both prefer P1 to P2 and P3, and P2 to P3.
    one = [Criterion.of(1, 1)]
    rows = [(1, P1, 8), (1, P2, 6), (1, P3, 4), (2, P2, 8), (2, P3, 6), (2, P1, 4), (3, P1, 8), (3, P3, 6),
            (3, P2, 4)]
    for order in (rows, rows[::-1]):
        board = leaderboard([Sheet(j, p, {1: s}) for j, p, s in order], one, method="raw")
        assert [(r.project_id, r.rank) for r in board.projects] == [(P1, 1), (P2, 2), (P3, 3)]


def test_plain_rows_with_string_keys_rank_like_sheets():
    # The leaderboard reads database rows as they come: (juror, project, {"criterion id": score}).
    criteria = [Criterion.of(str(c.id), c.weight, c.lo, c.hi) for c in CRITERIA]
    rows = [(s.juror_id, s.project_id, {str(k): v for k, v in s.scores.items()}) for s in WORKED]
    assert [(p.project_id, p.rank, round(p.z, 6)) for p in leaderboard(rows, criteria).projects] == \
        [(p.project_id, p.rank, round(p.z, 6)) for p in leaderboard(WORKED, CRITERIA).projects]


def test_a_score_off_the_scale_is_refused():
    with pytest.raises(ValueError):
        leaderboard([Sheet(A, P1, {1: 11, 2: 5, 3: 5})], CRITERIA)


def test_equal_totals_are_zero_variance_however_the_floats_round():
    """Weights 35/25/20/20 on 1–10: three sheets of (6, 6, 6, 6) have totals equal in exact arithmetic, but their
    float mean differs from them in the last bit (the float sd came out ~1e-14 and every z ±0.82)."""
    criteria = [Criterion.of(1, 35), Criterion.of(2, 25), Criterion.of(3, 20), Criterion.of(4, 20)]
    flat = [Sheet(1, p, {1: 6, 2: 6, 3: 6, 4: 6}) for p in (P1, P2, P3)]
    other = [Sheet(2, P1, {1: 3, 2: 5, 3: 7, 4: 9}), Sheet(2, P2, {1: 8, 2: 2, 3: 6, 4: 4}),
             Sheet(2, P3, {1: 9, 2: 9, 3: 1, 4: 5})]
    board = leaderboard(flat + other, criteria)
    assert board.jurors[1].flags == ["zero_variance"] and board.jurors[1].sd == 0
    assert [board.z[(1, p)] for p in (P1, P2, P3)] == [0.0, 0.0, 0.0]
    # A round whose totals are all equal: the single sheet's z is 0 too, not (T − M)/S on rounding noise.
    board = leaderboard(flat + [Sheet(3, P1, {1: 6, 2: 6, 3: 6, 4: 6})], criteria)
    assert board.round_sd == 0 and board.z[(3, P1)] == 0.0 and board.jurors[3].flags == ["single_sheet"]


def test_a_group_tied_on_every_key_ranks_the_same_whatever_the_input_order():
    """Head to head in a group: a project with a lower score drops below a tie only if it loses directly to
    every project in that tie, so which of two equal-scored projects happens to come first cannot matter."""
    one = [Criterion.of(1, 1, lo=0, hi=2)]
    rows = [(3, 101, 0), (4, 101, 2), (5, 101, 1), (5, 100, 0), (4, 103, 1), (5, 104, 2), (0, 102, 2), (1, 105, 1),
            (1, 100, 1), (3, 100, 1), (3, 104, 1), (2, 100, 1), (4, 100, 1), (2, 103, 1), (0, 104, 1), (5, 102, 1),
            (4, 102, 0)]
    seen = set()
    for shift in range(len(rows)):
        for order in (rows[shift:] + rows[:shift], (rows[shift:] + rows[:shift])[::-1]):
            board = leaderboard([Sheet(j, p, {1: s}) for j, p, s in order], one, method="raw")
            seen.add(tuple(sorted((r.project_id, r.rank, r.tied) for r in board.projects)))
    assert seen == {((100, 6, False), (101, 2, True), (102, 2, True), (103, 2, True), (104, 1, False),
                     (105, 2, True))}
