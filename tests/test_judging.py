"""Jury scoring through the test client: rounds and criteria, conflicts and the assignment, the juror's queue and
sheets (drafts, submitting, completeness, bad scores, closed rounds, crafted ids), the leaderboard, query counts,
and who may use each route."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Role
from hackathon.extensions import db
from hackathon.judging import services
from hackathon.judging.models import (JudgingCriterion, JudgingRound, JurorAssignment, JurorConflict, ScoreSheet,
                                      SheetStatus, ShortlistEntry)
from hackathon.submissions.models import Submission, SubmissionStatus
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import LOGIN, XSS, add_team, count, counting_queries, reset_caches, statuses, text, walk

BASE = "/events/hack"


def submitted(team, title: str) -> Submission:
    from hackathon.submissions import core

    submission = core.ensure_submission(team.event, team)
    submission.title, submission.status, submission.submitted_at = title, SubmissionStatus.submitted, utcnow()
    core.record_version(submission, None, "submitted", utcnow())
    db.session.commit()
    return submission


@pytest.fixture
def jury(subs, make_user, grant):
    """The submissions world plus a Screening round (3 weighted criteria, k = 2), two submitted projects, two
    more jurors, and the first juror assigned to both projects."""
    w = subs
    w.users["juror2"] = make_user(name="Juror Two")
    w.users["juror3"] = make_user(name="Juror Three")
    grant(w.users["juror2"], w.event, Role.juror)
    grant(w.users["juror3"], w.event, Role.juror)
    w.round = JudgingRound(event_id=w.event.id, name={"en": "Screening"}, jurors_per_project=2,
                           opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1))
    db.session.add(w.round)
    db.session.flush()
    w.criteria = [JudgingCriterion(round_id=w.round.id, position=i, name={"en": name}, weight=Decimal(weight),
                                   rubric={"en": {"1": "weak", "10": "excellent"}})
                  for i, (name, weight) in enumerate([("Impact", "0.5"), ("Feasibility", "0.3"), ("Pitch", "0.2")])]
    db.session.add_all(w.criteria)
    db.session.commit()
    w.project = submitted(w.team, "Clean water map")
    w.other_project = submitted(w.other_team, "Air sensors")
    for project in (w.project, w.other_project):
        db.session.add(JurorAssignment(round_id=w.round.id, juror_id=w.users["juror"].id, submission_id=project.id))
    db.session.commit()
    w.ids = {"round": w.round.id, "project": w.project.id, "criterion": w.criteria[0].id}
    reset_caches()
    return w


def sheet_data(w, *scores, comment="Good work", note="", submit=True) -> dict:
    data = {f"criterion_{c.id}": str(s) for c, s in zip(w.criteria, scores)}
    data.update(comment_to_team=comment, private_note=note)
    data["submit_sheet" if submit else "save"] = "y"
    return data


ORGANISERS = statuses(403, organiser=200, admin=200)
JUROR_ONLY = statuses(403, juror=200)

ROUTES = [
    ("GET", BASE + "/judging", None, ORGANISERS),
    ("POST", BASE + "/judging", lambda ids: {"name_en": "Pitch", "jurors_per_project": "3", "method": "raw",
                                           "projects": "submissions"},
     statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}", lambda ids: {"name_en": "Scaling", "weight": "1", "scale_min": "1",
                                                     "scale_max": "10"}, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{round}/criteria/{criterion}/delete", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}/criteria/{criterion}", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/criteria/{criterion}", lambda ids: {"name_en": "Impact", "weight": "2",
                                                                          "scale_min": "1", "scale_max": "10"},
     statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}/criteria/999999", None, statuses(403, organiser=404, admin=404)),
    ("GET", BASE + "/judging/{round}/settings", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/settings", lambda ids: {"name_en": "Screening", "jurors_per_project": "2",
                                                              "method": "calibrated", "projects": "submissions"},
     statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{round}/unlock", lambda ids: {"reason": "typo in a rubric"},
     statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}/assignment", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/assignment", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}/leaderboard", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/recuse", lambda ids: {"pair": f"{ids['juror']}:{ids['project']}",
                                                            "reason": "relative"},
     statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/judging/{round}/leaderboard?format=csv", None, ORGANISERS),
    ("GET", BASE + "/judging/999999/leaderboard", None, statuses(403, organiser=404, admin=404, juror=404)),
    ("GET", BASE + "/judging/{round}/import", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/import", lambda ids: {}, ORGANISERS),
    ("GET", "/api/v1/events/hack/rounds", None, statuses(403, organiser=200, admin=200, juror=200, anonymous=401)),
    ("GET", "/api/v1/events/hack/rounds/{round}/leaderboard", None,
     statuses(403, organiser=200, admin=200, anonymous=401)),
    ("GET", BASE + "/judging/{round}/shortlist", None, ORGANISERS),
    ("POST", BASE + "/judging/{round}/shortlist?size=1", lambda ids: {"action": "save", "project": []},
     statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/judging/{round}/shortlist/publish", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/jury", None, JUROR_ONLY),
    ("GET", BASE + "/jury/{round}/{project}", None, JUROR_ONLY),
    ("POST", BASE + "/jury/{round}/{project}", lambda ids: {"save": "y"}, statuses(403, juror=302)),
    ("POST", BASE + "/jury/{round}/{project}/conflict", lambda ids: {"reason": "my cousin"},
     statuses(403, juror=302)),
    ("GET", BASE + "/jury/{round}/2147483648", None, statuses(404, anonymous=404)),  # the id converter refuses it
    ("GET", BASE + "/jury/conflicts", None, JUROR_ONLY),
    ("POST", BASE + "/jury/conflicts", lambda ids: {"organisation": "Acme"}, statuses(403, juror=302)),
    ("POST", BASE + "/jury/conflicts/999999/withdraw", None, statuses(403, juror=404)),
]


@pytest.fixture
def walk_world(jury):
    def reset():
        db.session.execute(ScoreSheet.__table__.delete())
        db.session.execute(JurorConflict.__table__.delete())
        db.session.execute(JurorAssignment.__table__.delete())
        db.session.execute(JudgingCriterion.__table__.delete().where(JudgingCriterion.round_id == jury.round.id))
        jury.round.criteria_locked_at = None
        db.session.commit()
        for criterion in jury.criteria:  # deleted above with a bulk statement: forget the old objects
            if criterion in db.session:
                db.session.expunge(criterion)
        jury.criteria = [JudgingCriterion(round_id=jury.round.id, position=0, name={"en": "Impact"},
                                          weight=Decimal(1))]
        db.session.add_all(jury.criteria)
        db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=jury.users["juror"].id,
                                       submission_id=jury.project.id))
        db.session.commit()
        db.session.expire_all()
        reset_caches()
        jury.ids.update(criterion=jury.criteria[0].id, juror=jury.users["juror"].id)
        return jury.ids

    jury.reset = reset
    reset()
    return jury


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(walk_world, client_for, method, path, data, expected):
    walk(walk_world, client_for, method, path, data, expected)


# --- the juror's journey -------------------------------------------------------------------------------------


def test_a_juror_saves_a_draft_submits_and_edits_until_the_round_closes(jury, client_for):
    client = client_for(jury.users["juror"])
    queue = text(client.get(BASE + "/jury"))
    assert "0 of 2 scored" in queue and "Clean water map" in queue and "Air sensors" in queue
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    page = text(client.get(url))
    assert "Impact" in page and "excellent" in page and "Clean water map" in page

    assert client.post(url, data=sheet_data(jury, 8, "", "", submit=False)).status_code == 302
    sheet = db.session.scalar(select(ScoreSheet))
    assert (sheet.status, sheet.scores) == (SheetStatus.draft, {str(jury.criteria[0].id): 8})
    assert jury.round.criteria_locked_at is None

    response = client.post(url, data=sheet_data(jury, 8, "", ""))
    assert response.status_code == 200 and "Score every criterion before submitting." in text(response)
    assert 'value="8"' in response.get_data(as_text=True)  # values kept

    assert client.post(url, data=sheet_data(jury, 8, 7, 9)).status_code == 302
    db.session.expire_all()
    sheet = db.session.scalar(select(ScoreSheet))
    assert sheet.status == SheetStatus.submitted and sheet.submission_version == 1
    assert db.session.get(JudgingRound, jury.round.id).criteria_locked_at is not None
    assert "1 of 2 scored" in text(client.get(BASE + "/jury"))
    # Editing a submitted sheet keeps one sheet and records the change.
    client.post(url, data=sheet_data(jury, 9, 7, 9))
    assert count(ScoreSheet) == 1
    changes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "judging.sheet_submitted")
                                 .order_by(AuditEntry.id)).all()
    assert changes[-1].before["scores"][str(jury.criteria[0].id)] == 8
    assert changes[-1].after["scores"][str(jury.criteria[0].id)] == 9

    jury.round.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(url, data=sheet_data(jury, 1, 1, 1))
    assert "This round is closed" in text(response)
    db.session.expire_all()
    assert db.session.scalar(select(ScoreSheet)).scores[str(jury.criteria[0].id)] == 9


@pytest.mark.parametrize("value, message", [
    ("11", "Enter a number between 1 and 10."), ("0", "Enter a number between 1 and 10."),
    ("7.5", "Enter a whole number."), ("NaN", "Enter a whole number."), ("1e3", "Enter a whole number."),
])
def test_bad_scores_are_refused(jury, client_for, value, message):
    client = client_for(jury.users["juror"])
    data = sheet_data(jury, 5, 5, 5)
    data[f"criterion_{jury.criteria[0].id}"] = value
    response = client.post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}", data=data)
    assert response.status_code == 200 and message in text(response)
    assert count(ScoreSheet) == 0


@pytest.mark.parametrize("value, message", [("7.5", "Enter a whole number."), ("99999999999", "too large")])
def test_a_score_that_is_not_a_whole_number_gets_one_error_not_a_range_error_too(jury, client_for, value, message):
    client = client_for(jury.users["juror"])
    data = sheet_data(jury, 5, 5, 5)
    data[f"criterion_{jury.criteria[0].id}"] = value
    page = text(client.post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}", data=data))
    assert page.count(message) == 1 and "Enter a number between" not in page
    assert count(ScoreSheet) == 0


def test_unknown_criteria_in_a_crafted_post_are_ignored_and_services_refuse_them(jury):
    with pytest.raises(services.DomainError):
        services.check_scores(jury.round, {999999: 5}, complete=False)
    with pytest.raises(services.DomainError):
        services.check_scores(jury.round, {jury.criteria[0].id: True}, complete=False)


def test_a_juror_cannot_score_or_read_a_project_not_assigned(jury, client_for, make_event):
    db.session.execute(JurorAssignment.__table__.delete().where(JurorAssignment.submission_id ==
                                                                jury.other_project.id))
    db.session.commit()
    juror = client_for(jury.users["juror"])
    for method in ("get", "post"):
        response = getattr(juror, method)(f"{BASE}/jury/{jury.round.id}/{jury.other_project.id}",
                                          data=sheet_data(jury, 5, 5, 5))
        assert response.status_code == 404
    other_juror = client_for(jury.users["juror2"])
    assert other_juror.get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}").status_code == 404
    assert count(ScoreSheet) == 0
    # Files of projects not assigned are not served to the juror either.
    from hackathon.permissions import can_view_submission

    assert not can_view_submission(jury.users["juror2"], jury.project)
    assert can_view_submission(jury.users["juror"], jury.project)


def test_double_submit_makes_one_sheet(jury, client_for):
    client = client_for(jury.users["juror"])
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    for _ in range(3):
        assert client.post(url, data=sheet_data(jury, 6, 6, 6)).status_code == 302
    assert count(ScoreSheet) == 1


def test_declaring_a_conflict_removes_the_project_and_tells_the_organisers(jury, client_for, outbox):
    client = client_for(jury.users["juror"])
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    client.post(url, data=sheet_data(jury, 6, 6, 6, submit=False))
    assert client.post(url + "/conflict", data={"reason": "my cousin is in it"}).status_code == 302
    assert count(JurorAssignment, JurorAssignment.submission_id == jury.project.id) == 0
    assert count(ScoreSheet) == 0
    conflict = db.session.scalar(select(JurorConflict))
    assert (conflict.team_id, conflict.reason) == (jury.team.id, "my cousin is in it")
    [mail] = outbox(jury.users["organiser"].email)
    assert mail.template == "juror_conflict" and "Juror" in mail.body_text
    assert client.get(url).status_code == 404


def test_xss_in_comments_and_titles_is_escaped(jury, client_for):
    jury.project.title = XSS
    db.session.commit()
    client = client_for(jury.users["juror"])
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    client.post(url, data=sheet_data(jury, 5, 5, 5, comment=XSS, submit=False))
    for page in (client.get(url), client.get(BASE + "/jury"),
                 client_for(jury.users["organiser"]).get(f"{BASE}/judging/{jury.round.id}/leaderboard")):
        assert "<script>alert" not in page.get_data(as_text=True)


# --- organisers ------------------------------------------------------------------------------------------------


def test_an_organiser_builds_a_round_with_weighted_criteria(subs, client_for):
    client = client_for(subs.users["organiser"])
    response = client.post(BASE + "/judging", data={"name_en": "Screening", "jurors_per_project": "3",
                                                   "method": "calibrated", "closes_at": "2030-01-01T18:00"})
    judging_round = db.session.scalar(select(JudgingRound))
    assert response.location == f"{BASE}/judging/{judging_round.id}"
    assert judging_round.closes_at.hour == 12  # 18:00 in Bishkek is 12:00 UTC
    for name, weight in (("Impact", "35"), ("Feasibility", "25"), ("Innovation", "20"), ("Inclusiveness", "20")):
        client.post(f"{BASE}/judging/{judging_round.id}", data={"name_en": name, "weight": weight, "scale_min": "1",
                                                               "scale_max": "10"})
    page = text(client.get(f"{BASE}/judging/{judging_round.id}"))
    assert "Impact" in page and "35.0 %" in page and "Inclusiveness" in page
    for weight, message in (("0", "positive number"), ("-3", "positive number"), ("abc", "positive number"),
                            ("NaN", "positive number")):
        response = client.post(f"{BASE}/judging/{judging_round.id}", data={"name_en": "X", "weight": weight,
                                                                          "scale_min": "1", "scale_max": "10"})
        assert message in text(response)
    response = client.post(f"{BASE}/judging/{judging_round.id}", data={"name_en": "X", "weight": "1",
                                                                      "scale_min": "5", "scale_max": "5"})
    assert "The highest score must be above the lowest." in text(response)
    assert count(JudgingCriterion) == 4


def test_criteria_and_rounds_are_named_in_every_event_language(subs, client_for, app):
    client = client_for(subs.users["organiser"])
    client.post(BASE + "/judging", data={"name_en": "Screening", "name_ru": "Отбор", "name_ky": "Тандоо",
                                         "jurors_per_project": "3", "method": "calibrated",
                                         "projects": "submissions"})
    judging_round = db.session.scalar(select(JudgingRound))
    assert judging_round.name == {"en": "Screening", "ru": "Отбор", "ky": "Тандоо"}
    url = f"{BASE}/judging/{judging_round.id}"
    client.post(url, data={"name_en": "Impact", "name_ru": "Влияние", "rubric_en": "10: changes lives\n1: none",
                           "rubric_ru": "1: нет\n10: меняет жизни", "weight": "35", "scale_min": "1",
                           "scale_max": "10"})
    criterion = db.session.scalar(select(JudgingCriterion))
    assert criterion.name == {"en": "Impact", "ru": "Влияние"}
    assert criterion.rubric == {"en": {"10": "changes lives", "1": "none"}, "ru": {"1": "нет", "10": "меняет жизни"}}
    # The edit page shows every language, levels in score order, and saves them all.
    page = client.get(f"{url}/criteria/{criterion.id}").get_data(as_text=True)
    assert "Влияние" in page and "1: none\n10: changes lives" in page and 'name="name_ky"' in page
    client.post(f"{url}/criteria/{criterion.id}", data={"name_en": "Impact", "name_ru": "Влияние",
                                                        "name_ky": "Таасир", "rubric_ky": "1: жок", "weight": "40",
                                                        "scale_min": "1", "scale_max": "10"})
    db.session.expire_all()
    criterion = db.session.get(JudgingCriterion, criterion.id)
    assert criterion.name["ky"] == "Таасир" and criterion.weight == Decimal("40") and criterion.rubric == {
        "ky": {"1": "жок"}}
    # Bad rubric lines and levels off the scale are refused with the line named; nothing changes.
    for rubric, message in (("no colon here", "Line 1: write a score"), ("1: ok\nten: great", "Line 2"),
                            ("11: beyond", "Rubric levels must lie on the scale, 1 to 10.")):
        response = client.post(f"{url}/criteria/{criterion.id}", data={"name_en": "Impact", "rubric_en": rubric,
                                                                       "weight": "1", "scale_min": "1",
                                                                       "scale_max": "10"})
        assert response.status_code == 200 and message in text(response)
    assert db.session.get(JudgingCriterion, criterion.id).weight == Decimal("40")
    # The first language's name is required; a missing criterion id is a 404.
    response = client.post(f"{url}/criteria/{criterion.id}", data={"name_ru": "Только", "weight": "1",
                                                                   "scale_min": "1", "scale_max": "10"})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    assert client.get(f"{url}/criteria/{criterion.id + 999}").status_code == 404


def test_a_juror_reads_the_criteria_and_rubric_in_their_language(jury, client_for):
    jury.criteria[0].name = {"en": "Impact", "ru": "Влияние"}
    jury.criteria[0].rubric = {"en": {"1": "weak", "2": "fair", "10": "excellent"}, "ru": {"1": "слабо"}}
    db.session.commit()
    juror = jury.users["juror"]
    juror.locale = "ru"
    db.session.commit()
    page = text(client_for(juror).get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}"))
    assert "Влияние" in page and "слабо" in page and "Feasibility" in page  # untranslated ones fall back
    juror.locale = "en"
    db.session.commit()
    page = text(client_for(juror).get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}"))
    assert page.index("fair") < page.index("excellent")  # levels in score order: 2 before 10


def test_an_organiser_edits_a_round_and_feeds_it_from_a_shortlist(jury, client_for):
    client = client_for(jury.users["organiser"])
    url = f"{BASE}/judging/{jury.round.id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Screening"' in page and "Every submitted project" in page
    client.post(BASE + "/judging", data={"name_en": "Pitch", "jurors_per_project": "3", "method": "calibrated",
                                         "projects": f"shortlist:{jury.round.id}", "assign_all": "y"})
    pitch = db.session.scalar(select(JudgingRound).where(JudgingRound.id != jury.round.id))
    assert pitch.project_source.value == "shortlist" and pitch.source_round_id == jury.round.id and pitch.assign_all
    assert "the published shortlist of Screening" in text(client.get(f"{BASE}/judging/{pitch.id}"))
    # A round cannot feed from itself; unknown rounds are refused.
    response = client.post(f"{BASE}/judging/{pitch.id}/settings", data={
        "name_en": "Pitch", "jurors_per_project": "3", "method": "raw", "projects": f"shortlist:{pitch.id}"})
    assert "Choose one of the options given." in text(response)
    response = client.post(url, data={"name_en": "Screening", "jurors_per_project": "2", "method": "raw",
                                      "projects": "shortlist:999999"})
    assert "Choose one of the options given." in text(response)
    # Closing before opening is refused; a valid edit is kept and audited.
    response = client.post(url, data={"name_en": "Screening", "jurors_per_project": "2", "method": "raw",
                                      "projects": "submissions", "opens_at": "2030-01-02T10:00",
                                      "closes_at": "2030-01-01T10:00"}, follow_redirects=True)
    assert "The round must close after it opens." in text(response)
    response = client.post(url, data={"name_en": "First look", "name_ru": "Первый взгляд", "jurors_per_project": "2",
                                      "method": "raw", "projects": "submissions", "closes_at": "2030-01-01T18:00"})
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(JudgingRound, jury.round.id)
    assert edited.name == {"en": "First look", "ru": "Первый взгляд"} and edited.method.value == "raw"
    assert edited.closes_at.hour == 12
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judging.round_saved")) is not None


def test_criteria_lock_with_the_first_submitted_sheet(jury, client_for):
    client_for(jury.users["juror"]).post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}",
                                         data=sheet_data(jury, 5, 5, 5))
    organiser = client_for(jury.users["organiser"])
    response = organiser.post(f"{BASE}/judging/{jury.round.id}", data={"name_en": "Late", "weight": "1",
                                                                      "scale_min": "1", "scale_max": "10"},
                              follow_redirects=True)
    assert "The criteria are locked" in text(response) and count(JudgingCriterion) == 3
    organiser.post(f"{BASE}/judging/{jury.round.id}/unlock", data={"reason": "a missing criterion"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judging.criteria_unlocked"))
    assert entry.reason == "a missing criterion"
    organiser.post(f"{BASE}/judging/{jury.round.id}", data={"name_en": "Late", "weight": "1", "scale_min": "1",
                                                           "scale_max": "10"})
    assert count(JudgingCriterion) == 4


def test_the_assignment_never_pairs_members_mentors_or_declared_conflicts(jury, client_for):
    jury.round.jurors_per_project = 2
    # The mentor of Taza Suu is also a juror; juror3 declared a conflict with Clean Air.
    from hackathon.events.models import EventRole

    db.session.add(EventRole(event_id=jury.event.id, user_id=jury.users["mentor"].id, role=Role.juror))
    db.session.add(JurorConflict(event_id=jury.event.id, juror_id=jury.users["juror3"].id,
                                 team_id=jury.other_team.id, reason="colleague"))
    db.session.commit()
    reset_caches()
    client = client_for(jury.users["organiser"])
    page = text(client.get(f"{BASE}/judging/{jury.round.id}/assignment"))
    assert "Clean water map" in page
    assert client.post(f"{BASE}/judging/{jury.round.id}/assignment").status_code == 302
    pairs = {tuple(row) for row in db.session.execute(select(JurorAssignment.juror_id, JurorAssignment.submission_id))}
    assert (jury.users["mentor"].id, jury.project.id) not in pairs
    assert (jury.users["juror3"].id, jury.other_project.id) not in pairs
    for project in (jury.project, jury.other_project):
        assert sum(1 for _j, p in pairs if p == project.id) == 2


def test_a_juror_declares_teams_people_and_organisations_they_must_not_judge(jury, client_for, outbox):
    juror = jury.users["juror"]
    client = client_for(juror)
    url = BASE + "/jury/conflicts"
    # A draft on Clean Air's project goes with the assignment when the juror declares the team.
    client.post(f"{BASE}/jury/{jury.round.id}/{jury.other_project.id}", data=sheet_data(jury, 5, "", "", submit=False))
    response = client.post(url, data={"team": str(jury.other_team.id), "reason": "my sister's team"},
                           follow_redirects=True)
    assert "the conflict is recorded" in text(response)
    assert "Clean Air" in text(response) and "you declared it" in text(response)
    assert db.session.scalar(select(JurorAssignment).where(
        JurorAssignment.submission_id == jury.other_project.id)) is None and count(ScoreSheet) == 0
    assert [m.template for m in outbox()].count("juror_conflict") == 1
    assert "Clean Air" not in text(client.get(BASE + "/jury"))
    # A person by email: their team becomes a conflict; unknown people and empty forms are refused politely.
    response = client.post(url, data={"person_email": jury.users["teammate"].email.upper()}, follow_redirects=True)
    assert "Taza Suu" in text(response)
    assert db.session.scalar(select(JurorAssignment).where(JurorAssignment.submission_id == jury.project.id)) is None
    for data, message in (({"person_email": "nobody@example.org"}, "No team member of this event"),
                          ({}, "Choose a team, give a person"), ({"team": "999999"}, "Choose one of the options")):
        assert message in text(client.post(url, data=data, follow_redirects=True))
    # An organisation: teams with a member from it.
    jury.users["other_participant"].organisation = "Acme NGO"
    db.session.commit()
    client.post(url, data={"organisation": "acme ngo"})
    conflicts = services.conflict_pairs(jury.event, [juror.id], [])
    assert conflicts[(juror.id, jury.other_team.id)] == "declared"
    # Withdrawing one's own declaration; another juror's, or an organiser's recusal, is not theirs (404).
    mine = db.session.scalar(select(JurorConflict).where(JurorConflict.organisation == "acme ngo"))
    other = JurorConflict(event_id=jury.event.id, juror_id=jury.users["juror2"].id, organisation="X")
    recusal = JurorConflict(event_id=jury.event.id, juror_id=juror.id, team_id=jury.team.id, source="recused")
    db.session.add_all([other, recusal])
    db.session.commit()
    assert client.post(f"{url}/{other.id}/withdraw").status_code == 404
    assert client.post(f"{url}/{recusal.id}/withdraw").status_code == 404
    assert client.post(f"{url}/{mine.id}/withdraw").status_code == 302
    assert db.session.get(JurorConflict, mine.id) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judging.conflict_withdrawn"))
    # XSS in an organisation name is shown as text.
    client.post(url, data={"organisation": XSS})
    assert XSS not in client.get(url).get_data(as_text=True)


def test_conflicts_include_colleagues_of_members(jury):
    jury.users["juror2"].organisation = "Ministry of Water"
    jury.users["teammate"].organisation = " ministry of water "
    db.session.commit()
    conflicts = services.conflict_pairs(jury.event, [jury.users["juror2"].id], [jury.team.id])
    assert conflicts == {(jury.users["juror2"].id, jury.team.id): "organisation"}


def test_the_leaderboard_ranks_submitted_sheets(jury, client_for, make_user, grant):
    for project in (jury.project, jury.other_project):
        db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=jury.users["juror2"].id,
                                       submission_id=project.id))
    db.session.commit()
    scores = {("juror", jury.project): (9, 9, 8), ("juror", jury.other_project): (6, 6, 6),
              ("juror2", jury.project): (7, 7, 7), ("juror2", jury.other_project): (5, 5, 5)}
    for (who, project), values in scores.items():
        client_for(jury.users[who]).post(f"{BASE}/jury/{jury.round.id}/{project.id}", data=sheet_data(jury, *values))
    organiser = client_for(jury.users["organiser"])
    page = text(organiser.get(f"{BASE}/judging/{jury.round.id}/leaderboard"))
    assert page.index("Clean water map") < page.index("Air sensors")
    assert "Sheets counted: 4." in page
    csv_text = organiser.get(f"{BASE}/judging/{jury.round.id}/leaderboard?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffrank,tie,team") and "Taza Suu" in csv_text
    # Jurors never see the leaderboard.
    assert client_for(jury.users["juror"]).get(f"{BASE}/judging/{jury.round.id}/leaderboard").status_code == 403


@pytest.mark.parametrize("path", ["/jury", "/jury/{round}/{project}", "/judging/{round}/leaderboard"])
def test_pages_run_a_constant_number_of_queries(jury, client_for, make_user, grant, path):
    viewer = jury.users["organiser" if "judging" in path else "juror"]
    client = client_for(viewer)
    url = BASE + path.format(**jury.ids)

    def add_projects(n):
        for i in range(n):
            team = add_team(jury.event, f"Extra {count(Submission)}-{i}", make_user())
            project = submitted(team, f"Extra {i}")
            db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=jury.users["juror"].id,
                                           submission_id=project.id))
            db.session.add(ScoreSheet(round_id=jury.round.id, juror_id=jury.users["juror"].id,
                                      submission_id=project.id, status=SheetStatus.submitted,
                                      scores={str(c.id): 5 + i % 3 for c in jury.criteria}))
        db.session.commit()

    add_projects(2)
    client.get(url)
    with counting_queries() as few:
        assert client.get(url).status_code == 200
    add_projects(12)
    client.get(url)
    with counting_queries() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)


# --- paper sheets, the API and the command line ------------------------------------------------------------------


def paper(jury, *rows, header=None) -> str:
    header = header or "juror_email,team,Impact,Feasibility,Pitch,comment"
    return "\n".join([header, *rows]) + "\n"


def test_paper_sheets_are_checked_whole_then_upserted(jury, client_for):
    juror = jury.users["juror"].email
    good = paper(jury, f"{juror},Taza Suu,8,7,6,Strong data work", f"{juror},{jury.other_team.id},5,5,5,")
    report = services.import_sheets(None, jury.event, jury.round, good, now=utcnow())
    assert (report.errors, report.created, report.updated) == ([], 2, 0)
    again = services.import_sheets(None, jury.event, jury.round, good, now=utcnow())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(ScoreSheet, ScoreSheet.status == SheetStatus.submitted) == 2

    bad = paper(jury, f"{juror},Taza Suu,9,7,6,", "nobody@example.org,Taza Suu,5,5,5,",
                f"{juror},No Such Team,5,5,5,", f"{juror},Clean Air,=1+1,5,5,", f"{juror},Clean Air,11,5,5,",
                f"{jury.users['juror2'].email},Taza Suu,5,5,5,")
    report = services.import_sheets(None, jury.event, jury.round, bad, now=utcnow())
    lines = [line for line, _message in report.errors]
    assert lines == [3, 4, 5, 6, 7]
    assert "not a juror" in report.errors[0][1] and "No project" in report.errors[1][1]
    assert "not a whole number" in report.errors[2][1] and "go from 1 to 10" in report.errors[3][1]
    assert "not assigned" in report.errors[4][1]
    db.session.expire_all()
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.submission_id == jury.project.id))
    assert sheet.scores[str(jury.criteria[0].id)] == 8  # the good first row was not written either

    header = services.import_sheets(None, jury.event, jury.round, paper(jury, header="juror_email,team,Impact,Bogus"),
                                    now=utcnow())
    assert [message for _line, message in header.errors][0].startswith("Unknown column")


def test_the_upload_page_reports_bad_rows(jury, client_for):
    import io

    client = client_for(jury.users["organiser"])
    data = {"file": (io.BytesIO(paper(jury, "x@example.org,Taza Suu,5,5,5,").encode()), "sheets.csv")}
    response = client.post(f"{BASE}/judging/{jury.round.id}/import", data=data, content_type="multipart/form-data")
    assert "Nothing was imported" in text(response) and "Line 2" in text(response)
    data = {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "sheets.csv")}
    response = client.post(f"{BASE}/judging/{jury.round.id}/import", data=data, content_type="multipart/form-data")
    assert "UTF-8" in text(response)
    good = paper(jury, f"{jury.users['juror'].email},Taza Suu,5,5,5,ok").encode("utf-8-sig")
    response = client.post(f"{BASE}/judging/{jury.round.id}/import", data={"file": (io.BytesIO(good), "s.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Sheets created: 1" in text(response)


def test_the_command_line_prints_the_leaderboard_and_imports(jury, app, tmp_path):
    import json

    path = tmp_path / "sheets.csv"
    path.write_text(paper(jury, f"{jury.users['juror'].email},Taza Suu,9,9,9,", 
                          f"{jury.users['juror'].email},Clean Air,4,4,4,"), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["judging", "import-scores", "hack", str(jury.round.id), str(path)])
    assert result.exit_code == 0 and "2 created" in result.output
    result = runner.invoke(args=["judging", "leaderboard", "hack", str(jury.round.id), "--json"])
    data = json.loads(result.output)
    assert [p["team"]["name"] for p in data["projects"]] == ["Taza Suu", "Clean Air"]
    assert set(data["projects"][0]) >= {"rank", "tie", "project_id", "raw", "z", "display", "standard_error",
                                        "sheets", "flags"}
    result = runner.invoke(args=["judging", "leaderboard", "hack", "999999"])
    assert result.exit_code != 0 and "No round" in result.output


def test_the_api_lists_rounds_and_leaderboards_per_role(jury, client_for):
    organiser, juror = client_for(jury.users["organiser"]), client_for(jury.users["juror"])
    rounds = organiser.get("/api/v1/events/hack/rounds").get_json()["rounds"]
    assert rounds[0]["name"] == "Screening" and [c["weight"] for c in rounds[0]["criteria"]] == ["0.5", "0.3", "0.2"]
    assert organiser.get(f"/api/v1/events/hack/rounds/{jury.round.id}/leaderboard").status_code == 200
    assert juror.get("/api/v1/events/hack/rounds").status_code == 200
    assert juror.get(f"/api/v1/events/hack/rounds/{jury.round.id}/leaderboard").status_code == 403
    jury.round.jurors_see_leaderboard = True
    db.session.commit()
    assert juror.get(f"/api/v1/events/hack/rounds/{jury.round.id}/leaderboard").status_code == 200
    assert client_for(jury.users["participant"]).get("/api/v1/events/hack/rounds").status_code == 403
    assert organiser.get("/api/v1/events/hack/rounds/999999/leaderboard").status_code == 404


def test_an_expired_token_on_a_sheet_keeps_the_values(jury, client_for, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = client_for(jury.users["juror"])
        response = client.post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}",
                               data=sheet_data(jury, 8, 7, 6, comment="Typed for hours"))
        assert response.status_code == 200 and "This form expired" in text(response)
        assert "Typed for hours" in text(response) and 'value="8"' in response.get_data(as_text=True)
        assert count(ScoreSheet) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- shortlist ---------------------------------------------------------------------------------------------------


@pytest.fixture
def ranked(jury, make_user):
    """Five submitted projects scored by the first juror: A 9, B 8, C 7 and D 7 (a tie), E 3."""
    projects = {"A": jury.project, "B": jury.other_project}
    for name in ("C", "D", "E"):
        team = add_team(jury.event, f"Team {name}", make_user())
        projects[name] = submitted(team, f"Project {name}")
    values = {"A": 9, "B": 8, "C": 7, "D": 7, "E": 3}
    for name, project in projects.items():
        if name not in ("A", "B"):
            db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=jury.users["juror"].id,
                                           submission_id=project.id))
        db.session.add(ScoreSheet(round_id=jury.round.id, juror_id=jury.users["juror"].id, submission_id=project.id,
                                  status=SheetStatus.submitted,
                                  scores={str(c.id): values[name] for c in jury.criteria}))
    jury.round.method = "raw"
    db.session.commit()
    jury.projects = projects
    return jury


def test_the_proposal_marks_a_tie_at_the_cut(ranked):
    proposal = services.propose_shortlist(ranked.round, 3)
    p = ranked.projects
    assert proposal.proposed[:2] == [p["A"].id, p["B"].id] and len(proposal.proposed) == 3
    assert len(proposal.tied_at_cut) == 1 and {proposal.proposed[2], proposal.tied_at_cut[0]} == {p["C"].id, p["D"].id}


def test_changes_need_a_reason_but_a_whole_tie_does_not(ranked, client_for):
    p = ranked.projects
    organiser = client_for(ranked.users["organiser"])
    url = f"{BASE}/judging/{ranked.round.id}/shortlist?size=3"
    assert "tie" in text(organiser.get(url))
    # Swapping E in without a reason is refused.
    response = organiser.post(url, data={"action": "save", "project": [p["A"].id, p["B"].id, p["E"].id]},
                              follow_redirects=True)
    assert "Say why the shortlist differs" in text(response) and count(ShortlistEntry) == 0
    # Including the tie whole needs no reason.
    organiser.post(url, data={"action": "save", "project": [p[n].id for n in "ABCD"]})
    assert {e.origin for e in db.session.scalars(select(ShortlistEntry))} == {"proposed", "tie"}
    assert count(ShortlistEntry) == 4
    # A swap with a reason is kept with it.
    response = organiser.post(url, data={"action": "save", "project": [p["A"].id, p["B"].id, p["E"].id],
                                         "reason": "E is the only team from Batken"}, follow_redirects=True)
    assert "The shortlist is saved" in text(response), [l for l in text(response).splitlines() if "flash" in l]
    db.session.expire_all()
    entries = {e.submission_id: e for e in db.session.scalars(select(ShortlistEntry))}
    assert p["E"].id in entries, ({k: v.origin for k, v in entries.items()}, {n: x.id for n, x in p.items()})
    assert entries[p["E"].id].origin == "swap" and entries[p["E"].id].reason == "E is the only team from Batken"


def test_quotas_bring_in_the_best_of_a_track(ranked):
    ranked.projects["E"].track_id = ranked.tracks[1].id
    db.session.commit()
    proposal = services.propose_shortlist(ranked.round, 2, {ranked.tracks[1].id: 1})
    assert ranked.projects["E"].id in proposal.proposed and proposal.quota_picks == [ranked.projects["E"].id]


def test_the_organiser_sets_track_quotas_on_the_shortlist_page(ranked, client_for):
    p, track = ranked.projects, ranked.tracks[1]
    p["E"].track_id = track.id
    db.session.commit()
    organiser = client_for(ranked.users["organiser"])
    url = f"{BASE}/judging/{ranked.round.id}/shortlist"
    page = organiser.get(f"{url}?size=2&quota_{track.id}=1").get_data(as_text=True)
    assert f'name="quota_{track.id}"' in page and "track place" in page
    assert f'id="project-{p["E"].id}" name="project" value="{p["E"].id}" checked' in page
    assert f'id="project-{p["B"].id}" name="project" value="{p["B"].id}" checked' not in page
    # Saving the proposal with its quota needs no reason; the quota is kept with the round.
    response = organiser.post(f"{url}?size=2", data={"action": "save", f"quota_{track.id}": "1",
                                                     "project": [p["A"].id, p["E"].id]})
    assert response.status_code == 302 and f"quota_{track.id}=1" in response.location
    db.session.expire_all()
    assert db.session.get(JudgingRound, ranked.round.id).shortlist_quotas == {str(track.id): 1}
    assert {e.submission_id: e.origin for e in db.session.scalars(select(ShortlistEntry))} == {
        p["A"].id: "proposed", p["E"].id: "quota"}
    # Nonsense quotas and other events' tracks are ignored, not a 500.
    assert organiser.get(f"{url}?size=2&quota_{track.id}=-1&quota_999999=3&quota_{track.id}x=2").status_code == 200


def test_publishing_mails_every_team_once_and_feeds_the_next_round(ranked, client_for, outbox):
    p = ranked.projects
    organiser = client_for(ranked.users["organiser"])
    url = f"{BASE}/judging/{ranked.round.id}/shortlist"
    assert organiser.post(url + "/publish").status_code == 302
    assert not outbox() or all(m.template == "juror_conflict" for m in outbox())  # nothing saved yet: refused
    organiser.post(url + "?size=2", data={"action": "save", "project": [p["A"].id, p["B"].id]})
    organiser.post(url + "/publish")
    templates = Counter(m.template for m in outbox())
    assert templates["shortlisted"] == 3  # Taza Suu has two members, Clean Air one
    assert templates["not_shortlisted"] == 3  # teams C, D, E
    organiser.post(url + "/publish")
    assert Counter(m.template for m in outbox())["shortlisted"] == 3  # once
    pitch = JudgingRound(event_id=ranked.event.id, name={"en": "Pitch"}, project_source="shortlist",
                         source_round_id=ranked.round.id, assign_all=True)
    db.session.add(pitch)
    db.session.commit()
    assert [s.id for s in services.round_projects(pitch)] == [p["A"].id, p["B"].id]
    # A published shortlist no longer changes.
    response = organiser.post(url + "?size=2", data={"action": "save", "project": [p["E"].id], "reason": "x"},
                              follow_redirects=True)
    assert "published already" in text(response)


def test_an_organiser_recuses_a_juror(jury, client_for):
    client_for(jury.users["juror"]).post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}",
                                         data=sheet_data(jury, 5, 5, 5))
    organiser = client_for(jury.users["organiser"])
    url = f"{BASE}/judging/{jury.round.id}/recuse"
    pair = f"{jury.users['juror'].id}:{jury.project.id}"
    response = organiser.post(url, data={"pair": pair, "reason": ""}, follow_redirects=True)
    assert "Give a reason" in text(response) and count(ScoreSheet) == 1
    assert organiser.post(url, data={"pair": "x:y", "reason": "r"}).status_code == 404
    assert organiser.post(url, data={"pair": f"{jury.users['juror2'].id}:{jury.project.id}", "reason": "r"}
                          ).status_code == 404
    organiser.post(url, data={"pair": pair, "reason": "Works with the team lead"})
    assert count(ScoreSheet) == 0 and count(JurorAssignment, JurorAssignment.submission_id == jury.project.id) == 0
    conflict = db.session.scalar(select(JurorConflict))
    assert conflict.source.value == "recused" and conflict.team_id == jury.team.id
    # The next proposal keeps the juror away from that team.
    proposal = services.propose_assignment(jury.users["organiser"], jury.event, jury.round)
    assert (jury.users["juror"].id, jury.project.id) not in proposal.result.pairs


def test_the_leaderboard_leaves_the_garbage_collector_as_it_found_it(jury):
    import gc

    assert gc.isenabled()
    services.round_board(jury.round)
    assert gc.isenabled()
    gc.disable()
    try:
        services.round_board(jury.round)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_leaderboard_shows_progress_names_and_criterion_means(jury, client_for):
    client_for(jury.users["juror"]).post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}",
                                         data=sheet_data(jury, 8, 6, 4))
    page = text(client_for(jury.users["organiser"]).get(f"{BASE}/judging/{jury.round.id}/leaderboard"))
    assert "Juror" in page and "1 of 2 scored" in page
    assert "8.0" in page and "6.0" in page and "4.0" in page
    assert "top 16" in page


def test_jurors_see_other_scores_and_mentor_summaries_only_when_allowed(jury, client_for):
    from hackathon.mentoring.models import MentoringSettings, MentorReview, TeamStatus

    db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=jury.users["juror2"].id,
                                   submission_id=jury.project.id))
    db.session.add(MentorReview(event_id=jury.event.id, team_id=jury.team.id, mentor_id=jury.users["mentor"].id,
                                status=TeamStatus.at_risk, comment_to_team="Needs real users",
                                private_note="Captain is overloaded"))
    db.session.commit()
    client_for(jury.users["juror2"]).post(f"{BASE}/jury/{jury.round.id}/{jury.project.id}",
                                          data=sheet_data(jury, 3, 4, 9))
    juror = client_for(jury.users["juror"])
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    page = text(juror.get(url))
    assert "Other jurors' scores" not in page and "Needs real users" not in page
    jury.round.jurors_see_other_scores = True
    db.session.add(MentoringSettings(event_id=jury.event.id, show_summaries_to_jurors=True))
    db.session.commit()
    page = text(juror.get(url))
    assert "Other jurors' scores" in page and "Juror Two" not in page  # scores, never names
    assert "Needs real users" in page and "At risk" in page
    assert "Captain is overloaded" not in page  # private notes never


def test_the_organiser_edits_the_proposal_before_applying(jury, client_for):
    db.session.execute(JurorAssignment.__table__.delete())
    db.session.commit()
    client = client_for(jury.users["organiser"])
    url = f"{BASE}/judging/{jury.round.id}/assignment"
    proposal = services.propose_assignment(jury.users["organiser"], jury.event, jury.round)
    keep = [pair for pair in proposal.result.pairs if pair[1] == jury.project.id][:1]
    extra = (jury.users["juror"].id, jury.other_project.id)
    data = {"edited": "y", "pair": [f"{j}:{s}" for j, s in keep], "add_juror": str(extra[0]),
            "add_project": str(extra[1])}
    assert client.post(url, data=data).status_code == 302
    pairs = {tuple(row) for row in db.session.execute(select(JurorAssignment.juror_id,
                                                             JurorAssignment.submission_id))}
    assert pairs == set(keep) | {extra}
    added = db.session.scalar(select(JurorAssignment).where(JurorAssignment.submission_id == extra[1]))
    assert added.reasons in ([["organiser"]], [list(r) for r in proposal.result.reasons.get(extra, [])])
    # A conflicted pair added by hand is refused with a message.
    db.session.execute(JurorAssignment.__table__.delete())
    db.session.add(JurorConflict(event_id=jury.event.id, juror_id=jury.users["juror2"].id, team_id=jury.team.id))
    db.session.commit()
    response = client.post(url, data={"edited": "y", "add_juror": str(jury.users["juror2"].id),
                                      "add_project": str(jury.project.id)})
    assert "A juror cannot be assigned to a team they have a conflict with." in text(response)
    assert (jury.users["juror2"].id, jury.project.id) not in {tuple(row) for row in db.session.execute(
        select(JurorAssignment.juror_id, JurorAssignment.submission_id))}


def test_two_simultaneous_first_submits_make_one_sheet(app, jury):
    """A double tap on a slow connection: two requests create the same sheet at once (PostgreSQL)."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL; the sequential test covers SQLite")
    event_id, round_id, juror_id = jury.event.id, jury.round.id, jury.users["juror"].id
    criteria = {c.id: 7 for c in jury.criteria}
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(score: int) -> None:
        with app.app_context():
            from hackathon.accounts.models import User
            from hackathon.events.models import Event

            juror, event = db.session.get(User, juror_id), db.session.get(Event, event_id)
            judging_round = db.session.get(JudgingRound, round_id)
            barrier.wait()
            try:
                services.save_sheet(juror, event, judging_round, jury.project.id, scores=dict(criteria),
                                    comment_to_team=f"take {score}", private_note="", submit=True, now=utcnow())
                outcomes.append("saved")
            except Exception as error:  # noqa: BLE001 - the test reports any failure
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["saved", "saved"]
    db.session.expire_all()
    assert count(ScoreSheet) == 1


