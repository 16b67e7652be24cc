"""Mentor profiles and assignment of mentors to teams.

Who sees what (the services re-check every rule):
- `mentoring.profile`: mentors of the event edit their own profile; organisers and site admins open any mentor's
  profile with `?mentor=<user id>` (404 for an id that is not a mentor of the event); 403 for everyone else.
- `mentoring.assignments`, `unassign`, `propose`, `apply`: organisers and site admins (403 for others).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.i18n import language_name_in
from hackathon.mentoring import assignment as services
from hackathon.mentoring import bp
from hackathon.forms import EmptyForm, options, posted_int
from hackathon.mentoring.assignment_forms import AssignForm, MentorProfileForm, ProposeForm
from hackathon.mentoring.progress import settings_for
from hackathon.permissions import can_assign_mentors, can_edit_own_mentor_profile, can_open_mentor_profile, event_route
from hackathon.templating import register_nav


@register_nav
def assignment_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: the mentor's own profile."""
    if can_edit_own_mentor_profile(user, event):
        return [(_("Mentor profile"), "mentoring.profile")]
    return []


def _mentor_id_arg() -> int | None:
    raw = request.args.get("mentor")
    if raw is None or raw == "":
        return None
    mentor_id = posted_int(raw)
    if mentor_id is None:
        abort(404)
    return mentor_id


@bp.route("/events/<slug>/mentor-profile", methods=["GET", "POST"])
@event_route(can_open_mentor_profile)
def profile(event: Event):
    mentor_id = _mentor_id_arg()
    try:
        mentor = services.mentor_for_edit(current_user, event, mentor_id)
    except NotAllowed:
        abort(403 if mentor_id is None or mentor_id == current_user.id else 404)
    except NotFound:
        abort(404)
    tracks, teams = services.event_tracks(event), services.event_teams(event)
    form = MentorProfileForm()
    form.set_choices(tracks, teams)
    if form.validate_on_submit():
        try:
            services.save_profile(current_user, event, mentor, **form.values())
        except NotFound:
            db.session.rollback()
            abort(404)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The mentor profile is saved."), "success")
            args = {"mentor": mentor.id} if mentor.id != current_user.id else {}
            return redirect(url_for("mentoring.profile", slug=event.slug, **args))
        status = 400
    elif request.method == "POST":
        status = 400
    else:
        profile = services.profile_for(event, mentor)
        team_ids, emails = services.conflicts_of(event, mentor)
        form.fill_from(profile, team_ids, emails)
        status = 200
    action = url_for("mentoring.profile", slug=event.slug,
                     **({"mentor": mentor.id} if mentor.id != current_user.id else {}))
    return render_template("mentoring/assignment/profile.html", event=event, form=form, mentor=mentor,
                           own=mentor.id == current_user.id, action=action), status


@register_nav
def assignment_organiser_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: the organisers' mentor assignment page."""
    return [(_("Mentors"), "mentoring.assignments")] if can_assign_mentors(user, event) else []


def _assignments_page(event: Event, *, assign_form=None, propose_form=None, proposal=None, keep_existing=True,
                      status=200):
    data = services.overview(event)
    if assign_form is None:
        assign_form = AssignForm(formdata=None)
    assign_form.team.choices = options([("", _("Choose a team"))] + [(t.id, t.name) for t in data["teams"]])
    assign_form.mentor.choices = options([("", _("Choose a mentor"))] + [
        (m.id, f"{m.name} ({data['loads'].get(m.id, 0)}/{data['capacity'].get(m.id, 3)})") for m in data["mentors"]])
    if propose_form is None:
        propose_form = ProposeForm(formdata=None)
        propose_form.per_team.data = settings_for(event).mentors_per_team
        propose_form.keep_existing.data = True
    slots = None
    if proposal is not None:
        slots = {t.id: [a for a in proposal.for_team(t.id) if not a.existing] for t in data["teams"]}
    return render_template(
        "mentoring/assignment/assignments.html", event=event, assign_form=assign_form, propose_form=propose_form,
        button_form=EmptyForm(formdata=None), proposal=proposal, slots=slots, keep_existing=keep_existing,
        mentor_names={m.id: m.name for m in data["mentors"]},
        team_names={t.id: t.name for t in data["teams"]}, **data), status


