"""Results through the test client: how the final ranking is made, awards and decisions (ties need a reason),
publishing (confirmation of problems, frozen snapshot, mails once, the gallery opens, scheduled publishing,
unpublish/republish audited), the public page and API, and who may use each route."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from hackathon.applications.models import Application, ApplicationStatus
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.judging.models import JudgingCriterion, JudgingRound, ScoreSheet, SheetStatus
from hackathon.results import services
from hackathon.results.models import Award, AwardWinner, ResultSettings
from hackathon.submissions.models import SubmissionSettings
from hackathon.text import ascii_slug
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import XSS, count, statuses, text, walk
from tests.test_judging import BASE, jury, submitted  # noqa: F401  (the judging world: a round, two projects, three jurors)


def score(world, juror: str, project, value: int) -> None:
    db.session.add(ScoreSheet(round_id=world.round.id, juror_id=world.users[juror].id, submission_id=project.id,
                              status=SheetStatus.submitted, scores={str(c.id): value for c in world.criteria}))
    db.session.commit()


def close_judging(world) -> None:
    """Submissions closed two hours ago, the round a minute ago; both teams confirmed they take part."""
    now = utcnow()
    world.event.submissions_close_at = now - timedelta(hours=2)
    world.round.closes_at = now - timedelta(minutes=1)
    for application in db.session.scalars(select(Application).where(Application.event_id == world.event.id)):
        application.status = ApplicationStatus.confirmed
    db.session.commit()


@pytest.fixture
def judged(jury):
    """Both projects scored by three jurors: Taza Suu (the project) ahead of Clean Air; judging is over."""
    for juror, first, second in (("juror", 9, 5), ("juror2", 8, 6), ("juror3", 7, 4)):
        score(jury, juror, jury.project, first)
        score(jury, juror, jury.other_project, second)
    close_judging(jury)
    return jury


def add_award(client, **data):
    payload = {"kind": "place", "name_en": "First place"} | {k: str(v) for k, v in data.items()}
    return client.post(BASE + "/results/awards", data=payload, follow_redirects=True)


ORGANISERS = statuses(403, organiser=200, admin=200)
ROUTES = [
    ("GET", BASE + "/results/manage", None, ORGANISERS),
    ("POST", BASE + "/results/settings", lambda ids: {}, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/results/awards", lambda ids: {"kind": "special", "name_en": "Audience award"},
     statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/results/awards/999999/delete", None, statuses(403, organiser=404, admin=404)),
    ("POST", BASE + "/results/awards/999999/decide", None, statuses(403, organiser=404, admin=404)),
    ("POST", BASE + "/results/publish", lambda ids: {}, statuses(403, organiser=302, admin=302)),
    ("POST", BASE + "/results/unpublish", lambda ids: {"reason": "typo"}, statuses(403, organiser=302, admin=302)),
    # Before publication the page is a preview for organisers and a 404 for everyone else.
    ("GET", BASE + "/results", None, statuses(404, anonymous=404, organiser=200, admin=200)),
    ("GET", "/api/v1/events/hack/results", None, statuses(404, anonymous=404)),
    # Feedback exists only once the results are published.
    ("GET", BASE + "/results/feedback", None, statuses(404)),
    ("GET", BASE + "/results/feedback/{team}", None, statuses(404)),
    ("GET", BASE + "/results/feedback/{team}.pdf", None, statuses(404)),
    ("POST", BASE + "/results/certificates", None, statuses(403, organiser=302, admin=302)),
    ("GET", BASE + "/results/export.csv", None, statuses(403, organiser=200, admin=200)),
    ("GET", BASE + "/results/export.json", None, statuses(403, organiser=200, admin=200)),
    ("GET", BASE + "/results/certificate.pdf", None, statuses(404)),
    ("GET", "/certificates/not-a-code", None, statuses(404, anonymous=404)),
]


@pytest.fixture
def walk_world(judged):
    judged.ids = {**judged.ids, "team": judged.team.id}
    judged.reset = lambda: judged.ids
    return judged


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(walk_world, client_for, method, path, data, expected):
    walk(walk_world, client_for, method, path, data, expected)


def test_an_organiser_decides_the_awards_and_publishes_a_frozen_snapshot(judged, client_for, outbox):
    organiser = client_for(judged.users["organiser"])
    page = text(organiser.get(BASE + "/results/manage"))
    assert page.index("Taza Suu") < page.index("Clean Air")  # the final ranking
    add_award(organiser, place=1, prize_en="A grant")
    add_award(organiser, kind="special", name_en="Best inclusion of non-IT members")
    first, special = db.session.scalars(select(Award).order_by(Award.position)).all()
    page = text(organiser.get(BASE + "/results/manage"))
    assert "proposed" in page and "First place" in page and "A grant" in page
    # Publishing with an undecided award needs a confirmation; nothing is published meanwhile.
    organiser.post(BASE + f"/results/awards/{first.id}/decide", data={"project": [judged.project.id]})
    assert db.session.scalar(select(AwardWinner)).origin == "proposed"
    response = organiser.post(BASE + "/results/publish", data={}, follow_redirects=True)
    assert "Confirm that you publish despite" in text(response) and services.published(judged.event) is None
    # A special award is the organisers' choice: no reason needed.
    organiser.post(BASE + f"/results/awards/{special.id}/decide", data={"project": [judged.other_project.id]})
    response = organiser.post(BASE + "/results/publish", data={}, follow_redirects=True)
    assert "The results are published" in text(response)
    settings = services.published(judged.event)
    assert settings.snapshot_version == 1
    assert [w["team"] for a in settings.snapshot["awards"] for w in a["winners"]] == ["Taza Suu", "Clean Air"]
    # Every participant, mentor and juror is told once; the gallery opens.
    mails = Counter(m.to_address for m in outbox() if m.template == "results_published")
    expected = {judged.users[n].email for n in ("participant", "teammate", "other_participant", "mentor", "juror",
                                                "juror2", "juror3")}
    assert set(mails) == expected and set(mails.values()) == {1}
    assert db.session.scalar(select(SubmissionSettings)).gallery_opened_at is not None
    # The public page and the API show the winners; the full ranking is hidden unless chosen; no reasons.
    for client in (client_for(None), client_for(judged.users["stranger"])):
        page = text(client.get(BASE + "/results"))
        assert "First place" in page and "Taza Suu" in page and "Full ranking" not in page
    data = client_for(None).get("/api/v1/events/hack/results").get_json()
    assert data["ranking"] == [] and data["awards"][0]["winners"][0]["team"] == "Taza Suu"
    assert "reason" not in data["awards"][0]["winners"][0]
    # Later edits never move the published numbers.
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.submission_id == judged.other_project.id)):
        sheet.scores = {k: 10 for k in sheet.scores}
    db.session.commit()
    assert client_for(None).get("/api/v1/events/hack/results").get_json()["awards"] == data["awards"]
    # Unpublishing needs a reason and hides the page; republishing makes version 2 without mailing again.
    response = organiser.post(BASE + "/results/unpublish", data={"reason": ""}, follow_redirects=True)
    assert "Give a reason" in text(response) and services.published(judged.event) is not None
    organiser.post(BASE + "/results/unpublish", data={"reason": "a wrong prize text"})
    assert client_for(None).get(BASE + "/results").status_code == 404
    organiser.post(BASE + "/results/publish", data={"confirm": "y"})
    db.session.expire_all()
    assert services.published(judged.event).snapshot_version == 2
    assert sum(1 for m in outbox() if m.template == "results_published") == len(expected)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("results.%")))]
    assert actions.count("results.published") == 2 and "results.unpublished" in actions


def test_a_tie_at_a_prize_boundary_needs_a_reason(jury, client_for):
    for juror in ("juror", "juror2"):
        score(jury, juror, jury.project, 7)
        score(jury, juror, jury.other_project, 7)
    organiser = client_for(jury.users["organiser"])
    add_award(organiser, place=1)
    award = db.session.scalar(select(Award))
    assert "A tie at this award" in text(organiser.get(BASE + "/results/manage"))
    response = organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": [jury.project.id]},
                              follow_redirects=True)
    assert "Say why" in text(response) and count(AwardWinner) == 0
    organiser.post(BASE + f"/results/awards/{award.id}/decide",
                   data={"project": [jury.project.id, jury.other_project.id], "reason": "shared first place"})
    winners = db.session.scalars(select(AwardWinner)).all()
    assert {w.origin for w in winners} == {"chosen"} and {w.reason for w in winners} == {"shared first place"}
    # Projects not in the ranking cannot win.
    response = organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": ["999999"],
                                                                              "reason": "x"}, follow_redirects=True)
    assert "Choose projects of the final ranking" in text(response)


def test_bad_awards_and_settings_are_refused_politely(judged, client_for):
    organiser = client_for(judged.users["organiser"])
    for data, message in (({"place": ""}, "A place award needs its place"),
                          ({"kind": "track", "track": ""}, "Choose a track of this event"),
                          ({"kind": "track", "track": "999999"}, "Choose one of the options given"),
                          ({"name_en": ""}, "This field is required"),
                          ({"kind": "bogus"}, "Not a valid choice")):
        assert message in text(add_award(organiser, **data)), data
    add_award(organiser, place=1)
    assert "There is already an award for place 1" in text(add_award(organiser, place=1))
    url = BASE + "/results/settings"
    response = organiser.post(url, data={f"weight_{judged.round.id}": "-1"}, follow_redirects=True)
    assert "Enter a weight of 0 or more" in text(response)
    response = organiser.post(url, data={f"weight_{judged.round.id}": "0.7"}, follow_redirects=True)
    assert "Saved" in text(response)
    assert db.session.scalar(select(ResultSettings)).round_weights == {str(judged.round.id): "0.7"}
    # A whole number stays as it was written (Decimal.normalize() gave "2E+1").
    organiser.post(url, data={f"weight_{judged.round.id}": "20"}, follow_redirects=True)
    assert db.session.scalar(select(ResultSettings)).round_weights == {str(judged.round.id): "20"}
    page = text(organiser.get(BASE + "/results/manage"))
    assert f'name="weight_{judged.round.id}"' in page and "2E+1" not in page and 'value="20"' in page


def test_xss_in_award_names_is_escaped(judged, client_for):
    organiser = client_for(judged.users["organiser"])
    add_award(organiser, place=1, name_en=XSS, prize_en=XSS)
    assert XSS not in organiser.get(BASE + "/results/manage").get_data(as_text=True)
    award = db.session.scalar(select(Award))
    organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": [judged.project.id]})
    organiser.post(BASE + "/results/publish", data={})
    assert XSS not in client_for(None).get(BASE + "/results").get_data(as_text=True)


def test_results_publish_at_the_scheduled_time(judged, client_for, app, outbox):
    organiser = client_for(judged.users["organiser"])
    add_award(organiser, place=1)
    award = db.session.scalar(select(Award))
    organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": [judged.project.id]})
    # A time the form refuses is named with the field's own message, and nothing is published.
    response = organiser.post(BASE + "/results/publish", data={"publish_at": "0001-01-01T00:00"},
                              follow_redirects=True)
    assert "Enter a date between the years 2000 and 2100" in text(response)
    assert db.session.scalar(select(ResultSettings)).publish_at is None
    response = organiser.post(BASE + "/results/publish", data={"publish_at": "2099-01-01T18:00"},
                              follow_redirects=True)
    assert "will be published at the time chosen" in text(response)
    settings = db.session.scalar(select(ResultSettings))
    assert settings.publish_at.hour == 12 and settings.published_at is None
    with app.test_request_context():
        assert services.publish_due(utcnow()) == []
        assert services.publish_due(settings.publish_at + timedelta(minutes=1)) == ["hack"]
    assert services.published(judged.event) is not None
    assert any(m.template == "results_published" for m in outbox())


def publish_now(world, client_for, *, confirm: bool = False):
    organiser = client_for(world.users["organiser"])
    add_award(organiser, place=1)
    award = db.session.scalar(select(Award))
    organiser.post(BASE + f"/results/awards/{award.id}/decide", data={"project": [world.project.id]})
    organiser.post(BASE + "/results/publish", data={"confirm": "y"} if confirm else {})
    assert services.published(world.event) is not None
    return organiser


def test_each_team_reads_its_own_feedback_after_the_results(judged, client_for):
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.submission_id == judged.project.id)):
        sheet.comment_to_team, sheet.private_note = f"Keep going ({sheet.juror_id})", "PRIVATE: weak team"
    db.session.commit()
    organiser = publish_now(judged, client_for)
    member = client_for(judged.users["teammate"])
    response = member.get(BASE + "/results/feedback")
    assert response.status_code == 302 and response.location.endswith(f"/results/feedback/{judged.team.id}")
    page = text(member.get(response.location))
    assert "Taza Suu" in page and "Impact" in page and "Keep going" in page and "Award: First place" in page
    assert "PRIVATE" not in page and "Juror Two" not in page and "Rank" not in page  # hidden by default
    assert "8.0" in page  # Impact's mean for Taza Suu: (9 + 8 + 7) / 3
    # Nobody else's feedback: another team's member and a stranger get a 404, as for a missing team.
    for visitor in ("other_participant", "stranger", "juror"):
        assert client_for(judged.users[visitor]).get(BASE + f"/results/feedback/{judged.team.id}").status_code == 404
    assert client_for(judged.users["stranger"]).get(BASE + "/results/feedback").status_code == 404
    assert member.get(BASE + "/results/feedback/999999").status_code == 404
    assert organiser.get(BASE + f"/results/feedback/{judged.other_team.id}").status_code == 200
    # The organisers' choices show ranks and juror names after republishing.
    organiser.post(BASE + "/results/unpublish", data={"reason": "show ranks"})
    organiser.post(BASE + "/results/settings", data={"show_rank_in_feedback": "y", "show_juror_names": "y"})
    organiser.post(BASE + "/results/publish", data={})
    page = text(member.get(BASE + f"/results/feedback/{judged.team.id}"))
    assert "Rank 1 of 2" in page and "Final rank: 1 of 2 finalists" in page and "Juror Two" in page
    assert "PRIVATE" not in page


def test_the_feedback_pdf_embeds_a_font_with_kyrgyz_glyphs(judged, client_for):
    import re
    import zlib

    judged.team.name = "Таза Суу ңөү"
    db.session.commit()
    publish_now(judged, client_for)
    response = client_for(judged.users["participant"]).get(BASE + f"/results/feedback/{judged.team.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and "attachment" in response.headers["Content-Disposition"]
    assert b"DejaVu" in response.data
    # Named after the event and the team, not the internal id: ASCII, and the team's spelling in filename*.
    disposition = response.headers["Content-Disposition"]
    assert 'filename="feedback-hack-taza-suu-ngou.pdf"' in disposition, disposition
    assert "filename*=UTF-8''feedback-hack-%D0%A2" in disposition
    assert str(judged.team.id) not in disposition.split(";")[1]
    streams = response.data + b"".join(zlib.decompress(m) for m in re.findall(
        rb"stream\r?\n(.*?)\r?\nendstream", response.data, re.S) if m[:1] == b"x")
    for code_point in ("04A3", "04E9", "04AF"):  # ң ө ү mapped back to Unicode: the text is real text
        assert b"<" + code_point.encode() + b">" in streams.upper(), code_point
    assert client_for(judged.users["other_participant"]).get(
        BASE + f"/results/feedback/{judged.team.id}.pdf").status_code == 404


def test_certificates_for_every_participant_with_a_verification_link(judged, client_for, app):
    import re

    from hackathon.results.models import Certificate

    publish_now(judged, client_for)
    judged.users["other_participant"].locale = "ky"
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["results", "certificates", "hack"])
    assert result.exit_code == 0 and "3 certificates issued, 0 updated" in result.output
    assert "0 certificates issued, 0 updated" in runner.invoke(args=["results", "certificates", "hack"]).output
    certificates = {c.user_id: c for c in db.session.scalars(select(Certificate))}
    winner = certificates[judged.users["participant"].id]
    other = certificates[judged.users["other_participant"].id]
    assert winner.kind == "winner" and winner.awards == [{"en": "First place"}] and other.kind == "finalist"
    assert len({c.code for c in certificates.values()}) == 3 and all(len(c.code) >= 20 for c in certificates.values())
    # Anyone verifies by code: who, which event, what. Guessed codes are 404.
    page = text(client_for(None).get(f"/certificates/{winner.code}"))
    assert "genuine" in page and "Participant" in page and "First place" in page and "Taza Suu" in page
    for code in ("x", winner.code[:-1] + ("A" if winner.code[-1] != "A" else "B"), "a" * 40):
        assert client_for(None).get(f"/certificates/{code}").status_code == 404
    # Each participant downloads their own, in their language; the dashboard links to it.
    response = client_for(judged.users["other_participant"]).get(BASE + "/results/certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    name_slug = ascii_slug(judged.users["other_participant"].name)
    assert f'filename="certificate-hack-{name_slug}.pdf"' in response.headers["Content-Disposition"]
    assert re.search(r"<04[0-9A-F]{2}>", response.data.decode("latin-1").upper())  # Cyrillic: it is in Kyrgyz
    assert "certificate.pdf" in client_for(judged.users["participant"]).get(BASE + "/me").get_data(as_text=True)
    assert client_for(judged.users["stranger"]).get(BASE + "/results/certificate.pdf").status_code == 404
    # Unpublished results: the verification page and the download are gone too.
    client_for(judged.users["organiser"]).post(BASE + "/results/unpublish", data={"reason": "a correction"})
    assert client_for(None).get(f"/certificates/{winner.code}").status_code == 404
    assert client_for(judged.users["participant"]).get(BASE + "/results/certificate.pdf").status_code == 404
    # Certificates need published results.
    assert "Publish the results first" in runner.invoke(args=["results", "certificates", "hack"]).output


def test_the_gallery_shows_the_awards_a_project_won(judged, client_for):
    organiser = client_for(judged.users["organiser"])
    page = organiser.get(BASE + f"/gallery/{judged.project.id}").get_data(as_text=True)
    assert "gallery-awards" not in page  # nothing before the results
    publish_now(judged, client_for)
    judged.project.show_in_gallery = True
    db.session.commit()
    page = client_for(None).get(BASE + f"/gallery/{judged.project.id}").get_data(as_text=True)
    assert "gallery-awards" in page and "First place" in page
    other = client_for(None).get(BASE + f"/gallery/{judged.other_project.id}")
    assert "gallery-awards" not in other.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/results", "/results/manage", "/results/feedback/{team}"])
def test_results_pages_run_a_constant_number_of_queries(judged, client_for, make_user, path):
    from tests.submissions_support import add_team, counting_queries, reset_caches
    from tests.test_judging import submitted

    organiser = client_for(judged.users["organiser"])
    publish_now(judged, client_for)
    url = BASE + path.format(team=judged.team.id)

    def queries() -> int:
        reset_caches()
        with counting_queries() as statements:
            assert organiser.get(url).status_code == 200
        return len(statements)

    few = queries()
    organiser.post(BASE + "/results/unpublish", data={"reason": "more teams"})
    for number in range(12):
        project = submitted(add_team(judged.event, f"Team {number}", make_user()), f"Project {number}")
        for juror in ("juror", "juror2", "juror3"):
            score(judged, juror, project, 1 + number % 9)
    organiser.post(BASE + "/results/publish", data={"confirm": "y"})
    assert queries() == few


def test_the_results_export_as_csv_and_json(judged, client_for):
    import csv
    import io
    import json

    judged.other_team.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    organiser = publish_now(judged, client_for)
    judged.team.name = "Renamed later"
    db.session.commit()
    response = organiser.get(BASE + "/results/export.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["rank", "tie", "team", "project", "score"] and rows[0][-1] == "awards"
    assert rows[1][2] == "Taza Suu" and rows[1][-1] == "First place"  # the frozen snapshot's names
    assert rows[2][2].startswith("'=HYPERLINK")  # a formula is neutralised
    data = json.loads(organiser.get(BASE + "/results/export.json").data)
    assert data["awards"][0]["winners"][0]["team"] == "Taza Suu" and str(judged.project.id) in data["feedback"]


def test_publishing_with_missing_sheets_needs_a_confirmation(jury, client_for):
    # k = 2 in this round, but the second project has a single sheet.
    score(jury, "juror", jury.project, 8)
    score(jury, "juror2", jury.project, 7)
    score(jury, "juror", jury.other_project, 5)
    organiser = client_for(jury.users["organiser"])
    assert "fewer sheets than planned" in text(organiser.get(BASE + "/results/manage"))
    response = organiser.post(BASE + "/results/publish", data={}, follow_redirects=True)
    assert "Confirm that you publish despite" in text(response) and services.published(jury.event) is None
    organiser.post(BASE + "/results/publish", data={"confirm": "y"})
    settings = services.published(jury.event)
    assert settings is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.published"))
    assert any("fewer sheets" in problem for problem in entry.after["confirmed_problems"])


def test_publishing_before_judging_has_closed_needs_a_confirmation_naming_what_is_missing(jury, client_for):
    """The event is still taking applications and the screening is open: publishing names both and waits for a
    confirmation, which the audit keeps. A counted round without a single sheet is named too."""
    for juror in ("juror", "juror2"):
        score(jury, juror, jury.project, 8)
        score(jury, juror, jury.other_project, 6)
    now = utcnow()
    jury.event.applications_close_at, jury.event.hacking_starts_at = now + timedelta(days=1), now + timedelta(days=2)
    jury.event.submissions_close_at = now + timedelta(days=3)
    db.session.commit()
    organiser = client_for(jury.users["organiser"])
    page = text(organiser.get(BASE + "/results/manage"))
    assert "still in the phase “Applications open”" in page and "Screening is open until" in page
    response = organiser.post(BASE + "/results/publish", data={}, follow_redirects=True)
    page = text(response)
    assert "Confirm that you publish despite" in page and "Applications open" in page
    assert "Screening is open until" in page and services.published(jury.event) is None
    # A second, weighted round nobody has judged yet is named as well.
    pitch = JudgingRound(event_id=jury.event.id, position=1, name={"en": "Pitch"}, closes_at=now + timedelta(days=9))
    db.session.add(pitch)
    db.session.commit()
    db.session.add(JudgingCriterion(round_id=pitch.id, name={"en": "Pitch"}, weight=Decimal(1)))
    db.session.commit()
    organiser.post(BASE + "/results/settings", data={"final_round": str(jury.round.id),
                                                     f"weight_{jury.round.id}": "0.5", f"weight_{pitch.id}": "0.5"})
    page = text(organiser.post(BASE + "/results/publish", data={}, follow_redirects=True))
    assert "Pitch: no sheet is submitted, so this round is not judged." in page
    organiser.post(BASE + "/results/publish", data={"confirm": "y"})
    assert services.published(jury.event) is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.published"))
    confirmed = " ".join(entry.after["confirmed_problems"])
    assert "Applications open" in confirmed and "Screening is open until" in confirmed and "Pitch: no sheet" in confirmed


def test_nothing_judged_nothing_published(jury, client_for):
    organiser = client_for(jury.users["organiser"])
    response = organiser.post(BASE + "/results/publish", data={"confirm": "y"}, follow_redirects=True)
    assert "Nothing can be published" in text(response) and "Screening: no sheet is submitted" in text(response)
    assert services.published(jury.event) is None


def test_certificates_go_only_to_people_who_took_part(judged, client_for, make_user):
    """Members of a confirmed team with a submitted project get one; a team still in draft, an accepted team that
    never confirmed and a confirmed team without a submitted project get none. Issuing again after a change
    adds, revokes (the check page says so) and never duplicates."""
    from hackathon.results.models import Certificate
    from hackathon.teams.models import TeamMember
    from tests.submissions_support import add_team

    drafter, drafter2, unconfirmed, idle = (make_user(name=n) for n in ("Drafter", "Drafter Two", "Late", "Idle"))
    add_team(judged.event, "Still drafting", drafter, drafter2, status=ApplicationStatus.draft)
    late = add_team(judged.event, "Never confirmed", unconfirmed)
    submitted(late, "A late project")
    add_team(judged.event, "No project", idle, status=ApplicationStatus.confirmed)
    organiser = publish_now(judged, client_for, confirm=True)  # the late project has no sheet
    response = organiser.post(BASE + "/results/certificates", follow_redirects=True)
    holders = {c.user_id for c in db.session.scalars(select(Certificate))}
    assert holders == {judged.users[n].id for n in ("participant", "teammate", "other_participant")}
    assert "Certificates issued: 3; updated: 0; revoked: 0." in text(response)
    for person in (drafter, unconfirmed, idle):
        client = client_for(person)
        assert "certificate.pdf" not in client.get(BASE + "/me").get_data(as_text=True)
        assert client.get(BASE + "/results/certificate.pdf").status_code == 404
    # The teammate leaves the team; the late team confirms after all. Issuing again revokes and adds.
    teammate = judged.users["teammate"]
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == teammate.id))
    membership = db.session.scalar(select(TeamMember).where(TeamMember.user_id == teammate.id))
    db.session.delete(membership)
    db.session.scalar(select(Application).where(Application.team_id == late.id)).status = ApplicationStatus.confirmed
    db.session.commit()
    response = organiser.post(BASE + "/results/certificates", follow_redirects=True)
    assert "Certificates issued: 1; updated: 0; revoked: 1." in text(response)
    check = client_for(None).get(f"/certificates/{code}")
    assert check.status_code == 410 and "was revoked" in text(check) and "genuine" not in text(check)
    assert client_for(teammate).get(BASE + "/results/certificate.pdf").status_code == 404
    assert "Certificates issued: 0; updated: 0; revoked: 0." in text(
        organiser.post(BASE + "/results/certificates", follow_redirects=True))
    assert count(Certificate) == 4  # one per person ever eligible, never two
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "results.certificates_issued")
                               .order_by(AuditEntry.id)).all()[1]
    assert entry.after["revoked_user_ids"] == [teammate.id] and entry.actor_id == judged.users["organiser"].id
    # Back in the team: the same certificate, the same code, genuine again.
    db.session.add(TeamMember(event_id=judged.event.id, team_id=judged.team.id, user_id=teammate.id))
    db.session.commit()
    assert "Certificates issued: 1; updated: 0; revoked: 0." in text(
        organiser.post(BASE + "/results/certificates", follow_redirects=True))
    assert "genuine" in text(client_for(None).get(f"/certificates/{code}")) and count(Certificate) == 4


def test_the_public_results_say_when_they_were_published_in_the_events_time(judged, client_for):
    """The public page said "Published 2021-07-10 13:00 UTC" while the manage page used the event's zone."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    publish_now(judged, client_for, confirm=True)
    settings = db.session.scalar(select(ResultSettings))
    page = text(client_for(None).get(BASE + "/results"))
    zone = judged.event.timezone
    shown = format_datetime(settings.published_at, "M/d/y, h:mm a", tzinfo=ZoneInfo(zone), locale="en")
    assert f"Published {shown} ({zone})" in page, page
    assert text(client_for(judged.users["organiser"]).get(BASE + "/results/manage")).count(f"{shown} ({zone})")


