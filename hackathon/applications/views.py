"""Applying: the application form, the applicant's dashboard; organisers' form settings and questions."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from hackathon.i18n import lazy_gettext as _l
from flask_login import current_user

from hackathon.applications import bp, services
from hackathon.applications.answers import pick_text
from hackathon.applications.forms import (KIND_LABELS, ApplyForm, MoveForm, application_form, language_name,
                                          posted_option_rows, question_form, settings_form)
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed
from hackathon.events.models import Event, Role
from hackathon.events.phases import applications_open
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.i18n import current_locale
from hackathon.permissions import (can_apply, can_manage_event, can_view_application, event_route, is_applicant,
                                   is_application_editor, team_standing)
from hackathon.templating import register_nav


STATUS_LABELS = {
    ApplicationStatus.draft: _l("Draft"),
    ApplicationStatus.submitted: _l("Submitted"),
    ApplicationStatus.withdrawn: _l("Withdrawn"),
    ApplicationStatus.accepted: _l("Accepted"),
    ApplicationStatus.waitlisted: _l("On the waitlist"),
    ApplicationStatus.rejected: _l("Not accepted"),
    ApplicationStatus.confirmed: _l("Confirmed"),
    ApplicationStatus.declined: _l("Declined"),
    ApplicationStatus.lapsed: _l("Not confirmed in time"),
    ApplicationStatus.merged: _l("Merged into a team"),
}


@bp.app_template_global()
def application_status_label(status) -> str:
    """The status of an application in plain words, for every page and mail."""
    return str(STATUS_LABELS[ApplicationStatus(status)])


def has_endpoint(name: str) -> bool:
    """Links to other engineers' pages appear once their routes exist."""
    return name in current_app.view_functions


# Roles that run the event rather than take part in it.
STAFF_ROLES = frozenset({Role.organiser, Role.mentor, Role.juror, Role.reviewer})


