"""Shared helpers and fixtures of the submission tests. Use with `from tests.submissions_support import *`
(the fixtures `client_for`, `subs` and `files_dir` come with it)."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.applications.models import Application, ApplicationKind
from hackathon.database import utcnow
from hackathon.events.models import Role, Track
from hackathon.extensions import db
from hackathon.submissions.models import Submission, SubmissionSettings
from tests.test_challenges import (LOGIN, XSS, add_team, assign, count, counting_queries,  # noqa: F401
                                   reset_caches, sign_in, text)

VISITORS = ("anonymous", "stranger", "applicant", "participant", "teammate", "other_participant", "mentor", "juror",
            "reviewer", "organiser", "other_organiser", "admin")
SIGNED_IN = VISITORS[1:]
TEAM = ("participant", "teammate")
ORGANISERS = ("organiser", "admin")


def statuses(default, **special) -> dict:
    """Expected status per visitor: `default` for everyone signed in, sign-in redirect for the anonymous."""
    table = dict.fromkeys(VISITORS, default) | {"anonymous": LOGIN}
    table.update(special)
    return table


def submission_times(now=None, *, closes_in=timedelta(days=1)) -> dict:
    """An event in its hacking phase whose submissions close `closes_in` from now (negative: already closed)."""
    now = now or utcnow()
    closes_at = now + closes_in
    return dict(applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(days=20),
                hacking_starts_at=min(now, closes_at) - timedelta(days=2), submissions_close_at=closes_at,
                pitching_starts_at=max(now, closes_at) + timedelta(days=2),
                results_at=max(now, closes_at) + timedelta(days=3))


def png_bytes(width: int = 40, height: int = 30, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes(text_line: str = "Pitch deck") -> bytes:
    """A small valid one-page PDF."""
    from hackathon.submissions.files import minimal_pdf  # provided by files.py (used by the demo too)

    return minimal_pdf([text_line])


def walk(world, client_for, method, path, data, expected):
    """Send the request as every kind of visitor; POSTs get fresh objects from world.reset() each time."""
    for visitor in VISITORS:
        ids = world.reset() if method == "POST" else world.ids
        url = path.format(**ids)
        client = client_for(world.users.get(visitor))
        payload = data(ids) if callable(data) else (data or {})
        response = client.get(url) if method == "GET" else client.post(url, data=payload)
        want = expected[visitor]
        if want == LOGIN:
            assert response.status_code == 302 and response.location.startswith("/login?next="), (visitor, url)
        else:
            assert response.status_code == want, (visitor, method, url, response.status_code)


@pytest.fixture
def client_for(app):
    def make(user: User | None = None):
        client = app.test_client()
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def files_dir(app, tmp_path):
    """Local file storage in a temporary folder for this test."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["UPLOAD_STORAGE"] = "local"
    return tmp_path / "uploads"


@pytest.fixture
def subs(make_event, make_user, grant, files_dir):
    """An event ("hack") in hacking with submissions open one more day, two tracks, and every visitor: the two
    members of accepted team "Taza Suu" (participant, teammate), a member of another accepted team "Clean Air"
    (other_participant), the mentor of Taza Suu, a juror, the organiser, an organiser of another event, an admin
    and a stranger. `subs.settings` is the event's SubmissionSettings; `subs.ids` holds ids for URL templates
    and `subs.reset()` may be replaced by a test module to make fresh objects before each POST."""
    w = type("SubmissionWorld", (), {})()
    event = make_event("hack", **submission_times())
    w.event = event
    db.session.add_all([Track(event_id=event.id, name="Water", position=1),
                        Track(event_id=event.id, name="Air", position=2)])
    db.session.commit()
    w.tracks = list(db.session.scalars(select(Track).where(Track.event_id == event.id).order_by(Track.position)))
    w.users = {name: make_user(name=name.replace("_", " ").title(), admin=(name == "admin")) for name in SIGNED_IN}
    u = w.users
    grant(u["mentor"], event, Role.mentor)
    grant(u["juror"], event, Role.juror)
    grant(u["reviewer"], event, Role.reviewer)
    grant(u["organiser"], event, Role.organiser)
    grant(u["other_organiser"], make_event("other-event", **submission_times()), Role.organiser)
    db.session.add(Application(event_id=event.id, kind=ApplicationKind.individual, user_id=u["applicant"].id,
                               individual_user_id=u["applicant"].id, answers={}))  # a draft, no role
    w.team = add_team(event, "Taza Suu", u["participant"], u["teammate"])
    w.other_team = add_team(event, "Clean Air", u["other_participant"])
    assign(event, w.team, u["mentor"])
    w.settings = SubmissionSettings(event_id=event.id)
    db.session.add(w.settings)
    db.session.commit()
    w.ids = {"team": w.team.id, "other_team": w.other_team.id}
    w.reset = lambda: w.ids
    reset_caches()
    return w


def submission_of(team) -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(select(Submission).where(Submission.team_id == team.id))