def test_the_manage_page_names_a_place_award_once_and_keeps_certificates_apart(judged, client_for):
    """"Second place place 2" repeated the place; "Issue the certificates" sat on the unpublish form's label."""
    publish_now(judged, client_for)
    raw = client_for(judged.users["organiser"]).get(BASE + "/results/manage").get_data(as_text=True)
    import re

    words = " ".join(re.sub(r"<[^>]+>", " ", raw).split())
    assert "First place #1" in words and "place 1" not in words
    certificates, unpublish = raw.index('id="certificates-heading"'), raw.index('id="unpublish-heading"')
    assert certificates < raw.index("Issue the certificates") < raw.index("</section>", certificates) < unpublish
    assert unpublish < raw.index('name="reason"')


def test_ascii_slug_for_file_names():
    assert ascii_slug("Data Kelechek") == "data-kelechek"
    assert ascii_slug("Дата Келечек") == "data-kelechek"
    assert ascii_slug("Өнүгүү: ңыл!") == "onuguu-ngyl"
    assert ascii_slug("café") == "cafe" and ascii_slug("???", "team") == "team"



def test_scores_are_written_with_the_readers_decimal_separator(judged, client_for):
    """A Russian page said "8.0": Russian writes "8,0". The CSV and JSON keep the dot."""
    publish_now(judged, client_for)
    judged.users["teammate"].locale = "ru"
    db.session.commit()
    page = text(client_for(judged.users["teammate"]).get(BASE + f"/results/feedback/{judged.team.id}"))
    assert "8,0" in page and "8.0" not in page  # Impact's mean for Taza Suu: (9 + 8 + 7) / 3


def test_the_final_ranking_on_the_manage_page_uses_the_readers_decimal_separator(judged, client_for):
    import re

    judged.users["organiser"].locale = "ru"
    db.session.commit()
    page = text(client_for(judged.users["organiser"]).get(BASE + "/results/manage"))
    assert re.search(r"\d,\d{3}", page) and not re.search(r"\d\.\d{3}", page)


def test_the_feedback_pdf_writes_means_with_the_readers_decimal_separator(judged, client_for):
    import io

    from pypdf import PdfReader

    publish_now(judged, client_for)
    judged.users["teammate"].locale = "ru"
    db.session.commit()
    response = client_for(judged.users["teammate"]).get(BASE + f"/results/feedback/{judged.team.id}.pdf")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "8,0" in pdf_text and "8.0" not in pdf_text  # Impact's mean: (9 + 8 + 7) / 3
