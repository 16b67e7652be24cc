"""The demo's live event (hackathon/demo_live.py): in the middle of hacking relative to the moment it is loaded,
moved forward by a later run without a new row, and every role can act on it now through the web pages."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import Background, User
from hackathon.applications.models import Application, ApplicationRating, ApplicationStatus
from hackathon.database import UTCDateTime, utcnow
from hackathon.demo import load_demo
from hackathon.demo_live import SLUG
from hackathon.events.models import Event, EventRole, Role
from hackathon.events.phases import Phase, applications_open, submissions_open
from hackathon.extensions import db
from hackathon.judging import services as judging
from hackathon.judging.models import (JudgingRound, JurorAssignment, JurorConflict, PitchSchedule, PitchSlot,
                                      ScoreSheet, SheetStatus, ShortlistEntry)
from hackathon.mentoring.help import help_open
from hackathon.mentoring.models import CheckIn, HelpRequest, HelpStatus, MentorReview
from hackathon.submissions.models import Submission, SubmissionStatus, SubmissionVersion
from hackathon.teams.models import Team, TeamMember

HOUR = timedelta(hours=1)


def live() -> Event:
    return db.session.scalar(select(Event).where(Event.slug == SLUG))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def live_timestamps(event: Event) -> dict[tuple[str, int, str], datetime]:
    """Every timestamp of the rows the live event owns, by (table, id, column)."""
    rounds = select(JudgingRound.id).where(JudgingRound.event_id == event.id)
    submissions = select(Submission.id).where(Submission.event_id == event.id)
    applications = select(Application.id).where(Application.event_id == event.id)
    owned = [(Event, Event.id == event.id), (Team, Team.event_id == event.id),
             (TeamMember, TeamMember.event_id == event.id), (Application, Application.event_id == event.id),
             (ApplicationRating, ApplicationRating.application_id.in_(applications)),
             (EventRole, EventRole.event_id == event.id), (CheckIn, CheckIn.event_id == event.id),
             (MentorReview, MentorReview.event_id == event.id), (HelpRequest, HelpRequest.event_id == event.id),
             (Submission, Submission.event_id == event.id),
             (SubmissionVersion, SubmissionVersion.submission_id.in_(submissions)),
             (JudgingRound, JudgingRound.event_id == event.id), (JurorConflict, JurorConflict.event_id == event.id),
             (JurorAssignment, JurorAssignment.round_id.in_(rounds)), (ScoreSheet, ScoreSheet.round_id.in_(rounds)),
             (ShortlistEntry, ShortlistEntry.round_id.in_(rounds)), (PitchSchedule, PitchSchedule.round_id.in_(rounds)),
             (PitchSlot, PitchSlot.round_id.in_(rounds))]
    stamps = {}
    for model, where in owned:
        columns = [c for c in model.__table__.c if isinstance(c.type, UTCDateTime)]
        for row in db.session.execute(select(model.__table__.c.id, *columns).where(where)):
            for column, value in zip(columns, row[1:]):
                if value is not None:
                    stamps[(model.__tablename__, row[0], column.name)] = value
    return stamps


def rounds(event: Event) -> tuple[JudgingRound, JudgingRound]:
    semi, final = judging.rounds_of(event)
    return semi, final


def check_live_now(event: Event, now: datetime) -> None:
    """What the README promises, at `now`."""
    assert event.phase(now) == Phase.hacking
    assert submissions_open(event.schedule, now) and help_open(event, now)
    assert not applications_open(event.schedule, now)
    # The moments are whole hours around `now`: within an hour of the promised distance.
    assert timedelta(days=14) <= now - event.applications_close_at < timedelta(days=14) + HOUR
    assert timedelta(days=2) <= now - event.hacking_starts_at < timedelta(days=2) + HOUR
    assert timedelta(days=1) - HOUR < event.submissions_close_at - now <= timedelta(days=1)
    assert timedelta(days=2) - HOUR < event.pitching_starts_at - now <= timedelta(days=2)
    assert event.pitching_starts_at < event.results_at

    semi, final = rounds(event)
    assert not judging.is_open(semi, now) and semi.closes_at < now
    assert semi.shortlist_published_at is not None and semi.shortlist_published_at < now
    assert judging.is_open(final, now) and final.opens_at.date() in (now.date(), (now - timedelta(hours=3)).date())
    assert final.source_round_id == semi.id and len(judging.round_projects(final)) == 4
    schedule = db.session.scalar(select(PitchSchedule).where(PitchSchedule.round_id == final.id))
    assert schedule.published_at is not None and schedule.published_at < now
    slots = list(db.session.scalars(select(PitchSlot).where(PitchSlot.round_id == final.id)
                                    .order_by(PitchSlot.position)))
    assert {s.submission_id for s in slots} == {p.id for p in judging.round_projects(final)}
    assert slots[0].starts_at == event.pitching_starts_at and all(s.starts_at > now for s in slots)

    # Nothing that happened is in the future (only what is planned).
    planned = {("events", "submissions_close_at"), ("events", "pitching_starts_at"), ("events", "results_at"),
               ("judging_rounds", "closes_at"), ("pitch_schedules", "starts_at"), ("pitch_slots", "starts_at"),
               ("pitch_slots", "pitch_ends_at"), ("pitch_slots", "ends_at")}
    future = {(table, column) for (table, _id, column), value in live_timestamps(event).items() if value > now}
    assert future <= planned
    requests = list(db.session.scalars(select(HelpRequest).where(HelpRequest.event_id == event.id)))
    waiting = [r for r in requests if r.status == HelpStatus.open]
    assert len(waiting) >= 2 and all(now - r.created_at < 2 * HOUR for r in waiting)
    assert any(r.status == HelpStatus.claimed for r in requests)


@pytest.fixture
def demo(app):
    load_demo()
    db.session.expire_all()


@pytest.mark.parametrize("minute", [0, 59])
def test_live_event_is_in_the_middle_of_hacking_and_moves_forward_on_a_second_run(app, minute):
    first = datetime(2026, 3, 10, 7, minute, 30, tzinfo=timezone.utc)
    load_demo(first)
    db.session.expire_all()
    event = live()
    check_live_now(event, first)
    counts, stamps = row_counts(), live_timestamps(event)

    later = first + timedelta(days=3, hours=5)
    load_demo(later)
    db.session.expire_all()
    event = live()
    assert row_counts() == counts  # the same rows
    moved = live_timestamps(event)
    assert moved.keys() == stamps.keys()
    assert {moved[key] - stamps[key] for key in stamps} == {timedelta(days=3, hours=5)}
    check_live_now(event, later)

    load_demo(later)  # a third run in the same hour changes nothing
    db.session.expire_all()
    assert live_timestamps(live()) == moved and row_counts() == counts


def test_every_role_has_something_to_do(demo):
    event = live()
    now = utcnow()
    roles = Counter(db.session.scalars(select(EventRole.role).where(EventRole.event_id == event.id)))
    assert roles[Role.organiser] == 1 and roles[Role.reviewer] == 1 and roles[Role.mentor] >= 3
    assert roles[Role.juror] >= 4 and roles[Role.participant] >= 25

    teams = list(db.session.scalars(select(Team).join(Application, Application.team_id == Team.id).where(
        Team.event_id == event.id, Application.status == ApplicationStatus.confirmed)))
    states = Counter(db.session.scalars(select(Submission.status).where(Submission.event_id == event.id)))
    assert len(teams) == 8 and states == {SubmissionStatus.submitted: 6, SubmissionStatus.draft: 1}
    versions = Counter(db.session.scalars(select(SubmissionVersion.submission_id).join(Submission)
                                          .where(Submission.event_id == event.id)))
    assert set(versions.values()) >= {2, 3, 4}
    checked_in = set(db.session.scalars(select(CheckIn.team_id).where(CheckIn.event_id == event.id)))
    assert [t.name for t in teams if t.id not in checked_in] == ["Kel-Kel Live"]
    assert db.session.scalar(select(func.count(MentorReview.id)).where(MentorReview.event_id == event.id)) >= 10

    semi, final = rounds(event)
    assert {s.status for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == semi.id))} == {
        SheetStatus.submitted}
    juror = user("juror3@demo.test")
    queue = judging.juror_queue(juror, final)
    kinds = Counter(sheet.status.value if sheet else "unscored" for _assignment, sheet in queue)
    assert kinds == {"submitted": 1, "draft": 1, "unscored": 2}
    sheets = Counter(db.session.scalars(select(ScoreSheet.status).where(ScoreSheet.round_id == final.id)))
    assert sheets[SheetStatus.draft] >= 3 and sheets[SheetStatus.submitted] >= 2
    conflict = db.session.scalar(select(JurorConflict).where(JurorConflict.event_id == event.id))
    assert conflict.reason and db.session.scalar(select(JurorAssignment.id).join(
        Submission, Submission.id == JurorAssignment.submission_id).where(
        JurorAssignment.round_id == final.id, JurorAssignment.juror_id == conflict.juror_id,
        Submission.team_id == conflict.team_id)) is None
    assert db.session.scalar(select(ScoreSheet.id).join(Submission, Submission.id == ScoreSheet.submission_id).where(
        ScoreSheet.juror_id == conflict.juror_id, Submission.team_id == conflict.team_id)) is None
    assert now < event.pitching_starts_at

    reviewer = user("reviewer@demo.test")
    rated = set(db.session.scalars(select(ApplicationRating.application_id)
                                   .where(ApplicationRating.reviewer_id == reviewer.id)))
    unrated = db.session.scalars(select(Application).where(
        Application.event_id == event.id, Application.status == ApplicationStatus.waitlisted,
        Application.id.not_in(rated))).all()
    assert len(rated) >= 12 and len(unrated) >= 1


def test_live_participants_are_varied(demo):
    event = live()
    ids = set(db.session.scalars(select(Application.user_id).where(Application.event_id == event.id))) | set(
        db.session.scalars(select(TeamMember.user_id).where(TeamMember.event_id == event.id)))
    people = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    ages = [event.hacking_starts_at.year - p.year_of_birth for p in people if p.year_of_birth]
    assert len(people) >= 40 and min(ages) < 30 and max(ages) >= 55
    assert len({p.gender for p in people}) >= 3
    assert "abroad" in {p.region for p in people} and len({p.region for p in people}) >= 6
    assert {Background.it, Background.non_it} <= {p.background for p in people}
    assert {True, False} <= {p.first_hackathon for p in people}
    assert {"en", "ru", "ky"} <= {p.locale for p in people}


# --- every role acts now, through the pages ----------------------------------------------------------------------


@pytest.fixture
def client_for(app):
    from tests.test_challenges import sign_in

    def make(email: str):
        client = app.test_client()
        sign_in(client, user(email))
        return client

    return make


def test_mentor_sees_a_waiting_request_and_claims_it(demo, client_for):
    client = client_for("mentor3@demo.test")
    page = client.get(f"/events/{SLUG}/help/queue").get_data(as_text=True)
    assert "SMS in Kyrgyz letters" in page
    request = db.session.scalar(select(HelpRequest).where(HelpRequest.topic == "SMS in Kyrgyz letters"))
    assert request.status == HelpStatus.open
    response = client.post(f"/events/{SLUG}/help/{request.id}/claim")
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == HelpStatus.claimed and request.claimed_by.email == "mentor3@demo.test"


def test_juror_has_drafts_and_unscored_projects_and_saves_a_sheet(demo, client_for):
    event = live()
    _semi, final = rounds(event)
    juror = user("juror3@demo.test")
    client = client_for(juror.email)
    page = client.get(f"/events/{SLUG}/jury").get_data(as_text=True)
    assert "Final" in page
    unscored = next(a.submission_id for a, sheet in judging.juror_queue(juror, final) if sheet is None)
    assert client.get(f"/events/{SLUG}/jury/{final.id}/{unscored}").status_code == 200
    data = {f"criterion_{c.id}": "7" for c in final.criteria[:2]} | {"comment_to_team": "", "private_note": "Good",
                                                                      "save": "Save as draft"}
    response = client.post(f"/events/{SLUG}/jury/{final.id}/{unscored}", data=data)
    assert response.status_code == 302
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.round_id == final.id, ScoreSheet.juror_id == juror.id,
                                                       ScoreSheet.submission_id == unscored))
    assert sheet.status == SheetStatus.draft and sheet.private_note == "Good"


def test_team_saves_its_draft(demo, client_for):
    event = live()
    team = db.session.scalar(select(Team).where(Team.event_id == event.id, Team.name == "Agro SMS"))
    captain = db.session.get(User, team.captain_id)
    submission = db.session.scalar(select(Submission).where(Submission.team_id == team.id))
    client = client_for(captain.email)
    assert client.get(f"/events/{SLUG}/submission").status_code == 200
    response = client.post(f"/events/{SLUG}/submission", data={
        "version": submission.lock_version, "title": "Agro SMS: advice for farmers",
        "tagline": "Soil and weather advice by SMS in Kyrgyz.", "description": "", "track": str(submission.track_id),
        "challenge": "", "repository_url": "", "demo_url": "", "video_url": "", "technologies": "Python",
        "credited": [str(i) for i in submission.credited_user_ids], "save": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.title == "Agro SMS: advice for farmers" and submission.status == SubmissionStatus.draft
    assert submission.lock_version == 3


def test_reviewer_rates_an_application(demo, client_for):
    event = live()
    reviewer = user("reviewer@demo.test")
    client = client_for(reviewer.email)
    assert client.get(f"/events/{SLUG}/review").status_code == 200
    rated = select(ApplicationRating.application_id).where(ApplicationRating.reviewer_id == reviewer.id)
    application = db.session.scalar(select(Application).where(
        Application.event_id == event.id, Application.status == ApplicationStatus.waitlisted,
        Application.id.not_in(rated)).limit(1))
    response = client.post(f"/events/{SLUG}/review/{application.id}",
                           data={"rating-score": "4", "rating-note": "Strong motivation."})
    assert response.status_code == 302
    rating = db.session.scalar(select(ApplicationRating).where(ApplicationRating.application_id == application.id,
                                                               ApplicationRating.reviewer_id == reviewer.id))
    assert rating.score == 4


def test_organiser_sees_the_team_that_has_not_checked_in(demo, client_for):
    page = client_for("organiser@demo.test").get(f"/events/{SLUG}/mentoring/board").get_data(as_text=True)
    stale = page.split('id="stale"', 1)[1].split("</section>", 1)[0]
    assert "Kel-Kel Live" in stale and "Suu Kezek" not in stale


def test_finalist_sees_its_pitch_slot(demo, client_for):
    """applicant14 (README's team account) captains a finalist: its slot and the call link are on its pitch page."""
    event = live()
    _semi, final = rounds(event)
    slots = {s.submission.team.name: s for s in db.session.scalars(select(PitchSlot).where(
        PitchSlot.round_id == final.id))}
    assert "Suu Kezek" in slots and "Жаштар Медиа" not in slots
    page = client_for("applicant14@demo.test").get(f"/events/{SLUG}/pitch")
    assert page.status_code == 200 and "meet.example.org" in page.get_data(as_text=True)
    assert client_for("applicant13@demo.test").get(f"/events/{SLUG}/pitch").status_code == 404
