"""Organisers' submission pages through the test client: the list (states missing/draft/submitted/late, filters,
a constant number of queries), one team's page, extensions before the deadline and unlocks after the freeze
(audited, mailed in each member's language, honoured by the server-side deadline check), revoking, reminders and
their throttle, the CSV export (BOM, formula injection), the API, the settings, and who may do what."""
from __future__ import annotations

import csv
import html
import io
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from hackathon.applications.models import ApplicationStatus
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, NotAllowed
from hackathon.events.forms import to_local
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.mail import OutboxMessage
from hackathon.submissions import core
from hackathon.submissions import organiser as services
from hackathon.submissions.deadlines import SubmissionState
from hackathon.submissions.models import (Attachment, AttachmentKind, DeadlineExemption, ExemptionKind, Submission,
                                          SubmissionSettings, SubmissionStatus)
from tests.submissions_support import (XSS, add_team, client_for, count, counting_queries, files_dir,  # noqa: F401
                                       reset_caches, statuses, subs, text, walk)

ORGANISERS = ("organiser", "admin")
HACK = "/events/hack"


def managers(status, **special) -> dict:
    return statuses(403, **dict.fromkeys(ORGANISERS, status)) | special


def local(value, tz="Asia/Bishkek") -> str:
    """A UTC time as typed in a datetime-local field of the event's timezone."""
    return to_local(value, tz).strftime("%Y-%m-%dT%H:%M")


def make_submission(event, team, *, title="Water map", status=SubmissionStatus.draft, submitted_at=None,
                    saved_at=None, **values) -> Submission:
    """A submission row written directly (the team's form is another module's business)."""
    submission = Submission(event_id=event.id, team_id=team.id, title=title, status=status,
                            submitted_at=submitted_at, first_submitted_at=submitted_at,
                            last_saved_at=saved_at or submitted_at or utcnow() - timedelta(hours=1),
                            credited_user_ids=[member.user_id for member in team.members], **values)
    db.session.add(submission)
    db.session.commit()
    return submission


def add_file(submission, kind=AttachmentKind.screenshot, name="map.png", content_type="image/png", **values):
    attachment = Attachment(submission_id=submission.id, kind=kind, storage_key=secrets.token_hex(16),
                            display_name=name, content_type=content_type, size=1234, sha256="0" * 64, **values)
    db.session.add(attachment)
    db.session.commit()
    return attachment


def exemption_for(event, team, *, kind=ExemptionKind.extension, until=None, granted_by=None) -> DeadlineExemption:
    exemption = DeadlineExemption(event_id=event.id, team_id=team.id, kind=kind,
                                  until=until or event.submissions_close_at + timedelta(hours=2),
                                  reason="Power cut", granted_by_id=granted_by.id if granted_by else None)
    db.session.add(exemption)
    db.session.commit()
    return exemption


def audit(action) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def world(subs, make_event, make_user):
    """`subs` plus a team at another event, a submitted Clean Air project in the gallery and, before each
    POST, a fresh live extension for Taza Suu."""
    other_event = db.session.scalar(select(Event).where(Event.slug == "other-event"))
    far = add_team(other_event, "Far Away", make_user())
    project = make_submission(subs.event, subs.other_team, title="Clean air map", status=SubmissionStatus.submitted,
                              submitted_at=utcnow() - timedelta(hours=2), show_in_gallery=True)

    def reset() -> dict:
        db.session.execute(DeadlineExemption.__table__.delete())
        db.session.commit()
        exemption = exemption_for(subs.event, subs.team)
        reset_caches()
        subs.ids = {"team": subs.team.id, "other_team": subs.other_team.id, "foreign_team": far.id,
                    "exemption": exemption.id, "project": project.id, "track": subs.tracks[0].id}
        return subs.ids

    subs.reset = reset
    reset()
    return subs


def extension_data(ids=None, **overrides) -> dict:
    data = {"kind": "extension", "until": local(utcnow() + timedelta(days=2)), "reason": "A power cut in Naryn."}
    data.update(overrides)
    return data


SETTINGS = {"required_fields": ["tagline", "deck"], "grace_minutes": "15", "max_screenshots": "3",
            "allow_archive": "y"}