def test_jurors_read_the_leaderboard_page_only_when_allowed(jury, client_for):
    juror = client_for(jury.users["juror"])
    url = f"{BASE}/judging/{jury.round.id}/leaderboard"
    assert juror.get(url).status_code == 403
    jury.round.jurors_see_leaderboard = True
    db.session.commit()
    page = juror.get(url)
    assert page.status_code == 200 and "Leniency" not in text(page)  # no juror statistics for jurors
    assert client_for(jury.users["participant"]).get(url).status_code == 403
    organiser_page = text(client_for(jury.users["organiser"]).get(url))
    assert "Leniency" in organiser_page and "too close to call" in organiser_page


def test_the_jurors_queue_links_to_the_leaderboard_of_each_round_that_allows_it(jury, client_for):
    second = JudgingRound(event_id=jury.event.id, name={"en": "Final"}, position=1, jurors_see_leaderboard=True)
    db.session.add(second)
    db.session.commit()
    juror = client_for(jury.users["juror"])
    html_page = juror.get(BASE + "/jury").get_data(as_text=True)
    assert f"/judging/{second.id}/leaderboard" in html_page
    assert f"/judging/{jury.round.id}/leaderboard" not in html_page
    # The link sits in its round's section.
    assert html_page.index(f'id="round-{second.id}"') < html_page.index(f"/judging/{second.id}/leaderboard")
    assert juror.get(f"{BASE}/judging/{second.id}/leaderboard").status_code == 200
    jury.round.jurors_see_leaderboard = True
    db.session.commit()
    assert f"/judging/{jury.round.id}/leaderboard" in juror.get(BASE + "/jury").get_data(as_text=True)


