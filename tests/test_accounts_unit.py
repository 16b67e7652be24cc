"""Account rules tested on the services directly: email normalisation, password strength and hashing,
sign-in, confirmation and reset tokens, password change, profile updates, API tokens, admin creation.

The pages that use them are tested end to end in test_accounts.py.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from hackathon.accounts import services
from hackathon.accounts.devices import address_prefix, describe_user_agent
from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.accounts.services import (EmailNotConfirmed, InvalidEmail, SignInFailed, WeakPassword,
                                         authenticate, change_password, common_passwords, confirm_email,
                                         confirmation_token, create_admin, create_api_token, hash_password,
                                         normalise_email, password_problem, register_user, request_password_reset,
                                         resend_confirmation, reset_password, revoke_api_token, set_locale,
                                         update_profile, user_for_api_token, user_for_reset_token, verify_password)
from hackathon.errors import DomainError, InvalidToken, NotFound
from hackathon.extensions import db
from hackathon.permissions import is_safe_next
from tests.conftest import PASSWORD, link_in

NEW_PASSWORD = "purple elephant cloud river"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
LONGEST = "a" * 64 + "@" + ".".join(["c" * 60] * 3) + ".cc.org"  # 254 characters
TOO_COMMON = "This password is too common. Try a few unrelated words."


@pytest.fixture
def clock(monkeypatch):
    """Move the clock of signed links (itsdangerous timestamps) forward by some seconds."""
    offset = {"seconds": 0}
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_timestamp(self) + offset["seconds"])

    def advance(seconds: int) -> None:
        offset["seconds"] += seconds

    return advance


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def open_sessions(user: User) -> list[int]:
    """Ids of the account's sessions not ended."""
    db.session.expire_all()
    return list(db.session.scalars(
        select(UserSession.id).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.id)))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def reset_token_from(outbox) -> str:
    return link_in(outbox()[-1], "/reset/").removeprefix("/reset/")


# --- Email normalisation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("foo@example.org", "foo@example.org"),
    ("Foo@Example.ORG", "foo@example.org"),
    ("  A.B+Tag@Example.org\t", "a.b+tag@example.org"),
    ("user@пример.рф", "user@xn--e1afmkfd.xn--p1ai"),  # non-ASCII domains are kept in their ASCII form
    ("demo@hackathon.test", "demo@hackathon.test"),
    (LONGEST, LONGEST),
])
def test_normalise_email_lower_cases_and_strips(app, raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["пётр@example.org", "josé@example.org", "用户@example.org"])
def test_normalise_email_refuses_non_latin_local_parts_with_a_clear_message(app, raw):
    with pytest.raises(InvalidEmail) as error:
        normalise_email(raw)
    assert error.value.message == (
        "Use an email address with only Latin letters, digits and .-_+ before the @ sign.")


@pytest.mark.parametrize("raw", [
    "", None, "   ", "plain", "@example.org", "ada@", "ada@@example.org", "ada@example", "a b@example.org",
    "ada@example..org", "ada@-example.org", "a@" + "b" * 250 + ".org",
    "a" * 64 + "@" + ".".join(["c" * 60] * 3) + ".ccc.org",  # 255 characters: 254 are the most
])
def test_normalise_email_refuses_invalid_addresses(app, raw):
    with pytest.raises(InvalidEmail) as error:
        normalise_email(raw)
    assert error.value.message in ("Enter a valid email address, like name@example.org.",
                                   "This email address is too long.")


# --- Password rules and hashing -------------------------------------------------------------------------------


@pytest.mark.parametrize("password, problem", [
    ("", "Use at least 10 characters."),
    ("nine char", "Use at least 10 characters."),
    ("ten chars!", None),
    ("xy1" * 85 + "z", None),  # 256 characters
    ("xy1" * 85 + "zz", "Use at most 256 characters."),
    ("qwertyuiop", TOO_COMMON),
    ("password123", TOO_COMMON),
    ("QwertyUiop", TOO_COMMON),
    ("aaaaaaaaaaaa", TOO_COMMON),
    ("abababababab", TOO_COMMON),
    ("abcabcabcabc", None),
    ("correct horse battery staple", None),
    ("Горные реки Нарына", None),
])
def test_password_problem(app, password, problem):
    assert password_problem(password) == problem


