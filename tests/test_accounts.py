"""Accounts end to end through the test client: registration and confirmation, sign-in and sign-out,
password reset and change, profile, language, API tokens, rate limits and escaping.

The service rules behind these pages are tested directly in test_accounts_unit.py.
"""
from __future__ import annotations

import hashlib
import re
from base64 import urlsafe_b64encode
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import pytest
from flask_babel import force_locale, gettext
from itsdangerous.timed import TimestampSigner
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from hackathon import create_app
from hackathon.accounts.models import ApiToken, Background, Gender, User, UserSession
from hackathon.database import MAX_ID
from hackathon.events.models import Role
from hackathon.extensions import db, limiter
from tests.conftest import PASSWORD, link_in

NEW_PASSWORD = "purple elephant cloud river"
XSS = "<script>alert(1)</script>"


# --- Fixtures and helpers --------------------------------------------------------------------------------------


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
    """Move the clock of signed links (itsdangerous timestamps) forward by some seconds."""
    offset = {"seconds": 0}
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + offset["seconds"])

    def advance(seconds: int) -> None:
        offset["seconds"] += seconds

    return advance


def text(response) -> str:
    return response.get_data(as_text=True)


def register(client, *, name: str = "Ada Lovelace", email: str = "ada@example.org", password: str = PASSWORD,
             **kwargs):
    return client.post("/register", data={"name": name, "email": email, "password": password}, **kwargs)


def user_with(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def sessions_of(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def mails(outbox, to: str | None = None, template: str | None = None) -> list:
    return [message for message in outbox(to) if template is None or message.template == template]


def redirect_path(response) -> str:
    """The path (and decoded query) a redirect goes to; fails if it leaves this site."""
    assert response.status_code in (301, 302, 303), response.status_code
    parts = urlsplit(response.location)
    assert parts.netloc in ("", "hackathon.test"), response.location
    return parts.path + (f"?{unquote(parts.query)}" if parts.query else "")


def signed_in(client) -> bool:
    """Whether the client's session (or remember cookie) still signs it in."""
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert redirect_path(response).startswith("/login"), response.location
    return False


def translated(message: str, locale: str) -> str:
    with force_locale(locale):
        return gettext(message)


def first_error(page: str) -> str:
    """The first field error on a rendered form page."""
    match = re.search(r'class="field-error">([^<]*)<', page)
    assert match, "no field error on the page"
    return match.group(1)


# --- Registration and email confirmation ----------------------------------------------------------------------


def test_register_page_shows_the_form(client):
    page = text(client.get("/register"))
    assert 'name="name"' in page and 'name="email"' in page and 'name="password"' in page


def test_register_shows_check_mail_page_and_creates_an_unconfirmed_account(client, outbox):
    response = register(client, name="  Ada Lovelace  ", email="ada@example.org")
    assert response.status_code == 200
    assert "Check your mail" in text(response)
    assert "ada@example.org" in text(response)
    user = user_with("ada@example.org")
    assert user.name == "Ada Lovelace"
    assert not user.is_confirmed
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    [mail] = outbox("ada@example.org")
    assert mail.template == "confirm_email"
    assert "/confirm/" in mail.body_text


def test_confirmation_link_confirms_and_then_sign_in_works(client, outbox, login):
    register(client)
    link = link_in(outbox()[0], "/confirm/")
    response = client.get(link)
    assert redirect_path(response) == "/login"
    assert "Your email address is confirmed" in text(client.get("/login"))
    user = user_with("ada@example.org")
    assert user.is_confirmed
    login(client, user)
    assert signed_in(client)


@pytest.mark.parametrize("how, locale", [
    ("accept-language", "ru"),
    ("switcher", "ky"),
    ("default", "en"),
])
def test_confirmation_mail_is_in_the_language_of_the_registering_person(client, outbox, how, locale):
    headers = {"Accept-Language": "ru-RU,ru;q=0.9"} if how == "accept-language" else {}
    if how == "switcher":
        client.post("/language", data={"language": locale, "next": "/register"})
    register(client, headers=headers)
    [mail] = outbox("ada@example.org")
    assert mail.locale == locale
    subject = translated("Confirm your email for %(site)s", locale) % {"site": "Hackathon"}
    assert mail.subject == subject
    assert (subject == "Confirm your email for Hackathon") == (locale == "en")
    assert user_with("ada@example.org").locale == locale


def test_confirmation_link_used_twice_is_refused_with_a_clear_message(client, outbox):
    register(client)
    link = link_in(outbox()[0], "/confirm/")
    client.get(link)
    confirmed_at = user_with("ada@example.org").email_confirmed_at
    response = client.get(link)
    assert redirect_path(response) == "/confirm"
    assert "This link was already used. Your email is confirmed: you can sign in." in text(client.get("/confirm"))
    assert user_with("ada@example.org").email_confirmed_at == confirmed_at


def test_confirmation_link_works_until_it_expires(app, client, outbox, clock):
    register(client)
    link = link_in(outbox()[0], "/confirm/")
    clock(app.config["EMAIL_CONFIRM_MAX_AGE"] - 60)
    client.get(link)
    assert user_with("ada@example.org").is_confirmed


def test_expired_confirmation_link_is_refused(app, client, outbox, clock):
    register(client)
    link = link_in(outbox()[0], "/confirm/")
    clock(app.config["EMAIL_CONFIRM_MAX_AGE"] + 1)
    response = client.get(link, follow_redirects=True)
    assert "This confirmation link has expired." in text(response)
    assert not user_with("ada@example.org").is_confirmed


def test_confirmation_max_age_comes_from_the_config(app, client, outbox, clock, monkeypatch):
    register(client)
    link = link_in(outbox()[0], "/confirm/")
    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", 60)
    clock(61)
    assert "This confirmation link has expired." in text(client.get(link, follow_redirects=True))
    assert not user_with("ada@example.org").is_confirmed


@pytest.mark.parametrize("forge", [
    lambda token: "not-a-token",
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
    lambda token: urlsafe_b64encode(b'{"u":1,"e":"eve@example.org"}').rstrip(b"=").decode()
    + token[token.index("."):],  # payload swapped, signature kept
])
def test_forged_confirmation_link_is_refused(client, outbox, forge):
    register(client)
    token = link_in(outbox()[0], "/confirm/").removeprefix("/confirm/")
    response = client.get(f"/confirm/{forge(token)}", follow_redirects=True)
    assert "This confirmation link is not valid." in text(response)
    assert not user_with("ada@example.org").is_confirmed


def test_password_reset_link_does_not_confirm_through_the_confirmation_route(client, make_user, outbox):
    """Links are signed for one purpose: a reset token is no confirmation token."""
    make_user("bob@example.org", confirmed=False)
    client.post("/reset", data={"email": "bob@example.org"})
    token = link_in(outbox()[0], "/reset/").removeprefix("/reset/")
    assert "This confirmation link is not valid." in text(client.get(f"/confirm/{token}", follow_redirects=True))
    assert not user_with("bob@example.org").is_confirmed


def test_sign_in_before_confirming_is_refused_and_a_new_link_is_mailed(client, outbox):
    register(client)
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Please confirm your email address first. We have sent you a new confirmation link." in text(response)
    assert not signed_in(client)
    first, second = mails(outbox, "ada@example.org", "confirm_email")
    client.get(link_in(second, "/confirm/"))
    assert user_with("ada@example.org").is_confirmed


def test_unconfirmed_account_with_wrong_password_gets_the_usual_message_and_no_mail(client, outbox):
    register(client)
    response = client.post("/login", data={"email": "ada@example.org", "password": "wrong password here"})
    assert "The email or password is incorrect." in text(response)
    assert len(outbox("ada@example.org")) == 1


def test_resend_confirmation_mails_unconfirmed_accounts_only_and_looks_the_same(client, make_user, outbox):
    make_user("new@example.org", confirmed=False)
    make_user("old@example.org", confirmed=True)
    pages = {}
    for address in ("new@example.org", "old@example.org", "nobody@example.org"):
        response = client.post("/confirm", data={"email": address})
        assert response.status_code == 200
        pages[address] = text(response).replace(address, "EMAIL")
    assert len(set(pages.values())) == 1
    assert [m.to_address for m in outbox()] == ["new@example.org"]
    client.get(link_in(outbox()[0], "/confirm/"))
    assert user_with("new@example.org").is_confirmed


def test_signed_in_person_visiting_register_goes_to_the_start_page(client, make_user, login):
    login(client, make_user())
    assert redirect_path(client.get("/register")) == "/"


# --- Registering an address that already has an account ------------------------------------------------------


def test_registering_a_taken_address_looks_like_a_new_registration(client, new_client, make_user, outbox):
    owner = make_user("taken@example.org", name="Owner", locale="ky")
    owner_hash = owner.password_hash
    fresh = register(new_client(), email="fresh@example.org")
    taken = register(client, email="taken@example.org", name="Mallory", password="another long password")
    assert taken.status_code == fresh.status_code == 200
    assert text(taken).replace("taken@example.org", "EMAIL") == text(fresh).replace("fresh@example.org", "EMAIL")
    assert ("Set-Cookie" in taken.headers) == ("Set-Cookie" in fresh.headers)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.org")) == 1
    [mail] = outbox("taken@example.org")
    assert mail.template == "account_exists"
    assert mail.locale == "ky"  # the owner's language, not the visitor's
    assert "Owner" in mail.body_text and "Mallory" not in mail.body_text
    assert "/login" in mail.body_text and "/reset" in mail.body_text
    owner = user_with("taken@example.org")
    assert owner.password_hash == owner_hash and owner.name == "Owner"


# --- Email addresses ------------------------------------------------------------------------------------------


def test_email_is_stored_lower_case_and_unique_regardless_of_case(client, new_client, outbox):
    register(client, email="  Foo@Example.ORG ")
    assert user_with("foo@example.org") is not None
    register(new_client(), email="foo@example.org")
    register(new_client(), email="FOO@EXAMPLE.ORG")
    assert user_count() == 1
    assert [m.template for m in outbox("foo@example.org")] == ["confirm_email", "account_exists", "account_exists"]


def test_registering_differently_cased_copy_of_a_mixed_case_stored_address_finds_the_owner(client, make_user,
                                                                                             outbox):
    make_user("Mixed.Case@Example.org")
    register(client, email="mixed.case@example.ORG")
    assert user_count() == 1
    assert [m.template for m in outbox()] == ["account_exists"]


def test_sign_in_ignores_the_case_of_the_email(client, make_user):
    make_user("ada@example.org")
    response = client.post("/login", data={"email": " ADA@Example.Org ", "password": PASSWORD})
    assert redirect_path(response) == "/"
    assert signed_in(client)


@pytest.mark.parametrize("address, message", [
    ("пётр@example.org", "Use an email address with only Latin letters, digits and .-_+ before the @ sign."),
    ("not-an-address", "Enter a valid email address, like name@example.org."),
    ("ada@", "Enter a valid email address, like name@example.org."),
    ("ada@@example.org", "Enter a valid email address, like name@example.org."),
    ("ada@example", "Enter a valid email address, like name@example.org."),
    ("ada lovelace@example.org", "Enter a valid email address, like name@example.org."),
    ("a@" + "b" * 250 + ".org", "Use at most 254 characters."),
    ("", "This field is required."),
])
def test_invalid_email_gets_a_form_message_and_no_account(client, outbox, address, message):
    response = register(client, email=address)
    assert response.status_code == 200
    assert first_error(text(response)) == message
    assert user_count() == 0
    assert outbox() == []


@pytest.mark.parametrize("name, message", [
    ("x" * 121, "Use at most 120 characters."),
    ("", "This field is required."),
])
def test_invalid_name_gets_a_form_message(client, name, message):
    response = register(client, name=name)
    assert response.status_code == 200
    assert first_error(text(response)) == message
    assert user_count() == 0


def test_a_name_of_the_maximum_length_is_accepted(client):
    register(client, name="x" * 120)
    assert user_with("ada@example.org").name == "x" * 120


def test_a_name_of_only_spaces_is_refused(client):
    response = register(client, name="   ")
    assert "This field is required." in text(response)
    assert user_count() == 0


# --- Passwords ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", [
    ("short pw", "Use at least 10 characters."),
    ("123456789", "Use at least 10 characters."),
    ("qwertyuiop", "This password is too common. Try a few unrelated words."),
    ("password123", "This password is too common. Try a few unrelated words."),
    ("PassWord123", "This password is too common. Try a few unrelated words."),
    ("aaaaaaaaaaaaaaa", "This password is too common. Try a few unrelated words."),
    ("adalovelace", "The password must not be your email address."),
    ("x" * 257, "Use at most 256 characters."),
])
def test_weak_password_is_refused_with_a_message(client, outbox, password, message):
    response = register(client, email="adalovelace@example.org", password=password)
    assert response.status_code == 200
    assert first_error(text(response)) == message
    assert user_count() == 0 and outbox() == []