def test_a_juror_reads_their_own_sheet_once_the_round_is_closed_or_not_yet_open(jury, client_for):
    from tests.test_pitch_day import plain, plan_and_stage

    juror, juror2 = client_for(jury.users["juror"]), jury.users["juror2"]
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    assert juror.post(url, data=sheet_data(jury, 8, 7, 9, comment="Clear demo", note="Ask about costs"))\
        .status_code == 302
    db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=juror2.id, submission_id=jury.project.id))
    db.session.add(ScoreSheet(round_id=jury.round.id, juror_id=juror2.id, submission_id=jury.project.id,
                              status=SheetStatus.submitted, scores={str(c.id): 2 for c in jury.criteria},
                              comment_to_team="Second juror words", private_note="Second juror note"))
    jury.round.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    def read_only(response):
        page, html_page = plain(response), response.get_data(as_text=True)
        assert "name=\"submit_sheet\"" not in html_page and "name=\"criterion_" not in html_page
        assert "Second juror" not in page  # never another juror's sheet
        return page

    page = read_only(juror.get(url))
    assert "This round is closed" in page and "My sheet Submitted" in page
    assert "Impact 8 scale 1–10 · weight 0.5" in page and "Feasibility 7" in page and "Pitch 9" in page
    assert "Comment to the team Clear demo" in page and "Private note to organisers Ask about costs" in page
    # A refused send shows the saved sheet, not what was sent.
    page = read_only(juror.post(url, data=sheet_data(jury, 1, 1, 1, comment="Too late")))
    assert "Impact 8" in page and "Too late" not in page
    # A round not open yet (moved later after a draft) shows the draft the same way.
    db.session.execute(ScoreSheet.__table__.update().where(ScoreSheet.juror_id == jury.users["juror"].id)
                       .values(status=SheetStatus.draft, comment_to_team=""))
    jury.round.opens_at, jury.round.closes_at = utcnow() + timedelta(days=1), utcnow() + timedelta(days=2)
    db.session.commit()
    page = read_only(juror.get(url))
    assert "This round opens on" in page and "My sheet Draft" in page and "Pitch 9" in page
    assert "Comment to the team —" in page
    # Without a sheet there is nothing to show; the second juror sees only theirs.
    assert "My sheet" not in plain(juror.get(f"{BASE}/jury/{jury.round.id}/{jury.other_project.id}"))
    page = plain(client_for(juror2).get(url))
    assert "Second juror words" in page and "Clear demo" not in page and "Ask about costs" not in page

    # The pitch-day phone view, once its round is closed.
    from tests.test_pitch_day import add_pitch_round

    add_pitch_round(jury)
    stage = JudgingCriterion(round_id=jury.pitch.id, position=0, name={"en": "Stage"}, weight=Decimal(1))
    db.session.add(stage)
    db.session.commit()
    plan_and_stage(jury, client_for).post(f"{BASE}/judging/{jury.pitch.id}/live/next")
    on_stage = f"{BASE}/jury/{jury.pitch.id}/{jury.project.id}"
    juror.post(on_stage, data={f"criterion_{stage.id}": "6", "comment_to_team": "Great pitch", "submit_sheet": "y"})
    jury.pitch.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = read_only(juror.get(f"{BASE}/jury/{jury.pitch.id}/live"))
    assert "The round is closed" in page and "My sheet Submitted" in page
    assert "Stage 6" in page and "Great pitch" in page