@register_nav
def applying_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Apply while open (unless already applied); "My application" for everyone who has or may start one, so
    not for someone at the event only as staff (organiser, mentor, juror, reviewer) without an application.

    Whether staff have applied comes from team_standing, read once per request for the team menu as well, so
    the menu costs no query more than before."""
    if user is None or not user.is_authenticated:
        return []
    staff_only = bool(roles) and roles <= STAFF_ROLES
    show_mine = not staff_only or team_standing(user, event)[1]
    if can_manage_event(user, event):
        # Managers get the form's settings; their own dashboard still offers "Apply" (one query less per page).
        links = [(_l("Application form"), "applications.settings")]
        if show_mine:
            links.append((_l("My application"), "applications.dashboard"))
        return links
    links = []
    if applications_open(event.schedule, utcnow()):
        application = services.application_of(user, event)
        if application is None or application.status in services.REOPENABLE:
            links.append((_l("Apply"), "applications.apply"))
    if show_mine:
        links.append((_l("My application"), "applications.dashboard"))
    return links


# Applicants -----------------------------------------------------------------------------------------------------

@bp.route("/events/<slug>/apply", methods=["GET", "POST"])
@event_route(can_apply)
def apply(event: Event):
    now = utcnow()
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            application, created = services.apply_individually(
                current_user, event, looking_for_team=bool(form.looking_for_team.data), now=now)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            if created:
                flash(_("Your application is started as a draft. Answer the questions, then submit it."), "success")
            else:
                flash(_("You already have an application for this event: here it is."), "info")
            return redirect(url_for("applications.edit", slug=event.slug))
    settings = services.application_settings(event)
    return render_template(
        "applications/apply.html", event=event, form=form, settings=settings,
        application=services.application_of(current_user, event), team=services.team_of(current_user, event),
        is_open=applications_open(event.schedule, now), reopenable=services.REOPENABLE,
        can_create_team=has_endpoint("teams.create"), now=now)


def _answers_page(event: Event, application: Application, *, as_organiser: bool):
    """The application form (when the reader may change it) or the answers read-only."""
    now = utcnow()
    locale = current_locale()
    settings = services.application_settings(event)
    questions = services.active_questions(event)
    is_open = applications_open(event.schedule, now)
    if as_organiser:
        editable = True
    else:
        editable = (is_application_editor(current_user, application) and is_open
                    and application.status == ApplicationStatus.draft)
    individual = application.kind == ApplicationKind.individual and not as_organiser
    consent_text = None if as_organiser else pick_text(settings.consent_text, locale, event.languages) or None
    form = application_form(questions, locale=locale, languages=event.languages, individual=individual,
                            consent_text=consent_text, stored=application.answers,
                            looking_for_team=application.looking_for_team)
    general: list[str] = []
    if request.method == "POST" and not as_organiser and not is_application_editor(current_user, application):
        abort(403)  # a team member who is not the captain: they read, the captain writes
    if form.validate_on_submit():
        looking = bool(form.looking_for_team.data) if individual else None
        try:
            if not as_organiser and form.submit.data:
                done = services.submit_application(
                    current_user, application, answers=form.answers(), looking_for_team=looking, now=now,
                    consent=bool(form.consent.data) if consent_text else False)
                if done:
                    flash(_("Your application is submitted. We sent a confirmation by email."), "success")
                else:
                    flash(_("Your application was already submitted."), "info")
                return redirect(url_for("applications.dashboard", slug=event.slug))
            services.save_application(current_user, application, answers=form.answers(), looking_for_team=looking,
                                      now=now)
        except services.InvalidAnswers as error:
            if not error.saved:
                db.session.rollback()
            form.add_errors(error.field_errors)
            general = error.general
            flash(error.message, "error")
        except NotAllowed:
            db.session.rollback()
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            editable = False
        else:
            if as_organiser:
                flash(_("The answers are saved."), "success")
                return redirect(url_for("applications.edit_answers", slug=event.slug, application_id=application.id))
            flash(_("Your draft is saved. Submit it before applications close."), "success")
            return redirect(url_for("applications.edit", slug=event.slug))
    rows = services.answer_rows(services.all_questions(event), application.answers, locale, event.languages,
                                include_unanswered=True)
    return render_template(
        "applications/edit.html", event=event, application=application, form=form, editable=editable,
        general=general, rows=rows, consent_text=consent_text, as_organiser=as_organiser, is_open=is_open,
        is_editor=is_application_editor(current_user, application), settings=settings, now=now,
        questions_by_field={f"question_{question.id}": question for question in questions},
        review_link=has_endpoint("applications.review_detail"), team_link=has_endpoint("teams.mine"))


@bp.route("/events/<slug>/application", methods=["GET", "POST"])
@event_route(can_apply)
def edit(event: Event):
    application = services.application_of(current_user, event)
    if application is None:
        flash(_("You have not applied to this event yet."), "info")
        return redirect(url_for("applications.apply", slug=event.slug))
    return _answers_page(event, application, as_organiser=False)


@bp.route("/events/<slug>/application/withdraw", methods=["POST"])
@event_route(can_apply)
def withdraw(event: Event):
    application = services.application_of(current_user, event)
    if application is None or not is_applicant(current_user, application):
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            services.withdraw_application(current_user, application)
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("applications.dashboard", slug=event.slug))


@bp.route("/events/<slug>/me")
@event_route(can_apply)
def dashboard(event: Event):
    now = utcnow()
    locale = current_locale()
    data = services.standing(current_user, event, now=now)
    rows = []
    if data.application is not None:
        rows = services.answer_rows(data.questions, data.application.answers, locale, event.languages)
    return render_template(
        "applications/dashboard.html", event=event, data=data, application=data.application, rows=rows, now=now,
        button_form=EmptyForm(), can_confirm=has_endpoint("applications.confirm_participation"),
        can_decline=has_endpoint("applications.decline_participation"), team_link=has_endpoint("teams.mine"),
        can_create_team=has_endpoint("teams.create"), Status=ApplicationStatus,
        is_editor=data.application is not None and is_application_editor(current_user, data.application))


# Organisers: the form's settings and questions ------------------------------------------------------------------

@bp.route("/events/<slug>/form", methods=["GET", "POST"])
@event_route(can_manage_event)
def settings(event: Event):
    current = services.application_settings(event)
    form = settings_form(event.languages)
    if request.method == "GET":
        form.fill_from(current)
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, event, form.settings_values())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The application settings are saved."), "success")
            return redirect(url_for("applications.settings", slug=event.slug))
    locale = current_locale()
    questions = services.all_questions(event)
    answered = services.answered_question_ids(event)
    active = [question for question in questions if not question.is_archived]
    return render_template(
        "applications/settings.html", event=event, form=form, active=active,
        archived=[question for question in questions if question.is_archived], answered=answered,
        label_of=lambda question: pick_text(question.label, locale, event.languages), kind_labels=KIND_LABELS,
        button_form=EmptyForm(), language_name=language_name)


def _question_page(event: Event, question=None):
    posted = posted_option_rows(request.form) if request.method == "POST" else 0
    form = question_form(event.languages, existing_options=len(question.options or []) if question else 0,
                         posted_options=posted)
    if request.method == "GET" and question is not None:
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            if question is None:
                services.create_question(current_user, event, form.question_input())
            else:
                services.update_question(current_user, question, form.question_input())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The question is saved."), "success")
            return redirect(url_for("applications.settings", slug=event.slug))
    answered = question is not None and question.id in services.answered_question_ids(event)
    return render_template("applications/question.html", event=event, form=form, question=question,
                           answered=answered, language_name=language_name)


@bp.route("/events/<slug>/form/questions/new", methods=["GET", "POST"])
@event_route(can_manage_event)
def new_question(event: Event):
    return _question_page(event)


@bp.route("/events/<slug>/form/questions/<id:question_id>", methods=["GET", "POST"])
@event_route(can_manage_event)
def edit_question(event: Event, question_id: int):
    return _question_page(event, services.event_question(event, question_id))


@bp.route("/events/<slug>/form/questions/<id:question_id>/move", methods=["POST"])
@event_route(can_manage_event)
def move_question(event: Event, question_id: int):
    question = services.event_question(event, question_id)
    form = MoveForm()
    if form.validate_on_submit():
        services.move_question(current_user, question, form.direction.data)
    return redirect(url_for("applications.settings", slug=event.slug) + f"#question-{question.id}")


@bp.route("/events/<slug>/form/questions/<id:question_id>/delete", methods=["POST"])
@event_route(can_manage_event)
def delete_question(event: Event, question_id: int):
    question = services.event_question(event, question_id)
    if EmptyForm().validate_on_submit():
        outcome = services.delete_question(current_user, question)
        if outcome == "archived":
            flash(_("The question already has answers, so it is archived: applicants no longer see it, and its "
                    "answers are kept."), "success")
        else:
            flash(_("The question is deleted."), "success")
    return redirect(url_for("applications.settings", slug=event.slug))


# Organisers: editing the answers of any application (audited) ---------------------------------------------------

@bp.route("/events/<slug>/review/<id:application_id>/answers", methods=["GET", "POST"])
@event_route(can_manage_event)
def edit_answers(event: Event, application_id: int):
    application = services.event_application(event, application_id)
    if not can_view_application(current_user, application):
        abort(404)
    return _answers_page(event, application, as_organiser=True)
