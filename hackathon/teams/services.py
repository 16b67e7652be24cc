"""Team rules: creating and editing teams, invitations and join requests, joining and leaving, the formation
board, and forming teams from accepted individuals.

Every way into a team (join link, emailed invitation, board invitation, accepted join request) goes through
`join_team`, which holds the size limit with a conditional UPDATE and lets the database's unique (event, user)
pair on team members be the last guard of "one team per person per event".
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from hackathon.applications.services import application_settings
from hackathon.accounts.models import User
from hackathon.accounts.services import find_user_by_email, normalise_email
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.audit import changed_fields, record_audit
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, InvalidToken, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.events.phases import applications_open
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.permissions import (can_change_team_membership, can_form_teams, can_lead_team, can_manage_event,
                                   can_view_team_board, forget_roles, forget_team_standing)
from hackathon.teams.formation import Candidate, Suggestion, suggest_teams
from hackathon.webhooks.services import queue_event
from hackathon.text import clean_line
from hackathon.teams.models import (TEAM_NAME_MAX, Team, TeamInvitation, TeamInvitationKind, TeamInvitationStatus,
                                    TeamMember, team_name_key)

S = ApplicationStatus
# An individual application in these states is folded into the team's when its applicant joins a team.
MERGEABLE = (S.draft, S.submitted, S.waitlisted, S.accepted)
# Individuals in these states and looking for a team are shown on the board.
ON_BOARD = (S.draft, S.submitted, S.waitlisted, S.accepted, S.confirmed)
# A team whose application is in one of these states takes no new members.
CLOSED = (S.withdrawn, S.rejected, S.declined, S.lapsed)
# Accepted teams hold the participant role for every member; capacity counts these.
ACCEPTED = (S.accepted, S.confirmed)
# Individuals the organisers may form teams from.
FORMABLE = (S.accepted, S.confirmed)

MAX_PENDING_INVITATIONS = 20  # per team: a captain cannot flood mailboxes
MAX_PENDING_REQUESTS = 10     # per person and event: nor can someone flood captains
BOARD_PAGE_SIZE = 25
IDEA_MAX = 1000
MESSAGE_MAX = 500


class TeamFull(Conflict):
    """The team already has the event's maximum number of members."""

    @staticmethod
    def default_message() -> str:
        return _("This team is full: it already has the largest number of members the event allows.")


# --- small helpers ------------------------------------------------------------------------------------------------


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_join_code() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


def _invitation_days() -> int:
    return current_app.config["INVITATION_MAX_AGE_DAYS"]


def team_application(team: Team) -> Application | None:
    return db.session.scalar(select(Application).where(Application.team_id == team.id))


def clean_skills(raw: str | Iterable[str] | None) -> list[str]:
    """Comma-separated skills as a list: trimmed, spaces collapsed, at most 20 of 40 characters, no repeats."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    seen: dict[str, str] = {}
    for item in items:
        tag = " ".join(str(item).split())[:40]
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())[:20]


def _window_error(event: Event, now: datetime) -> OutOfPhase:
    if event.applications_open_at is None or now < event.applications_open_at:
        return OutOfPhase(_("Applications are not open yet: teams can be formed once they open."))
    return OutOfPhase(_("Applications are closed: teams can no longer change. Contact the organisers if "
                        "something must change."))


def _require_window(actor: User, event: Event, now: datetime) -> None:
    """Teams change while applications are open; after that only organisers change them."""
    if not can_change_team_membership(actor, event, now=now):
        raise _window_error(event, now)


def _require_captain(actor: User, team: Team) -> None:
    if not can_lead_team(actor, team):
        raise NotAllowed(_("Only the team's captain can do that."))


def _check_team_open(team: Team, application: Application | None) -> None:
    if application is not None and application.status in CLOSED:
        raise Conflict(_("This team's application is closed (%(status)s): it takes no new members.",
                         status=status_label(application.status)))


def _check_name_free(event: Event, name: str, *, team: Team | None = None) -> str:
    key = team_name_key(name)
    if not key:
        raise DomainError(_("Give the team a name."))
    taken = db.session.scalar(select(Team.id).where(Team.event_id == event.id, Team.name_key == key))
    if taken is not None and (team is None or taken != team.id):
        raise Conflict(_("A team called “%(name)s” already exists at this event (names are compared ignoring "
                         "upper and lower case, extra spaces and different ways of typing the same character). "
                         "Choose another name.", name=name))
    return key


def _check_track(event: Event, track_id: int | None) -> int | None:
    if track_id is None:
        if db.session.scalar(select(Track.id).where(Track.event_id == event.id).limit(1)) is not None:
            raise DomainError(_("Choose a track."))
        return None
    track = db.session.get(Track, track_id)
    if track is None or track.event_id != event.id:
        raise DomainError(_("Choose one of this event's tracks."))
    return track.id


def status_label(status: ApplicationStatus) -> str:
    labels = {
        S.draft: _("draft"), S.submitted: _("submitted"), S.withdrawn: _("withdrawn"), S.accepted: _("accepted"),
        S.waitlisted: _("waitlisted"), S.rejected: _("rejected"), S.confirmed: _("confirmed"),
        S.declined: _("declined"), S.lapsed: _("lapsed"), S.merged: _("merged into a team"),
    }
    return labels[status]


def _merge_individual_application(event: Event, user_ids: int | Iterable[int], now: datetime, *,
                                  statuses: Iterable[ApplicationStatus] = MERGEABLE) -> None:
    """The team's application covers its members: their own individual application becomes `merged`."""
    user_ids = [user_ids] if isinstance(user_ids, int) else list(user_ids)
    db.session.execute(
        update(Application)
        .where(Application.event_id == event.id, Application.individual_user_id.in_(user_ids),
               Application.kind == ApplicationKind.individual, Application.status.in_(list(statuses)))
        .values(status=S.merged, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _grant_participant(event: Event, user_ids: Iterable[int]) -> None:
    user_ids = set(user_ids)
    if not user_ids:
        return
    holding = set(db.session.scalars(select(EventRole.user_id).where(
        EventRole.event_id == event.id, EventRole.role == Role.participant, EventRole.user_id.in_(user_ids))))
    for user_id in sorted(user_ids - holding):
        db.session.add(EventRole(event_id=event.id, user_id=user_id, role=Role.participant))
    forget_roles()


def _revoke_participant(event: Event, user_id: int) -> None:
    db.session.execute(delete(EventRole).where(EventRole.event_id == event.id, EventRole.user_id == user_id,
                                               EventRole.role == Role.participant))
    forget_roles()


def _close_pending_of(event: Event, user_ids: int | Iterable[int], now: datetime, *,
                      keep: TeamInvitation | None = None) -> None:
    """Once someone is in a team, their own pending join requests elsewhere are withdrawn."""
    user_ids = [user_ids] if isinstance(user_ids, int) else list(user_ids)
    query = (update(TeamInvitation)
             .where(TeamInvitation.event_id == event.id, TeamInvitation.user_id.in_(user_ids),
                    TeamInvitation.kind == TeamInvitationKind.request,
                    TeamInvitation.status == TeamInvitationStatus.pending)
             .values(status=TeamInvitationStatus.revoked, responded_at=now)
             .execution_options(synchronize_session=False))
    if keep is not None:
        query = query.where(TeamInvitation.id != keep.id)
    db.session.execute(query)


def _team_url(event: Event) -> str:
    return url_for("teams.mine", slug=event.slug, _external=True)


# --- reading ------------------------------------------------------------------------------------------------------


def membership(user: User, event: Event) -> TeamMember | None:
    return db.session.scalar(select(TeamMember).where(TeamMember.event_id == event.id,
                                                      TeamMember.user_id == user.id))


def load_team_page(user: User, event: Event) -> Team | None:
    """The user's team with its members and their profiles, track and application, in a fixed number of queries."""
    return db.session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.event_id == event.id, TeamMember.user_id == user.id)
        .options(selectinload(Team.members).joinedload(TeamMember.user), joinedload(Team.track),
                 joinedload(Team.captain))
    )


