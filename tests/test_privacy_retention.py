"""Retention and consent: each event's retention period (shown with its consent text, set by organisers), the
daily purge of profile data past it (the inclusion funnel's counts kept as they were), the versions of an event's
data policy and who accepted which (asked again at sign-in and on the application), the organisers' counts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import Background, Gender, User
from hackathon.applications import services as applications
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.models import Application, ApplicationSettings
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import Role
from hackathon.events.phases import Phase
from hackathon.extensions import db
from hackathon.privacy import retention
from hackathon.privacy.models import ConsentRecord, ConsentVersion, PrivacySettings
from tests import factories as f
from tests.conftest import PASSWORD
from tests.test_privacy_export import client_for


def test_add_months_keeps_the_day_or_takes_the_months_last():
    moment = datetime(2025, 1, 31, 12, 0, tzinfo=timezone.utc)
    assert retention.add_months(moment, 1) == datetime(2025, 2, 28, 12, 0, tzinfo=timezone.utc)
    assert retention.add_months(moment, 13) == datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)
    assert retention.add_months(datetime(2024, 3, 15, tzinfo=timezone.utc), 12) == datetime(2025, 3, 15,
                                                                                            tzinfo=timezone.utc)
    assert retention.add_months(datetime(2024, 11, 30, tzinfo=timezone.utc), 3) == datetime(2025, 2, 28,
                                                                                           tzinfo=timezone.utc)


def consent_settings(event, actor, text="My data is deleted one year after the event."):
    return applications.update_settings(actor, event, {
        "allow_individuals": True, "allow_teams": True, "minimum_age": None,
        "consent_text": {language: text for language in event.languages}, "max_accepted_teams": None,
        "confirmation_days": 7})


def person(name, **profile):
    return f.create_user(name=name, year_of_birth=profile.pop("year", 1995), gender=profile.pop("gender", Gender.female),
                         region=profile.pop("region", "naryn"), country="KG", background=Background.non_it,
                         first_hackathon=True, **profile)


@pytest.fixture
def past(app):
    """An event whose results were 13 months ago (past the default 12), with a free-text and a choice question;
    three applicants (two in a team) and one who also applied to a current event."""
    w = type("Past", (), {})()
    now = utcnow()
    w.organiser = f.create_user(name="Organiser")
    w.event = f.create_event("old-hack", phase=Phase.results, now=now - timedelta(days=400), organiser=w.organiser)
    w.current = f.create_event("new-hack", phase=Phase.applications, organiser=w.organiser)
    w.text_q = f.create_question(w.event, "long_text", "Tell us about you")
    w.choice_q = f.create_question(w.event, "single_choice", "Track", options=["Water", "Air"])
    w.people = [person("Aida", year=1990), person("Bek", gender=Gender.male, region="osh_city"),
                person("Cholpon", year=2001), person("Dana", year=1985)]
    a, b, c, d = w.people
    for who in (a, d):
        f.create_application(w.event, who, status="confirmed",
                             answers={str(w.text_q.id): f"I am {who.name}", str(w.choice_q.id): "o1"},
                             now=now - timedelta(days=420))
    f.create_team(w.event, b, c, application="confirmed", now=now - timedelta(days=420))
    f.create_application(w.current, d, status="submitted")  # Dana is at a current event too
    return w


def test_the_purge_clears_profiles_and_free_text_and_keeps_the_funnel(app, past, runner):
    before = load_funnel(past.event)
    assert before.total("applied").people == 4
    result = runner.invoke(args=["privacy", "purge-due"])
    assert result.exit_code == 0, result.output
    assert "old-hack: profile data cleared for 3 people (1 kept for an event not purged yet)" in result.output
    assert "new-hack" not in result.output
    db.session.expire_all()
    aida, bek, cholpon, dana = (db.session.get(User, p.id) for p in past.people)
    for cleared in (aida, bek, cholpon):
        assert (cleared.year_of_birth, cleared.gender, cleared.region, cleared.country, cleared.background,
                cleared.first_hackathon) == (None,) * 6
        assert cleared.name and cleared.email  # the account itself stays
    assert dana.year_of_birth == 1985 and dana.gender == Gender.female  # the current event still needs it
    answers = {a.user_id: a.answers for a in db.session.scalars(select(Application).where(
        Application.event_id == past.event.id, Application.individual_user_id.is_not(None)))}
    assert answers[aida.id] == {str(past.choice_q.id): "o1"}  # the free text is gone, the choice stays
    # The inclusion funnel reads the counts kept at the purge: the same numbers as before.
    after = load_funnel(past.event)
    assert after == before
    settings = db.session.scalar(select(PrivacySettings).where(PrivacySettings.event_id == past.event.id))
    assert settings.purged_at is not None and settings.funnel_snapshot
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.purge"))
    assert entry.event_id == past.event.id and entry.after["people"] == 3
    # Idempotent: nothing is purged twice.
    assert "0 events purged" in runner.invoke(args=["privacy", "purge-due"]).output
    # The organiser's dashboard still shows the kept counts.
    page = client_for(app, past.organiser).get(f"/events/{past.event.slug}/inclusion")
    assert page.status_code == 200


def test_a_longer_retention_period_postpones_the_purge(app, past, runner):
    retention.save_retention(past.organiser, past.event, 24)
    assert "0 events purged" in runner.invoke(args=["privacy", "purge-due"]).output
    assert db.session.get(User, past.people[0].id).year_of_birth == 1990
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy_settings.update"))
    assert entry.before == {"retention_months": 12} and entry.after == {"retention_months": 24}


def test_an_event_without_dates_is_never_purged(app, runner):
    f.create_event("no-dates", **{moment: None for moment in f.MOMENTS})
    assert "0 events purged" in runner.invoke(args=["privacy", "purge-due"]).output


@pytest.fixture
def open_event(app):
    w = type("Open", (), {})()
    w.organiser = f.create_user(name="Organiser")
    w.event = f.create_event("hack", phase=Phase.applications, organiser=w.organiser)
    consent_settings(w.event, w.organiser)
    w.aida = f.create_user("aida@example.org", name="Aida")
    return w


def apply(event, user):
    application = f.create_application(event, user, status="draft")
    assert applications.submit_application(user, application, answers={}, consent=True)
    return application


def test_the_consent_text_shows_the_retention_period(app, open_event):
    client = client_for(app, open_event.aida)
    f.create_application(open_event.event, open_event.aida, status="draft")
    page = client.get("/events/hack/application").get_data(as_text=True)
    assert "My data is deleted one year after the event." in page
    assert "is kept for 12 months after the event&#39;s results" in page


def test_applying_records_the_version_accepted_and_a_change_asks_again_at_sign_in(app, open_event, login):
    apply(open_event.event, open_event.aida)
    [record] = db.session.scalars(select(ConsentRecord)).all()
    version = db.session.get(ConsentVersion, record.version_id)
    assert (record.user_id, version.number) == (open_event.aida.id, 1)
    assert version.texts["en"] == "My data is deleted one year after the event."
    # The organisers change the text: a second version.
    consent_settings(open_event.event, open_event.organiser, "My data is deleted two years after the event.")
    assert db.session.scalar(select(func.max(ConsentVersion.number))) == 2
    client = app.test_client()
    login(client, open_event.aida)
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/account/consent")
    page = client.get(response.location).get_data(as_text=True)
    assert "two years after the event" in page and "Version 2 (you accepted version 1)." in page
    # Not ticked: asked again.
    assert client.post("/account/consent", data={}).status_code == 200
    response = client.post("/account/consent?next=/events/hack/", data={"accept": "y"})
    assert response.status_code == 302 and response.location == "/events/hack/"
    assert [r.version_id for r in db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))] == [1, 2]
    # Next sign-in: nothing to ask.
    client.post("/logout", data={})
    client = app.test_client()
    login(client, open_event.aida)
    assert client.get("/").status_code == 200


def test_the_application_page_asks_again_too(app, open_event):
    apply(open_event.event, open_event.aida)
    retention.save_retention(open_event.organiser, open_event.event, 6)  # the period is part of the policy
    client = client_for(app, open_event.aida)
    assert client.get("/").status_code == 200  # no sign-in in between: other pages do not ask
    response = client.get("/events/hack/application")
    assert response.status_code == 302 and response.location.startswith("/account/consent?next=")
    client.post("/account/consent", data={"accept": "y"})
    assert client.get("/events/hack/application").status_code == 200


def test_people_who_applied_before_versions_were_kept_count_as_accepting_the_first(app, open_event):
    application = f.create_application(open_event.event, open_event.aida, status="submitted")
    db.session.execute(db.delete(ConsentVersion))
    db.session.commit()
    assert application.consent_at is not None
    consent_settings(open_event.event, open_event.organiser, "A new text.")
    numbers = db.session.execute(select(ConsentRecord.user_id, ConsentVersion.number).join(
        ConsentVersion, ConsentVersion.id == ConsentRecord.version_id)).all()
    assert numbers == [(open_event.aida.id, 1)]
    assert [o.version.number for o in retention.outstanding_consents(open_event.aida)] == [2]


def test_the_organisers_page_sets_the_period_and_counts_requests(app, open_event):
    apply(open_event.event, open_event.aida)
    client_for(app, open_event.aida).get("/account/data.json")
    client = client_for(app, open_event.organiser)
    page = client.get("/events/hack/privacy").get_data(as_text=True)
    assert "1 person downloaded their data." in page and "0 people deleted their account." in page
    assert "Aida" not in page
    response = client.post("/events/hack/privacy", data={"retention_months": "18"})
    assert response.status_code == 302
    assert retention.privacy_settings_for(open_event.event).retention_months == 18
    response = client.post("/events/hack/privacy", data={"retention_months": "0"})
    assert response.status_code == 200
    response = client.post("/events/hack/privacy", data={"retention_months": "abc"})
    assert response.status_code == 200
    assert retention.privacy_settings_for(open_event.event).retention_months == 18
    # Someone without a role there is refused; a signed-out visitor is asked to sign in.
    assert client_for(app, open_event.aida).get("/events/hack/privacy").status_code == 403
    assert app.test_client().get("/events/hack/privacy").status_code == 302


def test_an_erasure_is_counted_for_the_organisers(app, open_event):
    apply(open_event.event, open_event.aida)
    client_for(app, open_event.aida).post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    page = client_for(app, open_event.organiser).get("/events/hack/privacy").get_data(as_text=True)
    assert "1 person deleted their account." in page


def test_a_consent_text_saved_before_versions_were_kept_shows_as_version_one(app, open_event):
    db.session.execute(db.delete(ConsentVersion))
    db.session.commit()
    page = client_for(app, open_event.organiser).get("/events/hack/privacy").get_data(as_text=True)
    assert "The event asks no consent yet" not in page
    assert db.session.scalar(select(func.count()).select_from(ConsentVersion)) == 1


def test_the_inclusion_report_reads_the_same_after_the_purge(app, past, runner):
    """The report's CSV is the same file before and after; the dashboard says the counts were kept."""
    organiser = client_for(app, past.organiser)
    before = organiser.get(f"/events/{past.event.slug}/inclusion/report-en.csv")
    assert before.status_code == 200
    dashboard = organiser.get(f"/events/{past.event.slug}/inclusion").get_data(as_text=True)
    assert "the counts kept just before" not in dashboard
    runner.invoke(args=["privacy", "purge-due"])
    after = organiser.get(f"/events/{past.event.slug}/inclusion/report-en.csv")
    assert after.get_data() == before.get_data()
    dashboard = organiser.get(f"/events/{past.event.slug}/inclusion").get_data(as_text=True)
    assert "at the end of its retention period: these are the counts kept just before." in dashboard
    api = organiser.get(f"/api/v1/events/{past.event.slug}/stats")
    assert api.status_code == 200