# --- who may do what ----------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", f"{HACK}/submissions", None, managers(200)),
    ("GET", f"{HACK}/submissions?state=draft&track={{track}}", None, managers(200)),
    ("GET", f"{HACK}/submissions/{{team}}", None, managers(200)),
    ("GET", f"{HACK}/submissions/{{foreign_team}}", None, managers(404)),
    ("POST", f"{HACK}/submissions/{{team}}/exemptions", extension_data, managers(302)),
    ("POST", f"{HACK}/submissions/{{foreign_team}}/exemptions", extension_data, managers(404)),
    ("POST", f"{HACK}/submissions/{{team}}/exemptions/{{exemption}}/revoke", None, managers(302)),
    ("POST", f"{HACK}/submissions/{{other_team}}/exemptions/{{exemption}}/revoke", None, managers(404)),
    ("POST", f"{HACK}/submissions/remind", None, managers(302)),
    ("GET", f"{HACK}/submissions.csv", None, managers(200)),
    ("GET", f"{HACK}/submissions/settings", None, managers(200)),
    ("POST", f"{HACK}/submissions/settings", SETTINGS, managers(302)),
    ("GET", "/api/v1/events/hack/submissions", None, managers(200, anonymous=401)),
    # The gallery is closed here: a preview for organisers, a 404 for everyone else (test_gallery.py walks it open).
    ("GET", f"{HACK}/gallery", None, statuses(404, anonymous=404, organiser=200, admin=200)),
    ("GET", f"{HACK}/gallery/{{project}}", None, statuses(404, anonymous=404, organiser=200, admin=200)),
]


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(world, client_for, method, path, data, expected):
    walk(world, client_for, method, path, data, expected)


def test_an_unpublished_event_hides_every_route_from_outsiders(world, client_for):
    world.event.is_published = False
    db.session.commit()
    for method, path, data, _expected in ROUTES:
        url = path.format(**world.ids)
        for visitor in ("anonymous", "stranger", "other_organiser"):
            client = client_for(world.users.get(visitor))
            payload = data(world.ids) if callable(data) else (data or {})
            response = client.get(url) if method == "GET" else client.post(url, data=payload)
            assert response.status_code == 404, (visitor, method, url)


def test_actions_do_not_answer_get(world, client_for):
    client = client_for(world.users["organiser"])
    for path in (f"{HACK}/submissions/remind", f"{HACK}/submissions/{world.ids['team']}/exemptions",
                 f"{HACK}/submissions/{world.ids['team']}/exemptions/{world.ids['exemption']}/revoke"):
        assert client.get(path).status_code == 405, path


def test_the_services_check_the_caller(subs):
    participant, now = subs.users["participant"], utcnow()
    for call in (lambda: services.submission_rows(participant, subs.event, now=now),
                 lambda: services.export_table(participant, subs.event, now=now),
                 lambda: services.remind_teams(participant, subs.event, now=now),
                 lambda: services.grant_exemption(participant, subs.event, subs.team, "extension",
                                                  now + timedelta(days=2), "x", now=now),
                 lambda: services.update_settings(participant, subs.event, required_fields=[], grace_minutes=0,
                                                  max_screenshots=1, allow_archive=True, gallery_open=False,
                                                  now=now)):
        with pytest.raises(NotAllowed):
            call()


# --- the list -----------------------------------------------------------------------------------------------------


@pytest.fixture
def states(subs, make_user):
    """Five accepted teams, one per state plus a row never saved with a title, and a waitlisted team."""
    event, closes = subs.event, subs.event.submissions_close_at
    make_submission(event, subs.team, title="Taza Suu draft", track_id=subs.tracks[0].id)  # draft
    make_submission(event, subs.other_team, title="Clean air map", status=SubmissionStatus.submitted,
                    submitted_at=closes - timedelta(hours=30), track_id=subs.tracks[1].id)  # submitted
    late = add_team(event, "Late Birds", make_user())
    make_submission(event, late, title="Night owl", status=SubmissionStatus.submitted,
                    submitted_at=closes + timedelta(minutes=5))  # late (past the event's deadline)
    add_team(event, "Nobody Home", make_user())  # missing: no row
    empty = add_team(event, "Empty Row", make_user())
    make_submission(event, empty, title="  ")  # missing: never saved with a title
    add_team(event, "Waiting", make_user(), status=ApplicationStatus.waitlisted)  # not accepted: not listed
    return subs


def test_states_are_computed_from_the_rows(states):
    listing = services.submission_rows(states.users["organiser"], states.event, now=utcnow())
    by_team = {row.team.name: row.state for row in listing.rows}
    assert by_team == {"Taza Suu": SubmissionState.draft, "Clean Air": SubmissionState.submitted,
                       "Late Birds": SubmissionState.late, "Nobody Home": SubmissionState.missing,
                       "Empty Row": SubmissionState.missing}
    assert listing.counts == {SubmissionState.missing: 2, SubmissionState.draft: 1, SubmissionState.submitted: 1,
                              SubmissionState.late: 1}
    assert listing.total == 5
    # Sorted by team name.
    assert [row.team.name for row in listing.rows] == ["Clean Air", "Empty Row", "Late Birds", "Nobody Home",
                                                      "Taza Suu"]