@pytest.mark.parametrize("password", [
    "ten chars!",
    "Горные реки Нарына текут на запад",
    "correct horse battery staple " * 8,  # 232 characters
])
def test_passphrases_are_accepted_and_stored_as_argon2id(client, password):
    register(client, password=password)
    user = user_with("ada@example.org")
    assert user.password_hash.startswith("$argon2id$")
    user.email_confirmed_at = user.created_at
    db.session.commit()
    assert redirect_path(client.post("/login", data={"email": "ada@example.org", "password": password})) == "/"


# --- Sign in and sign out -------------------------------------------------------------------------------------


def test_login_page_shows_the_form(client):
    page = text(client.get("/login"))
    assert 'name="email"' in page and 'name="password"' in page and 'name="remember"' in page


def test_sign_in_takes_you_to_the_start_page_and_records_the_time(client, make_user):
    user = make_user("ada@example.org")
    assert user.last_login_at is None
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert redirect_path(response) == "/"
    assert signed_in(client)
    assert user_with("ada@example.org").last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_identical_answer(client, new_client, make_user):
    make_user("ada@example.org")
    make_user("gone@example.org", is_active_account=False)
    pages = {}
    for address, password in [("ada@example.org", "not the password"), ("nobody@example.org", PASSWORD),
                              ("gone@example.org", PASSWORD), ("not an address", PASSWORD)]:
        response = new_client().post("/login", data={"email": address, "password": password})
        assert response.status_code == 200
        pages[address] = text(response).replace(f'value="{address}"', 'value="EMAIL"')
    assert "The email or password is incorrect." in pages["ada@example.org"]
    assert len(set(pages.values())) == 1
    assert not signed_in(client)