@pytest.mark.parametrize("password", ["adalovelace", "AdaLovelace", "adalovelace@example.org"])
def test_password_must_not_be_the_email(app, password):
    assert password_problem(password, email="adalovelace@example.org") == (
        "The password must not be your email address.")


def test_common_password_list_is_lower_case_and_has_the_usual_suspects():
    words = common_passwords()
    assert {"qwertyuiop", "password123"} <= words
    assert len(words) > 1000
    assert all(word == word.lower().strip() and word and not word.startswith("#") for word in words)


def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second
    assert PASSWORD not in first


def test_verify_password(make_user):
    user = make_user()
    assert verify_password(user, PASSWORD)
    assert not verify_password(user, PASSWORD + " ")
    assert not verify_password(user, "")
    assert not verify_password(None, PASSWORD)
    user.password_hash = "not a hash"
    assert not verify_password(user, PASSWORD)


def test_unknown_email_costs_a_hash_verification_like_a_wrong_password(app, make_user, monkeypatch):
    """So that response times do not tell who has an account."""
    calls = []

    class SpyHasher:
        def __init__(self, real):
            self.real = real

        def verify(self, hash, password):
            calls.append(hash)
            return self.real.verify(hash, password)

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(services, "_hasher", SpyHasher(services._hasher))
    make_user("ada@example.org")
    for email in ("ada@example.org", "nobody@example.org"):
        with pytest.raises(SignInFailed):
            authenticate(email, "wrong password here")
    assert len(calls) == 2
    assert all(hash.startswith("$argon2id$") for hash in calls)


# --- Sign-in --------------------------------------------------------------------------------------------------


def test_authenticate_returns_the_user_and_records_the_time(make_user):
    user = make_user("ada@example.org")
    assert authenticate(" ADA@example.org ", PASSWORD, now=NOW) == user
    assert reload(user).last_login_at == NOW


@pytest.mark.parametrize("email, password", [
    ("ada@example.org", "wrong password here"),
    ("nobody@example.org", PASSWORD),
    ("gone@example.org", PASSWORD),
    ("not an address", PASSWORD),
    ("", ""),
])
def test_every_sign_in_failure_has_the_same_message(make_user, outbox, email, password):
    make_user("ada@example.org")
    make_user("gone@example.org", is_active_account=False)
    with pytest.raises(SignInFailed) as error:
        authenticate(email, password)
    assert error.value.message == "The email or password is incorrect."
    assert outbox() == []


def test_unconfirmed_sign_in_is_refused_and_mails_a_new_link(make_user, outbox):
    user = make_user("ada@example.org", confirmed=False)
    with pytest.raises(EmailNotConfirmed):
        authenticate("ada@example.org", PASSWORD)
    [mail] = outbox()
    assert mail.template == "confirm_email"
    confirm_email(link_in(mail, "/confirm/").removeprefix("/confirm/"))
    assert reload(user).is_confirmed
    assert authenticate("ada@example.org", PASSWORD) == user


def test_sign_in_upgrades_an_outdated_hash(make_user):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = make_user("ada@example.org")
    user.password_hash = weak.hash(PASSWORD)
    db.session.commit()
    old_hash = user.password_hash
    authenticate("ada@example.org", PASSWORD)
    user = reload(user)
    assert user.password_hash != old_hash
    assert not services._hasher.check_needs_rehash(user.password_hash)
    assert verify_password(user, PASSWORD)


def test_sign_in_keeps_a_current_hash(make_user):
    user = make_user("ada@example.org")
    old_hash = user.password_hash
    authenticate("ada@example.org", PASSWORD)
    assert reload(user).password_hash == old_hash


@pytest.mark.parametrize("target, safe", [
    ("/", True), ("/events/x/", True), ("/account?tab=1#top", True),
    (None, False), ("", False), ("events", False), ("https://evil.example/", False), ("//evil.example", False),
    ("///evil.example", False), ("/\\evil.example", False), ("\\\\evil.example", False),
    ("http:/evil.example", False), ("javascript:alert(1)", False), ("/\r\nSet-Cookie: x=1", False),
    ("/\x00", False),
])
def test_only_local_paths_are_safe_to_go_to_after_sign_in(target, safe):
    assert is_safe_next(target) is safe


# --- Registration ---------------------------------------------------------------------------------------------