def pending_for_team(team: Team) -> list[TeamInvitation]:
    """The team's pending invitations and join requests, newest first (with the people they name)."""
    return list(db.session.scalars(
        select(TeamInvitation).options(joinedload(TeamInvitation.user))
        .where(TeamInvitation.team_id == team.id, TeamInvitation.status == TeamInvitationStatus.pending)
        .order_by(TeamInvitation.created_at.desc(), TeamInvitation.id.desc())
    ))


def invitations_for_user(user: User, event: Event, *, now: datetime | None = None) -> list[TeamInvitation]:
    """Open invitations into teams addressed to the user (by account or by email), with their teams."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(TeamInvitation).options(joinedload(TeamInvitation.team))
        .where(TeamInvitation.event_id == event.id, TeamInvitation.kind == TeamInvitationKind.invite,
               TeamInvitation.status == TeamInvitationStatus.pending, TeamInvitation.expires_at > now,
               or_(TeamInvitation.user_id == user.id, func.lower(TeamInvitation.email) == user.email.lower()))
        .order_by(TeamInvitation.created_at.desc(), TeamInvitation.id.desc())
    ))


def requests_of_user(user: User, event: Event) -> list[TeamInvitation]:
    """The user's own pending requests to join teams."""
    return list(db.session.scalars(
        select(TeamInvitation).options(joinedload(TeamInvitation.team))
        .where(TeamInvitation.event_id == event.id, TeamInvitation.kind == TeamInvitationKind.request,
               TeamInvitation.status == TeamInvitationStatus.pending, TeamInvitation.user_id == user.id)
        .order_by(TeamInvitation.created_at.desc(), TeamInvitation.id.desc())
    ))


def team_by_join_code(event: Event, code: str) -> Team:
    team = None
    if 0 < len(code) <= 16:
        team = db.session.scalar(select(Team).options(joinedload(Team.track))
                                 .where(Team.event_id == event.id, Team.join_code == code))
    if team is None:
        raise NotFound(_("This join link is not valid. The captain may have replaced it with a new one."))
    return team


def join_problem(user: User, team: Team, *, now: datetime | None = None) -> str | None:
    """Why the user cannot join the team right now (for the join page), or None."""
    now = now or utcnow()
    existing = membership(user, team.event)
    if existing is not None:
        return (_("You are already in this team.") if existing.team_id == team.id
                else _("You are already in a team for this event. Leave it first to join another one."))
    if not can_change_team_membership(user, team.event, now=now):
        return _("Applications are closed: teams can no longer change.")
    application = team_application(team)
    if application is not None and application.status in CLOSED:
        return _("This team's application is closed: it takes no new members.")
    if team.member_count >= team.event.max_team_size:
        return str(TeamFull.default_message())
    return None


# --- creating and editing -------------------------------------------------------------------------------------------