def test_inactive_account_cannot_sign_in(client, make_user):
    make_user("gone@example.org", is_active_account=False)
    client.post("/login", data={"email": "gone@example.org", "password": PASSWORD})
    assert not signed_in(client)


@pytest.mark.parametrize("target", ["/events/x/", "/account?tab=1"])
def test_sign_in_follows_a_local_next(client, make_user, target):
    make_user("ada@example.org")
    response = client.post(f"/login?next={target}", data={"email": "ada@example.org", "password": PASSWORD})
    assert redirect_path(response) == target


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "http:evil.example",
    "javascript:alert(1)", "/\r\nLocation: https://evil.example", "/\tevil", "events",
])
def test_sign_in_does_not_follow_a_next_that_leaves_the_site(client, make_user, target):
    make_user("ada@example.org")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "ada@example.org", "password": PASSWORD})
    assert redirect_path(response) == "/"
    assert "evil" not in response.location


def test_login_form_carries_a_safe_next_and_drops_an_unsafe_one(client):
    assert '<form method="post" action="/login?next=/events/x/"' in text(client.get("/login?next=/events/x/"))
    page = text(client.get("/login", query_string={"next": "//evil.example"}))
    assert '<form method="post" action="/login" novalidate>' in page


def test_signed_in_person_visiting_login_goes_to_a_safe_next_only(client, make_user, login):
    login(client, make_user())
    assert redirect_path(client.get("/login?next=/events/x/")) == "/events/x/"
    assert redirect_path(client.get("/login", query_string={"next": "//evil.example"})) == "/"


def test_pages_that_need_sign_in_send_you_back_after_it(client, make_user):
    make_user("ada@example.org")
    response = client.get("/account/tokens")
    assert redirect_path(response) == "/login?next=/account/tokens"
    response = client.post(response.location, data={"email": "ada@example.org", "password": PASSWORD})
    assert redirect_path(response) == "/account/tokens"


def test_sign_in_starts_a_fresh_session(client, make_user):
    """Anything put in the session before sign-in (fixation) is gone after it."""
    make_user("ada@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user_with('ada@example.org').id}:")


def test_without_remember_me_no_remember_cookie_is_set(client, make_user, login):
    login(client, make_user())
    assert client.get_cookie("remember_token", domain="hackathon.test") is None


def test_remember_me_sets_a_cookie_that_signs_in_without_the_session(client, make_user, login):
    user = make_user()
    login(client, user, remember="y")
    cookie = client.get_cookie("remember_token", domain="hackathon.test")
    assert cookie is not None and cookie.http_only
    client.delete_cookie("session", domain="hackathon.test")
    assert signed_in(client)


def test_logout_is_post_only(client, make_user, login):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert signed_in(client)


def test_logout_ends_the_session_and_the_remember_cookie(client, make_user, login):
    login(client, make_user(), remember="y")
    response = client.post("/logout")
    assert redirect_path(response) == "/"
    assert "You are signed out." in text(client.get("/"))
    assert not signed_in(client)
    assert client.get_cookie("remember_token", domain="hackathon.test") is None


# --- Password reset -------------------------------------------------------------------------------------------


def reset_link(client, outbox, address: str = "ada@example.org") -> str:
    client.post("/reset", data={"email": address})
    return link_in(mails(outbox, address, "reset_password")[-1], "/reset/")


def test_reset_request_looks_the_same_for_known_and_unknown_addresses(client, make_user, outbox):
    make_user("ada@example.org")
    known = client.post("/reset", data={"email": "ada@example.org"})
    unknown = client.post("/reset", data={"email": "nobody@example.org"})
    invalid = client.post("/reset", data={"email": "nobody"})
    assert known.status_code == unknown.status_code == invalid.status_code == 200
    assert "If an account exists for ada@example.org" in text(known)
    assert text(known).replace("ada@example.org", "E") == text(unknown).replace("nobody@example.org", "E")
    assert text(invalid).replace("nobody", "E") == text(unknown).replace("nobody@example.org", "E")
    [mail] = outbox()
    assert (mail.to_address, mail.template) == ("ada@example.org", "reset_password")


def test_reset_mail_goes_to_inactive_accounts_never(client, make_user, outbox):
    make_user("gone@example.org", is_active_account=False)
    client.post("/reset", data={"email": "gone@example.org"})
    assert outbox() == []


def test_reset_mail_is_in_the_account_language(client, make_user, outbox):
    make_user("ada@example.org", locale="ru")
    client.post("/reset", data={"email": "ADA@example.org"})
    assert outbox()[0].locale == "ru"


def test_reset_link_sets_a_new_password(client, make_user, outbox, login):
    user = make_user("ada@example.org")
    link = reset_link(client, outbox)
    assert 'name="password"' in text(client.get(link))
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert redirect_path(response) == "/login"
    assert "Your password is changed." in text(client.get("/login"))
    assert client.post("/login", data={"email": "ada@example.org", "password": PASSWORD}).status_code == 200
    login(client, user, NEW_PASSWORD)
    assert [m.template for m in outbox()] == ["reset_password", "password_changed"]


def test_reset_link_cannot_be_used_twice(client, make_user, outbox, login):
    user = make_user("ada@example.org")
    link = reset_link(client, outbox)
    client.post(link, data={"password": NEW_PASSWORD})
    for again in (client.get, lambda link: client.post(link, data={"password": "a third long password"})):
        assert redirect_path(again(link)) == "/reset"
        assert "This reset link was already used or is no longer valid." in text(client.get("/reset"))
    login(client, user, NEW_PASSWORD)


def test_an_older_reset_link_stops_working_once_the_password_changed(client, make_user, outbox):
    make_user("ada@example.org")
    first = reset_link(client, outbox)
    second = reset_link(client, outbox)
    client.post(second, data={"password": NEW_PASSWORD})
    assert redirect_path(client.get(first)) == "/reset"


