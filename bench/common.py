"""What the benchmarks share: a PostgreSQL schema of their own for the run, so that the database's own tables are
never touched."""
from __future__ import annotations

import secrets
from contextlib import contextmanager, nullcontext

from sqlalchemy import create_engine, text


@contextmanager
def own_schema(url: str):
    """A fresh schema on the PostgreSQL database at `url`, dropped (with everything in it) on the way out, even
    after an error. Yields the engine options that put every connection's search_path on it."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        print(f"  (working in schema {schema}; the database's own tables are not touched)")
        try:
            yield {"connect_args": {"options": f"-c search_path={schema}"}}
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def engine_options_for(url: str):
    """A context giving the engine options a benchmark runs with at `url`: a schema of its own on PostgreSQL
    (own_schema), nothing to add on SQLite."""
    return own_schema(url) if url.startswith("postgresql") else nullcontext({})
