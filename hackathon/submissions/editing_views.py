"""The team's submission page (edit, submit, return to draft) and the version history.

Who sees what: members of an accepted team edit their own team's submission (`can_edit_submission`; others 403);
the team routes never take a team id, so no one reaches another team's submission through them. Organisers read
any accepted team's history through the `/submissions/<team_id>/...` twins (`can_manage_submissions`); other
events' team ids and ids too large for the database are 404.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, Track
from hackathon.extensions import csrf, db
from hackathon.permissions import accepted_team_id, can_edit_submission, can_manage_submissions, event_route
from hackathon.submissions import bp, core
from hackathon.submissions import editing as services
from hackathon.submissions.deadlines import submission_state
from hackathon.submissions.editing_forms import CompareForm, SubmissionForm, VersionForm
from hackathon.submissions.models import SubmissionStatus
from hackathon.submissions.presenters import project_view, project_views
from hackathon.teams.models import Team, TeamMember
from hackathon.templating import register_nav


@register_nav
def team_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "Our project" for members of accepted teams (accepted_team_id is read once per request)."""
    return [(_("Our project"), "submissions.edit")] if can_edit_submission(user, event) else []


def _own_team(event: Event) -> Team:
    team = db.session.get(Team, accepted_team_id(current_user, event))
    if team is None:
        abort(403)
    return team


def _form(event: Event, team: Team, formdata=None) -> SubmissionForm:
    from hackathon.mentoring.models import Challenge

    tracks = list(db.session.scalars(select(Track).where(Track.event_id == event.id)
                                     .order_by(Track.position, Track.id)))
    challenges = list(db.session.scalars(select(Challenge).where(Challenge.event_id == event.id)
                                         .order_by(Challenge.title, Challenge.id)))
    members = list(db.session.scalars(select(User).join(TeamMember, TeamMember.user_id == User.id)
                                      .where(TeamMember.team_id == team.id)
                                      .order_by(TeamMember.joined_at, TeamMember.id)))
    return SubmissionForm(formdata=formdata, tracks=tracks, challenges=challenges, members=members)


def _defaults(form: SubmissionForm, team: Team) -> None:
    """A form for a team that has saved nothing yet: its track, its chosen challenge, every member credited."""
    from hackathon.mentoring.models import TeamChallenge

    form.version.data = 0
    form.track.data = str(team.track_id) if team.track_id else ""
    chosen = db.session.scalar(select(TeamChallenge.challenge_id).where(TeamChallenge.team_id == team.id))
    form.challenge.data = str(chosen) if chosen else ""
    form.credited.data = [choice[0] for choice in form.credited.choices]


def _set_version(form, version: int) -> None:
    """Show `version` in the hidden field even when the form was posted (WTForms re-shows the posted value)."""
    form.version.data = version
    form.version.raw_data = [str(version)]


def _countdown(deadline, now):
    seconds = deadline.seconds_left(now)
    if seconds is None:
        return None
    return {"until": deadline.effective_until, "seconds": seconds,
            "text": format_timedelta(deadline.effective_until - now, threshold=1.1, add_direction=False)
            if seconds else ""}


def _edit_page(event: Event, team: Team, *, form: SubmissionForm | None = None, conflict=None,
               missing_error: list[str] | None = None, status: int = 200):
    from hackathon.submissions.file_views import attachment_context

    now = utcnow()
    submission = core.team_submission(event, team.id)
    settings = core.settings_for(event)
    deadline = core.deadline_for(event, team.id, settings)
    files = attachment_context(event, submission, team, settings=settings, deadline=deadline, now=now)
    if form is None:
        form = _form(event, team)
        if submission is None:
            _defaults(form, team)
        else:
            form.fill(submission)
    state = submission_state(exists=submission is not None and bool(submission.title),
                             submitted=submission is not None and submission.status == SubmissionStatus.submitted,
                             submitted_at=submission.submitted_at if submission else None,
                             closes_at=event.submissions_close_at)
    missing = services.missing_for_submit(submission, settings.required_fields, files["attachments"])
    frozen = deadline.is_frozen(now)
    frozen_project = project_view(core.snapshot(submission)) if frozen and submission is not None else None
    version_form = VersionForm(formdata=None)
    _set_version(version_form, submission.lock_version if submission else 0)
    db.session.commit()  # settings_for may have created the event's settings row
    return render_template(
        "submissions/team/edit.html", event=event, team=team, submission=submission, form=form, state=state,
        missing=missing, missing_error=missing_error, deadline=deadline, frozen=frozen, in_grace=deadline.in_grace(now),
        countdown=_countdown(deadline, now), frozen_project=frozen_project, conflict=conflict,
        version_form=version_form, posted=request.method == "POST", **files), status


@bp.route("/events/<slug>/submission", methods=["GET", "POST"], endpoint="edit")
@event_route(can_edit_submission)
def edit(event: Event):
    team = _own_team(event)
    if request.method == "GET":
        return _edit_page(event, team)
    form = _form(event, team, request.form)
    if not form.validate():
        return _edit_page(event, team, form=form)
    try:
        version = services.save_submission(current_user, event, team, form.values(),
                                           expected_version=form.version.data or 0, now=utcnow())
    except core.SubmissionChanged as changed:
        db.session.rollback()
        saved = project_view(core.snapshot(changed.current))
        _set_version(form, changed.current.lock_version)
        flash(changed.message, "error")
        return _edit_page(event, team, form=form, conflict=saved, status=409)
    except services.Incomplete as incomplete:
        db.session.rollback()
        flash(_("Your project is submitted, so it must stay complete. Fill in what is missing or return it to "
                "draft first."), "error")
        return _edit_page(event, team, form=form, missing_error=incomplete.missing)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _edit_page(event, team, form=form)
    flash(_("Your project is saved.") if version else _("Nothing changed."), "success")
    return redirect(url_for("submissions.edit", slug=event.slug))


