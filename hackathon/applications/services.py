"""Applying: the event's application form (settings and questions, set by organisers) and applications,
alone or as a team: apply, save a draft, submit, withdraw; the applicant's dashboard.

Rules shared by every caller (views, API, CLI, tests): applicants change their application only while
applications are open (`applications_open`), only in draft, and only the individual applicant or the team's
captain; organisers may edit the answers of any application at any time, and every organiser action is audited.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.applications import answers as rules
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationSettings,
                                           ApplicationStatus, QuestionKind)
from hackathon.audit import changed_fields, record_audit
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event, EventRole, Role
from hackathon.events.phases import applications_open
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.permissions import (can_edit_application, can_manage_event, can_withdraw_application, forget_roles,
                                   is_applicant, is_application_editor)
from hackathon.privacy.retention import note_consent_change, record_consent
from hackathon.teams.models import Team, TeamInvitation, TeamInvitationKind, TeamInvitationStatus, TeamMember
from hackathon.webhooks.services import queue_event

LABEL_MAX = 500
HELP_MAX = 2000
OPTION_LABEL_MAX = 200
OPTIONS_MAX = 50
CONSENT_MAX = 10000
MINIMUM_AGE_MAX = 120
CONFIRMATION_DAYS_MAX = 90

# An applicant may withdraw these while applications are open...
WITHDRAWABLE_WHILE_OPEN = (ApplicationStatus.draft, ApplicationStatus.submitted, ApplicationStatus.waitlisted)
# ...and these also later, until hacking starts (they hold a participant role, which withdrawal removes).
WITHDRAWABLE_UNTIL_HACKING = (ApplicationStatus.accepted, ApplicationStatus.confirmed)
# A person applying alone again after these gets their old application back as a draft.
REOPENABLE = (ApplicationStatus.withdrawn, ApplicationStatus.merged)


class InvalidAnswers(DomainError):
    """Answers that cannot be saved or submitted, with messages per form field (`question_<id>`, `consent`)
    and general ones (eligibility, team size). `saved` tells whether the answers were kept as a draft."""

    status_code = 400

    def __init__(self, field_errors: dict[str, list[str]], general: list[str] | None = None, *, saved: bool = False):
        self.field_errors = field_errors
        self.general = general or []
        self.saved = saved
        if saved:
            summary = _("Your answers are saved as a draft, but the application cannot be submitted yet.")
        else:
            summary = _("Some answers need your attention; nothing was saved yet.")
        super().__init__(summary)


def _closed_message(event: Event, now: datetime) -> str:
    from hackathon.templating import local_datetime

    if event.applications_close_at is not None and now >= event.applications_close_at:
        return _("Applications closed on %(when)s. Nothing can be saved, submitted or withdrawn any more; "
                 "write to the organisers if something is wrong.",
                 when=local_datetime(event.applications_close_at, event.timezone))
    if event.applications_open_at is not None:
        return _("Applications open on %(when)s.", when=local_datetime(event.applications_open_at, event.timezone))
    return _("Applications are not open for this event.")


def _require_open(event: Event, now: datetime) -> None:
    if not applications_open(event.schedule, now):
        raise OutOfPhase(_closed_message(event, now))


def event_year(event: Event, now: datetime) -> int:
    """The year the event happens in (its hacking, else its application deadline, else now), in its timezone;
    ages are counted in this year."""
    moment = event.hacking_starts_at or event.applications_close_at or now
    try:
        zone = ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):  # a hand-edited timezone: count in UTC rather than fail
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).year


# Settings -------------------------------------------------------------------------------------------------------

def application_settings(event: Event) -> ApplicationSettings:
    """The event's settings, or (unsaved) defaults while organisers have not saved any."""
    settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event.id))
    if settings is None:
        settings = ApplicationSettings(event_id=event.id, allow_individuals=True, allow_teams=True, minimum_age=None,
                                       consent_text={}, max_accepted_teams=None, confirmation_days=7)
    return settings