def create_team(actor: User, event: Event, *, name: str, track_id: int | None, idea: str,
                wanted_skills: Iterable[str], looking_for_members: bool, now: datetime | None = None) -> Team:
    """The captain's team with its first member and a draft team application; their own application merges."""
    now = now or utcnow()
    if not applications_open(event.schedule, now):
        raise _window_error(event, now)  # organisers create teams afterwards through formation, not here
    settings = application_settings(event)
    if settings is not None and not settings.allow_teams:
        raise NotAllowed(_("This event takes individual applications only: teams cannot be created."))
    if membership(actor, event) is not None:
        raise Conflict(_("You are already in a team for this event. Leave it first to create another one."))
    name = clean_line(name)
    key = _check_name_free(event, name)
    track_id = _check_track(event, track_id)
    team = Team(event_id=event.id, name=name, name_key=key, track_id=track_id, idea=idea.strip()[:IDEA_MAX],
                captain_id=actor.id, join_code=_new_join_code(), looking_for_members=bool(looking_for_members),
                wanted_skills=clean_skills(wanted_skills), member_count=1, created_at=now, updated_at=now)
    db.session.add(team)
    try:
        db.session.flush()
        db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=actor.id, joined_at=now))
        db.session.add(Application(event_id=event.id, kind=ApplicationKind.team, user_id=actor.id,
                                   individual_user_id=None, team_id=team.id, status=S.draft, answers={},
                                   created_at=now, updated_at=now))
        db.session.flush()
    except IntegrityError:
        # Someone took the name (or the captain joined a team) between our checks and the insert.
        db.session.rollback()
        if membership(actor, event) is not None:
            raise Conflict(_("You are already in a team for this event.")) from None
        raise Conflict(_("A team called “%(name)s” was just created by someone else. Choose another name.",
                         name=name)) from None
    _merge_individual_application(event, actor.id, now)
    _close_pending_of(event, actor.id, now)
    record_audit(actor=actor, action="team.create", event_id=event.id, target=team,
                 after={"name": name, "track_id": track_id, "looking_for_members": team.looking_for_members})
    queue_event(event, "team.formed", {"team_id": team.id, "name": name, "formed_by_organisers": False})
    db.session.commit()
    forget_team_standing()
    return team


def update_team(actor: User, team: Team, *, name: str, track_id: int | None, idea: str,
                wanted_skills: Iterable[str], looking_for_members: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    _require_captain(actor, team)
    _require_window(actor, team.event, now)
    name = clean_line(name)
    values = {"name": name, "name_key": _check_name_free(team.event, name, team=team),
              "track_id": _check_track(team.event, track_id), "idea": idea.strip()[:IDEA_MAX],
              "wanted_skills": clean_skills(wanted_skills), "looking_for_members": bool(looking_for_members)}
    before, after = changed_fields(team, values)
    for key, value in after.items():
        setattr(team, key, value)
    if not after:
        return
    after.pop("name_key", None)
    before.pop("name_key", None)
    record_audit(actor=actor, action="team.update", event_id=team.event_id, target=team, before=before, after=after)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("A team called “%(name)s” was just created by someone else. Choose another name.",
                         name=name)) from None


def regenerate_join_code(actor: User, team: Team, *, now: datetime | None = None) -> str:
    """A new secret join link; the old one stops working at once."""
    now = now or utcnow()
    _require_captain(actor, team)
    _require_window(actor, team.event, now)
    team.join_code = _new_join_code()
    record_audit(actor=actor, action="team.join_code", event_id=team.event_id, target=team)
    db.session.commit()
    return team.join_code


# --- joining and leaving ----------------------------------------------------------------------------------------


