"""User accounts, their signed-in sessions (one per device) and personal API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.database import TimestampMixin, utcnow
from hackathon.extensions import db

EMAIL_MAX = 254
NAME_MAX = 120


class Background(str, enum.Enum):
    it = "it"
    non_it = "non_it"


class Gender(str, enum.Enum):
    female = "female"
    male = "male"
    other = "other"
    undisclosed = "undisclosed"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (domain lower-cased, see accounts.services.normalise_email); unique case-insensitively.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]

    # Profile: everything below is optional and explained on the form.
    locale: Mapped[str | None] = mapped_column(String(8))
    year_of_birth: Mapped[int | None]
    gender: Mapped[Gender | None] = mapped_column(db.Enum(Gender, native_enum=False, length=16))
    region: Mapped[str | None] = mapped_column(String(80))
    country: Mapped[str | None] = mapped_column(String(2))
    background: Mapped[Background | None] = mapped_column(db.Enum(Background, native_enum=False, length=16))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation: Mapped[str | None] = mapped_column(String(120))
    first_hackathon: Mapped[bool | None]

    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                       passive_deletes=True)

    # Set by accounts.services.start_session and by the user loader, for this request only (not columns):
    # the device's session row and the secret key its cookies carry.
    current_session = None  # UserSession | None
    session_key = None  # str | None
    current_api_token = None  # ApiToken | None: the token this request came with (API only)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "<user id>:<session key>".

        Without a started session the key is empty, which the user loader never accepts."""
        return f"{self.id}:{self.session_key or ''}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the secret, shown in the list so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    # "read" (GET only) or "write" (also the import and bulk decisions); tokens made before scopes read only.
    scope: Mapped[str] = mapped_column(String(8), default="read", server_default="read")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")


class UserSession(db.Model):
    """One signed-in browser or device. Its cookies carry a random key; only the key's SHA-256 is stored.

    The session is over once `ended_at` is set (sign-out, password change or reset, signed out from the
    profile) or `expires_at` has passed; the cookies of an ended session sign nobody in.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved on at most every few minutes (accounts.services.SESSION_TOUCH_INTERVAL), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # What the device is, read cheaply from its User-Agent ("Chrome", "Android"); empty when unknown.
    browser: Mapped[str] = mapped_column(String(40), default="")
    platform: Mapped[str] = mapped_column(String(40), default="")
    # The network it signed in from, not the address itself: "203.0.113.0/24", "2001:db8:1::/48".
    address_prefix: Mapped[str | None] = mapped_column(String(50))
    remembered: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="sessions")

    def is_active_at(self, now: datetime) -> bool:
        return self.ended_at is None and self.expires_at > now