def test_expired_reset_link_is_refused(app, client, make_user, outbox, clock):
    user = make_user("ada@example.org")
    link = reset_link(client, outbox)
    clock(app.config["PASSWORD_RESET_MAX_AGE"] + 1)
    response = client.post(link, data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert "This reset link has expired." in text(response)
    assert user_with("ada@example.org").password_hash == user.password_hash


def test_reset_link_still_works_just_before_it_expires(app, client, make_user, outbox, clock, login):
    user = make_user("ada@example.org")
    link = reset_link(client, outbox)
    clock(app.config["PASSWORD_RESET_MAX_AGE"] - 60)
    client.post(link, data={"password": NEW_PASSWORD})
    login(client, user, NEW_PASSWORD)


def test_forged_reset_link_is_refused(client, make_user):
    make_user("ada@example.org")
    response = client.get("/reset/eyJ1IjoxLCJwIjoiMDAwMDAwMDAwMDAwMDAwMCJ9.aaaa.bbbb", follow_redirects=True)
    assert "This reset link is not valid." in text(response)


def test_reset_refuses_a_weak_password_and_the_link_keeps_working(client, make_user, outbox, login):
    user = make_user("ada@example.org")
    link = reset_link(client, outbox)
    response = client.post(link, data={"password": "password123"})
    assert response.status_code == 200
    assert first_error(text(response)) == "This password is too common. Try a few unrelated words."
    client.post(link, data={"password": NEW_PASSWORD})
    login(client, user, NEW_PASSWORD)


def test_reset_confirms_an_unconfirmed_address(client, make_user, outbox, login):
    user = make_user("ada@example.org", confirmed=False)
    client.post(reset_link(client, outbox), data={"password": NEW_PASSWORD})
    assert user_with("ada@example.org").is_confirmed
    login(client, user, NEW_PASSWORD)


def test_reset_signs_out_every_other_session(client, new_client, make_user, outbox, login):
    user = make_user("ada@example.org")
    laptop = new_client()
    login(laptop, user, remember="y")
    client.post(reset_link(client, outbox), data={"password": NEW_PASSWORD})
    assert not signed_in(laptop)


# --- Change password ------------------------------------------------------------------------------------------


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post("/account/password", data={"current_password": current, "password": new})


def test_change_password_needs_sign_in(client):
    assert redirect_path(client.get("/account/password")).startswith("/login")


def test_change_password_refuses_a_wrong_current_password(client, make_user, login, outbox):
    user = make_user("ada@example.org")
    login(client, user)
    response = change_password(client, current="not my password")
    assert response.status_code == 200
    assert first_error(text(response)) == "Your current password is not correct."
    assert user_with("ada@example.org").password_hash == user.password_hash
    assert outbox() == []


def test_change_password_refuses_a_weak_new_password(client, make_user, login):
    user = make_user("ada@example.org")
    login(client, user)
    response = change_password(client, new="qwertyuiop")
    assert first_error(text(response)) == "This password is too common. Try a few unrelated words."
    assert user_with("ada@example.org").password_hash == user.password_hash


def test_change_password_keeps_this_session_and_ends_the_others(client, new_client, make_user, login, outbox):
    user = make_user("ada@example.org")
    phone, old_laptop = new_client(), new_client()
    login(client, user)
    login(phone, user)
    login(old_laptop, user, remember="y")
    old_laptop.delete_cookie("session", domain="hackathon.test")  # only the remember-me cookie is left
    assert signed_in(old_laptop)

    response = change_password(client)
    assert redirect_path(response) == "/account"
    assert "You were signed out on your other devices." in text(client.get("/account"))
    assert signed_in(client)
    assert not signed_in(phone)
    assert not signed_in(old_laptop)
    assert [(row.remembered, row.ended_at is None) for row in sessions_of(user)] == [
        (False, True), (False, False), (True, False)]
    [mail] = outbox()
    assert (mail.to_address, mail.template) == ("ada@example.org", "password_changed")
    login(new_client(), user, NEW_PASSWORD)
    assert new_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200


COOKIES = ("session", "remember_token")


def cookies_of(client) -> dict[str, str]:
    """The sign-in cookies a browser holds now, as someone who copied them would keep them."""
    found = {name: client.get_cookie(name, domain="hackathon.test") for name in COOKIES}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def replayed(new_client, cookies: dict[str, str], *names: str):
    """A second browser that sends copies of the given cookies (all of them unless named)."""
    other = new_client()
    for name, value in cookies.items():
        if not names or name in names:
            other.set_cookie(name, value, domain="hackathon.test")
    return other


def test_a_copied_session_cookie_stops_working_after_sign_out(client, new_client, make_user, login):
    login(client, make_user())
    copied = cookies_of(client)
    assert signed_in(replayed(new_client, copied, "session"))
    client.post("/logout")
    assert not signed_in(client)
    assert not signed_in(replayed(new_client, copied, "session"))


def test_a_copied_remember_cookie_stops_working_after_sign_out(client, new_client, make_user, login):
    login(client, make_user(), remember="y")
    copied = cookies_of(client)
    assert signed_in(replayed(new_client, copied, "remember_token"))
    client.post("/logout")
    assert not signed_in(replayed(new_client, copied, "remember_token"))
    assert not signed_in(replayed(new_client, copied))


def test_copied_cookies_stop_working_after_a_password_change_but_this_browser_stays_signed_in(
        client, new_client, make_user, login):
    login(client, make_user(), remember="y")
    copied = cookies_of(client)
    change_password(client)
    assert signed_in(client)
    assert not signed_in(replayed(new_client, copied, "session"))
    assert not signed_in(replayed(new_client, copied, "remember_token"))
    client.delete_cookie("session", domain="hackathon.test")  # this browser keeps its own "remember me"
    assert signed_in(client)


def test_copied_cookies_stop_working_after_a_password_reset(client, new_client, make_user, outbox, login):
    user = make_user("ada@example.org")
    laptop = new_client()
    login(laptop, user, remember="y")
    copied = cookies_of(laptop)
    client.post(reset_link(client, outbox), data={"password": NEW_PASSWORD})
    assert not signed_in(replayed(new_client, copied, "session"))
    assert not signed_in(replayed(new_client, copied, "remember_token"))


def test_a_password_reset_revokes_the_api_tokens_and_a_change_keeps_them(client, make_user, outbox, login):
    user = make_user("ada@example.org")
    login(client, user)
    client.post("/account/tokens", data={"name": "kept"})
    change_password(client)
    assert [token.revoked_at for token in tokens_of(user)] == [None]
    client.post("/logout")
    client.post(reset_link(client, outbox), data={"password": "a third long password"})
    assert "1 API token was revoked with the reset" in text(client.get("/login"))
    assert all(token.revoked_at is not None for token in tokens_of(user))


def test_sign_out_everywhere_else_keeps_this_browser_only(client, new_client, make_user, login):
    user = make_user("ada@example.org")
    phone, laptop = new_client(), new_client()
    login(client, user, remember="y")
    login(phone, user)
    login(laptop, user, remember="y")
    copied = cookies_of(laptop)
    page = text(client.get("/account"))
    assert 'action="/account/sessions/end-others"' in page and "Sign out of all other sessions" in page
    response = client.post("/account/sessions/end-others")
    assert redirect_path(response) == "/account"
    assert "You were signed out on every other device." in text(client.get("/account"))
    assert signed_in(client)
    assert not signed_in(phone) and not signed_in(laptop)
    assert not signed_in(replayed(new_client, copied, "remember_token"))
    client.delete_cookie("session", domain="hackathon.test")
    assert signed_in(client)  # and this browser's "remember me" still works
    assert user_with("ada@example.org").password_hash == user.password_hash


def test_sign_out_everywhere_else_is_post_only_and_needs_sign_in(client, make_user, login):
    assert client.get("/account/sessions/end-others").status_code == 405
    assert redirect_path(client.post("/account/sessions/end-others")).startswith("/login")


def test_sign_out_everywhere_else_needs_the_form_token(app, client, new_client, make_user, login):
    user = make_user()
    phone = new_client()
    login(client, user)
    login(phone, user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/account/sessions/end-others").status_code == 400
        page = text(client.get("/account"))
        token = re.search(r'action="/account/sessions/end-others">\s*<input id="csrf_token" name="csrf_token" '
                          r'type="hidden" value="([^"]+)"', page).group(1)
        assert signed_in(phone)
        assert redirect_path(client.post("/account/sessions/end-others", data={"csrf_token": token})) == "/account"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert signed_in(client) and not signed_in(phone)


# --- Sessions per device --------------------------------------------------------------------------------------

PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/124.0.0.0 Mobile Safari/537.36")
LAPTOP_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


def sign_in_on_device(client, user: User, agent: str, address: str, **extra) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, **extra},
                           headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_signing_out_on_one_device_keeps_the_others_signed_in(client, new_client, make_user, login):
    """A juror signing out of the laptop keeps the phone (issue 11 defect 8's follow-up)."""
    user = make_user("ada@example.org")
    phone = new_client()
    login(client, user, remember="y")
    login(phone, user, remember="y")
    copied = cookies_of(client)
    client.post("/logout")
    assert not signed_in(client)
    assert signed_in(phone)
    phone.delete_cookie("session", domain="hackathon.test")
    assert signed_in(phone)  # the phone's "remember me" too
    assert not signed_in(replayed(new_client, copied, "session"))
    assert not signed_in(replayed(new_client, copied, "remember_token"))
    assert not signed_in(replayed(new_client, copied))
    assert [row.ended_at is not None for row in sessions_of(user)] == [True, False]


def test_each_sign_in_is_a_session_of_its_own_and_only_its_key_hash_is_stored(client, make_user, login):
    user = make_user()
    login(client, user, remember="y")
    with client.session_transaction() as session:
        user_id, _, key = session["_user_id"].partition(":")
    [row] = sessions_of(user)
    assert (int(user_id), row.remembered, row.ended_at) == (user.id, True, None)
    assert len(key) >= 40 and row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.key_hash
    assert row.expires_at - row.created_at == client.application.config["REMEMBER_COOKIE_DURATION"]


def test_the_profile_lists_each_signed_in_device(client, new_client, make_user):
    user = make_user("ada@example.org")
    laptop = new_client()
    sign_in_on_device(client, user, PHONE_AGENT, "203.0.113.7")
    sign_in_on_device(laptop, user, LAPTOP_AGENT, "2001:db8:1234:5678::9")
    page = text(client.get("/account"))
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", page, re.S)
    assert len(rows) == 2
    phone_row = next(row for row in rows if "Chrome on Android" in row)
    laptop_row = next(row for row in rows if "Firefox on Windows" in row)
    assert "203.0.113.0/24" in phone_row and "(this device)" in phone_row
    assert "2001:db8:1234::/48" in laptop_row and "(this device)" not in laptop_row
    assert "203.0.113.7" not in page  # the network, never the address
    [phone_session, laptop_session] = sessions_of(user)
    assert f'action="/account/sessions/{laptop_session.id}/end"' in laptop_row
    assert f'action="/account/sessions/{phone_session.id}/end"' in phone_row
    assert "(this device)" in text(laptop.get("/account")).split("Firefox on Windows", 1)[1].split("</tr>")[0]


def test_signing_out_another_device_from_the_profile(client, new_client, make_user, login):
    user = make_user("ada@example.org")
    phone = new_client()
    login(client, user)
    login(phone, user, remember="y")
    copied = cookies_of(phone)
    [_mine, phones] = sessions_of(user)
    response = client.post(f"/account/sessions/{phones.id}/end")
    assert redirect_path(response) == "/account"
    page = text(client.get("/account"))
    assert "That device is signed out." in page and f"/account/sessions/{phones.id}/end" not in page
    assert signed_in(client)
    assert not signed_in(phone)
    assert not signed_in(replayed(new_client, copied, "remember_token"))


def test_signing_out_this_device_from_the_profile_signs_this_browser_out(client, new_client, make_user, login):
    user = make_user()
    phone = new_client()
    login(client, user, remember="y")
    login(phone, user)
    [mine, _phones] = sessions_of(user)
    assert redirect_path(client.post(f"/account/sessions/{mine.id}/end")) == "/"
    assert "You are signed out." in text(client.get("/"))
    assert not signed_in(client) and signed_in(phone)
    assert client.get_cookie("remember_token", domain="hackathon.test") is None


def test_ending_another_persons_session_is_not_found(client, new_client, make_user, login):
    ada, grace = make_user("ada@example.org"), make_user("grace@example.org")
    graces_phone = new_client()
    login(graces_phone, grace)
    login(client, ada)
    [graces] = sessions_of(grace)
    assert client.post(f"/account/sessions/{graces.id}/end").status_code == 404
    assert signed_in(graces_phone)
    assert f"/account/sessions/{graces.id}/end" not in text(client.get("/account"))


@pytest.mark.parametrize("session_id", [0, 999, MAX_ID, MAX_ID + 1, 10**30, -1])
def test_session_ids_out_of_range_or_unknown_are_not_found(client, make_user, login, session_id):
    login(client, make_user())
    assert client.post(f"/account/sessions/{session_id}/end").status_code == 404
    assert signed_in(client)


def test_ending_a_session_is_post_only_and_needs_sign_in_and_the_form_token(app, client, new_client, make_user,
                                                                          login):
    user = make_user()
    phone = new_client()
    login(phone, user)
    [phones] = sessions_of(user)
    url = f"/account/sessions/{phones.id}/end"
    assert redirect_path(client.post(url)).startswith("/login")
    login(client, user)
    assert client.get(url).status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(url).status_code == 400
        assert signed_in(phone)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_session_ended_on_the_server_signs_nobody_in(client, make_user, login):
    user = make_user()
    login(client, user, remember="y")
    db.session.execute(update(UserSession).values(ended_at=func.now()))
    db.session.commit()
    assert not signed_in(client)


def test_a_deleted_session_row_signs_nobody_in(client, make_user, login):
    login(client, make_user(), remember="y")
    db.session.execute(UserSession.__table__.delete())
    db.session.commit()
    assert not signed_in(client)


def test_the_profile_makes_as_many_queries_with_one_device_as_with_five(client, new_client, make_user, login):
    user = make_user()
    login(client, user)

    def queries() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/account").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    one = queries()
    for _ in range(4):
        login(new_client(), user)
    assert len(sessions_of(user)) == 5
    assert queries() == one
    assert one <= 4  # the session and its user in one query, the sessions listed in one


# --- Profile --------------------------------------------------------------------------------------------------


FULL_PROFILE = {
    "name": "Ada L.", "locale": "en", "year_of_birth": "1990", "gender": "female", "region": "osh",
    "country": "KG", "background": "non_it", "skills": " Python, design,python ,  Public   health,, ",
    "organisation": "Civic Lab", "first_hackathon": "yes",
}


def test_profile_needs_sign_in(client):
    assert redirect_path(client.get("/account")) == "/login?next=/account"
    assert redirect_path(client.post("/account", data=FULL_PROFILE)) == "/login?next=/account"


def test_profile_stores_every_field(client, make_user, login):
    login(client, make_user("ada@example.org"))
    response = client.post("/account", data=FULL_PROFILE)
    assert redirect_path(response) == "/account"
    assert "Your profile is saved." in text(client.get("/account"))
    user = user_with("ada@example.org")
    assert (user.name, user.locale, user.year_of_birth, user.gender, user.region, user.country, user.background,
            user.skills, user.organisation, user.first_hackathon) == (
        "Ada L.", "en", 1990, Gender.female, "osh", "KG", Background.non_it,
        ["Python", "design", "Public health"], "Civic Lab", True)


def test_profile_page_shows_the_stored_answers(client, make_user, login):
    login(client, make_user("ada@example.org"))
    client.post("/account", data=FULL_PROFILE)
    page = text(client.get("/account"))
    assert 'value="Python, design, Public health"' in page
    assert 'value="1990"' in page
    assert re.search(r'<option selected value="female">|<option value="female" selected>', page)
    assert re.search(r'<option selected value="yes">|<option value="yes" selected>', page)
    assert re.search(r'<option selected value="KG">|<option value="KG" selected>', page)


def country_options(page: str) -> dict[str, str]:
    """The country select's options on the profile page: code -> shown name."""
    select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {code: name for code, name in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)
            if code}


