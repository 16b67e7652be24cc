"""Benchmark: importing 50,000 applicants from one CSV (the most APPLICANT_IMPORT_MAX_ROWS allows), and importing
the same file again (nothing changes), on SQLite and (with --postgres URL) PostgreSQL.

    .venv/bin/python bench/applicant_import.py
    .venv/bin/python bench/applicant_import.py --rows 10000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench_f

On PostgreSQL it works in a schema of its own (bench/common.py). Not part of the test suite: its figures depend on
the machine.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import own_schema  # noqa: E402
from hackathon import create_app  # noqa: E402
from hackathon.extensions import db  # noqa: E402


def _measure(rows: int) -> None:
    from hackathon.applications import import_service
    from hackathon.applications.models import ApplicationQuestion, QuestionKind
    from hackathon.events.models import Event

    db.create_all()
    event = Event(slug="bench-import", title="Bench", timezone="UTC", languages=["en"])
    db.session.add(event)
    db.session.flush()
    db.session.add_all([
        ApplicationQuestion(event_id=event.id, position=1, kind=QuestionKind.short_text, required=True,
                            label={"en": "Why do you apply?"}),
        ApplicationQuestion(event_id=event.id, position=2, kind=QuestionKind.single_choice, label={"en": "Track"},
                            options=[{"value": "w", "label": {"en": "Water"}}, {"value": "a", "label": {"en": "Air"}}]),
    ])
    db.session.commit()
    body = ("Email,Name,Why do you apply?,Track\n" + "".join(
        f"person{i}@example.org,Person {i},Reason {i},{'Water' if i % 2 else 'Air'}\n" for i in range(rows))).encode()
    started = time.perf_counter()
    report = import_service.import_applicants(None, event, io.BytesIO(body))
    first = time.perf_counter() - started
    assert report.ok and report.applications_created == rows, report
    started = time.perf_counter()
    again = import_service.import_applicants(None, event, io.BytesIO(body))
    second = time.perf_counter() - started
    assert again.unchanged == rows and not again.written
    print(f"  {rows:,} rows: first import {first:.1f} s, the same file again {second:.1f} s (nothing changes)")


def run(url: str, rows: int, engine_options: dict) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options,
                     MAIL_BACKEND="log", SERVER_NAME="hackathon.test")
    with app.app_context():
        try:
            _measure(rows)
        finally:
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL: the bench works in a schema of its own there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite:")
        run(f"sqlite:///{folder}/bench.sqlite", args.rows, {})
    if args.postgres:
        print("postgresql:")
        with own_schema(args.postgres) as engine_options:
            run(args.postgres, args.rows, engine_options)


if __name__ == "__main__":
    main()
