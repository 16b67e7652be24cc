"""Mentoring progress: organiser settings (options, milestones, review rubric), and what jurors may see of it.

Milestone titles and rubric criterion names are kept per event language ({"en": ..., "ru": ...}); the first
event language is required. A criterion that a review has scored is archived rather than deleted, so old
reviews keep their meaning; an unused one is deleted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from hackathon.accounts.models import User
from hackathon.audit import changed_fields, record_audit
from hackathon.errors import DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event
from hackathon.events.phases import submissions_open
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.mentoring.models import (CheckIn, MentorAssignment, MentoringSettings, MentorReview, Milestone,
                                        RubricCriterion, TeamStatus)
from hackathon.permissions import accepted_team_id, can_manage_mentoring, can_review_team
from hackathon.teams.models import Team, TeamMember

TITLE_MAX = 120
MAX_MENTORS_PER_TEAM = 10
MAX_STALE_HOURS = 24 * 14
MAX_MILESTONES = 50
MAX_CRITERIA = 20
TEXT_MAX = 5000
LINK_MAX = 500
MAX_LINKS = 5
# The same check-in sent again within this window (a double click, a re-sent form) is not stored twice.
DUPLICATE_WINDOW = timedelta(minutes=10)


def settings_for(event: Event) -> MentoringSettings:
    """The event's settings, or unsaved defaults when organisers never saved any."""
    settings = db.session.scalar(select(MentoringSettings).where(MentoringSettings.event_id == event.id))
    if settings is None:
        settings = MentoringSettings(event_id=event.id, mentors_per_team=1, stale_after_hours=24,
                                     show_summaries_to_jurors=False)
    return settings


def _require_manager(actor: User, event: Event) -> None:
    if not can_manage_mentoring(actor, event):
        raise NotAllowed()


def update_settings(actor: User, event: Event, *, mentors_per_team: int, stale_after_hours: int,
                    show_summaries_to_jurors: bool) -> MentoringSettings:
    """Save the event's mentoring options (audited with what changed)."""
    _require_manager(actor, event)
    if not 1 <= mentors_per_team <= MAX_MENTORS_PER_TEAM:
        raise DomainError(_("Mentors per team must be between 1 and %(max)d.", max=MAX_MENTORS_PER_TEAM))
    if not 1 <= stale_after_hours <= MAX_STALE_HOURS:
        raise DomainError(_("Hours must be between 1 and %(max)d.", max=MAX_STALE_HOURS))
    settings = settings_for(event)
    values = {"mentors_per_team": mentors_per_team, "stale_after_hours": stale_after_hours,
              "show_summaries_to_jurors": bool(show_summaries_to_jurors)}
    before, after = changed_fields(settings, values) if settings.id else ({}, values)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.add(settings)
    db.session.flush()
    if after:
        record_audit(actor=actor, action="mentoring.settings_updated", event_id=event.id, target=settings,
                     before=before, after=after)
    db.session.commit()
    return settings


def clean_names(event: Event, names: dict[str, str]) -> dict[str, str]:
    """Names per event language: stripped, empty ones dropped, the first event language required."""
    languages = list(event.languages or ["en"])
    cleaned = {}
    for language in languages:
        value = (names.get(language) or "").strip()
        if len(value) > TITLE_MAX:
            raise DomainError(ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", TITLE_MAX,
                                       max=TITLE_MAX))
        if value:
            cleaned[language] = value
    if languages[0] not in cleaned:
        raise DomainError(_("Give a name in the event's first language."))
    return cleaned


def localized(names: dict[str, str] | None, language: str, fallback: list[str] | None = None) -> str:
    """The name in `language`, else in the first fallback language that has one, else any."""
    names = names or {}
    for candidate in [language, *(fallback or [])]:
        if names.get(candidate):
            return names[candidate]
    return next(iter(names.values()), "")


# --- milestones ------------------------------------------------------------------------------------------------


def milestones(event: Event) -> list[Milestone]:
    return list(db.session.scalars(select(Milestone).where(Milestone.event_id == event.id)
                                   .order_by(Milestone.due_at, Milestone.position, Milestone.id)))