def join_team(user: User, team: Team, *, actor: User | None = None, invitation: TeamInvitation | None = None,
              now: datetime | None = None) -> TeamMember:
    """Add `user` to `team`: the one way into a team. `actor` is who acts (the joiner, or the captain accepting a
    request). Raises OutOfPhase, Conflict (already in a team, team closed) or TeamFull."""
    now = now or utcnow()
    actor = actor or user
    event = team.event
    _require_window(actor, event, now)
    application = team_application(team)
    _check_team_open(team, application)
    existing = membership(user, event)
    if existing is not None:
        if existing.team_id == team.id:
            raise Conflict(_("%(name)s is already in this team.", name=user.name) if actor.id != user.id
                           else _("You are already in this team."))
        raise Conflict(_("%(name)s is already in another team for this event.", name=user.name)
                       if actor.id != user.id else
                       _("You are already in a team for this event. Leave it first to join another one."))
    # The size limit holds under concurrent joins: the row is bumped only while it has room, atomically.
    bumped = db.session.execute(
        update(Team).where(Team.id == team.id, Team.member_count < event.max_team_size)
        .values(member_count=Team.member_count + 1).execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        db.session.rollback()
        raise TeamFull()
    member = TeamMember(event_id=event.id, team_id=team.id, user_id=user.id, joined_at=now)
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # also undoes the bump above
        raise Conflict(_("You are already in a team for this event.") if actor.id == user.id
                       else _("%(name)s is already in another team for this event.", name=user.name)) from None
    _merge_individual_application(event, user.id, now)
    if invitation is not None:
        invitation.status = TeamInvitationStatus.accepted
        invitation.responded_at = now
        invitation.user_id = user.id
    _close_pending_of(event, user.id, now, keep=invitation)
    if application is not None and application.status in ACCEPTED:
        _grant_participant(event, [user.id])
    record_audit(actor=actor, action="team.join", event_id=event.id, target=team,
                 after={"user_id": user.id, "via": invitation.kind.value if invitation else "link"})
    captain = team.captain
    if invitation is not None and invitation.kind == TeamInvitationKind.request:
        queue_mail(user.email, "team_request_answered", locale=user.locale, event_id=event.id, event=event,
                   team_name=team.name, accepted=True, team_url=_team_url(event))
    elif captain is not None and captain.id != user.id:
        queue_mail(captain.email, "team_member_joined", locale=captain.locale, event_id=event.id, event=event,
                   team_name=team.name, member_name=user.name, team_url=_team_url(event))
    db.session.commit()
    forget_team_standing()
    return member


def _drop_member(actor: User, team: Team, member: TeamMember, now: datetime, *, action: str) -> str:
    """Remove one member; hand over captaincy; the last one out closes the team. Returns what happened to
    the team: "kept", "deleted" (never submitted) or "emptied" (submitted before: kept, application withdrawn)."""
    event = team.event
    application = team_application(team)
    user_id = member.user_id
    remaining = [m for m in team.members if m.id != member.id]
    team.members.remove(member)  # delete-orphan: the row goes at flush, and the collection stays true
    db.session.execute(update(Team).where(Team.id == team.id).values(member_count=Team.member_count - 1)
                       .execution_options(synchronize_session=False))
    if application is not None and application.status in ACCEPTED:
        _revoke_participant(event, user_id)
    record_audit(actor=actor, action=action, event_id=event.id, target=team, before={"user_id": user_id})
    if remaining:
        if team.captain_id == user_id:
            # The longest-standing member leads next (members are ordered by when they joined).
            successor = sorted(remaining, key=lambda m: (m.joined_at, m.id))[0]
            team.captain_id = successor.user_id
            if application is not None:
                application.user_id = successor.user_id
            record_audit(actor=actor, action="team.captain", event_id=event.id, target=team,
                         before={"captain_id": user_id}, after={"captain_id": successor.user_id})
        return "kept"
    # The last member left.
    db.session.execute(update(TeamInvitation)
                       .where(TeamInvitation.team_id == team.id,
                              TeamInvitation.status == TeamInvitationStatus.pending)
                       .values(status=TeamInvitationStatus.revoked, responded_at=now)
                       .execution_options(synchronize_session=False))
    if application is None or application.submitted_at is None:
        if application is not None:
            db.session.delete(application)
        db.session.flush()
        db.session.delete(team)
        record_audit(actor=actor, action="team.delete", event_id=event.id,
                     before={"team_id": team.id, "name": team.name})
        return "deleted"
    if application.status in (S.draft, S.submitted, S.waitlisted, *ACCEPTED):
        record_audit(actor=actor, action="application.withdraw", event_id=event.id, target=application,
                     before={"status": application.status}, after={"status": S.withdrawn})
        application.status = S.withdrawn
    team.captain_id = None
    team.looking_for_members = False
    return "emptied"


def leave_team(user: User, event: Event, *, now: datetime | None = None) -> str:
    """The user leaves their team; see `_drop_member` for the outcome."""
    now = now or utcnow()
    member = membership(user, event)
    if member is None:
        raise NotFound(_("You are not in a team for this event."))
    _require_window(user, event, now)
    outcome = _drop_member(user, member.team, member, now, action="team.leave")
    db.session.commit()
    forget_team_standing()
    return outcome


def remove_member(actor: User, team: Team, member_id: int, *, now: datetime | None = None) -> None:
    """The captain (or an organiser) removes another member; the removed person is told by mail."""
    now = now or utcnow()
    member = db.session.get(TeamMember, member_id)
    if member is None or member.team_id != team.id:
        raise NotFound()
    if not (can_lead_team(actor, team) or can_manage_event(actor, team.event)):
        raise NotAllowed(_("Only the team's captain can do that."))
    if member.user_id == actor.id:
        raise DomainError(_("To leave the team yourself, use “Leave the team”."))
    _require_window(actor, team.event, now)
    removed = member.user
    _drop_member(actor, team, member, now, action="team.remove_member")
    queue_mail(removed.email, "team_member_removed", locale=removed.locale, event_id=team.event_id,
               event=team.event, team_name=team.name)
    db.session.commit()
    forget_team_standing()


# --- invitations and requests ----------------------------------------------------------------------------------


def _check_can_grow(team: Team) -> Application | None:
    application = team_application(team)
    _check_team_open(team, application)
    if team.member_count >= team.event.max_team_size:
        raise TeamFull()
    return application


def _pending_count(**where) -> int:
    query = select(func.count()).select_from(TeamInvitation).where(
        TeamInvitation.status == TeamInvitationStatus.pending)
    for key, value in where.items():
        query = query.where(getattr(TeamInvitation, key) == value)
    return db.session.scalar(query) or 0


def invite_by_email(actor: User, team: Team, *, email: str, message: str = "",
                    now: datetime | None = None) -> TeamInvitation:
    """Mail a single-use, expiring link into the team (in the invitee's language when they have an account)."""
    now = now or utcnow()
    _require_captain(actor, team)
    _require_window(actor, team.event, now)
    _check_can_grow(team)
    address = normalise_email(email)
    if db.session.scalar(select(User.id).join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.team_id == team.id, func.lower(User.email) == address)) is not None:
        raise Conflict(_("%(email)s is already in your team.", email=address))
    if db.session.scalar(select(TeamInvitation.id).where(
            TeamInvitation.team_id == team.id, TeamInvitation.kind == TeamInvitationKind.invite,
            TeamInvitation.status == TeamInvitationStatus.pending, TeamInvitation.expires_at > now,
            func.lower(TeamInvitation.email) == address)) is not None:
        raise Conflict(_("%(email)s is already invited. Withdraw that invitation first to send a new one.",
                         email=address))
    if _pending_count(team_id=team.id, kind=TeamInvitationKind.invite) >= MAX_PENDING_INVITATIONS:
        raise DomainError(ngettext("Your team has %(count)d pending invitation. Withdraw it before sending more.",
                                   "Your team has %(count)d pending invitations. Withdraw some before sending more.",
                                   MAX_PENDING_INVITATIONS, count=MAX_PENDING_INVITATIONS))
    invitee = find_user_by_email(address)
    secret = secrets.token_urlsafe(32)
    invitation = TeamInvitation(
        event_id=team.event_id, team_id=team.id, kind=TeamInvitationKind.invite, email=address,
        user_id=invitee.id if invitee else None, token_hash=_hash_token(secret), message=message.strip()[:MESSAGE_MAX],
        created_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=_invitation_days()))
    db.session.add(invitation)
    db.session.flush()
    queue_mail(address, "team_invitation", locale=invitee.locale if invitee else actor.locale,
               event_id=team.event_id, event=team.event, team_name=team.name, inviter_name=actor.name,
               message=invitation.message, expires_at=invitation.expires_at,
               accept_url=url_for("teams.email_invitation", slug=team.event.slug, token=secret, _external=True))
    record_audit(actor=actor, action="team.invite", event_id=team.event_id, target=invitation,
                 after={"team_id": team.id, "email": address})
    db.session.commit()
    return invitation


