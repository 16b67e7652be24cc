"""Two-factor sign-in, the pure part: TOTP time steps and codes (RFC 6238 through pyotp), recovery codes and
the lock after repeated wrong codes. No Flask, no database: every function takes `now` or a step.

A code is accepted for its own 30-second step and one step either side (a phone's clock a little off, a code
typed as it changes). Each accepted step is remembered, and a code is accepted only for a step later than the
last one used, so a code seen over someone's shoulder (or sent twice) does not work again, not even the code of
the step before it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of the current one
RECOVERY_CODE_COUNT = 10
# Recovery codes: 12 characters of a 32-letter alphabet without look-alikes (60 bits), shown as xxxx-xxxx-xxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1
RECOVERY_LENGTH = 12
RECOVERY_GROUP = 4


def new_secret() -> str:
    """A random TOTP secret: 32 base32 characters (160 bits, the RFC's recommended length)."""
    return pyotp.random_base32(32)


def _timestamp(now: datetime) -> float:
    # The app's datetimes are aware UTC (hackathon.database.utcnow); a naive one is read as UTC.
    return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).timestamp()


def time_step(now: datetime) -> int:
    """The number of the 30-second step `now` falls in (seconds since 1970 // 30)."""
    return int(_timestamp(now)) // STEP_SECONDS


def step_start(step: int) -> datetime:
    """When a step begins (aware, UTC)."""
    return datetime.fromtimestamp(step * STEP_SECONDS, tz=timezone.utc)


def code_at_step(secret: str, step: int) -> str:
    """The six-digit code of `step` for this secret."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def code_at(secret: str, now: datetime) -> str:
    return code_at_step(secret, time_step(now))


def normalise_code(raw: str | None) -> str:
    """What was typed, without spaces or dashes ("123 456" and "123-456" are 123456) and lower-cased."""
    return "".join(ch for ch in (raw or "") if ch not in " -\t").lower()


def looks_like_totp(raw: str | None) -> bool:
    """Six ASCII digits once spaces are gone (a recovery code has letters and is longer)."""
    code = normalise_code(raw)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, *, now: datetime, last_used_step: int | None,
                  window: int = WINDOW) -> int | None:
    """The step whose code `code` is, within `window` steps of now and later than `last_used_step`; else None.

    Steps are tried from the earliest so that the step recorded is the one the code belongs to. Every candidate
    is compared in constant time.
    """
    if not looks_like_totp(code):
        return None
    code = normalise_code(code)
    current = time_step(now)
    found = None
    for step in range(current - window, current + window + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(code_at_step(secret, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account,
                                                                                      issuer_name=issuer)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type by hand: "ABCD EFGH ..."."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- Recovery codes -------------------------------------------------------------------------------------------

def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """`count` distinct random recovery codes, formatted xxxx-xxxx-xxxx."""
    codes: list[str] = []
    while len(codes) < count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        code = "-".join(raw[i:i + RECOVERY_GROUP] for i in range(0, RECOVERY_LENGTH, RECOVERY_GROUP))
        if code not in codes:
            codes.append(code)
    return codes


def normalise_recovery_code(raw: str | None) -> str | None:
    """The code's twelve letters and digits, lower-cased, without spaces or dashes; None if it cannot be one."""
    code = normalise_code(raw)
    if len(code) != RECOVERY_LENGTH or not code.isascii() or any(ch not in RECOVERY_ALPHABET for ch in code):
        return None
    return code


def hash_recovery_code(user_id: int, code: str) -> str:
    """SHA-256 of the normalised code salted with the account id (60 random bits: no slow hash needed)."""
    normalised = normalise_recovery_code(code) or normalise_code(code)
    return hashlib.sha256(f"{user_id}:{normalised}".encode()).hexdigest()


# --- The lock after repeated wrong codes -----------------------------------------------------------------------

@dataclass(frozen=True)
class Lock:
    """Failed attempts in a row and, once too many, until when every code is refused."""

    failures: int
    locked_until: datetime | None


def after_failure(failures: int, locked_until: datetime | None, *, now: datetime, max_failures: int,
                  lock_for: timedelta) -> Lock:
    """One more wrong code. The max_failures-th in a row locks the account for `lock_for` and starts the count
    again, so that after the lock the person (or the guesser) has max_failures tries once more."""
    if locked_until is not None and locked_until <= now:
        failures = 0  # an old lock has passed: a fresh count
    failures += 1
    if failures >= max_failures:
        return Lock(failures=0, locked_until=now + lock_for)
    return Lock(failures=failures, locked_until=locked_until if locked_until and locked_until > now else None)


def seconds_locked(locked_until: datetime | None, *, now: datetime) -> int:
    """Whole seconds left of a lock (at least 1 while locked), 0 when not locked."""
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, int((locked_until - now).total_seconds() + 0.999))
