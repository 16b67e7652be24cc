"""Team pages: creating a team, members and invitations, join links, the formation board, forming teams.

Who sees what (the services re-check every rule):
- `teams.create`, `teams.mine`, `teams.join`: any signed-in person who can see the event; `teams.mine` shows the
  team to its members, and to others their invitations and join requests.
- captain actions (edit, invite, withdraw, answer requests, remove, new join link): the captain (403 for other
  members, 404 for people without a team: there is no team of theirs to act on).
- `teams.email_invitation`: whoever holds the emailed link; answering needs signing in.
- `teams.board`: applicants of the event (an individual application that is not withdrawn, or a team) and its
  organisers and site admins; 403 for other signed-in people. It shows name, skills, background, region and
  language only: never year of birth, gender, email or organisation.
- `teams.formation`: organisers and site admins.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hackathon.accounts.forms import REGION_NAMES
from hackathon.database import utcnow
from hackathon.errors import DomainError, InvalidToken, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.events.phases import applications_open
from hackathon.extensions import db
from hackathon.forms import EmptyForm, posted_int
from hackathon.permissions import (can_change_team_membership, can_form_teams, can_lead_team, can_view_team_board,
                                   event_route, team_standing)
from hackathon.teams import bp, services
from hackathon.teams.formation import NO_ROOM, TOO_FEW_PEOPLE, explain
from hackathon.teams.forms import (AnswerForm, BoardFilterForm, EditTeamForm, InviteByEmailForm, TeamForm,
                                   formation_form, posted_slots, read_proposal)
from hackathon.teams.models import TeamInvitationKind
from hackathon.templating import register_nav


def signed_in(user, event: Event) -> bool:
    """Any signed-in person who can see the event (event_route sends the others to sign in)."""
    return True


@register_nav
def team_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "My team" for members, "Team board" for who may see it, "Form teams" for organisers."""
    if user is None or not user.is_authenticated:
        return []
    member, _applied = team_standing(user, event)
    links = []
    if member:
        links.append((_("My team"), "teams.mine"))
    if can_view_team_board(user, event):
        links.append((_("Team board"), "teams.board"))
    if can_form_teams(user, event):
        links.append((_("Form teams"), "teams.formation"))
    return links


def _labels() -> dict:
    return {
        "regions": REGION_NAMES,
        "languages": current_app.config["LANGUAGES"],
        "backgrounds": {"it": _("IT"), "non_it": _("Non-IT"), "unknown": _("Not given")},
    }


def _attempt(action, success: str | None, target: str):
    """Run a service call from a button: rule refusals become a flashed message; 403/404 stay errors."""
    try:
        result = action()
    except (NotFound, NotAllowed):
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        message = success(result) if callable(success) else success
        if message:
            flash(message, "success")
    return redirect(target)


def _my_team_or_404(event: Event):
    member = services.membership(current_user, event)
    if member is None:
        abort(404)
    return member.team


def _captains_team(event: Event):
    """The current user's team if they lead it: 404 without a team, 403 for members who do not lead it."""
    team = _my_team_or_404(event)
    if not can_lead_team(current_user, team):
        abort(403)
    return team


# --- creating ---------------------------------------------------------------------------------------------------


@bp.route("/events/<slug>/teams/new", methods=["GET", "POST"])
@event_route(signed_in)
def create(event: Event):
    if services.membership(current_user, event) is not None:
        flash(_("You are already in a team for this event."), "info")
        return redirect(url_for("teams.mine", slug=event.slug))
    now = utcnow()
    settings = services.application_settings(event)
    closed_reason = None
    if settings is not None and not settings.allow_teams:
        closed_reason = _("This event takes individual applications only: teams cannot be created.")
    elif not applications_open(event.schedule, now):
        closed_reason = _("Teams can be created only while applications are open.")
    form = TeamForm(event=event)
    if closed_reason is None and form.validate_on_submit():
        try:
            services.create_team(current_user, event, **form.team_values(), now=now)
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            flash(_("Your team is created. Invite members, then fill in the team's application."), "success")
            return redirect(url_for("teams.mine", slug=event.slug))
    return render_template("teams/create.html", event=event, form=form, closed_reason=closed_reason)