@pytest.mark.parametrize("locale, kyrgyzstan", [("en", "Kyrgyzstan"), ("ru", "Киргизия"), ("ky", "Кыргызстан")])
def test_the_country_list_holds_real_countries_only(client, make_user, login, locale, kyrgyzstan):
    login(client, make_user("ada@example.org", locale=locale))
    countries = country_options(text(client.get("/account")))
    assert len(countries) == 249  # the assigned ISO 3166-1 alpha-2 codes
    assert all(len(code) == 2 and code.isupper() for code in countries)
    assert countries["KG"] == kyrgyzstan
    for not_a_country in ("EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "XK", "AC", "IC"):
        assert not_a_country not in countries
    if locale == "en":
        names = set(countries.values())
        for name in ("Pseudo-Accents", "Pseudo-Bidi", "European Union", "Eurozone", "United Nations",
                     "Unknown Region", "Outlying Oceania"):
            assert name not in names


def test_a_region_that_is_not_a_country_is_refused(client, make_user, login):
    login(client, make_user("ada@example.org"))
    response = client.post("/account", data=FULL_PROFILE | {"country": "EU"})
    assert response.status_code == 200 and 'class="field-error"' in text(response)
    assert user_with("ada@example.org").country is None

def test_profile_answers_can_be_cleared_and_no_means_false(client, make_user, login):
    login(client, make_user("ada@example.org"))
    client.post("/account", data=FULL_PROFILE)
    cleared = {key: "" for key in FULL_PROFILE} | {"name": "Ada", "locale": "en", "first_hackathon": "no"}
    client.post("/account", data=cleared)
    user = user_with("ada@example.org")
    assert (user.year_of_birth, user.gender, user.region, user.country, user.background, user.skills,
            user.organisation, user.first_hackathon) == (None, None, None, None, None, [], None, False)


def test_profile_cannot_change_the_email_or_admin_flag(client, make_user, login):
    login(client, make_user("ada@example.org"))
    client.post("/account", data=FULL_PROFILE | {"email": "other@example.org", "is_admin": "y"})
    user = user_with("ada@example.org")
    assert user is not None and not user.is_admin


@pytest.mark.parametrize("year, message", [
    ("abc", "Enter a whole number."),
    ("19.5", "Enter a whole number."),
    ("1800", "Enter a number between 1900 and {max}."),
    ("99999999999", "This number is too large."),
    ("-1990", "Enter a number between 1900 and {max}."),
    (str(date.today().year), "Enter a number between 1900 and {max}."),
])
def test_invalid_year_of_birth_gets_a_form_error(client, make_user, login, year, message):
    login(client, make_user("ada@example.org"))
    response = client.post("/account", data=FULL_PROFILE | {"year_of_birth": year})
    assert response.status_code == 200
    assert message.format(max=date.today().year - 10) in text(response)
    assert user_with("ada@example.org").year_of_birth is None


@pytest.mark.parametrize("field, value", [
    ("gender", "robot"), ("region", "atlantis"), ("country", "XXX"), ("background", "wizard"),
    ("first_hackathon", "maybe"), ("locale", "de"), ("locale", ""), ("name", ""), ("name", "x" * 121),
    ("organisation", "x" * 121), ("skills", "x" * 401),
])
def test_invalid_profile_values_get_a_form_error(client, make_user, login, field, value):
    login(client, make_user("ada@example.org", name="Before"))
    response = client.post("/account", data=FULL_PROFILE | {field: value})
    assert response.status_code == 200
    assert 'class="field-error"' in text(response)
    assert user_with("ada@example.org").name == "Before"


def test_skills_are_trimmed_and_capped(client, make_user, login):
    login(client, make_user("ada@example.org"))
    many = ", ".join(f"skill {n}" for n in range(30))
    client.post("/account", data=FULL_PROFILE | {"skills": many})
    assert user_with("ada@example.org").skills == [f"skill {n}" for n in range(20)]
    client.post("/account", data=FULL_PROFILE | {"skills": "y" * 60})
    assert user_with("ada@example.org").skills == ["y" * 40]


@pytest.mark.parametrize("locale", ["ru", "ky"])
def test_preferred_language_changes_the_page_language(client, make_user, login, locale):
    login(client, make_user("ada@example.org"))
    client.post("/account", data=FULL_PROFILE | {"locale": locale})
    page = text(client.get("/account"))
    assert f'<html lang="{locale}">' in page
    assert translated("Your profile", locale) != "Your profile"
    assert f"<h1>{translated('Your profile', locale)}</h1>" in page
    assert user_with("ada@example.org").locale == locale


def test_account_language_wins_over_the_browser(client, make_user, login):
    login(client, make_user("ada@example.org", locale="ky"))
    assert '<html lang="ky">' in text(client.get("/", headers={"Accept-Language": "ru"}))


# --- Language switcher ----------------------------------------------------------------------------------------


def test_language_switcher_for_visitors_uses_the_session(client, new_client):
    response = client.post("/language", data={"language": "ru", "next": "/login?next=/account"})
    assert redirect_path(response) == "/login?next=/account"
    assert '<html lang="ru">' in text(client.get("/login"))
    assert '<html lang="en">' in text(new_client().get("/login"))


def test_language_switcher_for_signed_in_people_is_stored_in_the_account(client, new_client, make_user, login):
    user = make_user("ada@example.org", locale="en")
    login(client, user)
    response = client.post("/language", data={"language": "ky", "next": "/account"})
    assert redirect_path(response) == "/account"
    assert '<html lang="ky">' in text(client.get("/account"))
    assert user_with("ada@example.org").locale == "ky"
    elsewhere = new_client()
    login(elsewhere, user)
    assert '<html lang="ky">' in text(elsewhere.get("/"))


def test_language_picked_before_sign_in_is_kept_for_an_account_without_one(client, make_user):
    make_user("ada@example.org")  # no preferred language yet
    client.post("/language", data={"language": "ru", "next": "/login"})
    client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert user_with("ada@example.org").locale == "ru"
    assert '<html lang="ru">' in text(client.get("/"))


def test_sign_in_with_no_language_chosen_stores_the_browser_language(client, make_user):
    make_user("ada@example.org")
    client.post("/login", data={"email": "ada@example.org", "password": PASSWORD},
                headers={"Accept-Language": "ky"})
    assert user_with("ada@example.org").locale == "ky"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", ""])
def test_language_switcher_ignores_an_unsafe_next(client, target):
    response = client.post("/language", data={"language": "ru", "next": target})
    assert redirect_path(response) == "/"
    assert '<html lang="ru">' in text(client.get("/"))


def test_language_switcher_refuses_an_unknown_language(client, make_user, login):
    login(client, make_user("ada@example.org", locale="en"))
    response = client.post("/language", data={"language": "de", "next": "/account"})
    assert redirect_path(response) == "/account"
    assert user_with("ada@example.org").locale == "en"
    with client.session_transaction() as session:
        assert "locale" not in session


def test_every_page_carries_the_switcher_back_to_itself(client):
    page = text(client.get("/reset?x=1"))
    assert 'action="/language"' in page
    assert 'name="next" type="hidden" value="/reset?x=1"' in page


# --- API tokens -----------------------------------------------------------------------------------------------


def create_token(client, name: str = "export script") -> str:
    response = client.post("/account/tokens", data={"name": name})
    assert response.status_code == 200
    match = re.search(r'<p class="secret">(hk_[A-Za-z0-9_-]+)</p>', text(response))
    assert match, "the new secret is not shown"
    return match.group(1)


def tokens_of(user: User) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def test_tokens_page_needs_sign_in(client):
    assert redirect_path(client.get("/account/tokens")).startswith("/login")
    assert redirect_path(client.post("/account/tokens", data={"name": "x"})).startswith("/login")
    assert redirect_path(client.post("/account/tokens/1/revoke")).startswith("/login")


def test_new_token_secret_is_shown_once_and_only_its_hash_is_stored(client, make_user, login):
    user = make_user("ada@example.org")
    login(client, user)
    secret = create_token(client, "export script")
    [token] = tokens_of(user)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.name, token.prefix, token.token_hash)
    assert token.prefix == secret[:10] and token.name == "export script"
    later = text(client.get("/account/tokens"))
    assert secret not in later
    assert token.prefix in later and "export script" in later