def test_register_user_creates_an_unconfirmed_account_and_mails_a_link(app, outbox):
    user = register_user(name="  Ada  ", email="Ada@Example.org", password=PASSWORD, locale="ky")
    assert (user.name, user.email, user.locale, user.is_confirmed, user.is_admin) == (
        "Ada", "ada@example.org", "ky", False, False)
    assert verify_password(user, PASSWORD)
    [mail] = outbox()
    assert (mail.to_address, mail.template, mail.locale) == ("ada@example.org", "confirm_email", "ky")


def test_register_user_with_a_taken_address_mails_the_owner_and_returns_nothing(app, make_user, outbox):
    owner = make_user("ada@example.org", name="Ada")
    assert register_user(name="Eve", email="ADA@example.org", password=NEW_PASSWORD, locale="ru") is None
    assert user_count() == 1
    assert reload(owner).name == "Ada" and verify_password(reload(owner), PASSWORD)
    [mail] = outbox()
    assert (mail.to_address, mail.template, mail.locale) == ("ada@example.org", "account_exists", "ru")


def test_register_user_checks_the_password_before_looking_the_address_up(app, make_user, outbox):
    """A weak password is refused the same way whether or not the address has an account."""
    make_user("ada@example.org")
    for address in ("ada@example.org", "new@example.org"):
        with pytest.raises(WeakPassword):
            register_user(name="Eve", email=address, password="password123", locale="en")
    assert user_count() == 1 and outbox() == []


def test_register_user_refuses_an_invalid_address(app, outbox):
    with pytest.raises(InvalidEmail):
        register_user(name="Ada", email="ada@", password=PASSWORD, locale="en")
    assert user_count() == 0 and outbox() == []


def test_register_user_with_an_unknown_locale_mails_in_english(app, outbox):
    register_user(name="Ada", email="ada@example.org", password=PASSWORD, locale="de")
    assert outbox()[0].locale == "en"


# --- Email confirmation ---------------------------------------------------------------------------------------


def test_confirm_email_records_the_time_once(make_user):
    user = make_user(confirmed=False)
    token = confirmation_token(user)
    assert confirm_email(token, now=NOW) == user
    assert reload(user).email_confirmed_at == NOW
    with pytest.raises(InvalidToken) as error:
        confirm_email(token, now=NOW + timedelta(hours=1))
    assert error.value.message == "This link was already used. Your email is confirmed: you can sign in."
    assert reload(user).email_confirmed_at == NOW


def test_confirmation_token_expires(app, make_user, clock):
    user = make_user(confirmed=False)
    token = confirmation_token(user)
    clock(app.config["EMAIL_CONFIRM_MAX_AGE"] + 1)
    with pytest.raises(InvalidToken) as error:
        confirm_email(token)
    assert error.value.message == "This confirmation link has expired. Ask for a new one below."
    assert not reload(user).is_confirmed


def test_confirmation_token_is_bound_to_the_address(make_user):
    user = make_user("ada@example.org", confirmed=False)
    token = confirmation_token(user)
    user.email = "other@example.org"
    db.session.commit()
    with pytest.raises(InvalidToken, match="not valid"):
        confirm_email(token)


def test_confirmation_token_of_a_deleted_account_is_refused(make_user):
    user = make_user(confirmed=False)
    token = confirmation_token(user)
    db.session.delete(user)
    db.session.commit()
    with pytest.raises(InvalidToken, match="not valid"):
        confirm_email(token)


def test_confirmation_token_signed_with_another_key_is_refused(app, make_user, monkeypatch):
    user = make_user(confirmed=False)
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key")
    token = confirmation_token(user)
    monkeypatch.setitem(app.config, "SECRET_KEY", "testing-secret-key")
    with pytest.raises(InvalidToken, match="not valid"):
        confirm_email(token)


@pytest.mark.parametrize("email", ["nobody@example.org", "confirmed@example.org", "not an address"])
def test_resend_confirmation_is_silent_unless_an_unconfirmed_account_has_the_address(make_user, outbox, email):
    make_user("confirmed@example.org")
    resend_confirmation(email, locale="en")
    assert outbox() == []


