"""Leaderboard maths for one judging round: pure functions of plain values (standard library only).

For juror j, project p, criterion c with weight w_c, scale lo_c..hi_c and score s_jpc:

1. Weighted total  T_jp = 100 · Σ_c ŵ_c · (s_jpc − lo_c)/(hi_c − lo_c),  ŵ_c = w_c / Σ w.  Exact (Fraction).
   Only complete, submitted sheets are given to these functions.
2. Raw score of p: the mean of its T_jp (exact).
3. Calibration within the round. M and S are the mean and sample standard deviation of all totals.
   A juror with n ≥ 2 sheets and sample standard deviation s_j > 0: z_jp = (T_jp − m_j)/s_j.
   n ≥ 2 and s_j = 0: z = 0, flagged "zero_variance".  A single sheet: z = (T − M)/S (0 if S = 0), flagged
   "single_sheet".  Means and deviations come from the totals' exact integer numerators, so s = 0 (and S = 0)
   exactly when the totals are equal, whatever floats would make of them.
4. Calibrated score Z_p = mean of p's z_jp, displayed as M + S·Z_p. Standard error σ̂/√k_p with
   σ̂² = Σ (z_jp − Z_p)² / (N − P) pooled over the round (N sheets, P projects); a 95% interval Z_p ± 1.96·se.
5. Ranking by Z (calibrated, the default) or by the raw score. Ties are broken, in order, by the higher median z,
   the higher raw score, the higher mean score on the highest-weighted criterion (then the next), then head to
   head among the jurors who scored both projects (in a group of three or more still equal: pairwise wins minus
   losses within the group; projects with fewer rank below the tie above them only if each of them also loses
   directly to each project of that tie, else they join it);
   otherwise the tie stands (equal rank). Never by id or input order.
   Raw scores compare exactly; z-based keys (square roots make them irrational) compare with TOLERANCE.
"""
from __future__ import annotations

import math
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cmp_to_key
from typing import Iterable, Mapping, NamedTuple

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


class Sheet(NamedTuple):  # any (juror, project, scores) triple will do, e.g. database rows as read
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


def _numerators(sheets: list[Sheet], criteria: list[Criterion], weights: dict[int, Fraction]
                ) -> tuple[dict[tuple[int, int], int], int, dict[tuple[int, int], tuple[int, ...]]]:
    """Every sheet's T_jp, exactly, with integer arithmetic: T = (Σ A_c·(s_c − lo_c)) / D, where D is the common
    denominator of the coefficients 100·ŵ_c/(hi_c − lo_c) and A_c their numerators over D (the same value as
    weighted_total, many times faster on large rounds). Returns the numerators by (juror, project), D, and each
    sheet's scores as a tuple in the criteria's order."""
    coefficients = [100 * weights[c.id] / (c.hi - c.lo) for c in criteria]
    denominator = math.lcm(*(f.denominator for f in coefficients)) if coefficients else 1
    factors = [int(f * denominator) for f in coefficients]
    offset = sum(a * c.lo for a, c in zip(factors, criteria))
    lows, highs = [c.lo for c in criteria], [c.hi for c in criteria]
    ids = [c.id for c in criteria]
    pick = operator.itemgetter(*ids) if len(ids) > 1 else (lambda scores: tuple(scores[i] for i in ids))
    rows = {(juror, project): pick(scores) for juror, project, scores in sheets}
    for column, lo, hi in zip(zip(*rows.values()), lows, highs):  # each criterion's scores, checked at C speed
        if min(column) < lo or max(column) > hi:
            raise ValueError(f"a score is outside its scale {lo}..{hi}")
    mul = operator.mul
    numerators = {key: sum(map(mul, factors, row)) - offset for key, row in rows.items()}
    return numerators, denominator, rows


def exact_totals(sheets: list[Sheet], criteria: list[Criterion]) -> dict[tuple[int, int], Fraction]:
    """T_jp of every sheet as exact fractions (for checks and exports; the leaderboard keeps the numerators)."""
    numerators, denominator, _rows = _numerators(sheets, criteria, normalised_weights(criteria))
    return {key: Fraction(value, denominator) for key, value in numerators.items()}


@dataclass
class JurorStats:
    juror_id: int
    sheets: int
    mean: float
    sd: float
    leniency: float               # m_j − M: how much higher (lower) than the round this juror scores
    agreement: float | None       # leave-one-out correlation with the other jurors' mean on the same projects
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
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
    totals: dict[tuple[int, int], float] = field(default_factory=dict)  # T_jp by (juror, project), as floats
    z: dict[tuple[int, int], float] = field(default_factory=dict)       # z_jp by (juror, project)
    # Per project: the sum of each criterion's scores over its sheets, in the criteria's order (exact integers).
    criterion_sums: dict[int, tuple[int, ...]] = field(default_factory=dict)
    alpha_raw: float | None = None  # Krippendorff's alpha (interval) of the round on the totals
    alpha_z: float | None = None    # … and on z


