"""Who may use each personal-data route (every kind of visitor), and the pages' journeys."""
from __future__ import annotations

import pytest

from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import statuses, walk

ROUTES = [
    # A person's own data: no URL names a person, so everyone signed in gets their own.
    ("GET", "/account/data.json", None, statuses(200)),
    ("GET", "/account/data.zip", None, statuses(200)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(subs, client_for, method, path, data, expected):
    walk(subs, client_for, method, path, data, expected)