def test_the_list_page_shows_states_counts_files_and_exemptions(states, client_for):
    event = states.event
    submission = core.team_submission(event, states.other_team.id)
    add_file(submission)
    add_file(submission, AttachmentKind.deck, "deck.pdf", "application/pdf")
    add_file(submission, name="old.png", removed_at=utcnow())  # removed: not counted
    exemption_for(event, states.team, until=event.submissions_close_at + timedelta(hours=5))
    page = client_for(states.users["organiser"]).get(f"{HACK}/submissions")
    assert page.status_code == 200
    body = text_of(page.get_data(as_text=True))
    assert "Accepted teams: 5" in body
    for label, number in (("Missing", 2), ("Draft", 1), ("Submitted", 1), ("Late", 1)):
        assert f"{label} {number}" in body, label
    assert "Waiting" not in body
    html = page.get_data(as_text=True)
    row = html.split("Clean Air</td>")[1].split("</tr>")[0]
    assert "<td>2</td>" in row and "Air" in row
    taza = html.split("Taza Suu</td>")[1].split("</tr>")[0]
    assert "until" in taza and "(Asia/Bishkek)" in text_of(taza)
    assert f'href="/events/hack/submissions/{states.team.id}"' in html
    assert 'for="state"' in html and 'for="track"' in html


def test_the_list_and_the_detail_link_each_teams_versions(states, client_for, app):
    client = client_for(states.users["organiser"])
    versions = f"/events/hack/submissions/{states.team.id}/versions"
    assert f'href="{versions}"' in client.get(f"{HACK}/submissions").get_data(as_text=True)
    assert f'href="{versions}"' in client.get(f"{HACK}/submissions/{states.team.id}").get_data(as_text=True)


