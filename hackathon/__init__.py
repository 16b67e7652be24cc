"""The application factory."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, g, request
from hackathon.i18n import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

import config as config_module
from hackathon.database import MAX_ID

ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """`<id:x>`: a positive id that fits the database's INTEGER; anything else is a 404, never a 500."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def create_app(config: type[config_module.Config] | str | None = None, **overrides) -> Flask:
    if config is None:
        config = config_module.config_from_env()
    elif isinstance(config, str):
        config = config_module.CONFIGS[config]

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    if hasattr(config, "check"):
        config.check(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["id"] = IdConverter
    if app.config.get("PROXY_COUNT"):
        # The client's address and scheme as the proxies in front saw them (the rate limits count addresses).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
    package_logger = logging.getLogger("hackathon")
    package_logger.setLevel(logging.INFO)
    if not package_logger.handlers:
        package_logger.addHandler(logging.StreamHandler())

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_templates(app)

    from hackathon.replay import register_replay_guard

    register_replay_guard(app)

    from hackathon.errors import register_error_handlers
    from hackathon.mail import register_outbox
    from hackathon.cli import register_commands

    register_error_handlers(app)
    register_outbox(app)
    from hackathon.webhooks.services import register_webhooks

    register_webhooks(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from hackathon import models  # noqa: F401  (every model, for Alembic and relationships)
    from hackathon.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from hackathon.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_key: str):
        # "<user id>:<session key>": a session that ended (signed out on that device) or expired is anonymous.
        from hackathon.accounts.services import user_for_session_key

        return user_for_session_key(user_key)

    from flask_login import user_logged_in

    from hackathon.accounts.views import start_device_session

    user_logged_in.connect(start_device_session, app)  # every sign-in, whichever page signs in

    @login_manager.request_loader
    def load_user_from_token(req):
        if not req.path.startswith("/api/"):
            return None
        scheme, _, secret = req.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        from hackathon.accounts.services import user_for_api_token
        from hackathon.errors import abort_with

        user = user_for_api_token(secret.strip())
        if user is None:
            abort_with(401, "Invalid or revoked API token.")
        g.api_token_user = user
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for
        from flask_login.utils import login_url

        if request.path.startswith("/api/"):
            from hackathon.errors import abort_with

            abort_with(401, "Authentication required.")
        from flask import flash

        flash(login_manager.login_message, "info")
        return redirect(login_url(url_for("accounts.login"), request.full_path.rstrip("?")))


def register_blueprints(app: Flask) -> None:
    from hackathon.accounts import bp as accounts_bp
    from hackathon.accounts import views as _accounts_views  # noqa: F401  (routes register on import)
    from hackathon.api import bp as api_bp
    from hackathon.api import views as _api_views  # noqa: F401
    from hackathon.events import bp as events_bp
    from hackathon.events import views as _events_views  # noqa: F401
    from hackathon.applications import bp as applications_bp
    from hackathon.applications import inclusion_views as _inclusion_views  # noqa: F401
    from hackathon.applications import report_views as _report_views  # noqa: F401
    from hackathon.applications import review_views as _review_views  # noqa: F401
    from hackathon.applications import score_split_views as _score_split_views  # noqa: F401
    from hackathon.applications import views as _applications_views  # noqa: F401
    from hackathon.applications import import_views as _import_views  # noqa: F401
    from hackathon.teams import bp as teams_bp
    from hackathon.mentoring import bp as mentoring_bp
    from hackathon.mentoring import assignment_views as _assignment_views  # noqa: F401
    from hackathon.mentoring import challenge_views as _challenge_views  # noqa: F401
    from hackathon.mentoring import help_views as _help_views  # noqa: F401
    from hackathon.mentoring import progress_views as _progress_views  # noqa: F401
    from hackathon.api import mentoring as _api_mentoring  # noqa: F401
    from hackathon.api import progress as _api_progress  # noqa: F401
    from hackathon.teams import views as _teams_views  # noqa: F401
    from hackathon.submissions import bp as submissions_bp
    from hackathon.submissions import file_views as _file_views  # noqa: F401
    from hackathon.submissions import gallery_views as _gallery_views  # noqa: F401
    from hackathon.submissions import organiser_views as _organiser_views  # noqa: F401
    from hackathon.submissions import editing_views as _editing_views  # noqa: F401
    from hackathon.api import submissions as _api_submissions  # noqa: F401
    from hackathon.judging import bp as judging_bp
    from hackathon.judging import views as _judging_views  # noqa: F401
    from hackathon.api import judging as _api_judging  # noqa: F401
    from hackathon.api import applications as _api_applications  # noqa: F401
    from hackathon.api import write as _api_write  # noqa: F401
    from hackathon.api import stats as _api_stats  # noqa: F401
    from hackathon.results import bp as results_bp
    from hackathon.results import views as _results_views  # noqa: F401
    from hackathon.api import results as _api_results  # noqa: F401
    from hackathon.announcements import bp as announcements_bp
    from hackathon.announcements import views as _announcements_views  # noqa: F401
    from hackathon.api import announcements as _api_announcements  # noqa: F401
    from hackathon.privacy import bp as privacy_bp
    from hackathon.privacy import views as _privacy_views  # noqa: F401
    from hackathon.webhooks import bp as webhooks_bp
    from hackathon.webhooks import views as _webhooks_views  # noqa: F401

    app.register_blueprint(accounts_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(announcements_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_bp)


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def register_request_hooks(app: Flask) -> None:
    from flask_login import current_user

    from hackathon.errors import abort_with

    @app.before_request
    def refuse_nul_bytes():
        # PostgreSQL refuses NUL in text; SQLite keeps it. Refuse it up front on both, with a message.
        from flask_babel import gettext as _

        if "\x00" in request.path or _has_nul(request.args.values()) or (
            request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.form.values())
        ):
            abort_with(400, _("The request contains a character that is not allowed (NUL). Remove it and try again."))

    @app.before_request
    def check_api_token():
        # Credentials first: a wrong token is a 401 on every API path (missing or hidden event, unknown path,
        # wrong method alike), rather than depending on whether the view happens to look at the user.
        if request.path.startswith("/api/") and "Authorization" in request.headers:
            user = current_user._get_current_object()  # the token loader aborts with 401 for an invalid token
            token = getattr(user, "current_api_token", None)
            # A write with a read-only token is refused here, whatever the view (unknown paths and methods
            # still get their 404 and 405).
            if (request.method not in ("GET", "HEAD", "OPTIONS") and token is not None and token.scope != "write"
                    and request.routing_exception is None):
                from flask_babel import gettext as _

                abort_with(403, _("This token can only read. Create a token with the write scope to change "
                                  "anything through the API."))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HSTS_ENABLED"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response


def register_templates(app: Flask) -> None:
    from hackathon import templating

    templating.register(app)
