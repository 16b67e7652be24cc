"""Judging rules and writes: rounds and criteria, conflicts, assignments, score sheets, the leaderboard's loader.

The maths lives in scoring.py and assignment.py; this module turns rows into their inputs (one query each) and
keeps the rules: criteria lock with the first submitted sheet, jurors only score projects assigned to them and
not conflicted, sheets change only while the round is open, one sheet per juror/project/round.
"""
from __future__ import annotations

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.judging import assignment as assignment_math
from hackathon.judging import scoring
from hackathon.judging.models import (ConflictSource, JudgingCriterion, JudgingRound, JurorAssignment,
                                      JurorConflict, ProjectSource, ScoreSheet, SheetStatus, ShortlistEntry)
from hackathon.permissions import can_manage_event
from hackathon.submissions.models import Submission, SubmissionStatus
from hackathon.teams.models import Team, TeamMember
from hackathon.webhooks.services import queue_event

MAX_CRITERIA = 12
COMMENT_MAX = 5000
# A criterion's weight is stored as Numeric(12, 4): 4 decimal places, below 10^8.
WEIGHT_PLACES = 4
WEIGHT_LIMIT = Decimal(10) ** (12 - WEIGHT_PLACES)


def round_name(judging_round: JudgingRound, locale: str) -> str:
    names = judging_round.name or {}
    return names.get(locale) or next(iter(names.values()), "") or _("Round %(n)d", n=judging_round.position + 1)


def localised(values: dict | None, locale: str):
    """The value for the reader's language, else the first one given (the event's main language)."""
    values = values or {}
    return values.get(locale) or next(iter(values.values()), None)


def criterion_name(criterion: JudgingCriterion, locale: str) -> str:
    return localised(criterion.name, locale) or ""


def _require_organiser(actor: User, event: Event) -> None:
    if not can_manage_event(actor, event):
        raise NotAllowed()


def load_round(event: Event, round_id: int) -> JudgingRound:
    judging_round = db.session.scalar(select(JudgingRound).where(JudgingRound.id == round_id,
                                                                 JudgingRound.event_id == event.id))
    if judging_round is None:
        raise NotFound()
    return judging_round


def rounds_of(event: Event) -> list[JudgingRound]:
    return list(db.session.scalars(select(JudgingRound).where(JudgingRound.event_id == event.id)
                                   .options(joinedload(JudgingRound.criteria))
                                   .order_by(JudgingRound.position, JudgingRound.id)).unique())


def is_open(judging_round: JudgingRound, now: datetime) -> bool:
    return ((judging_round.opens_at is None or judging_round.opens_at <= now)
            and (judging_round.closes_at is None or now < judging_round.closes_at))


def opens_later(judging_round: JudgingRound, now: datetime) -> bool:
    return judging_round.opens_at is not None and now < judging_round.opens_at


def opens_later_message(event: Event, judging_round: JudgingRound, now: datetime) -> str | None:
    """"This round opens on …" in the event's time zone for a round not open yet; None otherwise."""
    from hackathon.templating import local_datetime

    if not opens_later(judging_round, now):
        return None
    return _("This round opens on %(when)s: sheets can be filled in from then.",
             when=local_datetime(judging_round.opens_at, event.timezone, "short"))


# --- rounds and criteria ---------------------------------------------------------------------------------------


def save_round(actor: User, event: Event, judging_round: JudgingRound | None, *, name: dict[str, str],
               opens_at: datetime | None, closes_at: datetime | None, jurors_per_project: int, assign_all: bool,
               method: str, jurors_see_other_scores: bool, jurors_see_leaderboard: bool,
               project_source: str = "submissions", source_round_id: int | None = None) -> JudgingRound:
    _require_organiser(actor, event)
    if opens_at and closes_at and closes_at <= opens_at:
        raise DomainError(_("The round must close after it opens."))
    if not any((value or "").strip() for value in name.values()):
        raise DomainError(_("Give the round a name."))
    if source_round_id is not None:
        if judging_round is not None and source_round_id == judging_round.id:
            raise DomainError(_("A round cannot judge its own shortlist."))
        load_round(event, source_round_id)
    creating = judging_round is None
    if creating:
        position = db.session.scalar(select(func.count()).select_from(JudgingRound)
                                     .where(JudgingRound.event_id == event.id)) or 0
        judging_round = JudgingRound(event_id=event.id, position=position)
        db.session.add(judging_round)
    # Every field the settings form sets: a change to any of them (who sees the leaderboard too) is in the log.
    audited = ("name", "opens_at", "closes_at", "jurors_per_project", "assign_all", "method",
               "jurors_see_other_scores", "jurors_see_leaderboard", "project_source", "source_round_id")
    old = None if creating else {key: getattr(judging_round, key) for key in audited}
    judging_round.name = name
    judging_round.opens_at, judging_round.closes_at = opens_at, closes_at
    judging_round.jurors_per_project = jurors_per_project
    judging_round.assign_all = assign_all
    judging_round.method = method
    judging_round.jurors_see_other_scores = jurors_see_other_scores
    judging_round.jurors_see_leaderboard = jurors_see_leaderboard
    judging_round.project_source = ProjectSource(project_source)
    judging_round.source_round_id = source_round_id
    db.session.flush()
    new = {key: getattr(judging_round, key) for key in audited}
    if old is None:
        before, after = None, new
    else:
        changed = [key for key in audited if old[key] != new[key]]
        before, after = {key: old[key] for key in changed}, {key: new[key] for key in changed}
    record_audit(actor=actor, action="judging.round_created" if creating else "judging.round_saved",
                 event_id=event.id, target=judging_round, before=before, after=after)
    db.session.commit()
    return judging_round


def weight_problem(weight: Decimal) -> str | None:
    """Why the weights column cannot hold `weight` as it is (None when it can): a weight must be positive, have at
    most 4 decimal places (0.00001 would be stored as 0 and 12.34567 changed) and stay below 10^8."""
    if not weight.is_finite() or weight <= 0:
        return _("Enter a positive number, like 25 or 0.3.")
    if weight >= WEIGHT_LIMIT:
        return _("Enter a weight below %(limit)s.", limit=f"{WEIGHT_LIMIT:f}")
    if weight != weight.quantize(Decimal(1).scaleb(-WEIGHT_PLACES), rounding=ROUND_DOWN):
        return _("Use at most 4 decimal places (the smallest weight is 0.0001): weights only compare with each "
                 "other, so 1 and 100000 say the same as 0.00001 and 1.")
    return None


