"""Mentor profiles and conflicts (services; rules re-checked here, views stay thin).

A mentor's profile for an event holds expertise tags, tracks, languages, a capacity (1..20), a short bio and
declared conflicts (teams of the event, and people given by the email of a participant of the event).
Mentors edit their own profile; organisers and site admins may edit any mentor's profile.
"""
from __future__ import annotations

import re
from flask_babel import ngettext

from hackathon.i18n import lazy_gettext as _l
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db
from hackathon.mentoring.models import MentorConflict, MentorProfile
from hackathon.permissions import can_edit_mentor_profile
from hackathon.teams.models import Team, TeamMember

CAPACITY_MIN, CAPACITY_MAX = 1, 20
BIO_MAX = 1000
TAG_MAX = 40
MAX_TAGS = 20
MAX_LANGUAGES = 10
MAX_CONFLICT_PEOPLE = 30
TAG_RE = re.compile(r"^[\w][\w +#.\-]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


def split_tags(text: str | None, *, lower: bool = True) -> list[str]:
    """Comma or newline separated tags, stripped, de-duplicated in order."""
    seen: list[str] = []
    for raw in re.split(r"[,\n]", text or ""):
        tag = raw.strip().lower() if lower else raw.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def is_mentor(user: User, event: Event) -> bool:
    return db.session.scalar(select(EventRole.id).where(
        EventRole.event_id == event.id, EventRole.user_id == user.id, EventRole.role == Role.mentor)) is not None


def mentor_for_edit(actor: User, event: Event, mentor_id: int | None) -> User:
    """The mentor whose profile `actor` edits: themselves, or (organisers) any mentor of the event (else 404)."""
    if mentor_id is None or mentor_id == actor.id:
        if not is_mentor(actor, event):
            raise NotAllowed()
        return actor
    if not can_edit_mentor_profile(actor, event, mentor_id):
        raise NotFound()
    mentor = db.session.get(User, mentor_id)
    if mentor is None or not is_mentor(mentor, event):
        raise NotFound()
    return mentor


def profile_for(event: Event, mentor: User) -> MentorProfile:
    """The stored profile, or an unsaved one with the defaults."""
    profile = db.session.scalar(select(MentorProfile).where(
        MentorProfile.event_id == event.id, MentorProfile.user_id == mentor.id))
    if profile is None:
        profile = MentorProfile(event_id=event.id, user_id=mentor.id, expertise=[], track_ids=[], languages=[],
                                capacity=3, bio="")
    return profile


def conflicts_of(event: Event, mentor: User) -> tuple[list[int], list[str]]:
    """(team ids, person emails) the mentor declared conflicts with."""
    rows = db.session.execute(
        select(MentorConflict.team_id, User.email).outerjoin(User, User.id == MentorConflict.person_id)
        .where(MentorConflict.event_id == event.id, MentorConflict.mentor_id == mentor.id)
        .order_by(MentorConflict.id)).all()
    return [t for t, _ in rows if t is not None], [e for t, e in rows if e is not None]


def event_tracks(event: Event) -> list[Track]:
    return list(db.session.scalars(select(Track).where(Track.event_id == event.id).order_by(Track.id)))


def event_teams(event: Event) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.event_id == event.id).order_by(Team.name)))


