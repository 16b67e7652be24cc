"""Applying, journeys through the test client: the organisers' application form (settings, questions), applying
alone, drafts and submitting, team applications, withdrawing, the applicant's dashboard; bad input; who may do what."""
from __future__ import annotations

import html
import secrets
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import User
from hackathon.applications import services
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationSettings,
                                           ApplicationStatus, QuestionKind)
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.errors import Conflict, NotAllowed, OutOfPhase
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.mail import OutboxMessage
from hackathon.teams.models import (Team, TeamInvitation, TeamInvitationKind, TeamInvitationStatus, TeamMember,
                                    team_name_key)
from tests.conftest import session_user_id

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RTL = "مرحبا بالعالم"
UNICODE = f"Айгүл Токтогулова 👩🏽‍💻 {RTL} שלום"


def text(response) -> str:
    """The page as a reader sees it: entities decoded, CLDR's narrow no-break spaces as spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")


def sign_in(client, user: User) -> None:
    """Put the user in the session as /login does (the sign-in page itself is tested in test_accounts)."""
    with client.session_transaction() as session:
        session["_user_id"] = session_user_id(user)
        session["_fresh"] = True


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def audit_actions(event: Event) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == event.id)
                                   .order_by(AuditEntry.id)))


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def make_question(app):
    def make(event: Event, kind: str = "short_text", label=None, *, required: bool = False, options=None,
             min_value=None, max_value=None, help_text=None, archived: bool = False) -> ApplicationQuestion:
        position = db.session.scalar(select(func.count()).select_from(ApplicationQuestion)
                                     .where(ApplicationQuestion.event_id == event.id))
        question = ApplicationQuestion(
            event_id=event.id, position=position, kind=QuestionKind(kind), required=required,
            label=label or {"en": f"Question {position + 1}"}, help_text=help_text or {},
            options=[{"value": value, "label": {"en": text_}} for value, text_ in (options or [])],
            min_value=min_value, max_value=max_value, is_archived=archived)
        db.session.add(question)
        db.session.commit()
        return question

    return make


@pytest.fixture
def make_team(app):
    """A team as engineer B's service creates it: the team, its members (captain first) and its draft application."""

    def make(event: Event, captain: User, *members: User, name: str = "Team Tulpar") -> Team:
        team = Team(event_id=event.id, name=name, name_key=team_name_key(name), captain_id=captain.id,
                    join_code=secrets.token_hex(6), member_count=1 + len(members))
        db.session.add(team)
        db.session.flush()
        for index, user in enumerate([captain, *members]):
            db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=user.id,
                                      joined_at=utcnow() + timedelta(seconds=index)))
        db.session.add(Application(event_id=event.id, kind=ApplicationKind.team, user_id=captain.id, team_id=team.id,
                                   status=ApplicationStatus.draft, answers={}))
        db.session.commit()
        return team

    return make


def set_settings(event: Event, **values) -> ApplicationSettings:
    settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event.id))
    if settings is None:
        settings = ApplicationSettings(event_id=event.id)
        db.session.add(settings)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.commit()
    return settings


def application_for(user: User, event: Event) -> Application | None:
    db.session.expire_all()
    return services.application_of(user, event)


def team_application(team: Team) -> Application:
    db.session.expire_all()
    return db.session.scalar(select(Application).where(Application.team_id == team.id))


def closed_event(make_event, **values):
    now = utcnow()
    return make_event(applications_open_at=now - timedelta(days=10), applications_close_at=now - timedelta(hours=1),
                      hacking_starts_at=now + timedelta(days=5), submissions_close_at=now + timedelta(days=7),
                      pitching_starts_at=now + timedelta(days=8), results_at=now + timedelta(days=9), **values)


@pytest.fixture
def organiser_of(make_user, grant):
    def make(event: Event, **kwargs) -> User:
        user = make_user(**kwargs)
        grant(user, event, Role.organiser)
        return user

    return make


# The application form: settings ---------------------------------------------------------------------------------