def _clean_texts(texts: Mapping[str, str | None], languages: Iterable[str], limit: int, what: str) -> dict[str, str]:
    """Texts per event language, stripped, empty ones dropped, each at most `limit` characters."""
    cleaned = {}
    for language in languages:
        text = (texts.get(language) or "").strip()
        if len(text) > limit:
            raise DomainError(ngettext("%(what)s (%(language)s): use at most %(max)d character.",
                                       "%(what)s (%(language)s): use at most %(max)d characters.", limit, what=what,
                                       language=language, max=limit))
        if text:
            cleaned[language] = text
    return cleaned


def update_settings(actor: User, event: Event, values: Mapping[str, Any]) -> ApplicationSettings:
    """Save who may apply, the minimum age, the consent text per language, capacity and confirmation days."""
    if not can_manage_event(actor, event):
        raise NotAllowed()
    if not values["allow_individuals"] and not values["allow_teams"]:
        raise DomainError(_("Allow individuals, teams or both: otherwise nobody can apply."))
    minimum_age = values.get("minimum_age")
    if minimum_age is not None and not 0 <= minimum_age <= MINIMUM_AGE_MAX:
        raise DomainError(_("The minimum age must be between 0 and %(max)d.", max=MINIMUM_AGE_MAX))
    max_teams = values.get("max_accepted_teams")
    if max_teams is not None and max_teams < 1:
        raise DomainError(_("The maximum number of accepted teams must be at least 1 (or left empty for no limit)."))
    days = values["confirmation_days"]
    if not 1 <= days <= CONFIRMATION_DAYS_MAX:
        raise DomainError(_("Confirmation days must be between 1 and %(max)d.", max=CONFIRMATION_DAYS_MAX))
    new = {
        "allow_individuals": bool(values["allow_individuals"]),
        "allow_teams": bool(values["allow_teams"]),
        "minimum_age": minimum_age,
        "consent_text": _clean_texts(values.get("consent_text") or {}, event.languages, CONSENT_MAX,
                                     _("Consent text")),
        "max_accepted_teams": max_teams,
        "confirmation_days": days,
    }
    note_consent_change(event, actor)  # the text in force until now is a version, with whoever accepted it
    settings = application_settings(event)
    creating = settings.id is None
    before, after = ({}, dict(new)) if creating else changed_fields(settings, new)
    for key, value in new.items():
        setattr(settings, key, value)
    if creating:
        db.session.add(settings)
    try:
        db.session.flush()
    except IntegrityError:  # another organiser saved the first settings at the same moment
        db.session.rollback()
        raise Conflict(_("Someone else saved these settings at the same moment. Reload the page and try again."))
    if after:
        record_audit(actor=actor, action="application_settings.update", event_id=event.id, target=settings,
                     before=before, after=after)
    note_consent_change(event, actor)  # a changed consent text is a new version: people are asked again
    db.session.commit()
    return settings


# Questions ------------------------------------------------------------------------------------------------------

@dataclass
class OptionInput:
    """One option row of the question form: an existing option (its stable value) or a new one (value None)."""

    value: str | None
    label: dict[str, str]
    remove: bool = False


@dataclass
class QuestionInput:
    kind: QuestionKind
    required: bool
    label: dict[str, str]
    help_text: dict[str, str] = field(default_factory=dict)
    options: list[OptionInput] = field(default_factory=list)
    min_value: int | None = None
    max_value: int | None = None


def active_questions(event: Event) -> list[ApplicationQuestion]:
    """The questions applicants are asked, in order."""
    return list(db.session.scalars(
        select(ApplicationQuestion)
        .where(ApplicationQuestion.event_id == event.id, ApplicationQuestion.is_archived.is_(False))
        .order_by(ApplicationQuestion.position, ApplicationQuestion.id)))


def all_questions(event: Event) -> list[ApplicationQuestion]:
    """Every question, archived ones last (their answers are still shown to organisers)."""
    return list(db.session.scalars(
        select(ApplicationQuestion).where(ApplicationQuestion.event_id == event.id)
        .order_by(ApplicationQuestion.is_archived, ApplicationQuestion.position, ApplicationQuestion.id)))