class _Spread(NamedTuple):
    """Mean and sample standard deviation of some totals T = x/D, from their exact integer numerators x."""
    n: int
    total: int      # Σ x
    spread: int     # n·Σ x² − (Σ x)² = n(n − 1)·D²·s²: exactly 0 when every total is equal

    @staticmethod
    def of(values: list[int]) -> "_Spread":
        total = sum(values)
        return _Spread(len(values), total, len(values) * sum([v * v for v in values]) - total * total)

    def mean(self, denominator: int) -> float:
        return self.total / (self.n * denominator) if self.n else 0.0

    def sd(self, denominator: int) -> float:
        """Sample standard deviation (n − 1); 0 for fewer than two values or no spread at all."""
        if self.n < 2 or self.spread == 0:
            return 0.0
        return math.sqrt(self.spread / (self.n * (self.n - 1) * denominator * denominator))

    def z(self, value: int) -> float:
        """(T − m)/s of the total x/D: (n·x − Σ x)/√(n·spread/(n − 1)), the denominator cancels. Needs spread > 0."""
        return (self.n * value - self.total) / math.sqrt(self.n * self.spread / (self.n - 1))


def _z_scores(nums: list[int], by_juror: dict[int, list[int]]
              ) -> tuple[list[float], dict[int, list[str]], _Spread]:
    """z of every sheet (by sheet index), the jurors' flags, and the round's spread (for M and S).

    Zero variance is decided on the exact integer numerators, never on floats: totals equal in exact arithmetic
    (say three sheets of (6, 6, 6, 6) under weights 35/25/20/20) have a float mean that differs from them in the
    last bit, and a float standard deviation of ~1e-14 instead of 0."""
    whole = _Spread.of(nums)
    z = [0.0] * len(nums)
    flags: dict[int, list[str]] = defaultdict(list)
    for juror, indexes in by_juror.items():
        if len(indexes) >= 2:
            spread = _Spread.of([nums[i] for i in indexes])
            if spread.spread > 0:
                for i in indexes:
                    z[i] = spread.z(nums[i])
            else:
                flags[juror].append("zero_variance")
        else:
            flags[juror].append("single_sheet")
            i = indexes[0]
            z[i] = whole.z(nums[i]) if whole.n >= 2 and whole.spread > 0 else 0.0
    return z, flags, whole


