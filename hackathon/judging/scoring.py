"""Leaderboard maths for one judging round: pure functions of plain values (standard library only).

For juror j, project p, criterion c with weight w_c, scale lo_c..hi_c and score s_jpc:

1. Weighted total  T_jp = 100 · Σ_c ŵ_c · (s_jpc − lo_c)/(hi_c − lo_c),  ŵ_c = w_c / Σ w.  Exact (Fraction).
   Only complete, submitted sheets are given to these functions.
2. Raw score of p: the mean of its T_jp (exact).
3. Calibration within the round. M and S are the mean and sample standard deviation of all totals.
   A juror with n ≥ 2 sheets and sample standard deviation s_j > 0: z_jp = (T_jp − m_j)/s_j.
   n ≥ 2 and s_j = 0: z = 0, flagged "zero_variance".  A single sheet: z = (T − M)/S (0 if S = 0), flagged
   "single_sheet".
4. Calibrated score Z_p = mean of p's z_jp, displayed as M + S·Z_p. Standard error σ̂/√k_p with
   σ̂² = Σ (z_jp − Z_p)² / (N − P) pooled over the round (N sheets, P projects); a 95% interval Z_p ± 1.96·se.
5. Ranking by Z (calibrated, the default) or by the raw score. Ties are broken, in order, by the higher median z,
   the higher raw score, the higher mean score on the highest-weighted criterion (then the next), then head to
   head among the jurors who scored both projects; otherwise the tie stands (equal rank). Never by id.
   Raw scores compare exactly; z-based keys (square roots make them irrational) compare with TOLERANCE.
"""
from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cmp_to_key
from typing import Iterable, Mapping

TOLERANCE = 1e-9  # z-based values closer than this are equal
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: Fraction
    lo: int = 1
    hi: int = 10

    @staticmethod
    def of(id: int, weight, lo: int = 1, hi: int = 10) -> "Criterion":
        return Criterion(id=id, weight=Fraction(str(weight)) if isinstance(weight, float) else Fraction(weight),
                         lo=lo, hi=hi)


@dataclass(frozen=True)
class Sheet:
    juror_id: int
    project_id: int
    scores: Mapping[int, int]  # criterion id -> integer score


def normalised_weights(criteria: Iterable[Criterion]) -> dict[int, Fraction]:
    criteria = list(criteria)
    total = sum((c.weight for c in criteria), Fraction(0))
    if total <= 0:
        raise ValueError("criteria need positive weights")
    return {c.id: c.weight / total for c in criteria}


def weighted_total(sheet: Sheet, criteria: list[Criterion], weights: dict[int, Fraction] | None = None) -> Fraction:
    """T_jp on 0..100, exact. Every criterion must be scored within its scale."""
    weights = weights or normalised_weights(criteria)
    total = Fraction(0)
    for c in criteria:
        score = sheet.scores[c.id]
        if not c.lo <= score <= c.hi:
            raise ValueError(f"score {score} outside {c.lo}..{c.hi}")
        total += weights[c.id] * Fraction(score - c.lo, c.hi - c.lo)
    return 100 * total