def event_question(event: Event, question_id: int) -> ApplicationQuestion:
    """A question of this event that is still asked; another event's (or an archived) one is a 404."""
    question = db.session.get(ApplicationQuestion, question_id)
    if question is None or question.event_id != event.id or question.is_archived:
        raise NotFound()
    return question


def question_spec(question: ApplicationQuestion) -> rules.QuestionSpec:
    return rules.QuestionSpec(
        id=question.id, kind=question.kind.value, required=question.required,
        options=tuple(option["value"] for option in question.options or []),
        min_value=question.min_value, max_value=question.max_value)


def stored_answers(event: Event) -> list[dict[str, Any]]:
    """Every application's answers at the event, in one query (to know which questions and options are used)."""
    return [answers or {} for answers in db.session.scalars(
        select(Application.answers).where(Application.event_id == event.id))]


def answered_question_ids(event: Event) -> set[int]:
    return {int(key) for key in rules.answered_question_keys(stored_answers(event))
            if key.isascii() and key.isdigit()}


def _new_option_value(taken: set[str]) -> str:
    """A random, never-reused option value: answers store it, so labels can change freely."""
    while True:
        value = "o" + secrets.token_hex(4)
        if value not in taken:
            return value


def _question_values(event: Event, question: ApplicationQuestion | None, data: QuestionInput,
                     all_answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Checked column values for a question; refuses what would corrupt stored answers."""
    languages = event.languages
    label = _clean_texts(data.label, languages, LABEL_MAX, _("Question"))
    if not label:
        raise DomainError(_("Write the question in at least one language."))
    help_text = _clean_texts(data.help_text, languages, HELP_MAX, _("Help text"))
    kind = QuestionKind(data.kind)
    key = str(question.id) if question is not None else None
    answered = key is not None and key in rules.answered_question_keys(all_answers)
    if question is not None and kind != question.kind and answered:
        raise DomainError(_("This question already has answers, so its kind cannot change. "
                            "Add a new question instead (and delete this one: its answers are kept)."))

    options: list[dict[str, Any]] = []
    if kind.value in rules.CHOICE_KINDS:
        existing = {option["value"]: option for option in (question.options if question is not None else []) or []}
        usage = rules.option_usage(all_answers, key) if key is not None else {}
        kept: set[str] = set()
        for number, row in enumerate(data.options, start=1):
            if row.value is not None and row.value not in existing:
                raise Conflict(_("The options of this question changed meanwhile. Reload the page and try again."))
            if row.value is not None and row.value in kept:
                continue  # the same option posted twice: take it once
            option_label = _clean_texts(row.label, languages, OPTION_LABEL_MAX, _("Option %(number)d", number=number))
            if row.value is None:
                if row.remove or not option_label:
                    continue  # an empty new row
                value = _new_option_value(set(existing) | {option["value"] for option in options})
                options.append({"value": value, "label": option_label})
                continue
            kept.add(row.value)
            if row.remove:
                continue
            if not option_label:
                raise DomainError(_("Option %(number)d has no text: write it, or tick “Remove” to remove it.",
                                    number=number))
            options.append({"value": row.value, "label": option_label})
        # Options left out of the form are removals too: only unused ones may go.
        removed = [value for value in existing if value not in {option["value"] for option in options}]
        for value in removed:
            if usage.get(value):
                name = rules.pick_text(existing[value]["label"], languages[0] if languages else "en", languages)
                raise DomainError(ngettext("The option “%(option)s” is chosen in %(count)d application, so it cannot "
                                           "be removed. Rename it instead, or keep it.",
                                           "The option “%(option)s” is chosen in %(count)d applications, so it cannot "
                                           "be removed. Rename it instead, or keep it.", usage[value], option=name,
                                           count=usage[value]))
        if not options:
            raise DomainError(_("A choice question needs at least one option."))
        if len(options) > OPTIONS_MAX:
            raise DomainError(ngettext("Use at most %(max)d option.", "Use at most %(max)d options.", OPTIONS_MAX,
                                       max=OPTIONS_MAX))

    min_value = data.min_value if kind == QuestionKind.number else None
    max_value = data.max_value if kind == QuestionKind.number else None
    if min_value is not None and max_value is not None and min_value > max_value:
        raise DomainError(_("The smallest allowed number cannot be larger than the largest."))
    return {"kind": kind, "required": bool(data.required), "label": label, "help_text": help_text,
            "options": options, "min_value": min_value, "max_value": max_value}


def create_question(actor: User, event: Event, data: QuestionInput) -> ApplicationQuestion:
    if not can_manage_event(actor, event):
        raise NotAllowed()
    values = _question_values(event, None, data, [])
    position = db.session.scalar(select(func.max(ApplicationQuestion.position))
                                 .where(ApplicationQuestion.event_id == event.id))
    question = ApplicationQuestion(event_id=event.id, position=(position if position is not None else -1) + 1,
                                   **values)
    db.session.add(question)
    db.session.flush()
    record_audit(actor=actor, action="application_question.create", event_id=event.id, target=question,
                 after=values)
    db.session.commit()
    return question


def update_question(actor: User, question: ApplicationQuestion, data: QuestionInput) -> None:
    """Change a question; options keep their values, and answered options or kinds cannot be taken away."""
    event = question.event
    if not can_manage_event(actor, event):
        raise NotAllowed()
    if question.is_archived:
        raise NotFound()
    values = _question_values(event, question, data, stored_answers(event))
    before, after = changed_fields(question, values)
    for key, value in after.items():
        setattr(question, key, value)
    if after:
        record_audit(actor=actor, action="application_question.update", event_id=event.id, target=question,
                     before=before, after=after)
    db.session.commit()


def move_question(actor: User, question: ApplicationQuestion, direction: str) -> None:
    """Swap the question with its neighbour above ("up") or below ("down"); positions become 0..n-1."""
    event = question.event
    if not can_manage_event(actor, event):
        raise NotAllowed()
    if direction not in ("up", "down"):
        raise DomainError(_("Move a question up or down."))
    questions = active_questions(event)
    index = next((i for i, candidate in enumerate(questions) if candidate.id == question.id), None)
    if index is None:
        raise NotFound()
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return  # already first (or last): nothing to do
    before = question.position
    questions[index], questions[other] = questions[other], questions[index]
    for position, candidate in enumerate(questions):
        candidate.position = position
    record_audit(actor=actor, action="application_question.move", event_id=event.id, target=question,
                 before={"position": before}, after={"position": question.position})
    db.session.commit()


def delete_question(actor: User, question: ApplicationQuestion) -> str:
    """Delete an unanswered question; archive an answered one (it is no longer asked, its answers stay).
    Returns "deleted" or "archived"."""
    event = question.event
    if not can_manage_event(actor, event):
        raise NotAllowed()
    if question.is_archived:
        raise NotFound()
    summary = {"label": question.label, "kind": question.kind.value}
    if question.id in answered_question_ids(event):
        question.is_archived = True
        record_audit(actor=actor, action="application_question.archive", event_id=event.id, target=question,
                     before=summary)
        outcome = "archived"
    else:
        record_audit(actor=actor, action="application_question.delete", event_id=event.id, target=question,
                     before=summary)
        db.session.delete(question)
        outcome = "deleted"
    db.session.commit()
    return outcome


# Applications ---------------------------------------------------------------------------------------------------

def team_of(user: User, event: Event) -> Team | None:
    """The user's team at the event (a person is in at most one)."""
    return db.session.scalar(
        select(Team).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.event_id == event.id, TeamMember.user_id == user.id))


