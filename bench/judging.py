"""Benchmark: a synthetic judging round — 5,000 projects, 300 jurors, k = 3, 5 criteria (15,000 sheets).

Reports, for SQLite and (with --postgres URL) PostgreSQL:
  * the bare read of the score rows (the query the leaderboard runs),
  * the leaderboard end to end (load + maths, services.round_board), and their ratio (target: at most 3x),
  * the juror assignment for the same sizes (target: under 10 s),
  * peak Python memory of each step (tracemalloc).

    .venv/bin/python bench/judging.py                       # SQLite in a temporary file
    .venv/bin/python bench/judging.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/judging.py --projects 500 --jurors 60   # smaller

On PostgreSQL it works in a schema of its own (bench_<random>, made at the start, the connection's search_path
set to it, dropped with everything in it at the end, even after an error): the tables already in the database
are never touched, so any database the role may create a schema in will do.

Not part of the test suite: it takes a minute and its figures depend on the machine.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select  # noqa: E402

from bench.common import engine_options_for  # noqa: E402
from hackathon import create_app  # noqa: E402
from hackathon.database import utcnow  # noqa: E402
from hackathon.extensions import db  # noqa: E402


REPEAT = 10
MEDIANS: dict[str, float] = {}


def measure(label: str, function, *, memory: bool = True, before=None):
    """Best of REPEAT timed runs (the machine's noise only ever adds time; tracemalloc off: it slows Python
    down), with the median for reference, then one run for the memory peak."""
    times, result = [], None
    for _attempt in range(REPEAT if memory else 1):
        if before:
            before()
        gc.collect()  # start each run from the same heap
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    best, median = min(times), sorted(times)[len(times) // 2]
    peak = "      -"
    if memory:
        if before:
            before()
        tracemalloc.start()
        function()
        peak = f"{tracemalloc.get_traced_memory()[1] / 1e6:7.1f}"
        tracemalloc.stop()
    print(f"  {label:<38} {best:8.3f} s   (median {median:.3f})   peak {peak} MB")
    MEDIANS[label] = median
    return result, best


def build(projects: int, jurors: int, k: int, criteria: int, seed: int) -> int:
    """Insert the synthetic round with bulk statements; returns the round id."""
    from hackathon.accounts.models import User
    from hackathon.events.models import Event, EventRole, Role, Track
    from hackathon.judging.models import JudgingCriterion, JudgingRound, JurorAssignment, ScoreSheet
    from hackathon.submissions.models import Submission
    from hackathon.teams.models import Team

    rng = random.Random(seed)
    now = utcnow()
    event = Event(slug=f"bench-{secrets.token_hex(3)}", title="Bench", timezone="UTC", languages=["en"],
                  submissions_close_at=now - timedelta(days=1))
    db.session.add(event)
    db.session.flush()
    tracks = [Track(event_id=event.id, name=f"Track {i}", position=i) for i in range(8)]
    db.session.add_all(tracks)
    db.session.flush()
    tag = secrets.token_hex(3)
    db.session.execute(insert(User), [{"email": f"juror{i}-{tag}@bench.test", "name": f"Juror {i}",
                                       "password_hash": "x", "skills": []} for i in range(jurors)])
    juror_ids = list(db.session.scalars(select(User.id).where(User.email.like(f"%-{tag}@bench.test"))
                                        .order_by(User.id)))
    db.session.execute(insert(EventRole), [{"event_id": event.id, "user_id": j, "role": Role.juror,
                                            "created_at": now} for j in juror_ids])
    db.session.execute(insert(Team), [{"event_id": event.id, "name": f"Team {i}", "name_key": f"team {i}",
                                       "join_code": secrets.token_hex(8), "idea": "", "wanted_skills": [],
                                       "member_count": 0, "track_id": tracks[i % 8].id}
                                      for i in range(projects)])
    team_ids = list(db.session.scalars(select(Team.id).where(Team.event_id == event.id).order_by(Team.id)))
    db.session.execute(insert(Submission), [{"event_id": event.id, "team_id": t, "status": "submitted",
                                             "title": f"Project {i}", "track_id": tracks[i % 8].id,
                                             "technologies": [], "credited_user_ids": [], "lock_version": 1,
                                             "submitted_at": now} for i, t in enumerate(team_ids)])
    submission_ids = list(db.session.scalars(select(Submission.id).where(Submission.event_id == event.id)
                                             .order_by(Submission.id)))
    judging_round = JudgingRound(event_id=event.id, name={"en": "Screening"}, jurors_per_project=k)
    db.session.add(judging_round)
    db.session.flush()
    crits = [JudgingCriterion(round_id=judging_round.id, position=i, name={"en": f"C{i}"},
                              weight=Decimal(rng.choice([10, 20, 25, 35])), scale_min=1, scale_max=10)
             for i in range(criteria)]
    db.session.add_all(crits)
    db.session.flush()
    # The pairs come from the app's own assignment (loads even, the graph connected).
    from hackathon.judging import assignment as assignment_math

    proposal = assignment_math.assign([assignment_math.Juror(j) for j in juror_ids],
                                      [assignment_math.Project(s) for s in submission_ids], k=k, seed=seed)
    jurors_of: dict[int, list[int]] = {}
    for j, s in proposal.pairs:
        jurors_of.setdefault(s, []).append(j)
    lenience = {j: rng.gauss(0, 1) for j in juror_ids}
    quality = {s: rng.gauss(6, 1.5) for s in submission_ids}
    assignments, sheets = [], []
    for s in submission_ids:
        for j in jurors_of.get(s, []):
            assignments.append({"round_id": judging_round.id, "juror_id": j, "submission_id": s, "reasons": [],
                                "created_at": now})
            sheets.append({"round_id": judging_round.id, "juror_id": j, "submission_id": s, "status": "submitted",
                           "scores": {str(c.id): max(1, min(10, round(quality[s] + lenience[j] + rng.gauss(0, 1))))
                                      for c in crits},
                           "comment_to_team": "", "private_note": "", "lock_version": 1, "submitted_at": now,
                           "created_at": now, "updated_at": now})
    db.session.execute(insert(JurorAssignment), assignments)
    db.session.execute(insert(ScoreSheet), sheets)
    db.session.commit()
    return judging_round.id


def run(url: str, args) -> None:
    with engine_options_for(url) as engine_options:
        _run(url, args, engine_options)


def _run(url: str, args, engine_options: dict) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options)
    with app.app_context():
        try:
            _measure_all(url, args)
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection left on the schema about to be dropped


def _measure_all(url: str, args) -> None:
    from hackathon.judging import assignment as assignment_math
    from hackathon.judging import services
    from hackathon.judging.models import JudgingRound, ScoreSheet, SheetStatus

    db.create_all()
    print(f"{url.split('://')[0]}: {args.projects} projects, {args.jurors} jurors, k={args.k}, "
          f"{args.criteria} criteria")
    round_id, _ = measure("build the data (not a target)", lambda: build(args.projects, args.jurors, args.k,
                                                                        args.criteria, args.seed), memory=False)

    def bare():
        return db.session.execute(select(ScoreSheet.juror_id, ScoreSheet.submission_id, ScoreSheet.scores)
                                  .where(ScoreSheet.round_id == round_id,
                                         ScoreSheet.status == SheetStatus.submitted)).all()

    rows, bare_seconds = measure("bare read of the score rows", bare, before=db.session.expire_all)

    def bare_paused():  # the leaderboard pauses the cyclic collector; compare like with like too
        gc.disable()
        try:
            return bare()
        finally:
            gc.enable()

    _rows, paused_seconds = measure("  the same, collector paused", bare_paused, before=db.session.expire_all)

    def board():
        judging_round = db.session.get(JudgingRound, round_id)
        return services.round_board(judging_round)

    result, board_seconds = measure("leaderboard end to end", board, before=db.session.expire_all)
    print(f"  {'ratio leaderboard / bare read':<38} {board_seconds / bare_seconds:8.2f} x   (target <= 3)")
    print(f"  {'  the same, both with collector paused':<38} {board_seconds / paused_seconds:8.2f} x")
    print(f"  {'  ratio of the medians':<38} "
          f"{MEDIANS['leaderboard end to end'] / MEDIANS['bare read of the score rows']:8.2f} x")
    print(f"  sheets read {len(rows)}, ranked projects {len(result.board.projects)}, "
          f"alpha raw {result.alpha_raw:.3f}, alpha z {result.alpha_z:.3f}, connected {result.board.connected}")
    rng = random.Random(args.seed)
    tags = ["water", "health", "ml", "gis", "civic", "finance", "education", "design"]
    jurors = [assignment_math.Juror(i, frozenset(rng.sample(tags, 2)), frozenset({rng.randrange(8)}))
              for i in range(args.jurors)]
    projects = [assignment_math.Project(10_000 + i, i % 8, frozenset(rng.sample(tags, 2)))
                for i in range(args.projects)]
    conflicts = {(rng.randrange(args.jurors), 10_000 + rng.randrange(args.projects))
                 for _ in range(args.projects // 2)}
    proposal, seconds = measure("assignment (target < 10 s)",
                                lambda: assignment_math.assign(jurors, projects, k=args.k, conflicts=conflicts,
                                                               seed=args.seed))
    print(f"  assignment feasible {proposal.feasible}, connected {proposal.connected}, loads "
          f"{min(proposal.loads.values())}..{max(proposal.loads.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--jurors", type=int, default=300)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--criteria", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per step (the best is kept)")
    parser.add_argument("--postgres", help="a PostgreSQL URL: the bench works in a schema of its own there and drops "
                                           "only that schema")
    args = parser.parse_args()
    globals()["REPEAT"] = max(1, args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.sqlite", args)
    if args.postgres:
        run(args.postgres, args)


if __name__ == "__main__":
    main()