# --- weights as people wrote them; rounds not open yet; labels; the scale beside each field (issue 11) --------------


def _add_criterion(client, round_id, name, weight):
    return client.post(f"{BASE}/judging/{round_id}", data={"name_en": name, "weight": weight, "scale_min": "1",
                                                          "scale_max": "10"})


def test_weights_are_shown_as_they_were_written(subs, client_for):
    client = client_for(subs.users["organiser"])
    client.post(BASE + "/judging", data={"name_en": "Screening", "jurors_per_project": "3", "method": "calibrated",
                                         "projects": "submissions"})
    judging_round = db.session.scalar(select(JudgingRound))
    for name, weight in (("Impact", "20"), ("Feasibility", "12.5"), ("Pitch", "0.25"), ("Reach", "100"),
                         ("Care", "0,0001")):
        assert _add_criterion(client, judging_round.id, name, weight).status_code == 302
    page = client.get(f"{BASE}/judging/{judging_round.id}").get_data(as_text=True)
    for shown in ("<td>20</td>", "<td>12.5</td>", "<td>0.25</td>", "<td>100</td>", "<td>0.0001</td>"):
        assert shown in page
    assert "E+" not in page and "E-" not in page
    criteria = db.session.scalars(select(JudgingCriterion).order_by(JudgingCriterion.position)).all()
    form = client.get(f"{BASE}/judging/{judging_round.id}/criteria/{criteria[0].id}").get_data(as_text=True)
    assert 'value="20"' in form and "E+" not in form
    rounds = client.get("/api/v1/events/hack/rounds").get_json()["rounds"]
    assert [c["weight"] for c in rounds[0]["criteria"]] == ["20", "12.5", "0.25", "100", "0.0001"]