def test_a_token_acts_as_its_owner_in_the_api_until_revoked(client, new_client, make_user, make_event, grant,
                                                            login):
    user = make_user("ada@example.org")
    draft = make_event("draft-hack", is_published=False)
    grant(user, draft, Role.mentor)
    login(client, user)
    secret = create_token(client)
    api = new_client()
    headers = {"Authorization": f"Bearer {secret}"}
    listed = api.get("/api/v1/events", headers=headers)
    assert listed.status_code == 200
    assert [event["slug"] for event in listed.get_json()["events"]] == ["draft-hack"]
    assert tokens_of(user)[0].last_used_at is not None

    [token] = tokens_of(user)
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert redirect_path(response) == "/account/tokens"
    assert tokens_of(user)[0].revoked_at is not None
    page = text(client.get("/account/tokens"))
    assert "The token is revoked." in page and "Revoked" in page
    assert api.get("/api/v1/events", headers=headers).status_code == 401


def test_revoking_another_persons_token_is_not_found(client, make_user, login, new_client):
    owner, intruder = make_user("owner@example.org"), make_user("intruder@example.org")
    login(client, owner)
    create_token(client, "owner's nightly sync")
    [token] = tokens_of(owner)
    other = new_client()
    login(other, intruder)
    assert other.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert tokens_of(owner)[0].revoked_at is None
    assert "nightly sync" not in text(other.get("/account/tokens"))


