"""Which language a request is served in, and lazy translations that are text, never markup."""
from __future__ import annotations

import flask_babel
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape


class LazyText(LazyString):
    """A lazy translation that Jinja and WTForms escape like any other text.

    flask_babel's LazyString says it *is* markup (`__html__` returns it as it is), so a label such as
    `_l("Weight of %(round)s", round=name)` would put a round named `<b>x</b>` into the page raw. Here the
    translation, and every value interpolated into it, is escaped wherever it is rendered.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """`_l`: translated when used, in the reader's language; `%(name)s` values are escaped when rendered."""
    return LazyText(flask_babel.gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    return LazyText(flask_babel.ngettext, singular, plural, num, **variables)


def select_locale() -> str:
    """The account's preferred language, else the one picked in the switcher, else the browser's.

    Never raises: it also runs inside error handlers, where loading the user (e.g. from an invalid API token)
    may itself abort; then the request is served as if signed out.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # mail queued from the CLI: queue_mail forces the recipient's locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = _signed_in_locale()
    if user_locale in languages:
        return user_locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _signed_in_locale() -> str | None:
    """The signed-in user's language, or None; loading the user may abort (a bad token), which is no language."""
    if g.get("_locale_loading_user"):  # asked again while the user is being loaded (a message in the loader)
        return None
    g._locale_loading_user = True
    try:
        user = current_user._get_current_object()
        return user.locale if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 - an error page is being made; the view that needs the user raises it again
        return None
    finally:
        g._locale_loading_user = False


def current_locale() -> str:
    return str(get_locale())


def language_name_in(code: str, locale: str | None = None) -> str:
    """A language's name in the reader's language ("Russian", "русский", "орусча" for ru); the code itself
    for a code Babel does not know."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(locale or current_locale()).languages
    except (UnknownLocaleError, ValueError):
        return code
    return names.get(code, code)
