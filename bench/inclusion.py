"""Benchmark: the inclusion funnel at demo size (about 210 people, 40 teams) and at 3,000 people / 500 teams.

Reports, for SQLite and (with --postgres URL) PostgreSQL, the median of REPEAT runs (demo and large size taken
in turn, so that the machine's drift weighs on both alike) of:
  * load_funnel(event): the SQL aggregates and the Funnel built from them,
  * the dashboard page end to end, in-process (GET /events/<slug>/inclusion through the test client, signed in
    as an organiser: routing, access, the loader, labels, charts, the template),
  * the report for donors, PDF and CSV (GET /events/<slug>/inclusion/report-en.pdf|.csv),
and the ratio large / demo size of each (target for the page and the report: at most 1.5x). The synthetic events reach every stage: team and
individual applications in every status (a withdrawal after acceptance, merged individuals, drafts), mentors,
submitted and draft projects, a published shortlist and pitch schedule, published results with awards.

    .venv/bin/python bench/inclusion.py                       # SQLite in a temporary file
    .venv/bin/python bench/inclusion.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench_f
    .venv/bin/python bench/inclusion.py --repeat 5

On PostgreSQL it works in a schema of its own (bench_<random>, made at the start, dropped with everything in it
at the end, even after an error), as bench/judging.py does: the database's own tables are never touched.

Not part of the test suite: its figures depend on the machine.
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
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.common import engine_options_for  # noqa: E402
from hackathon import create_app  # noqa: E402
from hackathon.database import utcnow  # noqa: E402
from hackathon.extensions import db  # noqa: E402

REPEAT = 15
REGIONS = ("bishkek", "osh_city", "batken", "chuy", "issyk_kul", "jalal_abad", "naryn", "osh", "talas", "abroad")
COUNTRIES = ("KG",) * 8 + ("RU", "TR", "KZ", "DE", "US")


def measure_pair(label: str, demo, large) -> tuple[float, float]:
    """Medians of REPEAT timed runs of `demo` and of `large` (after one warm-up run of each), taken in turn so
    that the machine's drift (this 2-core machine is noisy) weighs on both sizes alike; printed with the best."""
    demo()
    large()
    times: dict[str, list[float]] = {"demo": [], "large": []}
    for _attempt in range(REPEAT):
        for size, function in (("demo", demo), ("large", large)):
            db.session.expire_all()
            gc.collect()
            started = time.perf_counter()
            function()
            times[size].append(time.perf_counter() - started)
    medians = []
    for size in ("demo", "large"):
        runs = sorted(times[size])
        medians.append(runs[len(runs) // 2])
        print(f"  {label + ', ' + size + ' size':<48} median {runs[len(runs) // 2] * 1000:8.1f} ms   "
              f"(best {runs[0] * 1000:.1f})")
    return medians[0], medians[1]


def build(teams: int, individuals: int, seed: int):
    """A synthetic event with `teams` teams of 5 (team applications) and `individuals` individual applications;
    returns (event, organiser). Bulk inserts: building is not what is measured."""
    from hackathon.accounts.models import User
    from hackathon.applications.models import Application
    from hackathon.events.models import Event, EventRole, Role
    from hackathon.judging.models import JudgingRound, PitchSchedule, PitchSlot, ShortlistEntry
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.results.models import ResultSettings
    from hackathon.submissions.models import Submission
    from hackathon.teams.models import Team, TeamMember

    rng = random.Random(seed)
    now = utcnow()
    tag = secrets.token_hex(3)
    event = Event(slug=f"bench-{tag}", title="Bench", timezone="Asia/Bishkek", languages=["en", "ru", "ky"],
                  applications_open_at=now - timedelta(days=60), applications_close_at=now - timedelta(days=40),
                  hacking_starts_at=now - timedelta(days=30), submissions_close_at=now - timedelta(days=28),
                  pitching_starts_at=now - timedelta(days=27), results_at=now - timedelta(days=26))
    db.session.add(event)
    db.session.flush()

    def profile(number: int) -> dict:
        blank = rng.random() < 0.05
        return {"email": f"p{number}-{tag}@bench.test", "name": f"Person {number}", "password_hash": "x",
                "skills": [], "locale": None if blank else rng.choice(["en", "ru", "ky"]),
                "year_of_birth": None if blank else rng.randrange(1960, 2008),
                "gender": None if blank else rng.choice(["female", "male", "male", "female", "other", "undisclosed"]),
                "region": None if blank else rng.choice(REGIONS),
                "country": None if blank else rng.choice(COUNTRIES),
                "background": None if blank else rng.choice(["it", "non_it"]),
                "first_hackathon": None if blank else rng.random() < 0.5}

    people = teams * 5 + individuals
    db.session.execute(insert(User), [profile(n) for n in range(people)] + [
        {"email": f"organiser-{tag}@bench.test", "name": "Organiser", "password_hash": "x", "skills": []},
        {"email": f"mentor-{tag}@bench.test", "name": "Mentor", "password_hash": "x", "skills": []}])
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"%-{tag}@bench.test")).order_by(User.id)))
    user_ids, organiser_id, mentor_id = ids[:people], ids[people], ids[people + 1]
    db.session.execute(insert(EventRole), [{"event_id": event.id, "user_id": organiser_id, "role": Role.organiser,
                                            "created_at": now},
                                           {"event_id": event.id, "user_id": mentor_id, "role": Role.mentor,
                                            "created_at": now}])
    db.session.execute(insert(Team), [{"event_id": event.id, "name": f"Team {i}", "name_key": f"team {i}",
                                       "join_code": secrets.token_hex(8), "idea": "", "wanted_skills": [],
                                       "member_count": 5, "captain_id": user_ids[i * 5]} for i in range(teams)])
    team_ids = list(db.session.scalars(select(Team.id).where(Team.event_id == event.id).order_by(Team.id)))
    db.session.execute(insert(TeamMember), [{"event_id": event.id, "team_id": team_id, "user_id": user_ids[i * 5 + m],
                                             "joined_at": now} for i, team_id in enumerate(team_ids)
                                            for m in range(5)])
    team_status = ["confirmed"] * 6 + ["accepted", "rejected", "waitlisted", "declined"]
    applications, confirmed = [], []
    for i, team_id in enumerate(team_ids):
        status = team_status[i % len(team_status)]
        if status == "confirmed":
            confirmed.append(team_id)
        applications.append({"event_id": event.id, "kind": "team", "user_id": user_ids[i * 5], "team_id": team_id,
                             "status": status, "looking_for_team": False, "answers": {}, "submitted_at": now,
                             "decided_at": now, "created_at": now, "updated_at": now,
                             "accepted_at": now if status in ("confirmed", "accepted", "declined") else None,
                             "confirmed_at": now if status == "confirmed" else None})
    individual_status = ["submitted", "rejected", "accepted", "confirmed", "withdrawn", "merged", "draft", "lapsed"]
    for n in range(individuals):
        status = individual_status[n % len(individual_status)]
        user_id = user_ids[teams * 5 + n] if status != "merged" else user_ids[(n * 5) % (teams * 5)]
        applications.append({"event_id": event.id, "kind": "individual", "user_id": user_id,
                             "individual_user_id": user_id, "status": status, "looking_for_team": False,
                             "answers": {}, "submitted_at": None if status == "draft" else now,
                             "created_at": now, "updated_at": now,
                             "accepted_at": (now if status in ("accepted", "confirmed", "withdrawn", "lapsed")
                                             else None)})
    db.session.execute(insert(Application), applications)
    mentored = [team_id for team_id in confirmed if rng.random() < 0.85]
    db.session.execute(insert(MentorAssignment), [{"event_id": event.id, "team_id": team_id, "mentor_id": mentor_id,
                                                   "reasons": {}, "created_at": now} for team_id in mentored])
    db.session.execute(insert(Submission), [
        {"event_id": event.id, "team_id": team_id, "status": "submitted" if rng.random() < 0.9 else "draft",
         "title": f"Project {team_id}", "technologies": [], "credited_user_ids": [], "lock_version": 1,
         "submitted_at": now, "created_at": now, "updated_at": now} for team_id in confirmed])
    submitted = list(db.session.scalars(select(Submission.id).where(Submission.event_id == event.id,
                                                                    Submission.status == "submitted")
                                        .order_by(Submission.id)))
    shortlist = submitted[: max(1, len(submitted) // 3)]
    judging_round = JudgingRound(event_id=event.id, name={"en": "Final"}, shortlist_published_at=now)
    db.session.add(judging_round)
    db.session.flush()
    db.session.execute(insert(ShortlistEntry), [{"round_id": judging_round.id, "submission_id": s, "position": i,
                                                 "origin": "proposed", "reason": "", "created_at": now}
                                                for i, s in enumerate(shortlist)])
    db.session.add(PitchSchedule(round_id=judging_round.id, starts_at=now, published_at=now))
    db.session.execute(insert(PitchSlot), [{"round_id": judging_round.id, "submission_id": s, "position": i,
                                            "session": 1, "starts_at": now, "pitch_ends_at": now, "ends_at": now}
                                           for i, s in enumerate(shortlist)])
    db.session.add(ResultSettings(event_id=event.id, published_at=now, snapshot={
        "version": 1, "ranking": [{"project_id": s, "rank": i + 1} for i, s in enumerate(shortlist)],
        "awards": [{"id": i, "kind": "place", "place": i + 1, "name": {"en": f"Place {i + 1}"},
                    "winners": [{"project_id": s}]} for i, s in enumerate(shortlist[:5])]}))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would after a bulk change: without statistics the planner takes every table for one row.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return event, db.session.get(User, organiser_id)


def run(url: str, args) -> None:
    with engine_options_for(url) as engine_options:
        _run(url, args, engine_options)


def _run(url: str, args, engine_options: dict) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options,
                     SERVER_NAME="hackathon.test")
    with app.app_context():
        try:
            _measure_all(app, url, args)
        finally:
            db.session.remove()
            db.engine.dispose()


def _measure_all(app, url: str, args) -> None:
    from flask import g

    from hackathon.accounts.services import start_session
    from hackathon.applications.inclusion import load_funnel
    from hackathon.events.models import Event

    db.create_all()
    print(f"{url.split('://')[0]}: demo size ({args.small_teams} teams) against {args.teams} teams")
    sizes = {}
    for size, (teams, individuals) in (("demo", (args.small_teams, args.small_individuals)),
                                       ("large", (args.teams, args.individuals))):
        event, organiser = build(teams, individuals, args.seed)
        funnel = load_funnel(event)
        print(f"  {size}: {funnel.total('applied').people} people, {funnel.total('applied').teams} teams applied; "
              f"awarded {funnel.total('awarded').people} people")
        client = app.test_client()
        with client.session_transaction() as session:
            start_session(organiser)
            session["_user_id"] = organiser.get_id()
        db.session.commit()
        sizes[size] = (event.id, event.slug, client)

    def loader(size: str):
        return lambda: load_funnel(db.session.get(Event, sizes[size][0]))

    def get(size: str, path: str):
        _event_id, slug, client = sizes[size]

        def fetch():
            g.__dict__.clear()
            response = client.get(path.format(slug=slug))
            assert response.status_code == 200, response.status_code
            return response
        return fetch

    steps = {"load_funnel": (loader("demo"), loader("large")),
             "dashboard page in-process": (get("demo", "/events/{slug}/inclusion"),
                                           get("large", "/events/{slug}/inclusion")),
             "report PDF (en)": (get("demo", "/events/{slug}/inclusion/report-en.pdf"),
                                 get("large", "/events/{slug}/inclusion/report-en.pdf")),
             "report CSV (en)": (get("demo", "/events/{slug}/inclusion/report-en.csv"),
                                 get("large", "/events/{slug}/inclusion/report-en.csv"))}
    ratios = {}
    for label, (demo, large) in steps.items():
        demo_time, large_time = measure_pair(label, demo, large)
        ratios[label] = large_time / demo_time
    for size in ("demo", "large"):
        page = get(size, "/events/{slug}/inclusion")()
        report = get(size, "/events/{slug}/inclusion/report-en.pdf")()
        print(f"  {size}: page {len(page.data) / 1000:.1f} kB, report {len(report.data) / 1000:.1f} kB")
    for label, ratio in ratios.items():
        print(f"  {'ratio large / demo, ' + label:<48} {ratio:8.2f} x   (target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--individuals", type=int, default=500)
    parser.add_argument("--small-teams", type=int, default=40)
    parser.add_argument("--small-individuals", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per step (the median is kept)")
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