def application_of(user: User, event: Event) -> Application | None:
    """The application that covers the user: their team's if they are in a team, else their own individual one."""
    rows = db.session.scalars(
        select(Application).options(joinedload(Application.team))
        .outerjoin(TeamMember, and_(TeamMember.team_id == Application.team_id, TeamMember.user_id == user.id))
        .where(Application.event_id == event.id,
               or_(TeamMember.id.is_not(None), Application.individual_user_id == user.id))
        .order_by(Application.kind.desc())  # "team" before "individual"
    ).all()
    return rows[0] if rows else None


def event_application(event: Event, application_id: int) -> Application:
    """An application of this event by id (for organisers); another event's id is a 404."""
    application = db.session.get(Application, application_id)
    if application is None or application.event_id != event.id:
        raise NotFound()
    return application


def apply_individually(user: User, event: Event, *, looking_for_team: bool = False,
                       now: datetime | None = None) -> tuple[Application, bool]:
    """Create the user's draft individual application (or return the one they have: a double POST makes one).
    Returns (application, created)."""
    now = now or utcnow()
    _require_open(event, now)
    if not application_settings(event).allow_individuals:
        raise DomainError(_("This event takes applications from teams only. Create a team, or join one."))
    team = team_of(user, event)
    if team is not None:
        raise Conflict(_("You are in the team “%(team)s”: its application covers you, so you cannot also apply "
                         "alone.", team=team.name))
    existing = db.session.scalar(select(Application).where(Application.event_id == event.id,
                                                           Application.individual_user_id == user.id))
    if existing is not None:
        if existing.status in REOPENABLE:
            # A fresh start with the old answers: nothing of the earlier submission or decision carries over.
            existing.status = ApplicationStatus.draft
            for name in ("submitted_at", "consent_at", "decided_at", "decided_by_id", "decision_reason", "confirm_by",
                         "confirmed_at", "accepted_at", "waitlist_rank"):
                setattr(existing, name, None)
            existing.looking_for_team = bool(looking_for_team)
            db.session.commit()
            return existing, True
        return existing, False
    application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=user.id,
                              individual_user_id=user.id, status=ApplicationStatus.draft,
                              looking_for_team=bool(looking_for_team), answers={})
    db.session.add(application)
    try:
        db.session.commit()
    except IntegrityError:  # the same person applied at the same moment (double click): one application
        db.session.rollback()
        existing = db.session.scalar(select(Application).where(Application.event_id == event.id,
                                                               Application.individual_user_id == user.id))
        if existing is None:
            raise
        return existing, False
    return application, True


