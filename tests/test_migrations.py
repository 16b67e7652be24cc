"""The migrations are the schema: an empty database upgraded to head matches the models exactly."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from hackathon import create_app
from hackathon.extensions import db


@pytest.fixture
def empty_database_url(request, tmp_path):
    if request.config.getoption("--db") == "postgresql":
        import os

        base = os.environ["TEST_DATABASE_URL"]
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS hackathon_migrations_test"))
            conn.execute(text("CREATE DATABASE hackathon_migrations_test"))
        yield base.rsplit("/", 1)[0] + "/hackathon_migrations_test"
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS hackathon_migrations_test WITH (FORCE)"))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"


def test_upgrade_to_head_matches_models(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"
        assert {"users", "events", "event_roles", "invitations", "audit_entries", "outbox_messages"} <= tables
        # And the way back works too, so a bad release can be rolled back.
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_0011_backfills_accepted_at(empty_database_url):
    """Applications decided before 0011 keep their acceptance: decided_at for those holding (or having given
    back) a place, confirmed_at for withdrawn ones that had confirmed; the others stay without one."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0010_form_nonces")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, name, password_hash, is_admin, is_active_account, skills, created_at, "
                "updated_at) "
                "VALUES (1, 'a@example.org', 'A', 'x', false, true, '[]', '2021-01-01', '2021-01-01')"))
            connection.execute(text(
                "INSERT INTO events (id, slug, title, description, timezone, languages, min_team_size, "
                "max_team_size, is_published, created_at, updated_at) VALUES (1, 'e', 'E', '', 'UTC', '[\"en\"]', "
                "1, 5, true, '2021-01-01', '2021-01-01')"))
            rows = [(1, "accepted", "2021-02-01", None), (2, "declined", "2021-02-02", None),
                    (3, "withdrawn", "2021-02-03", "2021-02-05"), (4, "withdrawn", "2021-02-04", None),
                    (5, "rejected", "2021-02-06", None), (6, "confirmed", "2021-02-07", "2021-02-08")]
            for number, status, decided, confirmed in rows:
                connection.execute(text(
                    "INSERT INTO applications (id, event_id, kind, user_id, status, looking_for_team, answers, "
                    "decided_at, confirmed_at, created_at, updated_at) VALUES (:id, 1, 'team', 1, :status, false, "
                    "'{}', :decided, :confirmed, '2021-01-01', '2021-01-01')"),
                    {"id": number, "status": status, "decided": decided, "confirmed": confirmed})
        upgrade()
        with db.engine.connect() as connection:
            accepted = {number: value for number, value in connection.execute(
                text("SELECT id, accepted_at FROM applications ORDER BY id"))}
        dates = {number: str(value)[:10] if value is not None else None for number, value in accepted.items()}
        assert dates == {1: "2021-02-01", 2: "2021-02-02", 3: "2021-02-05", 4: None, 5: None, 6: "2021-02-07"}
        downgrade(revision="base")
        db.engine.dispose()
