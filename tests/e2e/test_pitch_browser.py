"""A juror on pitch day in a real browser: typing a score saves a draft by itself, and typing done while the
connection is down is kept in the browser and saved on return — with no script breaking the page's CSP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.accounts.services import hash_password
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.judging.models import (JudgingCriterion, JudgingRound, JurorAssignment, PitchSchedule, PitchSlot,
                                      ScoreSheet, SheetStatus)
from hackathon.submissions.models import Submission, SubmissionStatus
from hackathon.teams.models import Team, team_name_key

pytestmark = pytest.mark.e2e

EMAIL = "juror@example.org"
PASSWORD = "correct horse battery"


def pitch_on_stage(app) -> dict[str, int]:
    now = utcnow()
    with app.app_context():
        event = Event(slug="hack", title="Hack", timezone="Asia/Bishkek", languages=["en"], is_published=True,
                      applications_open_at=now - timedelta(days=30), applications_close_at=now - timedelta(days=20),
                      hacking_starts_at=now - timedelta(days=10), submissions_close_at=now - timedelta(days=8),
                      pitching_starts_at=now - timedelta(hours=1), results_at=now + timedelta(days=1))
        juror = User(email=EMAIL, name="Juror", password_hash=hash_password(PASSWORD), email_confirmed_at=now)
        db.session.add_all([event, juror])
        db.session.flush()
        team = Team(event_id=event.id, name="Taza Suu", name_key=team_name_key("Taza Suu"), captain_id=juror.id,
                    join_code="abcdefgh12345678", member_count=0)
        db.session.add_all([team, EventRole(event_id=event.id, user_id=juror.id, role=Role.juror)])
        db.session.flush()
        project = Submission(event_id=event.id, team_id=team.id, title="Clean water map",
                             status=SubmissionStatus.submitted, submitted_at=now - timedelta(days=8))
        pitch = JudgingRound(event_id=event.id, name={"en": "Pitch"}, assign_all=True,
                             opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=5))
        db.session.add_all([project, pitch])
        db.session.flush()
        criterion = JudgingCriterion(round_id=pitch.id, name={"en": "Pitch quality"}, weight=1)
        db.session.add_all([criterion, JurorAssignment(round_id=pitch.id, juror_id=juror.id,
                                                       submission_id=project.id),
                            PitchSchedule(round_id=pitch.id, starts_at=now, current_position=1,
                                          timer_started_at=now, pitch_minutes=5, published_at=now),
                            PitchSlot(round_id=pitch.id, submission_id=project.id, position=1, starts_at=now,
                                      pitch_ends_at=now + timedelta(minutes=5), ends_at=now + timedelta(minutes=8))])
        db.session.commit()
        ids = {"round": pitch.id, "criterion": criterion.id}
        db.session.remove()
        return ids


def draft(app):
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet))
        values = (sheet.status, dict(sheet.scores), sheet.comment_to_team) if sheet else None
        db.session.remove()
        return values


def test_drafts_save_while_typing_and_survive_a_lost_connection(live_server, browser):
    from playwright.sync_api import expect

    ids = pitch_on_stage(live_server.app)
    context = browser.new_context(locale="en-GB", service_workers="block")
    context.set_default_timeout(5_000)
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        live = f"{live_server.url}/events/hack/jury/{ids['round']}/live"
        page.goto(live)
        expect(page.get_by_text("Clean water map")).to_be_visible()
        page.get_by_label("Pitch quality").fill("7")
        expect(page.get_by_text("Draft saved.")).to_be_visible()
        assert draft(live_server.app) == (SheetStatus.draft, {str(ids["criterion"]): 7}, "")

        # The connection drops while the juror writes a comment: it stays in the browser…
        context.set_offline(True)
        page.get_by_label("Comment to the team").fill("Strong pitch, show real users next.")
        expect(page.get_by_text("Offline: your typing is kept")).to_be_visible()
        assert draft(live_server.app)[2] == ""
        # …and when the juror comes back (the phone died: the page is gone; later they open it again online),
        # it is put back from the browser and saved.
        page.close()
        context.set_offline(False)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(live)
        expect(page.get_by_label("Comment to the team")).to_have_value("Strong pitch, show real users next.")
        expect(page.get_by_text("Draft saved.")).to_be_visible()
        assert draft(live_server.app)[2] == "Strong pitch, show real users next."
        page.get_by_role("button", name="Submit the sheet").click()
        expect(page.get_by_text("Your sheet is submitted")).to_be_visible()
        assert draft(live_server.app)[0] == SheetStatus.submitted
        assert problems == []
    finally:
        context.close()