def _totals(sheets: list[Sheet], criteria: list[Criterion], weights: dict[int, Fraction]
            ) -> tuple[dict[tuple[int, int], Fraction], dict[tuple[int, int], int], int]:
    """Every sheet's T_jp, exactly, with integer arithmetic: T = (Σ A_c·(s_c − lo_c)) / D, where D is the common
    denominator of the coefficients 100·ŵ_c/(hi_c − lo_c) and A_c their numerators over D (same value as
    weighted_total, many times faster on large rounds). Returns the totals, their numerators over D, and D."""
    coefficients = {c.id: 100 * weights[c.id] / (c.hi - c.lo) for c in criteria}
    denominator = math.lcm(*(f.denominator for f in coefficients.values())) if coefficients else 1
    numerators = [(c.id, c.lo, c.hi, int(coefficients[c.id] * denominator)) for c in criteria]
    totals: dict[tuple[int, int], Fraction] = {}
    numerators_of: dict[tuple[int, int], int] = {}
    for sheet in sheets:
        total = 0
        for cid, lo, hi, numerator in numerators:
            score = sheet.scores[cid]
            if not lo <= score <= hi:
                raise ValueError(f"score {score} outside {lo}..{hi}")
            total += numerator * (score - lo)
        numerators_of[(sheet.juror_id, sheet.project_id)] = total
        totals[(sheet.juror_id, sheet.project_id)] = Fraction(total, denominator)
    return totals, numerators_of, denominator


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def _sd(values: list[float]) -> float:
    """Sample standard deviation (n − 1); 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = _mean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


@dataclass
class JurorStats:
    juror_id: int
    sheets: int
    mean: float
    sd: float
    leniency: float               # m_j − M: how much higher (lower) than the round this juror scores
    agreement: float | None       # leave-one-out correlation with the other jurors' mean on the same projects
    flags: list[str] = field(default_factory=list)


@dataclass
class ProjectResult:
    project_id: int
    sheets: int
    raw: Fraction
    z: float
    display: float
    median_z: float
    se: float | None
    interval: tuple[float, float] | None  # 95% interval on the display scale
    rank: int = 0
    tied: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def raw_float(self) -> float:
        return float(self.raw)


@dataclass
class Leaderboard:
    method: str
    projects: list[ProjectResult]
    jurors: dict[int, JurorStats]
    round_mean: float
    round_sd: float
    sheets: int
    connected: bool
    groups: list[tuple[frozenset[int], frozenset[int]]]  # (jurors, projects) of each connected part
    totals: dict[tuple[int, int], Fraction] = field(default_factory=dict)  # T_jp by (juror, project)
    z: dict[tuple[int, int], float] = field(default_factory=dict)          # z_jp by (juror, project)


def _z_scores(totals: dict[tuple[int, int], Fraction]) -> tuple[dict[tuple[int, int], float], dict[int, list[str]],
                                                                 float, float]:
    everything = [float(t) for t in totals.values()]
    round_mean = _mean(everything) if everything else 0.0
    round_sd = _sd(everything)
    by_juror: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (juror, project), total in totals.items():
        by_juror[juror].append((project, float(total)))
    z: dict[tuple[int, int], float] = {}
    flags: dict[int, list[str]] = defaultdict(list)
    for juror, rows in by_juror.items():
        values = [t for _p, t in rows]
        if len(values) >= 2:
            mean, sd = _mean(values), _sd(values)
            if sd > 0:
                for project, total in rows:
                    z[(juror, project)] = (total - mean) / sd
            else:
                flags[juror].append("zero_variance")
                for project, _t in rows:
                    z[(juror, project)] = 0.0
        else:
            flags[juror].append("single_sheet")
            project, total = rows[0]
            z[(juror, project)] = (total - round_mean) / round_sd if round_sd > 0 else 0.0
    return z, flags, round_mean, round_sd


def _components(pairs: Iterable[tuple[int, int]]) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Connected parts of the juror–project graph (union-find)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for juror, project in pairs:
        a, b = find(("j", juror)), find(("p", project))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, int], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for node in list(parent):
        root = find(node)
        (groups[root][0] if node[0] == "j" else groups[root][1]).add(node[1])
    parts = [(frozenset(j), frozenset(p)) for j, p in groups.values()]
    return sorted(parts, key=lambda part: (-len(part[1]), sorted(part[1])))


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 3:
        return None
    sx, sy = _sd(xs), _sd(ys)
    if sx == 0 or sy == 0:
        return None
    mx, my = _mean(xs), _mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys)) / ((len(xs) - 1) * sx * sy)


def leaderboard(sheets: list[Sheet], criteria: list[Criterion], *, method: str = "calibrated") -> Leaderboard:
    """The ranked projects of one round with their statistics and the jurors' statistics."""
    if method not in ("calibrated", "raw"):
        raise ValueError("method is calibrated or raw")
    weights = normalised_weights(criteria)
    totals, numerators, denominator = _totals(sheets, criteria, weights)
    z, juror_flags, round_mean, round_sd = _z_scores(totals)

    by_project: dict[int, list[int]] = defaultdict(list)
    for juror, project in totals:
        by_project[project].append(juror)
    n_sheets, n_projects = len(totals), len(by_project)
    z_mean = {p: _mean([z[(j, p)] for j in js]) for p, js in by_project.items()}
    residual = math.fsum((z[(j, p)] - z_mean[p]) ** 2 for p, js in by_project.items() for j in js)
    sigma = math.sqrt(residual / (n_sheets - n_projects)) if n_sheets > n_projects else None

    results = []
    for project, jurors in by_project.items():
        k = len(jurors)
        raw = Fraction(sum(numerators[(j, project)] for j in jurors), denominator * k)
        se = sigma / math.sqrt(k) if sigma is not None else None
        zp = z_mean[project]
        interval = ((round_mean + round_sd * (zp - Z95 * se), round_mean + round_sd * (zp + Z95 * se))
                    if se is not None else None)
        results.append(ProjectResult(project_id=project, sheets=k, raw=raw, z=zp, display=round_mean + round_sd * zp,
                                     median_z=statistics.median([z[(j, project)] for j in jurors]), se=se,
                                     interval=interval))

    by_weight = sorted(criteria, key=lambda c: -weights[c.id])  # equal weights keep the round's criterion order
    score_sums: dict[tuple[int, int], int] = defaultdict(int)
    for s in sheets:
        for c in by_weight:
            score_sums[(s.project_id, c.id)] += s.scores[c.id]
    juror_totals = totals

    def compare(a: ProjectResult, b: ProjectResult) -> int:
        """Negative when a ranks before b. Documented order of tie-breaks; 0 means a true tie."""
        def close(x: float, y: float) -> int:
            return 0 if abs(x - y) <= TOLERANCE else (-1 if x > y else 1)

        primary = close(a.z, b.z) if method == "calibrated" else (0 if a.raw == b.raw else (-1 if a.raw > b.raw else 1))
        if primary:
            return primary
        for step in (lambda: close(a.median_z, b.median_z),
                     lambda: 0 if a.raw == b.raw else (-1 if a.raw > b.raw else 1)):
            found = step()
            if found:
                return found
        for c in by_weight:  # means compared exactly by cross-multiplying the integer sums
            x = score_sums[(a.project_id, c.id)] * b.sheets
            y = score_sums[(b.project_id, c.id)] * a.sheets
            if x != y:
                return -1 if x > y else 1
        shared = set(by_project[a.project_id]) & set(by_project[b.project_id])
        wins = sum(1 for j in shared if juror_totals[(j, a.project_id)] > juror_totals[(j, b.project_id)])
        losses = sum(1 for j in shared if juror_totals[(j, a.project_id)] < juror_totals[(j, b.project_id)])
        return 0 if wins == losses else (-1 if wins > losses else 1)

    results.sort(key=cmp_to_key(compare))
    for index, result in enumerate(results):
        if index and compare(results[index - 1], result) == 0:
            result.rank = results[index - 1].rank
            result.tied = results[index - 1].tied = True
        else:
            result.rank = index + 1

    # Jurors: leniency, agreement, flags.
    jurors: dict[int, JurorStats] = {}
    own: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for (juror, project), total in totals.items():
        own[juror].append((project, float(total)))
    sheets_of: dict[int, list[Sheet]] = defaultdict(list)
    for s in sheets:
        sheets_of[s.juror_id].append(s)
    for juror, rows in own.items():
        values = [t for _p, t in rows]
        xs, ys = [], []
        for project, total in rows:
            others = [float(totals[(j, project)]) for j in by_project[project] if j != juror]
            if others:
                xs.append(total)
                ys.append(_mean(others))
        flags = list(juror_flags.get(juror, []))
        juror_sheets = sheets_of[juror]
        if juror_sheets and (all(s.scores[c.id] == c.lo for s in juror_sheets for c in criteria)
                             or all(s.scores[c.id] == c.hi for s in juror_sheets for c in criteria)):
            flags.append("one_end_of_scale")
        jurors[juror] = JurorStats(juror_id=juror, sheets=len(values), mean=_mean(values), sd=_sd(values),
                                   leniency=_mean(values) - round_mean, agreement=_pearson(xs, ys), flags=flags)

    groups = _components(totals)
    return Leaderboard(method=method, projects=results, jurors=jurors, round_mean=round_mean, round_sd=round_sd,
                       sheets=n_sheets, connected=len(groups) <= 1, groups=groups, totals=totals, z=z)