def settings_data(**overrides) -> dict:
    data = {"allow_individuals": "y", "allow_teams": "y", "minimum_age": "18", "max_accepted_teams": "34",
            "confirmation_days": "5", "consent_en": "We keep your data until the end of 2026.",
            "consent_ru": "Мы храним ваши данные до конца 2026 года.", "consent_ky": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_organiser_sets_who_may_apply_consent_per_language_and_capacity(client, make_event, organiser_of):
    event = make_event()
    organiser = organiser_of(event)
    sign_in(client, organiser)
    page = client.get(f"/events/{event.slug}/form")
    assert page.status_code == 200
    for language in ("English", "Русский", "Кыргызча"):
        assert f"Consent text ({language})" in text(page)

    response = client.post(f"/events/{event.slug}/form", data=settings_data())
    assert response.status_code == 302
    settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event.id))
    assert (settings.allow_individuals, settings.allow_teams, settings.minimum_age, settings.max_accepted_teams,
            settings.confirmation_days) == (True, True, 18, 34, 5)
    assert settings.consent_text == {"en": "We keep your data until the end of 2026.",
                                     "ru": "Мы храним ваши данные до конца 2026 года."}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application_settings.update"))
    assert entry.actor_id == organiser.id and entry.after["minimum_age"] == 18

    # The page shows what is saved; saving nothing new writes no audit entry.
    assert "Мы храним ваши данные" in text(client.get(f"/events/{event.slug}/form"))
    client.post(f"/events/{event.slug}/form", data=settings_data())
    assert audit_actions(event) == ["application_settings.update"]

    client.post(f"/events/{event.slug}/form", data=settings_data(minimum_age="", max_accepted_teams=""))
    settings = fresh(ApplicationSettings, settings.id)
    assert settings.minimum_age is None and settings.max_accepted_teams is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"allow_individuals": None, "allow_teams": None}, "Allow individuals, teams or both"),
    ({"minimum_age": "-1"}, "Enter a number between 0 and 120."),
    ({"confirmation_days": "0"}, "Enter a number between 1 and 90."),
    ({"confirmation_days": ""}, "This field is required."),
    ({"max_accepted_teams": "many"}, "Enter a whole number."),
    ({"consent_en": "x" * 10001}, "Use at most 10000 characters."),
])
def test_bad_settings_are_refused_with_a_message(client, make_event, organiser_of, overrides, message):
    event = make_event()
    sign_in(client, organiser_of(event))
    response = client.post(f"/events/{event.slug}/form", data=settings_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert count(ApplicationSettings) == 0


# The application form: questions --------------------------------------------------------------------------------

def question_data(**overrides) -> dict:
    data = {"kind": "short_text", "label_en": "What do you want to build?", "label_ru": "Что вы хотите сделать?",
            "label_ky": "", "help_en": "", "help_ru": "", "help_ky": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_organiser_adds_questions_of_every_kind_translated(client, make_event, organiser_of):
    event = make_event()
    sign_in(client, organiser_of(event))
    assert client.get(f"/events/{event.slug}/form/questions/new").status_code == 200
    for kind in ("short_text", "long_text", "yes_no"):
        assert client.post(f"/events/{event.slug}/form/questions/new",
                           data=question_data(kind=kind, label_en=f"A {kind}")).status_code == 302
    assert client.post(f"/events/{event.slug}/form/questions/new", data=question_data(
        kind="number", label_en="Years of experience", min_value="0", max_value="60", required="y")).status_code == 302
    response = client.post(f"/events/{event.slug}/form/questions/new", data=question_data(
        kind="single_choice", label_en="Background", option_0_label_en="IT", option_0_label_ru="ИТ",
        option_1_label_en="Non-IT", option_1_label_ky="ИТ эмес", option_2_label_en=""))
    assert response.status_code == 302
    assert client.post(f"/events/{event.slug}/form/questions/new", data=question_data(
        kind="multiple_choice", label_en="Languages you speak", option_0_label_en="Kyrgyz",
        option_1_label_en="Russian")).status_code == 302

    questions = services.active_questions(event)
    assert [q.kind.value for q in questions] == ["short_text", "long_text", "yes_no", "number", "single_choice",
                                                 "multiple_choice"]
    assert [q.position for q in questions] == [0, 1, 2, 3, 4, 5]
    number = questions[3]
    assert (number.required, number.min_value, number.max_value) == (True, 0, 60)
    choice = questions[4]
    assert choice.label == {"en": "What do you want to build?", "ru": "Что вы хотите сделать?"} | {"en": "Background"}
    assert [option["label"] for option in choice.options] == [{"en": "IT", "ru": "ИТ"},
                                                              {"en": "Non-IT", "ky": "ИТ эмес"}]
    assert len({option["value"] for option in choice.options}) == 2
    # Numbers bounds only for number questions; options only for choices.
    assert questions[0].options == [] and questions[0].min_value is None
    assert audit_actions(event) == ["application_question.create"] * 6
    page = text(client.get(f"/events/{event.slug}/form"))
    assert "Years of experience" in page and "Languages you speak" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"label_en": "", "label_ru": ""}, "Write the question in at least one language."),
    ({"kind": "single_choice"}, "A choice question needs at least one option."),
    ({"kind": "number", "min_value": "10", "max_value": "1"}, "The smallest allowed number cannot be larger"),
    ({"kind": "essay"}, "Choose one of the options given."),
    ({"label_en": "x" * 501}, "Use at most 500 characters."),
])
def test_bad_questions_are_refused_with_a_message(client, make_event, organiser_of, overrides, message):
    event = make_event()
    sign_in(client, organiser_of(event))
    response = client.post(f"/events/{event.slug}/form/questions/new", data=question_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert count(ApplicationQuestion) == 0


def test_editing_options_keeps_stored_answers_meaningful(client, make_event, organiser_of, make_user,
                                                         make_question):
    event = make_event()
    sign_in(client, organiser_of(event))
    question = make_question(event, "single_choice", {"en": "Region"},
                             options=[("o1", "Bishkek"), ("o2", "Osh"), ("o3", "Naryn")])
    applicant = make_user()
    db.session.add(Application(event_id=event.id, kind=ApplicationKind.individual, user_id=applicant.id,
                               individual_user_id=applicant.id, answers={str(question.id): "o2"}))
    db.session.commit()
    url = f"/events/{event.slug}/form/questions/{question.id}"
    page = text(client.get(url))
    assert "Osh" in page and "This question already has answers" in page

    base = question_data(kind="single_choice", label_en="Region", label_ru="Регион",
                         option_0_value="o1", option_0_label_en="Bishkek city",
                         option_1_value="o2", option_1_label_en="Osh city", option_1_label_ru="Ош",
                         option_2_value="o3", option_2_label_en="Naryn", option_3_label_en="Talas")
    # Rewording, translating and adding options keeps the existing values: the stored "o2" still means Osh.
    assert client.post(url, data=base).status_code == 302
    question = fresh(ApplicationQuestion, question.id)
    assert [option["value"] for option in question.options][:3] == ["o1", "o2", "o3"]
    assert question.options[1]["label"] == {"en": "Osh city", "ru": "Ош"}
    assert question.options[3]["label"] == {"en": "Talas"} and question.options[3]["value"] not in {"o1", "o2", "o3"}
    talas = question.options[3]["value"]

    # Removing an option nobody chose is fine.
    assert client.post(url, data=base | {"option_2_remove": "y", "option_3_value": talas}).status_code == 302
    assert [option["value"] for option in fresh(ApplicationQuestion, question.id).options] == ["o1", "o2", talas]

    # Removing the chosen one is refused with a message, by the box or by leaving it out of the form.
    refused = client.post(url, data=base | {"option_1_remove": "y", "option_2_value": talas, "option_3_label_en": ""})
    assert refused.status_code == 200
    assert "The option “Osh city” is chosen in 1 application, so it cannot be removed." in text(refused)
    left_out = {key: value for key, value in base.items() if not key.startswith("option_1_")}
    assert "cannot be removed" in text(client.post(url, data=left_out))
    # A forged option value is refused, not stored.
    forged = client.post(url, data=base | {"option_3_value": "evil"})
    assert "changed meanwhile" in text(forged)
    # The kind of an answered question cannot change.
    kind_change = client.post(url, data=question_data(kind="short_text", label_en="Region"))
    assert "its kind cannot change" in text(kind_change)

    question = fresh(ApplicationQuestion, question.id)
    assert [option["value"] for option in question.options] == ["o1", "o2", talas]
    assert question.kind == QuestionKind.single_choice
    assert audit_actions(event) == ["application_question.update", "application_question.update"]


def test_questions_move_up_and_down(client, make_event, organiser_of, make_question):
    event = make_event()
    sign_in(client, organiser_of(event))
    first, second, third = (make_question(event, label={"en": name}) for name in ("First", "Second", "Third"))
    response = client.post(f"/events/{event.slug}/form/questions/{third.id}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert [q.id for q in services.active_questions(event)] == [first.id, third.id, second.id]
    client.post(f"/events/{event.slug}/form/questions/{first.id}/move", data={"direction": "down"})
    assert [q.id for q in services.active_questions(event)] == [third.id, first.id, second.id]
    # Already first: nothing moves, nothing is recorded; a bad direction changes nothing either.
    client.post(f"/events/{event.slug}/form/questions/{third.id}/move", data={"direction": "up"})
    client.post(f"/events/{event.slug}/form/questions/{second.id}/move", data={"direction": "sideways"})
    assert [q.id for q in services.active_questions(event)] == [third.id, first.id, second.id]
    assert audit_actions(event) == ["application_question.move", "application_question.move"]
    page = client.get(f"/events/{event.slug}/form").get_data(as_text=True)
    assert page.index("Third") < page.index("First") < page.index("Second")


def test_answered_questions_are_archived_not_deleted(client, make_event, organiser_of, make_user, make_question):
    event = make_event()
    sign_in(client, organiser_of(event))
    unused = make_question(event, label={"en": "Unused"})
    answered = make_question(event, label={"en": "Your idea"})
    applicant = make_user()
    db.session.add(Application(event_id=event.id, kind=ApplicationKind.individual, user_id=applicant.id,
                               individual_user_id=applicant.id, answers={str(answered.id): "A bus tracker"}))
    db.session.commit()

    page = text(client.get(f"/events/{event.slug}/form"))
    assert "Archive" in page and "Delete" in page
    response = client.post(f"/events/{event.slug}/form/questions/{unused.id}/delete", follow_redirects=True)
    assert "The question is deleted." in text(response)
    assert fresh(ApplicationQuestion, unused.id) is None
    response = client.post(f"/events/{event.slug}/form/questions/{answered.id}/delete", follow_redirects=True)
    assert "it is archived" in text(response)
    question = fresh(ApplicationQuestion, answered.id)
    assert question.is_archived
    assert audit_actions(event) == ["application_question.delete", "application_question.archive"]

    # No longer asked (nor editable), its answer kept and shown to the applicant as no longer asked.
    assert client.get(f"/events/{event.slug}/form/questions/{answered.id}").status_code == 404
    assert client.post(f"/events/{event.slug}/form/questions/{answered.id}/delete").status_code == 404
    sign_in(client, applicant)
    edit = text(client.get(f"/events/{event.slug}/application"))
    assert "Your idea" not in edit
    client.post(f"/events/{event.slug}/application", data={"save": "y"})
    assert application_for(applicant, event).answers == {str(answered.id): "A bus tracker"}
    dashboard = text(client.get(f"/events/{event.slug}/me"))
    assert "A bus tracker" in dashboard and "No longer asked" in dashboard


def test_another_events_questions_are_not_found(client, make_event, organiser_of, make_question):
    event, other = make_event(), make_event()
    sign_in(client, organiser_of(event))
    foreign = make_question(other, label={"en": "Theirs"})
    base = f"/events/{event.slug}/form/questions/{foreign.id}"
    assert client.get(base).status_code == 404
    assert client.post(base, data=question_data()).status_code == 404
    assert client.post(f"{base}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"{base}/delete").status_code == 404
    assert fresh(ApplicationQuestion, foreign.id).label == {"en": "Theirs"}
    assert count(AuditEntry) == 0


def test_settings_page_runs_a_constant_number_of_queries(client, make_event, organiser_of, make_question,
                                                         make_user, count_queries):
    event = make_event()
    organiser = organiser_of(event)
    sign_in(client, organiser)

    def add(rows):
        for index in range(rows):
            question = make_question(event, "single_choice", options=[("a", "A"), ("b", "B")],
                                     archived=index % 5 == 4)
            user = make_user()
            db.session.add(Application(event_id=event.id, kind=ApplicationKind.individual, user_id=user.id,
                                       individual_user_id=user.id, answers={str(question.id): "a"}))
        db.session.commit()

    def measure() -> int:
        with count_queries() as statements:
            response = client.get(f"/events/{event.slug}/form")
        assert response.status_code == 200
        return len(statements)

    add(3)
    few = measure()
    add(27)
    many = measure()
    assert text(client.get(f"/events/{event.slug}/form")).count("Has answers") == 25
    assert few == many, (few, many)


# Applying alone -------------------------------------------------------------------------------------------------

def test_applying_alone_starts_one_draft_even_when_posted_twice(client, make_event, make_user):
    event = make_event()
    person = make_user(name="Nurlan")
    sign_in(client, person)
    page = text(client.get(f"/events/{event.slug}/apply"))
    assert "Apply alone" in page and "Apply as a team" in page

    response = client.post(f"/events/{event.slug}/apply", data={"looking_for_team": "y"})
    assert response.status_code == 302 and response.location == f"/events/{event.slug}/application"
    again = client.post(f"/events/{event.slug}/apply", data={}, follow_redirects=True)
    assert "You already have an application for this event" in text(again)
    applications = db.session.scalars(select(Application)).all()
    assert len(applications) == 1
    application = applications[0]
    assert (application.kind, application.status, application.user_id, application.individual_user_id,
            application.team_id, application.looking_for_team) == (
        ApplicationKind.individual, ApplicationStatus.draft, person.id, person.id, None, True)
    assert "You already have an application" in text(client.get(f"/events/{event.slug}/apply"))


def test_a_double_post_racing_the_unique_constraint_gives_one_application(app, make_event, make_user):
    event = make_event()
    person = make_user()
    first, created = services.apply_individually(person, event)
    # The second request read "no application" before the first committed: its insert hits the unique constraint,
    # and it answers with the application the first one made.
    original = db.session.scalar
    missed = []

    def scalar_missing_once(statement, *args, **kwargs):
        if not missed and "individual_user_id" in str(statement):
            missed.append(statement)
            return None
        return original(statement, *args, **kwargs)

    db.session.scalar = scalar_missing_once
    try:
        second, created_again = services.apply_individually(person, event)
    finally:
        del db.session.scalar
    assert missed and created and not created_again and second.id == first.id
    assert count(Application) == 1


@pytest.mark.parametrize("when", ["closed", "not yet open"])
def test_applying_outside_the_window_is_refused(client, make_event, make_user, when):
    now = utcnow()
    if when == "closed":
        event = closed_event(make_event)
        expected = "Applications closed on"
    else:
        event = make_event(applications_open_at=now + timedelta(days=2), applications_close_at=now + timedelta(days=9))
        expected = "Applications open on"
    sign_in(client, make_user())
    response = client.post(f"/events/{event.slug}/apply", data={})
    assert response.status_code == 200
    assert expected in text(response)
    assert count(Application) == 0


def test_applying_alone_is_refused_when_the_event_takes_teams_only(client, make_event, make_user):
    event = make_event()
    set_settings(event, allow_individuals=False, allow_teams=True)
    sign_in(client, make_user())
    assert "This event takes applications from teams only" in text(client.get(f"/events/{event.slug}/apply"))
    response = client.post(f"/events/{event.slug}/apply", data={})
    assert "This event takes applications from teams only" in text(response)
    assert count(Application) == 0


def test_team_members_are_pointed_to_their_teams_application(client, make_event, make_user, make_team):
    event = make_event()
    captain, member = make_user(), make_user()
    make_team(event, captain, member, name="Кыргыз Коддорлору")
    sign_in(client, member)
    page = text(client.get(f"/events/{event.slug}/apply"))
    assert "You are in the team “Кыргыз Коддорлору”" in page
    assert f'href="/events/{event.slug}/application"' in client.get(f"/events/{event.slug}/apply").get_data(True)
    response = client.post(f"/events/{event.slug}/apply", data={})
    assert "You are in the team “Кыргыз Коддорлору”: its application covers you" in text(response)
    assert count(Application, Application.kind == ApplicationKind.individual) == 0


def test_withdrawn_applicant_may_apply_again_with_their_answers(client, make_event, make_user, make_question):
    event = make_event()
    question = make_question(event)
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    client.post(f"/events/{event.slug}/application", data={"submit": "y", f"question_{question.id}": "Kept"})
    assert application_for(person, event).submitted_at is not None
    client.post(f"/events/{event.slug}/application/withdraw")
    assert application_for(person, event).status == ApplicationStatus.withdrawn
    assert "Your earlier application is opened again" in text(client.get(f"/events/{event.slug}/apply"))
    client.post(f"/events/{event.slug}/apply", data={})
    application = application_for(person, event)
    assert application.status == ApplicationStatus.draft and application.answers == {str(question.id): "Kept"}
    assert application.submitted_at is None
    assert count(Application) == 1


def test_edit_without_an_application_sends_to_apply(client, make_event, make_user):
    event = make_event()
    sign_in(client, make_user())
    response = client.get(f"/events/{event.slug}/application")
    assert response.status_code == 302 and response.location == f"/events/{event.slug}/apply"


# Drafts and submitting ------------------------------------------------------------------------------------------

@pytest.fixture
def form_event(make_event, make_question):
    """An event with one question of each kind (en/ru/ky labels on the first) and a consent text."""
    event = make_event()
    set_settings(event, allow_individuals=True, allow_teams=True, minimum_age=18, confirmation_days=7,
                 consent_text={"en": "We keep your data for a year.", "ru": "Мы храним данные год."})
    q = SimpleNamespace(event=event)
    q.name = make_question(event, "short_text",
                           {"en": "Project name", "ru": "Название проекта", "ky": "Долбоордун аты"}, required=True,
                           help_text={"en": "A few words."})
    q.idea = make_question(event, "long_text", {"en": "Your idea"}, required=True)
    q.role = make_question(event, "single_choice", {"en": "Your role", "ky": "Ролуңуз"},
                           options=[("dev", "Developer"), ("design", "Designer"), ("domain", "Domain expert")])
    q.langs = make_question(event, "multiple_choice", {"en": "Languages"},
                            options=[("ky", "Kyrgyz"), ("ru", "Russian"), ("en", "English")])
    q.first = make_question(event, "yes_no", {"en": "First hackathon?"}, required=True)
    q.years = make_question(event, "number", {"en": "Years of experience"}, min_value=0, max_value=60)
    return q


def complete_answers(q, **overrides) -> dict:
    data = {f"question_{q.name.id}": "Bus Tracker", f"question_{q.idea.id}": "Live buses for Osh.\r\nOpen data.",
            f"question_{q.role.id}": "dev", f"question_{q.langs.id}": ["ky", "ru"],
            f"question_{q.first.id}": "yes", f"question_{q.years.id}": "3", "consent": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_form_is_in_the_readers_language_with_fallbacks(client, form_event, make_user):
    q = form_event
    event = q.event
    for locale, expected, fallback in (("ru", "Название проекта", "Your role"), ("ky", "Долбоордун аты", "Ролуңуз"),
                                       ("en", "Project name", "Your role")):
        person = make_user(locale=locale, year_of_birth=1990)
        sign_in(client, person)
        client.post(f"/events/{event.slug}/apply", data={})
        page = text(client.get(f"/events/{event.slug}/application"))
        assert expected in page and fallback in page
        # The consent text in the reader's language (Kyrgyz has none: the event's first language).
        assert ("Мы храним данные год." if locale == "ru" else "We keep your data for a year.") in page
        assert f'name="question_{q.role.id}"' in client.get(f"/events/{event.slug}/application").get_data(True)


def test_drafts_keep_partial_answers_and_submitting_locks_them(client, form_event, make_user, outbox):
    q = form_event
    event = q.event
    person = make_user(name="Айгүл", locale="en", year_of_birth=1995)
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})

    response = client.post(f"/events/{event.slug}/application",
                           data={"save": "y", f"question_{q.name.id}": "  Bus Tracker  ",
                                 f"question_{q.years.id}": "4"})
    assert response.status_code == 302
    application = application_for(person, event)
    assert application.status == ApplicationStatus.draft
    assert application.answers == {str(q.name.id): "Bus Tracker", str(q.years.id): 4}
    page = client.get(f"/events/{event.slug}/application").get_data(as_text=True)
    assert 'value="Bus Tracker"' in page and 'value="4"' in page

    # Submitting with required answers and the consent missing says what is missing; the draft keeps the rest.
    response = client.post(f"/events/{event.slug}/application",
                           data={"submit": "y", f"question_{q.name.id}": "Bus Tracker",
                                 f"question_{q.role.id}": "design"})
    page = text(response)
    assert response.status_code == 200
    assert "the application cannot be submitted yet" in page
    assert page.count("This field is required.") == 2  # the idea and the yes/no question
    assert "Tick the box to consent to the data policy" in page
    application = application_for(person, event)
    assert application.status == ApplicationStatus.draft and application.submitted_at is None
    assert application.answers[str(q.role.id)] == "design"
    assert outbox() == []

    response = client.post(f"/events/{event.slug}/application", data={"submit": "y", **complete_answers(q)})
    assert response.status_code == 302 and response.location == f"/events/{event.slug}/me"
    application = application_for(person, event)
    assert application.status == ApplicationStatus.submitted
    assert application.submitted_at is not None and application.consent_at is not None
    assert application.answers == {str(q.name.id): "Bus Tracker", str(q.idea.id): "Live buses for Osh.\nOpen data.",
                                   str(q.role.id): "dev", str(q.langs.id): ["ky", "ru"], str(q.first.id): True,
                                   str(q.years.id): 3}
    [mail] = outbox()
    assert mail.to_address == person.email and mail.template == "application_submitted" and mail.locale == "en"
    assert event.title in mail.subject and "Bus Tracker" in mail.body_text and "Kyrgyz, Russian" in mail.body_text
    assert f"/events/{event.slug}/me" in mail.body_text

    # Locked: the page is read-only, and a crafted POST changes nothing.
    page = text(client.get(f"/events/{event.slug}/application"))
    assert "its answers are locked" in page and "Bus Tracker" in page and "<input" not in page.split("<main")[1]
    response = client.post(f"/events/{event.slug}/application",
                           data={"save": "y", **complete_answers(q, **{f"question_{q.name.id}": "Changed"})})
    assert "Your application is submitted: its answers are locked." in text(response)
    assert application_for(person, event).answers[str(q.name.id)] == "Bus Tracker"
    assert len(outbox()) == 1


def test_eligibility_needs_a_year_of_birth_and_the_minimum_age(client, form_event, make_user):
    q = form_event
    event = q.event
    year = services.event_year(event, utcnow())
    no_year = make_user()
    too_young = make_user(year_of_birth=year - 17)
    just_old_enough = make_user(year_of_birth=year - 18)
    for person, message in ((no_year, "Add your year of birth to your profile"),
                            (too_young, "This event is for people aged 18 or older in")):
        sign_in(client, person)
        client.post(f"/events/{event.slug}/apply", data={})
        response = client.post(f"/events/{event.slug}/application", data={"submit": "y", **complete_answers(q)})
        assert message in text(response)
        assert application_for(person, event).status == ApplicationStatus.draft
    sign_in(client, just_old_enough)
    client.post(f"/events/{event.slug}/apply", data={})
    client.post(f"/events/{event.slug}/application", data={"submit": "y", **complete_answers(q)})
    assert application_for(just_old_enough, event).status == ApplicationStatus.submitted


def test_without_a_consent_text_no_consent_is_asked(client, make_event, make_user, make_question):
    event = make_event()
    make_question(event, "short_text", {"en": "Name"})
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    assert 'name="consent"' not in client.get(f"/events/{event.slug}/application").get_data(as_text=True)
    client.post(f"/events/{event.slug}/application", data={"submit": "y"})
    application = application_for(person, event)
    assert application.status == ApplicationStatus.submitted and application.consent_at is None


def test_after_the_window_closes_applicants_change_nothing(client, make_event, make_user, make_question, outbox):
    event = closed_event(make_event)
    question = make_question(event)
    person = make_user(year_of_birth=1990)
    draft = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=person.id,
                        individual_user_id=person.id, answers={str(question.id): "before"})
    db.session.add(draft)
    db.session.commit()
    sign_in(client, person)
    page = text(client.get(f"/events/{event.slug}/application"))
    assert "Applications are closed: this draft can no longer be changed or submitted." in page
    for action in ("save", "submit"):
        response = client.post(f"/events/{event.slug}/application",
                               data={action: "y", f"question_{question.id}": "after"})
        assert response.status_code == 200
        assert "Applications closed on" in text(response)
    response = client.post(f"/events/{event.slug}/application/withdraw", follow_redirects=True)
    assert "Applications closed on" in text(response)
    application = fresh(Application, draft.id)
    assert (application.status, application.answers) == (ApplicationStatus.draft, {str(question.id): "before"})
    assert outbox() == []


def test_organisers_edit_answers_of_any_application_at_any_time(client, make_event, make_user, make_question,
                                                                 organiser_of):
    event = closed_event(make_event)
    question = make_question(event, "number", {"en": "Age of the idea"}, min_value=0, max_value=10)
    other_question = make_question(event, "short_text", {"en": "Name"})
    person = make_user()
    application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=person.id,
                              individual_user_id=person.id, status=ApplicationStatus.submitted,
                              answers={str(question.id): 2, str(other_question.id): "Tulpar"})
    db.session.add(application)
    db.session.commit()
    organiser = organiser_of(event)
    sign_in(client, organiser)
    url = f"/events/{event.slug}/review/{application.id}/answers"
    page = client.get(url)
    assert page.status_code == 200 and "Every change is recorded in the audit log" in text(page)
    refused = client.post(url, data={"save": "y", f"question_{question.id}": "11",
                                     f"question_{other_question.id}": "Tulpar"})
    assert "Enter a number between 0 and 10." in text(refused)
    response = client.post(url, data={"save": "y", f"question_{question.id}": "5",
                                      f"question_{other_question.id}": "Tulpar", "status": "accepted"})
    assert response.status_code == 302
    application = fresh(Application, application.id)
    assert application.answers == {str(question.id): 5, str(other_question.id): "Tulpar"}
    assert application.status == ApplicationStatus.submitted
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.answers_update"))
    assert entry.actor_id == organiser.id and entry.target_id == application.id
    assert entry.before == {str(question.id): 2} and entry.after == {str(question.id): 5}

    # The same service with an applicant actor is refused once closed; with a stranger, not allowed.
    with pytest.raises(OutOfPhase):
        services.save_application(person, application, answers={str(question.id): "1"})
    with pytest.raises(NotAllowed):
        services.save_application(make_user(), application, answers={str(question.id): "1"})
    # Another event's application id is not found.
    other = make_event()
    assert client.get(f"/events/{other.slug}/review/{application.id}/answers").status_code in (403, 404)
    organiser_of_other = organiser_of(other)
    sign_in(client, organiser_of_other)
    assert client.get(f"/events/{other.slug}/review/{application.id}/answers").status_code == 404
    assert client.post(f"/events/{other.slug}/review/{application.id}/answers",
                       data={"save": "y", f"question_{question.id}": "9"}).status_code == 404
    assert fresh(Application, application.id).answers[str(question.id)] == 5