def save_profile(actor: User, event: Event, mentor: User, *, expertise: list[str], track_ids: list[int],
                 languages: list[str], capacity: int, bio: str, conflict_team_ids: list[int],
                 conflict_emails: list[str]) -> MentorProfile:
    if not (actor.id == mentor.id and is_mentor(actor, event)) and not can_edit_mentor_profile(
            actor, event, mentor.id):
        raise NotAllowed()
    if not CAPACITY_MIN <= int(capacity) <= CAPACITY_MAX:
        raise DomainError(str(_l("Capacity must be between %(min)d and %(max)d.", min=CAPACITY_MIN,
                                 max=CAPACITY_MAX)))
    if len(bio or "") > BIO_MAX:
        raise DomainError(ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", BIO_MAX,
                                   max=BIO_MAX))
    if len(expertise) > MAX_TAGS or any(len(t) > TAG_MAX or not TAG_RE.match(t) for t in expertise):
        raise DomainError(ngettext("Give at most %(n)d expertise tag of up to %(max)d letters, digits or spaces.",
                                   "Give at most %(n)d expertise tags of up to %(max)d letters, digits or spaces.",
                                   MAX_TAGS, n=MAX_TAGS, max=TAG_MAX))
    if len(languages) > MAX_LANGUAGES or any(not LANGUAGE_RE.match(code) for code in languages):
        raise DomainError(str(_l("Give languages as two or three letter codes, such as en, ru or ky.")))
    valid_tracks = {t.id for t in event_tracks(event)}
    if not set(track_ids) <= valid_tracks:
        raise NotFound()
    valid_teams = {t.id for t in event_teams(event)}
    if not set(conflict_team_ids) <= valid_teams:
        raise NotFound()
    if len(conflict_emails) > MAX_CONFLICT_PEOPLE:
        raise DomainError(ngettext("Give at most %(n)d person.", "Give at most %(n)d people.", MAX_CONFLICT_PEOPLE,
                                   n=MAX_CONFLICT_PEOPLE))
    people: list[int] = []
    for email in conflict_emails:
        person_id = db.session.scalar(
            select(User.id).join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.event_id == event.id, db.func.lower(User.email) == email.lower()))
        if person_id is None:
            person_id = db.session.scalar(
                select(User.id).join(EventRole, EventRole.user_id == User.id)
                .where(EventRole.event_id == event.id, EventRole.role == Role.participant,
                       db.func.lower(User.email) == email.lower()))
        if person_id is None:
            raise DomainError(str(_l("%(email)s is not a participant of this event.", email=email)))
        if person_id not in people:
            people.append(person_id)

    profile = profile_for(event, mentor)
    before = {"expertise": profile.expertise, "track_ids": profile.track_ids, "languages": profile.languages,
              "capacity": profile.capacity, "bio": profile.bio}
    profile.expertise = list(expertise)
    profile.track_ids = sorted(set(track_ids))
    profile.languages = list(languages)
    profile.capacity = int(capacity)
    profile.bio = bio or ""
    db.session.add(profile)
    db.session.execute(db.delete(MentorConflict).where(MentorConflict.event_id == event.id,
                                                       MentorConflict.mentor_id == mentor.id))
    for team_id in sorted(set(conflict_team_ids)):
        db.session.add(MentorConflict(event_id=event.id, mentor_id=mentor.id, team_id=team_id))
    for person_id in people:
        db.session.add(MentorConflict(event_id=event.id, mentor_id=mentor.id, person_id=person_id))
    db.session.flush()
    record_audit(actor=actor, action="mentor_profile.update", event_id=event.id, target=profile, before=before,
                 after={"expertise": profile.expertise, "track_ids": profile.track_ids,
                        "languages": profile.languages, "capacity": profile.capacity, "bio": profile.bio,
                        "conflict_team_ids": sorted(set(conflict_team_ids)), "conflict_person_ids": people})
    db.session.commit()
    return profile


# --- assignment ----------------------------------------------------------------------------------------------

def accepted_teams(event: Event) -> list[Team]:
    from hackathon.applications.models import Application, ApplicationStatus

    return list(db.session.scalars(
        select(Team).join(Application, Application.team_id == Team.id)
        .where(Team.event_id == event.id,
               Application.status.in_((ApplicationStatus.accepted, ApplicationStatus.confirmed)))
        .order_by(Team.name, Team.id)))


def event_mentors(event: Event) -> list[User]:
    return list(db.session.scalars(
        select(User).join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == Role.mentor).order_by(User.name, User.id)))