def _check_unlocked(judging_round: JudgingRound) -> None:
    if judging_round.criteria_locked_at is not None:
        raise Conflict(_("The criteria are locked because jurors have submitted sheets. Unlock them first "
                         "(with a reason)."))


def save_criterion(actor: User, event: Event, judging_round: JudgingRound, criterion: JudgingCriterion | None, *,
                   name: dict[str, str], rubric: dict[str, dict[str, str]], weight: Decimal, scale_min: int,
                   scale_max: int) -> JudgingCriterion:
    _require_organiser(actor, event)
    _check_unlocked(judging_round)
    problem = weight_problem(weight)
    if problem:
        raise DomainError(problem)
    if scale_max <= scale_min:
        raise DomainError(_("The highest score must be above the lowest."))
    if criterion is None:
        if len(judging_round.criteria) >= MAX_CRITERIA:
            raise DomainError(ngettext("A round has at most %(max)d criterion.", "A round has at most %(max)d criteria.",
                                      MAX_CRITERIA, max=MAX_CRITERIA))
        criterion = JudgingCriterion(round_id=judging_round.id, position=len(judging_round.criteria))
        db.session.add(criterion)
    criterion.name, criterion.rubric, criterion.weight = name, rubric, weight
    criterion.scale_min, criterion.scale_max = scale_min, scale_max
    db.session.flush()
    record_audit(actor=actor, action="judging.criterion_saved", event_id=event.id, target=criterion,
                 after={"name": name, "weight": str(weight), "scale": [scale_min, scale_max]})
    db.session.commit()
    return criterion


def delete_criterion(actor: User, event: Event, judging_round: JudgingRound, criterion_id: int) -> None:
    _require_organiser(actor, event)
    _check_unlocked(judging_round)
    criterion = next((c for c in judging_round.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise NotFound()
    record_audit(actor=actor, action="judging.criterion_deleted", event_id=event.id, target=criterion,
                 before={"name": criterion.name, "weight": str(criterion.weight)})
    db.session.delete(criterion)
    db.session.commit()


def unlock_criteria(actor: User, event: Event, judging_round: JudgingRound, reason: str) -> None:
    _require_organiser(actor, event)
    if not reason.strip():
        raise DomainError(_("Give a reason: it is kept in the audit log."))
    judging_round.criteria_locked_at = None
    record_audit(actor=actor, action="judging.criteria_unlocked", event_id=event.id, target=judging_round,
                 reason=reason)
    db.session.commit()


# --- projects, jurors, conflicts -------------------------------------------------------------------------------


def round_projects(judging_round: JudgingRound) -> list[Submission]:
    """The projects the round judges: submitted projects, or the published shortlist of the source round."""
    if judging_round.project_source == ProjectSource.shortlist and judging_round.source_round_id is not None:
        query = (select(Submission).join(ShortlistEntry, ShortlistEntry.submission_id == Submission.id)
                 .where(ShortlistEntry.round_id == judging_round.source_round_id)
                 .order_by(ShortlistEntry.position, Submission.id))
    else:
        query = (select(Submission).where(Submission.event_id == judging_round.event_id,
                                          Submission.status == SubmissionStatus.submitted)
                 .order_by(Submission.id))
    return list(db.session.scalars(query.options(joinedload(Submission.team))))


class _TeamName(NamedTuple):
    name: str


class ProjectName(NamedTuple):
    """What a leaderboard shows of a project, read without building ORM objects (large rounds)."""

    id: int
    title: str
    team_id: int
    team: _TeamName


def project_names(judging_round: JudgingRound) -> dict[int, ProjectName]:
    query = select(Submission.id, Submission.title, Submission.team_id, Team.name).join(Team,
                                                                                     Team.id == Submission.team_id)
    if judging_round.project_source == ProjectSource.shortlist and judging_round.source_round_id is not None:
        query = query.join(ShortlistEntry, ShortlistEntry.submission_id == Submission.id).where(
            ShortlistEntry.round_id == judging_round.source_round_id)
    else:
        query = query.where(Submission.event_id == judging_round.event_id,
                            Submission.status == SubmissionStatus.submitted)
    return {project_id: ProjectName(project_id, title, team_id, _TeamName(team_name))
            for project_id, title, team_id, team_name in db.session.execute(query)}


def event_teams(event: Event) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.event_id == event.id).order_by(Team.name, Team.id)))


def event_jurors(event: Event) -> list[User]:
    return list(db.session.scalars(
        select(User).join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == Role.juror).order_by(User.name, User.id)))


def conflict_pairs(event: Event, juror_ids: list[int], team_ids: list[int]) -> dict[tuple[int, int], str]:
    """(juror, team) pairs that must not meet, with why: declared or recused, a member or a mentor of the team,
    a colleague (same organisation) of a member. Four queries whatever the size."""
    from hackathon.mentoring.models import MentorAssignment

    reasons: dict[tuple[int, int], str] = {}
    jurors = set(juror_ids)
    members: dict[int, set[int]] = {}
    member_orgs: dict[int, set[str]] = {}
    person_team: dict[int, int] = {}
    for team_id, user_id, organisation in db.session.execute(
            select(TeamMember.team_id, TeamMember.user_id, User.organisation)
            .join(User, User.id == TeamMember.user_id).where(TeamMember.event_id == event.id)):
        members.setdefault(team_id, set()).add(user_id)
        person_team[user_id] = team_id
        if organisation and organisation.strip():
            member_orgs.setdefault(team_id, set()).add(organisation.strip().casefold())
    for team_id, people in members.items():
        for juror in people & jurors:
            reasons[(juror, team_id)] = "member"
    for mentor_id, team_id in db.session.execute(
            select(MentorAssignment.mentor_id, MentorAssignment.team_id)
            .where(MentorAssignment.event_id == event.id, MentorAssignment.mentor_id.in_(jurors))):
        reasons.setdefault((mentor_id, team_id), "mentor")
    juror_orgs = {uid: org.strip().casefold() for uid, org in db.session.execute(
        select(User.id, User.organisation).where(User.id.in_(jurors))) if org and org.strip()}
    for juror, org in juror_orgs.items():
        for team_id, orgs in member_orgs.items():
            if org in orgs:
                reasons.setdefault((juror, team_id), "organisation")
    for conflict in db.session.scalars(select(JurorConflict).where(JurorConflict.event_id == event.id,
                                                                   JurorConflict.juror_id.in_(jurors))):
        label = conflict.source.value
        if conflict.team_id is not None:
            reasons[(conflict.juror_id, conflict.team_id)] = label
        if conflict.person_id is not None and conflict.person_id in person_team:
            reasons[(conflict.juror_id, person_team[conflict.person_id])] = label
        if conflict.organisation:
            org = conflict.organisation.strip().casefold()
            for team_id, orgs in member_orgs.items():
                if org in orgs:
                    reasons[(conflict.juror_id, team_id)] = label
    return {pair: why for pair, why in reasons.items() if not team_ids or pair[1] in set(team_ids)}


