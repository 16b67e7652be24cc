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