def too_close_to_call(board: Leaderboard, cut: int, reach: int = 2) -> list[tuple[int, int]]:
    """Pairs (inside, outside) around the cut after position `cut` whose 95% intervals overlap."""
    inside = [p for p in board.projects if p.rank <= cut][-reach:]
    outside = [p for p in board.projects if p.rank > cut][:reach]
    pairs = []
    for a in inside:
        for b in outside:
            if a.interval and b.interval and a.interval[0] <= b.interval[1] and b.interval[0] <= a.interval[1]:
                pairs.append((a.project_id, b.project_id))
    return pairs


def fewer_than(board: Leaderboard, k: int, project_ids: Iterable[int] = ()) -> list[int]:
    """Projects with fewer than k sheets (those without any sheet included when listed in project_ids)."""
    counts = {p.project_id: p.sheets for p in board.projects}
    return sorted({p for p in list(counts) + list(project_ids) if counts.get(p, 0) < k})


def top_changes_without(sheets: list[Sheet], criteria: list[Criterion], top: int, *,
                        method: str = "calibrated") -> list[int]:
    """Jurors whose removal alone would change the set of the top `top` projects."""
    def top_set(rows):
        return {p.project_id for p in leaderboard(rows, criteria, method=method).projects if p.rank <= top}

    reference = top_set(sheets)
    changed = []
    for juror in sorted({s.juror_id for s in sheets}):
        rest = [s for s in sheets if s.juror_id != juror]
        if rest and top_set(rest) != reference:
            changed.append(juror)
    return changed


def krippendorff_alpha_interval(data: Mapping[object, Mapping[object, float]]) -> float | None:
    """Krippendorff's alpha with the interval metric. `data[unit][coder] = value`; missing values are absent.

    Only units with at least two values are pairable. α = 1 − D_o/D_e with
    D_o = (1/n) Σ_u Σ_{i≠j} (v_i − v_j)² / (m_u − 1)  and  D_e = Σ_{i≠j over all pairable values} (v_i − v_j)² / (n(n − 1)).
    None when there is nothing to compare or no variation at all.
    """
    units = [list(values.values()) for values in data.values() if len(values) >= 2]
    pooled = [v for unit in units for v in unit]
    n = len(pooled)
    if n < 2:
        return None
    observed = math.fsum(
        math.fsum((a - b) ** 2 for i, a in enumerate(unit) for j, b in enumerate(unit) if i != j) / (len(unit) - 1)
        for unit in units) / n
    # Σ_{i≠j} (v_i − v_j)² = 2n Σ v² − 2 (Σ v)², computed without the quadratic loop.
    total, squares = math.fsum(pooled), math.fsum(v * v for v in pooled)
    expected = (2 * n * squares - 2 * total * total) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected
