"""Account rules: registration, confirmation, sign-in, sessions per device, password reset and change,
profile, API tokens."""
from __future__ import annotations

import hashlib
import math
import secrets
import time
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from hackathon.accounts.devices import address_prefix, describe_user_agent
from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.database import MAX_ID, utcnow
from hackathon.errors import DomainError, InvalidToken, NotFound
from hackathon.extensions import db, limiter
from hackathon.mail import queue_mail

PASSWORD_MIN = 10
PASSWORD_MAX = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against unknown emails so that a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0123456789")


class InvalidEmail(DomainError):
    pass


class WeakPassword(DomainError):
    pass


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    )


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why the password is refused, or None. Length and commonness only: no composition rules."""
    if len(password) < PASSWORD_MIN:
        return ngettext("Use at least %(n)d character.", "Use at least %(n)d characters.", PASSWORD_MIN, n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return ngettext("Use at most %(n)d character.", "Use at most %(n)d characters.", PASSWORD_MAX, n=PASSWORD_MAX)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 3:
        return _("This password is too common. Try a few unrelated words.")
    if email and lowered in {email.lower(), email.split("@")[0].lower()}:
        return _("The password must not be your email address.")
    if name and lowered == name.strip().lower():
        return _("The password must not be your name.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(raw: str) -> str:
    """Validated, lower-cased ASCII address; raises InvalidEmail with a message for people."""
    raw = (raw or "").strip()
    local = raw.rsplit("@", 1)[0] if "@" in raw else raw
    if not local.isascii():
        raise InvalidEmail(_("Use an email address with only Latin letters, digits and .-_+ before the @ sign."))
    try:
        # test_environment admits *.test addresses (the demo's); no DNS lookups either way.
        result = validate_email(raw, check_deliverability=False, allow_smtputf8=False, test_environment=True)
    except EmailNotValidError:
        raise InvalidEmail(_("Enter a valid email address, like name@example.org.")) from None
    address = (result.ascii_email or result.normalized).lower()
    if len(address) > 254:
        raise InvalidEmail(_("This email address is too long."))
    return address


def find_user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == address.lower()))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _preferred_locale(user: User | None, fallback: str | None = None) -> str | None:
    return (user.locale if user and user.locale else None) or fallback


def register_user(*, name: str, email: str, password: str, locale: str | None) -> User | None:
    """Create an unconfirmed account and mail a confirmation link.

    If the address is taken, the owner is told by mail instead and the caller
    sees the same outcome, so registration never reveals who has an account.
    """
    address = normalise_email(email)
    problem = password_problem(password, email=address, name=name)
    if problem:
        raise WeakPassword(problem)
    existing = find_user_by_email(address)
    if existing is not None:
        queue_mail(existing.email, "account_exists", locale=_preferred_locale(existing, locale), user=existing,
                   login_url=url_for("accounts.login", _external=True),
                   reset_url=url_for("accounts.reset_request", _external=True))
        db.session.commit()
        return None
    user = User(name=name.strip(), email=address, password_hash=hash_password(password), locale=locale, skills=[])
    db.session.add(user)
    db.session.flush()
    _queue_confirmation(user)
    db.session.commit()
    return user


def confirmation_token(user: User) -> str:
    return _serializer("confirm-email").dumps({"u": user.id, "e": user.email})


def _queue_confirmation(user: User) -> None:
    url = url_for("accounts.confirm_email", token=confirmation_token(user), _external=True)
    queue_mail(user.email, "confirm_email", locale=user.locale, user=user, confirm_url=url)


def resend_confirmation(email: str, *, locale: str | None) -> None:
    """Mail a fresh link if an unconfirmed account has this address; silent otherwise."""
    try:
        address = normalise_email(email)
    except InvalidEmail:
        return
    user = find_user_by_email(address)
    if user is not None and not user.is_confirmed:
        _queue_confirmation(user)
        db.session.commit()


def confirm_email(token: str, *, now: datetime | None = None) -> User:
    """Confirm the address in a signed, expiring link; a second use is refused."""
    try:
        data = _serializer("confirm-email").loads(token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        raise InvalidToken(_("This confirmation link has expired. Ask for a new one below.")) from None
    except BadSignature:
        raise InvalidToken(_("This confirmation link is not valid. Ask for a new one below.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.email != data.get("e"):
        raise InvalidToken(_("This confirmation link is not valid. Ask for a new one below."))
    if user.is_confirmed:
        raise InvalidToken(_("This link was already used. Your email is confirmed: you can sign in."))
    user.email_confirmed_at = now or utcnow()
    db.session.commit()
    return user


class SignInFailed(DomainError):
    pass


class EmailNotConfirmed(DomainError):
    pass


class SignInLimited(DomainError):
    """Too many failed sign-ins for the account or from the address; `retry_after` in seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# Failed sign-ins are counted in the rate limiter's storage (Redis in production), under two keys: the
