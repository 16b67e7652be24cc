"""The results maths (hackathon/results/ranking.py): Kendall's W, the ICC against Shrout & Fleiss's published
values, the final ranking combining rounds, and prize proposals with ties at a boundary."""
from __future__ import annotations

from fractions import Fraction

import pytest

from hackathon.results.ranking import (Award, FinalEntry, RoundScores, complete_block, final_ranking, icc_two_way,
                                       kendalls_w, propose_winners)

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def table(rows):
    return {(judge, target): value for target, row in enumerate(rows, start=1)
            for judge, value in enumerate(row, start=1)}


def test_icc_reproduces_shrout_and_fleiss():
    icc = icc_two_way(table(SHROUT_FLEISS))
    assert round(icc.single, 2) == 0.29 and round(icc.average, 2) == 0.62
    assert icc.single == pytest.approx(0.2898, abs=1e-4) and icc.average == pytest.approx(0.6201, abs=1e-4)


def test_kendalls_w_perfect_none_and_ties_by_hand():
    agree = {(j, p): float(10 - p) for j in (1, 2, 3) for p in (1, 2, 3, 4)}
    assert kendalls_w(agree)[0] == pytest.approx(1.0)
    opposite = {(1, p): float(p) for p in (1, 2, 3, 4)} | {(2, p): float(-p) for p in (1, 2, 3, 4)}
    assert kendalls_w(opposite)[0] == pytest.approx(0.0)
    # Worked by hand: rank sums 4.5, 4.5, 9; S = 13.5; one tie of two (T = 6); W = 162 / 198.
    scores = {(1, "A"): 3, (1, "B"): 2, (1, "C"): 1, (2, "A"): 3, (2, "B"): 3, (2, "C"): 1,
              (3, "A"): 2, (3, "B"): 3, (3, "C"): 1}
    assert kendalls_w(scores)[0] == pytest.approx(162 / 198)


def test_a_conflicted_juror_leaves_the_complete_block():
    scores = table(SHROUT_FLEISS)
    del scores[(4, 2)]  # judge 4 was conflicted with target 2
    block = complete_block(scores)
    assert block.jurors == (1, 2, 3) and block.left_out_jurors == (4,) and len(block.projects) == 6
    assert kendalls_w(scores)[1] == block
    assert icc_two_way({(1, 1): 5.0, (1, 2): 6.0}).single is None  # one juror: nothing to compare


def rounds():
    screening = RoundScores(1, z={10: 1.0, 20: 0.2, 30: 0.5, 40: 2.0}, rank={40: 1, 10: 2, 30: 3, 20: 4})
    pitch = RoundScores(2, z={10: 0.4, 20: 0.6, 30: -1.0}, rank={20: 1, 10: 2, 30: 3})
    return screening, pitch


def test_the_final_ranking_is_the_pitch_alone_by_default():
    entries = final_ranking(rounds())
    assert [(e.project_id, e.rank) for e in entries] == [(20, 1), (10, 2), (30, 3)]  # 40 did not pitch


def test_a_weighted_combination_of_rounds_changes_the_order():
    entries = final_ranking(rounds(), {1: Fraction(3, 10), 2: Fraction(7, 10)})
    # 10: 0.3·1.0 + 0.7·0.4 = 0.58; 20: 0.3·0.2 + 0.7·0.6 = 0.48; 30: 0.15 − 0.7 = −0.55
    assert [(e.project_id, round(e.score, 6)) for e in entries] == [(10, 0.58), (20, 0.48), (30, -0.55)]
    assert entries[0].parts == {1: 1.0, 2: 0.4}
    with pytest.raises(ValueError):
        final_ranking(rounds(), {1: Fraction(-1), 2: Fraction(1)})
    with pytest.raises(ValueError):
        final_ranking(rounds(), {9: Fraction(1)})


def test_equal_scores_follow_the_pitch_ranking_then_tie():
    pitch = RoundScores(2, z={1: 0.5, 2: 0.5, 3: 0.5}, rank={2: 1, 1: 2, 3: 2})
    entries = final_ranking([pitch])
    assert [(e.project_id, e.rank, e.tied) for e in entries] == [(2, 1, False), (1, 2, True), (3, 2, True)]


def entries(*ranks):
    return [FinalEntry(project_id=pid, score=0.0, parts={}, rank=rank) for pid, rank in ranks]


def test_places_go_down_the_ranking_and_a_tie_at_a_boundary_is_reported():
    ranking = entries((1, 1), (2, 2), (3, 3), (4, 3), (5, 5))
    awards = [Award(11, "place", place=1), Award(12, "place", place=2), Award(13, "place", place=3),
              Award(14, "track", track_id=7), Award(15, "special")]
    proposals = {p.award_id: p for p in propose_winners(ranking, awards, {1: 6, 2: 7, 3: 7, 4: 7, 5: 7})}
    assert (proposals[11].project_id, proposals[11].tied_with) == (1, [])
    assert (proposals[13].project_id, proposals[13].tied_with) == (3, [4])  # 3 and 4 share third place
    assert proposals[14].project_id == 2 and proposals[15].project_id is None
    assert [p.award_id for p in propose_winners(ranking, awards, {})] == [11, 12, 13, 14, 15]
    assert propose_winners(entries((1, 1)), [Award(1, "place", place=2)], {})[0].project_id is None