@pytest.mark.parametrize("weight, message", [
    ("0.00001", "at most 4 decimal places"), ("12.34567", "at most 4 decimal places"),
    ("1e-5", "at most 4 decimal places"), ("100000000", "below 100000000"), ("1e9", "below 100000000"),
])
def test_a_weight_the_column_cannot_hold_is_refused(subs, client_for, weight, message):
    client = client_for(subs.users["organiser"])
    client.post(BASE + "/judging", data={"name_en": "Screening", "jurors_per_project": "3", "method": "calibrated",
                                         "projects": "submissions"})
    judging_round = db.session.scalar(select(JudgingRound))
    response = _add_criterion(client, judging_round.id, "Impact", weight)
    assert response.status_code == 200 and message in text(response)
    assert count(JudgingCriterion) == 0
    # The service says no too (the CLI, the API and imports go through it).
    with pytest.raises(services.DomainError):
        services.save_criterion(subs.users["organiser"], subs.event, judging_round, None, name={"en": "X"},
                                rubric={}, weight=Decimal(weight), scale_min=1, scale_max=10)


def test_a_round_whose_weights_add_up_to_zero_shows_a_message_not_an_error(jury, client_for, app):
    """Legacy data: weights under 0.0001 were accepted and stored as 0."""
    db.session.add(ScoreSheet(round_id=jury.round.id, juror_id=jury.users["juror"].id, submission_id=jury.project.id,
                              status=SheetStatus.submitted, scores={str(c.id): 5 for c in jury.criteria}))
    for criterion in jury.criteria:
        criterion.weight = Decimal(0)
    db.session.commit()
    message = "The weights of this round's criteria add up to zero"
    result = app.test_cli_runner().invoke(args=["judging", "leaderboard", "hack", str(jury.round.id)])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    organiser = client_for(jury.users["organiser"])
    page = organiser.get(f"{BASE}/judging/{jury.round.id}/leaderboard")
    assert page.status_code == 200 and message in text(page)
    csv = organiser.get(f"{BASE}/judging/{jury.round.id}/leaderboard?format=csv")
    assert csv.status_code == 409 and message in text(csv)
    api = organiser.get(f"/api/v1/events/hack/rounds/{jury.round.id}/leaderboard")
    assert api.status_code == 409 and message in api.get_json()["error"]["message"]
    assert organiser.get(f"{BASE}/judging/{jury.round.id}").status_code == 200


