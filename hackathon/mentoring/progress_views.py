"""Mentoring progress pages.

Who sees what (the services re-check every rule):
- `mentoring.settings` and the milestone and rubric routes under it: organisers and site admins (403 for others).
- `mentoring.check_ins`: members of an accepted team (403 for others); posting only while hacking is on.
- `mentoring.dashboard`: mentors of the event (403 for others). `mentoring.board`: organisers (403 for others).
- `mentoring.review_team`: mentors assigned to the team and organisers; 404 for every other signed-in person
  and for teams that are not accepted or belong to another event.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.mentoring import bp
from hackathon.mentoring import progress as services
from hackathon.mentoring.progress_forms import (CheckInForm, SettingsForm, criterion_form, milestone_form,
                                               review_form)
from hackathon.permissions import (accepted_team_id, can_manage_mentoring, can_post_check_in, can_review_team,
                                   can_view_mentor_dashboard, event_route)
from hackathon.templating import register_nav


@register_nav
def progress_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: the organisers' mentoring pages."""
    links = []
    if can_post_check_in(user, event):
        links.append((_("Progress"), "mentoring.check_ins"))
    if can_view_mentor_dashboard(user, event):
        links.append((_("My teams"), "mentoring.dashboard"))
    if can_manage_mentoring(user, event):
        links.append((_("Mentoring board"), "mentoring.board"))
        links.append((_("Mentoring settings"), "mentoring.settings"))
    return links


def _names(event: Event):
    """A function giving an object's name in the reader's language (templates call it)."""
    language = str(get_locale())
    fallback = list(event.languages or [])
    return lambda names: services.localized(names, language, fallback)


def _settings_page(event: Event, *, settings_form=None, new_milestone=None, new_criterion=None, status=200):
    settings = services.settings_for(event)
    if settings_form is None:
        settings_form = SettingsForm(formdata=None)
        settings_form.fill_from(settings)
    return render_template(
        "mentoring/progress/settings.html", event=event, settings_form=settings_form,
        milestones=services.milestones(event), criteria=services.rubric(event, include_archived=True),
        new_milestone=new_milestone or milestone_form(event, formdata=None, prefix="milestone"),
        new_criterion=new_criterion or criterion_form(event, formdata=None, prefix="criterion"),
        button_form=EmptyForm(formdata=None), name_of=_names(event)), status


def _retry(error: DomainError, form, field_name: str) -> None:
    db.session.rollback()
    form[field_name].errors.append(error.message)


@bp.route("/events/<slug>/mentoring", methods=["GET", "POST"])
@event_route(can_manage_mentoring)
def settings(event: Event):
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, event, **form.values())
        except NotAllowed:
            raise
        except DomainError as error:
            _retry(error, form, "mentors_per_team")
        else:
            flash(_("The mentoring settings are saved."), "success")
            return redirect(url_for("mentoring.settings", slug=event.slug))
    if form.is_submitted():
        return _settings_page(event, settings_form=form)
    return _settings_page(event)


@bp.route("/events/<slug>/mentoring/milestones", methods=["POST"])
@event_route(can_manage_mentoring)
def add_milestone(event: Event):
    form = milestone_form(event, prefix="milestone")
    if form.validate_on_submit():
        try:
            services.add_milestone(current_user, event, **form.values())
        except NotAllowed:
            raise
        except DomainError as error:
            _retry(error, form, f"title_{form._languages[0]}")
        else:
            flash(_("The milestone is added."), "success")
            return redirect(url_for("mentoring.settings", slug=event.slug) + "#milestones")
    return _settings_page(event, new_milestone=form)


def _milestone_or_404(event: Event, milestone_id: int):
    try:
        return services.get_milestone(event, milestone_id)
    except NotFound:
        abort(404)


@bp.route("/events/<slug>/mentoring/milestones/<id:milestone_id>", methods=["GET", "POST"])
@event_route(can_manage_mentoring)
def edit_milestone(event: Event, milestone_id: int):
    milestone = _milestone_or_404(event, milestone_id)
    form = milestone_form(event)
    if not form.is_submitted():
        form.fill_from(milestone)
    if form.validate_on_submit():
        try:
            services.update_milestone(current_user, milestone, event=event, **form.values())
        except NotAllowed:
            raise
        except DomainError as error:
            _retry(error, form, f"title_{form._languages[0]}")
        else:
            flash(_("The milestone is saved."), "success")
            return redirect(url_for("mentoring.settings", slug=event.slug) + "#milestones")
    return render_template("mentoring/progress/milestone.html", event=event, form=form, milestone=milestone,
                           button_form=EmptyForm(formdata=None))