def get_milestone(event: Event, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.event_id != event.id:
        raise NotFound()
    return milestone


def add_milestone(actor: User, event: Event, *, title: dict[str, str], due_at: datetime) -> Milestone:
    _require_manager(actor, event)
    title = clean_names(event, title)
    if due_at is None:
        raise DomainError(_("Give the due time."))
    total = db.session.scalar(select(func.count()).select_from(Milestone).where(Milestone.event_id == event.id))
    if total >= MAX_MILESTONES:
        raise DomainError(ngettext("An event has at most %(max)d milestone.", "An event has at most %(max)d milestones.",
                                   MAX_MILESTONES, max=MAX_MILESTONES))
    milestone = Milestone(event_id=event.id, title=title, due_at=due_at, position=total)
    db.session.add(milestone)
    db.session.flush()
    record_audit(actor=actor, action="mentoring.milestone_added", event_id=event.id, target=milestone,
                 after={"title": title, "due_at": due_at})
    db.session.commit()
    return milestone


def update_milestone(actor: User, milestone: Milestone, *, event: Event, title: dict[str, str],
                     due_at: datetime) -> None:
    _require_manager(actor, event)
    if milestone.event_id != event.id:
        raise NotFound()
    if due_at is None:
        raise DomainError(_("Give the due time."))
    values = {"title": clean_names(event, title), "due_at": due_at}
    before, after = changed_fields(milestone, values)
    for key, value in values.items():
        setattr(milestone, key, value)
    if after:
        record_audit(actor=actor, action="mentoring.milestone_updated", event_id=event.id, target=milestone,
                     before=before, after=after)
    db.session.commit()


def delete_milestone(actor: User, milestone: Milestone, *, event: Event) -> None:
    """Delete a milestone; check-ins made for it stay, as "any time" check-ins."""
    _require_manager(actor, event)
    if milestone.event_id != event.id:
        raise NotFound()
    record_audit(actor=actor, action="mentoring.milestone_deleted", event_id=event.id, target=milestone,
                 before={"title": milestone.title, "due_at": milestone.due_at})
    db.session.delete(milestone)
    db.session.commit()


# --- review rubric ---------------------------------------------------------------------------------------------


def rubric(event: Event, *, include_archived: bool = False) -> list[RubricCriterion]:
    query = select(RubricCriterion).where(RubricCriterion.event_id == event.id)
    if not include_archived:
        query = query.where(RubricCriterion.is_archived.is_(False))
    return list(db.session.scalars(query.order_by(RubricCriterion.is_archived, RubricCriterion.position,
                                                  RubricCriterion.id)))


def get_criterion(event: Event, criterion_id: int) -> RubricCriterion:
    criterion = db.session.get(RubricCriterion, criterion_id)
    if criterion is None or criterion.event_id != event.id:
        raise NotFound()
    return criterion


def add_criterion(actor: User, event: Event, *, name: dict[str, str]) -> RubricCriterion:
    """Append a criterion at the end of the active rubric."""
    _require_manager(actor, event)
    name = clean_names(event, name)
    existing = rubric(event, include_archived=True)
    if len(existing) >= MAX_CRITERIA:
        raise DomainError(ngettext("A rubric has at most %(max)d criterion.", "A rubric has at most %(max)d criteria.",
                                   MAX_CRITERIA, max=MAX_CRITERIA))
    position = max((c.position for c in existing), default=0) + 1
    criterion = RubricCriterion(event_id=event.id, name=name, position=position, is_archived=False)
    db.session.add(criterion)
    db.session.flush()
    record_audit(actor=actor, action="mentoring.criterion_added", event_id=event.id, target=criterion,
                 after={"name": name, "position": position})
    db.session.commit()
    return criterion


def update_criterion(actor: User, criterion: RubricCriterion, *, event: Event, name: dict[str, str],
                     position: int) -> None:
    _require_manager(actor, event)
    if criterion.event_id != event.id:
        raise NotFound()
    if not 0 <= position <= 1000:
        raise DomainError(_("Enter a number between %(min)s and %(max)s.", min=0, max=1000))
    values = {"name": clean_names(event, name), "position": position}
    before, after = changed_fields(criterion, values)
    for key, value in values.items():
        setattr(criterion, key, value)
    if after:
        record_audit(actor=actor, action="mentoring.criterion_updated", event_id=event.id, target=criterion,
                     before=before, after=after)
    db.session.commit()


def criterion_is_used(criterion: RubricCriterion) -> bool:
    """Whether any review of the event scored this criterion."""
    key = str(criterion.id)
    for scores in db.session.scalars(select(MentorReview.scores).where(MentorReview.event_id == criterion.event_id)):
        if scores and key in scores:
            return True
    return False


def remove_criterion(actor: User, criterion: RubricCriterion, *, event: Event) -> str:
    """Archive a criterion that reviews used, delete an unused one; returns "archived" or "deleted"."""
    _require_manager(actor, event)
    if criterion.event_id != event.id:
        raise NotFound()
    if criterion_is_used(criterion):
        if not criterion.is_archived:
            criterion.is_archived = True
            record_audit(actor=actor, action="mentoring.criterion_archived", event_id=event.id, target=criterion,
                         before={"is_archived": False}, after={"is_archived": True})
        db.session.commit()
        return "archived"
    record_audit(actor=actor, action="mentoring.criterion_deleted", event_id=event.id, target=criterion,
                 before={"name": criterion.name})
    db.session.delete(criterion)
    db.session.commit()
    return "deleted"


def restore_criterion(actor: User, criterion: RubricCriterion, *, event: Event) -> None:
    """Bring an archived criterion back into the rubric."""
    _require_manager(actor, event)
    if criterion.event_id != event.id:
        raise NotFound()
    if criterion.is_archived:
        criterion.is_archived = False
        record_audit(actor=actor, action="mentoring.criterion_restored", event_id=event.id, target=criterion,
                     before={"is_archived": True}, after={"is_archived": False})
    db.session.commit()


# --- what jurors may see ---------------------------------------------------------------------------------------


def mentor_summaries_for_jurors(event: Event, team_ids) -> dict[int, tuple[str, str]]:
    """{team id: (latest status, its comment to the team)} for jurors, or {} unless organisers turned it on.

    The private note is never part of it. One query for the settings, one for the latest reviews.
    """
    team_ids = list(team_ids)
    if not team_ids or not settings_for(event).show_summaries_to_jurors:
        return {}
    latest = _latest(MentorReview, event, team_ids)
    return {team_id: (review.status.value, review.comment_to_team) for team_id, review in latest.items()}


# --- check-ins -------------------------------------------------------------------------------------------------


def clean_links(raw: str | list[str] | None) -> list[str]:
    """Links, one a line: http(s) addresses with a host, at most 5, duplicates dropped in order."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    links: list[str] = []
    for line in lines:
        link = str(line).strip()
        if not link:
            continue
        if len(link) > LINK_MAX:
            raise DomainError(ngettext("A link is longer than %(max)d character.", "A link is longer than %(max)d "
                                       "characters.", LINK_MAX, max=LINK_MAX))
        parts = urlsplit(link)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ord(c) < 33 for c in link):
            raise DomainError(_("“%(link)s” is not a web address: links start with http:// or https://.",
                                link=link[:80]))
        if link not in links:
            links.append(link)
    if len(links) > MAX_LINKS:
        raise DomainError(ngettext("Give at most %(max)d link.", "Give at most %(max)d links.", MAX_LINKS, max=MAX_LINKS))
    return links


def check_ins_open(event: Event, now: datetime) -> bool:
    """Teams check in from the start of hacking until submissions close."""
    return submissions_open(event.schedule, now)


def post_check_in(actor: User, event: Event, *, milestone_id: int | None, done: str, next_steps: str,
                  blockers: str, links: str | list[str], now: datetime) -> CheckIn:
    """A member of an accepted team reports progress, for a milestone or at any time.

    Sending the very same check-in again within ten minutes returns the first one (double submits are harmless).
    """
    team_id = accepted_team_id(actor, event)
    if team_id is None:
        raise NotAllowed(_("Only members of an accepted team check in."))
    if not check_ins_open(event, now):
        raise OutOfPhase(_("Check-ins are open from the start of hacking until submissions close."))
    done, next_steps, blockers = ((value or "").strip() for value in (done, next_steps, blockers))
    if not (done or next_steps or blockers):
        raise DomainError(_("Say what you did, what is next or what blocks you."))
    if max(len(done), len(next_steps), len(blockers)) > TEXT_MAX:
        raise DomainError(ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", TEXT_MAX,
                                       max=TEXT_MAX))
    links = clean_links(links)
    if milestone_id is not None and db.session.scalar(
            select(Milestone.id).where(Milestone.id == milestone_id, Milestone.event_id == event.id)) is None:
        raise DomainError(_("Choose one of this event's milestones."))
    recent = db.session.scalars(
        select(CheckIn).where(CheckIn.team_id == team_id, CheckIn.author_id == actor.id,
                              CheckIn.created_at >= now - DUPLICATE_WINDOW)).all()
    for check_in in recent:
        if (check_in.milestone_id, check_in.done, check_in.next_steps, check_in.blockers, check_in.links) == \
                (milestone_id, done, next_steps, blockers, links):
            return check_in
    check_in = CheckIn(event_id=event.id, team_id=team_id, author_id=actor.id, milestone_id=milestone_id,
                       done=done, next_steps=next_steps, blockers=blockers, links=links, created_at=now)
    db.session.add(check_in)
    db.session.commit()
    return check_in


@dataclass
class TeamProgress:
    """A team's check-ins and the reviews addressed to it, newest first."""

    check_ins: list[CheckIn]
    reviews: list[MentorReview]


def team_progress(event: Event, team_id: int) -> TeamProgress:
    """Two queries, whatever the number of check-ins and reviews (authors, milestones and mentors joined)."""
    check_ins = list(db.session.scalars(
        select(CheckIn).where(CheckIn.event_id == event.id, CheckIn.team_id == team_id)
        .options(joinedload(CheckIn.author), joinedload(CheckIn.milestone))
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())))
    reviews = list(db.session.scalars(
        select(MentorReview).where(MentorReview.event_id == event.id, MentorReview.team_id == team_id)
        .options(joinedload(MentorReview.mentor))
        .order_by(MentorReview.created_at.desc(), MentorReview.id.desc())))
    return TeamProgress(check_ins=check_ins, reviews=reviews)