def text_of(fragment: str) -> str:
    """The words of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\u202f", " ").split())


def test_filters_by_state_and_track(states, client_for):
    client = client_for(states.users["organiser"])

    def teams(query: str) -> list[str]:
        html = client.get(f"{HACK}/submissions?{query}").get_data(as_text=True)
        return [name for name in ("Taza Suu", "Clean Air", "Late Birds", "Nobody Home", "Empty Row")
                if f">{name}</td>" in html]

    assert teams("state=late") == ["Late Birds"]
    assert teams("state=missing") == ["Nobody Home", "Empty Row"]
    assert teams(f"track={states.tracks[1].id}") == ["Clean Air"]
    assert teams(f"state=draft&track={states.tracks[0].id}") == ["Taza Suu"]
    assert teams(f"state=submitted&track={states.tracks[0].id}") == []
    # Bad values: the field says so, nothing is filtered, never a 500.
    response = client.get(f"{HACK}/submissions?state=bogus&track=abc")
    assert response.status_code == 200 and "Not a valid choice" in text(response)
    assert len(teams("state=bogus&track=999999999999")) == 5
    assert "No team matches the filters." in text(client.get(f"{HACK}/submissions?state=submitted&track="
                                                              f"{states.tracks[0].id}"))


def test_titles_and_names_are_escaped(subs, client_for, make_user):
    team = add_team(subs.event, f"Team {XSS}"[:80], make_user())
    make_submission(subs.event, team, title=XSS[:120], tagline=XSS)
    client = client_for(subs.users["organiser"])
    for url in (f"{HACK}/submissions", f"{HACK}/submissions/{team.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>" not in body and "&lt;script&gt;" in body and "<img src=x" not in body, url


@pytest.mark.parametrize("viewer", ORGANISERS)
def test_the_list_runs_a_constant_number_of_queries(subs, client_for, make_user, viewer):
    event_id, track_ids = subs.event.id, [track.id for track in subs.tracks]

    def add(n: int) -> None:
        event = db.session.get(Event, event_id)
        for index in range(n):
            team = add_team(event, f"Team {secrets.token_hex(4)}", make_user(), make_user())
            if index % 4 == 0:
                continue  # missing
            submission = make_submission(event, team, track_id=track_ids[index % 2],
                                         status=SubmissionStatus.submitted if index % 2 else SubmissionStatus.draft,
                                         submitted_at=utcnow() if index % 2 else None)
            add_file(submission)
            exemption_for(event, team)

    client = client_for(subs.users[viewer])
    add(3)
    db.session.expunge_all()
    with counting_queries() as few:
        assert client.get(f"{HACK}/submissions").status_code == 200
    add(20)
    db.session.expunge_all()
    with counting_queries() as many:
        assert client.get(f"{HACK}/submissions").status_code == 200
    assert len(many) == len(few), "\n".join(many)
    for path in (f"{HACK}/submissions.csv", "/api/v1/events/hack/submissions"):
        db.session.expunge_all()
        with counting_queries() as export:
            assert client.get(path).status_code == 200
        add(5)
        db.session.expunge_all()
        with counting_queries() as more:
            assert client.get(path).status_code == 200
        assert len(more) == len(export), path


# --- one team -----------------------------------------------------------------------------------------------------


def test_the_detail_page_shows_the_submission_and_its_deadline(subs, client_for):
    submission = make_submission(subs.event, subs.team, title="Water map", tagline="Pipes on a map",
                                 description="We **map** leaks.", repository_url="https://example.org/code",
                                 technologies=["python"], track_id=subs.tracks[0].id)
    core.record_version(submission, subs.users["participant"], "saved", utcnow())
    db.session.commit()
    page = client_for(subs.users["organiser"]).get(f"{HACK}/submissions/{subs.team.id}")
    body = text(page)
    assert page.status_code == 200
    assert "Taza Suu" in body and "Water map" in body and "Pipes on a map" in body and "Draft" in body
    assert "<strong>map</strong>" in page.get_data(as_text=True)
    assert "(Asia/Bishkek)" in body and "Open" in body
    assert "Grant an extension" in body and 'for="until"' in page.get_data(as_text=True)
    assert "No extension or unlock was granted to this team." in body
    # A team that never saved.
    empty = text(client_for(subs.users["organiser"]).get(f"{HACK}/submissions/{subs.other_team.id}"))
    assert "This team has not saved anything yet." in empty and "Missing" in empty


def test_the_detail_page_runs_a_constant_number_of_queries(subs, client_for):
    event_id, team_id = subs.event.id, subs.team.id
    submission = make_submission(subs.event, subs.team, track_id=subs.tracks[0].id)
    submission_id, organiser_id, admin_id = submission.id, subs.users["organiser"].id, subs.users["admin"].id

    def add(n: int) -> None:
        for _ in range(n):
            exemption = DeadlineExemption(event_id=event_id, team_id=team_id, kind=ExemptionKind.extension,
                                          until=utcnow() + timedelta(days=2), reason="why", granted_by_id=admin_id,
                                          revoked_at=utcnow())
            db.session.add(exemption)
            db.session.flush()
            db.session.add(AuditEntry(actor_id=organiser_id, event_id=event_id, action="submission.exemption_revoked",
                                      target_type="DeadlineExemption", target_id=exemption.id))
            db.session.add(Attachment(submission_id=submission_id, kind=AttachmentKind.screenshot,
                                      storage_key=secrets.token_hex(16), display_name="a.png",
                                      content_type="image/png", size=1, sha256="0" * 64))
        db.session.commit()

    client = client_for(subs.users["organiser"])
    add(1)
    db.session.expunge_all()
    with counting_queries() as few:
        assert client.get(f"{HACK}/submissions/{team_id}").status_code == 200
    add(10)
    db.session.expunge_all()
    with counting_queries() as many:
        assert client.get(f"{HACK}/submissions/{team_id}").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_teams_not_accepted_and_other_events_are_not_found(subs, client_for, make_user, make_event):
    client = client_for(subs.users["organiser"])
    waiting = add_team(subs.event, "Waiting", make_user(), status=ApplicationStatus.waitlisted)
    elsewhere = add_team(make_event("elsewhere"), "Far", make_user())
    for team_id in (waiting.id, elsewhere.id, 999999, 2**31, 0):
        assert client.get(f"{HACK}/submissions/{team_id}").status_code == 404, team_id
        assert client.post(f"{HACK}/submissions/{team_id}/exemptions", data=extension_data()).status_code == 404
    assert count(DeadlineExemption) == 0


# --- extensions, unlocks, revoking --------------------------------------------------------------------------------


def test_extension_journey(subs, client_for, outbox):
    event, team = subs.event, subs.team
    subs.users["participant"].locale, subs.users["teammate"].locale = "ru", "ky"
    db.session.commit()
    closes = event.submissions_close_at
    until = closes + timedelta(hours=6)
    organiser = client_for(subs.users["organiser"])
    response = organiser.post(f"{HACK}/submissions/{team.id}/exemptions",
                              data=extension_data(until=local(until), reason="  Power cut in Naryn. <b>x</b>  "),
                              follow_redirects=True)
    assert "The extension is granted." in text(response)
    [exemption] = db.session.scalars(select(DeadlineExemption)).all()
    assert (exemption.kind, exemption.team_id, exemption.reason) == (ExemptionKind.extension, team.id,
                                                                    "Power cut in Naryn. <b>x</b>")
    assert exemption.until == until.replace(second=0, microsecond=0)
    assert exemption.granted_by_id == subs.users["organiser"].id
    [entry] = audit("submission.extension_granted")
    assert entry.reason == "Power cut in Naryn. <b>x</b>" and entry.target_id == exemption.id
    assert entry.actor_id == subs.users["organiser"].id and entry.after["team_id"] == team.id
    # Each member is told in their own language, with the time in the event's timezone and a link.
    mails = {m.to_address: m for m in outbox() if m.template == "deadline_exemption"}
    assert set(mails) == {subs.users["participant"].email, subs.users["teammate"].email}
    assert mails[subs.users["participant"].email].locale == "ru"
    assert mails[subs.users["teammate"].email].locale == "ky"
    body = mails[subs.users["participant"].email].body_text
    assert "Power cut in Naryn." in body and "(Asia/Bishkek)" in body and "/events/hack/submission" in body
    html_body = mails[subs.users["participant"].email].body_html
    assert "&lt;b&gt;x&lt;/b&gt;" in html_body and "<b>x</b>" not in html_body
    assert not any(m.to_address == subs.users["other_participant"].email for m in outbox())
    # The page lists it.
    page = text(organiser.get(f"{HACK}/submissions/{team.id}"))
    assert "Extension" in page and "Active" in page and "Power cut in Naryn." in page and "Organiser" in page

    # After the event's deadline the team may still save (the server checks inside the transaction); others not.
    after = closes + timedelta(hours=1)
    submission = core.open_for_writing(event, team, after)
    submission.title, submission.status = "Water map", SubmissionStatus.submitted
    submission.submitted_at = after
    core.record_version(submission, subs.users["participant"], "submitted", after)
    db.session.commit()
    with pytest.raises(core.DeadlinePassed):
        core.open_for_writing(event, subs.other_team, after)
    db.session.rollback()
    with pytest.raises(core.DeadlinePassed):
        core.open_for_writing(event, team, until + timedelta(minutes=1))
    db.session.rollback()
    listing = services.submission_rows(subs.users["organiser"], event, now=after)
    assert {row.team.name: row.state for row in listing.rows}["Taza Suu"] == SubmissionState.late


def test_a_double_submitted_grant_is_stored_once(subs, client_for, outbox):
    organiser = client_for(subs.users["organiser"])
    data = extension_data()
    assert organiser.post(f"{HACK}/submissions/{subs.team.id}/exemptions", data=data).status_code == 302
    assert organiser.post(f"{HACK}/submissions/{subs.team.id}/exemptions", data=data).status_code == 302
    assert count(DeadlineExemption) == 1 and len(audit("submission.extension_granted")) == 1
    assert len([m for m in outbox() if m.template == "deadline_exemption"]) == 2  # two members, once each


@pytest.mark.parametrize("data, message", [
    (extension_data(reason="   "), "This field is required."),
    (extension_data(reason="x" * 501), "at most 500 characters"),
    (extension_data(until=""), "Enter a date and time"),
    (extension_data(until="tomorrow"), "Enter a date and time"),
    (extension_data(until=local(utcnow() - timedelta(hours=1))), "Choose a time in the future."),
    (extension_data(until=local(utcnow() + timedelta(days=400))), "Choose a time within 60 days"),
    (extension_data(until=local(utcnow() + timedelta(hours=3))), "The team can already save until then"),
    (extension_data(kind="unlock"), "This team can still save: grant an extension instead."),
    (extension_data(kind="bogus"), "Choose an extension or an unlock."),
])
def test_bad_exemptions_are_refused_with_a_message(subs, client_for, data, message):
    response = client_for(subs.users["organiser"]).post(f"{HACK}/submissions/{subs.team.id}/exemptions", data=data)
    assert response.status_code == 200 and message in text(response), text(response)[-2000:]
    assert count(DeadlineExemption) == 0 and not audit("submission.extension_granted")
    assert data["reason"][:20] in response.get_data(as_text=True) or not data["reason"].strip()  # values kept


def test_unlock_journey_after_the_freeze(subs, client_for, outbox):
    event, team = subs.event, subs.team
    event.submissions_close_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    submission = make_submission(event, team, title="Water map", status=SubmissionStatus.submitted,
                                 submitted_at=utcnow() - timedelta(hours=2))
    with pytest.raises(core.DeadlinePassed):
        core.open_for_writing(event, team, utcnow())
    db.session.rollback()
    organiser = client_for(subs.users["organiser"])
    page = text(organiser.get(f"{HACK}/submissions/{team.id}"))
    assert "Frozen for judging" in page and "Unlock after the freeze" in page and "Grant an extension" not in page
    # An extension makes no sense once frozen: the message says what to do.
    response = organiser.post(f"{HACK}/submissions/{team.id}/exemptions", data=extension_data())
    assert "already frozen for judging: unlock it instead" in text(response)
    until = utcnow() + timedelta(hours=4)
    response = organiser.post(f"{HACK}/submissions/{team.id}/exemptions",
                              data=extension_data(kind="unlock", until=local(until), reason="Wrong video link"),
                              follow_redirects=True)
    assert "The team's submission is unlocked." in text(response)
    [entry] = audit("submission.unlock_granted")
    assert entry.reason == "Wrong video link"
    unlocked = core.open_for_writing(event, team, utcnow())
    assert unlocked.id == submission.id
    db.session.rollback()
    mail = next(m for m in outbox() if m.template == "deadline_exemption")
    assert "unlocked" in mail.subject and "Wrong video link" in mail.body_text
    assert "Unlock" in text(organiser.get(f"{HACK}/submissions/{team.id}"))


def test_revoking_an_exemption(subs, client_for):
    event, team = subs.event, subs.team
    event.submissions_close_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    exemption = exemption_for(event, team, kind=ExemptionKind.unlock, until=utcnow() + timedelta(hours=3),
                              granted_by=subs.users["organiser"])
    core.open_for_writing(event, team, utcnow())  # unlocked
    db.session.rollback()
    admin = client_for(subs.users["admin"])
    url = f"{HACK}/submissions/{team.id}/exemptions/{exemption.id}/revoke"
    response = admin.post(url, follow_redirects=True)
    assert "The exemption is revoked." in text(response)
    db.session.expire_all()
    assert db.session.get(DeadlineExemption, exemption.id).revoked_at is not None
    [entry] = audit("submission.exemption_revoked")
    assert entry.actor_id == subs.users["admin"].id and entry.target_id == exemption.id
    with pytest.raises(core.DeadlinePassed):
        core.open_for_writing(event, team, utcnow())
    db.session.rollback()
    page = text(admin.get(f"{HACK}/submissions/{team.id}"))
    assert "Revoked" in page and "by Admin" in page and "by Organiser" in page
    # Twice: a message, nothing changes.
    assert "already revoked" in text(admin.post(url, follow_redirects=True))
    assert len(audit("submission.exemption_revoked")) == 1
    # Another team's exemption through this team's address: 404.
    other = exemption_for(event, subs.other_team, until=utcnow() + timedelta(hours=3))
    assert admin.post(f"{HACK}/submissions/{team.id}/exemptions/{other.id}/revoke").status_code == 404
    assert admin.post(f"{HACK}/submissions/{team.id}/exemptions/99999999999/revoke").status_code == 404
    # One that ran out is shown as expired, without a button.
    expired = exemption_for(event, team, until=utcnow() - timedelta(minutes=5))
    html = admin.get(f"{HACK}/submissions/{team.id}").get_data(as_text=True)
    assert "Expired" in html and f"/exemptions/{expired.id}/revoke" not in html


def test_an_event_without_a_deadline_needs_no_exemption(subs):
    subs.event.submissions_close_at = None
    db.session.commit()
    with pytest.raises(Conflict, match="no submission deadline"):
        services.grant_exemption(subs.users["organiser"], subs.event, subs.team, "extension",
                                 utcnow() + timedelta(days=1), "why", now=utcnow())


# --- reminders ----------------------------------------------------------------------------------------------------


def test_reminders_mail_teams_without_a_submitted_project_and_are_throttled(subs, client_for, outbox, make_user):
    event = subs.event
    subs.users["participant"].locale, subs.users["teammate"].locale = "ru", "ky"
    db.session.commit()
    make_submission(event, subs.other_team, title="Clean air", status=SubmissionStatus.submitted,
                    submitted_at=utcnow())
    drafting = add_team(event, "Drafting", make_user(locale="en"))
    make_submission(event, drafting, title="Half done")
    organiser = client_for(subs.users["organiser"])
    response = organiser.post(f"{HACK}/submissions/remind", follow_redirects=True)
    assert "2 teams reminded (3 people)." in text(response)
    mails = [m for m in outbox() if m.template == "submission_reminder"]
    assert {m.to_address: m.locale for m in mails} == {
        subs.users["participant"].email: "ru", subs.users["teammate"].email: "ky", drafting.members[0].user.email: "en"}
    taza = next(m for m in mails if m.to_address == subs.users["participant"].email)
    assert "(Asia/Bishkek)" in taza.body_text and "/events/hack/submission" in taza.body_text
    assert "Taza Suu" in taza.body_text
    draft_mail = next(m for m in mails if m.to_address == drafting.members[0].user.email)
    assert "draft" in draft_mail.subject
    entries = audit(services.REMINDED)
    assert {e.target_id for e in entries} == {subs.team.id, drafting.id}
    assert all(e.actor_id == subs.users["organiser"].id and e.target_type == "Team" for e in entries)

    # Again at once: nobody is mailed twice.
    response = organiser.post(f"{HACK}/submissions/remind", follow_redirects=True)
    assert "2 teams were reminded less than 6 hours ago and were skipped." in text(response)
    assert len([m for m in outbox() if m.template == "submission_reminder"]) == 3
    # Six hours later they may be reminded again.
    later = services.remind_teams(subs.users["organiser"], event, now=utcnow() + timedelta(hours=6, minutes=1))
    assert (later.teams, later.people, later.skipped) == (2, 3, 0)


def test_no_reminder_after_the_deadline_or_when_everyone_submitted(subs, client_for, outbox):
    organiser = client_for(subs.users["organiser"])
    for team in (subs.team, subs.other_team):
        make_submission(subs.event, team, status=SubmissionStatus.submitted, submitted_at=utcnow())
    response = organiser.post(f"{HACK}/submissions/remind", follow_redirects=True)
    assert "No team needs a reminder" in text(response)
    db.session.execute(Submission.__table__.delete())
    subs.event.submissions_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "No team needs a reminder" in text(organiser.post(f"{HACK}/submissions/remind", follow_redirects=True))
    assert not [m for m in outbox() if m.template == "submission_reminder"]


# --- the CSV export and the API -----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_export(subs, client_for):
    formula = '=HYPERLINK("http://evil.test","click")'
    submission = make_submission(
        subs.event, subs.team, title=formula, tagline=XSS, status=SubmissionStatus.submitted,
        submitted_at=utcnow().replace(microsecond=0), track_id=subs.tracks[0].id,
        repository_url="https://example.org/code", technologies=["python", "@sum"], description="-1+1")
    add_file(submission, name="отчёт.png")
    response = client_for(subs.users["organiser"]).get(f"{HACK}/submissions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="submissions-hack-' in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == ["Team", "Members", "State", "Title", "Tagline", "Track", "Challenge", "Repository", "Demo",
                      "Video", "Technologies", "Submitted at (UTC)", "Last saved (UTC)", "Files"]
    by_team = {row[0]: row for row in rows}
    assert set(by_team) == {"Taza Suu", "Clean Air"}
    row = by_team["Taza Suu"]
    assert row[1] == "Participant; Teammate" and row[2] == "Submitted"
    assert row[3] == "'" + formula  # a spreadsheet shows it as text
    assert row[4] == XSS  # CSV is not HTML: verbatim
    assert row[5] == "Water" and row[7] == "https://example.org/code" and row[10] == "python, @sum"
    assert row[11] == submission.submitted_at.isoformat() and row[13] == "отчёт.png"
    assert by_team["Clean Air"][2] == "Missing" and by_team["Clean Air"][3] == ""


def test_the_api_lists_the_same_data(subs, client_for, app):
    submission = make_submission(subs.event, subs.team, title="Water map", status=SubmissionStatus.submitted,
                                 submitted_at=utcnow(), track_id=subs.tracks[0].id, technologies=["python"])
    attachment = add_file(submission, width=40, height=30)
    response = client_for(subs.users["organiser"]).get("/api/v1/events/hack/submissions")
    assert response.status_code == 200 and response.mimetype == "application/json"
    items = {item["team"]["name"]: item for item in response.get_json()["submissions"]}
    taza = items["Taza Suu"]
    assert taza["state"] == "submitted" and [m["name"] for m in taza["team"]["members"]] == ["Participant",
                                                                                             "Teammate"]
    data = taza["submission"]
    assert (data["title"], data["track"]["name"], data["technologies"]) == ("Water map", "Water", ["python"])
    assert data["submitted_at"] == submission.submitted_at.isoformat()
    [file] = data["attachments"]
    assert (file["id"], file["name"], file["kind"], file["size"], file["width"]) == (
        attachment.id, "map.png", "screenshot", 1234, 40)
    assert file["url"].startswith("http") and str(attachment.id) in file["url"]
    assert "storage_key" not in file and attachment.storage_key not in response.get_data(as_text=True)
    assert items["Clean Air"] == {"team": items["Clean Air"]["team"], "state": "missing", "extra_time_until": None,
                                  "submission": None}
    client = client_for(subs.users["organiser"])
    assert [i["team"]["name"] for i in client.get("/api/v1/events/hack/submissions?state=missing")
            .get_json()["submissions"]] == ["Clean Air"]
    bad = client.get("/api/v1/events/hack/submissions?state=" + "x" * 300)
    assert bad.status_code == 400 and "Unknown state" in bad.get_json()["error"]["message"]


def test_the_api_needs_an_organisers_token(subs, client):
    from hackathon.accounts.services import create_api_token

    url = "/api/v1/events/hack/submissions"
    _token, secret = create_api_token(subs.users["organiser"], "export")
    db.session.commit()
    assert client.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    _token, secret = create_api_token(subs.users["participant"], "mine")
    db.session.commit()
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.get_json()["error"]["status"] == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_api_is_documented(client):
    from hackathon.api.openapi import openapi_document

    document = openapi_document()
    operation = document["paths"]["/events/{slug}/submissions"]["get"]
    assert operation["operationId"] == "listSubmissions"
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}
    assert {"TeamSubmission", "SubmissionAttachment"} <= set(document["components"]["schemas"])
    assert "/events/{slug}/submissions" in client.get("/api/v1/openapi.json").get_json()["paths"]


# --- settings -----------------------------------------------------------------------------------------------------


def test_settings_are_saved_and_audited(subs, client_for):
    organiser = client_for(subs.users["organiser"])
    page = organiser.get(f"{HACK}/submissions/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Pitch deck (PDF)" in html and "Source code link" in html and 'for="grace_minutes"' in html
    assert "Publishing the results also opens the gallery." in text(page)
    response = organiser.post(f"{HACK}/submissions/settings", data=SETTINGS | {"gallery_open": "y"},
                              follow_redirects=True)
    assert "The submission settings are saved." in text(response)
    db.session.expire_all()
    settings = db.session.get(SubmissionSettings, subs.settings.id)
    assert settings.required_fields == ["tagline", "deck"]
    assert (settings.grace_minutes, settings.max_screenshots, settings.allow_archive) == (15, 3, True)
    opened = settings.gallery_opened_at
    assert opened is not None
    [entry] = audit("submission.settings_updated")
    assert entry.after["grace_minutes"] == 15 and entry.before["grace_minutes"] == 0
    # Saving again keeps the first opening time; unticking closes the gallery.
    organiser.post(f"{HACK}/submissions/settings", data=SETTINGS | {"gallery_open": "y", "grace_minutes": "20"})
    db.session.expire_all()
    assert db.session.get(SubmissionSettings, subs.settings.id).gallery_opened_at == opened
    organiser.post(f"{HACK}/submissions/settings", data=SETTINGS)
    db.session.expire_all()
    assert db.session.get(SubmissionSettings, subs.settings.id).gallery_opened_at is None
    # The grace period moves the team's deadline.
    deadline = core.deadline_for(subs.event, subs.team.id)
    assert deadline.grace_until == subs.event.submissions_close_at + timedelta(minutes=15)


@pytest.mark.parametrize("changes, message", [
    ({"grace_minutes": "1441"}, "Enter a number between 0 and 1440."),
    ({"grace_minutes": "-1"}, "Enter a number between 0 and 1440."),
    ({"grace_minutes": "abc"}, "Enter a whole number."),
    ({"grace_minutes": ""}, "This field is required."),
    ({"max_screenshots": "21"}, "Enter a number between 0 and 20."),
    ({"max_screenshots": "99999999999999"}, "This number is too large."),
    ({"required_fields": ["title"]}, "not a valid choice"),
    ({"required_fields": ["screenshot"], "max_screenshots": "0"}, "A screenshot cannot be required"),
    ({"required_fields": ["archive"], "allow_archive": ""}, "A ZIP archive cannot be required"),
])
def test_bad_settings_are_refused_with_a_message(subs, client_for, changes, message):
    data = {key: value for key, value in (SETTINGS | changes).items() if value != ""}
    response = client_for(subs.users["organiser"]).post(f"{HACK}/submissions/settings", data=data)
    assert response.status_code == 200 and message in text(response), text(response)[-1500:]
    db.session.expire_all()
    settings = db.session.get(SubmissionSettings, subs.settings.id)
    assert (settings.grace_minutes, settings.max_screenshots) == (0, 5)
    assert not audit("submission.settings_updated")


def test_settings_service_refuses_unknown_fields(subs):
    with pytest.raises(DomainError, match="Unknown field"):
        services.update_settings(subs.users["organiser"], subs.event, required_fields=["password"], grace_minutes=0,
                                 max_screenshots=1, allow_archive=True, gallery_open=False, now=utcnow())


def test_the_menu_links_organisers_to_submissions(subs, client_for):
    page = client_for(subs.users["organiser"]).get("/events/hack/").get_data(as_text=True)
    assert 'href="/events/hack/submissions"' in page
    page = client_for(subs.users["participant"]).get("/events/hack/").get_data(as_text=True)
    assert 'href="/events/hack/submissions"' not in page


def test_csrf_is_required(app, subs, client_for):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        organiser = client_for(subs.users["organiser"])
        assert organiser.post(f"{HACK}/submissions/remind").status_code == 400
        assert organiser.post(f"{HACK}/submissions/{subs.team.id}/exemptions",
                              data=extension_data()).status_code == 400
        assert organiser.post(f"{HACK}/submissions/settings", data=SETTINGS).status_code == 400
        assert count(DeadlineExemption) == 0 and count(OutboxMessage) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