def board_person(event: Event, user_id: int) -> User:
    """A person shown on the board (looking for a team, not in one), or NotFound."""
    user = db.session.scalar(
        select(User).join(Application, Application.individual_user_id == User.id)
        .where(User.id == user_id, Application.event_id == event.id,
               Application.kind == ApplicationKind.individual, Application.looking_for_team.is_(True),
               Application.status.in_(ON_BOARD),
               ~exists().where(TeamMember.event_id == event.id, TeamMember.user_id == User.id))
    )
    if user is None:
        raise NotFound(_("This person is not looking for a team (any more)."))
    return user


def invite_from_board(actor: User, team: Team, user_id: int, *, now: datetime | None = None) -> TeamInvitation:
    """The captain invites someone from the board; the invitation is addressed to their account."""
    now = now or utcnow()
    _require_captain(actor, team)
    _require_window(actor, team.event, now)
    person = board_person(team.event, user_id)
    _check_can_grow(team)
    if db.session.scalar(select(TeamInvitation.id).where(
            TeamInvitation.team_id == team.id, TeamInvitation.kind == TeamInvitationKind.invite,
            TeamInvitation.status == TeamInvitationStatus.pending, TeamInvitation.expires_at > now,
            or_(TeamInvitation.user_id == person.id, func.lower(TeamInvitation.email) == person.email.lower())
    )) is not None:
        raise Conflict(_("%(name)s is already invited to your team.", name=person.name))
    if _pending_count(team_id=team.id, kind=TeamInvitationKind.invite) >= MAX_PENDING_INVITATIONS:
        raise DomainError(ngettext("Your team has %(count)d pending invitation. Withdraw it before sending more.",
                                   "Your team has %(count)d pending invitations. Withdraw some before sending more.",
                                   MAX_PENDING_INVITATIONS, count=MAX_PENDING_INVITATIONS))
    invitation = TeamInvitation(event_id=team.event_id, team_id=team.id, kind=TeamInvitationKind.invite,
                                email=person.email, user_id=person.id, created_by_id=actor.id, created_at=now,
                                expires_at=now + timedelta(days=_invitation_days()))
    db.session.add(invitation)
    db.session.flush()
    queue_mail(person.email, "team_board_invitation", locale=person.locale, event_id=team.event_id,
               event=team.event, team_name=team.name, inviter_name=actor.name, expires_at=invitation.expires_at,
               team_url=_team_url(team.event))
    record_audit(actor=actor, action="team.invite", event_id=team.event_id, target=invitation,
                 after={"team_id": team.id, "user_id": person.id})
    db.session.commit()
    return invitation


def board_team(event: Event, team_id: int) -> Team:
    """A team shown on the board (looking for members), or NotFound."""
    team = db.session.get(Team, team_id)
    if team is None or team.event_id != event.id or not team.looking_for_members or team.member_count == 0:
        raise NotFound(_("This team is not looking for members (any more)."))
    return team


def request_to_join(user: User, team: Team, *, message: str = "", now: datetime | None = None) -> TeamInvitation:
    """Ask a team on the board to take you in; its captain answers on the team page."""
    now = now or utcnow()
    event = team.event
    if not can_view_team_board(user, event):
        raise NotAllowed(_("Apply to the event first: the board is for its applicants."))
    _require_window(user, event, now)
    if membership(user, event) is not None:
        raise Conflict(_("You are already in a team for this event. Leave it first to join another one."))
    _check_can_grow(team)
    if db.session.scalar(select(TeamInvitation.id).where(
            TeamInvitation.team_id == team.id, TeamInvitation.kind == TeamInvitationKind.request,
            TeamInvitation.status == TeamInvitationStatus.pending, TeamInvitation.user_id == user.id,
            TeamInvitation.expires_at > now)) is not None:
        raise Conflict(_("You have already asked to join this team. Its captain will answer."))
    if _pending_count(event_id=event.id, user_id=user.id, kind=TeamInvitationKind.request) >= MAX_PENDING_REQUESTS:
        raise DomainError(ngettext("You have %(count)d request waiting for an answer. Withdraw it before asking "
                                   "more teams.", "You have %(count)d requests waiting for an answer. Withdraw some "
                                   "before asking more teams.", MAX_PENDING_REQUESTS, count=MAX_PENDING_REQUESTS))
    ask = TeamInvitation(event_id=event.id, team_id=team.id, kind=TeamInvitationKind.request, email=user.email,
                         user_id=user.id, created_by_id=user.id, message=message.strip()[:MESSAGE_MAX],
                         created_at=now, expires_at=now + timedelta(days=_invitation_days()))
    db.session.add(ask)
    db.session.flush()
    captain = team.captain
    if captain is not None:
        queue_mail(captain.email, "team_join_request", locale=captain.locale, event_id=event.id, event=event,
                   team_name=team.name, person_name=user.name, message=ask.message,
                   team_url=_team_url(event))
    record_audit(actor=user, action="team.request", event_id=event.id, target=ask, after={"team_id": team.id})
    db.session.commit()
    return ask


def _team_invitation(team: Team, invitation_id: int, kind: TeamInvitationKind) -> TeamInvitation:
    invitation = db.session.get(TeamInvitation, invitation_id)
    if invitation is None or invitation.team_id != team.id or invitation.kind != kind:
        raise NotFound()
    return invitation