def declare_conflict(actor: User, event: Event, judging_round: JudgingRound, submission_id: int, reason: str,
                     now: datetime) -> None:
    """A juror declares a conflict from their queue: the assignment goes, organisers reassign."""
    assignment = db.session.scalar(select(JurorAssignment).where(JurorAssignment.round_id == judging_round.id,
                                                                 JurorAssignment.juror_id == actor.id,
                                                                 JurorAssignment.submission_id == submission_id))
    if assignment is None:
        raise NotFound()
    submission = db.session.get(Submission, submission_id)
    db.session.add(JurorConflict(event_id=event.id, juror_id=actor.id, team_id=submission.team_id,
                                 source=ConflictSource.declared, reason=reason[:500], created_by_id=actor.id,
                                 created_at=now))
    db.session.execute(ScoreSheet.__table__.delete().where(ScoreSheet.round_id == judging_round.id,
                                                           ScoreSheet.juror_id == actor.id,
                                                           ScoreSheet.submission_id == submission_id))
    db.session.delete(assignment)
    record_audit(actor=actor, action="judging.conflict_declared", event_id=event.id, target=submission,
                 after={"round_id": judging_round.id, "reason": reason[:500]})
    _notify_organisers_of_conflict(event, actor, submission)
    db.session.commit()


@dataclass
class JurorConflictsView:
    declared: list[JurorConflict]            # the juror's own declarations (withdrawable) and recusals
    known: list[tuple[Team, str]]            # every team they may not judge, with why


def conflicts_of_juror(event: Event, juror: User) -> JurorConflictsView:
    declared = list(db.session.scalars(
        select(JurorConflict).where(JurorConflict.event_id == event.id, JurorConflict.juror_id == juror.id)
        .options(joinedload(JurorConflict.team), joinedload(JurorConflict.person))
        .order_by(JurorConflict.created_at, JurorConflict.id)))
    pairs = conflict_pairs(event, [juror.id], [])
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_([t for _j, t in pairs])))} \
        if pairs else {}
    known = sorted(((teams[team_id], why) for (_j, team_id), why in pairs.items() if team_id in teams),
                   key=lambda item: item[0].name.casefold())
    return JurorConflictsView(declared=declared, known=known)


def declare_standing_conflict(actor: User, event: Event, *, team_id: int | None = None, person_email: str = "",
                              organisation: str = "", reason: str = "", now: datetime) -> JurorConflict:
    """A juror declares a team, a person (their team) or an organisation (teams with a member from it) they must
    not judge. Affected projects leave the juror's queue in rounds still open or to come (their sheets go too;
    closed rounds keep theirs: organisers may recuse) and organisers are told to reassign."""
    conflict = JurorConflict(event_id=event.id, juror_id=actor.id, source=ConflictSource.declared,
                             reason=reason.strip()[:500], created_by_id=actor.id, created_at=now)
    if team_id is not None:
        team = db.session.scalar(select(Team).where(Team.id == team_id, Team.event_id == event.id))
        if team is None:
            raise DomainError(_("Choose a team of this event."))
        conflict.team_id = team.id
    elif person_email.strip():
        person = db.session.scalar(select(User).join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.event_id == event.id, func.lower(User.email) == person_email.strip().lower()))
        if person is None:
            raise DomainError(_("No team member of this event has that email address."))
        conflict.person_id = person.id
    elif organisation.strip():
        conflict.organisation = organisation.strip()[:200]
    else:
        raise DomainError(_("Choose a team, give a person's email or name an organisation."))
    db.session.add(conflict)
    db.session.flush()
    affected = {team for (_juror, team), why in conflict_pairs(event, [actor.id], []).items() if why == "declared"}
    open_rounds = [r.id for r in rounds_of(event) if r.closes_at is None or now < r.closes_at]
    removed = db.session.execute(
        select(JurorAssignment, Submission).join(Submission, Submission.id == JurorAssignment.submission_id)
        .where(JurorAssignment.juror_id == actor.id, JurorAssignment.round_id.in_(open_rounds),
               Submission.team_id.in_(affected))).all() if affected and open_rounds else []
    for assignment, submission in removed:
        for sheet in db.session.scalars(select(ScoreSheet).where(
                ScoreSheet.round_id == assignment.round_id, ScoreSheet.juror_id == actor.id,
                ScoreSheet.submission_id == submission.id)):
            db.session.delete(sheet)
        db.session.delete(assignment)
    record_audit(actor=actor, action="judging.conflict_declared", event_id=event.id, target=conflict,
                 after={"team_id": conflict.team_id, "person_id": conflict.person_id,
                        "organisation": conflict.organisation, "reason": conflict.reason,
                        "removed": sorted({s.id for _a, s in removed})})
    for submission in {s.id: s for _a, s in removed}.values():
        _notify_organisers_of_conflict(event, actor, submission)
    db.session.commit()
    return conflict