@bp.app_template_filter("match_reason")
def reason_text(reason: str) -> str:
    """A proposal's match reason ("track", "language: ru", "expertise: data") in the reader's language."""
    if reason == "track":
        return _("same track")
    kind, _sep, value = reason.partition(": ")
    if kind == "language":
        return _("language: %(value)s", value=language_name_in(value))
    if kind == "expertise":
        return _("expertise: %(value)s", value=value)
    return reason


UNCOVERED = {
    "no_mentors": lambda: _("there are no mentors"),
    "all_conflicted": lambda: _("every mentor has a conflict with this team"),
    "no_capacity": lambda: _("no mentor has capacity left"),
    "too_few_mentors": lambda: _("too few mentors without a conflict"),
}


@bp.app_template_filter("uncovered_reason")
def uncovered_reason(code: str) -> str:
    return UNCOVERED.get(code, lambda: code)()


@bp.route("/events/<slug>/mentors", methods=["GET", "POST"])
@event_route(can_assign_mentors)
def assignments(event: Event):
    form = AssignForm()
    if request.method == "GET":
        return _assignments_page(event)
    form.team.choices = form.mentor.choices = []
    if form.validate_on_submit():
        try:
            services.assign_mentor(current_user, event, form.team.data, form.mentor.data,
                                   override_capacity=bool(form.override_capacity.data))
        except NotFound:
            db.session.rollback()
            abort(404)
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            form.mentor.errors.append(error.message)
        else:
            flash(_("The mentor is assigned and notified."), "success")
            return redirect(url_for("mentoring.assignments", slug=event.slug))
    return _assignments_page(event, assign_form=form, status=400)


@bp.route("/events/<slug>/mentors/<id:assignment_id>/delete", methods=["POST"])
@event_route(can_assign_mentors)
def unassign(event: Event, assignment_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.unassign_mentor(current_user, event, assignment_id)
    except NotFound:
        db.session.rollback()
        flash(_("That assignment was already removed."), "info")
    else:
        flash(_("The mentor is unassigned."), "success")
    return redirect(url_for("mentoring.assignments", slug=event.slug))


@bp.route("/events/<slug>/mentors/propose", methods=["POST"])
@event_route(can_assign_mentors)
def propose(event: Event):
    form = ProposeForm()
    if not form.validate_on_submit():
        return _assignments_page(event, propose_form=form, status=400)
    settings = settings_for(event)
    settings.mentors_per_team = form.per_team.data
    db.session.add(settings)
    db.session.commit()
    keep = bool(form.keep_existing.data)
    proposal = services.propose(event, per_team=form.per_team.data, keep_existing=keep)
    return _assignments_page(event, propose_form=form, proposal=proposal, keep_existing=keep)


@bp.route("/events/<slug>/mentors/apply", methods=["POST"])
@event_route(can_assign_mentors)
def apply(event: Event):
    if not EmptyForm().validate_on_submit():
        flash(_("This form expired. Please propose again."), "error")
        return redirect(url_for("mentoring.assignments", slug=event.slug))
    keep = request.form.get("keep_existing") == "1"
    pairs, reasons = [], {}
    for key, value in request.form.items(multi=True):
        if not key.startswith("slot-") or not value:
            continue
        team_id, mentor_id = posted_int(key[5:].split("-")[0]), posted_int(value)
        if team_id is None or mentor_id is None:
            abort(404)
        pairs.append((team_id, mentor_id))
    for key, value in request.form.items(multi=True):
        if key.startswith("reason-"):
            team_part, _sep, mentor_part = key[7:].partition("-")
            if posted_int(team_part) is not None and posted_int(mentor_part) is not None:
                reasons[(posted_int(team_part), posted_int(mentor_part))] = value.split("|")[:10]
    try:
        created = services.apply_proposal(current_user, event, pairs, reasons, keep_existing=keep)
    except NotFound:
        db.session.rollback()
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(ngettext("%(n)d assignment created; its mentor and team are notified.",
                       "%(n)d assignments created; mentors and teams are notified.", created, n=created), "success")
    return redirect(url_for("mentoring.assignments", slug=event.slug))