def _inputs(event: Event):
    """Teams, mentors (matching inputs), existing pairs and lookups, read in a constant number of queries."""
    from hackathon.mentoring.matching import MentorInput, TeamInput
    from hackathon.mentoring.models import MentorAssignment

    teams = accepted_teams(event)
    team_ids = [t.id for t in teams]
    members: dict[int, list[User]] = {t.id: [] for t in teams}
    if team_ids:
        for team_id, user in db.session.execute(
                select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                .where(TeamMember.team_id.in_(team_ids))):
            members[team_id].append(user)
    mentors = event_mentors(event)
    profiles = {p.user_id: p for p in db.session.scalars(
        select(MentorProfile).where(MentorProfile.event_id == event.id))}
    conflicts = list(db.session.scalars(select(MentorConflict).where(MentorConflict.event_id == event.id)))
    existing = list(db.session.scalars(select(MentorAssignment).where(MentorAssignment.event_id == event.id)))
    own_team = {u.id: t for t, us in members.items() for u in us}
    team_inputs = [TeamInput(
        t.id, t.track_id,
        frozenset(s.lower() for s in (t.wanted_skills or []))
        | frozenset(s.lower() for u in members[t.id] for s in (u.skills or [])),
        frozenset(u.locale for u in members[t.id] if u.locale), frozenset(u.id for u in members[t.id]))
        for t in teams]
    mentor_inputs = []
    for m in mentors:
        p = profiles.get(m.id)
        mentor_inputs.append(MentorInput(
            m.id, p.capacity if p else 3, frozenset(p.track_ids if p else ()),
            frozenset(p.expertise if p else ()), frozenset(p.languages if p else ()),
            frozenset(c.team_id for c in conflicts if c.mentor_id == m.id and c.team_id),
            frozenset(c.person_id for c in conflicts if c.mentor_id == m.id and c.person_id),
            frozenset({own_team[m.id]}) if m.id in own_team else frozenset()))
    return teams, members, mentors, team_inputs, mentor_inputs, existing


def overview(event: Event) -> dict:
    teams, members, mentors, team_inputs, mentor_inputs, existing = _inputs(event)
    by_team: dict[int, list] = {t.id: [] for t in teams}
    mentor_by_id = {m.id: m for m in mentors}
    loads = {m.id: 0 for m in mentors}
    for a in existing:
        if a.team_id in by_team and a.mentor_id in mentor_by_id:
            by_team[a.team_id].append(mentor_by_id[a.mentor_id])
        loads[a.mentor_id] = loads.get(a.mentor_id, 0) + 1
    capacity = {m.id: m.capacity for m in mentor_inputs}
    return {"teams": teams, "members": members, "mentors": mentors, "by_team": by_team, "loads": loads,
            "capacity": capacity, "assignment_ids": {(a.team_id, a.mentor_id): a.id for a in existing}}


def check_pair(event: Event, team_id: int, mentor_id: int, *, override_capacity: bool = False,
               extra_load: int = 0) -> None:
    """Raise DomainError (NotFound for unknown ids) unless the mentor may take the team."""
    from hackathon.mentoring.matching import conflicted

    teams, members, mentors, team_inputs, mentor_inputs, existing = _inputs(event)
    team = next((t for t in team_inputs if t.id == team_id), None)
    mentor = next((m for m in mentor_inputs if m.id == mentor_id), None)
    if team is None or mentor is None:
        raise NotFound()
    if any(a.team_id == team_id and a.mentor_id == mentor_id for a in existing):
        raise DomainError(str(_l("This mentor is already assigned to this team.")))
    if mentor.id in team.member_ids or team.id in mentor.own_team_ids:
        raise DomainError(str(_l("This mentor is a member of the team.")))
    if conflicted(team, mentor):
        raise DomainError(str(_l("This mentor declared a conflict of interest with this team or one of its members.")))
    load = sum(1 for a in existing if a.mentor_id == mentor_id) + extra_load
    if load >= mentor.capacity and not override_capacity:
        raise DomainError(ngettext("This mentor is at capacity (%(n)d team). Tick “override capacity” to assign "
                                   "anyway.", "This mentor is at capacity (%(n)d teams). Tick “override capacity” to "
                                   "assign anyway.", mentor.capacity, n=mentor.capacity))



def _notify(event: Event, pairs: list[tuple[Team, User]], members: dict[int, list[User]]) -> None:
    from flask import url_for

    from hackathon.mail import queue_mail

    by_mentor: dict[int, tuple[User, list[Team]]] = {}
    for team, mentor in pairs:
        by_mentor.setdefault(mentor.id, (mentor, []))[1].append(team)
        for member in members.get(team.id, []):
            queue_mail(member.email, "team_mentor_assigned", locale=member.locale, event_id=event.id, event=event,
                       team_name=team.name, mentor_name=mentor.name, mentor_email=mentor.email,
                       event_url=url_for("events.overview", slug=event.slug, _external=True))
    for mentor, teams in by_mentor.values():
        queue_mail(mentor.email, "mentor_assigned", locale=mentor.locale, event_id=event.id, event=event,
                   team_names=[t.name for t in teams],
                   event_url=url_for("events.overview", slug=event.slug, _external=True))


