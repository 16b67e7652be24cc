"""Domain errors raised by services, and the error pages."""
from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from hackathon.i18n import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule said no; `message` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.message = message or self.default_message()

    @staticmethod
    def default_message() -> str:
        return str(_l("That action is not possible."))

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(DomainError):
    status_code = 403

    @staticmethod
    def default_message() -> str:
        return str(_l("You are not allowed to do that."))


class NotFound(DomainError):
    status_code = 404

    @staticmethod
    def default_message() -> str:
        return str(_l("Not found."))


class OutOfPhase(DomainError):
    """The event's current phase does not allow the action (e.g. applications closed)."""

    status_code = 409


class Conflict(DomainError):
    """The action clashes with existing data (already invited, already a member...)."""

    status_code = 409


class InvalidToken(DomainError):
    """A link is forged, expired or already used."""

    status_code = 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Forbidden"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

ERROR_TEXTS = {
    400: _l("The request could not be understood. Please check what you sent and try again."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing here. The address may be mistyped, or the page is not visible to you."),
    405: _l("This address does not accept that kind of request."),
    409: _l("This action clashes with the current state. Please reload the page and try again."),
    413: _l("What you sent is too large. Please send a smaller file or shorter text."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("An unexpected error happened on our side. Nothing you did caused it; please try again later."),
}


def render_error(code: int, message: str | None = None):
    """The error page (JSON under /api/), in the reader's language; never raises, whatever broke before."""
    try:
        text = str(message or ERROR_TEXTS.get(code, ERROR_TEXTS[500]))
        title = str(ERROR_TITLES.get(code, ERROR_TITLES[500]))
    except Exception:  # noqa: BLE001 - no catalogue to read: the page still goes out, in English
        text, title = str(message or "An error happened."), f"Error {code}"
    if wants_json():
        return jsonify(error={"status": code, "message": text}), code
    template = f"errors/{code}.html" if code in (403, 404, 413, 429, 500) else "errors/generic.html"
    try:
        return render_template(template, code=code, title=title, text=text), code
    except Exception:  # noqa: BLE001 - e.g. an untrusted Host header leaves no URL adapter to build the links
        return Response(f"{title}\n\n{text}\n", status=code, mimetype="text/plain")


def _with_headers(rendered, error: HTTPException) -> Response:
    """The error's own headers (Allow on a 405, Retry-After, WWW-Authenticate) on our page."""
    response = make_response(rendered)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if error.code == 401 and wants_json() and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        # Our own abort(4xx, "message") calls carry a message meant for the user.
        custom = error.description if getattr(error, "user_message", False) else None
        return _with_headers(render_error(code, custom), error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            str(_l("This form expired or was sent from another page. Go back, reload the page and submit again.")),
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(error.status_code, error.message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from hackathon.extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a broken connection must not take the error page with it
            app.logger.exception("Rollback failed after an unhandled error")
        return render_error(500)


def abort_with(code: int, message: str):
    """Abort with an HTTP error whose description is a message for the user."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code](description=message)
    error.user_message = True
    raise error