def withdraw_conflict(actor: User, event: Event, conflict_id: int) -> None:
    """A juror withdraws their own declaration (not an organiser's recusal). Nothing is reassigned by itself."""
    conflict = db.session.scalar(select(JurorConflict).where(
        JurorConflict.id == conflict_id, JurorConflict.event_id == event.id, JurorConflict.juror_id == actor.id,
        JurorConflict.source == ConflictSource.declared))
    if conflict is None:
        raise NotFound()
    record_audit(actor=actor, action="judging.conflict_withdrawn", event_id=event.id, target=conflict,
                 before={"team_id": conflict.team_id, "person_id": conflict.person_id,
                         "organisation": conflict.organisation, "reason": conflict.reason})
    db.session.delete(conflict)
    db.session.commit()


def _notify_organisers_of_conflict(event: Event, juror: User, submission: Submission) -> None:
    from flask import url_for

    from hackathon.mail import queue_mail

    organisers = db.session.scalars(select(User).join(EventRole, EventRole.user_id == User.id)
                                    .where(EventRole.event_id == event.id, EventRole.role == Role.organiser))
    for organiser in organisers:
        queue_mail(organiser.email, "juror_conflict", locale=organiser.locale, event_id=event.id, event=event,
                   juror=juror, team=submission.team,
                   link=url_for("judging.rounds", slug=event.slug, _external=True))


# --- assignment --------------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    result: assignment_math.Assignment
    jurors: dict[int, User]
    projects: dict[int, Submission]
    conflicts: dict[tuple[int, int], str]


def propose_assignment(actor: User, event: Event, judging_round: JudgingRound, *, keep_existing: bool = True
                       ) -> Proposal:
    """The assignment the maths proposes (nothing is written). Pairs with a submitted sheet are always kept."""
    from hackathon.mentoring.models import MentorProfile

    _require_organiser(actor, event)
    jurors = event_jurors(event)
    projects = round_projects(judging_round)
    team_of = {s.id: s.team_id for s in projects}
    conflicts = conflict_pairs(event, [j.id for j in jurors], list(team_of.values()))
    conflict_by_submission = {(j, s): why for s, t in team_of.items() for (j, team), why in conflicts.items()
                              if team == t}
    profiles = {p.user_id: p for p in db.session.scalars(
        select(MentorProfile).where(MentorProfile.event_id == event.id))}
    stored = {(row.juror_id, row.submission_id): row.reasons for row in db.session.execute(
        select(JurorAssignment.juror_id, JurorAssignment.submission_id, JurorAssignment.reasons)
        .where(JurorAssignment.round_id == judging_round.id))}
    existing = set(stored)
    completed = set(tuple(row) for row in db.session.execute(select(ScoreSheet.juror_id, ScoreSheet.submission_id)
                                       .where(ScoreSheet.round_id == judging_round.id,
                                              ScoreSheet.status == SheetStatus.submitted)).all())
    keep = (existing if keep_existing else set()) | completed
    math_jurors = [assignment_math.Juror(
        id=j.id, expertise=frozenset((profiles[j.id].expertise if j.id in profiles else []) + list(j.skills or [])),
        track_ids=frozenset(profiles[j.id].track_ids if j.id in profiles else [])) for j in jurors]
    math_projects = [assignment_math.Project(id=s.id, track_id=s.track_id, tags=frozenset(s.technologies or []))
                     for s in projects]
    if judging_round.assign_all:
        result = assignment_math.assign_all(math_jurors, math_projects, conflicts=set(conflict_by_submission))
    else:
        result = assignment_math.assign(math_jurors, math_projects, k=judging_round.jurors_per_project,
                                        conflicts=set(conflict_by_submission), existing=keep,
                                        seed=judging_round.assignment_seed)
    for pair in result.pairs:  # a pair already stored keeps the reason it was made with (e.g. added by hand)
        if stored.get(pair):
            result.reasons[pair] = [tuple(reason) for reason in stored[pair]]
    return Proposal(result=result, jurors={j.id: j for j in jurors}, projects={s.id: s for s in projects},
                    conflicts=conflict_by_submission)


def apply_assignment(actor: User, event: Event, judging_round: JudgingRound, pairs: set[tuple[int, int]],
                     reasons: dict[tuple[int, int], list]) -> int:
    """Store the (edited) proposal: pairs not listed go unless a sheet was submitted for them."""
    _require_organiser(actor, event)
    jurors = {j.id for j in event_jurors(event)}
    projects = {s.id: s.team_id for s in round_projects(judging_round)}
    conflicts = conflict_pairs(event, list(jurors), list(projects.values()))
    for juror_id, submission_id in pairs:
        if juror_id not in jurors or submission_id not in projects:
            raise DomainError(_("Only the event's jurors and the round's projects can be assigned."))
        if (juror_id, projects[submission_id]) in conflicts:
            raise DomainError(_("A juror cannot be assigned to a team they have a conflict with."))
    completed = set(tuple(row) for row in db.session.execute(select(ScoreSheet.juror_id, ScoreSheet.submission_id)
                                       .where(ScoreSheet.round_id == judging_round.id,
                                              ScoreSheet.status == SheetStatus.submitted)).all())
    current = {(a.juror_id, a.submission_id): a for a in db.session.scalars(
        select(JurorAssignment).where(JurorAssignment.round_id == judging_round.id))}
    wanted = set(pairs) | completed
    for pair, row in current.items():
        if pair not in wanted:
            db.session.delete(row)
    for pair in sorted(wanted - set(current)):
        db.session.add(JurorAssignment(round_id=judging_round.id, juror_id=pair[0], submission_id=pair[1],
                                       reasons=[list(r) for r in reasons.get(pair, [("organiser",)])]))
    record_audit(actor=actor, action="judging.assignment_applied", event_id=event.id, target=judging_round,
                 after={"pairs": len(wanted)})
    db.session.commit()
    return len(wanted)


# --- score sheets ------------------------------------------------------------------------------------------------


def juror_queue(juror: User, judging_round: JudgingRound) -> list[tuple[JurorAssignment, ScoreSheet | None]]:
    """The juror's assigned projects with their own sheet (two queries)."""
    assignments = list(db.session.scalars(
        select(JurorAssignment).where(JurorAssignment.round_id == judging_round.id,
                                      JurorAssignment.juror_id == juror.id)
        .options(joinedload(JurorAssignment.submission).joinedload(Submission.team))
        .order_by(JurorAssignment.submission_id)))
    sheets = {s.submission_id: s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == judging_round.id, ScoreSheet.juror_id == juror.id))}
    return [(a, sheets.get(a.submission_id)) for a in assignments]