def covered_people(application: Application) -> list[User]:
    """The individual applicant, or every member of the team (in the order they joined)."""
    if application.kind == ApplicationKind.individual:
        return [application.user]
    return list(db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == application.team_id).order_by(TeamMember.joined_at, TeamMember.id)))


def _check_applicant_may_change(actor: User, application: Application, now: datetime) -> None:
    if not is_application_editor(actor, application):
        if application.kind == ApplicationKind.team and is_applicant(actor, application):
            raise NotAllowed(_("Only your team's captain can change and submit the team's application."))
        raise NotAllowed()
    _require_open(application.event, now)
    if application.status == ApplicationStatus.submitted:
        raise Conflict(_("Your application is submitted: its answers are locked."))
    if application.status != ApplicationStatus.draft:
        raise Conflict(_("This application can no longer be changed."))


def _problem_message(problem: rules.Problem) -> str:
    if problem.code == "required":
        return _("This field is required.")
    if problem.code == "too_long":
        return ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", problem.max_length,
                        max=problem.max_length)
    if problem.code == "not_an_option":
        return _("Choose one of the options given.")
    if problem.code == "not_yes_no":
        return _("Answer yes or no.")
    if problem.code == "too_large":
        return _("This number is too large.")
    if problem.code == "out_of_range":
        if problem.min_value is not None and problem.max_value is not None:
            return _("Enter a number between %(min)s and %(max)s.", min=problem.min_value, max=problem.max_value)
        if problem.min_value is not None:
            return _("Enter a number of at least %(min)s.", min=problem.min_value)
        return _("Enter a number of at most %(max)s.", max=problem.max_value)
    if problem.code == "not_text":
        return _("Enter text.")
    return _("Enter a whole number.")