# account (a hash of the address typed, known or not, so that the count reveals nobody and stores no
# address) and the client address. Successful sign-ins are never counted: a crowd behind one NAT signs in
# freely. The limits are checked before the password is, so a refused guess learns nothing and costs no hash.
_FAILURES = "sign-in-failures"


def _limits_on() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _ids(kind: str, key: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""  # as the limiter's own keys
    return (prefix, _FAILURES, kind, key) if prefix else (_FAILURES, kind, key)


def _failure_limits(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def _account_key(email: str) -> str:
    try:
        address = normalise_email(email)
    except InvalidEmail:
        address = " ".join((email or "").split()).lower()
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _counters(account: str, client_address: str | None):
    yield "account", "LOGIN_FAILURE_LIMIT_PER_ACCOUNT", account
    if client_address:
        yield "address", "LOGIN_FAILURE_LIMIT_PER_ADDRESS", client_address


def _refuse_if_limited(account: str, client_address: str | None) -> None:
    strategy = limiter.limiter
    for kind, setting, key in _counters(account, client_address):
        for item in _failure_limits(setting):
            if not strategy.test(item, *_ids(kind, key)):
                reset_at, _remaining = strategy.get_window_stats(item, *_ids(kind, key))
                seconds = max(1, math.ceil(reset_at - time.time()))
                minutes = math.ceil(seconds / 60)
                if kind == "account":
                    message = ngettext(
                        "Too many failed sign-ins for this email address. Try again in %(num)d minute, "
                        "or reset your password.",
                        "Too many failed sign-ins for this email address. Try again in %(num)d minutes, "
                        "or reset your password.", minutes)
                else:
                    message = ngettext(
                        "Too many failed sign-ins from your network. Try again in %(num)d minute.",
                        "Too many failed sign-ins from your network. Try again in %(num)d minutes.", minutes)
                raise SignInLimited(message, retry_after=seconds)


def _count_failure(account: str, client_address: str | None) -> None:
    for kind, setting, key in _counters(account, client_address):
        for item in _failure_limits(setting):
            limiter.limiter.hit(item, *_ids(kind, key))


def clear_sign_in_failures(email: str) -> None:
    """Start the account's count again (after a sign-in or a reset proved the owner); the address's stays."""
    if _limits_on():
        for item in _failure_limits("LOGIN_FAILURE_LIMIT_PER_ACCOUNT"):
            limiter.limiter.clear(item, *_ids("account", _account_key(email)))


def authenticate(email: str, password: str, *, client_address: str | None = None,
                 now: datetime | None = None) -> User:
    """The user for these credentials; one message for every failure so nobody learns who has an account.

    Failures count against the account and the client address (see above); SignInLimited once either
    has too many, even for the right password, until the window passes.
    """
    account = _account_key(email)
    if _limits_on():
        _refuse_if_limited(account, client_address)
    try:
        address = normalise_email(email)
    except InvalidEmail:
        address = ""
    user = find_user_by_email(address) if address else None
    if not verify_password(user, password) or not user.is_active:
        if _limits_on():
            _count_failure(account, client_address)
        raise SignInFailed(_("The email or password is incorrect."))
    clear_sign_in_failures(email)
    if not user.is_confirmed:
        _queue_confirmation(user)
        db.session.commit()
        raise EmailNotConfirmed(
            _("Please confirm your email address first. We have sent you a new confirmation link.")
        )
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or utcnow()
    db.session.commit()
    return user


def _reset_fingerprint(user: User) -> str:
    # Changes with the password, which makes a used reset link worthless.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str, *, locale: str | None) -> None:
    """Mail a reset link if the address has an account; the caller always shows the same message."""
    try:
        address = normalise_email(email)
    except InvalidEmail:
        return
    user = find_user_by_email(address)
    if user is None or not user.is_active:
        return
    token = _serializer("reset-password").dumps({"u": user.id, "p": _reset_fingerprint(user)})
    queue_mail(user.email, "reset_password", locale=_preferred_locale(user, locale), user=user,
               reset_url=url_for("accounts.reset_password", token=token, _external=True))
    db.session.commit()


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer("reset-password").loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidToken(_("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidToken(_("This reset link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != _reset_fingerprint(user):
        raise InvalidToken(_("This reset link was already used or is no longer valid. Ask for a new one."))
    return user


def _set_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = hash_password(password)


def reset_password(token: str, password: str, *, now: datetime | None = None) -> tuple[User, int]:
    """Set a new password from a reset link; returns the user and how many API tokens were revoked.

    A reset is how an account is taken back from someone who knew the password, and that someone may
    have made a token, so every session and every API token ends. (A change made while signed in keeps
    the tokens: the person can see and revoke them on the tokens page.)
    """
    user = user_for_reset_token(token)
    _set_password(user, password)
    now = now or utcnow()
    _end_sessions(user, keep=None, now=now)
    # Following the link proves the address, so an unconfirmed account becomes confirmed.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    revoked = 0
    for api_token in user.api_tokens:
        if api_token.revoked_at is None:
            api_token.revoked_at = now
            revoked += 1
    queue_mail(user.email, "password_changed", locale=user.locale, user=user)
    db.session.commit()
    clear_sign_in_failures(user.email)  # the link proved the owner: someone's guessing no longer locks them out
    return user, revoked


def change_password(user: User, current_password: str, new_password: str, *,
                    keep: UserSession | None = None) -> None:
    """Set a new password; every session of the account ends except `keep` (the browser that changed it),
    which stays signed in under a new key, so that copies of its cookies made before stop working too."""
    if not verify_password(user, current_password):
        raise DomainError(_("Your current password is not correct."))
    _set_password(user, new_password)
    _end_sessions(user, keep=keep, now=utcnow())
    if keep is not None:
        _new_session_key(user, keep)
    queue_mail(user.email, "password_changed", locale=user.locale, user=user)
    db.session.commit()


# --- Sessions, one per signed-in device ----------------------------------------------------------------------
#
# Flask-Login keeps "<user id>:<session key>" (User.get_id) in the signed session cookie and in the
# remember-me cookie; the key is random and only its SHA-256 is stored, in a UserSession row. Each request
# loads the row and the user in one query (user_for_session_key), so ending the row ends that device's
# cookies, and copies of them, while the person's other devices stay signed in.

SESSION_KEY_BYTES = 32
# last_seen_at moves at most this often: a write per request would cost more than the minute it tells.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
# Ended and expired rows are deleted this long after they ended (`flask accounts prune-sessions`, and
# each person's own on every sign-in).
SESSION_KEEP_ENDED = timedelta(days=30)


def hash_session_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def session_lifetime(remembered: bool) -> timedelta:
    """How long a session lasts after sign-in: as long as its longest-lived cookie."""
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remembered else config["PERMANENT_SESSION_LIFETIME"]


def start_session(user: User, *, remembered: bool = False, user_agent: str | None = None,
                  address: str | None = None, now: datetime | None = None) -> UserSession:
    """A new session for one device; afterwards `user.get_id()` is what its cookies carry."""
    now = now or utcnow()
    browser, platform = describe_user_agent(user_agent)
    row = UserSession(user_id=user.id, created_at=now, last_seen_at=now,
                      expires_at=now + session_lifetime(remembered), browser=browser, platform=platform,
                      address_prefix=address_prefix(address), remembered=remembered)
    db.session.add(row)
    _new_session_key(user, row)
    _prune_sessions(now, user_id=user.id)
    db.session.commit()
    return row


def _new_session_key(user: User, row: UserSession) -> None:
    """Give the session a fresh random key (stored hashed) and make it this request's; the caller commits."""
    key = secrets.token_urlsafe(SESSION_KEY_BYTES)
    row.key_hash = hash_session_key(key)
    user.current_session, user.session_key = row, key


def user_for_session_key(user_key: str, *, now: datetime | None = None) -> User | None:
    """The signed-in user for "<user id>:<session key>", or None when the session ended, expired or never was.

    One query loads the session row and its user together (so sign-in adds no query to a page); the row's
    last_seen_at is moved on at most every SESSION_TOUCH_INTERVAL.
    """
    user_id, _, key = (user_key or "").partition(":")
    if not user_id.isascii() or not user_id.isdigit() or int(user_id) > MAX_ID or not key or len(key) > 100:
        return None
    with db.session.no_autoflush:  # nothing of the request is written yet (see _touch_session)
        row = db.session.scalar(
            select(UserSession).join(UserSession.user).options(contains_eager(UserSession.user))
            .where(UserSession.key_hash == hash_session_key(key), UserSession.user_id == int(user_id))
        )
    now = now or utcnow()
    if row is None or not row.is_active_at(now) or not row.user.is_active:
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_INTERVAL:
        _touch_session(row, now)
    user = row.user
    user.current_session, user.session_key = row, key
    return user


def _touch_session(row: UserSession, now: datetime) -> None:
    """Record that the device was seen, in a short transaction of its own: the request's unit of work is
    neither committed early nor expired (which would cost a query per loaded object). Best effort."""
    try:
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    except SQLAlchemyError:
        current_app.logger.warning("could not record when session %s was last seen", row.id, exc_info=True)
        return
    set_committed_value(row, "last_seen_at", now)  # the row in memory follows, without being marked changed


def active_sessions(user: User, *, now: datetime | None = None) -> list[UserSession]:
    """The person's sessions that still sign a device in, most recently seen first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def _end_sessions(user: User, *, keep: UserSession | None, now: datetime) -> int:
    """Mark the account's open sessions ended, except `keep`; part of the caller's unit of work."""
    statement = (update(UserSession)
                 .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                 .values(ended_at=now).execution_options(synchronize_session="fetch"))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    return db.session.execute(statement).rowcount


def end_session(session: UserSession, *, now: datetime | None = None) -> None:
    """Sign one device out (sign-out in that browser): its cookies, and copies of them, stop working."""
    if session.ended_at is None:
        session.ended_at = now or utcnow()
    db.session.commit()


def end_other_sessions(user: User, keep: UserSession | None, *, now: datetime | None = None) -> int:
    """Sign out every device of the account except `keep`; returns how many were signed out."""
    ended = _end_sessions(user, keep=keep, now=now or utcnow())
    db.session.commit()
    return ended


def end_session_of(user: User, session_id: int, *, now: datetime | None = None) -> UserSession:
    """Sign out one of the person's own devices from the profile; someone else's session is not found."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound()
    end_session(row, now=now)
    return row


def _prune_sessions(now: datetime, *, user_id: int | None = None) -> int:
    cutoff = now - SESSION_KEEP_ENDED
    statement = delete(UserSession).where(or_(UserSession.ended_at < cutoff, UserSession.expires_at < cutoff))
    if user_id is not None:
        statement = statement.where(UserSession.user_id == user_id)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def prune_sessions(*, now: datetime | None = None) -> int:
    """Delete sessions that ended or expired more than SESSION_KEEP_ENDED ago; returns how many."""
    deleted = _prune_sessions(now or utcnow())
    db.session.commit()
    return deleted


PROFILE_FIELDS = (
    "name", "locale", "year_of_birth", "gender", "region", "country", "background",
    "skills", "organisation", "first_hackathon",
)


def update_profile(user: User, **values) -> None:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for key, value in values.items():
        setattr(user, key, value)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


TOKEN_PREFIX = "hk_"


def hash_api_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_SCOPES = ("read", "write")


def create_api_token(user: User, name: str, *, scope: str = "read") -> tuple[ApiToken, str]:
    """A new personal token; the secret is returned once and only its hash is kept. A "read" token only reads;
    "write" also imports applicants and decides applications through the API."""
    if scope not in TOKEN_SCOPES:
        raise DomainError(_("A token's scope is read or write."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:80] or "token", token_hash=hash_api_token(secret),
                     prefix=secret[:10], scope=scope)
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()


def user_for_api_token(secret: str, *, now: datetime | None = None) -> User | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_api_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = now or utcnow()
    db.session.commit()
    token.user.current_api_token = token  # for this request: what the token may do (its scope)
    return token.user


def create_admin(email: str, password: str, *, name: str = "Site admin") -> User:
    """Make (or promote) a confirmed site admin."""
    address = normalise_email(email)
    user = find_user_by_email(address)
    if user is None:
        problem = password_problem(password, email=address)
        if problem:
            raise WeakPassword(problem)
        user = User(email=address, name=name, password_hash=hash_password(password), skills=[])
        db.session.add(user)
    user.is_admin = True
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.commit()
    return user
