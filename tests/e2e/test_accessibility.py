"""Accessibility at phone width, checked by axe-core in Chromium: the pages each kind of visitor uses most, on
the demo (a completed event with its judging, mentoring and gallery, and an event taking applications).

axe-core is vendored (tests/e2e/vendor/axe.min.js, MPL-2.0, see the README there) and injected into each page;
the test fails on any violation of serious or critical impact, and on any violation of the rules that once
failed here whatever axe rates them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hackathon.demo import DEMO_PASSWORD, load_demo
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.judging.models import JudgingRound, JurorAssignment
from hackathon.mentoring.models import MentorAssignment
from hackathon.accounts.models import User

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
DONE = "develop-my-community-2021"
OPEN = "develop-my-community-2027"
# Rules that failed on these pages once (issue 11): any violation of them fails, whatever its impact.
WATCHED = {"scrollable-region-focusable", "page-has-heading-one", "heading-order", "region"}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def demo(live_server):
    """The demo loaded into the live server's database, and the ids the page addresses need."""
    app = live_server.app
    with app.app_context():
        load_demo()
        event = db.session.scalar(select(Event).where(Event.slug == DONE))
        screening = db.session.scalar(select(JudgingRound).where(JudgingRound.event_id == event.id)
                                      .order_by(JudgingRound.id))
        juror = db.session.scalar(select(User).where(User.email == "juror1@demo.test"))
        mentor = db.session.scalar(select(User).where(User.email == "mentor1@demo.test"))
        sheet = db.session.scalar(select(JurorAssignment.submission_id).where(
            JurorAssignment.round_id == screening.id, JurorAssignment.juror_id == juror.id)
            .order_by(JurorAssignment.submission_id))
        team = db.session.scalar(select(MentorAssignment.team_id).where(
            MentorAssignment.event_id == event.id, MentorAssignment.mentor_id == mentor.id)
            .order_by(MentorAssignment.team_id))
        from hackathon.submissions.models import Submission, SubmissionStatus
        project = db.session.scalar(select(Submission.id).where(
            Submission.event_id == event.id, Submission.status == SubmissionStatus.submitted).order_by(Submission.id))
        ids = {"round": screening.id, "sheet": sheet, "team": team, "project": project}
        db.session.remove()
    return ids


# (who, page name, path): who is None for a visitor who is not signed in.
PAGES = [
    (None, "home", "/"),
    (None, "event page", f"/events/{DONE}/"),
    (None, "sign-in", "/login"),
    (None, "gallery project", f"/events/{DONE}/gallery/{{project}}"),
    ("applicant2@demo.test", "application form", f"/events/{OPEN}/apply"),
    ("juror1@demo.test", "juror sheet", f"/events/{DONE}/jury/{{round}}/{{sheet}}"),
    ("organiser@demo.test", "leaderboard", f"/events/{DONE}/judging/{{round}}/leaderboard"),
    ("organiser@demo.test", "inclusion", f"/events/{DONE}/inclusion"),
    ("organiser@demo.test", "inclusion settings", f"/events/{DONE}/inclusion/settings"),
    ("organiser@demo.test", "juror scores by group", f"/events/{DONE}/inclusion/scores?round={{round}}"),
    ("mentor1@demo.test", "mentor team review", f"/events/{DONE}/mentoring/teams/{{team}}"),
]


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


def violations_on(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in SERIOUS or v["id"] in WATCHED]


@pytest.mark.parametrize("who, name, path", PAGES, ids=[name for _who, name, _path in PAGES])
def test_no_serious_accessibility_violation_at_phone_width(live_server, browser, demo, who, name, path):
    # bypass_csp: the app's CSP (script-src 'self') would refuse the injected axe script; the app's own scripts
    # are tested with the CSP on in the other browser tests.
    context = browser.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True, service_workers="block")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        if who is not None:
            sign_in(page, live_server.url, who)
        response = page.goto(live_server.url + path.format(**demo))
        assert response is not None and response.status == 200, (name, response and response.status)
        found = violations_on(page)
        assert not found, f"{name} ({path.format(**demo)}): " + json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        context.close()