# The project form may stay open for a long time: it checks its own CSRF token, so an expired one re-shows the
# form with everything typed and a message instead of the generic error page.
csrf.exempt(edit)


@bp.route("/events/<slug>/submission/submit", methods=["POST"], endpoint="submit")
@event_route(can_edit_submission)
def submit(event: Event):
    team = _own_team(event)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.submit_submission(current_user, event, team, expected_version=form.version.data, now=utcnow())
    except NotAllowed:
        raise
    except core.SubmissionChanged:
        db.session.rollback()
        flash(_("Someone in your team changed the project in the meantime: check it below and submit again."),
              "error")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Your project is submitted. You can still edit it until the deadline."), "success")
    return redirect(url_for("submissions.edit", slug=event.slug))


@bp.route("/events/<slug>/submission/draft", methods=["POST"], endpoint="return_to_draft")
@event_route(can_edit_submission)
def return_to_draft(event: Event):
    team = _own_team(event)
    if not VersionForm().validate_on_submit():
        abort(400)
    try:
        services.return_to_draft(current_user, event, team, now=utcnow())
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Your project is a draft again: submit it before the deadline so that it is judged."), "success")
    return redirect(url_for("submissions.edit", slug=event.slug))


# --- version history: the team's own, and the organisers' twins -----------------------------------------------


def _organisers_team(event: Event, team_id: int) -> Team:
    from hackathon.submissions.organiser import accepted_team

    try:
        return accepted_team(event, team_id)
    except NotFound:
        abort(404)


def _links(event: Event, team: Team, organiser: bool) -> dict:
    if organiser:
        return {"versions": url_for("submissions.team_versions", slug=event.slug, team_id=team.id),
                "version": lambda n: url_for("submissions.team_version", slug=event.slug, team_id=team.id, number=n),
                "compare": url_for("submissions.team_compare", slug=event.slug, team_id=team.id)}
    return {"versions": url_for("submissions.versions", slug=event.slug),
            "version": lambda n: url_for("submissions.version", slug=event.slug, number=n),
            "compare": url_for("submissions.compare", slug=event.slug)}


def _versions_page(event: Event, team: Team, organiser: bool):
    versions = services.versions_of(core.team_submission(event, team.id))
    return render_template("submissions/team/versions.html", event=event, team=team, versions=versions,
                           changed=services.changed_in_words, actions=services.ACTION_LABELS,
                           links=_links(event, team, organiser), organiser=organiser)


def _version_page(event: Event, team: Team, number: int, organiser: bool):
    try:
        version = services.version_of(core.team_submission(event, team.id), number)
    except NotFound:
        abort(404)
    return render_template("submissions/team/version.html", event=event, team=team, version=version,
                           project=project_view(version.snapshot), actions=services.ACTION_LABELS,
                           links=_links(event, team, organiser), organiser=organiser)


def _compare_page(event: Event, team: Team, organiser: bool):
    form = CompareForm(request.args)
    submission = core.team_submission(event, team.id)
    versions = services.versions_of(submission)
    if not form.validate() or not versions:
        abort(404)
    newest = versions[0].number
    b = form.b.data if form.b.data is not None else newest
    a = form.a.data if form.a.data is not None else max(1, b - 1)
    by_number = {v.number: v for v in versions}
    if a not in by_number or b not in by_number:
        abort(404)
    old, new = by_number[a], by_number[b]
    names = project_views([old.snapshot, new.snapshot])
    return render_template("submissions/team/compare.html", event=event, team=team, old=old, new=new,
                           names=names, comparisons=services.compare_snapshots(old.snapshot, new.snapshot),
                           versions=versions, links=_links(event, team, organiser), organiser=organiser)


@bp.route("/events/<slug>/submission/versions", endpoint="versions")
@event_route(can_edit_submission)
def versions(event: Event):
    return _versions_page(event, _own_team(event), organiser=False)


@bp.route("/events/<slug>/submission/versions/<id:number>", endpoint="version")
@event_route(can_edit_submission)
def version(event: Event, number: int):
    return _version_page(event, _own_team(event), number, organiser=False)


@bp.route("/events/<slug>/submission/compare", endpoint="compare")
@event_route(can_edit_submission)
def compare(event: Event):
    return _compare_page(event, _own_team(event), organiser=False)


@bp.route("/events/<slug>/submissions/<id:team_id>/versions", endpoint="team_versions")
@event_route(can_manage_submissions)
def team_versions(event: Event, team_id: int):
    return _versions_page(event, _organisers_team(event, team_id), organiser=True)


@bp.route("/events/<slug>/submissions/<id:team_id>/versions/<id:number>", endpoint="team_version")
@event_route(can_manage_submissions)
def team_version(event: Event, team_id: int, number: int):
    return _version_page(event, _organisers_team(event, team_id), number, organiser=True)


@bp.route("/events/<slug>/submissions/<id:team_id>/compare", endpoint="team_compare")
@event_route(can_manage_submissions)
def team_compare(event: Event, team_id: int):
    return _compare_page(event, _organisers_team(event, team_id), organiser=True)
