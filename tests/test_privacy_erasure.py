"""A person deletes their account: password confirmed, rows anonymised in place (teams, sheets, results, the log
hold together), files removed unless their team's project shows them, certificates withdrawn; the only organiser
or the only site admin is told what to hand over; wrong password, double submit, a judging round in progress."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.applications.models import Application
from hackathon.audit import AuditEntry, record_audit
from hackathon.events.models import EventRole, Role
from hackathon.events.phases import Phase
from hackathon.extensions import db
from hackathon.judging.models import ScoreSheet
from hackathon.mail import OutboxMessage, OutboxStatus
from hackathon.privacy import services
from hackathon.privacy.models import DataRequest, ErasedAccount
from hackathon.results.models import Certificate
from hackathon.submissions.models import Attachment
from hackathon.teams.models import TeamMember
from tests import factories as f
from tests.conftest import PASSWORD
from tests.test_privacy_export import activity, client_for, files_dir, people  # noqa: F401  (fixtures)


def erase(client, password=PASSWORD, **extra):
    return client.post("/account/delete", data={"password": password, "understood": "y", **extra})


def fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_a_participant_erases_their_account_and_the_event_holds_together(app, people, files_dir):
    person = people.person
    person_id = person.id
    submission = people.activity.submission
    live = db.session.scalars(select(Attachment).where(Attachment.uploaded_by_id == person_id)).all()
    # A file they removed from the project earlier: nobody needs it any more.
    gone = f.attach_file(submission, "screenshot", name="old.png", by=person)
    from hackathon.database import utcnow
    from hackathon.submissions.storage import get_storage

    gone.removed_at = utcnow()
    gone_key = gone.storage_key
    db.session.add(OutboxMessage(to_address=person.email, template="x", locale="en", subject="Hello Aida",
                                 body_text="Dear Aida", body_html="<p>Dear Aida</p>"))
    db.session.commit()
    client = client_for(app, person)
    assert "Delete your account" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/delete")
    assert page.status_code == 200 and "cannot be undone" in page.get_data(as_text=True)

    response = erase(client)
    assert response.status_code == 302 and response.location == "/"

    user = fresh(User, person_id)
    assert user.name == f"Deleted participant {person_id}"
    assert user.email.endswith("@erased.invalid") and "aida" not in user.email
    assert user.year_of_birth is None and user.region is None and user.country is None and user.skills == []
    assert not user.is_active_account and user.email_confirmed_at is None
    from hackathon.accounts.services import verify_password

    assert not verify_password(user, PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == person_id, UserSession.ended_at.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == person_id)) == 0
    # Signed out: the profile asks to sign in again.
    assert client.get("/account").status_code == 302
    # The team, its project and the jurors' sheets stay; the team still counts them.
    assert db.session.scalar(select(TeamMember).where(TeamMember.user_id == person_id)) is not None
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 1
    # Their answers are gone; the application itself stays (the funnel counts it).
    application = fresh(Application, people.activity.application.id)
    assert application.answers == {} and application.status.value == "confirmed"
    # Files: those the project shows stay without the uploader; the removed one is deleted, bytes too.
    for row in live:
        kept = fresh(Attachment, row.id)
        assert kept is not None and kept.uploaded_by_id is None and get_storage().exists(kept.storage_key)
    assert fresh(Attachment, gone.id) is None and not get_storage().exists(gone_key)
    # The certificate's check says withdrawn.
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == person_id))
    assert certificate.kind == "withdrawn"
    # Mail not sent yet is dropped.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.body_text.contains("Aida"))) == 0
    # The log: the entry about them keeps its shape without their address; the erasure is logged without data.
    about = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "team.remove_member"))
    assert about.target_id == person_id and "aida@example.org" not in json.dumps(about.after)
    erased = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.erase"))
    assert erased.actor_id == person_id and erased.after == {"files_removed": 1, "files_kept": len(live)}
    assert "aida" not in json.dumps(erased.after).lower()
    # Counted once for the event, for the organisers; marked erased.
    assert services.data_request_counts(people.event) == {"export": 0, "erasure": 1}
    assert db.session.get(ErasedAccount, person_id) is not None
    # Nobody can sign in with the old address any more.
    response = app.test_client().post("/login", data={"email": "aida@example.org", "password": PASSWORD})
    assert response.status_code == 200


def test_the_certificate_check_says_withdrawn(app, people):
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == people.person.id))
    code = certificate.code
    f.result_settings(people.event, people.organiser)
    from hackathon.results.models import ResultSettings
    from hackathon.database import utcnow

    settings = db.session.scalar(select(ResultSettings).where(ResultSettings.event_id == people.event.id))
    settings.published_at, settings.snapshot = utcnow(), {"ranking": [], "awards": []}
    db.session.commit()
    assert erase(client_for(app, people.person)).status_code == 302
    response = app.test_client().get(f"/certificates/{code}")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "withdrawn" in page and "Aida" not in page and "Deleted participant" not in page


def test_a_wrong_password_erases_nothing(app, people):
    client = client_for(app, people.person)
    response = erase(client, password="not my password")
    assert response.status_code == 200 and "The password is not correct." in response.get_data(as_text=True)
    assert fresh(User, people.person.id).email == "aida@example.org"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "account.erase")) == 0


def test_the_box_must_be_ticked(app, people):
    response = client_for(app, people.person).post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 200
    assert fresh(User, people.person.id).email == "aida@example.org"


def test_a_second_submit_finds_the_person_signed_out(app, people):
    client = client_for(app, people.person)
    assert erase(client).status_code == 302
    again = erase(client)
    assert again.status_code == 302 and again.location.startswith("/login?next=")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "account.erase")) == 1
    with pytest.raises(services.ErasureRefused):
        services.erase_account(fresh(User, people.person.id), PASSWORD)


def test_the_only_organiser_is_told_to_hand_over_first(app, people):
    client = client_for(app, people.organiser)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are the only organiser of" in page and people.event.title in page
    assert 'name="password"' not in page  # no form to fill in vain
    response = erase(client, follow_redirects=True)
    assert "You are the only organiser of" in response.get_data(as_text=True)
    assert fresh(User, people.organiser.id).name == "Organiser Olga"
    # With a second organiser, they may go; the event keeps its other organiser.
    second = f.create_user(name="Second Organiser")
    f.grant(second, people.event, Role.organiser)
    assert erase(client).status_code == 302
    assert fresh(User, people.organiser.id).name.startswith("Deleted participant")
    assert db.session.scalar(select(func.count()).select_from(EventRole).where(
        EventRole.event_id == people.event.id, EventRole.role == Role.organiser)) == 2


def test_the_only_site_admin_is_refused(app, people):
    admin = f.create_user(name="Admin Asel", admin=True)
    client = client_for(app, admin)
    assert "You are the only site admin" in client.get("/account/delete").get_data(as_text=True)
    erase(client)
    assert fresh(User, admin.id).name == "Admin Asel"
    other = f.create_user(name="Other Admin", admin=True)
    assert other.is_admin
    assert erase(client).status_code == 302
    assert fresh(User, admin.id).is_admin is False


def test_a_juror_erases_during_a_judging_round_and_the_sheets_stay(app, people):
    """Allowed mid-round: the sheet, its scores and its comment stay, under the new name."""
    juror_id = people.juror.id
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.juror_id == juror_id))
    scores, comment = dict(sheet.scores), sheet.comment_to_team
    assert erase(client_for(app, people.juror)).status_code == 302
    sheet = fresh(ScoreSheet, sheet.id)
    assert sheet.juror_id == juror_id and sheet.scores == scores and sheet.comment_to_team == comment
    assert fresh(User, juror_id).name == f"Deleted participant {juror_id}"


def test_the_organisers_log_shows_the_team_under_the_new_name(app, people):
    """The audit log page of the event reads the name from the user row: the erased person is never named."""
    record_audit(actor=people.person, action="team.update", event_id=people.event.id, target=people.activity.team,
                 after={"name": "Taza Suu 2"})
    db.session.commit()
    assert erase(client_for(app, people.person)).status_code == 302
    page = client_for(app, people.organiser).get(f"/events/{people.event.slug}/audit")
    if page.status_code == 200:
        text = page.get_data(as_text=True)
        assert "Aida" not in text


def test_erasure_is_signed_in_only_and_takes_no_user_id(app, people):
    response = app.test_client().get("/account/delete")
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    response = app.test_client().post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("privacy.")
             and rule.rule.startswith("/account")]
    assert rules and all(not rule.arguments for rule in rules)
    # Another person's id in the form changes nothing: the view erases the signed-in person only.
    client = client_for(app, people.teammate)
    erase(client, user_id=str(people.person.id))
    assert fresh(User, people.person.id).email == "aida@example.org"
    assert fresh(User, people.teammate.id).name.startswith("Deleted participant")


def test_a_waiting_application_is_withdrawn_and_invitations_to_them_revoked(app, people):
    """Someone still waiting for a place leaves the board and the queue; a place taken stays (the team holds)."""
    event = f.create_event("next-hack", phase=Phase.applications, organiser=people.organiser)
    waiting = f.create_application(event, people.person, status="submitted", looking_for_team=True)
    team = f.create_team(event, people.teammate, name="Bek's team")
    invitation, _link = f.create_team_invitation(team, people.person.email, user=people.person, by=people.teammate)
    assert erase(client_for(app, people.person)).status_code == 302
    waiting = fresh(Application, waiting.id)
    assert waiting.status.value == "withdrawn" and not waiting.looking_for_team
    assert fresh(Application, people.activity.application.id).status.value == "confirmed"
    from hackathon.teams.models import TeamInvitation

    invitation = fresh(TeamInvitation, invitation.id)
    assert invitation.status.value == "revoked" and invitation.email.endswith("@erased.invalid")