# Team applications ----------------------------------------------------------------------------------------------

def test_the_captain_fills_the_team_application_and_members_read_it(client, form_event, make_user, make_team,
                                                                     outbox):
    q = form_event
    event = q.event
    captain = make_user(name="Captain Azamat", locale="ru", year_of_birth=1990)
    member = make_user(name="Member Bermet", locale="en", year_of_birth=2000)
    third = make_user(name="Member Cholpon", locale="ky", year_of_birth=1985)
    team = make_team(event, captain, member, third, name="Team <b>Tulpar</b>")
    sign_in(client, member)
    page = text(client.get(f"/events/{event.slug}/application"))
    assert "Your team's captain fills in and submits the team's application." in page
    assert client.post(f"/events/{event.slug}/application",
                       data={"save": "y", **complete_answers(q)}).status_code == 403
    assert team_application(team).answers == {}

    sign_in(client, captain)
    response = client.post(f"/events/{event.slug}/application", data={"save": "y", **complete_answers(q)})
    assert response.status_code == 302
    response = client.post(f"/events/{event.slug}/application", data={"submit": "y", **complete_answers(q)})
    assert response.status_code == 302
    application = team_application(team)
    assert application.status == ApplicationStatus.submitted
    mails = {mail.to_address: mail for mail in outbox()}
    assert set(mails) == {captain.email, member.email, third.email}
    assert [mails[person.email].locale for person in (captain, member, third)] == ["ru", "en", "ky"]
    # Each in its language: the Russian and Kyrgyz receipts do not carry the English greeting.
    assert mails[member.email].body_text.startswith("Hello Member Bermet,")
    assert "Team <b>Tulpar</b>" in mails[member.email].body_text
    assert "Team &lt;b&gt;Tulpar&lt;/b&gt;" in mails[member.email].body_html

    sign_in(client, member)
    dashboard = text(client.get(f"/events/{event.slug}/me"))
    assert "Team <b>Tulpar</b>" in dashboard and "Captain Azamat" in dashboard and "Member Bermet" in dashboard
    assert "Bus Tracker" in dashboard


