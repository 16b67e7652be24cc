"""Two-factor sign-in: a person's TOTP secret with its replay and lock state, and their recovery codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hackathon.database import utcnow
from hackathon.extensions import db


class TwoFactorCredential(db.Model):
    """One per person who has started to set up two-factor sign-in; it is on once `confirmed_at` is set.

    The secret is kept as it is (an authenticator needs it, so it cannot be hashed): whoever reads the database
    could make codes, but would still need the password, which is hashed.
    """

    __tablename__ = "two_factor_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None while the person has scanned the code but not yet typed one back: sign-in does not ask for it yet.
    confirmed_at: Mapped[datetime | None]
    # The 30-second step (two_factor.time_step) of the last accepted code: only later steps are accepted.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    last_used_at: Mapped[datetime | None]
    # Wrong codes in a row, and until when every code is refused after too many (two_factor.after_failure).
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]

    @property
    def is_enabled(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(db.Model):
    """A single-use code for signing in without the phone; only its salted SHA-256 is stored."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