def test_a_round_that_opens_later_says_when(jury, client_for):
    from zoneinfo import ZoneInfo

    opens = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    jury.round.opens_at = opens
    db.session.commit()
    local = opens.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Bishkek"))
    client = client_for(jury.users["juror"])
    queue = text(client.get(BASE + "/jury"))
    assert "closed" not in queue and "Opens" in queue and "Asia/Bishkek" in queue
    assert f"{local.hour}:{local.minute:02d}" in queue or f"{local.hour % 12 or 12}:{local.minute:02d}" in queue
    url = f"{BASE}/jury/{jury.round.id}/{jury.project.id}"
    page = text(client.get(url))
    assert "This round is closed" not in page and "This round opens on" in page and "Asia/Bishkek" in page
    response = client.post(url, data=sheet_data(jury, 5, 5, 5))
    assert response.status_code == 200 and "This round opens on" in text(response)
    assert "This round is closed" not in text(response)
    assert count(ScoreSheet) == 0
    with pytest.raises(services.OutOfPhase, match="opens on"):
        services.save_sheet(jury.users["juror"], jury.event, jury.round, jury.project.id, scores={},
                            comment_to_team="", private_note="", submit=False, now=utcnow())
    # Closed is still closed.
    jury.round.opens_at, jury.round.closes_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    db.session.commit()
    assert "closed" in text(client.get(BASE + "/jury"))
    assert "This round is closed" in text(client.get(url))