def _components(pairs: Iterable[tuple[int, int]]) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Connected parts of the juror–project graph (breadth first over both sides)."""
    projects_of: dict[int, list[int]] = defaultdict(list)
    jurors_of: dict[int, list[int]] = defaultdict(list)
    for juror, project in pairs:
        projects_of[juror].append(project)
        jurors_of[project].append(juror)
    parts = []
    seen_jurors: set[int] = set()
    for start in projects_of:
        if start in seen_jurors:
            continue
        jurors, projects, frontier = {start}, set(), [start]
        while frontier:
            reached = {p for j in frontier for p in projects_of[j]} - projects
            projects |= reached
            frontier = [j for j in {j for p in reached for j in jurors_of[p]} if j not in jurors]
            jurors.update(frontier)
        seen_jurors |= jurors
        parts.append((frozenset(jurors), frozenset(projects)))
    return sorted(parts, key=lambda part: (-len(part[1]), sorted(part[1])))


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation (None under three pairs or without variation), one pass over the deviations."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    dx, dy = [x - mx for x in xs], [y - my for y in ys]
    sxx, syy = math.fsum([d * d for d in dx]), math.fsum([d * d for d in dy])
    if sxx == 0 or syy == 0:
        return None
    return math.fsum(map(operator.mul, dx, dy)) / math.sqrt(sxx * syy)


def _runs(items: list, same) -> list[list]:
    """Consecutive items split where `same(previous, item)` is false."""
    runs: list[list] = []
    for item in items:
        if runs and same(runs[-1][-1], item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def leaderboard(sheets: list[Sheet], criteria: list[Criterion], *, method: str = "calibrated") -> Leaderboard:
    """The ranked projects of one round with their statistics and the jurors' statistics."""
    if method not in ("calibrated", "raw"):
        raise ValueError("method is calibrated or raw")
    weights = normalised_weights(criteria)
    numerators, denominator, rows = _numerators(sheets, criteria, weights)
    # Sheets by index from here on: lists indexed by int are much cheaper than dicts keyed by pairs.
    keys = list(numerators)
    nums = list(numerators.values())
    score_rows = list(rows.values())
    # Floats for the statistics only: int / int is correctly rounded, as float(Fraction) is.
    totals = [value / denominator for value in nums]
    by_juror: dict[int, list[int]] = defaultdict(list)
    by_project: dict[int, list[int]] = defaultdict(list)
    for index, (juror, project) in enumerate(keys):
        by_juror[juror].append(index)
        by_project[project].append(index)
    z, juror_flags, whole = _z_scores(nums, by_juror)
    round_mean, round_sd = whole.mean(denominator), whole.sd(denominator)

    n_sheets, n_projects = len(keys), len(by_project)
    z_of = {p: [z[i] for i in indexes] for p, indexes in by_project.items()}
    z_mean = {p: sum(values) / len(values) for p, values in z_of.items()}
    residual = math.fsum([(v - z_mean[p]) ** 2 for p, values in z_of.items() for v in values])
    sigma = math.sqrt(residual / (n_sheets - n_projects)) if n_sheets > n_projects else None

    results = []
    criterion_sums: dict[int, tuple[int, ...]] = {}
    roots = {k: math.sqrt(k) for k in {len(indexes) for indexes in by_project.values()}}
    for project, indexes in by_project.items():
        k = len(indexes)
        raw = Fraction(sum([nums[i] for i in indexes]), denominator * k)
        se = sigma / roots[k] if sigma is not None else None
        zp = z_mean[project]
        interval = ((round_mean + round_sd * (zp - Z95 * se), round_mean + round_sd * (zp + Z95 * se))
                    if se is not None else None)
        results.append(ProjectResult(project_id=project, sheets=k, raw=raw, z=zp, display=round_mean + round_sd * zp,
                                     median_z=_median(z_of[project]), se=se, interval=interval))
        criterion_sums[project] = tuple(map(sum, zip(*[score_rows[i] for i in indexes])))

    # Criterion positions from the highest weight down; equal weights keep the round's criterion order.
    by_weight = sorted(range(len(criteria)), key=lambda index: -weights[criteria[index].id])

    def primary(a: ProjectResult, b: ProjectResult) -> int:
        if method == "calibrated":
            return 0 if abs(a.z - b.z) <= TOLERANCE else (-1 if a.z > b.z else 1)
        return 0 if a.raw == b.raw else (-1 if a.raw > b.raw else 1)

    def compare(a: ProjectResult, b: ProjectResult) -> int:
        """Negative when a ranks before b on the keys before head to head; 0 when they are equal on all of them."""
        found = primary(a, b)
        if found:
            return found
        if abs(a.median_z - b.median_z) > TOLERANCE:
            return -1 if a.median_z > b.median_z else 1
        if a.raw != b.raw:
            return -1 if a.raw > b.raw else 1
        sums_a, sums_b = criterion_sums[a.project_id], criterion_sums[b.project_id]
        for index in by_weight:  # means compared exactly by cross-multiplying the integer sums
            x, y = sums_a[index] * b.sheets, sums_b[index] * a.sheets
            if x != y:
                return -1 if x > y else 1
        return 0

    def head_to_head(a: ProjectResult, b: ProjectResult) -> int:
        """+1 when more of the jurors who scored both gave a the higher total, −1 when fewer, else 0."""
        wins = losses = 0
        jurors_a = {keys[i][0] for i in by_project[a.project_id]}
        for juror in jurors_a.intersection(keys[i][0] for i in by_project[b.project_id]):
            x, y = numerators[(juror, a.project_id)], numerators[(juror, b.project_id)]
            wins, losses = wins + (x > y), losses + (x < y)
        return (wins > losses) - (wins < losses)

    # Sort by the primary key; order each run of equal (for z, near-equal) primaries by the next keys. A group
    # still equal is ordered by head to head: pairwise for two projects; for more, by each project's pairwise
    # wins minus losses within the group, so the result does not depend on input order and a cycle such as
    # A > B > C > A stands as a tie.
    results.sort(key=(lambda r: -r.z) if method == "calibrated" else (lambda r: -r.raw))
    position = 0
    ranked: list[ProjectResult] = []
    for run in _runs(results, lambda a, b: not primary(a, b)):
        if len(run) == 1:  # the usual case: nothing to break
            run[0].rank, run[0].tied = position + 1, False
            position += 1
            ranked.append(run[0])
            continue
        run.sort(key=cmp_to_key(compare))
        for group in _runs(run, lambda a, b: not compare(a, b)):
            score = {r.project_id: sum(head_to_head(r, other) for other in group if other is not r)
                     for r in group} if len(group) > 1 else {group[0].project_id: 0}
            group.sort(key=lambda r: -score[r.project_id])
            # Levels of equal score, from the top. A level ranks below the tie above it only if each of its
            # projects also loses directly to each project of that tie; otherwise it joins the tie. Sets, not
            # neighbours in the sorted list: the order inside a level (the input's) must not decide anything.
            ties: list[list[ProjectResult]] = []
            for level in _runs(group, lambda a, b: score[a.project_id] == score[b.project_id]):
                if ties and not all(head_to_head(a, b) > 0 for a in ties[-1] for b in level):
                    ties[-1].extend(level)
                else:
                    ties.append(level)
            for tie in ties:
                for result in tie:
                    result.rank, result.tied = position + 1, len(tie) > 1
                position += len(tie)
                ranked.extend(tie)
    results = ranked

    # Jurors: leniency, agreement with the others' mean on the same projects (leave one out), flags.
    others_mean: list[float | None] = [None] * n_sheets
    for indexes in by_project.values():
        if len(indexes) > 1:
            together, others = sum([totals[i] for i in indexes]), len(indexes) - 1
            for i in indexes:
                others_mean[i] = (together - totals[i]) / others
    lowest, highest = tuple(c.lo for c in criteria), tuple(c.hi for c in criteria)
    jurors_stats: dict[int, JurorStats] = {}
    for juror, indexes in by_juror.items():
        values = [totals[i] for i in indexes]
        paired = [i for i in indexes if others_mean[i] is not None]
        flags = list(juror_flags.get(juror, []))
        juror_rows = {score_rows[i] for i in indexes}
        if criteria and juror_rows in ({lowest}, {highest}):
            flags.append("one_end_of_scale")
        spread = _Spread.of([nums[i] for i in indexes])
        mean = spread.mean(denominator)
        jurors_stats[juror] = JurorStats(juror_id=juror, sheets=len(values), mean=mean, sd=spread.sd(denominator),
                                         leniency=mean - round_mean, flags=flags,
                                         agreement=_pearson([totals[i] for i in paired],
                                                            [others_mean[i] for i in paired]))

    groups = _components(keys)
    return Leaderboard(method=method, projects=results, jurors=jurors_stats, round_mean=round_mean,
                       round_sd=round_sd, sheets=n_sheets, connected=len(groups) <= 1, groups=groups,
                       totals=dict(zip(keys, totals)), z=dict(zip(keys, z)), criterion_sums=criterion_sums,
                       alpha_raw=alpha_of_units([totals[i] for i in indexes] for indexes in by_project.values()),
                       alpha_z=alpha_of_units(z_of.values()))


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
    for juror in sorted({s[0] for s in sheets}):
        rest = [s for s in sheets if s[0] != juror]
        if rest and top_set(rest) != reference:
            changed.append(juror)
    return changed


