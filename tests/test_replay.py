"""The one-time value of a create form is claimed in the database: the same form sent twice, one after the other
or at the same instant, makes one object; a refused or failed send leaves the value usable; odd values are
ignored. (The sequential journeys are in test_wording.py.)"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hackathon import replay
from hackathon.database import utcnow
from hackathon.events.models import Role, Track
from hackathon.extensions import db
from hackathon.replay import FormNonce
from tests.test_challenges import sign_in, text
from tests.test_wording import once_value

TRACKS = "/events/civic/tracks"
MESSAGE = "This form was already sent, so it was not sent again"


@pytest.fixture
def organiser(make_event, make_user, grant):
    event = make_event("civic")
    user = make_user()
    grant(user, event, Role.organiser)
    return user


def tracks() -> int:
    db.session.rollback()  # see what the requests' own connections committed
    return db.session.scalar(select(func.count(Track.id)))


def claims() -> list[FormNonce]:
    db.session.rollback()
    return list(db.session.scalars(select(FormNonce)))


def fresh_nonce(client) -> str:
    return once_value(client.get(TRACKS).get_data(as_text=True))


def test_a_create_keeps_its_claim_with_where_it_led(client, organiser):
    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    assert client.post(TRACKS, data={"name": "Clean air", "_once": nonce}).status_code == 302
    [claim] = claims()
    assert (claim.nonce, claim.user_id, claim.location) == (nonce, organiser.id, TRACKS)


def test_a_refused_create_releases_its_claim(client, organiser):
    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    assert client.post(TRACKS, data={"name": "", "_once": nonce}).status_code == 200
    assert claims() == []
    assert client.post(TRACKS, data={"name": "Water", "_once": nonce}).status_code == 302
    assert tracks() == 1


def test_a_send_after_the_session_ended_does_not_use_up_the_value(client, organiser):
    """Signed out meanwhile: the form goes to the sign-in page, and after signing in it can be sent again."""
    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    client.post("/logout")
    response = client.post(TRACKS, data={"name": "Water", "_once": nonce})
    assert response.status_code == 302 and response.location.startswith("/login")
    assert claims() == []
    sign_in(client, organiser)
    assert client.post(TRACKS, data={"name": "Water", "_once": nonce}).status_code == 302
    assert tracks() == 1


def test_a_create_that_raised_releases_its_claim(client, organiser, monkeypatch):
    from hackathon.events import services

    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    real = services.add_track

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "add_track", broken)
    assert client.post(TRACKS, data={"name": "Water", "_once": nonce}).status_code == 500
    assert claims() == []
    monkeypatch.setattr(services, "add_track", real)
    assert client.post(TRACKS, data={"name": "Water", "_once": nonce}).status_code == 302
    assert tracks() == 1


def test_a_request_torn_down_by_an_exception_releases_its_claim(app):
    """The error page normally answers (and settle_claim releases); teardown covers what escapes even that."""
    from flask import g

    with db.engine.begin() as connection:
        connection.execute(FormNonce.__table__.insert().values(nonce="abc", claimed_at=utcnow()))
    with app.test_request_context(TRACKS, method="POST"):
        g.form_nonce = "abc"
        replay.release_claim(RuntimeError("escaped"))
    assert claims() == []


def test_a_send_while_the_first_is_still_in_progress_goes_back_to_the_form(client, organiser):
    """The first request has claimed the value but not answered yet: the second creates nothing and is sent back
    to the page it came from (or, without a referrer on this site, to the form's address) with the message."""
    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    with db.engine.begin() as connection:  # as the first request's claim looks until it answers
        connection.execute(FormNonce.__table__.insert().values(nonce=nonce, user_id=organiser.id,
                                                               claimed_at=utcnow()))
    response = client.post(TRACKS, data={"name": "Water", "_once": nonce},
                           headers={"Referer": "http://hackathon.test/events/civic/tracks?from=list"})
    assert response.status_code == 303 and response.location == "/events/civic/tracks?from=list"
    response = client.post(TRACKS, data={"name": "Water", "_once": nonce},
                           headers={"Referer": "https://elsewhere.example/events/civic/tracks"})
    assert response.status_code == 303 and response.location == TRACKS
    assert tracks() == 0
    assert MESSAGE in text(client.get(TRACKS))


def test_another_persons_value_makes_no_duplicate_and_does_not_lead_to_their_object(client, app, organiser,
                                                                                      make_user, grant):
    from hackathon.events.models import Event

    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    client.post(TRACKS, data={"name": "Water", "_once": nonce})
    other = make_user()
    grant(other, db.session.scalar(select(Event)), Role.organiser)
    stranger = app.test_client()
    sign_in(stranger, other)
    response = stranger.post(TRACKS, data={"name": "Water", "_once": nonce})
    assert response.status_code == 303 and response.location == TRACKS
    assert tracks() == 1


@pytest.mark.parametrize("value", ["x" * 100_000, "<script>", "слово", "a b", "a" * 41])
def test_an_odd_value_is_ignored(client, organiser, value):
    sign_in(client, organiser)
    assert client.post(TRACKS, data={"name": "Water", "_once": value}).status_code == 302
    assert tracks() == 1 and claims() == []


def test_old_claims_are_pruned_by_new_ones(client, organiser, monkeypatch):
    now = utcnow()
    with db.engine.begin() as connection:
        connection.execute(FormNonce.__table__.insert(), [
            {"nonce": "old", "claimed_at": now - timedelta(days=3), "location": TRACKS},
            {"nonce": "recent", "claimed_at": now - timedelta(days=1), "location": TRACKS},
        ])
    monkeypatch.setattr(replay, "PRUNE_EVERY", 1)
    sign_in(client, organiser)
    nonce = fresh_nonce(client)
    client.post(TRACKS, data={"name": "Water", "_once": nonce})
    assert sorted(claim.nonce for claim in claims()) == sorted(["recent", nonce])
    assert replay.prune_nonces(now=now + timedelta(days=1, hours=12)) == 1


def test_the_same_form_sent_twice_at_the_same_instant_makes_one_track(app, organiser, request):
    """A double click on a slow connection: two requests with one value, each in its own connection, at once."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL; the sequential test covers SQLite")
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        sign_in(client, organiser)
    nonce = fresh_nonce(clients[0])
    db.session.remove()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client) -> None:
        barrier.wait()
        statuses.append(client.post(TRACKS, data={"name": "Clean air", "_once": nonce}).status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 303]
    assert tracks() == 1