def test_team_submission_needs_the_minimum_team_size(client, make_event, make_user, make_team):
    event = make_event(min_team_size=3)
    captain, member = make_user(), make_user()
    team = make_team(event, captain, member)
    sign_in(client, captain)
    response = client.post(f"/events/{event.slug}/application", data={"submit": "y"})
    assert "Your team has 2 members; this event needs teams of at least 3." in text(response)
    assert team_application(team).status == ApplicationStatus.draft


def test_team_eligibility_names_the_member_without_revealing_birth_years(client, make_event, make_user, make_team):
    event = make_event()
    set_settings(event, minimum_age=18, consent_text={})
    year = services.event_year(event, utcnow())
    captain = make_user(name="Captain", year_of_birth=1990)
    silent = make_user(name="Silent Saltanat")
    young = make_user(name="Young Timur", year_of_birth=year - 16)
    make_team(event, captain, silent, young)
    sign_in(client, captain)
    page = text(client.post(f"/events/{event.slug}/application", data={"submit": "y"}))
    assert "Silent Saltanat has not given a year of birth" in page
    assert "Young Timur is younger than 18 in" in page
    assert str(year - 16) not in page


# Withdrawing ----------------------------------------------------------------------------------------------------

def test_withdrawing_a_draft_or_submitted_application(client, make_event, make_user):
    event = make_event()
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    assert "Withdraw the application" in text(client.get(f"/events/{event.slug}/me"))
    response = client.post(f"/events/{event.slug}/application/withdraw", follow_redirects=True)
    assert "Your application is withdrawn." in text(response)
    assert application_for(person, event).status == ApplicationStatus.withdrawn
    # Nothing to withdraw any more: a second click changes nothing and says so.
    response = client.post(f"/events/{event.slug}/application/withdraw", follow_redirects=True)
    assert "This application cannot be withdrawn." in text(response)
    assert audit_actions(event) == []