def test_resend_confirmation_mails_an_unconfirmed_account_in_its_language(make_user, outbox):
    make_user("new@example.org", confirmed=False, locale="ky")
    resend_confirmation("NEW@example.org", locale="ru")
    [mail] = outbox()
    assert (mail.to_address, mail.template, mail.locale) == ("new@example.org", "confirm_email", "ky")


# --- Password reset and change --------------------------------------------------------------------------------


def test_reset_token_is_worthless_once_the_password_changed(make_user, outbox):
    user = make_user("ada@example.org")
    request_password_reset("ada@example.org", locale="en")
    token = reset_token_from(outbox)
    assert user_for_reset_token(token) == user
    change_password(user, PASSWORD, NEW_PASSWORD)
    with pytest.raises(InvalidToken, match="already used"):
        user_for_reset_token(token)


def test_reset_token_expires(app, make_user, outbox, clock):
    make_user("ada@example.org")
    request_password_reset("ada@example.org", locale="en")
    token = reset_token_from(outbox)
    clock(app.config["PASSWORD_RESET_MAX_AGE"] + 1)
    with pytest.raises(InvalidToken, match="expired"):
        user_for_reset_token(token)


def test_confirmation_token_is_no_reset_token(make_user):
    user = make_user()
    with pytest.raises(InvalidToken, match="not valid"):
        user_for_reset_token(confirmation_token(user))


@pytest.mark.parametrize("email", ["nobody@example.org", "gone@example.org", "not an address"])
def test_reset_request_mails_only_active_accounts(make_user, outbox, email):
    make_user("gone@example.org", is_active_account=False)
    request_password_reset(email, locale="en")
    assert outbox() == []


def test_reset_password_sets_the_password_confirms_and_ends_sessions(make_user, outbox):
    user = make_user("ada@example.org", confirmed=False, locale="ru")
    services.start_session(user)
    services.start_session(user, remembered=True)
    request_password_reset("ada@example.org", locale="en")
    assert outbox()[0].locale == "ru"
    reset_password(reset_token_from(outbox), NEW_PASSWORD, now=NOW)
    user = reload(user)
    assert verify_password(user, NEW_PASSWORD) and not verify_password(user, PASSWORD)
    assert user.email_confirmed_at == NOW
    assert open_sessions(user) == []
    assert [(m.template, m.locale) for m in outbox()] == [("reset_password", "ru"), ("password_changed", "ru")]


def test_reset_password_revokes_the_api_tokens_and_says_how_many(make_user, outbox):
    user = make_user("ada@example.org")
    create_api_token(user, "one")
    create_api_token(user, "two")
    revoke_api_token(user, create_api_token(user, "already revoked")[0].id)
    request_password_reset("ada@example.org", locale="en")
    _, revoked = reset_password(reset_token_from(outbox), NEW_PASSWORD, now=NOW)
    assert revoked == 2
    db.session.expire_all()
    assert all(token.revoked_at is not None for token in db.session.scalars(select(ApiToken)))


def test_end_other_sessions_keeps_the_one_given(make_user):
    user, other = make_user(), make_user()
    laptop, phone, tablet = (services.start_session(user) for _ in range(3))
    theirs = services.start_session(other)
    assert services.end_other_sessions(user, phone) == 2
    assert open_sessions(user) == [phone.id] and open_sessions(other) == [theirs.id]


def test_reset_password_keeps_an_earlier_confirmation(make_user, outbox):
    user = make_user("ada@example.org")
    confirmed_at = user.email_confirmed_at
    request_password_reset("ada@example.org", locale="en")
    reset_password(reset_token_from(outbox), NEW_PASSWORD, now=NOW)
    assert reload(user).email_confirmed_at == confirmed_at


def test_reset_password_refuses_a_weak_password_and_changes_nothing(make_user, outbox):
    user = make_user("ada@example.org", confirmed=False)
    kept = services.start_session(user).id
    request_password_reset("ada@example.org", locale="en")
    token = reset_token_from(outbox)
    with pytest.raises(WeakPassword):
        reset_password(token, "qwertyuiop")
    db.session.rollback()
    user = reload(user)
    assert verify_password(user, PASSWORD) and not user.is_confirmed and open_sessions(user) == [kept]
    assert user_for_reset_token(token) == user
    assert [m.template for m in outbox()] == ["reset_password"]


