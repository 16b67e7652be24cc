"""Who may use each personal-data route (every kind of visitor), and the pages' journeys."""
from __future__ import annotations

import pytest

from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import statuses, walk

ROUTES = [
    # A person's own data: no URL names a person, so everyone signed in gets their own.
    ("GET", "/account/data.json", None, statuses(200)),
    ("GET", "/account/data.zip", None, statuses(200)),
    # The erasure page is anyone's own; the organiser (only organiser of "hack") and the admin (only admin) are
    # told what to hand over first. A POST without the password erases nothing (the form is shown again).
    ("GET", "/account/delete", None, statuses(200)),
    ("POST", "/account/delete", lambda ids: {"password": "wrong password", "understood": "y"}, statuses(200)),
    # Nobody has a changed data policy to accept here: the page says so, a sent form goes on.
    ("GET", "/account/consent", None, statuses(200)),
    ("POST", "/account/consent", lambda ids: {"accept": "y"}, statuses(302)),
    # The event's retention period and request counts: its organisers and site admins.
    ("GET", "/events/hack/privacy", None, statuses(403, organiser=200, admin=200)),
    ("POST", "/events/hack/privacy", lambda ids: {"retention_months": "18"}, statuses(403, organiser=302, admin=302)),
    ("GET", "/events/no-such-event/privacy", None, statuses(404, anonymous=404)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(subs, client_for, method, path, data, expected):
    walk(subs, client_for, method, path, data, expected)
