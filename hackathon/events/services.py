"""Event rules: creating and editing events, tracks, roles and invitations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.accounts.services import (find_user_by_email, hash_password, normalise_email, password_problem,
                                         WeakPassword)
from hackathon.audit import changed_fields, record_audit
from hackathon.database import YEAR_MAX, YEAR_MIN, utcnow
from hackathon.errors import Conflict, DomainError, InvalidToken, NotAllowed, NotFound
from hackathon.events.models import Event, EventRole, Invitation, Role, Track
from hackathon.events.phases import Schedule
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.permissions import can_create_event, can_invite_role, can_manage_event, can_remove_role, forget_roles

EVENT_FIELDS = (
    "slug", "title", "description", "timezone", "languages", "min_team_size", "max_team_size", "is_published",
    "applications_open_at", "applications_close_at", "hacking_starts_at", "submissions_close_at",
    "pitching_starts_at", "results_at",
)


def _check_event_values(values: dict[str, Any], *, event: Event | None = None) -> None:
    # The forms keep dates within YEAR_MIN..YEAR_MAX in the event's time; a year of slack for the move to UTC.
    if any(values[key] is not None and not YEAR_MIN - 1 <= values[key].year <= YEAR_MAX + 1
           for key in Schedule.__dataclass_fields__):
        raise DomainError(_("Enter a date between the years %(min)d and %(max)d.", min=YEAR_MIN, max=YEAR_MAX))
    if values["min_team_size"] > values["max_team_size"]:
        raise DomainError(_("The minimum team size cannot be larger than the maximum."))
    schedule = Schedule(**{key: values[key] for key in Schedule.__dataclass_fields__})
    if schedule.problems():
        raise DomainError(_("The phases must be in order: applications open, applications close, hacking starts, "
                            "submissions close, pitching, results."))
    taken = db.session.scalar(select(Event.id).where(Event.slug == values["slug"]))
    if taken is not None and (event is None or taken != event.id):
        raise Conflict(_("Another event already uses this address. Choose another short name."))


def create_event(actor: User, values: dict[str, Any]) -> Event:
    if not can_create_event(actor):
        raise NotAllowed()
    _check_event_values(values)
    event = Event(**{key: values[key] for key in EVENT_FIELDS})
    db.session.add(event)
    db.session.flush()
    record_audit(actor=actor, action="event.create", event_id=event.id, target=event,
                 after={key: values[key] for key in EVENT_FIELDS})
    db.session.commit()
    return event


def update_event(actor: User, event: Event, values: dict[str, Any]) -> None:
    if not can_manage_event(actor, event):
        raise NotAllowed()
    _check_event_values(values, event=event)
    before, after = changed_fields(event, {key: values[key] for key in EVENT_FIELDS})
    for key, value in after.items():
        setattr(event, key, value)
    if after:
        record_audit(actor=actor, action="event.update", event_id=event.id, target=event, before=before, after=after)
    db.session.commit()


def event_track(event: Event, track_id: int) -> Track:
    track = db.session.get(Track, track_id)
    if track is None or track.event_id != event.id:
        raise NotFound()
    return track


def add_track(actor: User, event: Event, *, name: str, description: str) -> Track:
    if not can_manage_event(actor, event):
        raise NotAllowed()
    position = max((track.position for track in event.tracks), default=0) + 1
    track = Track(event=event, name=name, description=description, position=position)
    db.session.add(track)
    db.session.flush()
    record_audit(actor=actor, action="track.create", event_id=event.id, target=track,
                 after={"name": name, "description": description})
    db.session.commit()
    return track


def update_track(actor: User, track: Track, *, name: str, description: str, position: int) -> None:
    if not can_manage_event(actor, track.event):
        raise NotAllowed()
    before, after = changed_fields(track, {"name": name, "description": description, "position": position})
    for key, value in after.items():
        setattr(track, key, value)
    if after:
        record_audit(actor=actor, action="track.update", event_id=track.event_id, target=track,
                     before=before, after=after)
    db.session.commit()


def delete_track(actor: User, track: Track) -> None:
    if not can_manage_event(actor, track.event):
        raise NotAllowed()
    record_audit(actor=actor, action="track.delete", event_id=track.event_id, target=track,
                 before={"name": track.name, "description": track.description})
    db.session.delete(track)
    db.session.commit()


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite_to_role(actor: User, event: Event, *, email: str, role: Role, now: datetime | None = None) -> Invitation:
    """Mail a single-use, expiring link that gives `role` at `event` to whoever follows it and signs in."""
    if not can_invite_role(actor, event, role):
        raise NotAllowed()
    now = now or utcnow()
    address = normalise_email(email)
    existing = find_user_by_email(address)
    if existing is not None and db.session.scalar(
        select(EventRole.id).where(EventRole.event_id == event.id, EventRole.user_id == existing.id,
                                   EventRole.role == role)
    ):
        raise Conflict(_("%(email)s is already %(role)s at this event.", email=address, role=role_label(role)))
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        event=event, email=address, role=role, token_hash=_hash_token(secret), invited_by_id=actor.id,
        created_at=now, expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(address, "invitation", locale=existing.locale if existing else None, event_id=event.id,
               event=event, role_value=role.value, inviter=actor,
               accept_url=url_for("events.accept_invitation", token=secret, _external=True),
               expires_at=invitation.expires_at)
    record_audit(actor=actor, action="invitation.create", event_id=event.id, target=invitation,
                 after={"email": address, "role": role.value})
    db.session.commit()
    return invitation


def invitation_for_token(secret: str, *, now: datetime | None = None) -> Invitation:
    now = now or utcnow()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(secret)))
    if invitation is None:
        raise InvalidToken(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvalidToken(_("This invitation was already accepted."))
    if invitation.revoked_at is not None:
        raise InvalidToken(_("This invitation was withdrawn by the organisers."))
    if now >= invitation.expires_at:
        raise InvalidToken(_("This invitation has expired. Ask the organisers for a new one."))
    return invitation


def _grant_role(user: User, event: Event, role: Role) -> None:
    exists = db.session.scalar(
        select(EventRole.id).where(EventRole.event_id == event.id, EventRole.user_id == user.id, EventRole.role == role)
    )
    if not exists:
        db.session.add(EventRole(event_id=event.id, user_id=user.id, role=role))
    forget_roles()


def accept_invitation(user: User, secret: str, *, now: datetime | None = None) -> Invitation:
    """Attach the invited role to the signed-in account; the link then stops working."""
    now = now or utcnow()
    invitation = invitation_for_token(secret, now=now)
    _grant_role(user, invitation.event, invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    record_audit(actor=user, action="invitation.accept", event_id=invitation.event_id, target=invitation,
                 after={"role": invitation.role.value, "user_id": user.id})
    db.session.commit()
    return invitation


def accept_invitation_with_new_account(secret: str, *, name: str, password: str, locale: str | None,
                                       now: datetime | None = None) -> User:
    """Create the account for the invited address (the link proves it) and accept."""
    now = now or utcnow()
    invitation = invitation_for_token(secret, now=now)
    if find_user_by_email(invitation.email) is not None:
        raise Conflict(_("An account with this email already exists. Sign in to accept the invitation."))
    problem = password_problem(password, email=invitation.email, name=name)
    if problem:
        raise WeakPassword(problem)
    user = User(name=name, email=invitation.email, password_hash=hash_password(password), locale=locale,
                email_confirmed_at=now, skills=[])
    db.session.add(user)
    db.session.flush()
    accept_invitation(user, secret, now=now)
    return user


def revoke_invitation(actor: User, event: Event, invitation_id: int, *, now: datetime | None = None) -> bool:
    """Withdraw a pending invitation; False when it was already accepted or withdrawn."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        raise NotFound()
    if not can_invite_role(actor, event, invitation.role):
        raise NotAllowed()
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
        record_audit(actor=actor, action="invitation.revoke", event_id=event.id, target=invitation,
                     before={"email": invitation.email, "role": invitation.role.value})
        db.session.commit()
        return True
    return False


def remove_role(actor: User, event: Event, event_role_id: int) -> None:
    event_role = db.session.get(EventRole, event_role_id)
    if event_role is None or event_role.event_id != event.id:
        raise NotFound()
    if not can_remove_role(actor, event, event_role.role):
        raise NotAllowed()
    if event_role.role == Role.organiser and event_role.user_id == actor.id and not actor.is_admin:
        raise DomainError(_("You cannot remove your own organiser role."))
    record_audit(actor=actor, action="role.remove", event_id=event.id, target=event_role,
                 before={"user_id": event_role.user_id, "role": event_role.role.value})
    db.session.delete(event_role)
    forget_roles()
    db.session.commit()


def role_label(role: Role) -> str:
    from hackathon.templating import ROLE_NAMES

    return str(ROLE_NAMES[role.value])