def assigned_submission(juror: User, judging_round: JudgingRound, submission_id: int) -> Submission:
    """The project if it is assigned to this juror in this round; otherwise NotFound (ids never leak)."""
    submission = db.session.scalar(
        select(Submission).join(JurorAssignment, JurorAssignment.submission_id == Submission.id)
        .where(JurorAssignment.round_id == judging_round.id, JurorAssignment.juror_id == juror.id,
               Submission.id == submission_id))
    if submission is None:
        raise NotFound()
    return submission


def check_scores(judging_round: JudgingRound, scores: dict[int, Any], *, complete: bool) -> dict[str, int]:
    """Integer scores within each criterion's scale; all criteria when `complete`. Unknown criteria refused."""
    criteria = {c.id: c for c in judging_round.criteria}
    clean: dict[str, int] = {}
    for criterion_id, value in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise DomainError(_("Unknown criterion."))
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(_("Scores are whole numbers."))
        if not criterion.scale_min <= value <= criterion.scale_max:
            raise DomainError(_("Scores for “%(name)s” go from %(lo)d to %(hi)d.", name=criterion_name(criterion, "en"),
                                lo=criterion.scale_min, hi=criterion.scale_max))
        clean[str(criterion_id)] = value
    if complete:
        missing = [c for c in judging_round.criteria if str(c.id) not in clean]
        if missing:
            raise DomainError(_("Score every criterion before submitting."))
    return clean


def save_sheet(juror: User, event: Event, judging_round: JudgingRound, submission_id: int, *,
               scores: dict[int, Any], comment_to_team: str, private_note: str, submit: bool,
               now: datetime) -> ScoreSheet:
    """Create or update the juror's sheet (draft or submitted). Concurrent first saves make one sheet."""
    from hackathon.submissions.core import judged_version

    if not is_open(judging_round, now):
        raise OutOfPhase(opens_later_message(event, judging_round, now)
                         or _("This round is closed: sheets can no longer change."))
    submission = assigned_submission(juror, judging_round, submission_id)
    clean = check_scores(judging_round, scores, complete=submit)
    sheet = db.session.scalar(select(ScoreSheet).where(
        ScoreSheet.round_id == judging_round.id, ScoreSheet.juror_id == juror.id,
        ScoreSheet.submission_id == submission.id).with_for_update())
    before = None
    if sheet is None:
        sheet = ScoreSheet(round_id=judging_round.id, juror_id=juror.id, submission_id=submission.id)
        db.session.add(sheet)
        try:
            db.session.flush()
        except IntegrityError:  # another request made it first: update that one
            db.session.rollback()
            return save_sheet(juror, event, judging_round, submission_id, scores=scores,
                              comment_to_team=comment_to_team, private_note=private_note, submit=submit, now=now)
    else:
        before = {"scores": dict(sheet.scores or {}), "status": sheet.status.value,
                  "comment_to_team": sheet.comment_to_team, "private_note": sheet.private_note}
    sheet.scores = clean
    sheet.comment_to_team = comment_to_team[:COMMENT_MAX]
    sheet.private_note = private_note[:COMMENT_MAX]
    if submit:
        sheet.status = SheetStatus.submitted
        sheet.submitted_at = sheet.submitted_at or now
        if judging_round.criteria_locked_at is None:
            judging_round.criteria_locked_at = now
    version = judged_version(submission)
    sheet.submission_version = version.number if version else None
    sheet.lock_version += 1
    after = {"scores": clean, "status": sheet.status.value, "comment_to_team": sheet.comment_to_team,
             "private_note": sheet.private_note}
    if before != after:
        record_audit(actor=juror, action="judging.sheet_submitted" if submit else "judging.sheet_saved",
                     event_id=event.id, target=sheet, before=before, after=after)
        if submit:
            queue_event(event, "sheet.submitted", {"round_id": judging_round.id, "submission_id": submission.id})
    db.session.commit()
    return sheet


# --- leaderboard ---------------------------------------------------------------------------------------------


@dataclass
class RoundBoard:
    board: scoring.Leaderboard
    projects: dict[int, "ProjectName"]
    criteria: list[JudgingCriterion]
    alpha_raw: float | None
    alpha_z: float | None
    short: list[int]
    juror_names: dict[int, str] = None  # type: ignore[assignment]
    progress: dict[int, tuple[int, int]] = None  # type: ignore[assignment]  juror -> (submitted, assigned)
    unstable_jurors: list[int] | None = None     # removing one of them alone changes the top N (small rounds)

    sheet_counts: dict[int, int] = None  # type: ignore[assignment]  project -> sheets counted

    def criterion_mean(self, project_id: int, position: int) -> float | None:
        """The mean score of the round's `position`-th criterion over the project's counted sheets."""
        sums = self.board.criterion_sums.get(project_id)
        return sums[position] / self.sheet_counts[project_id] if sums else None


def math_criteria(judging_round: JudgingRound) -> list[scoring.Criterion]:
    return [scoring.Criterion(id=c.id, weight=Fraction(c.weight), lo=c.scale_min, hi=c.scale_max)
            for c in judging_round.criteria]


@contextmanager
def _without_gc_pauses():
    """The leaderboard allocates tens of thousands of small, acyclic objects; the cyclic garbage collector would
    scan them again and again for nothing (about a third of the time on a large round). Pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def round_board(judging_round: JudgingRound) -> RoundBoard:
    """The leaderboard from one read of the submitted sheets (plus the projects, criteria and progress). Conflict
    (with a message to show) when the round's weights add up to zero."""
    with _without_gc_pauses():
        return _round_board(judging_round)