def test_withdrawing_an_accepted_team_removes_participant_roles_until_hacking_starts(
        client, make_event, make_user, make_team, grant):
    event = closed_event(make_event)
    captain, member = make_user(), make_user()
    team = make_team(event, captain, member)
    application = team_application(team)
    application.status = ApplicationStatus.accepted
    db.session.commit()
    for user in (captain, member):
        grant(user, event, Role.participant)
    grant(member, event, Role.mentor)  # other roles stay

    sign_in(client, member)
    assert client.post(f"/events/{event.slug}/application/withdraw").status_code == 403
    sign_in(client, captain)
    response = client.post(f"/events/{event.slug}/application/withdraw")
    assert response.status_code == 302
    assert team_application(team).status == ApplicationStatus.withdrawn
    roles = db.session.execute(select(EventRole.user_id, EventRole.role).where(EventRole.event_id == event.id)).all()
    assert set(roles) == {(member.id, Role.mentor)}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.withdraw"))
    assert entry.actor_id == captain.id and entry.before == {"status": "accepted"}


def test_a_withdrawn_accepted_team_frees_its_place_for_the_waitlist(client, make_event, make_user, make_team,
                                                                   grant, outbox):
    event = closed_event(make_event)
    set_settings(event, max_accepted_teams=1, confirmation_days=3)
    captain, waiting_captain = make_user(), make_user()
    accepted = team_application(make_team(event, captain, name="Accepted"))
    accepted.status = ApplicationStatus.accepted
    waiting = team_application(make_team(event, waiting_captain, name="Waiting"))
    waiting.status, waiting.waitlist_rank, waiting.submitted_at = ApplicationStatus.waitlisted, 1, utcnow()
    db.session.commit()
    grant(captain, event, Role.participant)
    sign_in(client, captain)
    assert client.post(f"/events/{event.slug}/application/withdraw").status_code == 302
    assert fresh(Application, accepted.id).status == ApplicationStatus.withdrawn
    promoted = fresh(Application, waiting.id)
    assert promoted.status == ApplicationStatus.accepted and promoted.confirm_by is not None
    roles = db.session.execute(select(EventRole.user_id).where(EventRole.event_id == event.id,
                                                               EventRole.role == Role.participant)).scalars().all()
    assert roles == [waiting_captain.id]
    assert [mail.to_address for mail in outbox()] == [waiting_captain.email]


