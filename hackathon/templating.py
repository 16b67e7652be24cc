"""Template helpers: dates in the event's timezone and the reader's locale, labels, navigation context."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale
from hackathon.i18n import lazy_gettext as _l
from flask_login import current_user

from hackathon.events.phases import Phase

PHASE_LABELS = {
    Phase.upcoming: _l("Upcoming"),
    Phase.applications: _l("Applications open"),
    Phase.review: _l("Applications under review"),
    Phase.hacking: _l("Hacking"),
    Phase.judging: _l("Judging"),
    Phase.pitching: _l("Pitching"),
    Phase.results: _l("Results"),
}

ROLE_LABELS = {
    "organiser": _l("Organiser"),
    "mentor": _l("Mentor"),
    "juror": _l("Juror"),
    "participant": _l("Participant"),
    "reviewer": _l("Application reviewer"),
}


# Lower-case, for use inside sentences ("invites you to be a mentor at ...").
ROLE_NAMES = {
    "organiser": _l("organiser"),
    "mentor": _l("mentor"),
    "juror": _l("juror"),
    "participant": _l("participant"),
    "reviewer": _l("application reviewer"),
}


# Each domain registers a function (user, event, roles) -> [(label, endpoint), ...] for the event menu.
NAV_PROVIDERS: list = []


def _page_to_return_to() -> str:
    """Where the language switch returns: this page, or for a page a POST rendered (a proposal, a refused
    form) the page the form was sent from, since the POST's URL may not answer GET (the switch re-checks)."""
    from urllib.parse import urlsplit

    from hackathon.permissions import is_safe_next

    if request.method != "GET" and request.referrer:
        referrer = urlsplit(request.referrer)
        if referrer.netloc == request.host:
            back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
            if is_safe_next(back):
                return back
    return request.full_path.rstrip("?")


def register_nav(provider):
    """Decorator: add a provider of event navigation links (label, endpoint taking `slug`)."""
    NAV_PROVIDERS.append(provider)
    return provider


def datetime_pattern(locale, fmt: str = "medium") -> str:
    """The locale's date-and-time pattern for `fmt`, with a four-digit year and minutes, never seconds.

    CLDR's short dates write two-digit years in English and Kyrgyz ("1/1/99" for 2099) and its medium and long
    times carry seconds ("10:00:00 AM"); a date people read names its year in full and a time its minutes.
    """
    locale = Locale.parse(locale)
    date = re.sub(r"(?<![yY])[yY]{2}(?![yY])", "y", locale.date_formats[fmt].pattern)
    return locale.datetime_formats[fmt].replace("{1}", date).replace("{0}", locale.time_formats["short"].pattern)


def local_datetime(value: datetime | str | None, tz: str = "UTC", fmt: str = "medium") -> str:
    """A UTC datetime (or its ISO text, as a published snapshot keeps it) shown in `tz`, formatted for the
    reader's locale, with the zone name."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    locale = get_locale()
    return (format_datetime(value, format=datetime_pattern(locale, fmt), tzinfo=ZoneInfo(tz), locale=locale)
            + f" ({tz})")


def decimal_number(value, places: int = 1) -> str:
    """A score, mean or statistic for people to read: `places` decimals with the reader's separator ("8,3" in
    Russian). Only for display; CSV and JSON keep the dot."""
    if value is None:
        return ""
    return format_decimal(value, format="0." + "0" * places if places else "0", locale=get_locale())


def plain_number(value) -> str:
    """A decimal as people write it: 20, 12.5, 0.25 — never an exponent (Decimal.normalize() gives "2E+1") and no
    trailing zeros (a Numeric(12, 4) column gives back "20.0000")."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(number)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def register(app: Flask) -> None:
    from hackathon.markdown import render_markdown

    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain_number"] = plain_number
    app.jinja_env.filters["decimal"] = decimal_number
    app.jinja_env.globals["PHASE_LABELS"] = PHASE_LABELS
    app.jinja_env.globals["ROLE_LABELS"] = ROLE_LABELS
    app.jinja_env.globals["ROLE_NAMES"] = ROLE_NAMES

    @app.context_processor
    def navigation():
        if not has_request_context():  # mail rendered from the CLI needs no navigation
            return {}
        from hackathon.accounts.forms import LanguageForm
        from hackathon.forms import EmptyForm
        from hackathon.permissions import can_manage_event, is_admin, roles_at

        event = g.get("event")
        language_form = LanguageForm(formdata=None, language=str(get_locale()), next=_page_to_return_to())
        context = {
            "language_form": language_form,
            "logout_form": EmptyForm(formdata=None),
            "current_locale": str(get_locale()),
            "nav_event": event,
            "nav_roles": frozenset(),
            "nav_links": [],
            "nav_can_manage": False,
            "nav_is_admin": is_admin(current_user),
        }
        if event is not None:
            context["nav_roles"] = roles_at(current_user, event)
            context["nav_can_manage"] = can_manage_event(current_user, event)
            context["nav_links"] = [link for provider in NAV_PROVIDERS
                                    for link in provider(current_user, event, context["nav_roles"])]
        return context