def _check_pending(invitation: TeamInvitation, now: datetime) -> None:
    """Clear messages for every way a link or a request can be spent."""
    messages = {
        TeamInvitationStatus.accepted: _("This invitation was already used."),
        TeamInvitationStatus.declined: _("This invitation was declined."),
        TeamInvitationStatus.revoked: _("This invitation was withdrawn by the team."),
    }
    if invitation.kind == TeamInvitationKind.request:
        messages = {
            TeamInvitationStatus.accepted: _("This request was already accepted."),
            TeamInvitationStatus.declined: _("This request was already declined."),
            TeamInvitationStatus.revoked: _("This request was withdrawn."),
        }
    if invitation.status != TeamInvitationStatus.pending:
        raise InvalidToken(messages[invitation.status])
    if now >= invitation.expires_at:
        raise InvalidToken(_("This invitation has expired. Ask the team's captain for a new one.")
                           if invitation.kind == TeamInvitationKind.invite else _("This request has expired."))


def answer_request(actor: User, team: Team, invitation_id: int, *, accept: bool,
                   now: datetime | None = None) -> TeamInvitation:
    """The captain accepts (the person joins) or declines a join request; the person is told by mail."""
    now = now or utcnow()
    invitation = _team_invitation(team, invitation_id, TeamInvitationKind.request)
    _require_captain(actor, team)
    _check_pending(invitation, now)
    if accept:
        join_team(invitation.user, team, actor=actor, invitation=invitation, now=now)
        return invitation
    _require_window(actor, team.event, now)
    invitation.status = TeamInvitationStatus.declined
    invitation.responded_at = now
    person = invitation.user
    queue_mail(person.email, "team_request_answered", locale=person.locale, event_id=team.event_id,
               event=team.event, team_name=team.name, accepted=False,
               board_url=url_for("teams.board", slug=team.event.slug, _external=True))
    record_audit(actor=actor, action="team.request_decline", event_id=team.event_id, target=invitation)
    db.session.commit()
    return invitation


def withdraw_invitation(actor: User, team: Team, invitation_id: int, *, now: datetime | None = None) -> None:
    """The captain withdraws a pending invitation; its link stops working."""
    now = now or utcnow()
    invitation = _team_invitation(team, invitation_id, TeamInvitationKind.invite)
    _require_captain(actor, team)
    if invitation.status == TeamInvitationStatus.pending:
        invitation.status = TeamInvitationStatus.revoked
        invitation.responded_at = now
        record_audit(actor=actor, action="team.invite_withdraw", event_id=team.event_id, target=invitation)
        db.session.commit()


def cancel_request(user: User, event: Event, invitation_id: int, *, now: datetime | None = None) -> None:
    """A person withdraws their own pending join request."""
    now = now or utcnow()
    invitation = db.session.get(TeamInvitation, invitation_id)
    if (invitation is None or invitation.event_id != event.id or invitation.kind != TeamInvitationKind.request
            or invitation.user_id != user.id):
        raise NotFound()
    if invitation.status == TeamInvitationStatus.pending:
        invitation.status = TeamInvitationStatus.revoked
        invitation.responded_at = now
        db.session.commit()


def invitation_for_user(user: User, event: Event, invitation_id: int) -> TeamInvitation:
    """An invitation addressed to the user (their account or their address) at this event, else NotFound."""
    invitation = db.session.get(TeamInvitation, invitation_id)
    if (invitation is None or invitation.event_id != event.id or invitation.kind != TeamInvitationKind.invite
            or not (invitation.user_id == user.id or invitation.email.lower() == user.email.lower())):
        raise NotFound()
    return invitation


def invitation_for_token(event: Event, secret: str, *, now: datetime | None = None,
                         check: bool = True) -> TeamInvitation:
    """The emailed invitation for a link's secret; InvalidToken with a clear message if it cannot be used."""
    now = now or utcnow()
    invitation = None
    if 0 < len(secret) <= 100:
        invitation = db.session.scalar(select(TeamInvitation).options(joinedload(TeamInvitation.team))
                                       .where(TeamInvitation.token_hash == _hash_token(secret)))
    if invitation is None or invitation.event_id != event.id:
        raise InvalidToken(_("This invitation link is not valid."))
    if check:
        _check_pending(invitation, now)
    return invitation


def answer_invitation(user: User, invitation: TeamInvitation, *, accept: bool,
                      now: datetime | None = None) -> TeamInvitation:
    """The invitee joins (through `join_team`) or declines. The caller has checked that the invitation is theirs
    (by its emailed secret, or because it is addressed to their account or address)."""
    now = now or utcnow()
    _check_pending(invitation, now)
    if accept:
        join_team(user, invitation.team, invitation=invitation, now=now)
        return invitation
    invitation.status = TeamInvitationStatus.declined
    invitation.responded_at = now
    record_audit(actor=user, action="team.invite_decline", event_id=invitation.event_id, target=invitation)
    db.session.commit()
    return invitation


# --- the board ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    skill: str = ""
    background: str = ""
    region: str = ""
    language: str = ""
    show: str = "all"  # all | people | teams
    page: int = 1


@dataclass(frozen=True)
class BoardPerson:
    """Only what the board may show: never the year of birth, gender, email or organisation."""

    user_id: int
    name: str
    skills: tuple[str, ...]
    background: str | None
    region: str | None
    language: str | None


@dataclass(frozen=True)
class BoardTeam:
    team_id: int
    name: str
    track: str | None
    idea: str
    wanted_skills: tuple[str, ...]
    members: int
    free_places: int
    backgrounds: dict[str, int]
    regions: tuple[str, ...]
    languages: tuple[str, ...]
    skills: tuple[str, ...]


