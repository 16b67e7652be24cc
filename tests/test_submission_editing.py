"""The team's submission through the test client: saving, submitting, completeness, deadlines (grace period,
exemptions, freeze), two members saving at once, version history and comparison, XSS, query counts, and who may
use each route."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.submissions import core
from hackathon.submissions.deadlines import SubmissionState, submission_state
from hackathon.submissions.models import (DeadlineExemption, ExemptionKind, Submission, SubmissionStatus,
                                          SubmissionVersion)
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import (LOGIN, XSS, count, counting_queries, reset_caches, statuses,
                                       submission_of, text, walk)

EDIT = "/events/hack/submission"
MEMBERS = ("participant", "teammate", "other_participant")


def form(version=0, **overrides) -> dict:
    data = {"version": str(version), "title": "Taza Suu", "tagline": "Clean water maps for villages",
            "description": "We map **wells**.", "track": "", "challenge": "", "repository_url": "https://example.org/r",
            "demo_url": "", "video_url": "", "technologies": "Python, Flask, python"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def seed(team, users, *, versions: int = 2) -> Submission:
    """A saved submission with `versions` versions, written through core (no request needed)."""
    event = team.event
    submission = core.ensure_submission(event, team)
    for number in range(versions):
        submission.title = f"Project v{number + 1}"
        submission.description = f"line one\nline {number + 1}"
        core.record_version(submission, users[0], "saved", utcnow())
    db.session.commit()
    return submission


def fresh_world(subs) -> dict:
    db.session.execute(Submission.__table__.delete())
    db.session.commit()
    mine = seed(subs.team, [subs.users["participant"]])
    seed(subs.other_team, [subs.users["other_participant"]])
    reset_caches()
    subs.ids.update(version=mine.lock_version, number=1)
    return subs.ids


@pytest.fixture
def world(subs):
    subs.reset = lambda: fresh_world(subs)
    subs.reset()
    return subs


TEAM_PAGE = statuses(403, **dict.fromkeys(MEMBERS, 200))
TEAM_POST = statuses(403, **dict.fromkeys(MEMBERS, 302))
ORGANISER_PAGE = statuses(403, organiser=200, admin=200)

ROUTES = [
    ("GET", EDIT, None, TEAM_PAGE),
    ("POST", EDIT, lambda ids: form(ids["version"]), TEAM_POST),
    ("POST", EDIT + "/submit", lambda ids: {"version": ids["version"]}, TEAM_POST),
    ("POST", EDIT + "/draft", None, TEAM_POST),
    ("GET", EDIT + "/versions", None, TEAM_PAGE),
    ("GET", EDIT + "/versions/{number}", None, TEAM_PAGE),
    ("GET", EDIT + "/compare?a=1&b=2", None, TEAM_PAGE),
    ("GET", "/events/hack/submissions/{team}/versions", None, ORGANISER_PAGE),
    ("GET", "/events/hack/submissions/{team}/versions/{number}", None, ORGANISER_PAGE),
    ("GET", "/events/hack/submissions/{team}/compare?a=1&b=2", None, ORGANISER_PAGE),
    ("GET", "/events/hack/submissions/2147483648/versions", None, statuses(404, anonymous=404)),
    ("GET", EDIT + "/versions/99", None, statuses(403, **dict.fromkeys(MEMBERS, 404))),
    ("GET", EDIT + "/compare?a=1&b=99", None, statuses(403, **dict.fromkeys(MEMBERS, 404))),
    ("GET", EDIT + "/compare?a=x", None, statuses(403, **dict.fromkeys(MEMBERS, 404))),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    walk(world, client_for, method, path, data, expected)


def test_an_organiser_twin_does_not_show_another_events_team(world, client_for, make_event, make_user):
    from tests.submissions_support import add_team, submission_times

    elsewhere = add_team(make_event("elsewhere", **submission_times()), "Elsewhere", make_user())
    client = client_for(world.users["organiser"])
    assert client.get(f"/events/hack/submissions/{elsewhere.id}/versions").status_code == 404


# --- the journey ---------------------------------------------------------------------------------------------


def test_a_team_saves_versions_compares_and_submits(subs, client_for):
    subs.settings.required_fields = ["tagline", "description", "deck"]
    db.session.commit()
    client = client_for(subs.users["participant"])
    page = text(client.get(EDIT))
    assert "Our project" in page and "Not started" in page and "left" in page

    members = [str(subs.users["participant"].id), str(subs.users["teammate"].id)]
    assert f'value="{members[1]}" checked' in client.get(EDIT).get_data(as_text=True) or \
        f'checked id="credited-1" name="credited" type="checkbox" value="{members[1]}"' in \
        client.get(EDIT).get_data(as_text=True)
    assert client.post(EDIT, data={**form(0), "credited": members}).status_code == 302
    submission = submission_of(subs.team)
    assert (submission.title, submission.status, submission.lock_version) == ("Taza Suu", SubmissionStatus.draft, 1)
    assert submission.technologies == ["Python", "Flask"]  # deduplicated, case-insensitively
    assert sorted(submission.credited_user_ids) == sorted([subs.users["participant"].id,
                                                           subs.users["teammate"].id])
    assert client.post(EDIT, data=form(1, description="We map **wells**.\nAnd springs.")).status_code == 302
    assert submission_of(subs.team).lock_version == 2
    # Saving the same values again stores no version.
    client.post(EDIT, data=form(2, description="We map **wells**.\nAnd springs."))
    assert count(SubmissionVersion) == 2

    versions = text(client.get(EDIT + "/versions"))
    assert "Saved" in versions and "Description" in versions and "Participant" in versions
    compare = text(client.get(EDIT + "/compare?a=1&b=2"))
    assert "+ And springs." in compare and "changed" in compare
    assert "Project title" in text(client.get(EDIT + "/versions/1")) or "Taza Suu" in text(client.get(EDIT + "/versions/1"))

    response = client.post(EDIT + "/submit", data={"version": 2}, follow_redirects=True)
    assert "Fill in what is missing before submitting: Pitch deck (PDF)." in text(response)
    assert submission_of(subs.team).status == SubmissionStatus.draft

    subs.settings.required_fields = ["tagline", "description"]
    db.session.commit()
    response = client.post(EDIT + "/submit", data={"version": 2}, follow_redirects=True)
    assert "Your project is submitted" in text(response)
    submitted = submission_of(subs.team)
    assert submitted.status == SubmissionStatus.submitted and submitted.submitted_at is not None
    assert submission_state(exists=True, submitted=True, submitted_at=submitted.submitted_at,
                            closes_at=subs.event.submissions_close_at) == SubmissionState.submitted
    # A double submit changes nothing.
    client.post(EDIT + "/submit", data={"version": 2})
    assert count(SubmissionVersion) == 3

    # A submitted project must stay complete.
    response = client.post(EDIT, data=form(3, tagline=""))
    assert response.status_code == 200 and "must stay complete" in text(response) and "Tagline" in text(response)
    assert submission_of(subs.team).tagline == "Clean water maps for villages"
    # Back to draft.
    client.post(EDIT + "/draft", data={"version": 3})
    assert submission_of(subs.team).status == SubmissionStatus.draft


def test_the_form_defaults_to_the_teams_track_and_challenge(subs, client_for):
    from hackathon.mentoring.models import Challenge, TeamChallenge

    challenge = Challenge(event_id=subs.event.id, title="River data", description="", data_links=[],
                          created_by_id=subs.users["mentor"].id)
    db.session.add(challenge)
    db.session.flush()
    db.session.add(TeamChallenge(team_id=subs.team.id, challenge_id=challenge.id))
    subs.team.track_id = subs.tracks[1].id
    db.session.commit()
    page = client_for(subs.users["participant"]).get(EDIT).get_data(as_text=True)
    assert f'<option selected value="{challenge.id}">' in page or f'value="{challenge.id}" selected' in page
    assert f'<option selected value="{subs.tracks[1].id}">' in page or f'value="{subs.tracks[1].id}" selected' in page


@pytest.mark.parametrize("field, value, message", [
    ("repository_url", "javascript:alert(1)", "starting with http:// or https://"),
    ("demo_url", "file:///etc/passwd", "starting with http:// or https://"),
    ("video_url", "data:text/html,hi", "starting with http:// or https://"),
    ("demo_url", "example.org/demo", "starting with http:// or https://"),
    ("title", "", "This field is required."),
    ("title", "x" * 121, "Use at most 120 characters."),
    ("technologies", ",".join(f"t{i}" for i in range(16)), "at most 15 technologies"),
    ("track", "999999", "Not a valid choice."),
])
def test_bad_input_is_refused_and_kept(subs, client_for, field, value, message):
    client = client_for(subs.users["participant"])
    response = client.post(EDIT, data=form(0, **{field: value}))
    assert response.status_code == 200 and message in text(response)
    assert submission_of(subs.team) is None
    if field in ("demo_url", "video_url"):
        assert "Clean water maps for villages" in text(response)  # the other values are kept


def test_credited_members_must_be_the_teams(subs, client_for):
    outsider = subs.users["other_participant"]
    client = client_for(subs.users["participant"])
    response = client.post(EDIT, data={**form(0), "credited": [str(outsider.id)]})
    assert response.status_code == 200 and f"'{outsider.id}' is not a valid choice for this field." in text(response)
    assert submission_of(subs.team) is None


def test_xss_is_escaped_and_markdown_sanitised(subs, client_for):
    client = client_for(subs.users["participant"])
    client.post(EDIT, data=form(0, title=XSS, tagline=XSS, technologies="<b>x</b>, <i onmouseover=y>",
                                description=f"{XSS}\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>"))
    client.post(EDIT, data=form(1, title=XSS + "2", tagline=XSS, technologies="<b>x</b>",
                                description="[safe](https://example.org)"))
    for url in (EDIT, EDIT + "/versions", EDIT + "/versions/1", EDIT + "/compare?a=1&b=2"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
        assert 'href="javascript:' not in html
    version_page = client.get(EDIT + "/versions/1").get_data(as_text=True)
    assert "&lt;script&gt;" in version_page and "&lt;b&gt;x&lt;/b&gt;" in version_page
    assert submission_of(subs.team).lock_version == 2


# --- deadlines -------------------------------------------------------------------------------------------------


def close_submissions(subs, *, ago: timedelta, grace_minutes: int = 0):
    subs.event.submissions_close_at = utcnow() - ago
    subs.settings.grace_minutes = grace_minutes
    db.session.commit()


def test_after_the_deadline_nothing_is_saved_and_the_page_is_frozen(subs, client_for):
    client = client_for(subs.users["participant"])
    client.post(EDIT, data=form(0))
    close_submissions(subs, ago=timedelta(minutes=1))
    page = text(client.get(EDIT))
    assert "Frozen for judging" in page and "Taza Suu" in page and 'name="title"' not in page
    response = client.post(EDIT, data=form(1, title="Changed"))
    assert response.status_code == 200 and "The submission deadline has passed" in text(response)
    assert "Changed" in text(response)  # the values are kept
    assert submission_of(subs.team).title == "Taza Suu"
    submit = client.post(EDIT + "/submit", data={"version": 1}, follow_redirects=True)
    assert "The submission deadline has passed" in text(submit)
    assert submission_of(subs.team).status == SubmissionStatus.draft


def test_the_grace_period_accepts_and_marks_late(subs, client_for):
    client = client_for(subs.users["participant"])
    client.post(EDIT, data=form(0))
    close_submissions(subs, ago=timedelta(minutes=5), grace_minutes=30)
    assert "marked late" in text(client.get(EDIT))
    client.post(EDIT + "/submit", data={"version": 1})
    submission = submission_of(subs.team)
    assert submission.status == SubmissionStatus.submitted
    assert submission_state(exists=True, submitted=True, submitted_at=submission.submitted_at,
                            closes_at=subs.event.submissions_close_at) == SubmissionState.late
    assert "Submitted late" in text(client.get(EDIT))


def test_an_exemption_reopens_the_form_for_that_team_only(subs, client_for):
    close_submissions(subs, ago=timedelta(hours=1))
    db.session.add(DeadlineExemption(event_id=subs.event.id, team_id=subs.team.id, kind=ExemptionKind.extension,
                                     until=utcnow() + timedelta(hours=2), reason="power cut",
                                     granted_by_id=subs.users["organiser"].id))
    db.session.commit()
    assert client_for(subs.users["participant"]).post(EDIT, data=form(0)).status_code == 302
    assert submission_of(subs.team).title == "Taza Suu"
    other = client_for(subs.users["other_participant"]).post(EDIT, data=form(0))
    assert "deadline has passed" in text(other) and submission_of(subs.other_team) is None


# --- two members at once ------------------------------------------------------------------------------------------


def test_a_stale_form_shows_both_versions_and_loses_nothing(subs, client_for):
    first, second = client_for(subs.users["participant"]), client_for(subs.users["teammate"])
    first.post(EDIT, data=form(0))
    # Both load version 1; the first saves again, then the second saves on the old version.
    first.post(EDIT, data=form(1, tagline="Saved by the first"))
    response = second.post(EDIT, data=form(1, tagline="Typed by the second"))
    page = text(response)
    assert response.status_code == 409
    assert "saved the submission while you were editing it" in page
    assert "Saved by the first" in page and "Typed by the second" in page
    assert 'name="version" type="hidden" value="2"' in response.get_data(as_text=True)
    assert submission_of(subs.team).tagline == "Saved by the first"
    # Saving deliberately on the new version works.
    assert second.post(EDIT, data=form(2, tagline="Typed by the second")).status_code == 302
    assert submission_of(subs.team).tagline == "Typed by the second"
    assert [v.number for v in db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.id))] == [1, 2, 3]


def test_two_simultaneous_saves_one_wins(app, subs, request):
    """Two members save on the same version at the same moment: one wins, the other is told (PostgreSQL)."""
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL; the sequential test covers SQLite")
    from hackathon.submissions import editing

    seed(subs.team, [subs.users["participant"]], versions=1)
    event_id, team_id = subs.event.id, subs.team.id
    user_ids = [subs.users["participant"].id, subs.users["teammate"].id]
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user_id, tagline):
        with app.app_context(), app.test_request_context():
            from hackathon.accounts.models import User
            from hackathon.events.models import Event
            from hackathon.teams.models import Team

            user, event, team = db.session.get(User, user_id), db.session.get(Event, event_id), \
                db.session.get(Team, team_id)
            from flask_login import login_user
            login_user(user)
            barrier.wait()
            try:
                editing.save_submission(user, event, team, {**current_values(team_id), "tagline": tagline},
                                        expected_version=1, now=utcnow())
                outcomes.append("saved")
            except core.SubmissionChanged:
                db.session.rollback()
                outcomes.append("changed")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(uid, f"by {uid}")) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["changed", "saved"]
    assert submission_of(subs.team).lock_version == 2


def current_values(team_id: int) -> dict:
    submission = db.session.scalar(select(Submission).where(Submission.team_id == team_id))
    from hackathon.submissions.editing import EDITABLE_FIELDS

    return {field: getattr(submission, field) for field in EDITABLE_FIELDS}


# --- query counts and CSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EDIT, EDIT + "/versions", EDIT + "/compare"])
def test_pages_run_a_constant_number_of_queries(subs, client_for, path):
    client = client_for(subs.users["participant"])
    seed(subs.team, [subs.users["participant"]], versions=2)
    client.get(path)
    with counting_queries() as few:
        assert client.get(path).status_code == 200
    submission = submission_of(subs.team)
    for number in range(20):
        submission.tagline = f"v{number}"
        core.record_version(submission, subs.users["teammate"], "saved", utcnow())
    db.session.commit()
    client.get(path)  # objects expired by the commit are read again once
    with counting_queries() as many:
        assert client.get(path).status_code == 200
    assert len(few) == len(many)


def test_saving_needs_the_csrf_token(app, subs, client_for):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = client_for(subs.users["participant"])
        response = client.post(EDIT, data=form(0, tagline="Typed for an hour"))
        assert response.status_code == 200 and "This form expired" in text(response)
        assert "Typed for an hour" in text(response)  # nothing typed is lost
        assert client.post(EDIT + "/submit", data={"version": 0}).status_code == 400
        assert submission_of(subs.team) is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_menu_link_for_members_only(subs, client_for):
    assert f'href="{EDIT}"' in client_for(subs.users["participant"]).get("/events/hack/").get_data(as_text=True)
    assert f'href="{EDIT}"' not in client_for(subs.users["mentor"]).get("/events/hack/").get_data(as_text=True)