@pytest.mark.parametrize("token_id", [0, MAX_ID, MAX_ID + 1, 2**63, 10**30, -1])
def test_token_ids_out_of_range_or_unknown_are_not_found(client, make_user, login, token_id):
    login(client, make_user())
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404


@pytest.mark.parametrize("name, message", [("", "This field is required."), ("x" * 81, "Use at most 80 characters.")])
def test_token_name_is_checked(client, make_user, login, name, message):
    user = make_user()
    login(client, user)
    response = client.post("/account/tokens", data={"name": name})
    assert first_error(text(response)) == message
    assert "hk_" not in text(response)
    assert tokens_of(user) == []


# --- Rate limits ----------------------------------------------------------------------------------------------


@contextmanager
def rate_limited_client(app, **settings):
    """A client of a second app on the same database with rate limiting on. The limiter is one object shared by
    every app, and creating an app with limits on switches it on for all of them: it is switched back after."""
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


@pytest.fixture
def limited_client(app):
    with rate_limited_client(app) as limited:
        yield limited


@pytest.mark.parametrize("path", ["/register", "/reset", "/confirm"])
def test_too_many_posts_get_the_friendly_429_page(limited_client, path):
    for _ in range(10):  # AUTH_RATE_LIMIT: 10 per minute
        assert limited_client.post(path, data={"email": "x@example.org"}).status_code == 200
    response = limited_client.post(path, data={"email": "x@example.org"})
    assert response.status_code == 429
    page = text(response)
    assert "Too many attempts. Please wait a minute and try again." in page
    assert "<h1>Too many requests" in page
    assert int(response.headers["Retry-After"]) > 0
    assert limited_client.get(path).status_code == 200  # reading the form is not limited


def test_limits_are_counted_per_route(limited_client):
    for _ in range(11):
        limited_client.post("/register", data={})
    assert limited_client.post("/register", data={}).status_code == 429
    assert limited_client.post("/reset", data={}).status_code == 200
    assert limited_client.post("/login", data={}).status_code == 200  # sign-in counts failures instead (below)


def test_limit_comes_from_the_config(app):
    with rate_limited_client(app, AUTH_RATE_LIMIT="2 per minute") as limited:
        assert [limited.post("/register", data={}).status_code for _ in range(3)] == [200, 200, 429]


def test_after_a_rate_limited_app_the_other_tests_are_not_limited(app, client):
    with rate_limited_client(app) as limited:
        limited.post("/register", data={})
    assert [client.post("/register", data={}).status_code for _ in range(12)] == [200] * 12


# --- Sign-in limits: failures counted per account and per address ------------------------------------------


@pytest.fixture
def quick_hashes(monkeypatch):
    """Cheap argon2 parameters for tests that sign in hundreds of times: they test the limits, not the hash.
    Call the returned function after making the users to give them all a cheap hash of PASSWORD."""
    from argon2 import PasswordHasher

    from hackathon.accounts import services

    cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    monkeypatch.setattr(services, "_hasher", cheap)
    monkeypatch.setattr(services, "_DUMMY_HASH", cheap.hash("not-a-real-password-0123456789"))
    cheap_hash = cheap.hash(PASSWORD)

    def apply() -> None:
        db.session.execute(update(User).values(password_hash=cheap_hash))
        db.session.commit()

    return apply


@pytest.fixture
def limits_clock(monkeypatch):
    """Move the clock of the in-memory limit storage forward by some seconds."""
    import time as real_time

    import limits.storage.memory

    offset = {"seconds": 0.0}
    monkeypatch.setattr(limits.storage.memory, "time",
                        SimpleNamespace(time=lambda: real_time.time() + offset["seconds"]))

    def advance(seconds: float) -> None:
        offset["seconds"] += seconds

    return advance


def sign_in_from(limited, email: str, password: str, address: str = "127.0.0.1", **kwargs):
    """One sign-in attempt from a fresh browser at the given address."""
    return limited.application.test_client().post(
        "/login", data={"email": email, "password": password}, environ_overrides={"REMOTE_ADDR": address}, **kwargs)


ACCOUNT_LIMITED = "Too many failed sign-ins for this email address."
ADDRESS_LIMITED = "Too many failed sign-ins from your network."


def test_a_crowd_behind_one_address_all_sign_in(app, make_user, quick_hashes):
    """A 200-person kickoff behind one NAT, one in ten mistyping their password first."""
    with rate_limited_client(app) as limited:
        people = [make_user(f"person{n}@example.org") for n in range(200)]
        quick_hashes()
        outcomes = []
        for n, person in enumerate(people):
            if n % 10 == 0:
                assert sign_in_from(limited, person.email, "not quite my password").status_code == 200
            outcomes.append(sign_in_from(limited, person.email, PASSWORD).status_code)
        assert outcomes == [302] * 200