# --- mentor reviews --------------------------------------------------------------------------------------------


def accepted_team_ids_query(event: Event):
    """Ids of the event's teams whose application is accepted or confirmed (a subquery)."""
    from hackathon.applications.models import Application, ApplicationStatus

    return select(Application.team_id).where(
        Application.event_id == event.id, Application.team_id.is_not(None),
        Application.status.in_((ApplicationStatus.accepted, ApplicationStatus.confirmed)))


def accepted_team(event: Event, team_id: int) -> Team:
    """The event's team if it is accepted (only accepted teams take part in mentoring), else NotFound."""
    team = db.session.scalar(select(Team).where(Team.id == team_id, Team.event_id == event.id,
                                                Team.id.in_(accepted_team_ids_query(event))))
    if team is None:
        raise NotFound()
    return team


def reviews_open(event: Event) -> bool:
    """Mentors review their teams until the results are published: during judging and pitching a review still
    informs the jurors (they read the latest one); once the results are out it would change nothing."""
    from hackathon.results.models import ResultSettings

    return db.session.scalar(select(ResultSettings.published_at).where(ResultSettings.event_id == event.id)) is None


def review_team(actor: User, event: Event, team: Team, *, status: str, scores: dict[int, int],
                comment_to_team: str, private_note: str, now: datetime) -> MentorReview:
    """Store a new review (reviews are never edited: the rows are the history) and tell the team's members.

    `scores` must hold one score from 1 to 5 for each active rubric criterion, nothing else. The same review
    sent again by the same mentor within ten minutes returns the first one (double submits are harmless).
    """
    if team.event_id != event.id or not can_review_team(actor, event, team.id):
        raise NotFound()
    if not reviews_open(event):
        raise OutOfPhase(_("The results are published: mentors no longer review the teams."))
    try:
        status = TeamStatus(status)
    except ValueError:
        raise DomainError(_("Choose a status.")) from None
    comment_to_team, private_note = (comment_to_team or "").strip(), (private_note or "").strip()
    if max(len(comment_to_team), len(private_note)) > TEXT_MAX:
        raise DomainError(ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", TEXT_MAX,
                                       max=TEXT_MAX))
    active = {c.id for c in rubric(event)}
    if set(scores) != active:
        raise DomainError(_("Score every criterion of the rubric."))
    if any(not isinstance(value, int) or not 1 <= value <= 5 for value in scores.values()):
        raise DomainError(_("Scores go from 1 to 5."))
    stored_scores = {str(key): value for key, value in sorted(scores.items())}
    recent = db.session.scalars(select(MentorReview).where(
        MentorReview.team_id == team.id, MentorReview.mentor_id == actor.id,
        MentorReview.created_at >= now - DUPLICATE_WINDOW)).all()
    for review in recent:
        if (review.status, review.scores, review.comment_to_team, review.private_note) == (
                status, stored_scores, comment_to_team, private_note):
            return review
    review = MentorReview(event_id=event.id, team_id=team.id, mentor_id=actor.id, status=status,
                          scores=stored_scores, comment_to_team=comment_to_team, private_note=private_note,
                          created_at=now)
    db.session.add(review)
    members = db.session.scalars(select(User).join(TeamMember, TeamMember.user_id == User.id)
                                 .where(TeamMember.team_id == team.id)).all()
    progress_url = url_for("mentoring.check_ins", slug=event.slug, _external=True)
    for member in members:
        if member.is_active_account:
            # Never the private note: the team reads the status and the comment on its page.
            queue_mail(member.email, "mentor_review", locale=member.locale, event_id=event.id, event=event,
                       team_name=team.name, mentor_name=actor.name, progress_url=progress_url)
    db.session.commit()
    return review


