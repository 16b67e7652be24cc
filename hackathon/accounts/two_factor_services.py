"""Two-factor sign-in rules: setting it up, checking a code (replay, lock), recovery codes, turning it off, and
who must use it (site admins and organisers when the site or their event says so)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, or_, select, update

from hackathon.accounts import two_factor
from hackathon.accounts.models import User
from hackathon.accounts.services import verify_password
from hackathon.accounts.two_factor_models import RecoveryCode, TwoFactorCredential
from hackathon.audit import record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.mail import queue_mail


class WrongCode(DomainError):
    pass


class CodesLocked(DomainError):
    """Too many wrong codes in a row: every code is refused for a while; `retry_after` in seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the secret for typing by hand, the otpauth address and its QR code."""

    secret: str
    grouped_secret: str
    uri: str
    qr_svg_data_uri: str


def credential_of(user: User) -> TwoFactorCredential | None:
    return db.session.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))


def is_enabled(user: User) -> bool:
    credential = credential_of(user)
    return credential is not None and credential.is_enabled


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                RecoveryCode.used_at.is_(None))).all())


def _issuer() -> str:
    return current_app.config.get("SITE_NAME") or "Hackathon"


def start_enrolment(user: User) -> Enrolment:
    """The secret to scan, kept unconfirmed until a code from it is typed back. Reloading the page keeps the
    same secret (the phone may have scanned it already); one that is already on is never replaced here."""
    credential = credential_of(user)
    if credential is not None and credential.is_enabled:
        raise DomainError(_("Two-factor sign-in is already on."))
    if credential is None:
        credential = TwoFactorCredential(user_id=user.id, secret=two_factor.new_secret(), failed_attempts=0)
        db.session.add(credential)
        db.session.commit()
    return enrolment_for(user, credential.secret)


def enrolment_for(user: User, secret: str) -> Enrolment:
    uri = two_factor.provisioning_uri(secret, account=user.email, issuer=_issuer())
    # An SVG drawn on the server: no script, no third party; a data: image is allowed by the page's CSP.
    data_uri = segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    return Enrolment(secret=secret, grouped_secret=two_factor.grouped_secret(secret), uri=uri,
                     qr_svg_data_uri=data_uri)


def _lock_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many wrong codes. Codes for this account are refused for %(num)d minute; then try again, or use a "
        "recovery code.",
        "Too many wrong codes. Codes for this account are refused for %(num)d minutes; then try again, or use a "
        "recovery code.", minutes)


def _refuse_if_locked(credential: TwoFactorCredential, now: datetime) -> None:
    seconds = two_factor.seconds_locked(credential.locked_until, now=now)
    if seconds:
        raise CodesLocked(_lock_message(seconds), retry_after=seconds)


def _count_failure(credential: TwoFactorCredential, now: datetime) -> None:
    """One more wrong code, committed at once (whatever the caller does next); locks after too many. The row is
    read again under a row lock (PostgreSQL), so that simultaneous wrong guesses are all counted."""
    config = current_app.config
    credential = db.session.scalar(
        select(TwoFactorCredential).where(TwoFactorCredential.id == credential.id).with_for_update()
        .execution_options(populate_existing=True))
    lock = two_factor.after_failure(credential.failed_attempts or 0, credential.locked_until, now=now,
                                    max_failures=config["TWO_FACTOR_MAX_FAILURES"],
                                    lock_for=timedelta(minutes=config["TWO_FACTOR_LOCK_MINUTES"]))
    credential.failed_attempts, credential.locked_until = lock.failures, lock.locked_until
    db.session.commit()
    if lock.locked_until is not None and lock.locked_until > now:
        raise CodesLocked(_lock_message(two_factor.seconds_locked(lock.locked_until, now=now)),
                          retry_after=two_factor.seconds_locked(lock.locked_until, now=now))


def _claim_step(credential: TwoFactorCredential, step: int, now: datetime) -> bool:
    """Record `step` as used, only if no later or equal step was used meanwhile (one UPDATE: two requests with
    the same code at the same moment cannot both pass)."""
    claimed = db.session.execute(
        update(TwoFactorCredential)
        .where(TwoFactorCredential.id == credential.id,
               or_(TwoFactorCredential.last_used_step.is_(None), TwoFactorCredential.last_used_step < step))
        .values(last_used_step=step, last_used_at=now, failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(credential)
    return claimed


def _claim_recovery_code(user: User, code: str, now: datetime) -> bool:
    normalised = two_factor.normalise_recovery_code(code)
    if normalised is None:
        return False
    code_hash = two_factor.hash_recovery_code(user.id, normalised)
    row_id = db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == code_hash, RecoveryCode.used_at.is_(None)))
    if row_id is None:
        return False
    return db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == row_id, RecoveryCode.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def check_code(user: User, code: str, *, allow_recovery: bool = True, now: datetime | None = None) -> str:
    """Accept a code of the person's authenticator (or, with allow_recovery, an unused recovery code), or raise.

    Returns "totp" or "recovery". A code whose step was already used (or an earlier step's) is refused as
    wrong; every wrong code counts toward the lock, and a locked account refuses every code, right ones too.
    The caller commits its own changes; the claim of the step or code is committed here.
    """
    now = now or utcnow()
    credential = credential_of(user)
    if credential is None or not credential.is_enabled:
        raise DomainError(_("Two-factor sign-in is not on for this account."))
    _refuse_if_locked(credential, now)
    if two_factor.looks_like_totp(code):
        step = two_factor.matching_step(credential.secret, code, now=now, last_used_step=credential.last_used_step)
        if step is not None and _claim_step(credential, step, now):
            db.session.commit()
            return "totp"
    elif allow_recovery and _claim_recovery_code(user, code, now):
        credential.failed_attempts, credential.locked_until = 0, None
        record_audit(actor=user, action="two_factor.recovery_code_used", target=user,
                     after={"recovery_codes_left": recovery_codes_left(user)})
        db.session.commit()
        return "recovery"
    _count_failure(credential, now)
    if two_factor.looks_like_totp(code):
        raise WrongCode(_("That code is not right, or was already used. Wait for the next code and try again."))
    if allow_recovery:
        raise WrongCode(_("That recovery code is not right, or was already used."))
    raise WrongCode(_("Enter the six-digit code from your authenticator app."))


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_factor.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(user.id, code),
                                    created_at=now) for code in codes)
    return codes


def confirm_enrolment(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn two-factor sign-in on with a code from the newly scanned secret; returns the ten recovery codes,
    shown once (only their hashes are kept). Wrong codes here are not counted: nothing is protected yet."""
    now = now or utcnow()
    credential = credential_of(user)
    if credential is None:
        raise DomainError(_("Start again: open the two-factor page and scan the new code."))
    if credential.is_enabled:
        raise DomainError(_("Two-factor sign-in is already on."))
    step = two_factor.matching_step(credential.secret, code, now=now, last_used_step=None)
    if step is None:
        raise WrongCode(_("That code is not right. Check the time on your phone and type the code shown now."))
    credential.confirmed_at, credential.last_used_step, credential.last_used_at = now, step, now
    credential.failed_attempts, credential.locked_until = 0, None
    codes = _new_recovery_codes(user, now)
    record_audit(actor=user, action="two_factor.enable", target=user)
    queue_mail(user.email, "two_factor_changed", locale=user.locale, user=user, enabled=True)
    db.session.commit()
    return codes


def replace_recovery_codes(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes for a code of the authenticator; the old ones stop working."""
    now = now or utcnow()
    check_code(user, code, allow_recovery=False, now=now)
    codes = _new_recovery_codes(user, now)
    record_audit(actor=user, action="two_factor.recovery_codes_replaced", target=user)
    db.session.commit()
    return codes


class WrongPassword(DomainError):
    pass


def disable(user: User, password: str, code: str, *, now: datetime | None = None) -> None:
    """Turn two-factor sign-in off: the password and a code (or a recovery code) are both needed. A wrong
    password is said first and costs no code attempt; a wrong code counts toward the lock."""
    now = now or utcnow()
    if not is_enabled(user):
        raise DomainError(_("Two-factor sign-in is not on for this account."))
    if not verify_password(user, password):
        raise WrongPassword(_("Your password is not correct."))
    check_code(user, code, now=now)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    record_audit(actor=user, action="two_factor.disable", target=user)
    queue_mail(user.email, "two_factor_changed", locale=user.locale, user=user, enabled=False)
    db.session.commit()


def turn_off_for(user: User) -> bool:
    """Turn two-factor sign-in off for someone who lost their phone and their recovery codes (the command
    line's `flask accounts turn-off-two-factor`, run by whoever runs the site); False if it was not on."""
    if not is_enabled(user):
        return False
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    record_audit(actor=None, action="two_factor.turned_off", target=user)
    queue_mail(user.email, "two_factor_changed", locale=user.locale, user=user, enabled=False)
    db.session.commit()
    return True


def cancel_enrolment(user: User) -> None:
    """Forget a secret that was scanned but never confirmed (to scan a fresh one)."""
    db.session.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id,
                                                         TwoFactorCredential.confirmed_at.is_(None)))
    db.session.commit()


# --- Signing in: the password passed, the code is still to come -------------------------------------------------

PENDING_SECONDS = 600  # time to type the code after the password


def password_fingerprint(user: User) -> str:
    """Changes with the password: a half-finished sign-in dies when the password is reset meanwhile."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def user_for_pending(pending: dict | None, *, now_ts: float) -> User | None:
    """The person a half-finished sign-in (kept in the signed session cookie) belongs to, if still valid."""
    if not isinstance(pending, dict):
        return None
    user_id, started, fingerprint = pending.get("user_id"), pending.get("started"), pending.get("fp")
    if not isinstance(user_id, int) or not isinstance(started, (int, float)) or not isinstance(fingerprint, str):
        return None
    if not 0 <= now_ts - started <= PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or password_fingerprint(user) != fingerprint or not is_enabled(user):
        return None
    return user


# --- Who must use it ------------------------------------------------------------------------------------------

def required_for_site(user: User | None) -> bool:
    """The site setting makes it required for site admins (on every page but their own account's)."""
    return bool(current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF") and user is not None
                and user.is_authenticated and user.is_admin)


def required_at_event(user: User | None, event: Event) -> bool:
    """Required for the event's organisers, and site admins there, when the site or the event says so. Costs no
    query when neither does."""
    if user is None or not user.is_authenticated:
        return False
    if not (current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF") or event.require_two_factor):
        return False
    from hackathon.permissions import roles_at

    return user.is_admin or Role.organiser in roles_at(user, event)


def required_anywhere(user: User | None) -> bool:
    """Whether the person must use two-factor sign-in somewhere: a site admin under the site setting or at an event
    that requires it, an organiser of any event under the site setting or of one that requires it."""
    if user is None or not user.is_authenticated:
        return False
    if required_for_site(user):
        return True
    site_wide = bool(current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF"))
    if user.is_admin:
        return db.session.scalar(select(Event.id).where(Event.require_two_factor.is_(True)).limit(1)) is not None
    query = (select(EventRole.id).join(Event, Event.id == EventRole.event_id)
             .where(EventRole.user_id == user.id, EventRole.role == Role.organiser).limit(1))
    if not site_wide:
        query = query.where(Event.require_two_factor.is_(True))
    return db.session.scalar(query) is not None


def set_event_requirement(actor: User, event: Event, required: bool) -> None:
    """Require (or stop requiring) two-factor sign-in of the event's organisers. Whoever requires it must use it
    already, so that nobody locks themselves out of the page they are on."""
    from hackathon.permissions import can_manage_event

    if not can_manage_event(actor, event):
        raise DomainError(_("You are not allowed to do that."))
    if required and not is_enabled(actor):
        raise DomainError(_("Turn on two-factor sign-in for yourself first (on your profile), then require it "
                            "of the organisers."))
    if event.require_two_factor == required:
        return
    record_audit(actor=actor, action="event.two_factor", event_id=event.id, target=event,
                 before={"require_two_factor": event.require_two_factor}, after={"require_two_factor": required})
    event.require_two_factor = required
    db.session.commit()