def test_change_password(make_user, outbox):
    user = make_user("ada@example.org")
    services.start_session(user)
    change_password(user, PASSWORD, NEW_PASSWORD)
    user = reload(user)
    assert verify_password(user, NEW_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert open_sessions(user) == []  # none kept unless named
    assert [(m.to_address, m.template) for m in outbox()] == [("ada@example.org", "password_changed")]


def test_change_password_needs_the_current_password(make_user, outbox):
    user = make_user("ada@example.org")
    kept = services.start_session(user).id
    with pytest.raises(DomainError) as error:
        change_password(user, "not my password", NEW_PASSWORD)
    assert not isinstance(error.value, WeakPassword)
    assert error.value.message == "Your current password is not correct."
    user = reload(user)
    assert verify_password(user, PASSWORD) and open_sessions(user) == [kept] and outbox() == []


def test_change_password_refuses_a_weak_new_password(make_user, outbox):
    user = make_user("ada@example.org")
    with pytest.raises(WeakPassword):
        change_password(user, PASSWORD, "ada@example.org")
    db.session.rollback()
    assert verify_password(reload(user), PASSWORD) and outbox() == []


def test_change_password_keeps_this_session_under_a_new_key_and_ends_the_others(make_user):
    user = make_user()
    this, other = services.start_session(user), services.start_session(user)
    services.start_session(user)
    old_id = user.get_id()  # the last one started
    this = db.session.get(UserSession, this.id)
    user.current_session, user.session_key = this, None
    old_hash = this.key_hash
    change_password(user, PASSWORD, NEW_PASSWORD, keep=this)
    assert open_sessions(user) == [this.id]
    assert this.key_hash != old_hash and user.current_session is this
    assert services.user_for_session_key(user.get_id()).id == user.id
    assert services.user_for_session_key(old_id) is None and other.id not in open_sessions(user)


# --- Sessions per device ----------------------------------------------------------------------------------------


def key_of(user: User) -> str:
    return user.get_id()


def test_a_started_session_signs_in_with_its_key_only(app, make_user):
    user, other = make_user(), make_user()
    row = services.start_session(user, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                                 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                                 address="198.51.100.23", now=NOW)
    user_key = user.get_id()
    user_id, _, key = user_key.partition(":")
    assert (int(user_id), row.browser, row.platform, row.address_prefix, row.remembered) == (
        user.id, "Safari", "iPhone", "198.51.100.0/24", False)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash
    assert services.user_for_session_key(user_key, now=NOW).current_session.id == row.id
    for forged in (f"{other.id}:{key}", f"{user.id}:{key[:-1]}", f"{user.id}:", f"{user.id}:1", f"{user.id}",
                   "", ":", f"x:{key}", f"{2**31}:{key}", f"{user.id}:{'k' * 101}", f"-1:{key}",
                   f"\u0661:{key}", f"{user.id}:{key}\u00e9", f"\u00b2:{key}"):
        assert services.user_for_session_key(forged, now=NOW) is None, forged


def test_a_user_without_a_started_session_has_no_usable_id(make_user):
    user = make_user()
    assert user.get_id() == f"{user.id}:" and services.user_for_session_key(user.get_id()) is None


@pytest.mark.parametrize("remembered, lasts", [(False, timedelta(days=14)), (True, timedelta(days=30))])
def test_sessions_end_after_their_lifetime(app, make_user, remembered, lasts):
    user = make_user()
    services.start_session(user, remembered=remembered, now=NOW)
    user_key = key_of(user)
    assert services.user_for_session_key(user_key, now=NOW + lasts - timedelta(seconds=1)) is not None
    assert services.user_for_session_key(user_key, now=NOW + lasts) is None
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=14)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_an_ended_session_or_an_inactive_account_signs_nobody_in(make_user):
    user = make_user()
    row = services.start_session(user, now=NOW)
    user_key = key_of(user)
    services.end_session(row, now=NOW)
    assert services.user_for_session_key(user_key, now=NOW) is None
    other = make_user(is_active_account=False)
    services.start_session(other, now=NOW)
    assert services.user_for_session_key(key_of(other), now=NOW) is None