def _round_board(judging_round: JudgingRound) -> RoundBoard:
    criteria = list(judging_round.criteria)
    if criteria and sum(c.weight for c in criteria) <= 0:  # legacy rows: weights under 0.0001 were stored as 0
        raise Conflict(_("The weights of this round's criteria add up to zero, so there is no leaderboard. Give "
                         "the criteria positive weights on the round's page (unlock them first if sheets were "
                         "submitted)."))
    rows = db.session.execute(select(ScoreSheet.juror_id, ScoreSheet.submission_id, ScoreSheet.scores)
                              .where(ScoreSheet.round_id == judging_round.id,
                                     ScoreSheet.status == SheetStatus.submitted)).all()
    # The maths reads the scores under their stored (string) keys: no per-sheet conversion.
    wanted = {str(c.id) for c in criteria}
    sheets = [row for row in rows if row[2].keys() >= wanted]  # (juror, project, scores) rows as they come
    string_criteria = [scoring.Criterion(id=str(c.id), weight=Fraction(c.weight), lo=c.scale_min, hi=c.scale_max)
                       for c in criteria]
    board = scoring.leaderboard(sheets, string_criteria, method=judging_round.method.value) \
        if criteria else scoring.leaderboard([], [scoring.Criterion(0, Fraction(1))])
    projects = project_names(judging_round)
    # Progress: assignments per juror, and their submitted sheets from the rows already read (a sheet always
    # has its assignment: recusing or declaring a conflict removes both).
    submitted = Counter(row[0] for row in rows)
    progress = {juror_id: (submitted.get(juror_id, 0), assigned) for juror_id, assigned in db.session.execute(
        select(JurorAssignment.juror_id, func.count()).where(JurorAssignment.round_id == judging_round.id)
        .group_by(JurorAssignment.juror_id))}
    juror_ids = set(progress) | set(board.jurors)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(juror_ids))).all()) \
        if juror_ids else {}
    cut = judging_round.shortlist_size or 16
    unstable = (scoring.top_changes_without(sheets, string_criteria, cut, method=judging_round.method.value)
                if criteria and len(sheets) <= 600 else None)
    return RoundBoard(board=board, projects=projects, criteria=criteria, alpha_raw=board.alpha_raw,
                      alpha_z=board.alpha_z,
                      juror_names=names, progress=progress,
                      unstable_jurors=unstable,
                      short=scoring.fewer_than(board, 1 if judging_round.assign_all else
                                               judging_round.jurors_per_project, projects),
                      sheet_counts={r.project_id: r.sheets for r in board.projects})


def board_json(judging_round: JudgingRound, board: RoundBoard) -> list[dict[str, Any]]:
    """Per project: rank, tie flag, team, project id, raw score, calibrated Z and display score, standard error,
    sheet count, flags (the API and `flask judging leaderboard --json`)."""
    rows = []
    for result in board.board.projects:
        submission = board.projects.get(result.project_id)
        rows.append({
            "rank": result.rank, "tie": result.tied, "project_id": result.project_id,
            "team": {"id": submission.team_id, "name": submission.team.name} if submission else None,
            "title": submission.title if submission else None,
            "raw": round(float(result.raw), 6), "z": round(result.z, 6), "display": round(result.display, 4),
            "standard_error": round(result.se, 6) if result.se is not None else None,
            "interval": [round(v, 4) for v in result.interval] if result.interval else None,
            "sheets": result.sheets, "flags": result.flags,
            "below_planned_sheets": result.project_id in board.short,
        })
    return rows


def can_read_leaderboard(user: User | None, event: Event, judging_round: JudgingRound) -> bool:
    """Organisers; jurors of the event only if the organiser allows it for this round."""
    from hackathon.permissions import roles_at

    if can_manage_event(user, event):
        return True
    return judging_round.jurors_see_leaderboard and Role.juror in roles_at(user, event)