def assign_mentor(actor: User, event: Event, team_id: int, mentor_id: int, *, override_capacity: bool = False):
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.permissions import can_assign_mentors, forget_mentoring

    if not can_assign_mentors(actor, event):
        raise NotAllowed()
    check_pair(event, team_id, mentor_id, override_capacity=override_capacity)
    teams, members, *_rest = _inputs(event)
    team = next(t for t in teams if t.id == team_id)
    mentor = db.session.get(User, mentor_id)
    assignment = MentorAssignment(event_id=event.id, team_id=team_id, mentor_id=mentor_id,
                                  reasons={"manual": True, "override_capacity": override_capacity},
                                  assigned_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    record_audit(actor=actor, action="mentor_assignment.create", event_id=event.id, target=assignment,
                 after={"team_id": team_id, "mentor_id": mentor_id, "override_capacity": override_capacity})
    _notify(event, [(team, mentor)], members)
    db.session.commit()
    forget_mentoring()
    return assignment


def unassign_mentor(actor: User, event: Event, assignment_id: int) -> None:
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.permissions import can_assign_mentors, forget_mentoring

    if not can_assign_mentors(actor, event):
        raise NotAllowed()
    assignment = db.session.get(MentorAssignment, assignment_id)
    if assignment is None or assignment.event_id != event.id:
        raise NotFound()
    record_audit(actor=actor, action="mentor_assignment.delete", event_id=event.id, target=assignment,
                 before={"team_id": assignment.team_id, "mentor_id": assignment.mentor_id})
    db.session.delete(assignment)
    db.session.commit()
    forget_mentoring()


def propose(event: Event, *, per_team: int, keep_existing: bool):
    from hackathon.mentoring.matching import propose_assignment

    teams, members, mentors, team_inputs, mentor_inputs, existing = _inputs(event)
    return propose_assignment(team_inputs, mentor_inputs, per_team=per_team, keep_existing=keep_existing,
                              existing=[(a.team_id, a.mentor_id) for a in existing])


def apply_proposal(actor: User, event: Event, pairs: list[tuple[int, int]], reasons: dict, *,
                   keep_existing: bool) -> int:
    """Create the chosen (team, mentor) pairs, re-validating each; without keep_existing, replace all."""
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.permissions import can_assign_mentors, forget_mentoring

    if not can_assign_mentors(actor, event):
        raise NotAllowed()
    teams, members, mentors, team_inputs, mentor_inputs, existing = _inputs(event)
    team_by_id = {t.id: t for t in teams}
    mentor_by_id = {m.id: m for m in mentors}
    if not keep_existing:
        for a in existing:
            if (a.team_id, a.mentor_id) not in set(pairs):
                record_audit(actor=actor, action="mentor_assignment.delete", event_id=event.id, target=a,
                             before={"team_id": a.team_id, "mentor_id": a.mentor_id})
                db.session.delete(a)
        db.session.flush()
    current = {(a.team_id, a.mentor_id) for a in db.session.scalars(
        select(MentorAssignment).where(MentorAssignment.event_id == event.id))}
    new = [p for p in dict.fromkeys(pairs) if p not in current]
    extra: dict[int, int] = {}
    for team_id, mentor_id in new:
        if team_id not in team_by_id or mentor_id not in mentor_by_id:
            raise NotFound()
        check_pair(event, team_id, mentor_id, extra_load=extra.get(mentor_id, 0))
        extra[mentor_id] = extra.get(mentor_id, 0) + 1
    created = []
    for team_id, mentor_id in new:
        assignment = MentorAssignment(event_id=event.id, team_id=team_id, mentor_id=mentor_id,
                                      reasons={"reasons": list(reasons.get((team_id, mentor_id), []))},
                                      assigned_by_id=actor.id)
        db.session.add(assignment)
        created.append((team_by_id[team_id], mentor_by_id[mentor_id]))
    db.session.flush()
    record_audit(actor=actor, action="mentor_assignment.apply", event_id=event.id,
                 after={"pairs": [[t.id, m.id] for t, m in created], "keep_existing": keep_existing})
    _notify(event, created, members)
    db.session.commit()
    forget_mentoring()
    return len(created)
