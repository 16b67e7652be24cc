"""Pitch day through the test client: planning and publishing the schedule, teams seeing their slot with an
iCalendar file, reminders once, and who may use each route."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.judging.models import (JudgingCriterion, JudgingRound, JurorAssignment, PitchSchedule, PitchSlot,
                                      ScoreSheet, SheetStatus, ShortlistEntry)
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import statuses, text, walk
from tests.test_judging import BASE, jury  # noqa: F401


def add_pitch_round(jury) -> None:
    """A pitch round (`jury.pitch`) whose projects are the published shortlist of the screening: both teams."""
    for position, project in enumerate((jury.project, jury.other_project)):
        db.session.add(ShortlistEntry(round_id=jury.round.id, submission_id=project.id, position=position,
                                      origin="proposed"))
    jury.round.shortlist_published_at = utcnow()
    jury.pitch = JudgingRound(event_id=jury.event.id, name={"en": "Pitch"}, position=1, project_source="shortlist",
                              source_round_id=jury.round.id, assign_all=True)
    db.session.add(jury.pitch)
    db.session.commit()


@pytest.fixture
def final(jury):
    """A pitch round whose projects are the published shortlist of the screening: both teams."""
    add_pitch_round(jury)
    jury.ids = {**jury.ids, "pitch": jury.pitch.id}
    jury.reset = lambda: jury.ids
    return jury


PLAN = {"starts_at": "2030-07-10T14:00", "pitch_minutes": "5", "qa_minutes": "3", "changeover_minutes": "2",
        "order": "shortlist", "seed": "0", "reminder_hours": "24", "call_links": "https://meet.example.org/pitch"}
ORGANISERS = statuses(403, organiser=200, admin=200)
ROUTES = [
    ("GET", BASE + "/judging/{pitch}/schedule", None, ORGANISERS),
    ("POST", BASE + "/judging/{pitch}/schedule", lambda ids: PLAN, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{pitch}/schedule/publish", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{pitch}/schedule.ics", None, statuses(403, organiser=404, admin=404)),
    ("GET", BASE + "/pitch", None, statuses(404)),
    ("GET", BASE + "/pitch.ics", None, statuses(404)),
    ("GET", BASE + "/judging/{pitch}/live", None, ORGANISERS),
    ("POST", BASE + "/judging/{pitch}/live/next", None, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{pitch}/live/previous", None, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{pitch}/live/timer", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/jury/{pitch}/live", None, statuses(403, juror=200)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(final, client_for, method, path, data, expected):
    walk(final, client_for, method, path, data, expected)


def test_the_organiser_plans_and_publishes_and_teams_see_their_slot(final, client_for, outbox):
    organiser = client_for(final.users["organiser"])
    url = f"{BASE}/judging/{final.pitch.id}/schedule"
    assert organiser.post(url, data=PLAN).status_code == 302
    slots = db.session.scalars(select(PitchSlot).order_by(PitchSlot.position)).all()
    assert [s.submission_id for s in slots] == [final.project.id, final.other_project.id]
    assert slots[0].starts_at.hour == 8 and (slots[1].starts_at - slots[0].starts_at) == timedelta(minutes=10)
    member = client_for(final.users["participant"])
    assert member.get(BASE + "/pitch").status_code == 404  # not published yet
    organiser.post(url + "/publish")
    mails = [m for m in outbox() if m.template == "pitch_slot"]
    assert {m.to_address for m in mails} == {final.users[n].email for n in ("participant", "teammate",
                                                                             "other_participant")}
    assert "2:00" in mails[0].body_text and "Asia/Bishkek" in mails[0].body_text and "08:00 UTC" in mails[0].body_text
    page = text(member.get(BASE + "/pitch"))
    assert "Taza Suu" in page and "2:00" in page and "Asia/Bishkek" in page and "meet.example.org" in page
    assert "Clean Air" not in page  # only their own slot
    calendar = member.get(BASE + "/pitch.ics")
    assert calendar.mimetype == "text/calendar" and b"DTSTART:20300710T080000Z" in calendar.data
    assert calendar.data.count(b"BEGIN:VEVENT") == 1
    full = organiser.get(url + ".ics")
    assert full.data.count(b"BEGIN:VEVENT") == 2
    assert client_for(final.users["stranger"]).get(BASE + "/pitch").status_code == 404
    # Re-planning at random with a seed keeps it reproducible and unpublishes until published again.
    organiser.post(url, data=PLAN | {"order": "random", "seed": "7"})
    first = [s.submission_id for s in db.session.scalars(select(PitchSlot).order_by(PitchSlot.position))]
    organiser.post(url, data=PLAN | {"order": "random", "seed": "7"})
    assert [s.submission_id for s in db.session.scalars(select(PitchSlot).order_by(PitchSlot.position))] == first
    assert db.session.scalar(select(PitchSchedule)).published_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judging.schedule_planned"))


def test_bad_schedules_are_refused_politely(final, client_for):
    organiser = client_for(final.users["organiser"])
    url = f"{BASE}/judging/{final.pitch.id}/schedule"
    for data, message in ((PLAN | {"pitch_minutes": "0"}, "Enter a number between 1 and 120"),
                          (PLAN | {"order": "alphabetical"}, "Not a valid choice"),
                          (PLAN | {"call_links": "https://ok.example.org\njavascript:alert(1)"}, "must start with https://"),
                          (PLAN | {"starts_at": "tomorrow"}, "Enter a date and time")):
        response = organiser.post(url, data=data, follow_redirects=True)
        assert response.status_code == 200 and message in text(response), data
    assert db.session.scalar(select(PitchSlot)) is None
    # A round without projects (its shortlist is not published) cannot be planned.
    db.session.execute(ShortlistEntry.__table__.delete())
    db.session.commit()
    assert "no projects yet" in text(organiser.post(url, data=PLAN, follow_redirects=True))


def test_reminders_go_once_within_the_window(final, client_for, outbox, app):
    from hackathon.judging.schedule import send_reminders

    organiser = client_for(final.users["organiser"])
    url = f"{BASE}/judging/{final.pitch.id}/schedule"
    organiser.post(url, data=PLAN)
    organiser.post(url + "/publish")
    first = db.session.scalar(select(PitchSlot).order_by(PitchSlot.position))
    with app.test_request_context():
        assert send_reminders(first.starts_at - timedelta(hours=30)) == 0  # too early
        assert send_reminders(first.starts_at - timedelta(hours=2)) == 3  # both slots are within 24 h
        assert send_reminders(first.starts_at - timedelta(hours=1)) == 0  # once
    assert sum(1 for m in outbox() if m.template == "pitch_reminder") == 3


def plain(response) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def plan_and_stage(world, client_for):
    organiser = client_for(world.users["organiser"])
    url = f"{BASE}/judging/{world.pitch.id}/schedule"
    organiser.post(url, data=PLAN)
    organiser.post(url + "/publish")
    world.pitch.opens_at, world.pitch.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=3)
    for juror in ("juror", "juror2"):
        for project in (world.project, world.other_project):
            db.session.add(JurorAssignment(round_id=world.pitch.id, juror_id=world.users[juror].id,
                                           submission_id=project.id))
    db.session.commit()
    return organiser


def test_the_live_console_and_the_jurors_phone_view(final, client_for):
    organiser = plan_and_stage(final, client_for)
    console = f"{BASE}/judging/{final.pitch.id}/live"
    assert "No team is on stage yet" in text(organiser.get(console))
    organiser.post(console + "/next")
    organiser.post(console + "/timer")
    page = plain(organiser.get(console))
    assert "On stage: Taza Suu" in page and "Time left" in page and "not started" in page
    assert 'http-equiv="refresh"' in organiser.get(console).get_data(as_text=True)
    # The juror's phone view: the team on stage and its sheet; typing saves drafts (204, no page).
    juror = client_for(final.users["juror"])
    live = f"{BASE}/jury/{final.pitch.id}/live"
    page = juror.get(live).get_data(as_text=True)
    assert "Taza Suu" in page and "data-autosave" in page and "sheet-autosave.js" in page
    sheet_url = f"{BASE}/jury/{final.pitch.id}/{final.project.id}"
    criterion = final.criteria[0]
    pitch_criteria = [JudgingCriterion(round_id=final.pitch.id, position=0, name={"en": "Pitch"}, weight=1)]
    db.session.add_all(pitch_criteria)
    db.session.commit()
    field = f"criterion_{pitch_criteria[0].id}"
    response = juror.post(sheet_url, data={field: "7", "comment_to_team": "Clear"}, headers={"X-Autosave": "1"})
    assert response.status_code == 204 and not response.data
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.round_id == final.pitch.id))
    assert sheet.status == SheetStatus.draft and sheet.scores == {str(pitch_criteria[0].id): 7}
    # A bad value while typing is not saved and not an error page; an autosave never submits.
    assert juror.post(sheet_url, data={field: "70"}, headers={"X-Autosave": "1"}).status_code == 422
    juror.post(sheet_url, data={field: "8", "submit_sheet": "y"}, headers={"X-Autosave": "1"})
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.draft
    # The draft is on the page on return; submitting from the live view comes back to it.
    assert 'value="8"' in juror.get(live).get_data(as_text=True)
    response = juror.post(sheet_url, data={field: "8", "submit_sheet": "y", "return": "live"})
    assert response.status_code == 302 and response.location.endswith(live)
    assert "submitted" in text(organiser.get(console))
    assert criterion.round_id == final.round.id  # the screening's criteria are untouched
    # A juror conflicted with the team on stage is told so, with no sheet.
    db.session.execute(JurorAssignment.__table__.delete().where(JurorAssignment.juror_id == final.users["juror2"].id))
    db.session.commit()
    page = text(client_for(final.users["juror2"]).get(live))
    assert "You do not score this team" in page and "data-autosave" not in page
    # Moving on: the next team, the timer waiting; never past the last slot.
    for _ in range(3):
        organiser.post(console + "/next")
    page = plain(organiser.get(console))
    assert "On stage: Clean Air" in page and "(2 / 2)" in page and "The timer has not started" in page


def test_no_pitch_scoring_outside_the_rounds_window(final, client_for):
    organiser = plan_and_stage(final, client_for)
    organiser.post(f"{BASE}/judging/{final.pitch.id}/live/next")
    criterion = JudgingCriterion(round_id=final.pitch.id, position=0, name={"en": "Pitch"}, weight=1)
    db.session.add(criterion)
    final.pitch.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    juror = client_for(final.users["juror"])
    page = plain(juror.get(f"{BASE}/jury/{final.pitch.id}/live"))
    assert "The round is closed" in page and "data-autosave" not in page
    sheet_url = f"{BASE}/jury/{final.pitch.id}/{final.project.id}"
    assert juror.post(sheet_url, data={f"criterion_{criterion.id}": "7"},
                      headers={"X-Autosave": "1"}).status_code == 409
    response = juror.post(sheet_url, data={f"criterion_{criterion.id}": "7", "submit_sheet": "y"},
                          follow_redirects=True)
    assert response.status_code == 200 and db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.round_id == final.pitch.id)) is None


def test_each_session_has_its_call_link(final, client_for, outbox):
    organiser = client_for(final.users["organiser"])
    url = f"{BASE}/judging/{final.pitch.id}/schedule"
    organiser.post(url, data=PLAN | {"break_after": "1", "break_minutes": "30",
                                     "call_links": "https://meet.example.org/morning\nhttps://meet.example.org/afternoon"})
    slots = db.session.scalars(select(PitchSlot).order_by(PitchSlot.position)).all()
    assert [s.session for s in slots] == [1, 2]
    assert slots[1].starts_at - slots[0].ends_at == timedelta(minutes=32)  # changeover + break
    page = text(organiser.get(url))
    assert "meet.example.org/morning" in page and "meet.example.org/afternoon" in page and "Panel" in page
    organiser.post(url + "/publish")
    links = {m.to_address: m.body_text for m in outbox() if m.template == "pitch_slot"}
    assert "/morning" in links[final.users["participant"].email]
    assert "/afternoon" in links[final.users["other_participant"].email]


def test_re_planning_the_schedule_records_every_changed_field_in_words(final, client_for):
    """The entry kept only the start, order and seed: a longer pitch or a new call link left no trace."""
    organiser = client_for(final.users["organiser"])
    url = f"{BASE}/judging/{final.pitch.id}/schedule"
    assert organiser.post(url, data=PLAN).status_code == 302
    assert organiser.post(url, data=PLAN | {"pitch_minutes": "7", "order": "reverse"}).status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "judging.schedule_planned")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"pitch_minutes": 5, "order": "shortlist"}
    assert {key: entry.after[key] for key in ("pitch_minutes", "order")} == {"pitch_minutes": 7, "order": "reverse"}
    import re

    page = " ".join(re.sub(r"<[^>]+>", " ", text(organiser.get(BASE + "/audit"))).split())
    assert "Pitch (minutes) 5 → 7" in page
    assert "The shortlist's order (best first) → The reverse (best last)" in page