# --- dashboards ------------------------------------------------------------------------------------------------
# Both boards read a fixed number of queries whatever the number of teams: the teams, the latest check-in and
# the latest review of each (a window function), the milestone check-ins, the settings, the assignments.

STATUS_ORDER = ("blocked", "at_risk", "on_track", "not_reviewed")


@dataclass
class TeamRow:
    team: Team
    latest_check_in: CheckIn | None
    latest_review: MentorReview | None
    stale: bool  # no check-in within the stale-after hours
    missed_milestone: bool  # no check-in for the last milestone that is due
    mentors: list[User] = field(default_factory=list)
    project: str | None = None  # once submissions closed: "submitted", "draft" or "none" (the final state)

    @property
    def status(self) -> str:
        return self.latest_review.status.value if self.latest_review else "not_reviewed"

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"


def _latest(model, event: Event, team_ids: list[int], *options):
    """{team id: newest row of `model`} in one query (ROW_NUMBER over each team's rows)."""
    if not team_ids:
        return {}
    ranked = (select(model.id, func.row_number().over(partition_by=model.team_id,
                                                      order_by=(model.created_at.desc(), model.id.desc()))
                     .label("rank"))
              .where(model.event_id == event.id, model.team_id.in_(team_ids)).subquery())
    rows = db.session.scalars(select(model).join(ranked, ranked.c.id == model.id).where(ranked.c.rank == 1)
                              .options(*options))
    return {row.team_id: row for row in rows}