def test_last_seen_moves_at_most_every_five_minutes_without_committing_the_request(make_user):
    user = make_user()
    row_id = services.start_session(user, now=NOW).id
    user_key = key_of(user)
    services.user_for_session_key(user_key, now=NOW + timedelta(minutes=4, seconds=59))
    db.session.expire_all()
    assert db.session.get(UserSession, row_id).last_seen_at == NOW
    user = reload(user)
    user.name = "Not committed"
    loaded = services.user_for_session_key(user_key, now=NOW + timedelta(minutes=5))
    assert loaded.current_session.last_seen_at == NOW + timedelta(minutes=5)
    assert loaded.name == "Not committed"  # the request's own changes are neither flushed, committed nor expired
    db.session.rollback()
    assert db.session.get(UserSession, row_id).last_seen_at == NOW + timedelta(minutes=5)
    assert reload(user).name != "Not committed"


def test_ending_another_persons_session_is_not_found(make_user):
    user, other = make_user(), make_user()
    theirs = services.start_session(other)
    with pytest.raises(NotFound):
        services.end_session_of(user, theirs.id)
    with pytest.raises(NotFound):
        services.end_session_of(user, 12345)
    assert open_sessions(other) == [theirs.id]


def test_prune_deletes_sessions_ended_or_expired_a_month_ago(make_user, runner):
    user = make_user()
    kept = services.start_session(user, remembered=True, now=NOW - timedelta(days=20))
    recent_ended = services.start_session(user, now=NOW - timedelta(days=2))
    services.end_session(recent_ended, now=NOW - timedelta(days=1))
    old_ended = services.start_session(user, now=NOW - timedelta(days=60))
    services.end_session(old_ended, now=NOW - timedelta(days=59))
    services.start_session(user, now=NOW - timedelta(days=60))  # expired 46 days ago
    assert services.prune_sessions(now=NOW) == 2
    assert set(db.session.scalars(select(UserSession.id))) == {recent_ended.id, kept.id}
    result = runner.invoke(args=["accounts", "prune-sessions"])
    # Run today, long after NOW: the two left ended or expired more than a month ago as well.
    assert result.exit_code == 0 and "Deleted 2 old sessions." in result.output
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_signing_in_prunes_the_persons_own_old_sessions(make_user):
    user, other = make_user(), make_user()
    services.end_session(services.start_session(user, now=NOW - timedelta(days=90)), now=NOW - timedelta(days=90))
    services.end_session(services.start_session(other, now=NOW - timedelta(days=90)), now=NOW - timedelta(days=90))
    services.start_session(user, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2


@pytest.mark.parametrize("agent, expected", [
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile "
     "Safari/537.36", ("Chrome", "Android")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
     "Safari/537.36 Edg/124.0.2478.51", ("Edge", "Windows")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", ("Firefox", "Windows")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
     "Safari/605.1.15", ("Safari", "macOS")),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0 "
     "Mobile/15E148 Safari/604.1", ("Chrome", "iPhone")),
    ("Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 "
     "Chrome/117.0.0.0 Mobile Safari/537.36", ("Samsung Internet", "Android")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 "
     "YaBrowser/24.4.0.0 Safari/537.36", ("Yandex Browser", "Windows")),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 "
     "OPR/109.0.0.0", ("Opera", "Linux")),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
     "Safari/537.36", ("Chrome", "ChromeOS")),
    ("curl/8.5.0", ("", "")), ("", ("", "")), (None, ("", "")), ("x" * 10_000, ("", "")),
])
def test_the_device_is_named_from_its_user_agent(agent, expected):
    assert describe_user_agent(agent) == expected


@pytest.mark.parametrize("address, expected", [
    ("203.0.113.7", "203.0.113.0/24"), ("2001:db8:1234:5678::9", "2001:db8:1234::/48"),
    ("::ffff:198.51.100.4", "198.51.100.0/24"), ("127.0.0.1", "127.0.0.0/24"),
    ("not an address", None), ("", None), (None, None), ("203.0.113.7, 10.0.0.1", None),
])
def test_only_the_network_of_the_address_is_kept(address, expected):
    assert address_prefix(address) == expected


# --- Profile --------------------------------------------------------------------------------------------------


def test_update_profile_sets_the_given_fields(make_user):
    user = make_user(name="Before")
    update_profile(user, name="After", year_of_birth=1990, skills=["Python"], first_hackathon=False, region=None)
    user = reload(user)
    assert (user.name, user.year_of_birth, user.skills, user.first_hackathon) == ("After", 1990, ["Python"], False)