def _field_errors(problems: Mapping[str, rules.Problem]) -> dict[str, list[str]]:
    return {f"question_{key}": [_problem_message(problem)] for key, problem in problems.items()}


def _eligibility_messages(application: Application, people: list[User], minimum_age: int | None,
                          year: int) -> list[str]:
    problems = rules.eligibility_problems(
        [rules.Person(person.id, person.name, person.year_of_birth) for person in people],
        minimum_age=minimum_age, year=year)
    messages = []
    for problem in problems:
        if application.kind == ApplicationKind.individual:
            if problem.code == "missing_year_of_birth":
                messages.append(_("Add your year of birth to your profile: this event is for people aged "
                                  "%(age)d or older in %(year)d.", age=minimum_age, year=year))
            else:
                messages.append(_("This event is for people aged %(age)d or older in %(year)d.", age=minimum_age,
                                  year=year))
        elif problem.code == "missing_year_of_birth":
            # The member's own data is not shown to the others: only what is missing, and who should add it.
            messages.append(_("%(name)s has not given a year of birth: ask them to add it to their profile "
                              "(this event is for people aged %(age)d or older in %(year)d).", name=problem.name,
                              age=minimum_age, year=year))
        else:
            messages.append(_("%(name)s is younger than %(age)d in %(year)d, the minimum age for this event.",
                              name=problem.name, age=minimum_age, year=year))
    return messages


def _checked_answers(application: Application, answers: Mapping[str, Any], *, complete: bool):
    questions = active_questions(application.event)
    specs = [question_spec(question) for question in questions]
    return questions, specs, rules.check_answers(specs, answers, complete=complete)


def save_application(actor: User, application: Application, *, answers: Mapping[str, Any],
                     looking_for_team: bool | None = None, now: datetime | None = None) -> None:
    """Save answers. The applicant (or captain) saves a draft while applications are open: partial answers are
    kept, but every given answer must be acceptable. Organisers edit the answers of any application at any
    moment (audited); they are not the applicant of the application they edit."""
    now = now or utcnow()
    event = application.event
    if not can_edit_application(actor, application):
        _check_applicant_may_change(actor, application, now)  # raises, saying why
    organiser = not is_application_editor(actor, application)  # so an organiser who is the applicant gets no favour
    if not organiser:
        _check_applicant_may_change(actor, application, now)
    _questions, specs, checked = _checked_answers(application, answers, complete=False)
    if not checked.ok:
        raise InvalidAnswers(_field_errors(checked.problems))
    new_answers = rules.merge_answers(application.answers or {}, checked.answers, specs)
    if organiser:
        changed = sorted(key for key in set(new_answers) | set(application.answers or {})
                         if new_answers.get(key) != (application.answers or {}).get(key))
        if changed:
            record_audit(actor=actor, action="application.answers_update", event_id=event.id, target=application,
                         before={key: (application.answers or {}).get(key) for key in changed},
                         after={key: new_answers.get(key) for key in changed})
    application.answers = new_answers
    if looking_for_team is not None and not organiser and application.kind == ApplicationKind.individual:
        application.looking_for_team = bool(looking_for_team)
    db.session.commit()