def test_accepted_applications_cannot_be_withdrawn_once_hacking_started(make_event, make_user, grant):
    now = utcnow()
    event = make_event(applications_open_at=now - timedelta(days=10), applications_close_at=now - timedelta(days=5),
                       hacking_starts_at=now - timedelta(hours=1), submissions_close_at=now + timedelta(days=1),
                       pitching_starts_at=now + timedelta(days=2), results_at=now + timedelta(days=3))
    person = make_user()
    application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=person.id,
                              individual_user_id=person.id, status=ApplicationStatus.accepted, answers={})
    db.session.add(application)
    db.session.commit()
    grant(person, event, Role.participant)
    with pytest.raises(OutOfPhase):
        services.withdraw_application(person, application)
    assert fresh(Application, application.id).status == ApplicationStatus.accepted
    with pytest.raises(Conflict):
        application.status = ApplicationStatus.rejected
        db.session.commit()
        services.withdraw_application(person, application, now=now - timedelta(days=6))


# The dashboard --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "expected"), [
    (ApplicationStatus.draft, "Your application is a draft. Complete it and submit it before"),
    (ApplicationStatus.submitted, "you will hear from them by"),
    (ApplicationStatus.waitlisted, "You are on the waitlist."),
    (ApplicationStatus.accepted, "Confirm your place by"),
    (ApplicationStatus.confirmed, "You take part."),
    (ApplicationStatus.rejected, "Your application was not accepted this time."),
    (ApplicationStatus.declined, "You declined your place."),
    (ApplicationStatus.lapsed, "Your place was not confirmed in time"),
    (ApplicationStatus.withdrawn, "The application was withdrawn."),
])
def test_dashboard_says_where_i_stand_and_what_to_do(app, client, make_event, make_user, status, expected):
    event = make_event(timezone="Asia/Bishkek")
    person = make_user()
    application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=person.id,
                              individual_user_id=person.id, status=status, answers={}, submitted_at=utcnow(),
                              confirm_by=utcnow() + timedelta(days=3), decision_reason="Too many applications.")
    db.session.add(application)
    db.session.commit()
    sign_in(client, person)
    response = client.get(f"/events/{event.slug}/me")
    assert response.status_code == 200
    page = text(response)
    assert expected in page
    assert "(Asia/Bishkek)" in page  # deadlines in the event's timezone
    raw = response.get_data(as_text=True)
    confirm_action = f'action="/events/{event.slug}/application/confirm"'
    has_confirm = "applications.confirm_participation" in app.view_functions
    assert (confirm_action in raw) == (status == ApplicationStatus.accepted and has_confirm)
    if status == ApplicationStatus.rejected:
        assert "Too many applications." in page


@pytest.mark.parametrize(("phase", "expected"), [
    ("review", "See you when hacking starts on"),
    ("hacking", "Hacking is under way; submissions close on"),
    ("judging", "Submissions are closed; the jury is scoring the projects."),
    ("pitching", "Pitching is under way"),
    ("results", "The event is over. The results will be published soon."),
    ("published", "The event is over and the results are out."),
    ("published-without-team", "The event is over and the results are out."),
])
def test_dashboard_status_line_of_a_participant_fits_the_phase(client, make_user, phase, expected):
    """A finished event told its participants "See you when hacking starts on Jul 2, 2021"."""
    from tests import factories

    organiser, person = make_user(), make_user()
    event = factories.create_event(phase="results" if phase.startswith("published") else phase, organiser=organiser)
    if phase == "published-without-team":
        db.session.add(Application(event_id=event.id, kind=ApplicationKind.individual, user_id=person.id,
                                   individual_user_id=person.id, status=ApplicationStatus.confirmed, answers={}))
        db.session.commit()
    else:
        factories.create_team(event, person, application="confirmed")
    if phase.startswith("published"):  # published as the service leaves it (the ranking itself is not read here)
        from hackathon.results.services import settings_of

        settings_of(event).published_at = utcnow()
        db.session.commit()
    sign_in(client, person)
    page = text(client.get(f"/events/{event.slug}/me"))
    assert expected in page
    if phase != "review":
        assert "See you when hacking starts" not in page
    if phase.startswith("published"):
        assert f'href="/events/{event.slug}/results"' in client.get(f"/events/{event.slug}/me").get_data(as_text=True)


def test_dashboard_without_an_application_invites_to_apply(client, make_event, make_user):
    event = make_event()
    sign_in(client, make_user())
    page = text(client.get(f"/events/{event.slug}/me"))
    assert "You have not applied to this event." in page
    assert f'href="/events/{event.slug}/apply"' in client.get(f"/events/{event.slug}/me").get_data(True)


def test_dashboard_lists_team_invitations_addressed_to_me(client, make_event, make_user, make_team):
    event, other = make_event(), make_event()
    me = make_user("me@example.org")
    team = make_team(event, make_user(), name="Team Ala-Too")
    other_team = make_team(other, make_user(), name="Elsewhere")
    mine_by_account = dict(event_id=event.id, team_id=team.id, kind=TeamInvitationKind.invite, email="x@example.org",
                           user_id=me.id, expires_at=utcnow() + timedelta(days=3))
    db.session.add_all([
        TeamInvitation(**mine_by_account),
        TeamInvitation(**(mine_by_account | {"user_id": None, "email": "me@example.org"})),
        TeamInvitation(**(mine_by_account | {"kind": TeamInvitationKind.request})),
        TeamInvitation(**(mine_by_account | {"status": TeamInvitationStatus.declined})),
        TeamInvitation(**(mine_by_account | {"expires_at": utcnow() - timedelta(days=1)})),
        TeamInvitation(**(mine_by_account | {"user_id": make_user().id, "email": "someone@example.org"})),
        TeamInvitation(**(mine_by_account | {"event_id": other.id, "team_id": other_team.id})),
    ])
    db.session.commit()
    sign_in(client, me)
    page = text(client.get(f"/events/{event.slug}/me"))
    assert page.count("“Team Ala-Too” invites you to join.") == 2
    assert page.count("You asked to join “Team Ala-Too”") == 1
    assert "Elsewhere" not in page


def test_dashboard_runs_a_constant_number_of_queries(client, make_event, make_user, make_team, make_question,
                                                     count_queries):
    event = make_event()
    captain = make_user()
    team = make_team(event, captain)
    sign_in(client, captain)

    def add(rows):
        application = team_application(team)
        answers = dict(application.answers)
        for index in range(rows):
            question = make_question(event, "multiple_choice", options=[("a", "A"), ("b", "B")],
                                     archived=index % 4 == 3)
            answers[str(question.id)] = ["a", "b"]
            member = make_user()
            db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=member.id))
            other_team = make_team(event, make_user(), name=secrets.token_hex(4))
            db.session.add(TeamInvitation(event_id=event.id, team_id=other_team.id, kind=TeamInvitationKind.invite,
                                          email=captain.email, expires_at=utcnow() + timedelta(days=2)))
        application.answers = answers
        db.session.commit()

    def measure() -> int:
        with count_queries() as statements:
            response = client.get(f"/events/{event.slug}/me")
        assert response.status_code == 200
        return len(statements)

    add(3)
    few = measure()
    add(27)
    many = measure()
    page = text(client.get(f"/events/{event.slug}/me"))
    assert page.count("invites you to join") == 30 and page.count("<li>") >= 30
    assert few == many, (few, many)


def test_event_menu_links(client, make_event, make_user, organiser_of):
    event = make_event()
    closed = closed_event(make_event)
    person = make_user()
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert f"/events/{event.slug}/me" not in page  # signed out: no links
    sign_in(client, person)
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert f'href="/events/{event.slug}/apply"' in page and f'href="/events/{event.slug}/me"' in page
    assert f'href="/events/{event.slug}/form"' not in page
    client.post(f"/events/{event.slug}/apply", data={})
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert f'href="/events/{event.slug}/apply"' not in page and f'href="/events/{event.slug}/me"' in page
    page = client.get(f"/events/{closed.slug}/").get_data(as_text=True)
    assert f'href="/events/{closed.slug}/apply"' not in page
    sign_in(client, organiser_of(event))
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    # An organiser with no application of their own gets the form's settings, not "My application".
    assert f'href="/events/{event.slug}/form"' in page and f'href="/events/{event.slug}/me"' not in page