# --- my team --------------------------------------------------------------------------------------------------------


def _render_team_page(event: Event, team, *, edit_form=None, invite_form=None):
    now = utcnow()
    is_captain = can_lead_team(current_user, team)
    if is_captain and edit_form is None:
        edit_form = EditTeamForm(formdata=None, event=event)
        edit_form.fill_from(team)
    pending = services.pending_for_team(team)
    return render_template(
        "teams/mine.html", event=event, team=team, application=services.team_application(team),
        is_captain=is_captain, edit_form=edit_form if is_captain else None,
        invite_form=(invite_form or InviteByEmailForm(formdata=None, prefix="invite")) if is_captain else None,
        invitations=[i for i in pending if i.kind == TeamInvitationKind.invite],
        requests=[i for i in pending if i.kind == TeamInvitationKind.request],
        can_change=can_change_team_membership(current_user, event, now=now), now=now,
        join_url=url_for("teams.join", slug=event.slug, code=team.join_code, _external=True),
        button_form=EmptyForm(formdata=None), answer_form=AnswerForm(formdata=None),
        has_application_page="applications.edit" in current_app.view_functions,
        status_label=services.status_label, labels=_labels(),
    )


@bp.route("/events/<slug>/team", methods=["GET", "POST"])
@event_route(signed_in)
def mine(event: Event):
    team = services.load_team_page(current_user, event)
    if team is None:
        if request.method == "POST":
            abort(404)
        now = utcnow()
        return render_template(
            "teams/no_team.html", event=event, now=now,
            invitations=services.invitations_for_user(current_user, event, now=now),
            requests=services.requests_of_user(current_user, event),
            answer_form=AnswerForm(formdata=None), button_form=EmptyForm(formdata=None),
            can_view_board=can_view_team_board(current_user, event),
            can_create=applications_open(event.schedule, now) and getattr(
                services.application_settings(event), "allow_teams", True),
        )
    if request.method == "POST":
        if not can_lead_team(current_user, team):
            abort(403)
        form = EditTeamForm(event=event)
        if form.validate_on_submit():
            try:
                services.update_team(current_user, team, **form.team_values())
            except (NotFound, NotAllowed):
                raise
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
                team = services.load_team_page(current_user, event)
            else:
                flash(_("The team is saved."), "success")
                return redirect(url_for("teams.mine", slug=event.slug))
        return _render_team_page(event, team, edit_form=form)
    return _render_team_page(event, team)


@bp.route("/events/<slug>/team/invitations", methods=["POST"])
@event_route(signed_in)
def invite(event: Event):
    team = _captains_team(event)
    form = InviteByEmailForm(prefix="invite")  # its fields stay apart from the edit form's on the same page
    if form.validate_on_submit():
        try:
            services.invite_by_email(current_user, team, email=form.email.data, message=form.message.data or "")
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("teams.mine", slug=event.slug))
    return _render_team_page(event, services.load_team_page(current_user, event), invite_form=form)


@bp.route("/events/<slug>/team/invitations/<id:invitation_id>/withdraw", methods=["POST"])
@event_route(signed_in)
def withdraw_invitation(event: Event, invitation_id: int):
    team = _captains_team(event)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.withdraw_invitation(current_user, team, invitation_id),
                    _("The invitation is withdrawn: its link no longer works."), url_for("teams.mine", slug=event.slug))


@bp.route("/events/<slug>/team/requests/<id:invitation_id>/answer", methods=["POST"])
@event_route(signed_in)
def answer_request(event: Event, invitation_id: int):
    team = _captains_team(event)
    form = AnswerForm()
    if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
        abort(400)
    accept = bool(form.accept.data)
    return _attempt(lambda: services.answer_request(current_user, team, invitation_id, accept=accept),
                    _("They are now in your team.") if accept else _("The request is declined."),
                    url_for("teams.mine", slug=event.slug))