def submit_application(actor: User, application: Application, *, answers: Mapping[str, Any], consent: bool,
                       looking_for_team: bool | None = None, now: datetime | None = None) -> bool:
    """Save the answers and submit: required answers, consent (when the event asks for it), everyone covered old
    enough, and for teams at least the event's minimum team size. Locks the answers and mails a receipt to
    everyone covered, each in their language.

    Returns False when the application was already submitted by a concurrent request (nothing else happens).
    When only completeness fails, the answers are still saved as a draft and InvalidAnswers(saved=True) says why.
    """
    now = now or utcnow()
    event = application.event
    _check_applicant_may_change(actor, application, now)
    questions, specs, checked = _checked_answers(application, answers, complete=False)
    if not checked.ok:
        raise InvalidAnswers(_field_errors(checked.problems))
    application.answers = rules.merge_answers(application.answers or {}, checked.answers, specs)
    if looking_for_team is not None and application.kind == ApplicationKind.individual:
        application.looking_for_team = bool(looking_for_team)

    field_errors = _field_errors({str(question_id): rules.Problem("required")
                                  for question_id in rules.missing_required(specs, application.answers)})
    settings = application_settings(event)
    if any(settings.consent_text.values()) and not consent:
        field_errors["consent"] = [_("Tick the box to consent to the data policy: the application cannot be "
                                     "submitted without it.")]
    general: list[str] = []
    people = covered_people(application)
    general += _eligibility_messages(application, people, settings.minimum_age, event_year(event, now))
    if application.kind == ApplicationKind.team:
        count = application.team.member_count if application.team is not None else 0
        if count < event.min_team_size:
            general.append(ngettext("Your team has %(count)d member; this event needs teams of at least %(min)d. "
                                    "Invite more people before you submit.",
                                    "Your team has %(count)d members; this event needs teams of at least %(min)d. "
                                    "Invite more people before you submit.", count, count=count,
                                    min=event.min_team_size))
    if field_errors or general:
        db.session.commit()  # the draft keeps what was typed
        raise InvalidAnswers(field_errors, general, saved=True)

    db.session.flush()
    # Conditional: of two submits at the same moment exactly one finds the draft (the other changes nothing).
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.draft)
        .values(status=ApplicationStatus.submitted, submitted_at=now, consent_at=now if consent else None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(application)
    if consent:
        record_consent(actor, event, now=now)  # which version of the data policy they accepted, and when
    _queue_receipts(application, questions, people)
    queue_event(event, "application.submitted", {"application_id": application.id, "kind": application.kind.value})
    db.session.commit()
    return True


def answer_rows(questions: Iterable[ApplicationQuestion], answers: Mapping[str, Any], locale: str,
                languages: list[str], *, include_unanswered: bool = True) -> list[dict[str, Any]]:
    """Questions with their answer for display, in `locale`: {"label", "kind", "value", "archived"}; choices
    become their option texts, yes/no stays a bool (templates translate it)."""
    rows = []
    for question in questions:
        value = (answers or {}).get(str(question.id))
        if value is None and (question.is_archived or not include_unanswered):
            continue
        if question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice) and value is not None:
            labels = {option["value"]: rules.pick_text(option["label"], locale, languages)
                      for option in question.options or []}
            chosen = value if isinstance(value, list) else [value]
            value = [labels.get(item, item) for item in chosen]
        rows.append({"label": rules.pick_text(question.label, locale, languages), "kind": question.kind.value,
                     "value": value, "archived": question.is_archived})
    return rows


def _queue_receipts(application: Application, questions: list[ApplicationQuestion], people: list[User]) -> None:
    event = application.event
    dashboard_url = url_for("applications.dashboard", slug=event.slug, _external=True)
    for person in people:
        locale = person.locale or (event.languages[0] if event.languages else None)
        queue_mail(person.email, "application_submitted", locale=locale, event_id=event.id, event=event,
                   person=person, application=application, team=application.team,
                   rows=answer_rows(questions, application.answers, locale or "en", event.languages),
                   dashboard_url=dashboard_url)