@pytest.mark.parametrize(("roles", "application", "phase", "shown"), [
    (("mentor",), None, "hacking", False),
    (("juror",), None, "judging", False),
    (("reviewer",), None, "review", False),
    (("organiser",), None, "hacking", False),
    (("mentor", "juror"), None, "applications", False),
    (("organiser", "reviewer"), None, "upcoming", False),
    (("mentor",), "submitted", "review", True),
    (("juror",), "withdrawn", "applications", False),  # withdrawn: "Apply" again instead
    (("organiser",), "draft", "applications", True),
    ((), "accepted", "hacking", True),  # a participant (the factory grants the role)
    (("mentor",), "confirmed", "hacking", True),  # a participant who also mentors
    ((), "submitted", "review", True),
    ((), None, "applications", True),
    (("admin",), None, "hacking", True),
], ids=lambda value: "+".join(value) if isinstance(value, tuple) else str(value))
def test_my_application_link_only_for_those_who_have_or_may_start_one(client, factories, roles, application,
                                                                       phase, shown):
    """Staff only (organiser, mentor, juror, reviewer) and no application: no "My application" in the menu."""
    event = factories.create_event(phase=phase)
    person = factories.create_user(admin="admin" in roles)
    factories.grant(person, event, *[Role(role) for role in roles if role != "admin"])
    if application is not None:
        factories.create_application(event, person, status=application)
    sign_in(client, person)
    page = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    assert (f'href="/events/{event.slug}/me"' in page) is shown
    if phase == "applications" and application in (None, "withdrawn") and "organiser" not in roles:
        assert f'href="/events/{event.slug}/apply"' in page  # staff may still apply while it is open


# Bad input and safety -------------------------------------------------------------------------------------------

def test_mass_assignment_through_the_forms_changes_nothing(client, make_event, make_user, make_question,
                                                           make_team):
    event = make_event()
    question = make_question(event)
    person, someone, captain = make_user(), make_user(), make_user()
    team = make_team(event, captain)
    sign_in(client, person)
    sneaky = {"status": "accepted", "user_id": str(someone.id), "team_id": str(team.id), "kind": "team",
              "individual_user_id": str(someone.id), "submitted_at": "2020-01-01", "consent_at": "2020-01-01",
              "answers": "{}", "decided_by_id": str(someone.id), "question_999": "extra"}
    client.post(f"/events/{event.slug}/apply", data=sneaky)
    client.post(f"/events/{event.slug}/application", data={"save": "y", f"question_{question.id}": "Mine", **sneaky})
    application = application_for(person, event)
    assert (application.status, application.user_id, application.individual_user_id, application.team_id,
            application.kind, application.submitted_at, application.decided_by_id) == (
        ApplicationStatus.draft, person.id, person.id, None, ApplicationKind.individual, None, None)
    assert application.answers == {str(question.id): "Mine"}
    assert team_application(team).user_id == captain.id
    assert count(EventRole) == 0


def test_xss_in_answers_is_escaped_on_every_page_and_in_mail(client, make_event, make_user, make_question,
                                                              organiser_of, outbox):
    event = make_event()
    short = make_question(event, "short_text", {"en": "Name"})
    long = make_question(event, "long_text", {"en": XSS})  # organisers' texts are escaped too
    person = make_user(name=XSS)
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    client.post(f"/events/{event.slug}/application",
                data={"save": "y", f"question_{short.id}": XSS, f"question_{long.id}": XSS})
    pages = [client.get(f"/events/{event.slug}/application"), client.get(f"/events/{event.slug}/me")]
    client.post(f"/events/{event.slug}/application",
                data={"submit": "y", f"question_{short.id}": XSS, f"question_{long.id}": XSS})
    pages.append(client.get(f"/events/{event.slug}/me"))
    pages.append(client.get(f"/events/{event.slug}/application"))
    application = application_for(person, event)
    sign_in(client, organiser_of(event))
    pages.append(client.get(f"/events/{event.slug}/review/{application.id}/answers"))
    pages.append(client.get(f"/events/{event.slug}/form"))
    for response in pages:
        raw = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<script>alert" not in raw and "<img src=x" not in raw
        assert "&lt;script&gt;alert" in raw
    [mail] = outbox()
    assert "<script>alert" not in mail.body_html and "&lt;script&gt;alert" in mail.body_html
    assert XSS in mail.body_text  # plain text is not HTML: kept as typed


def test_cyrillic_emoji_and_rtl_answers_are_kept_intact(client, make_event, make_user, make_question, outbox):
    event = make_event()
    short = make_question(event, "short_text", {"en": "Name", "ru": "Имя"})
    long = make_question(event, "long_text", {"en": "Idea"})
    person = make_user(name=UNICODE, locale="ru")
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    client.post(f"/events/{event.slug}/application",
                data={"submit": "y", f"question_{short.id}": UNICODE, f"question_{long.id}": f"{RTL}\r\n{UNICODE}"})
    application = application_for(person, event)
    assert application.answers == {str(short.id): UNICODE, str(long.id): f"{RTL}\n{UNICODE}"}
    page = client.get(f"/events/{event.slug}/me").get_data(as_text=True)
    assert UNICODE in page and 'dir="auto"' in page
    [mail] = outbox()
    assert UNICODE in mail.body_text and UNICODE in mail.body_html


@pytest.mark.parametrize(("kind", "limit"), [("short_text", 300), ("long_text", 5000)])
def test_over_long_answers_are_refused_with_a_message(client, make_event, make_user, make_question, kind, limit):
    event = make_event()
    question = make_question(event, kind, {"en": "Tell us"})
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    response = client.post(f"/events/{event.slug}/application",
                           data={"save": "y", f"question_{question.id}": "ж" * (limit + 1)})
    assert response.status_code == 200
    page = text(response)
    assert f"Use at most {limit} characters." in page
    assert "ж" * (limit + 1) in page  # what was typed is shown again, not lost
    assert application_for(person, event).answers == {}
    client.post(f"/events/{event.slug}/application", data={"save": "y", f"question_{question.id}": "ж" * limit})
    assert application_for(person, event).answers == {str(question.id): "ж" * limit}


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("single_choice", "hacker", "Choose one of the options given."),
    ("multiple_choice", ["a", "hacker"], "Choose one of the options given."),
    ("number", "61", "Enter a number between 0 and 60."),
    ("number", "-1", "Enter a number between 0 and 60."),
    ("number", "three", "Enter a whole number."),
    ("number", "99999999999999", "This number is too large."),
    ("yes_no", "maybe", "Answer yes or no."),
])
def test_answers_outside_the_question_are_refused(client, make_event, make_user, make_question, kind, value,
                                                  message):
    event = make_event()
    question = make_question(event, kind, {"en": "Pick"}, options=[("a", "A"), ("b", "B")], min_value=0,
                             max_value=60)
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    for action in ("save", "submit"):
        response = client.post(f"/events/{event.slug}/application",
                               data={action: "y", f"question_{question.id}": value})
        assert response.status_code == 200
        assert message in text(response)
    application = application_for(person, event)
    assert application.answers == {} and application.status == ApplicationStatus.draft