@pytest.mark.parametrize("field", ["is_admin", "email", "password_hash", "last_login_at", "email_confirmed_at",
                                   "is_active_account", "id"])
def test_update_profile_refuses_fields_outside_the_profile(make_user, field):
    user = make_user(name="Before")
    with pytest.raises(ValueError):
        update_profile(user, name="After", **{field: "x"})
    user = reload(user)
    assert user.name == "Before" and not user.is_admin


def test_set_locale(make_user):
    user = make_user()
    set_locale(user, "ky")
    assert reload(user).locale == "ky"


def test_profile_form_skills_are_deduplicated_trimmed_and_capped(app):
    from hackathon.accounts.forms import ProfileForm

    raw = " Python , python,PYTHON, data   science,, ,design," + "z" * 50 + "," + ",".join(f"s{n}" for n in range(30))
    with app.test_request_context(method="POST", data={"skills": raw}):
        skills = ProfileForm().skills_list()
    assert skills[:4] == ["Python", "data science", "design", "z" * 40]
    assert len(skills) == 20


# --- API tokens -----------------------------------------------------------------------------------------------


def test_create_api_token_returns_the_secret_once_and_keeps_its_hash(make_user):
    user = make_user()
    token, secret = create_api_token(user, "  nightly export  ")
    assert secret.startswith("hk_") and len(secret) >= 40
    stored = db.session.get(ApiToken, token.id)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:10] and stored.name == "nightly export"
    assert secret not in (stored.name, stored.prefix, stored.token_hash)
    assert create_api_token(user, "again")[1] != secret


@pytest.mark.parametrize("name, stored", [("", "token"), ("   ", "token"), ("x" * 100, "x" * 80)])
def test_api_token_names_are_trimmed(make_user, name, stored):
    token, _ = create_api_token(make_user(), name)
    assert token.name == stored


def test_user_for_api_token_records_its_use(make_user):
    user = make_user()
    token, secret = create_api_token(user, "script")
    assert user_for_api_token(secret, now=NOW) == user
    assert db.session.get(ApiToken, token.id).last_used_at == NOW


def test_user_for_api_token_refuses_bad_secrets(make_user):
    user = make_user()
    _, secret = create_api_token(user, "script")
    for bad in ("", secret[3:], "xx" + secret[2:], secret + "x", secret.upper(), "hk_" + "a" * 200):
        assert user_for_api_token(bad) is None


def test_revoked_token_and_inactive_owner_are_refused(make_user):
    user = make_user()
    token, secret = create_api_token(user, "script")
    _, other_secret = create_api_token(user, "other")
    revoke_api_token(user, token.id)
    assert user_for_api_token(secret) is None
    assert user_for_api_token(other_secret) == user
    user.is_active_account = False
    db.session.commit()
    assert user_for_api_token(other_secret) is None


def test_revoking_twice_keeps_the_first_time(make_user):
    user = make_user()
    token, _ = create_api_token(user, "script")
    revoke_api_token(user, token.id)
    first = db.session.get(ApiToken, token.id).revoked_at
    revoke_api_token(user, token.id)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at == first


def test_only_the_owner_can_revoke_a_token(make_user):
    owner, other = make_user(), make_user()
    token, secret = create_api_token(owner, "script")
    for token_id in (token.id, token.id + 1000):
        with pytest.raises(NotFound):
            revoke_api_token(other, token_id)
    assert user_for_api_token(secret) == owner


# --- Site admins ----------------------------------------------------------------------------------------------


def test_create_admin_makes_a_confirmed_admin(app):
    admin = create_admin("Root@Example.org", NEW_PASSWORD)
    assert (admin.email, admin.is_admin, admin.is_confirmed) == ("root@example.org", True, True)
    assert authenticate("root@example.org", NEW_PASSWORD) == admin


def test_create_admin_promotes_an_existing_account_without_touching_its_password(make_user):
    user = make_user("ada@example.org", confirmed=False)
    create_admin("ADA@example.org", "ignored for existing accounts")
    user = reload(user)
    assert user.is_admin and user.is_confirmed and verify_password(user, PASSWORD)
    assert user_count() == 1


def test_create_admin_refuses_a_weak_password_for_a_new_account(app):
    with pytest.raises(WeakPassword):
        create_admin("root@example.org", "password123")
    assert user_count() == 0