@bp.route("/events/<slug>/team/members/<id:member_id>/remove", methods=["POST"])
@event_route(signed_in)
def remove_member(event: Event, member_id: int):
    team = _captains_team(event)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.remove_member(current_user, team, member_id),
                    _("The member is removed from the team."), url_for("teams.mine", slug=event.slug))


@bp.route("/events/<slug>/team/join-code", methods=["POST"])
@event_route(signed_in)
def new_join_code(event: Event):
    team = _captains_team(event)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.regenerate_join_code(current_user, team),
                    _("The team has a new join link. The old one no longer works."),
                    url_for("teams.mine", slug=event.slug))


@bp.route("/events/<slug>/team/leave", methods=["POST"])
@event_route(signed_in)
def leave(event: Event):
    _my_team_or_404(event)
    if not EmptyForm().validate_on_submit():
        abort(400)
    messages = {
        "kept": _("You left the team."),
        "deleted": _("You left the team. You were its last member, and its application was never submitted, so "
                     "the team and its draft application are deleted."),
        "emptied": _("You left the team. You were its last member: its application had been submitted, so the "
                     "team is kept for the organisers' records and its application is withdrawn."),
    }
    return _attempt(lambda: services.leave_team(current_user, event), lambda outcome: messages[outcome],
                    url_for("teams.mine", slug=event.slug))


# --- invitations to me ----------------------------------------------------------------------------------------------


@bp.route("/events/<slug>/team/invitations/<id:invitation_id>/answer", methods=["POST"])
@event_route(signed_in)
def answer_invitation(event: Event, invitation_id: int):
    invitation = services.invitation_for_user(current_user, event, invitation_id)
    form = AnswerForm()
    if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
        abort(400)
    accept = bool(form.accept.data)
    return _attempt(lambda: services.answer_invitation(current_user, invitation, accept=accept),
                    _("Welcome to the team!") if accept else _("The invitation is declined."),
                    url_for("teams.mine", slug=event.slug))


@bp.route("/events/<slug>/team-invitations/<token>", methods=["GET", "POST"])
@event_route()
def email_invitation(event: Event, token: str):
    try:
        invitation = services.invitation_for_token(event, token)
    except InvalidToken as error:
        return render_template("teams/invitation_invalid.html", event=event, message=error.message), 400
    form = AnswerForm()
    if current_user.is_authenticated and form.validate_on_submit() and (form.accept.data or form.decline.data):
        accept = bool(form.accept.data)
        return _attempt(lambda: services.answer_invitation(current_user, invitation, accept=accept),
                        _("Welcome to the team!") if accept else _("The invitation is declined."),
                        url_for("teams.mine", slug=event.slug))
    problem = services.join_problem(current_user, invitation.team) if current_user.is_authenticated else None
    return render_template("teams/email_invitation.html", event=event, invitation=invitation, team=invitation.team,
                           form=form, problem=problem)


# --- joining by link --------------------------------------------------------------------------------------------


@bp.route("/events/<slug>/join/<code>", methods=["GET", "POST"])
@event_route(signed_in)
def join(event: Event, code: str):
    team = services.team_by_join_code(event, code)
    form = EmptyForm()
    if form.validate_on_submit():
        return _attempt(lambda: services.join_team(current_user, team), _("Welcome to the team!"),
                        url_for("teams.mine", slug=event.slug))
    return render_template("teams/join.html", event=event, team=team, form=form,
                           problem=services.join_problem(current_user, team))


# --- the board --------------------------------------------------------------------------------------------------


BOARD_ARGS = ("show", "skill", "background", "region", "language", "page")


def _board_args() -> dict:
    return {key: request.args[key] for key in BOARD_ARGS if request.args.get(key)}


@bp.route("/events/<slug>/board")
@event_route(can_view_team_board)
def board(event: Event):
    form = BoardFilterForm(formdata=request.args)
    if request.args:
        form.validate()
    filters = form.filters()
    entries = services.team_board(event, filters)
    viewer = services.board_viewer(current_user, event)
    return render_template(
        "teams/board.html", event=event, form=form, board=entries, viewer=viewer, labels=_labels(),
        button_form=EmptyForm(formdata=None), args=_board_args(),
        page_url=lambda page: url_for("teams.board", slug=event.slug, **(_board_args() | {"page": page})),
        can_change=can_change_team_membership(current_user, event, now=utcnow()),
        full=bool(viewer.team and viewer.team.member_count >= event.max_team_size),
    )