def last_due_milestone(event: Event, now: datetime) -> Milestone | None:
    return db.session.scalar(select(Milestone).where(Milestone.event_id == event.id, Milestone.due_at <= now)
                             .order_by(Milestone.due_at.desc(), Milestone.id.desc()).limit(1))


def team_rows(event: Event, teams: list[Team], *, now: datetime, settings: MentoringSettings,
              mentors_by_team: dict[int, list[User]] | None = None) -> list[TeamRow]:
    team_ids = [team.id for team in teams]
    check_ins = _latest(CheckIn, event, team_ids)
    reviews = _latest(MentorReview, event, team_ids, joinedload(MentorReview.mentor))
    milestone = last_due_milestone(event, now)
    on_time: set[int] = set()
    if milestone is not None and team_ids:
        on_time = set(db.session.scalars(select(CheckIn.team_id).where(
            CheckIn.milestone_id == milestone.id, CheckIn.team_id.in_(team_ids))))
    horizon = now - timedelta(hours=settings.stale_after_hours)
    rows = []
    for team in teams:
        latest = check_ins.get(team.id)
        rows.append(TeamRow(team=team, latest_check_in=latest, latest_review=reviews.get(team.id),
                            stale=latest is None or latest.created_at < horizon,
                            missed_milestone=milestone is not None and team.id not in on_time,
                            mentors=(mentors_by_team or {}).get(team.id, [])))
    return rows


@dataclass
class MentorDashboard:
    rows: list[TeamRow]
    milestone: Milestone | None
    stale_after_hours: int
    closed: bool = False  # submissions are closed: silence is no longer a problem, each team's final state shows

    @property
    def needing_check_in(self) -> list[TeamRow]:
        return [row for row in self.rows if row.stale or row.missed_milestone]

    @property
    def blocked(self) -> list[TeamRow]:
        return [row for row in self.rows if row.blocked]