def test_a_double_submit_gives_one_submitted_application_and_one_mail(client, make_event, make_user, make_question,
                                                                      outbox):
    event = make_event()
    question = make_question(event, "short_text", {"en": "Name"})
    person = make_user()
    sign_in(client, person)
    client.post(f"/events/{event.slug}/apply", data={})
    data = {"submit": "y", f"question_{question.id}": "Twice"}
    first = client.post(f"/events/{event.slug}/application", data=data)
    second = client.post(f"/events/{event.slug}/application", data=data)
    assert first.status_code == 302 and second.status_code == 200
    assert "its answers are locked" in text(second)
    assert application_for(person, event).status == ApplicationStatus.submitted
    assert len(outbox()) == 1


def test_concurrent_submits_give_one_submitted_application(app, make_event, make_user, make_question, outbox):
    """Two requests that both read the draft submit at the same moment: the conditional update lets one through."""
    event = make_event()
    question = make_question(event, "short_text", {"en": "Name"})
    person = make_user()
    application, _created = services.apply_individually(person, event)
    ids = SimpleNamespace(event=event.id, person=person.id, application=application.id)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        with app.app_context(), app.test_request_context():
            try:
                user = db.session.get(User, ids.person)
                loaded = db.session.get(Application, ids.application)
                assert loaded.status == ApplicationStatus.draft
                loaded.event  # noqa: B018  (load before the race)
                barrier.wait(timeout=10)
                results.append(services.submit_application(user, loaded, answers={str(question.id): "Race"},
                                                            consent=True))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The loser either finds the draft gone (False) or, if it read after the winner committed, a locked application.
    assert results.count(True) == 1
    assert all(result is False for result in results if result is not True)
    assert all(isinstance(error, Conflict) for error in errors), errors
    assert len(results) + len(errors) == 2
    assert fresh(Application, ids.application).status == ApplicationStatus.submitted
    assert count(OutboxMessage) == 1


# Who may do what ------------------------------------------------------------------------------------------------

VISITORS = ("anonymous", "stranger", "applicant", "member", "captain", "mentor", "juror", "reviewer", "organiser",
            "other_organiser", "admin")
LOGIN = "login"


@pytest.fixture
def world(make_event, make_user, grant, make_team, make_question):
    """Published `main`, unpublished `draft` and published `other` events; one person per kind of visitor, and
    for each visitor their own question (so that one visitor's allowed POST does not change another's target)."""
    main, other, draft = make_event("main"), make_event("other"), make_event("draft", is_published=False)
    users = {name: make_user(f"{name}@example.org", name=name.title(), year_of_birth=1990, admin=name == "admin")
             for name in VISITORS if name != "anonymous"}
    grant(users["other_organiser"], other, Role.organiser)
    w = SimpleNamespace(users=users, main=main, other=other, draft=draft, questions={}, applications={})
    for target in (main, draft):
        for name, role in (("mentor", Role.mentor), ("juror", Role.juror), ("reviewer", Role.reviewer),
                           ("organiser", Role.organiser), ("applicant", Role.participant),
                           ("member", Role.participant), ("captain", Role.participant)):
            grant(users[name], target, role)
        application = Application(event_id=target.id, kind=ApplicationKind.individual, user_id=users["applicant"].id,
                                  individual_user_id=users["applicant"].id, answers={})
        db.session.add(application)
        make_team(target, users["captain"], users["member"], name=f"Team {target.slug}")
        make_question(target, "short_text", {"en": "First"})
        w.questions[target.slug] = {name: make_question(target, "short_text", {"en": f"For {name}"}).id
                                    for name in VISITORS}
        w.applications[target.slug] = application.id
    person = make_user()
    foreign = Application(event_id=other.id, kind=ApplicationKind.individual, user_id=person.id,
                          individual_user_id=person.id, answers={})
    db.session.add(foreign)
    db.session.commit()
    w.other_question = make_question(other, "short_text", {"en": "Theirs"}).id
    w.other_application = foreign.id
    return w


def everyone(status):
    return dict.fromkeys(VISITORS, status)


def signed_in(status):
    return everyone(status) | {"anonymous": LOGIN}


def managers(status):
    return signed_in(403) | {"organiser": status, "admin": status}


APPLY_POST = signed_in(302) | {"member": 200, "captain": 200}  # team members are told their team covers them
EDIT_GET = signed_in(302) | {"applicant": 200, "member": 200, "captain": 200}  # others are sent to apply
EDIT_POST = signed_in(302) | {"member": 403}  # saved (302), or sent to apply (302); members read only
WITHDRAW = signed_in(404) | {"applicant": 302, "captain": 302, "member": 403}

ROUTES = [
    ("GET", "/events/{slug}/apply", signed_in(200), None),
    ("POST", "/events/{slug}/apply", APPLY_POST, {}),
    ("GET", "/events/{slug}/application", EDIT_GET, None),
    ("POST", "/events/{slug}/application", EDIT_POST, {"save": "y"}),
    ("POST", "/events/{slug}/application/withdraw", WITHDRAW, {}),
    ("GET", "/events/{slug}/me", signed_in(200), None),
    ("GET", "/events/{slug}/form", managers(200), None),
    ("POST", "/events/{slug}/form", managers(302), settings_data()),
    ("GET", "/events/{slug}/form/questions/new", managers(200), None),
    ("POST", "/events/{slug}/form/questions/new", managers(302), question_data()),
    ("GET", "/events/{slug}/form/questions/{question}", managers(200), None),
    ("POST", "/events/{slug}/form/questions/{question}", managers(302), question_data()),
    ("POST", "/events/{slug}/form/questions/{question}/move", managers(302), {"direction": "up"}),
    ("POST", "/events/{slug}/form/questions/{question}/delete", managers(302), {}),
    ("GET", "/events/{slug}/review/{application}/answers", managers(200), None),
    ("POST", "/events/{slug}/review/{application}/answers", managers(302), {"save": "y"}),
]
# Another event's ids in this event's URLs: not found, for this event's managers too.
FOREIGN = [
    ("GET", "/events/{slug}/form/questions/{other_question}", managers(404), None),
    ("POST", "/events/{slug}/form/questions/{other_question}", managers(404), question_data()),
    ("POST", "/events/{slug}/form/questions/{other_question}/move", managers(404), {"direction": "up"}),
    ("POST", "/events/{slug}/form/questions/{other_question}/delete", managers(404), {}),
    ("GET", "/events/{slug}/review/{other_application}/answers", managers(404), None),
    ("POST", "/events/{slug}/review/{other_application}/answers", managers(404), {"save": "y"}),
]
# On an unpublished event, people without a role there (and not admins) find nothing.
OUTSIDERS = ("anonymous", "stranger", "other_organiser")
CASES = ([(method, path, expected, data, "main") for method, path, expected, data in ROUTES + FOREIGN]
         + [(method, path, expected | dict.fromkeys(OUTSIDERS, 404), data, "draft")
            for method, path, expected, data in ROUTES])


@pytest.mark.parametrize(("method", "path", "expected", "data", "where"), [
    pytest.param(method, path, expected, data, where, id=f"{method} {path} on {where}")
    for method, path, expected, data, where in CASES])
def test_who_may_do_what(app, world, method, path, expected, data, where):
    """Every kind of visitor on one route; each acts on their own objects, so the statuses do not depend on order."""
    event = getattr(world, where)
    got = {}
    for visitor in VISITORS:
        url = path.format(slug=event.slug, question=world.questions[where][visitor],
                          application=world.applications[where], other_question=world.other_question,
                          other_application=world.other_application)
        client = app.test_client()
        if visitor != "anonymous":
            sign_in(client, world.users[visitor])
        audit_before = count(AuditEntry)
        response = client.open(url, method=method, data=data)
        if response.status_code == 302 and response.location.startswith("/login?next="):
            got[visitor] = LOGIN
        else:
            got[visitor] = response.status_code
        if got[visitor] in (LOGIN, 403, 404):
            assert count(AuditEntry) == audit_before, f"refused {visitor} changed something"
    assert got == expected