@bp.route("/events/<slug>/mentoring/milestones/<id:milestone_id>/delete", methods=["POST"])
@event_route(can_manage_mentoring)
def delete_milestone(event: Event, milestone_id: int):
    milestone = _milestone_or_404(event, milestone_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_milestone(current_user, milestone, event=event)
    flash(_("The milestone is deleted."), "success")
    return redirect(url_for("mentoring.settings", slug=event.slug) + "#milestones")


@bp.route("/events/<slug>/mentoring/rubric", methods=["POST"])
@event_route(can_manage_mentoring)
def add_criterion(event: Event):
    form = criterion_form(event, prefix="criterion")
    if form.validate_on_submit():
        try:
            services.add_criterion(current_user, event, **form.values())
        except NotAllowed:
            raise
        except DomainError as error:
            _retry(error, form, f"name_{form._languages[0]}")
        else:
            flash(_("The criterion is added."), "success")
            return redirect(url_for("mentoring.settings", slug=event.slug) + "#rubric")
    return _settings_page(event, new_criterion=form)


def _criterion_or_404(event: Event, criterion_id: int):
    try:
        return services.get_criterion(event, criterion_id)
    except NotFound:
        abort(404)


@bp.route("/events/<slug>/mentoring/rubric/<id:criterion_id>", methods=["GET", "POST"])
@event_route(can_manage_mentoring)
def edit_criterion(event: Event, criterion_id: int):
    criterion = _criterion_or_404(event, criterion_id)
    form = criterion_form(event, with_position=True)
    if not form.is_submitted():
        form.fill_from(criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(current_user, criterion, event=event, **form.values())
        except NotAllowed:
            raise
        except DomainError as error:
            _retry(error, form, f"name_{form._languages[0]}")
        else:
            flash(_("The criterion is saved."), "success")
            return redirect(url_for("mentoring.settings", slug=event.slug) + "#rubric")
    return render_template("mentoring/progress/criterion.html", event=event, form=form, criterion=criterion,
                           used=services.criterion_is_used(criterion), button_form=EmptyForm(formdata=None))


@bp.route("/events/<slug>/mentoring/rubric/<id:criterion_id>/delete", methods=["POST"])
@event_route(can_manage_mentoring)
def delete_criterion(event: Event, criterion_id: int):
    criterion = _criterion_or_404(event, criterion_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = services.remove_criterion(current_user, criterion, event=event)
    if outcome == "archived":
        flash(_("Reviews scored this criterion, so it is archived: new reviews no longer show it."), "success")
    else:
        flash(_("The criterion is deleted."), "success")
    return redirect(url_for("mentoring.settings", slug=event.slug) + "#rubric")


@bp.route("/events/<slug>/mentoring/rubric/<id:criterion_id>/restore", methods=["POST"])
@event_route(can_manage_mentoring)
def restore_criterion(event: Event, criterion_id: int):
    criterion = _criterion_or_404(event, criterion_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.restore_criterion(current_user, criterion, event=event)
    flash(_("The criterion is back in the rubric."), "success")
    return redirect(url_for("mentoring.settings", slug=event.slug) + "#rubric")


@bp.route("/events/<slug>/team/progress", methods=["GET", "POST"])
@event_route(can_post_check_in)
def check_ins(event: Event):
    team_id = accepted_team_id(current_user, event)
    name_of = _names(event)
    milestones = services.milestones(event)
    now = utcnow()
    is_open = services.check_ins_open(event, now)
    form = CheckInForm(milestones=milestones, name_of=name_of)
    if form.is_submitted() and not is_open:
        flash(_("Check-ins are open from the start of hacking until submissions close."), "error")
        return redirect(url_for("mentoring.check_ins", slug=event.slug))
    if form.validate_on_submit():
        try:
            services.clean_links(form.links.data)  # its message belongs under the links field
        except DomainError as error:
            form.links.errors.append(error.message)
        else:
            try:
                services.post_check_in(current_user, event, now=now, **form.values())
            except NotAllowed:
                raise
            except DomainError as error:
                _retry(error, form, "done")
            else:
                flash(_("Your check-in is posted. Your mentors will see it."), "success")
                return redirect(url_for("mentoring.check_ins", slug=event.slug))
    progress = services.team_progress(event, team_id)
    criteria = {str(c.id): c for c in services.rubric(event, include_archived=True)}
    return render_template("mentoring/progress/check_ins.html", event=event, form=form, is_open=is_open,
                           progress=progress, criteria=criteria, name_of=name_of)


def signed_in(user, event: Event) -> bool:
    """Any signed-in person who can see the event; the view answers 404 to those who may not see the team."""
    return True


@bp.route("/events/<slug>/mentoring/teams/<id:team_id>", methods=["GET", "POST"])
@event_route(signed_in)
def review_team(event: Event, team_id: int):
    if not can_review_team(current_user, event, team_id):
        abort(404)
    try:
        team = services.accepted_team(event, team_id)
    except NotFound:
        abort(404)
    name_of = _names(event)
    criteria = services.rubric(event)
    form = review_form(criteria, name_of=name_of)
    if form.validate_on_submit():
        try:
            services.review_team(current_user, event, team, now=utcnow(), **form.values())
        except NotFound:
            abort(404)
        except DomainError as error:
            _retry(error, form, "status")
        else:
            flash(_("Your review is saved. The team's members are told."), "success")
            return redirect(url_for("mentoring.review_team", slug=event.slug, team_id=team.id))
    progress = services.team_progress(event, team.id)
    all_criteria = {str(c.id): c for c in services.rubric(event, include_archived=True)}
    return render_template("mentoring/progress/review.html", event=event, team=team, form=form,
                           reviews_open=services.reviews_open(event),
                           progress=progress, criteria=all_criteria, name_of=name_of,
                           show_private=can_manage_mentoring(current_user, event), own_notes_of=current_user.id)


@bp.route("/events/<slug>/mentoring/mine")
@event_route(can_view_mentor_dashboard)
def dashboard(event: Event):
    board = services.mentor_dashboard(current_user, event, now=utcnow())
    return render_template("mentoring/progress/dashboard.html", event=event, board=board, name_of=_names(event))


@bp.route("/events/<slug>/mentoring/board")
@event_route(can_manage_mentoring)
def board(event: Event):
    board = services.organiser_board(event, now=utcnow())
    return render_template("mentoring/progress/board.html", event=event, board=board, name_of=_names(event))