@dataclass
class Board:
    people: list[BoardPerson]
    teams: list[BoardTeam]
    people_total: int
    teams_total: int
    page: int
    pages: int


def _skill_matches(needle: str, skills: Iterable[str]) -> bool:
    needle = needle.casefold()
    return any(needle in skill.casefold() for skill in skills)


def team_board(event: Event, filters: BoardFilters) -> Board:
    """People looking for a team and teams looking for members, filtered, one page of each; two queries."""
    people: list[BoardPerson] = []
    teams: list[BoardTeam] = []
    if filters.show in ("all", "people"):
        query = (
            select(User.id, User.name, User.skills, User.background, User.region, User.locale)
            .join(Application, Application.individual_user_id == User.id)
            .where(Application.event_id == event.id, Application.kind == ApplicationKind.individual,
                   Application.looking_for_team.is_(True), Application.status.in_(ON_BOARD),
                   ~exists().where(TeamMember.event_id == event.id, TeamMember.user_id == User.id))
            .order_by(User.name, User.id)
        )
        if filters.background:
            query = query.where(User.background == filters.background)
        if filters.region:
            query = query.where(User.region == filters.region)
        if filters.language:
            query = query.where(User.locale == filters.language)
        for row in db.session.execute(query):
            skills = tuple(row.skills or ())
            if filters.skill and not _skill_matches(filters.skill, skills):
                continue
            people.append(BoardPerson(user_id=row.id, name=row.name, skills=skills,
                                      background=row.background.value if row.background else None,
                                      region=row.region, language=row.locale))
    if filters.show in ("all", "teams"):
        rows = db.session.scalars(
            select(Team)
            .outerjoin(Application, Application.team_id == Team.id)
            .where(Team.event_id == event.id, Team.looking_for_members.is_(True), Team.member_count > 0,
                   Team.member_count < event.max_team_size,
                   or_(Application.id.is_(None), Application.status.notin_(CLOSED)))
            .options(selectinload(Team.members).joinedload(TeamMember.user), joinedload(Team.track))
            .order_by(Team.name_key, Team.id)
        ).unique()
        for team in rows:
            users = [m.user for m in team.members]
            backgrounds = {"it": 0, "non_it": 0, "unknown": 0}
            for user in users:
                backgrounds[user.background.value if user.background else "unknown"] += 1
            member_skills = tuple(clean_skills(skill for user in users for skill in (user.skills or [])))
            entry = BoardTeam(
                team_id=team.id, name=team.name, track=team.track.name if team.track else None, idea=team.idea,
                wanted_skills=tuple(team.wanted_skills or ()), members=team.member_count,
                free_places=event.max_team_size - team.member_count, backgrounds=backgrounds,
                regions=tuple(sorted({u.region for u in users if u.region})),
                languages=tuple(sorted({u.locale for u in users if u.locale})), skills=member_skills)
            if filters.skill and not _skill_matches(filters.skill, entry.wanted_skills + entry.skills):
                continue
            if filters.background and not backgrounds.get(filters.background):
                continue
            if filters.region and filters.region not in entry.regions:
                continue
            if filters.language and filters.language not in entry.languages:
                continue
            teams.append(entry)
    pages = max(1, -(-max(len(people), len(teams)) // BOARD_PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    start = (page - 1) * BOARD_PAGE_SIZE
    return Board(people=people[start:start + BOARD_PAGE_SIZE], teams=teams[start:start + BOARD_PAGE_SIZE],
                 people_total=len(people), teams_total=len(teams), page=page, pages=pages)


@dataclass
class BoardViewer:
    """What the signed-in reader of the board can do there."""

    team: Team | None = None           # their team, if any
    is_captain: bool = False
    invited_user_ids: set[int] = field(default_factory=set)   # pending invitations from their team
    requested_team_ids: set[int] = field(default_factory=set)  # teams they asked to join


def board_viewer(user: User, event: Event, *, now: datetime | None = None) -> BoardViewer:
    now = now or utcnow()
    member = db.session.scalar(select(TeamMember).options(joinedload(TeamMember.team))
                               .where(TeamMember.event_id == event.id, TeamMember.user_id == user.id))
    viewer = BoardViewer(team=member.team if member else None)
    viewer.is_captain = bool(member and member.team.captain_id == user.id)
    mine = TeamInvitation.user_id == user.id
    if viewer.is_captain:
        mine = or_(mine, TeamInvitation.team_id == member.team_id)
    rows = db.session.execute(
        select(TeamInvitation.kind, TeamInvitation.team_id, TeamInvitation.user_id)
        .where(TeamInvitation.event_id == event.id, TeamInvitation.status == TeamInvitationStatus.pending,
               TeamInvitation.expires_at > now, mine)
    )
    for kind, team_id, user_id in rows:
        if kind == TeamInvitationKind.request and user_id == user.id:
            viewer.requested_team_ids.add(team_id)
        elif kind == TeamInvitationKind.invite and viewer.is_captain and team_id == member.team_id and user_id:
            viewer.invited_user_ids.add(user_id)
    return viewer


# --- forming teams from accepted individuals ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormationPerson:
    user_id: int
    name: str
    candidate: Candidate


def formation_people(event: Event) -> list[FormationPerson]:
    """Accepted (or confirmed) individuals of the event who are not in a team, by id; one query."""
    rows = db.session.execute(
        select(User.id, User.name, User.background, User.region, User.locale, User.skills)
        .join(Application, Application.individual_user_id == User.id)
        .where(Application.event_id == event.id, Application.kind == ApplicationKind.individual,
               Application.status.in_(FORMABLE),
               ~exists().where(TeamMember.event_id == event.id, TeamMember.user_id == User.id))
        .order_by(User.id)
    )
    return [FormationPerson(user_id=row.id, name=row.name, candidate=Candidate(
        id=row.id, background=row.background.value if row.background else None, region=row.region,
        language=row.locale, skills=tuple(row.skills or ()))) for row in rows]


def propose_teams(event: Event, people: list[FormationPerson]) -> Suggestion:
    """The suggestion for these people within the event's team sizes (deterministic)."""
    return suggest_teams([p.candidate for p in people], event.min_team_size, event.max_team_size)


def default_team_names(event: Event, count: int) -> list[str]:
    """'Team 1', 'Team 2' ... in the organiser's language, skipping names already taken at the event."""
    taken = set(db.session.scalars(select(Team.name_key).where(Team.event_id == event.id)))
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        name = _("Team %(number)d", number=number)
        if team_name_key(name) not in taken:
            names.append(name)
    return names


def accepted_team_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Application).where(
        Application.event_id == event.id, Application.kind == ApplicationKind.team,
        Application.status.in_(ACCEPTED))) or 0


