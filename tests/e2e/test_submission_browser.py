"""A team member in a real browser: the countdown ticks, the project is saved, a screenshot is uploaded, and
no script breaks the page's Content Security Policy."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest

from hackathon.accounts.models import User
from hackathon.accounts.services import hash_password
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamMember, team_name_key

pytestmark = pytest.mark.e2e

EMAIL = "aizada@example.org"
PASSWORD = "correct horse battery"


def accepted_member(app) -> None:
    """An event whose submissions close in two hours, and a member of an accepted team."""
    now = utcnow()
    with app.app_context():
        event = Event(slug="hack", title="Hack", timezone="Asia/Bishkek", languages=["en"], is_published=True,
                      applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(days=20),
                      hacking_starts_at=now - timedelta(days=1), submissions_close_at=now + timedelta(hours=2),
                      pitching_starts_at=now + timedelta(days=3), results_at=now + timedelta(days=4))
        user = User(email=EMAIL, name="Aizada", password_hash=hash_password(PASSWORD), email_confirmed_at=now)
        db.session.add_all([event, user])
        db.session.flush()
        team = Team(event_id=event.id, name="Taza Suu", name_key=team_name_key("Taza Suu"), captain_id=user.id,
                    join_code=secrets.token_urlsafe(12)[:16], member_count=1)
        db.session.add(team)
        db.session.flush()
        db.session.add_all([
            TeamMember(event_id=event.id, team_id=team.id, user_id=user.id),
            EventRole(event_id=event.id, user_id=user.id, role=Role.participant),
            Application(event_id=event.id, kind=ApplicationKind.team, team_id=team.id, user_id=user.id,
                        status=ApplicationStatus.confirmed, answers={}),
        ])
        db.session.commit()
        db.session.remove()


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_countdown_save_and_upload(live_server, browser, tmp_path):
    from playwright.sync_api import expect

    accepted_member(live_server.app)
    context = browser.new_context(locale="en-GB", service_workers="block")
    context.set_default_timeout(5_000)
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    try:
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server.url}/events/hack/submission")

        countdown = page.locator("[data-countdown]")
        expect(countdown).to_have_text(__import__("re").compile(r"^\d\d:\d\d:\d\d$"))  # the script took over
        first = countdown.inner_text()
        page.wait_for_timeout(1_300)
        assert countdown.inner_text() != first  # and it ticks

        page.get_by_label("Project title").fill("Taza Suu: clean water maps")
        page.get_by_label("Description").fill("We map **wells** in Naryn.")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Your project is saved.")).to_be_visible()

        shot = tmp_path / "map.png"
        shot.write_bytes(png())
        page.locator("#file-screenshot").set_input_files(str(shot))
        page.locator("form:has(input[name=kind][value=screenshot])").get_by_role("button", name="Upload").click()
        expect(page.get_by_text("“map.png” is attached to your submission.")).to_be_visible()
        expect(page.locator("#files img, #files a", has_text="map.png").first).to_be_visible()
        assert problems == []
    finally:
        context.close()
