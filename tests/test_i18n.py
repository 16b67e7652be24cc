"""Every user-facing string is translated into Russian and Kyrgyz, and the switch between languages works."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def source_messages() -> set[str]:
    """msgids extracted from the code and templates, as `make extract-messages` does."""
    method_map = [("hackathon/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS,
        options_map={"templates/**.html": {}, "templates/**.txt": {}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def messages():
    return source_messages()


@pytest.mark.parametrize("locale", ["ru", "ky"])
def test_catalogue_translates_every_string(messages, locale):
    with open(ROOT / f"hackathon/translations/{locale}/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    missing = sorted(m for m in messages if not catalogue.get(m) or not catalogue.get(m).string)
    fuzzy = sorted(m.id for m in catalogue if m.id and m.fuzzy)
    assert not missing, f"{len(missing)} untranslated in {locale}, run `make extract-messages`: {missing[:10]}"
    assert not fuzzy, f"fuzzy entries in {locale}: {fuzzy[:10]}"
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (locale, message.id, string)


def test_messages_are_found(messages):
    assert "Sign in" in messages and "This field is required." in messages
    assert len(messages) > 200


@pytest.mark.parametrize("locale", ["ru", "ky"])
def test_compiled_catalogue_is_used(app, locale):
    with app.test_request_context(), force_locale(locale):
        assert gettext("Sign in") != "Sign in"


@pytest.mark.parametrize("locale, header", [("ru", "ru-RU,ru;q=0.9"), ("ky", "ky"), ("en", "de-DE")])
def test_browser_language_is_followed_by_default(client, locale, header):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{locale}">' in page


def test_switcher_overrides_the_browser_language(client):
    client.post("/language", data={"language": "ky", "next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ky">' in page


def test_dates_follow_the_event_timezone_and_the_reader_locale(app):
    from datetime import datetime, timezone

    from hackathon.templating import local_datetime

    moment = datetime(2021, 7, 10, 8, 0, tzinfo=timezone.utc)  # 14:00 in Bishkek (UTC+6)
    with app.test_request_context(), force_locale("en"):
        english = local_datetime(moment, "Asia/Bishkek")
    with app.test_request_context(), force_locale("ru"):
        russian = local_datetime(moment, "Asia/Bishkek")
    assert "2:00" in english and "Asia/Bishkek" in english
    assert "14:00" in russian and "июл" in russian
