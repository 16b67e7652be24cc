"""Phone width (375 px, in Russian unless the account prefers another language): filter bars and wide tables never widen the page.

A page wider than the screen scrolls sideways as a whole; only a table's own wrapper (a focusable region) may.
"""
from __future__ import annotations

import pytest

from hackathon.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
DONE = "develop-my-community-2021"
OPEN = "develop-my-community-2027"

# (who, path): the pages with a filter bar, and the widest tables.
PAGES = [
    ("mentor2@demo.test", f"/events/{DONE}/help/queue"),
    ("organiser@demo.test", f"/events/{DONE}/board"),
    ("applicant1@demo.test", f"/events/{DONE}/board"),
    ("organiser@demo.test", f"/events/{DONE}/gallery"),
    ("organiser@demo.test", f"/events/{OPEN}/gallery"),
    ("organiser@demo.test", f"/events/{DONE}/submissions"),
    ("organiser@demo.test", f"/events/{OPEN}/submissions"),
    ("organiser@demo.test", f"/events/{DONE}/review"),
    ("organiser@demo.test", f"/events/{DONE}/results/manage"),
    ("mentor1@demo.test", f"/events/{DONE}/mentoring/mine"),
    ("organiser@demo.test", f"/events/{DONE}/inclusion"),
    ("organiser@demo.test", f"/events/{DONE}/inclusion/settings"),
]


@pytest.fixture
def demo(live_server):
    with live_server.app.app_context():
        load_demo()


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#submit").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


@pytest.mark.parametrize("who, path", PAGES, ids=[f"{who.split('@')[0]} {path.split('/', 2)[2]}" for who, path in PAGES])
def test_page_is_no_wider_than_a_phone(live_server, browser, demo, who, path):
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="block")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, who)
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} as {who} is {width} px wide at {PHONE['width']} px"
        for button in page.locator("form[role=search] button[type=submit]").all():
            assert button.bounding_box()["height"] < 80, f"{path}: the filter button is {button.bounding_box()}"
    finally:
        context.close()


def test_a_wide_table_shows_it_scrolls_and_wraps_names_whole(live_server, browser, demo):
    """The final ranking at phone width: team and project names wrap inside the screen; the wrapper, which scrolls
    for the score column, shows a shadow at its right edge (CSS backgrounds, no script) and none at its left."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU", service_workers="block")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "organiser@demo.test")
        assert page.goto(f"{live_server.url}/events/{DONE}/results/manage").status == 200
        wrap = page.get_by_role("region", name="Итоговый рейтинг")
        box = wrap.bounding_box()
        assert wrap.evaluate("e => e.scrollWidth > e.clientWidth"), "the ranking fits: nothing to show"
        for column in (2, 3):  # team, project
            rights = wrap.locator(f"tbody td:nth-child({column})").evaluate_all(
                "cells => cells.map(c => c.getBoundingClientRect().right)")
            assert rights and max(rights) <= box["x"] + box["width"], f"column {column} runs past the screen"
        style = wrap.evaluate("""e => { const s = getComputedStyle(e);
            return {image: s.backgroundImage, attachment: s.backgroundAttachment,
                    cell: getComputedStyle(e.querySelector('td')).backgroundColor}; }""")
        assert style["image"].count("linear-gradient") == 4 and style["attachment"] == "local, local, scroll, scroll"
        assert style["cell"] == "rgba(0, 0, 0, 0)", "opaque cells would hide the shadows"

        def darkness(x: float) -> int:
            """How dark the darkest pixel is of a 1 px column at x atop the header row (no text there)."""
            from io import BytesIO
            from PIL import Image
            top = box["y"] + page.evaluate("window.scrollY")
            clip = {"x": x, "y": top + 2, "width": 1, "height": 6}
            image = Image.open(BytesIO(page.screenshot(clip=clip, full_page=True))).convert("L")
            return 255 - image.getextrema()[0]

        right, left = darkness(box["x"] + box["width"] - 2), darkness(box["x"] + 1)
        assert right > 30 and left < 10, (right, left)
    finally:
        context.close()