# --- paper sheets ---------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    errors: list[tuple[int, str]]
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_sheets(actor: User | None, event: Event, judging_round: JudgingRound, text: str, *,
                  now: datetime) -> ImportReport:
    """Paper sheets from a CSV with the header `juror_email,team,<criterion name>...,comment` (one row a sheet,
    team by name or id, criteria by name in any of the event's languages). Every row is checked before anything
    is written; with any error nothing is written and every bad row is reported with its line number. Rows are
    upserted as submitted sheets, so importing the same file twice changes nothing."""
    import csv
    import io

    from hackathon.teams.models import team_name_key

    errors: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        return ImportReport(errors=[(1, _("The file is empty."))])
    criteria = list(judging_round.criteria)
    by_name = {name.strip().casefold(): c for c in criteria for name in (c.name or {}).values()}
    lowered = [cell.casefold() for cell in header]
    if lowered[:2] != ["juror_email", "team"]:
        return ImportReport(errors=[(1, _("The first columns must be juror_email and team."))])
    columns: dict[int, JudgingCriterion] = {}
    comment_column = None
    for index, cell in enumerate(lowered[2:], start=2):
        if cell == "comment":
            comment_column = index
        elif cell in by_name:
            columns[index] = by_name[cell]
        else:
            errors.append((1, _("Unknown column “%(name)s”.", name=header[index][:60])))
    missing = [c for c in criteria if c not in columns.values()]
    if missing:
        errors.append((1, _("Missing criterion columns: %(names)s.",
                            names=", ".join(criterion_name(c, "en") for c in missing))))
    if errors:
        return ImportReport(errors=errors)

    jurors = {u.email.casefold(): u for u in event_jurors(event)}
    projects = round_projects(judging_round)
    by_team_id = {s.team_id: s for s in projects}
    by_team_name = {team_name_key(s.team.name): s for s in projects}
    assigned = set(tuple(row) for row in db.session.execute(
        select(JurorAssignment.juror_id, JurorAssignment.submission_id)
        .where(JurorAssignment.round_id == judging_round.id)).all())
    conflicts = conflict_pairs(event, [u.id for u in jurors.values()], list(by_team_id))
    parsed: list[tuple[User, Submission, dict[str, int], str]] = []
    seen: set[tuple[int, int]] = set()
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append((line, ngettext("Expected %(n)d cell.", "Expected %(n)d cells.", len(header), n=len(header))))
            continue
        juror = jurors.get(row[0].strip().casefold())
        if juror is None:
            errors.append((line, _("“%(email)s” is not a juror of this event.", email=row[0].strip()[:80])))
            continue
        team_cell = row[1].strip()
        submission = (by_team_id.get(int(team_cell)) if team_cell.isascii() and team_cell.isdigit() and len(team_cell) < 10
                      else by_team_name.get(team_name_key(team_cell)))
        if submission is None:
            errors.append((line, _("No project of this round for the team “%(team)s”.", team=team_cell[:80])))
            continue
        if (juror.id, submission.team_id) in conflicts:
            errors.append((line, _("%(juror)s has a conflict with this team.", juror=juror.email)))
            continue
        if not judging_round.assign_all and (juror.id, submission.id) not in assigned:
            errors.append((line, _("%(juror)s is not assigned to this project.", juror=juror.email)))
            continue
        if (juror.id, submission.id) in seen:
            errors.append((line, _("A second sheet for the same juror and team.")))
            continue
        scores: dict[str, int] = {}
        for index, criterion in columns.items():
            cell = row[index].strip()
            if not cell.isascii() or not (cell.isdigit() or (cell.startswith("-") and cell[1:].isdigit())) \
                    or len(cell) > 6:
                errors.append((line, _("“%(value)s” is not a whole number (%(name)s).", value=cell[:20],
                                       name=criterion_name(criterion, "en"))))
                break
            value = int(cell)
            if not criterion.scale_min <= value <= criterion.scale_max:
                errors.append((line, _("Scores for “%(name)s” go from %(lo)d to %(hi)d.",
                                       name=criterion_name(criterion, "en"), lo=criterion.scale_min,
                                       hi=criterion.scale_max)))
                break
            scores[str(criterion.id)] = value
        else:
            seen.add((juror.id, submission.id))
            comment = row[comment_column].strip()[:COMMENT_MAX] if comment_column is not None else ""
            parsed.append((juror, submission, scores, comment))
    report = ImportReport(errors=errors)
    if errors:
        return report

    existing = {(s.juror_id, s.submission_id): s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.round_id == judging_round.id))}
    for juror, submission, scores, comment in parsed:
        if judging_round.assign_all and (juror.id, submission.id) not in assigned:
            db.session.add(JurorAssignment(round_id=judging_round.id, juror_id=juror.id, submission_id=submission.id,
                                           reasons=[["all"]]))
        sheet = existing.get((juror.id, submission.id))
        if sheet is not None and sheet.scores == scores and sheet.comment_to_team == comment \
                and sheet.status == SheetStatus.submitted:
            report.unchanged += 1
            continue
        before = None
        if sheet is None:
            sheet = ScoreSheet(round_id=judging_round.id, juror_id=juror.id, submission_id=submission.id)
            db.session.add(sheet)
            report.created += 1
        else:
            before = {"scores": dict(sheet.scores or {}), "status": sheet.status.value,
                      "comment_to_team": sheet.comment_to_team}
            report.updated += 1
        sheet.scores, sheet.comment_to_team = scores, comment
        sheet.status, sheet.submitted_at = SheetStatus.submitted, sheet.submitted_at or now
        sheet.lock_version = (sheet.lock_version or 0) + 1
        db.session.flush()
        record_audit(actor=actor, action="judging.sheet_imported", event_id=event.id, target=sheet, before=before,
                     after={"scores": scores, "status": "submitted", "comment_to_team": comment,
                            "juror_id": juror.id})
    if parsed and judging_round.criteria_locked_at is None:
        judging_round.criteria_locked_at = now
    db.session.commit()
    return report


# --- shortlist ------------------------------------------------------------------------------------------------


@dataclass
class ShortlistProposal:
    size: int
    ranked: list[scoring.ProjectResult]
    proposed: list[int]                    # submission ids, in rank order
    tied_at_cut: list[int]                 # projects tied with the last proposed one, left outside the cut
    too_close: list[tuple[int, int]]       # (inside, outside) pairs whose intervals overlap at the cut
    quota_picks: list[int]                 # projects brought in by a track quota


def propose_shortlist(judging_round: JudgingRound, size: int, quotas: dict[int, int] | None = None,
                      board: RoundBoard | None = None) -> ShortlistProposal:
    """The top `size` by the round's ranking; per-track quotas first take the best of each track. Ties at the
    cut are shown, never broken silently: the organiser includes a tie whole or decides with a reason."""
    board = board or round_board(judging_round)
    ranked = board.board.projects
    track_of = dict(db.session.execute(select(Submission.id, Submission.track_id)
                                       .where(Submission.id.in_([p.project_id for p in ranked]))).all())
    chosen: list[int] = []
    quota_picks: list[int] = []
    for track_id, places in sorted((quotas or {}).items()):
        for result in [p for p in ranked if track_of.get(p.project_id) == track_id][:max(0, places)]:
            if result.project_id not in chosen and len(chosen) < size:
                chosen.append(result.project_id)
                quota_picks.append(result.project_id)
    for result in ranked:
        if len(chosen) >= size:
            break
        if result.project_id not in chosen:
            chosen.append(result.project_id)
    rank_of = {p.project_id: p.rank for p in ranked}
    chosen.sort(key=lambda pid: (rank_of[pid], [p.project_id for p in ranked].index(pid)))
    last_rank = max((rank_of[pid] for pid in chosen if pid not in quota_picks), default=None)
    tied = [p.project_id for p in ranked if p.rank == last_rank and p.project_id not in chosen] \
        if last_rank is not None else []
    cut = max((rank_of[pid] for pid in chosen), default=0)
    return ShortlistProposal(size=size, ranked=ranked, proposed=chosen, tied_at_cut=tied,
                             too_close=scoring.too_close_to_call(board.board, cut) if chosen else [],
                             quota_picks=quota_picks)