def krippendorff_alpha_interval(data: Mapping[object, Mapping[object, float]]) -> float | None:
    """Krippendorff's alpha with the interval metric. `data[unit][coder] = value`; missing values are absent.

    Only units with at least two values are pairable. α = 1 − D_o/D_e with
    D_o = (1/n) Σ_u Σ_{i≠j} (v_i − v_j)² / (m_u − 1)  and  D_e = Σ_{i≠j over all pairable values} (v_i − v_j)² / (n(n − 1)).
    None when there is nothing to compare or no variation at all.
    """
    return alpha_of_units([list(values.values()) for values in data.values()])


def alpha_of_units(units: Iterable[list[float]]) -> float | None:
    """Krippendorff's alpha (interval) of units given as lists of their values (see above)."""
    units = [unit for unit in units if len(unit) >= 2]
    pooled = [v for unit in units for v in unit]
    n = len(pooled)
    if n < 2:
        return None
    # Σ_{i≠j} (v_i − v_j)² = 2(m Σ v² − (Σ v)²) for m values: linear, not quadratic, in each unit (sums at C
    # speed; the cancellation costs ~1e-12 on totals of 0..100) and about the mean overall.
    sizes, sums = list(map(len, units)), list(map(sum, units))
    squares = [sum(map(operator.mul, unit, unit)) for unit in units]
    observed = math.fsum([2 * (m * q - t * t) / (m - 1) for m, t, q in zip(sizes, sums, squares)]) / n
    mean = math.fsum(pooled) / n
    expected = 2 * n * math.fsum([(v - mean) * (v - mean) for v in pooled]) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected
