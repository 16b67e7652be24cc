"""`scoring.leaderboard` against a slow reference written here, straight from the README's formulas, with
`fractions.Fraction` (and 60-digit decimals where a square root is taken), over random rounds: random weights,
scales, jurors, k and sheets, and on purpose jurors (or whole rounds) whose totals are all equal.

The reference:
1. T_jp = 100 · Σ_c ŵ_c · (s_jpc − lo_c)/(hi_c − lo_c), ŵ_c = w_c / Σ w.
2. Raw score of p: the mean of its T_jp.
3. A juror with n ≥ 2 sheets and sample sd s_j > 0: z = (T − m_j)/s_j; n ≥ 2 and s_j = 0: z = 0, flag
   "zero_variance"; a single sheet: z = (T − M)/S over the whole round (0 if S = 0), flag "single_sheet".
   All of a juror's sheets at the lowest (highest) score of every criterion: flag "one_end_of_scale".
4. Z_p = mean of p's z.
5. Rank by Z (within 1e-9) or raw (exactly); ties broken by the higher median z, the higher raw score, the higher
   mean on the highest-weighted criterion (then the next), then head to head among the jurors who scored both
   (in a group: pairwise wins minus losses; one ranks below another only if it also loses to it directly),
   otherwise equal rank.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from statistics import median

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hackathon.judging.scoring import TOLERANCE, Criterion, Sheet, leaderboard

EXAMPLES = 200
DIGITS = 60


def _sqrt(value: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = DIGITS
        return (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()


def _dec(value: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def _div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = DIGITS
        return a / b


def _mean(values):
    return sum(values, Fraction(0)) / len(values)


def _variance(values) -> Fraction:
    """Sample variance (n − 1), exactly; 0 under two values."""
    if len(values) < 2:
        return Fraction(0)
    m = _mean(values)
    return sum(((v - m) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def reference(sheets: list[Sheet], criteria: list[Criterion], method: str) -> dict:
    total_weight = sum((c.weight for c in criteria), Fraction(0))
    totals = {(s.juror_id, s.project_id): 100 * sum((c.weight / total_weight * Fraction(s.scores[c.id] - c.lo,
                                                                                           c.hi - c.lo)
                                                     for c in criteria), Fraction(0)) for s in sheets}
    all_totals = list(totals.values())
    round_mean = _mean(all_totals)
    round_var = _variance(all_totals)
    jurors = sorted({j for j, _p in totals})
    projects = sorted({p for _j, p in totals})
    z: dict[tuple[int, int], Decimal] = {}
    flags: dict[int, list[str]] = {}
    juror_means, juror_sds = {}, {}
    for juror in jurors:
        keys = [key for key in totals if key[0] == juror]
        values = [totals[key] for key in keys]
        m, var = _mean(values), _variance(values)
        juror_means[juror], juror_sds[juror] = m, _sqrt(var)
        flags[juror] = []
        if len(keys) >= 2:
            if var == 0:
                flags[juror].append("zero_variance")
                z.update({key: Decimal(0) for key in keys})
            else:
                z.update({key: _div(_dec(totals[key] - m), _sqrt(var)) for key in keys})
        else:
            flags[juror].append("single_sheet")
            key = keys[0]
            z[key] = _div(_dec(totals[key] - round_mean), _sqrt(round_var)) if round_var > 0 else Decimal(0)
        rows = [s for s in sheets if s.juror_id == juror]
        if all(s.scores[c.id] == c.lo for s in rows for c in criteria) or \
                all(s.scores[c.id] == c.hi for s in rows for c in criteria):
            flags[juror].append("one_end_of_scale")

    raw = {p: _mean([t for (j, q), t in totals.items() if q == p]) for p in projects}
    z_of = {p: [z[key] for key in totals if key[1] == p] for p in projects}
    big_z = {p: _div(sum(values, Decimal(0)), Decimal(len(values))) for p, values in z_of.items()}
    median_z = {p: median(values) for p, values in z_of.items()}
    by_weight = sorted(criteria, key=lambda c: -c.weight)  # stable: equal weights keep the round's order
    criterion_means = {p: [_mean([Fraction(s.scores[c.id]) for s in sheets if s.project_id == p]) for c in by_weight]
                       for p in projects}

    def primary_equal(a, b):
        return abs(big_z[a] - big_z[b]) <= TOLERANCE if method == "calibrated" else raw[a] == raw[b]

    def keys_equal(a, b):
        return (primary_equal(a, b) and abs(median_z[a] - median_z[b]) <= TOLERANCE and raw[a] == raw[b]
                and criterion_means[a] == criterion_means[b])

    def better(a, b) -> bool:
        """a before b on the keys before head to head (they are primary-equal)."""
        if abs(median_z[a] - median_z[b]) > TOLERANCE:
            return median_z[a] > median_z[b]
        if raw[a] != raw[b]:
            return raw[a] > raw[b]
        return criterion_means[a] > criterion_means[b]

    def head_to_head(a, b) -> int:
        common = {j for j, q in totals if q == a} & {j for j, q in totals if q == b}
        wins = sum(totals[(j, a)] > totals[(j, b)] for j in common)
        losses = sum(totals[(j, a)] < totals[(j, b)] for j in common)
        return (wins > losses) - (wins < losses)

    # Runs of (near-)equal primary keys, from the top.
    order = sorted(projects, key=(lambda p: -big_z[p]) if method == "calibrated" else (lambda p: -raw[p]))
    runs: list[list[int]] = []
    for p in order:
        if runs and primary_equal(runs[-1][-1], p):
            runs[-1].append(p)
        else:
            runs.append([p])
    ranks: dict[int, tuple[int, bool]] = {}
    position = 0
    for run in runs:
        # Groups equal on every key, best group first (a project is in the group of those equal to it).
        groups: list[list[int]] = []
        for p in run:
            for group in groups:
                if keys_equal(group[0], p):
                    group.append(p)
                    break
            else:
                groups.append([p])
        above = {id(g): sum(better(other[0], g[0]) for other in groups if other is not g) for g in groups}
        for group in sorted(groups, key=lambda g: above[id(g)]):
            score = {p: sum(head_to_head(p, q) for q in group if q != p) for p in group}
            levels = [[p for p in group if score[p] == s] for s in sorted(set(score.values()), reverse=True)]
            ties: list[list[int]] = []
            for level in levels:
                if ties and not all(head_to_head(a, b) > 0 for a in ties[-1] for b in level):
                    ties[-1].extend(level)  # a step down needs a direct loss to every one above
                else:
                    ties.append(list(level))
            for tie in ties:
                for p in tie:
                    ranks[p] = (position + 1, len(tie) > 1)
                position += len(tie)
    return {"totals": totals, "z": z, "flags": flags, "raw": raw, "Z": big_z, "ranks": ranks,
            "round_mean": round_mean, "round_sd": _sqrt(round_var), "juror_means": juror_means,
            "juror_sds": juror_sds}


WEIGHTS = st.one_of(st.integers(1, 100).map(Fraction),
                    st.sampled_from(["35", "25", "20", "0.3", "12.5", "0.25", "0.0001", "7.1234"]).map(Fraction))


@st.composite
def rounds(draw):
    n_criteria = draw(st.integers(1, 4))
    criteria = []
    for index in range(n_criteria):
        lo = draw(st.integers(0, 2))
        hi = lo + draw(st.sampled_from([1, 2, 4, 9]))
        criteria.append(Criterion(id=index + 1, weight=draw(WEIGHTS), lo=lo, hi=hi))
    n_jurors = draw(st.integers(1, 6))
    n_projects = draw(st.integers(1, 8))
    k = draw(st.integers(1, n_jurors))
    flat_round = draw(st.booleans()) and draw(st.booleans())  # about a quarter: every total equal
    flat = [flat_round or draw(st.booleans()) for _ in range(n_jurors)]  # jurors whose totals are all equal

    def vector():
        return {c.id: draw(st.integers(c.lo, c.hi)) for c in criteria}

    common = vector()
    own = [vector() for _ in range(n_jurors)]
    sheets = []
    for project in range(1, n_projects + 1):
        chosen = draw(st.lists(st.integers(0, n_jurors - 1), min_size=1, max_size=k, unique=True))
        for juror in chosen:
            scores = common if flat_round else (own[juror] if flat[juror] else vector())
            sheets.append(Sheet(juror + 1, 100 + project, dict(scores)))
    order = draw(st.permutations(sheets))
    return criteria, list(order)


def _close(a, b, tolerance=1e-9) -> bool:
    return abs(float(a) - float(b)) <= tolerance * max(1.0, abs(float(b)))


def check_against_reference(sheets, criteria, method):
    board = leaderboard(sheets, criteria, method=method)
    expected = reference(sheets, criteria, method)
    for key, total in expected["totals"].items():
        assert _close(board.totals[key], total, 1e-12), key
        assert _close(board.z[key], expected["z"][key]), (key, board.z[key], expected["z"][key])
    assert _close(board.round_mean, expected["round_mean"]) and _close(board.round_sd, expected["round_sd"])
    for juror, stats in board.jurors.items():
        assert sorted(stats.flags) == sorted(expected["flags"][juror]), juror
        assert _close(stats.mean, expected["juror_means"][juror]) and _close(stats.sd, expected["juror_sds"][juror])
    assert set(board.jurors) == set(expected["flags"])
    got = {p.project_id: p for p in board.projects}
    assert set(got) == set(expected["raw"])
    for project, result in got.items():
        assert result.raw == expected["raw"][project]
        assert _close(result.z, expected["Z"][project]), project
    assert {p: (r.rank, r.tied) for p, r in got.items()} == expected["ranks"]
    assert [p.rank for p in board.projects] == sorted(p.rank for p in board.projects)
    return board


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rounds(), st.sampled_from(["calibrated", "raw"]))
def test_the_leaderboard_agrees_with_the_reference(round_, method):
    criteria, sheets = round_
    board = check_against_reference(sheets, criteria, method)
    flags = {flag for stats in board.jurors.values() for flag in stats.flags}
    for flag in sorted(flags):
        event(f"a juror flagged {flag}")
    event("a tie" if any(p.tied for p in board.projects) else "no tie")
    event(f"{len(board.projects)} projects")


def test_the_issue_example_against_the_reference():
    """Weights 35/25/20/20 on 1–10, a juror giving (6, 6, 6, 6) to three projects (and two others)."""
    criteria = [Criterion.of(1, 35), Criterion.of(2, 25), Criterion.of(3, 20), Criterion.of(4, 20)]
    sheets = [Sheet(1, p, {1: 6, 2: 6, 3: 6, 4: 6}) for p in (101, 102, 103)]
    sheets += [Sheet(2, 101, {1: 3, 2: 5, 3: 7, 4: 9}), Sheet(2, 102, {1: 8, 2: 2, 3: 6, 4: 4}),
               Sheet(3, 103, {1: 9, 2: 9, 3: 1, 4: 5}), Sheet(3, 101, {1: 2, 2: 4, 3: 6, 4: 8})]
    for method in ("calibrated", "raw"):
        check_against_reference(sheets, criteria, method)