def mentor_dashboard(mentor: User, event: Event, *, now: datetime) -> MentorDashboard:
    """The mentor's teams (accepted ones they are assigned to) with their latest check-in and review."""
    settings = settings_for(event)
    teams = list(db.session.scalars(
        select(Team).join(MentorAssignment, MentorAssignment.team_id == Team.id)
        .where(MentorAssignment.event_id == event.id, MentorAssignment.mentor_id == mentor.id,
               Team.id.in_(accepted_team_ids_query(event)))
        .order_by(Team.name, Team.id)))
    rows = team_rows(event, teams, now=now, settings=settings)
    closed = event.submissions_close_at is not None and now >= event.submissions_close_at
    if closed:
        _set_final_state(event, rows)
    return MentorDashboard(rows=rows, milestone=None if closed else last_due_milestone(event, now),
                           stale_after_hours=settings.stale_after_hours, closed=closed)


def _set_final_state(event: Event, rows: list[TeamRow]) -> None:
    """After the deadline a missing check-in means nothing: each row shows its project's state instead (1 query)."""
    from hackathon.submissions.models import Submission

    states = dict(db.session.execute(select(Submission.team_id, Submission.status).where(
        Submission.event_id == event.id, Submission.team_id.in_([row.team.id for row in rows]))).all())
    for row in rows:
        row.stale = row.missed_milestone = False
        state = states.get(row.team.id)
        row.project = state.value if state is not None else "none"


@dataclass
class MentorActivity:
    mentor: User
    team_count: int
    last_review_at: datetime | None


@dataclass
class OrganiserBoard:
    by_status: dict[str, list[TeamRow]]
    stale: list[TeamRow]
    quiet_mentors: list[MentorActivity]  # assigned mentors without a review within the stale-after hours
    accepted_count: int
    mentored_count: int
    stale_after_hours: int
    closed: bool = False  # submissions are closed: no team is stale and no mentor quiet, final states show


def organiser_board(event: Event, *, now: datetime) -> OrganiserBoard:
    """All accepted teams by latest status, teams without a recent check-in, mentors without a recent review."""
    settings = settings_for(event)
    teams = list(db.session.scalars(select(Team).where(Team.event_id == event.id,
                                                       Team.id.in_(accepted_team_ids_query(event)))
                                    .order_by(Team.name, Team.id)))
    team_ids = {team.id for team in teams}
    assignments = db.session.scalars(select(MentorAssignment).where(MentorAssignment.event_id == event.id)
                                     .options(joinedload(MentorAssignment.mentor))).all()
    mentors_by_team: dict[int, list[User]] = {}
    teams_by_mentor: dict[int, tuple[User, set[int]]] = {}
    for assignment in assignments:
        if assignment.team_id not in team_ids:
            continue
        mentors_by_team.setdefault(assignment.team_id, []).append(assignment.mentor)
        teams_by_mentor.setdefault(assignment.mentor_id, (assignment.mentor, set()))[1].add(assignment.team_id)
    rows = team_rows(event, teams, now=now, settings=settings, mentors_by_team=mentors_by_team)
    by_status: dict[str, list[TeamRow]] = {status: [] for status in STATUS_ORDER}
    for row in rows:
        by_status[row.status].append(row)
    last_reviews = dict(db.session.execute(
        select(MentorReview.mentor_id, func.max(MentorReview.created_at))
        .where(MentorReview.event_id == event.id, MentorReview.mentor_id.is_not(None))
        .group_by(MentorReview.mentor_id)).all())
    horizon = now - timedelta(hours=settings.stale_after_hours)
    quiet = [MentorActivity(mentor=mentor, team_count=len(mentored), last_review_at=last_reviews.get(mentor_id))
             for mentor_id, (mentor, mentored) in teams_by_mentor.items()
             if last_reviews.get(mentor_id) is None or last_reviews[mentor_id] < horizon]
    quiet.sort(key=lambda activity: (activity.mentor.name.lower(), activity.mentor.id))
    closed = event.submissions_close_at is not None and now >= event.submissions_close_at
    if closed:
        # As on the mentor's own page: after the deadline silence is no longer a problem.
        _set_final_state(event, rows)
        quiet = []
    return OrganiserBoard(by_status=by_status, stale=[row for row in rows if row.stale or row.missed_milestone],
                          quiet_mentors=quiet, accepted_count=len(teams), mentored_count=len(mentors_by_team),
                          stale_after_hours=settings.stale_after_hours, closed=closed)