def test_guessing_one_account_is_stopped_even_with_the_right_password_until_the_window_passes(
        app, make_user, quick_hashes, limits_clock):
    with rate_limited_client(app) as limited:
        ada, bob = make_user("ada@example.org"), make_user("bob@example.org")
        quick_hashes()
        for n in range(10):  # LOGIN_FAILURE_LIMIT_PER_ACCOUNT: 10 per 15 minutes, whatever the case of the address
            wrong = sign_in_from(limited, "ADA@example.org" if n % 2 else ada.email, f"guess number {n}")
            assert wrong.status_code == 200 and "The email or password is incorrect." in text(wrong)
        refused = sign_in_from(limited, ada.email, "guess number 11")
        assert refused.status_code == 429
        assert ACCOUNT_LIMITED in text(refused) and 'name="password"' in text(refused)
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        right = sign_in_from(limited, ada.email, PASSWORD, address="10.9.8.7")  # from anywhere
        assert right.status_code == 429 and ACCOUNT_LIMITED in text(right)
        in_russian = sign_in_from(limited, ada.email, PASSWORD, headers={"Accept-Language": "ru"})
        assert "Слишком много неудачных попыток входа для этого адреса почты." in text(in_russian)
        assert sign_in_from(limited, bob.email, PASSWORD).status_code == 302  # the same address, another account
        limits_clock(15 * 60 + 1)
        assert sign_in_from(limited, ada.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_starts_the_account_count_again(app, make_user, quick_hashes):
    with rate_limited_client(app, LOGIN_FAILURE_LIMIT_PER_ACCOUNT="3 per 15 minutes") as limited:
        ada = make_user("ada@example.org")
        quick_hashes()
        assert [sign_in_from(limited, ada.email, "wrong password").status_code for _ in range(2)] == [200] * 2
        assert sign_in_from(limited, ada.email, PASSWORD).status_code == 302
        assert [sign_in_from(limited, ada.email, "wrong password").status_code for _ in range(4)] == [200] * 3 + [429]


def test_a_password_reset_lifts_the_account_limit(app, make_user, quick_hashes, outbox):
    with rate_limited_client(app, LOGIN_FAILURE_LIMIT_PER_ACCOUNT="2 per 15 minutes") as limited:
        ada = make_user("ada@example.org")
        quick_hashes()
        for _ in range(3):
            sign_in_from(limited, ada.email, "wrong password")
        assert sign_in_from(limited, ada.email, PASSWORD).status_code == 429
        browser = limited.application.test_client()
        browser.post("/reset", data={"email": ada.email})
        link = link_in(mails(outbox, ada.email, "reset_password")[-1], "/reset/")
        assert redirect_path(browser.post(link, data={"password": NEW_PASSWORD})) == "/login"
        assert sign_in_from(limited, ada.email, NEW_PASSWORD).status_code == 302


def test_wrong_passwords_spread_over_accounts_from_one_address_meet_the_address_limit(app, make_user,
                                                                                     quick_hashes):
    with rate_limited_client(app) as limited:
        ada = make_user("ada@example.org")
        quick_hashes()
        for n in range(100):  # LOGIN_FAILURE_LIMIT_PER_ADDRESS: 100 per 15 minutes; 5 guesses per account
            assert sign_in_from(limited, f"person{n // 5}@example.org", "guess").status_code == 200
        refused = sign_in_from(limited, ada.email, PASSWORD)
        assert refused.status_code == 429 and ADDRESS_LIMITED in text(refused)
        assert sign_in_from(limited, ada.email, PASSWORD, address="10.9.8.7").status_code == 302


def test_sign_in_limits_come_from_the_config(app, make_user, quick_hashes):
    with rate_limited_client(app, LOGIN_FAILURE_LIMIT_PER_ACCOUNT="2 per minute",
                             LOGIN_FAILURE_LIMIT_PER_ADDRESS="3 per minute") as limited:
        make_user("ada@example.org")
        quick_hashes()
        assert [sign_in_from(limited, "ada@example.org", "wrong").status_code for _ in range(3)] == [200, 200, 429]
        assert [sign_in_from(limited, "bob@example.org", "wrong").status_code for _ in range(2)] == [200, 429]
        assert ADDRESS_LIMITED in text(sign_in_from(limited, "carol@example.org", "wrong"))


@pytest.mark.parametrize("proxies, other_client", [(0, 429), (1, 302)])
def test_behind_a_proxy_the_limits_count_the_forwarded_address(app, make_user, quick_hashes, proxies, other_client):
    """Behind one proxy every request comes from its address: with PROXY_COUNT=1 the limits count the address
    it forwards (the client's); without the setting every client behind the proxy shares one count."""
    with rate_limited_client(app, PROXY_COUNT=proxies, LOGIN_FAILURE_LIMIT_PER_ADDRESS="2 per minute") as limited:
        make_user("ada@example.org")
        quick_hashes()
        for n in range(2):
            sign_in_from(limited, f"person{n}@example.org", "guess", headers={"X-Forwarded-For": "203.0.113.7"})
        assert sign_in_from(limited, "ada@example.org", PASSWORD,
                            headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
        assert sign_in_from(limited, "ada@example.org", PASSWORD,
                            headers={"X-Forwarded-For": "198.51.100.1"}).status_code == other_client


@pytest.mark.parametrize("setting", ["LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "LOGIN_FAILURE_LIMIT_PER_ADDRESS",
                                     "AUTH_RATE_LIMIT"])
def test_a_limit_that_cannot_be_read_stops_the_app_from_starting(setting):
    with pytest.raises(RuntimeError, match=setting):
        create_app("testing", **{setting: "lots per while"})


# --- Command line -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email, password, message", [
    ("boss@example.org", "short", "Use at least 10 characters."),
    ("boss@", "a long enough password", "Enter a valid email address, like name@example.org."),
])
def test_create_admin_command_explains_what_is_wrong(runner, email, password, message):
    result = runner.invoke(args=["users", "create-admin", email, "--password", password])
    assert result.exit_code == 1
    assert message in result.output
    assert user_count() == 0


# --- Escaping -------------------------------------------------------------------------------------------------


def test_a_script_in_the_name_is_escaped_on_the_profile_page(client, make_user, login):
    login(client, make_user("ada@example.org", name=XSS))
    page = text(client.get("/account"))
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_script_in_the_name_is_escaped_in_the_people_list_and_in_mail(client, make_user, make_event, grant,
                                                                         login, outbox):
    register(client, name=XSS, email="x@example.org")
    mentor = user_with("x@example.org")
    organiser = make_user("org@example.org")
    event = make_event("civic")
    grant(mentor, event, Role.mentor)
    grant(organiser, event, Role.organiser)
    login(client, organiser)
    page = text(client.get("/events/civic/people"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page
    [mail] = outbox("x@example.org")
    assert XSS not in mail.body_html
    assert "&lt;script&gt;" in mail.body_html


def test_a_script_in_the_name_is_escaped_when_the_form_is_shown_again(client):
    response = register(client, name=XSS, password="short")
    assert XSS not in text(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(response)


def test_a_script_in_the_email_is_escaped_on_the_check_mail_page(client):
    address = '"><script>alert(1)</script>@example.org'
    for path in ("/reset", "/confirm"):
        page = text(client.post(path, data={"email": address}))
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


def test_a_script_in_a_token_name_is_escaped(client, make_user, login):
    login(client, make_user())
    client.post("/account/tokens", data={"name": XSS})
    page = text(client.get("/account/tokens"))
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
