"""Two-factor sign-in through the test client: setting it up, signing in with a code (right, wrong, replayed,
a recovery code twice), the rate limit and the lock, turning it off, the requirement for admins and organisers,
the sessions list, and who may open each new route."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import func, select

from hackathon import create_app
from hackathon.accounts import two_factor
from hackathon.accounts import two_factor_services as tf
from hackathon.accounts.models import User, UserSession
from hackathon.accounts.two_factor_models import RecoveryCode, TwoFactorCredential
from hackathon.audit import AuditEntry
from hackathon.events.models import Event, Role
from hackathon.extensions import db, limiter
from tests.conftest import PASSWORD
from tests.test_two_factor_unit import NOON

PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile"
LAPTOP_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    """Rate limits stay off here unless a test turns them on (the limiter is shared by every app in the run)."""
    monkeypatch.setattr(limiter, "enabled", False)


@pytest.fixture
def new_client(app):
    """Make a separate browser (another device): its own cookies, its own session."""
    return app.test_client


@pytest.fixture
def clock(monkeypatch):
    """The time two-factor codes are checked at, from a step boundary; `advance(seconds)` moves it on."""
    state = SimpleNamespace(now=NOON)
    monkeypatch.setattr(tf, "utcnow", lambda: state.now)

    def advance(seconds: float) -> None:
        state.now += timedelta(seconds=seconds)

    state.advance = advance
    return state


def text(response) -> str:
    return response.get_data(as_text=True)


def redirect_path(response) -> str:
    assert response.status_code in (301, 302, 303), (response.status_code, text(response)[:500])
    parts = urlsplit(response.location)
    assert parts.netloc in ("", "hackathon.test"), response.location
    return parts.path + (f"?{unquote(parts.query)}" if parts.query else "")


def signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert redirect_path(response).startswith("/login"), response.location
    return False


def first_error(page: str) -> str:
    match = re.search(r'class="field-error">([^<]*)<', page)
    return match.group(1) if match else ""


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+" role="\w+">([^<]*)</p>', page)


def credential(user: User) -> TwoFactorCredential | None:
    db.session.expire_all()
    return db.session.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))


def code(secret: str, clock, offset_steps: int = 0) -> str:
    return two_factor.code_at_step(secret, two_factor.time_step(clock.now) + offset_steps)


def enrol(client, clock, *, next_url: str | None = None) -> SimpleNamespace:
    """Turn two-factor sign-in on for the signed-in client: read the key off the page, type its code back;
    returns the key, the recovery codes shown and the page. The clock moves on a step afterwards."""
    page = text(client.get("/account/two-factor" + (f"?next={next_url}" if next_url else "")))
    secret = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    action = re.search(r'action="(/account/two-factor/confirm[^"]*)"', page).group(1).replace("&amp;", "&")
    response = client.post(action, data={"code": code(secret, clock)})
    assert response.status_code == 200, text(response)[:2000]
    codes_page = text(response)
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", codes_page)
    clock.advance(30)
    return SimpleNamespace(secret=secret, codes=codes, page=codes_page)


def password_step(client, user: User, **extra) -> None:
    """The password part of sign-in, for an account with two-factor on: the code page comes next."""
    query = extra.pop("query", "")
    response = client.post("/login" + query, data={"email": user.email, "password": PASSWORD, **extra})
    assert redirect_path(response) == "/login/two-factor"


def sign_in_with_code(client, user: User, secret: str, clock, **extra):
    password_step(client, user, **extra)
    response = client.post("/login/two-factor", data={"code": code(secret, clock)})
    clock.advance(30)
    return response


@pytest.fixture
def enrolled(client, make_user, login, clock):
    """Ada, with two-factor sign-in on, signed out again."""
    user = make_user("ada@example.org")
    login(client, user)
    result = enrol(client, clock)
    client.post("/logout")
    assert not signed_in(client)
    result.user = user
    return result


# --- Setting it up ------------------------------------------------------------------------------------------------


def test_setting_it_up_shows_a_qr_code_and_the_key_then_ten_recovery_codes_once(client, make_user, login, clock):
    user = make_user("ada@example.org")
    login(client, user)
    assert "Two-factor sign-in is off." in text(client.get("/account"))
    page = text(client.get("/account/two-factor"))
    assert '<img src="data:image/svg+xml;' in page and 'alt="QR code for your authenticator app' in page
    assert "<script" not in page
    secret = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32
    # Reloading keeps the same key (the phone may have scanned it already); sign-in does not ask for codes yet.
    assert secret in text(client.get("/account/two-factor")).replace(" ", "")
    assert credential(user).confirmed_at is None and not tf.is_enabled(user)

    response = client.post("/account/two-factor/confirm", data={"code": code(secret, clock, 5)})
    assert response.status_code == 200
    assert first_error(text(response)).startswith("That code is not right.")
    assert credential(user).confirmed_at is None

    result = enrol(client, clock)
    assert result.secret == secret
    assert len(result.codes) == 10 == len(set(result.codes))
    assert "they will not be shown again" in result.page
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(result.codes) & set(stored)
    assert all(c.replace("-", "") not in h for c in result.codes for h in stored)
    assert credential(user).confirmed_at == NOON
    assert "Two-factor sign-in is on." in text(client.get("/account"))
    # The codes are never shown again, and the key is no longer on the page.
    page = text(client.get("/account/two-factor"))
    assert not any(c in page for c in result.codes) and "two-factor-key" not in page
    assert "10 unused recovery codes are left." in page
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)) == "two_factor.enable"


def test_pages_with_the_key_or_the_codes_are_never_cached(client, make_user, login, clock):
    login(client, make_user())
    assert client.get("/account/two-factor").headers["Cache-Control"] == "no-store"
    page = text(client.get("/account/two-factor"))
    secret = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post("/account/two-factor/confirm", data={"code": code(secret, clock)})
    assert "they will not be shown again" in text(response) and response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in (client.get("/account").headers.get("Cache-Control") or "")


def test_a_new_key_can_be_made_before_it_is_confirmed(client, make_user, login, clock):
    user = make_user()
    login(client, user)
    text(client.get("/account/two-factor"))
    first = credential(user).secret
    assert redirect_path(client.post("/account/two-factor/restart")) == "/account/two-factor"
    client.get("/account/two-factor")
    assert credential(user).secret != first


def test_a_key_that_is_on_is_never_replaced_by_restart(client, enrolled, login, clock):
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    client.post("/account/two-factor/restart")
    assert credential(enrolled.user).secret == enrolled.secret and tf.is_enabled(enrolled.user)


# --- Signing in -----------------------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_and_signs_in_only_when_it_is_right(client, enrolled, clock):
    user = enrolled.user
    sessions_before = db.session.scalar(select(func.count()).select_from(UserSession))
    password_step(client, user)
    # Half-way: not signed in, no session started.
    assert not signed_in(client)
    password_step(client, user)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == sessions_before
    page = text(client.get("/login/two-factor"))
    assert 'autocomplete="one-time-code"' in page and "Your password was right." in page

    response = client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert redirect_path(response) == "/"
    assert signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == sessions_before + 1
    assert credential(user).last_used_step == two_factor.time_step(NOON) + 1


def test_a_wrong_code_signs_nobody_in(client, enrolled, clock):
    password_step(client, enrolled.user)
    wrong = f"{(int(code(enrolled.secret, clock)) + 1) % 1_000_000:06d}"
    response = client.post("/login/two-factor", data={"code": wrong})
    assert response.status_code == 200
    assert first_error(text(response)).startswith("That code is not right, or was already used.")
    assert not signed_in(client)
    assert credential(enrolled.user).failed_attempts == 1
    # Garbage is a message too, never a 500.
    for typed in ("", "abc", "1" * 40, "١٢٣٤٥٦", "<script>"):
        response = client.post("/login/two-factor", data={"code": typed})
        assert response.status_code == 200 and first_error(text(response))


def test_a_code_used_once_is_refused_within_its_window(client, new_client, enrolled, clock):
    used = code(enrolled.secret, clock)
    password_step(client, enrolled.user)
    assert redirect_path(client.post("/login/two-factor", data={"code": used})) == "/"
    # Another browser, ten seconds later, with the code it saw: still within its 30 seconds, refused.
    clock.advance(10)
    other = new_client()
    password_step(other, enrolled.user)
    response = other.post("/login/two-factor", data={"code": used})
    assert first_error(text(response)).startswith("That code is not right, or was already used.")
    assert not signed_in(other)
    # The code of the step before, still inside the window, is refused too.
    response = other.post("/login/two-factor", data={"code": code(enrolled.secret, clock, -1)})
    assert not signed_in(other)
    # Once the next step has come, its code works.
    clock.advance(20)
    assert redirect_path(other.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})) == "/"
    assert signed_in(other) and signed_in(client)


def test_a_code_of_the_next_step_is_accepted_for_a_phone_a_little_ahead(client, enrolled, clock):
    password_step(client, enrolled.user)
    assert redirect_path(client.post("/login/two-factor", data={"code": code(enrolled.secret, clock, 1)})) == "/"
    # ... and then this step's code (earlier than the one used) no longer is.
    client.post("/logout")
    password_step(client, enrolled.user)
    client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert not signed_in(client)


def test_a_recovery_code_works_once(client, new_client, enrolled, clock):
    recovery = enrolled.codes[3]
    password_step(client, enrolled.user)
    response = client.post("/login/two-factor", data={"code": recovery.upper().replace("-", " ")})
    assert redirect_path(response) == "/"
    assert "You signed in with a recovery code; it cannot be used again. 9 codes are left" in text(client.get("/"))
    other = new_client()
    password_step(other, enrolled.user)
    response = other.post("/login/two-factor", data={"code": recovery})
    assert first_error(text(response)) == "That recovery code is not right, or was already used."
    assert not signed_in(other)
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1
    # The other codes still work.
    response = other.post("/login/two-factor", data={"code": enrolled.codes[4]})
    assert redirect_path(response) == "/" and signed_in(other)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("two_factor.recovery_code_used") == 2


def test_another_persons_recovery_code_does_not_work(client, new_client, enrolled, make_user, login, clock):
    grace = make_user("grace@example.org")
    other = new_client()
    login(other, grace)
    graces = enrol(other, clock)
    password_step(client, enrolled.user)
    client.post("/login/two-factor", data={"code": graces.codes[0]})
    assert not signed_in(client)


def test_remember_me_and_the_next_page_survive_the_code_step(client, enrolled, clock):
    response = sign_in_with_code(client, enrolled.user, enrolled.secret, clock, remember="y",
                                 query="?next=/account/tokens")
    assert redirect_path(response) == "/account/tokens"
    assert client.get_cookie("remember_token", domain="hackathon.test") is not None
    [row] = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None),
                                                         UserSession.user_id == enrolled.user.id)).all()
    assert row.remembered


def test_the_code_page_speaks_the_persons_language(client, enrolled):
    user = db.session.get(User, enrolled.user.id)
    user.locale = "ky"
    db.session.commit()
    password_step(client, user)
    assert "Эки факторлуу кирүү" in text(client.get("/login/two-factor"))


def test_the_code_page_without_a_password_first_sends_to_sign_in(client):
    assert redirect_path(client.get("/login/two-factor")) == "/login"
    assert redirect_path(client.post("/login/two-factor", data={"code": "123456"})) == "/login"


def test_a_half_finished_sign_in_expires(client, enrolled, clock):
    password_step(client, enrolled.user)
    with client.session_transaction() as session:
        session["two_factor_pending"]["started"] -= tf.PENDING_SECONDS + 1
        session.modified = True
    response = client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert redirect_path(response) == "/login"
    assert "A sign-in waits 10 minutes for its code." in text(client.get("/login"))
    assert not signed_in(client)


def test_a_password_change_meanwhile_ends_the_half_finished_sign_in(client, enrolled, clock):
    password_step(client, enrolled.user)
    user = db.session.get(User, enrolled.user.id)
    user.password_hash = user.password_hash + "x"
    db.session.commit()
    response = client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert redirect_path(response) == "/login" and not signed_in(client)


def test_a_forged_pending_sign_in_signs_nobody_in(client, enrolled, make_user, clock):
    with client.session_transaction() as session:
        session["two_factor_pending"] = {"user_id": "1", "started": "now", "fp": None}
    assert redirect_path(client.get("/login/two-factor")) == "/login"


def test_an_account_without_two_factor_signs_in_with_the_password_alone(client, make_user, login):
    response = login(client, make_user())
    assert redirect_path(response) == "/" and signed_in(client)


# --- Brute force: the rate limit and the lock ------------------------------------------------------------------


@contextmanager
def rate_limited_client(app, **settings):
    """A client of a second app on the same database with rate limiting on (the limiter is shared: restored)."""
    was_enabled = limiter.enabled
    limited_app = create_app("testing", RATELIMIT_ENABLED=True, UPLOAD_DIR=app.config["UPLOAD_DIR"],
                             SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **settings)
    try:
        yield limited_app.test_client()
    finally:
        limiter.enabled = was_enabled
        with limited_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_code_attempts_are_rate_limited_per_address(app, enrolled, clock):
    with rate_limited_client(app, TWO_FACTOR_RATE_LIMIT="3 per minute") as limited:
        password_step(limited, enrolled.user)
        statuses = [limited.post("/login/two-factor", data={"code": "abc"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = limited.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
        assert limited.get("/login/two-factor").status_code == 200  # reading the page is not limited


def test_setting_up_and_turning_off_are_rate_limited_too(app, make_user, login):
    with rate_limited_client(app, TWO_FACTOR_RATE_LIMIT="3 per minute") as limited:
        login(limited, make_user())
        for path in ("/account/two-factor/disable", "/account/two-factor/recovery-codes",
                     "/account/two-factor/confirm"):
            statuses = [limited.post(path, data={"code": "123456"}).status_code for _ in range(4)]
            assert statuses[-1] == 429 and 429 not in statuses[:-1], (path, statuses)


def test_five_wrong_codes_lock_the_codes_for_a_while_even_the_right_one(client, new_client, enrolled, clock):
    password_step(client, enrolled.user)
    wrong = f"{(int(code(enrolled.secret, clock)) + 7) % 1_000_000:06d}"
    for _ in range(4):
        assert client.post("/login/two-factor", data={"code": wrong}).status_code == 200
    response = client.post("/login/two-factor", data={"code": wrong})
    assert response.status_code == 429
    message = ("Too many wrong codes. Codes for this account are refused for 15 minutes; then try again, or use a "
               "recovery code.")
    assert message in flashes(text(response))
    assert int(response.headers["Retry-After"]) == 900
    # The right code, and a recovery code, from another browser too: refused while locked.
    other = new_client()
    password_step(other, enrolled.user)
    response = other.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert response.status_code == 429 and not signed_in(other)
    assert other.post("/login/two-factor", data={"code": enrolled.codes[0]}).status_code == 429
    clock.advance(14 * 60)
    response = client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})
    assert response.status_code == 429 and "refused for 1 minute;" in flashes(text(response))[0]
    # Once the lock has passed the right code works, and the count starts again.
    clock.advance(61)
    assert redirect_path(client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})) == "/"
    assert credential(enrolled.user).failed_attempts == 0 and credential(enrolled.user).locked_until is None


def test_a_right_code_resets_the_count_of_wrong_ones(client, enrolled, clock):
    password_step(client, enrolled.user)
    for _ in range(4):
        client.post("/login/two-factor", data={"code": "000000" if code(enrolled.secret, clock) != "000000"
                                                 else "111111"})
    assert credential(enrolled.user).failed_attempts == 4
    assert redirect_path(client.post("/login/two-factor", data={"code": code(enrolled.secret, clock)})) == "/"
    assert credential(enrolled.user).failed_attempts == 0


# --- Recovery codes again, turning it off --------------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, new_client, enrolled, clock):
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    response = client.post("/account/two-factor/recovery-codes", data={"code": "000000"})
    assert first_error(text(response))
    response = client.post("/account/two-factor/recovery-codes", data={"code": code(enrolled.secret, clock)})
    new_codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", text(response))
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.codes)
    other = new_client()
    password_step(other, enrolled.user)
    other.post("/login/two-factor", data={"code": enrolled.codes[0]})
    assert not signed_in(other)
    other.post("/login/two-factor", data={"code": new_codes[0]})
    assert signed_in(other)


def test_turning_it_off_needs_the_password_and_a_code(client, enrolled, clock, login):
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    response = client.post("/account/two-factor/disable",
                           data={"password": "not my password", "code": code(enrolled.secret, clock)})
    assert first_error(text(response)) == "Your password is not correct."
    assert tf.is_enabled(enrolled.user)
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": "000000"
                                                                if code(enrolled.secret, clock) != "000000"
                                                                else "111111"})
    assert first_error(text(response)).startswith("That code is not right")
    assert tf.is_enabled(enrolled.user)
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": ""})
    assert first_error(text(response)) == "This field is required." and tf.is_enabled(enrolled.user)

    response = client.post("/account/two-factor/disable",
                           data={"password": PASSWORD, "code": code(enrolled.secret, clock)})
    assert redirect_path(response) == "/account"
    assert "Two-factor sign-in is off." in text(client.get("/account"))
    assert credential(enrolled.user) is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "two_factor.disable" in db.session.scalars(select(AuditEntry.action)).all()
    client.post("/logout")
    assert redirect_path(login(client, enrolled.user)) == "/"  # the password alone again


def test_the_person_is_told_by_mail_when_it_is_turned_on_and_off(client, enrolled, clock, outbox):
    [on] = [m for m in outbox("ada@example.org") if m.template == "two_factor_changed"]
    assert on.subject == "Two-factor sign-in at Hackathon was turned on"
    assert "If this was not you, reset your password at once" in on.body_text
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": code(enrolled.secret, clock)})
    off = [m for m in outbox("ada@example.org") if m.template == "two_factor_changed"][-1]
    assert off.subject == "Two-factor sign-in at Hackathon was turned off"
    assert "signing in now asks only for your password" in off.body_text


def test_turning_it_off_with_a_recovery_code(client, enrolled, clock):
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": enrolled.codes[9]})
    assert redirect_path(response) == "/account" and not tf.is_enabled(enrolled.user)


# --- Required for site admins and organisers ---------------------------------------------------------------------


@pytest.fixture
def staff(make_user, make_event, grant):
    event = make_event("hack", title="Civic Hack")
    other = make_event("elsewhere")
    people = SimpleNamespace(event=event, other=other, organiser=make_user("organiser@example.org"),
                             participant=make_user("participant@example.org"),
                             admin=make_user("admin@example.org", admin=True),
                             other_organiser=make_user("other-organiser@example.org"),
                             user=make_user("user@example.org"))
    grant(people.organiser, event, Role.organiser)
    grant(people.participant, event, Role.participant)
    grant(people.other_organiser, other, Role.organiser)
    return people


def require_at(event: Event) -> None:
    event = db.session.get(Event, event.id)
    event.require_two_factor = True
    db.session.commit()


def test_an_event_that_requires_it_sends_its_organisers_to_set_it_up_first(client, new_client, staff, login, clock):
    require_at(staff.event)
    login(client, staff.organiser)
    response = client.get("/events/hack/edit")
    assert redirect_path(response) == "/account/two-factor?next=/events/hack/edit"
    assert "Your role here needs two-factor sign-in." in text(client.get("/account/two-factor"))
    for path in ("/events/hack/", "/events/hack/people", "/events/hack/two-factor"):
        assert redirect_path(client.get(path)).startswith("/account/two-factor?next=")
    # A POST is refused the same way, and does nothing.
    response = client.post("/events/hack/tracks", data={"name": "Sneaked in"})
    assert redirect_path(response) == "/account/two-factor?next=/events/hack/tracks"
    # Their own account's pages and other events stay open.
    assert client.get("/account").status_code == 200
    assert client.get("/events/elsewhere/").status_code == 200
    # A participant of the same event is not asked.
    participant = new_client()
    login(participant, staff.participant)
    assert participant.get("/events/hack/").status_code == 200
    # Set up, the continue link leads back to the page asked for, which now opens.
    result = enrol(client, clock, next_url="/events/hack/edit")
    assert 'href="/events/hack/edit"' in result.page
    assert client.get("/events/hack/edit").status_code == 200


def test_an_admin_at_an_event_that_requires_it_is_asked_too(client, staff, login):
    require_at(staff.event)
    login(client, staff.admin)
    assert redirect_path(client.get("/events/hack/edit")).startswith("/account/two-factor")
    assert client.get("/events/elsewhere/edit").status_code == 200


def test_the_site_setting_requires_it_of_admins_and_every_organiser(app, client, new_client, staff, login,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR_FOR_STAFF", True)
    login(client, staff.admin)
    assert redirect_path(client.get("/events/new")) == "/account/two-factor?next=/events/new"
    assert redirect_path(client.get("/")) == "/account/two-factor?next=/"
    assert client.get("/account").status_code == 200 and client.get("/account/two-factor").status_code == 200
    organiser = new_client()
    login(organiser, staff.other_organiser)
    assert redirect_path(organiser.get("/events/elsewhere/edit")).startswith("/account/two-factor")
    assert organiser.get("/events/hack/").status_code == 200  # not theirs: not asked
    participant = new_client()
    login(participant, staff.participant)
    assert participant.get("/events/hack/").status_code == 200
    assert participant.get("/").status_code == 200
    # The API answers their event with a 403 (not a redirect), and other events as before.
    assert organiser.get("/api/v1/events/elsewhere").status_code == 403
    assert organiser.get("/api/v1/events/hack").status_code == 200


def test_no_api_token_is_made_or_used_at_the_event_before_it_is_on(client, staff, login, clock):
    from hackathon.accounts.services import create_api_token

    _token, secret = create_api_token(db.session.get(User, staff.organiser.id), "script")
    require_at(staff.event)
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get("/api/v1/events/hack", headers=headers)
    assert response.status_code == 403
    assert "must use two-factor sign-in" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/events/elsewhere", headers=headers).status_code == 200
    login(client, staff.organiser)
    assert redirect_path(client.get("/account/tokens")) == "/account/two-factor?next=/account/tokens"
    assert redirect_path(client.post("/account/tokens", data={"name": "x"})).startswith("/account/two-factor")
    enrol(client, clock)
    assert client.get("/account/tokens").status_code == 200
    client.post("/logout")
    assert client.get("/api/v1/events/hack", headers=headers).status_code == 200


def test_the_tokens_page_stays_open_to_whoever_is_not_required(client, staff, login):
    require_at(staff.event)
    login(client, staff.participant)
    assert client.get("/account/tokens").status_code == 200


def test_nothing_is_asked_when_nothing_requires_it(client, staff, login):
    login(client, staff.organiser)
    assert client.get("/events/hack/edit").status_code == 200


def test_an_organiser_requires_it_at_their_event_only_once_they_use_it(client, staff, login, clock):
    login(client, staff.organiser)
    page = text(client.get("/events/hack/two-factor"))
    assert "Organisers of this event must use two-factor sign-in" in page
    response = client.post("/events/hack/two-factor", data={"require_two_factor": "y"})
    assert response.status_code == 200
    assert first_error(text(response)).startswith("Turn on two-factor sign-in for yourself first")
    assert not db.session.get(Event, staff.event.id).require_two_factor
    enrol(client, clock)
    response = client.post("/events/hack/two-factor", data={"require_two_factor": "y"})
    assert redirect_path(response) == "/events/hack/two-factor"
    db.session.expire_all()
    assert db.session.get(Event, staff.event.id).require_two_factor
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.two_factor"))
    assert entry.event_id == staff.event.id and entry.after == {"require_two_factor": True}
    response = client.post("/events/hack/two-factor", data={})
    db.session.expire_all()
    assert not db.session.get(Event, staff.event.id).require_two_factor


# --- The sessions list, with sign-in through a code ------------------------------------------------------------


def test_the_profile_lists_each_device_and_signs_one_out_at_once(client, new_client, enrolled, clock):
    laptop = new_client()
    client.environ_base.update({"HTTP_USER_AGENT": PHONE_AGENT, "REMOTE_ADDR": "203.0.113.7"})
    laptop.environ_base.update({"HTTP_USER_AGENT": LAPTOP_AGENT, "REMOTE_ADDR": "198.51.100.20"})
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    sign_in_with_code(laptop, enrolled.user, enrolled.secret, clock)
    page = text(client.get("/account"))
    assert "<h2>Security</h2>" in page and "Two-factor sign-in is on." in page
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", page, re.S)
    assert len(rows) == 2
    phone_row = next(row for row in rows if "Chrome on Android" in row)
    laptop_row = next(row for row in rows if "Firefox on Windows" in row)
    assert "(this device)" in phone_row and "(this device)" not in laptop_row
    laptop_session = int(re.search(r'action="/account/sessions/(\d+)/end"', laptop_row).group(1))
    assert signed_in(laptop)
    assert redirect_path(client.post(f"/account/sessions/{laptop_session}/end")) == "/account"
    assert not signed_in(laptop)  # at once, on its very next request
    assert signed_in(client)


# --- Who may open each new route ----------------------------------------------------------------------------------

VISITORS = ("anonymous", "user", "participant", "organiser", "other_organiser", "admin")
LOGIN = "login"


def statuses(default, **overrides):
    return dict.fromkeys(VISITORS, default) | {"anonymous": LOGIN} | overrides


ROUTES = [
    ("GET", "/account/two-factor", None, statuses(200)),
    ("POST", "/account/two-factor/confirm", {"code": "abcdef"}, statuses(200)),
    ("POST", "/account/two-factor/restart", {}, statuses(302)),
    # Without two-factor on, these send back to its page.
    ("POST", "/account/two-factor/recovery-codes", {"code": "123456"}, statuses(302)),
    ("POST", "/account/two-factor/disable", {"password": PASSWORD, "code": "123456"}, statuses(302)),
    # Without a password typed first: to sign-in (anonymous) or on (already signed in).
    ("GET", "/login/two-factor", None, statuses(302)),
    ("POST", "/login/two-factor", {"code": "123456"}, statuses(302)),
    ("GET", "/events/hack/two-factor", None, statuses(403, organiser=200, admin=200)),
    ("POST", "/events/hack/two-factor", {}, statuses(403, organiser=302, admin=302)),
    ("GET", "/events/nowhere/two-factor", None, statuses(404, anonymous=404)),
]


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("method", "path", "data", "expected"), ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(client, staff, login, visitor, method, path, data, expected):
    if visitor != "anonymous":
        login(client, getattr(staff, visitor))
    response = client.open(path, method=method, data=data)
    want = expected[visitor]
    if want == LOGIN:
        assert redirect_path(response).startswith("/login"), response.location
    else:
        assert response.status_code == want, text(response)[:1000]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize("visitor", ["anonymous", "user", "participant", "other_organiser"])
def test_a_draft_events_two_factor_page_is_not_found_for_outsiders(client, staff, login, visitor):
    event = db.session.get(Event, staff.event.id)
    event.is_published = False
    db.session.commit()
    if visitor != "anonymous":
        login(client, getattr(staff, visitor))
    expected = 403 if visitor == "participant" else 404  # a role at the event makes a draft visible
    assert client.get("/events/hack/two-factor").status_code == expected


def test_the_forms_need_their_csrf_token(app, client, enrolled, clock):
    sign_in_with_code(client, enrolled.user, enrolled.secret, clock)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/two-factor/disable",
                               data={"password": PASSWORD, "code": code(enrolled.secret, clock)})
        assert response.status_code == 400
        assert tf.is_enabled(enrolled.user)
        page = text(client.get("/account/two-factor"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/account/two-factor/disable", data={"password": PASSWORD, "csrf_token": token,
                                                                    "code": code(enrolled.secret, clock)})
        assert redirect_path(response) == "/account" and not tf.is_enabled(enrolled.user)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_command_line_turns_it_off_for_someone_who_lost_everything(app, enrolled, login, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounts", "turn-off-two-factor", "ADA@example.org"])
    assert result.exit_code == 0 and "Two-factor sign-in is off for ada@example.org" in result.output
    assert not tf.is_enabled(enrolled.user)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "two_factor.turned_off" in db.session.scalars(select(AuditEntry.action)).all()
    assert redirect_path(login(client, enrolled.user)) == "/"
    result = runner.invoke(args=["accounts", "turn-off-two-factor", "ada@example.org"])
    assert result.exit_code == 0 and "was not on" in result.output
    result = runner.invoke(args=["accounts", "turn-off-two-factor", "nobody@example.org"])
    assert result.exit_code != 0 and "No account" in result.output
