"""A newcomer's first minutes in a real browser: register, confirm by mail, sign in, switch to Russian."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from hackathon.extensions import db
from hackathon.mail import OutboxMessage

pytestmark = pytest.mark.e2e

EMAIL = "ada@example.org"
PASSWORD = "correct horse battery"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def translated(app, text: str, locale: str) -> str | None:
    """`text` in `locale` when its catalogue is compiled and translates it, else None."""
    with app.test_request_context(), force_locale(locale):
        result = gettext(text)
    return result if result != text else None


def confirmation_path(app, address: str) -> str:
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_address == address)).one()
        db.session.remove()
    match = re.search(r"https?://\S+/confirm/\S+", body)
    assert match, body
    url = urlsplit(match.group(0))
    return url.path + (f"?{url.query}" if url.query else "")


def test_register_confirm_sign_in_and_switch_to_russian(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-GB", service_workers="block")
    context.set_default_timeout(5_000)
    leaks: list[str] = []

    def localhost_only(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            leaks.append(route.request.url)
            route.abort()

    context.route("**/*", localhost_only)
    problems: list[str] = []
    # Chromium logs CSP violations as console errors; the DOM event catches them too, should that change.
    context.expose_function("reportCspViolation", lambda text: problems.append(f"CSP violation: {text}"))
    context.add_init_script("document.addEventListener('securitypolicyviolation', (e) => "
                            "window.reportCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI}`));")
    page = context.new_page()
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    try:
        page.goto(f"{live_server.url}/register")
        page.get_by_label("Name").fill("Ada Lovelace")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
        expect(page.get_by_text(EMAIL)).to_be_visible()

        page.goto(live_server.url + confirmation_path(live_server.app, EMAIL))
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.get_by_text("Your email address is confirmed")).to_be_visible()

        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        sign_out = page.get_by_role("button", name="Sign out")
        expect(sign_out).to_be_visible()

        page.locator("#language-select").select_option("ru")
        page.locator("form:has(#language-select)").get_by_role("button").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        russian_sign_out = translated(live_server.app, "Sign out", "ru")
        if russian_sign_out:  # the ru catalogue is compiled and has this string
            expect(page.get_by_role("navigation", name=translated(live_server.app, "Main", "ru") or "Main")
                   .get_by_role("button", name=russian_sign_out)).to_be_visible()
            expect(sign_out).to_have_count(0)
    finally:
        context.close()

    assert problems == []
    assert leaks == []
