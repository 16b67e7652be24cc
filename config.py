"""Configuration read from the environment.

`create_app()` picks a class by the HACKATHON_ENV variable (development, testing,
production; production when unset, so a forgotten variable never runs a
server with development secrets).
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: list[str] | None = None) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


class Config:
    """Settings shared by every environment; each one can be overridden by an env variable."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hackathon.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Mail: the outbox sends through SMTP, or to the log with MAIL_BACKEND=log.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Hackathon <noreply@localhost>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)  # seconds for the SMTP connection and each command
    # Send queued mail right after the request's commit; `flask outbox send` retries the rest.
    MAIL_SEND_AFTER_COMMIT = _bool("MAIL_SEND_AFTER_COMMIT", True)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 8)

    # Webhooks: tries per delivery (then it gives up), seconds per try, a try right after the request's commit
    # (`flask webhooks deliver` retries), and whether http:// and private or loopback addresses are allowed
    # (development and tests only: in production a webhook could otherwise probe the internal network).
    WEBHOOKS_MAX_ATTEMPTS = _int("WEBHOOKS_MAX_ATTEMPTS", 6)
    WEBHOOKS_TIMEOUT = _int("WEBHOOKS_TIMEOUT", 5)
    WEBHOOKS_SEND_AFTER_COMMIT = _bool("WEBHOOKS_SEND_AFTER_COMMIT", True)
    WEBHOOKS_ALLOW_PRIVATE = False
    # Applicants import (page, `flask applications import`, API): a file with more rows is refused.
    APPLICANT_IMPORT_MAX_ROWS = _int("APPLICANT_IMPORT_MAX_ROWS", 50_000)

    # Rate limits, kept in RATELIMIT_STORAGE_URI (Redis in production, so that every worker counts together).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Registration, password reset and resending the confirmation: requests per client address.
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute;60 per hour")
    # Sign-in counts failed attempts only, per account and per address, so that a crowd behind one NAT signs in
    # freely while guessing one account (from anywhere) or many accounts (from one address) is stopped. Once
    # a limit is reached even the right password waits until the window passes (a password reset lifts the
    # account's). Notation of the `limits` library, e.g. "10 per 15 minutes" or "5 per minute;20 per hour".
    LOGIN_FAILURE_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_FAILURE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "100 per 15 minutes")
    # Two-factor sign-in (TOTP). With REQUIRE_TWO_FACTOR_FOR_STAFF, site admins and every event's organisers
    # must turn it on before reaching their pages (each event can also require it for its own organisers).
    # Codes typed at sign-in, on turning it off and for new recovery codes: at most TWO_FACTOR_RATE_LIMIT per
    # client address, and TWO_FACTOR_MAX_FAILURES wrong ones in a row lock the account's codes for
    # TWO_FACTOR_LOCK_MINUTES.
    REQUIRE_TWO_FACTOR_FOR_STAFF = _bool("REQUIRE_TWO_FACTOR_FOR_STAFF", False)
    TWO_FACTOR_RATE_LIMIT = os.environ.get("TWO_FACTOR_RATE_LIMIT", "10 per minute;60 per hour")
    TWO_FACTOR_MAX_FAILURES = _int("TWO_FACTOR_MAX_FAILURES", 5)
    TWO_FACTOR_LOCK_MINUTES = _int("TWO_FACTOR_LOCK_MINUTES", 15)
    # Behind a reverse proxy the app sees the proxy's address: set the number of proxies in front of it that
    # add X-Forwarded-For/-Proto (1 for one nginx), and the limits count the real client addresses. Leave 0
    # when clients connect directly: a client could then write its own X-Forwarded-For.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    # Uploads of project files; request size limits apply to every request.
    # UPLOAD_STORAGE: "local" (files under UPLOAD_DIR) or "database" (shared by several app servers).
    UPLOAD_STORAGE = os.environ.get("UPLOAD_STORAGE", "local")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    UPLOAD_MAX_IMAGE_PIXELS = _int("UPLOAD_MAX_IMAGE_PIXELS", 25_000_000)  # decoded size limit (bombs)
    UPLOAD_MAX_ZIP_ENTRIES = _int("UPLOAD_MAX_ZIP_ENTRIES", 2000)
    UPLOAD_MAX_ZIP_UNCOMPRESSED_BYTES = _int("UPLOAD_MAX_ZIP_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
    UPLOAD_MAX_FILE_BYTES = _int("UPLOAD_MAX_FILE_BYTES", 20 * 1024 * 1024)
    UPLOAD_MAX_TEAM_BYTES = _int("UPLOAD_MAX_TEAM_BYTES", 60 * 1024 * 1024)
    # All bytes a team ever uploads, removed files included (they stay for the version history).
    UPLOAD_MAX_TEAM_STORED_BYTES = _int("UPLOAD_MAX_TEAM_STORED_BYTES", 180 * 1024 * 1024)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _int("MAX_FORM_MEMORY_SIZE", 500 * 1024)
    MAX_FORM_PARTS = _int("MAX_FORM_PARTS", 1000)

    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")

    # i18n: English, Russian, Kyrgyz.
    LANGUAGES = {"en": "English", "ru": "Русский", "ky": "Кыргызча"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "hackathon" / "translations")

    # Sessions and tokens. Score sheets stay open for hours, so CSRF tokens live for a day.
    WTF_CSRF_TIME_LIMIT = _int("WTF_CSRF_TIME_LIMIT", 24 * 3600)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    EMAIL_CONFIRM_MAX_AGE = _int("EMAIL_CONFIRM_MAX_AGE", 3 * 24 * 3600)
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 3600)
    INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 14)

    # Absolute links in mail (and when no request is around, e.g. in `flask outbox send`).
    SERVER_NAME = os.environ.get("SERVER_NAME")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SITE_NAME = os.environ.get("SITE_NAME", "Hackathon")
    # Country the events happen in: residents elsewhere count as diaspora on the inclusion dashboard.
    HOME_COUNTRY = os.environ.get("HOME_COUNTRY", "KG")

    # Ask browsers to only talk HTTPS (production only).
    HSTS_ENABLED = False
    DEMO_ALLOWED = True

    RATE_LIMIT_SETTINGS = ("AUTH_RATE_LIMIT", "LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "LOGIN_FAILURE_LIMIT_PER_ADDRESS",
                           "TWO_FACTOR_RATE_LIMIT")

    @classmethod
    def check(cls, settings) -> None:
        """Refuse to start with a limit that cannot be read (rather than fail on the first sign-in)."""
        from limits import parse_many

        for name in cls.RATE_LIMIT_SETTINGS:
            try:
                parse_many(settings.get(name) or "")
            except ValueError:
                raise RuntimeError(
                    f"{name} must be a rate limit such as '10 per 15 minutes', not {settings.get(name)!r}"
                ) from None


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-secret-key-not-for-production"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    PREFERRED_URL_SCHEME = "http"
    WEBHOOKS_ALLOW_PRIVATE = _bool("WEBHOOKS_ALLOW_PRIVATE", True)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    MAIL_BACKEND = "log"
    MAIL_SEND_AFTER_COMMIT = False
    WEBHOOKS_SEND_AFTER_COMMIT = False
    WEBHOOKS_ALLOW_PRIVATE = True
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    UPLOAD_DIR = ""  # tests pass a temporary folder


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    HSTS_ENABLED = _bool("HSTS_ENABLED", True)
    DEMO_ALLOWED = False

    WEAK_SECRET_KEYS = {"", "changeme", "secret", "dev", "dev-only-secret-key-not-for-production"}

    @classmethod
    def check(cls, settings) -> None:
        """Refuse to start with no secret key or a well-known one."""
        super().check(settings)
        key = settings.get("SECRET_KEY") or ""
        if key in cls.WEAK_SECRET_KEYS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("HACKATHON_ENV", "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"HACKATHON_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