@pytest.mark.parametrize("locale, single, zero", [("en", "Single sheet", "Zero variance"),
                                                  ("ru", "Один лист", "Без разброса"),
                                                  ("ky", "Бир барак", "Чачыроо жок")])
def test_juror_flags_are_labelled_in_the_readers_language(jury, client_for, locale, single, zero):
    juror, juror2 = jury.users["juror"], jury.users["juror2"]
    db.session.add(JurorAssignment(round_id=jury.round.id, juror_id=juror2.id, submission_id=jury.project.id))
    for j, project, score in ((juror, jury.project, 5), (juror, jury.other_project, 5), (juror2, jury.project, 7)):
        db.session.add(ScoreSheet(round_id=jury.round.id, juror_id=j.id, submission_id=project.id,
                                  status=SheetStatus.submitted, scores={str(c.id): score for c in jury.criteria}))
    organiser = jury.users["organiser"]
    organiser.locale = locale
    db.session.commit()
    page = text(client_for(organiser).get(f"{BASE}/judging/{jury.round.id}/leaderboard"))
    assert single in page and zero in page
    assert "single_sheet" not in page and "zero_variance" not in page


def test_the_sheet_shows_each_criteriums_scale_and_weight_beside_its_field(jury, client_for):
    jury.criteria[0].weight, jury.criteria[0].scale_min, jury.criteria[0].scale_max = Decimal(35), 0, 5
    db.session.commit()
    client = client_for(jury.users["juror"])
    page = text(client.get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}"))
    assert "scale 0–5 · weight 35" in page and "scale 1–10 · weight 0.3" in page and "scale 1–10 · weight 0.2" in page
    # It is beside the field (before the next criterion's field), not in a collapsed rubric.
    html_page = client.get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}").get_data(as_text=True)
    first, second = (html_page.index(f'name="criterion_{c.id}"') for c in jury.criteria[:2])
    assert first < html_page.index("weight 35") < second
    jury.users["juror"].locale = "ru"
    db.session.commit()
    assert "шкала 0–5 · вес 35" in text(client.get(f"{BASE}/jury/{jury.round.id}/{jury.project.id}"))
    # The pitch-day phone view shares the fields.
    from tests.test_pitch_day import add_pitch_round, plan_and_stage

    add_pitch_round(jury)
    db.session.add(JudgingCriterion(round_id=jury.pitch.id, position=0, name={"en": "Stage"}, weight=Decimal(20),
                                    scale_min=1, scale_max=7))
    db.session.commit()
    organiser = plan_and_stage(jury, client_for)
    organiser.post(f"{BASE}/judging/{jury.pitch.id}/live/next")
    jury.users["juror"].locale = "en"
    db.session.commit()
    assert "scale 1–7 · weight 20" in text(client.get(f"{BASE}/jury/{jury.pitch.id}/live"))