@bp.route("/events/<slug>/board/people/<id:user_id>/invite", methods=["POST"])
@event_route(can_view_team_board)
def board_invite(event: Event, user_id: int):
    member = services.membership(current_user, event)
    if member is None or not can_lead_team(current_user, member.team):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.invite_from_board(current_user, member.team, user_id),
                    lambda invitation: _("%(name)s is invited to your team.", name=invitation.user.name),
                    url_for("teams.board", slug=event.slug, **_board_args()))


@bp.route("/events/<slug>/board/teams/<id:team_id>/request", methods=["POST"])
@event_route(can_view_team_board)
def board_request(event: Event, team_id: int):
    team = services.board_team(event, team_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.request_to_join(current_user, team),
                    _("Your request is sent. The team's captain will answer."),
                    url_for("teams.board", slug=event.slug, **_board_args()))


@bp.route("/events/<slug>/board/requests/<id:invitation_id>/cancel", methods=["POST"])
@event_route(signed_in)
def cancel_request(event: Event, invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _attempt(lambda: services.cancel_request(current_user, event, invitation_id),
                    _("Your request is withdrawn."), url_for("teams.mine", slug=event.slug))


# --- forming teams (organisers) ---------------------------------------------------------------------------------


REASONS = {
    TOO_FEW_PEOPLE: lambda event: _("Fewer people than the smallest team allowed (%(min)d).", min=event.min_team_size),
    NO_ROOM: lambda event: ngettext("Teams of %(min)d to %(max)d person cannot take everyone.",
                                    "Teams of %(min)d to %(max)d people cannot take everyone.", event.max_team_size,
                                    min=event.min_team_size, max=event.max_team_size),
}


@bp.route("/events/<slug>/formation", methods=["GET", "POST"])
@event_route(can_form_teams)
def formation(event: Event):
    people = services.formation_people(event)
    by_id = {person.user_id: person for person in people}
    suggestion = services.propose_teams(event, people)
    assignment: dict[int, int | None] = {}
    for number, suggested in enumerate(suggestion.teams, start=1):
        for candidate in suggested.members:
            assignment[candidate.id] = number
    slots = len(suggestion.teams) + 1  # one spare team to move people into
    if request.method == "POST":
        slots = posted_slots(request.form, limit=len(people) + 1) or slots
    names = services.default_team_names(event, slots)
    form = formation_form(slots, people, names, assignment)
    if form.validate_on_submit():
        proposal = read_proposal(request.form, slots)
        try:
            created = services.apply_formation(current_user, event, proposal)
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(ngettext("%(count)d team is created and accepted; its members are told by mail.",
                           "%(count)d teams are created and accepted; their members are told by mail.", len(created),
                           count=len(created)), "success")
            return redirect(url_for("teams.formation", slug=event.slug))
    # Group people by the team the form currently puts them in (the suggestion, or what was posted).
    groups: dict[int, list] = {number: [] for number in range(1, slots + 1)}
    left_out = []
    for person in people:
        value = form[f"person_{person.user_id}"].data
        number = posted_int(value, max=slots)
        (groups[number] if number else left_out).append(person)
    settings = services.application_settings(event)
    return render_template(
        "teams/formation.html", event=event, form=form, people=people, groups=groups, left_out=left_out,
        explanations={number: explain([p.candidate for p in members]) for number, members in groups.items()},
        reasons={user_id: REASONS[reason](event) for user_id, reason in suggestion.reasons.items()},
        problems=suggestion.problems, suggested_count=len(suggestion.teams), labels=_labels(), by_id=by_id,
        max_accepted=settings.max_accepted_teams if settings else None,
        accepted=services.accepted_team_count(event),
    )
