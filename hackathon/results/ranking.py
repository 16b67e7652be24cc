"""Results maths: pure functions of plain values (standard library only), no Flask.

* Reliability of a round where every juror scores every project (a pitch final): Kendall's W of the jurors'
  rankings (with the correction for tied ranks) and the intraclass correlation ICC(2,1) / ICC(2,k) (two-way
  random effects, absolute agreement; Shrout & Fleiss 1979). Both need a complete block: jurors kept out of a
  project by a conflict are left out (the block used is reported).
* The final ranking: one round's calibrated scores, or a weighted combination of several rounds' calibrated
  scores Z (e.g. 0.3 · screening + 0.7 · pitch), for the projects of the last round.
* Prize proposals from the final ranking: places go down the ranking; a tie across a prize boundary is shown
  and left to the organiser; track awards go to the best-ranked project of their track.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping, Sequence

TOLERANCE = 1e-9


# --- reliability -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """The complete part of a scores table used for W and the ICC."""
    jurors: tuple[int, ...]
    projects: tuple[int, ...]
    left_out_jurors: tuple[int, ...] = ()
    left_out_projects: tuple[int, ...] = ()


def complete_block(scores: Mapping[tuple[int, int], float]) -> Block:
    """The largest simple complete block of (juror, project) scores: the jurors who scored every project; if
    fewer than two, every juror on the projects all of them scored."""
    jurors = sorted({j for j, _p in scores})
    projects = sorted({p for _j, p in scores})
    full_jurors = [j for j in jurors if all((j, p) in scores for p in projects)]
    if len(full_jurors) >= 2:
        return Block(tuple(full_jurors), tuple(projects), tuple(j for j in jurors if j not in full_jurors), ())
    shared = [p for p in projects if all((j, p) in scores for j in jurors)]
    return Block(tuple(jurors), tuple(shared), (), tuple(p for p in projects if p not in shared))


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n, highest value first; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and abs(values[order[end + 1]] - values[order[start]]) <= TOLERANCE:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def kendalls_w(scores: Mapping[tuple[int, int], float]) -> tuple[float | None, Block]:
    """Kendall's coefficient of concordance of the jurors' rankings of the projects, corrected for ties:
    W = 12 S / (m²(n³ − n) − m Σ T_j), S = Σ_i (R_i − R̄)², T_j = Σ (t³ − t) over juror j's groups of ties.
    None with fewer than two jurors or projects, or when every juror ties everything."""
    block = complete_block(scores)
    m, n = len(block.jurors), len(block.projects)
    if m < 2 or n < 2:
        return None, block
    sums = [0.0] * n
    ties = 0.0
    for juror in block.jurors:
        values = [scores[(juror, p)] for p in block.projects]
        ranks = _ranks(values)
        for i, rank in enumerate(ranks):
            sums[i] += rank
        for rank in set(ranks):
            t = ranks.count(rank)
            ties += t ** 3 - t
    mean = m * (n + 1) / 2
    s = math.fsum((r - mean) ** 2 for r in sums)
    denominator = m * m * (n ** 3 - n) - m * ties
    return (12 * s / denominator if denominator > 0 else None), block


@dataclass(frozen=True)
class Icc:
    single: float | None   # ICC(2,1): the reliability of one juror's score
    average: float | None  # ICC(2,k): the reliability of the mean of the k jurors' scores
    block: Block


def icc_two_way(scores: Mapping[tuple[int, int], float]) -> Icc:
    """ICC(2,1) and ICC(2,k), two-way random effects, absolute agreement (Shrout & Fleiss 1979):
    ICC(2,1) = (BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n) and ICC(2,k) = (BMS − EMS) / (BMS +
    (JMS − EMS) / n), with BMS, JMS and EMS the mean squares of projects (targets), jurors and error."""
    block = complete_block(scores)
    k, n = len(block.jurors), len(block.projects)
    if k < 2 or n < 2:
        return Icc(None, None, block)
    table = [[scores[(j, p)] for j in block.jurors] for p in block.projects]
    grand = math.fsum(v for row in table for v in row) / (n * k)
    row_means = [math.fsum(row) / k for row in table]
    column_means = [math.fsum(table[i][c] for i in range(n)) / n for c in range(k)]
    total = math.fsum((v - grand) ** 2 for row in table for v in row)
    between_rows = k * math.fsum((m - grand) ** 2 for m in row_means)
    between_columns = n * math.fsum((m - grand) ** 2 for m in column_means)
    error = total - between_rows - between_columns
    bms, jms = between_rows / (n - 1), between_columns / (k - 1)
    ems = error / ((n - 1) * (k - 1))
    single_denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    average_denominator = bms + (jms - ems) / n
    return Icc(single=(bms - ems) / single_denominator if single_denominator else None,
               average=(bms - ems) / average_denominator if average_denominator else None, block=block)


# --- the final ranking -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundScores:
    """One round's outcome as the final ranking needs it: each project's calibrated Z and its rank there."""
    round_id: int
    z: Mapping[int, float]
    rank: Mapping[int, int]


@dataclass
class FinalEntry:
    project_id: int
    score: float                     # the combined Z (or the last round's Z alone)
    parts: dict[int, float]          # round id -> Z
    rank: int = 0
    tied: bool = False


def final_ranking(rounds: Sequence[RoundScores], weights: Mapping[int, Fraction] | None = None
                  ) -> list[FinalEntry]:
    """The projects of the last round ranked by Σ_r ŵ_r · Z_pr (ŵ normalised weights; by default the last round
    alone). A project missing from a weighted round counts as Z = 0 there (the round's average). Equal scores
    (within TOLERANCE) are ordered by the last round's own ranking, which already holds its tie-breaks; still
    equal, they tie."""
    if not rounds:
        return []
    last = rounds[-1]
    weights = dict(weights or {last.round_id: Fraction(1)})
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("round weights must be non-negative and not all zero")
    total = sum(weights.values())
    by_id = {r.round_id: r for r in rounds}
    if any(round_id not in by_id for round_id in weights):
        raise ValueError("a weight names a round that is not given")
    entries = []
    for project in last.z:
        parts = {round_id: by_id[round_id].z.get(project, 0.0) for round_id in weights}
        score = math.fsum(float(weights[r] / total) * z for r, z in parts.items())
        entries.append(FinalEntry(project_id=project, score=score, parts=parts))

    def key(entry: FinalEntry):
        return (-entry.score, last.rank.get(entry.project_id, 0))

    entries.sort(key=key)
    for index, entry in enumerate(entries):
        previous = entries[index - 1] if index else None
        if previous is not None and abs(previous.score - entry.score) <= TOLERANCE \
                and last.rank.get(previous.project_id) == last.rank.get(entry.project_id):
            entry.rank, entry.tied, previous.tied = previous.rank, True, True
        else:
            entry.rank = index + 1
    return entries


# --- prizes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    id: int
    kind: str                  # "place" (1st, 2nd…: by position), "track" (best of a track), "special" (chosen)
    place: int | None = None   # for "place": 1, 2, 3…
    track_id: int | None = None


@dataclass
class AwardProposal:
    award_id: int
    project_id: int | None                              # None: nobody proposed (special awards, empty track)
    tied_with: list[int] = field(default_factory=list)  # others sharing the rank across the boundary: decide


def propose_winners(ranking: Sequence[FinalEntry], awards: Sequence[Award],
                    track_of: Mapping[int, int | None]) -> list[AwardProposal]:
    """Places go to the projects at those positions of the final ranking; when the project at a place shares
    its rank with one that would not otherwise get a place (or gets another one), the tie is reported and the
    organiser decides. Track awards go to the best-ranked project of the track (ties reported likewise).
    Special awards are chosen by the organiser: no proposal."""
    ordered = list(ranking)
    proposals = []
    for award in sorted(awards, key=lambda a: (a.kind != "place", a.place or 0, a.id)):
        if award.kind == "place" and award.place:
            if award.place > len(ordered):
                proposals.append(AwardProposal(award.id, None))
                continue
            chosen = ordered[award.place - 1]
            tied = [e.project_id for e in ordered if e.rank == chosen.rank and e is not chosen]
            proposals.append(AwardProposal(award.id, chosen.project_id, tied))
        elif award.kind == "track":
            inside = [e for e in ordered if track_of.get(e.project_id) == award.track_id]
            if not inside:
                proposals.append(AwardProposal(award.id, None))
                continue
            best = inside[0]
            proposals.append(AwardProposal(award.id, best.project_id,
                                           [e.project_id for e in inside[1:] if e.rank == best.rank]))
        else:
            proposals.append(AwardProposal(award.id, None))
    order = {a.id: i for i, a in enumerate(awards)}
    return sorted(proposals, key=lambda p: order[p.award_id])
