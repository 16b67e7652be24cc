"""Event pages: list, overview, edit, tracks, people and invitations, audit log."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from hackathon.accounts.services import WeakPassword, find_user_by_email
from hackathon.i18n import current_locale
from hackathon.audit import AuditEntry, describe_entries
from hackathon.database import utcnow
from hackathon.errors import DomainError, InvalidToken
from hackathon.events import bp, services
from hackathon.events.forms import PHASE_FIELDS, AcceptWithNewAccountForm, EventForm, InviteForm, TrackForm
from hackathon.events.models import Event, EventRole, Invitation, Role
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.permissions import (admin_required, can_invite_role, can_manage_event, event_route, is_admin)

INVITABLE = (Role.organiser, Role.mentor, Role.juror, Role.reviewer)


@bp.route("/")
def index():
    query = select(Event).order_by(Event.applications_open_at.desc().nulls_last(), Event.id.desc())
    if not is_admin(current_user):
        visible = Event.is_published.is_(True)
        if current_user.is_authenticated:
            visible = or_(visible, Event.id.in_(select(EventRole.event_id).where(EventRole.user_id == current_user.id)))
        query = query.where(visible)
    events = db.session.scalars(query).all()
    my_roles: dict[int, list[Role]] = {}
    if current_user.is_authenticated:
        for event_id, role in db.session.execute(
            select(EventRole.event_id, EventRole.role).where(EventRole.user_id == current_user.id)
        ):
            my_roles.setdefault(event_id, []).append(role)
    return render_template("events/index.html", events=events, my_roles=my_roles, now=utcnow())


@bp.route("/events/new", methods=["GET", "POST"])
@admin_required
def create():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = services.create_event(current_user, form.event_values())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The event is created. Add tracks and invite organisers next."), "success")
            return redirect(url_for("events.overview", slug=event.slug))
    return render_template("events/edit.html", form=form, event=None, phase_fields=PHASE_FIELDS)


@bp.route("/events/<slug>/")
@event_route()
def overview(event: Event):
    return render_template("events/overview.html", event=event, now=utcnow())


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@event_route(can_manage_event)
def edit(event: Event):
    form = EventForm()
    if request.method == "GET":
        form.fill_from(event)
    if form.validate_on_submit():
        try:
            services.update_event(current_user, event, form.event_values())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("The event is saved."), "success")
            return redirect(url_for("events.overview", slug=event.slug))
    return render_template("events/edit.html", form=form, event=event, phase_fields=PHASE_FIELDS)


@bp.route("/events/<slug>/tracks", methods=["GET", "POST"])
@event_route(can_manage_event)
def tracks(event: Event):
    form = TrackForm()
    if form.validate_on_submit():
        services.add_track(current_user, event, name=form.name.data, description=form.description.data or "")
        flash(_("The track is added."), "success")
        return redirect(url_for("events.tracks", slug=event.slug))
    return render_template("events/tracks.html", event=event, form=form, delete_form=EmptyForm())


@bp.route("/events/<slug>/tracks/<id:track_id>", methods=["GET", "POST"])
@event_route(can_manage_event)
def edit_track(event: Event, track_id: int):
    track = services.event_track(event, track_id)
    form = TrackForm(obj=track)
    if form.validate_on_submit():
        services.update_track(current_user, track, name=form.name.data, description=form.description.data or "",
                              position=form.position.data or 0)
        flash(_("The track is saved."), "success")
        return redirect(url_for("events.tracks", slug=event.slug))
    return render_template("events/track_edit.html", event=event, track=track, form=form)


@bp.route("/events/<slug>/tracks/<id:track_id>/delete", methods=["POST"])
@event_route(can_manage_event)
def delete_track(event: Event, track_id: int):
    track = services.event_track(event, track_id)
    if EmptyForm().validate_on_submit():
        services.delete_track(current_user, track)
        flash(_("The track is deleted."), "success")
    return redirect(url_for("events.tracks", slug=event.slug))


def _invitable_roles(event: Event) -> list[Role]:
    return [role for role in INVITABLE if can_invite_role(current_user, event, role)]


@bp.route("/events/<slug>/people", methods=["GET", "POST"])
@event_route(can_manage_event)
def people(event: Event):
    roles = _invitable_roles(event)
    form = InviteForm(roles=roles)
    if form.validate_on_submit():
        try:
            services.invite_to_role(current_user, event, email=form.email.data, role=Role(form.role.data))
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("events.people", slug=event.slug))
    event_roles = db.session.scalars(
        select(EventRole).options(joinedload(EventRole.user))
        .where(EventRole.event_id == event.id).order_by(EventRole.role, EventRole.id)
    ).all()
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None)).order_by(Invitation.created_at.desc())
    ).all()
    return render_template("events/people.html", event=event, form=form, event_roles=event_roles,
                           invitations=invitations, button_form=EmptyForm(), now=utcnow(),
                           removable={role for role in INVITABLE if can_invite_role(current_user, event, role)})


@bp.route("/events/<slug>/people/<id:event_role_id>/remove", methods=["POST"])
@event_route(can_manage_event)
def remove_role(event: Event, event_role_id: int):
    if EmptyForm().validate_on_submit():
        services.remove_role(current_user, event, event_role_id)
        flash(_("The role is removed."), "success")
    return redirect(url_for("events.people", slug=event.slug))


@bp.route("/events/<slug>/invitations/<id:invitation_id>/revoke", methods=["POST"])
@event_route(can_manage_event)
def revoke_invitation(event: Event, invitation_id: int):
    if EmptyForm().validate_on_submit():
        if services.revoke_invitation(current_user, event, invitation_id):
            flash(_("The invitation is withdrawn."), "success")
        else:
            flash(_("This invitation was already accepted or withdrawn."), "info")
    return redirect(url_for("events.people", slug=event.slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.invitation_for_token(token)
    except InvalidToken as error:
        return render_template("events/invitation_invalid.html", message=error.message), 400
    role = services.role_label(invitation.role)
    if current_user.is_authenticated:
        form = EmptyForm()
        if form.validate_on_submit():
            services.accept_invitation(current_user, token)
            flash(_("You are now %(role)s at %(event)s.", role=role, event=invitation.event.title), "success")
            return redirect(url_for("events.overview", slug=invitation.event.slug))
        return render_template("events/invitation.html", invitation=invitation, role=role, form=form)
    has_account = find_user_by_email(invitation.email) is not None
    form = AcceptWithNewAccountForm()
    if not has_account and form.validate_on_submit():
        try:
            user = services.accept_invitation_with_new_account(
                token, name=form.name.data, password=form.password.data, locale=current_locale())
        except WeakPassword as error:
            form.password.errors.append(error.message)
        except DomainError as error:
            flash(error.message, "error")
        else:
            login_user(user)
            flash(_("Welcome! You are now %(role)s at %(event)s.", role=role, event=invitation.event.title),
                  "success")
            return redirect(url_for("events.overview", slug=invitation.event.slug))
    return render_template("events/invitation.html", invitation=invitation, role=role, form=form,
                           has_account=has_account)


@bp.route("/events/<slug>/audit")
@event_route(can_manage_event)
def audit(event: Event):
    entries = db.session.scalars(
        select(AuditEntry).options(joinedload(AuditEntry.actor))
        .where(AuditEntry.event_id == event.id).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(500)
    ).all()
    lines = describe_entries(list(entries), event_id=event.id, timezone=event.timezone, locale=current_locale(),
                             languages=list(event.languages or []))
    return render_template("events/audit.html", event=event, lines=lines)
