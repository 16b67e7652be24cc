"""Counting the SQL statements a page or a function sends, for the tests that check a page does a constant
number of queries whatever the size of the event."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event as sa_event

from hackathon.extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Within the block, every statement sent to the database is appended to the list it yields."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