def withdraw_application(actor: User, application: Application, *, now: datetime | None = None) -> None:
    """The applicant or captain withdraws: drafts, submitted and waitlisted applications while applications are
    open; accepted (and confirmed) ones also later, until hacking starts, which removes the participant role of
    everyone covered (audited)."""
    now = now or utcnow()
    event = application.event
    if not can_withdraw_application(actor, application):
        if application.kind == ApplicationKind.team and is_applicant(actor, application):
            raise NotAllowed(_("Only your team's captain can withdraw the team's application."))
        raise NotAllowed()
    status = application.status
    if status in WITHDRAWABLE_WHILE_OPEN:
        _require_open(event, now)
    elif status in WITHDRAWABLE_UNTIL_HACKING:
        if event.hacking_starts_at is not None and now >= event.hacking_starts_at:
            raise OutOfPhase(_("Hacking has started: the application can no longer be withdrawn. Write to the "
                               "organisers if you cannot take part."))
    else:
        raise Conflict(_("This application cannot be withdrawn."))
    held_a_place = status in WITHDRAWABLE_UNTIL_HACKING
    if held_a_place:
        # Decisions lock the event row before they count places; take the locks in the same order.
        db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    result = db.session.execute(
        update(Application).where(Application.id == application.id, Application.status == status)
        .values(status=ApplicationStatus.withdrawn).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # changed meanwhile (a decision, or a second click): nothing to do
        db.session.rollback()
        return
    if held_a_place:
        people = covered_people(application)
        db.session.execute(delete(EventRole).where(
            EventRole.event_id == event.id, EventRole.role == Role.participant,
            EventRole.user_id.in_([person.id for person in people])))
        forget_roles()
        record_audit(actor=actor, action="application.withdraw", event_id=event.id, target=application,
                     before={"status": status.value}, after={"status": ApplicationStatus.withdrawn.value,
                                                            "participants_removed": [p.id for p in people]})
        # The freed place goes to the waitlist, as when accepted applicants decline (commits this unit of work).
        from hackathon.applications.review import promote_waitlist

        promote_waitlist(event, now)
    else:
        db.session.commit()
    db.session.refresh(application)


# The applicant's dashboard --------------------------------------------------------------------------------------

@dataclass
class Standing:
    """Everything the "where I stand" page shows, read with a fixed number of queries."""

    application: Application | None
    team: Team | None
    members: list[User]
    invitations: list[TeamInvitation]
    questions: list[ApplicationQuestion]
    settings: ApplicationSettings
    is_open: bool
    can_withdraw: bool
    can_edit: bool


def my_invitations(user: User, event: Event, now: datetime) -> list[TeamInvitation]:
    """Open invitations into teams addressed to the user (by account or by email) and their own join requests."""
    return list(db.session.scalars(
        select(TeamInvitation).options(joinedload(TeamInvitation.team))
        .where(TeamInvitation.event_id == event.id, TeamInvitation.status == TeamInvitationStatus.pending,
               TeamInvitation.expires_at > now,
               or_(and_(TeamInvitation.kind == TeamInvitationKind.invite,
                        or_(TeamInvitation.user_id == user.id, TeamInvitation.email == user.email)),
                   and_(TeamInvitation.kind == TeamInvitationKind.request, TeamInvitation.user_id == user.id)))
        .order_by(TeamInvitation.created_at.desc(), TeamInvitation.id.desc())))


def standing(user: User, event: Event, *, now: datetime | None = None) -> Standing:
    now = now or utcnow()
    application = application_of(user, event)
    team = application.team if application is not None and application.kind == ApplicationKind.team else None
    if team is None:
        team = team_of(user, event)
    members = list(db.session.scalars(
        select(User).join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.team_id == team.id)
        .order_by(TeamMember.joined_at, TeamMember.id))) if team is not None else []
    is_open = applications_open(event.schedule, now)
    can_withdraw = False
    can_edit = False
    if application is not None and is_application_editor(user, application):
        status = application.status
        hacking_started = event.hacking_starts_at is not None and now >= event.hacking_starts_at
        can_withdraw = (status in WITHDRAWABLE_WHILE_OPEN and is_open) or (
            status in WITHDRAWABLE_UNTIL_HACKING and not hacking_started)
        can_edit = status == ApplicationStatus.draft and is_open
    return Standing(application=application, team=team, members=members,
                    invitations=my_invitations(user, event, now), questions=all_questions(event),
                    settings=application_settings(event), is_open=is_open, can_withdraw=can_withdraw,
                    can_edit=can_edit)