def test_a_juror_added_by_hand_is_explained_as_added_by_an_organiser(jury, client_for):
    db.session.execute(JurorAssignment.__table__.delete())
    db.session.commit()
    client = client_for(jury.users["organiser"])
    url = f"{BASE}/judging/{jury.round.id}/assignment"
    juror3 = jury.users["juror3"]
    assert client.post(url, data={"edited": "y", "add_juror": str(juror3.id),
                                  "add_project": str(jury.project.id)}).status_code == 302
    added = db.session.scalar(select(JurorAssignment).where(JurorAssignment.juror_id == juror3.id))
    assert added.reasons == [["organiser"]]
    page = text(client.get(url))
    assert "Juror Three</span>\n          <small>(added by an organiser)</small>" in page
    assert "balance)" not in page and "(balances the load" in page  # the proposal's other pairs, in words


def test_the_bench_works_in_a_schema_of_its_own_and_leaves_the_database_alone(app):
    """bench/judging.py --postgres URL once ended with db.drop_all() on the database it was given."""
    import importlib.util
    from argparse import Namespace
    from pathlib import Path

    from sqlalchemy import inspect, text as sql

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the bench's --postgres mode needs PostgreSQL")
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.execute(sql("CREATE TABLE IF NOT EXISTS bench_guard (id integer)"))
    db.session.execute(sql("INSERT INTO bench_guard VALUES (42)"))
    db.session.commit()
    tables = set(inspect(db.engine).get_table_names())
    spec = importlib.util.spec_from_file_location("bench_judging", Path(__file__).parents[1] / "bench" / "judging.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.REPEAT = 1
    try:
        bench.run(url, Namespace(projects=12, jurors=6, k=2, criteria=3, seed=1, repeat=1))
        db.session.remove()
        assert set(inspect(db.engine).get_table_names()) == tables
        assert db.session.execute(sql("SELECT id FROM bench_guard")).scalars().all() == [42]
        assert db.session.execute(sql("SELECT count(*) FROM information_schema.schemata "
                                      "WHERE schema_name LIKE 'bench_%'")).scalar() == 0
    finally:
        db.session.rollback()
        db.session.execute(sql("DROP TABLE IF EXISTS bench_guard"))
        db.session.commit()