@dataclass(frozen=True)
class ProposedTeam:
    name: str
    user_ids: tuple[int, ...]


def apply_formation(actor: User, event: Event, proposal: list[ProposedTeam], *,
                    now: datetime | None = None) -> list[Team]:
    """Create the organisers' teams, each with an accepted team application, merging the members' individual
    applications. Everything is re-validated against the current data; all or nothing."""
    now = now or utcnow()
    if not can_form_teams(actor, event):
        raise NotAllowed()
    proposal = [team for team in proposal if team.user_ids]
    if not proposal:
        raise DomainError(_("Put at least one person in a team."))
    people = {p.user_id: p for p in formation_people(event)}
    seen: set[int] = set()
    keys: set[str] = set()
    for team in proposal:
        for user_id in team.user_ids:
            if user_id in seen:
                raise DomainError(_("Someone is in two teams. Put each person in one team only."))
            if user_id not in people:
                raise Conflict(_("Someone in the proposal is no longer an accepted individual without a team "
                                 "(another organiser may have placed them). Reload the page."))
            seen.add(user_id)
        if not event.min_team_size <= len(team.user_ids) <= event.max_team_size:
            raise DomainError(ngettext("“%(name)s” has %(count)d person; teams at this event have %(min)d to %(max)d.",
                                       "“%(name)s” has %(count)d people; teams at this event have %(min)d to %(max)d.",
                                       len(team.user_ids), name=team.name, count=len(team.user_ids),
                                       min=event.min_team_size, max=event.max_team_size))
        name = clean_line(team.name)
        if not name or len(name) > TEAM_NAME_MAX:
            raise DomainError(ngettext("Give every team a name of at most %(max)d character.",
                                       "Give every team a name of at most %(max)d characters.", TEAM_NAME_MAX,
                                       max=TEAM_NAME_MAX))
        key = team_name_key(name)
        if key in keys:
            raise DomainError(_("Two teams are called “%(name)s”. Give each team its own name.", name=name))
        keys.add(key)
        _check_name_free(event, name)
    settings = application_settings(event)
    if settings is not None and settings.max_accepted_teams is not None:
        accepted = accepted_team_count(event)
        if accepted + len(proposal) > settings.max_accepted_teams:
            raise Conflict(ngettext("%(count)d new team would be too many (team limit: %(max)d, accepted already: "
                                    "%(accepted)d). Form fewer teams or raise the limit in the application settings.",
                                    "%(count)d new teams would be too many (team limit: %(max)d, accepted already: "
                                    "%(accepted)d). Form fewer teams or raise the limit in the application settings.",
                                    len(proposal), max=settings.max_accepted_teams, accepted=accepted,
                                    count=len(proposal)))
    confirm_by = now + timedelta(days=settings.confirmation_days if settings is not None else 7)
    created: list[Team] = []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(seen)))}
    try:
        for proposed in proposal:
            captain_id = proposed.user_ids[0]
            name = clean_line(proposed.name)
            team = Team(event_id=event.id, name=name, name_key=team_name_key(name), captain_id=captain_id,
                        join_code=_new_join_code(), looking_for_members=False, wanted_skills=[],
                        member_count=len(proposed.user_ids), formed_by_organisers=True, idea="",
                        created_at=now, updated_at=now)
            db.session.add(team)
            db.session.flush()
            for user_id in proposed.user_ids:
                db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=user_id, joined_at=now))
            application = Application(event_id=event.id, kind=ApplicationKind.team, user_id=captain_id,
                                      individual_user_id=None, team_id=team.id, status=S.accepted, answers={},
                                      decided_at=now, accepted_at=now, decided_by_id=actor.id, confirm_by=confirm_by,
                                      created_at=now, updated_at=now)
            db.session.add(application)
            db.session.flush()
            record_audit(actor=actor, action="team.form", event_id=event.id, target=team,
                         after={"name": name, "user_ids": list(proposed.user_ids), "application_id": application.id,
                                "status": S.accepted})
            queue_event(event, "team.formed", {"team_id": team.id, "name": name, "formed_by_organisers": True})
            created.append(team)
        _merge_individual_application(event, seen, now, statuses=FORMABLE)
        _close_pending_of(event, seen, now)
        # Formed people keep (or get) the participant role: their team is accepted.
        _grant_participant(event, seen)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone was placed in a team or a team name was taken while you were editing. "
                         "Reload the page and apply again.")) from None
    for team, proposed in zip(created, proposal):
        names = [users[user_id].name for user_id in proposed.user_ids]
        for user_id in proposed.user_ids:
            member = users[user_id]
            queue_mail(member.email, "team_formed", locale=member.locale, event_id=event.id, event=event,
                       team_name=team.name, member_names=names, confirm_by=confirm_by, team_url=_team_url(event))
    db.session.commit()
    forget_team_standing()
    return created
