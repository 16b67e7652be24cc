"""Benchmark: an announcement to 3,000 people through the outbox.

Reports, for SQLite and (with --postgres URL) PostgreSQL:
  * the exact count of recipients shown on the preview (one query),
  * `send_announcement`: the claim, the audience query, 3,000 delivery rows and 3,000 mails rendered in each
    person's language and queued in the outbox, one commit (what the organiser's click waits for, less the first
    sends after the response),
  * draining the outbox with the log backend (`send_outbox` in batches of 500: claims and bookkeeping, no SMTP),
  * a second send and `send-due` afterwards (nobody mailed twice: both find nothing to do).

    .venv/bin/python bench/announcements.py
    .venv/bin/python bench/announcements.py --people 300
    .venv/bin/python bench/announcements.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test_a

On PostgreSQL it works in a schema of its own (see bench/common.py). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.common import engine_options_for  # noqa: E402
from hackathon import create_app  # noqa: E402
from hackathon.database import utcnow  # noqa: E402
from hackathon.extensions import db  # noqa: E402


def _world(people: int):
    """An event in three languages with `people` participants (a third each in en, ru, ky; every tenth opted out),
    inserted in bulk."""
    from hackathon.accounts.models import User
    from hackathon.announcements.models import AnnouncementPreference
    from hackathon.events.models import Event, EventRole, Role

    now = utcnow()
    event = Event(slug="bench", title="Bench event", timezone="Asia/Bishkek", languages=["en", "ru", "ky"],
                  is_published=True)
    organiser = User(email="organiser@bench.test", name="Organiser", password_hash="x", email_confirmed_at=now)
    db.session.add_all([event, organiser])
    db.session.flush()
    db.session.add(EventRole(event_id=event.id, user_id=organiser.id, role=Role.organiser))
    db.session.execute(insert(User), [
        {"email": f"p{n}@bench.test", "name": f"Person {n}", "password_hash": "x", "email_confirmed_at": now,
         "locale": ("en", "ru", "ky")[n % 3], "skills": [], "created_at": now, "updated_at": now,
         "is_admin": False, "is_active_account": True} for n in range(people)])
    ids = list(db.session.scalars(select(User.id).where(User.email.like("p%@bench.test"))))
    db.session.execute(insert(EventRole), [{"event_id": event.id, "user_id": i, "role": Role.participant,
                                            "created_at": now} for i in ids])
    db.session.execute(insert(AnnouncementPreference), [
        {"event_id": event.id, "user_id": i, "opted_out": True, "updated_at": now} for i in ids[::10]])
    db.session.commit()
    return event.id, organiser.id


def _timed(label: str, function):
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"  {label:<58} {seconds:8.2f} s")
    return result, seconds


def _measure(args) -> None:
    from hackathon.accounts.models import User
    from hackathon.announcements import services
    from hackathon.announcements.models import AnnouncementDelivery
    from hackathon.events.models import Event
    from hackathon.mail import OutboxMessage, OutboxStatus, send_outbox

    db.create_all()
    event_id, organiser_id = _world(args.people)
    event, organiser = db.session.get(Event, event_id), db.session.get(User, organiser_id)
    body = ("## The kickoff link changed\n\nJoin at **15:00** on https://meet.example.org/kickoff — the "
            "mentors' office hours follow.\n\n- bring your laptop\n- read the data guide\n")
    announcement = services.create_announcement(organiser, event, services.AnnouncementInput(
        title={"en": "Kickoff link changed", "ru": "Ссылка на старт изменилась", "ky": "Баштоо шилтемеси өзгөрдү"},
        body={"en": body, "ru": body, "ky": body}, essential=False))
    reach, _ = _timed("count of recipients (preview)", lambda: services.count_recipients(
        event, services.audience_of(announcement), essential=False))
    with current_request():
        sent, seconds = _timed(f"send_announcement to {reach.people} people (queue {reach.mailed} mails)",
                               lambda: services.send_announcement(organiser, announcement))
    print(f"    {sent.people / seconds:,.0f} recipients a second; {sent.mailed} mails queued, "
          f"{sent.people - sent.mailed} opted out")

    def drain():
        total = 0
        while True:
            done, failed = send_outbox(limit=500)
            total += done + failed
            if not done and not failed:
                return total
    total, seconds = _timed("outbox drained with the log backend (batches of 500)", drain)
    print(f"    {total / seconds:,.0f} mails a second")
    with current_request():
        _timed("the same announcement sent again (nothing to do)",
               lambda: services.send_announcement(organiser, announcement))
        _timed("send-due afterwards (nothing to do)", services.send_due)
    deliveries = db.session.scalar(select(func.count(AnnouncementDelivery.id)))
    mails = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.template == "announcement"))
    unsent = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status != OutboxStatus.sent))
    print(f"  deliveries {deliveries}, announcement mails {mails}, not sent {unsent}")
    assert deliveries == reach.people and mails == reach.mailed and unsent == 0


class current_request:
    """A request context for url_for(_external=True), as the organiser's click or the CLI (SERVER_NAME) has."""

    def __enter__(self):
        from flask import current_app

        self.context = current_app.test_request_context("/", base_url="https://hackathon.example.org")
        self.context.push()

    def __exit__(self, *exc):
        self.context.pop()


def run(url: str, args) -> None:
    print(f"{url.split('://')[0]}:")
    with engine_options_for(url) as engine_options:
        _run(url, args, engine_options)


def _run(url: str, args, engine_options: dict) -> None:
    import logging

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options,
                     MAIL_BACKEND="log")
    logging.getLogger("hackathon.mail").setLevel(logging.WARNING)  # the log backend would print every mail
    with app.app_context():
        try:
            _measure(args)
        finally:
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--postgres", help="a PostgreSQL URL: the bench works in a schema of its own there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.sqlite", args)
    if args.postgres:
        run(args.postgres, args)


if __name__ == "__main__":
    main()