def save_shortlist(actor: User, event: Event, judging_round: JudgingRound, chosen: list[int], *, size: int,
                   reason: str, quotas: dict[int, int] | None = None) -> list[ShortlistEntry]:
    """Store the organiser's shortlist. Differences from the proposal need a reason, except including a tie at
    the cut whole. A published shortlist is not changed here."""
    _require_organiser(actor, event)
    if judging_round.shortlist_published_at is not None:
        raise Conflict(_("The shortlist is published already."))
    proposal = propose_shortlist(judging_round, size, quotas)
    ranked_ids = [p.project_id for p in proposal.ranked]
    if any(pid not in ranked_ids for pid in chosen) or len(set(chosen)) != len(chosen):
        raise DomainError(_("Choose projects of this round's leaderboard."))
    proposed, tied = set(proposal.proposed), set(proposal.tied_at_cut)
    extra, dropped = set(chosen) - proposed, proposed - set(chosen)
    whole_tie = not dropped and extra == tied and tied
    if (extra or dropped) and not whole_tie and not reason.strip():
        raise DomainError(_("Say why the shortlist differs from the proposal: the reason is kept with it."))
    # Deleted through the session (not a bulk statement): entries read earlier in this request must not linger.
    for old in db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.round_id == judging_round.id)):
        db.session.delete(old)
    db.session.flush()
    order = {pid: index for index, pid in enumerate(ranked_ids)}
    entries = []
    for position, pid in enumerate(sorted(chosen, key=order.__getitem__)):
        origin = ("quota" if pid in proposal.quota_picks else "proposed") if pid in proposed else \
            ("tie" if pid in tied else "swap")
        entries.append(ShortlistEntry(round_id=judging_round.id, submission_id=pid, position=position, origin=origin,
                                      reason=reason.strip()[:500] if origin == "swap" or dropped else "",
                                      created_by_id=actor.id))
    db.session.add_all(entries)
    judging_round.shortlist_size = size
    judging_round.shortlist_quotas = {str(k): v for k, v in (quotas or {}).items()}
    record_audit(actor=actor, action="judging.shortlist_saved", event_id=event.id, target=judging_round,
                 after={"projects": [e.submission_id for e in entries], "added": sorted(extra),
                        "removed": sorted(dropped)}, reason=reason.strip()[:500] or None)
    db.session.commit()
    return entries


def shortlist_of(judging_round: JudgingRound) -> list[ShortlistEntry]:
    return list(db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.round_id == judging_round.id)
                                   .options(joinedload(ShortlistEntry.submission).joinedload(Submission.team))
                                   .order_by(ShortlistEntry.position)))


def publish_shortlist(actor: User, event: Event, judging_round: JudgingRound, now: datetime) -> int:
    """Publish: mail every member of the shortlisted and of the other teams (outbox), once. Returns mails queued."""
    from flask import url_for

    from hackathon.mail import queue_mail

    _require_organiser(actor, event)
    if judging_round.shortlist_published_at is not None:
        raise Conflict(_("The shortlist is published already."))
    entries = shortlist_of(judging_round)
    if not entries:
        raise DomainError(_("Save a shortlist before publishing it."))
    shortlisted = {e.submission.team_id for e in entries}
    teams = {s.team_id for s in round_projects(judging_round)}
    members = db.session.execute(select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
                                 .where(TeamMember.team_id.in_(teams))).all()
    link = url_for("events.overview", slug=event.slug, _external=True)
    names = {s.team_id: s.team.name for s in round_projects(judging_round)}
    for team_id, user in members:
        queue_mail(user.email, "shortlisted" if team_id in shortlisted else "not_shortlisted", locale=user.locale,
                   event_id=event.id, event=event, team=names.get(team_id, ""), link=link,
                   count=len(entries))
    judging_round.shortlist_published_at = now
    record_audit(actor=actor, action="judging.shortlist_published", event_id=event.id, target=judging_round,
                 after={"projects": [e.submission_id for e in entries]})
    queue_event(event, "shortlist.published",
                {"round_id": judging_round.id, "submission_ids": [e.submission_id for e in entries]})
    db.session.commit()
    return len(members)


def recuse_juror(actor: User, event: Event, judging_round: JudgingRound, juror_id: int, submission_id: int,
                 reason: str, now: datetime) -> None:
    """An organiser takes a juror off a project: a recorded conflict, the assignment and any sheet go."""
    _require_organiser(actor, event)
    if not reason.strip():
        raise DomainError(_("Give a reason: it is kept in the audit log."))
    assignment = db.session.scalar(select(JurorAssignment).where(JurorAssignment.round_id == judging_round.id,
                                                                 JurorAssignment.juror_id == juror_id,
                                                                 JurorAssignment.submission_id == submission_id))
    if assignment is None:
        raise NotFound()
    submission = db.session.get(Submission, submission_id)
    db.session.add(JurorConflict(event_id=event.id, juror_id=juror_id, team_id=submission.team_id,
                                 source=ConflictSource.recused, reason=reason.strip()[:500], created_by_id=actor.id,
                                 created_at=now))
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == judging_round.id,
                                                             ScoreSheet.juror_id == juror_id,
                                                             ScoreSheet.submission_id == submission_id)):
        db.session.delete(sheet)
    db.session.delete(assignment)
    record_audit(actor=actor, action="judging.juror_recused", event_id=event.id, target=submission,
                 after={"round_id": judging_round.id, "juror_id": juror_id}, reason=reason.strip()[:500])
    db.session.commit()


def other_sheets(juror: User, judging_round: JudgingRound, submission_id: int) -> list[dict[str, int]]:
    """Other jurors' submitted scores for the project, without names, only where the organiser allows it."""
    if not judging_round.jurors_see_other_scores:
        return []
    return [scores for scores in db.session.scalars(
        select(ScoreSheet.scores).where(ScoreSheet.round_id == judging_round.id,
                                        ScoreSheet.submission_id == submission_id,
                                        ScoreSheet.juror_id != juror.id,
                                        ScoreSheet.status == SheetStatus.submitted).order_by(ScoreSheet.id))]


def mentor_summary(event: Event, team_id: int):
    """The mentors' latest status and comment to the team, when the organisers show them at judging time."""
    from hackathon.mentoring.models import MentoringSettings, MentorReview

    shown = db.session.scalar(select(MentoringSettings.show_summaries_to_jurors)
                              .where(MentoringSettings.event_id == event.id))
    if not shown:
        return None
    return db.session.scalar(select(MentorReview).where(MentorReview.event_id == event.id,
                                                        MentorReview.team_id == team_id)
                             .order_by(MentorReview.created_at.desc(), MentorReview.id.desc()).limit(1))
