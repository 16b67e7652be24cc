"""Fixtures: one app per run on SQLite (default) or PostgreSQL (--db=postgresql), tables emptied after each test,
factory fixtures that return callables, and helpers to sign in and read the outbox."""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select, text

from hackathon import create_app
from hackathon.accounts.models import User
from hackathon.accounts.services import hash_password, start_session
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db, limiter
from hackathon.mail import OutboxMessage

PASSWORD = "correct horse battery"


def session_user_id(user: User, *, remembered: bool = False) -> str:
    """What /login puts in the session for `user` ("<id>:<session key>" of a new device session), without
    paying for a password hash: for `session["_user_id"] = session_user_id(user)` in sign-in helpers."""
    start_session(user, remembered=remembered)
    return user.get_id()


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite",
                     help="database to run the suite on; postgresql reads TEST_DATABASE_URL")


def database_url(config, tmp_path_factory) -> str:
    if config.getoption("--db") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.exit("--db=postgresql needs TEST_DATABASE_URL", returncode=2)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def _app(request, tmp_path_factory):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url(request.config, tmp_path_factory),
                     UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")), SERVER_NAME="hackathon.test")
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    """DELETE (cheap on the many empty tables, unlike TRUNCATE's fixed cost per table on PostgreSQL), then
    restart the id sequences of the tables that had rows, so every test starts from id 1 on both databases."""
    postgresql = db.engine.dialect.name == "postgresql"
    for table in reversed(db.metadata.sorted_tables):
        deleted = db.session.execute(table.delete()).rowcount
        if postgresql and deleted and "id" in table.c:
            db.session.execute(text(f"ALTER SEQUENCE {table.name}_id_seq RESTART WITH 1"))
    db.session.commit()


@pytest.fixture
def app(_app):
    # The limiter is one object shared by every app a test creates (production ones switch it on).
    limiter.enabled = _app.config["RATELIMIT_ENABLED"]
    with _app.app_context():
        yield _app
        db.session.rollback()
        _empty_tables()
        db.session.remove()


class FreshGlobalsClient(FlaskClient):
    """Requests reuse the test's app context (and so its db.session, which tests read), so clear `g`
    before each request as a real server would: otherwise the signed-in user and per-request caches
    (stored on `g`) would leak from one request into the next."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def make_user(app, password_hash):
    counter = {"n": 0}

    def make(email: str | None = None, *, name: str | None = None, confirmed: bool = True, admin: bool = False,
             **profile) -> User:
        counter["n"] += 1
        user = User(email=email or f"user{counter['n']}@example.org", name=name or f"User {counter['n']}",
                    password_hash=password_hash, email_confirmed_at=utcnow() if confirmed else None,
                    is_admin=admin, skills=profile.pop("skills", []), **profile)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_event(app):
    counter = {"n": 0}

    def make(slug: str | None = None, **values) -> Event:
        counter["n"] += 1
        now = utcnow()
        defaults = dict(
            title=f"Event {counter['n']}", timezone="Asia/Bishkek", languages=["en", "ru", "ky"],
            min_team_size=1, max_team_size=5, is_published=True,
            applications_open_at=now - timedelta(days=1), applications_close_at=now + timedelta(days=10),
            hacking_starts_at=now + timedelta(days=20), submissions_close_at=now + timedelta(days=22),
            pitching_starts_at=now + timedelta(days=25), results_at=now + timedelta(days=26),
        )
        event = Event(slug=slug or f"event-{counter['n']}", **(defaults | values))
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def factories(app):
    """The shared factories of tests/factories.py (create_event(phase=...), create_team, create_submission, ...),
    for tests that prefer a fixture to an import."""
    from tests import factories

    return factories


@pytest.fixture
def grant(app):
    def grant(user: User, event: Event, *roles: Role) -> None:
        for role in roles:
            db.session.add(EventRole(user_id=user.id, event_id=event.id, role=role))
        db.session.commit()

    return grant


@pytest.fixture
def login(app):
    def login(client, user: User, password: str = PASSWORD, **extra):
        response = client.post("/login", data={"email": user.email, "password": password, **extra})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return login


@pytest.fixture
def outbox(app):
    """The mail queued so far, oldest first."""

    def read(to: str | None = None) -> list[OutboxMessage]:
        db.session.expire_all()
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        return list(db.session.scalars(query))

    return read


def link_in(message: OutboxMessage, path_prefix: str) -> str:
    """The site-relative path of the first link in a mail that starts with `path_prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s\"<]*)", message.body_text)
    assert match, f"no {path_prefix} link in: {message.body_text}"
    return match.group(1)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects every SQL statement the engine runs inside the block."""
    from tests.queries import recorded_statements

    return recorded_statements
