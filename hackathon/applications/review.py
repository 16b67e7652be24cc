"""Reviewing applications: the queue, ratings, decisions under capacity, the waitlist, confirmations, exports.

Decisions. Organisers accept, waitlist or reject applications that are submitted, waitlisted, accepted or
rejected. Capacity (`ApplicationSettings.max_accepted_teams`) counts team applications that are accepted or
confirmed; individual applications take no team place. Accepting sets `confirm_by` (now + confirmation days,
but never after hacking starts) and makes the individual, or every team member, a participant; moving an
accepted application anywhere else takes the participant role back.

The waitlist. A team goes on the waitlist only while all places are taken (with places free it would simply
be promoted at once, mailing "you are accepted" to a team the organisers meant to keep waiting). Whenever
places are free - a team declined, a place lapsed, the capacity grew - `promote_waitlist` accepts waitlisted
teams in rank order (lower `waitlist_rank` first, then the earlier submission). Promotion stops once hacking
has started. Waitlisted individuals are never promoted automatically: capacity does not apply to them.

Every write that depends on capacity or ranks first locks the event row (see `_lock_event`), so two
organisers deciding at once cannot both take the last place.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from hackathon.i18n import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from hackathon.accounts.models import User
from hackathon.applications.mail_templates import fill, overrides_for, places_taken_text, text_for
from hackathon.applications.services import application_of
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationRating,
                                           ApplicationSettings, ApplicationStatus, QuestionKind)
from hackathon.applications import stats
from hackathon.applications.stats import UNKNOWN
from hackathon.audit import AuditEntry, record_audit
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db
from hackathon.mail import queue_mail
from hackathon.permissions import (can_confirm_participation, can_decide_applications, can_review_applications,
                                   forget_roles)
from hackathon.teams.models import Team, TeamMember
from hackathon.templating import local_datetime
from hackathon.webhooks.services import queue_event

S = ApplicationStatus
PER_PAGE = 50
REASON_MAX = 500
NOTE_MAX = 2000
SEARCH_MAX = 100
SCORE_MIN, SCORE_MAX = 1, 5
DEFAULT_CONFIRMATION_DAYS = 7

DECISIONS = (S.accepted, S.waitlisted, S.rejected)
DECIDABLE = frozenset({S.submitted, S.waitlisted, S.accepted, S.rejected})
TAKES_A_PLACE = (S.accepted, S.confirmed)
NOT_RATEABLE = frozenset({S.withdrawn, S.merged})
# Accepted synonyms for callers that speak in verbs ("accept") rather than statuses ("accepted").
DECISION_WORDS = {"accept": S.accepted, "waitlist": S.waitlisted, "reject": S.rejected}

STATUS_LABELS = {
    S.draft: _l("Draft"), S.submitted: _l("Submitted"), S.withdrawn: _l("Withdrawn"), S.accepted: _l("Accepted"),
    S.waitlisted: _l("Waitlisted"), S.rejected: _l("Rejected"), S.confirmed: _l("Confirmed"),
    S.declined: _l("Declined"), S.lapsed: _l("Lapsed (not confirmed in time)"), S.merged: _l("Merged into a team"),
}
DECISION_LABELS = {S.accepted: _l("Accept"), S.waitlisted: _l("Put on the waitlist"), S.rejected: _l("Reject")}
KIND_LABELS = {ApplicationKind.individual: _l("Individual"), ApplicationKind.team: _l("Team")}
BACKGROUND_LABELS = {"it": _l("IT"), "non_it": _l("Non-IT")}
AGE_BAND_LABELS = {"under_18": _l("Under 18"), "18-24": "18–24", "25-34": "25–34", "35-44": "35–44",
                   "45-54": "45–54", "55+": "55+", UNKNOWN: _l("Not given")}
SORTS = ("priority", "rating", "oldest", "newest", "name")


# Pure helpers ------------------------------------------------------------------------------------------------------

def mean_score(total: int | None, count: int | None) -> Fraction | None:
    """The exact average of the ratings given (missing ones are not counted); None when nobody rated."""
    if not count:
        return None
    return Fraction(int(total or 0), int(count))


def one_decimal(value: Fraction | None) -> str:
    """The average for display, rounded once, half up, to one decimal ("4.5"); "" when there is none."""
    if value is None:
        return ""
    tenths = math.floor(value * 10 + Fraction(1, 2))
    return f"{tenths // 10}.{tenths % 10}"


def localized(texts: dict[str, str] | None, locale: str, fallbacks: Iterable[str] = ()) -> str:
    """A per-language text in the reader's language, else the first fallback language that has one."""
    texts = texts if isinstance(texts, dict) else {}
    for code in (locale, *fallbacks):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")


def answer_text(question: ApplicationQuestion, value: Any, locale: str, fallbacks: Iterable[str] = ()) -> str:
    """An answer as a reader sees it: option labels in their language, Yes/No, numbers and text as given."""
    if value is None or value == "" or value == []:
        return ""
    if question.kind == QuestionKind.yes_no:
        if isinstance(value, str):
            value = value.strip().lower() in ("yes", "true", "1", "y")
        return _("Yes") if value else _("No")
    if question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        labels = {str(option.get("value")): localized(option.get("label"), locale, fallbacks)
                  for option in (question.options or []) if isinstance(option, dict)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(item)) or str(item) for item in values)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def display_name(application: Application) -> str:
    return application.team.name if application.team is not None else application.user.name


def event_bands(event: Event) -> list[stats.AgeBand]:
    """The event's age bands (its inclusion settings, else the defaults), as the inclusion page counts them."""
    from hackathon.applications.inclusion import event_age_bands, inclusion_settings_for

    return event_age_bands(inclusion_settings_for(event))


def age_band_choices(bands: list[stats.AgeBand]) -> list[tuple[str, str]]:
    """(key, label) for the queue's age filter: every band of the event, then "Not given"."""
    from hackathon.applications.inclusion import value_label

    return [*((band.key, value_label("age_band", band.key)) for band in bands),
            (UNKNOWN, str(AGE_BAND_LABELS[UNKNOWN]))]


def age_band_years(band: str, year: int, bands: list[stats.AgeBand] | None = None) -> tuple[int, int] | None:
    """The years of birth of an age band in `year` (ages as stats.age_band_of counts them), or None for unknown
    (or a key that is not one of the bands)."""
    for candidate in bands if bands is not None else stats.age_bands():
        if candidate.key == band:
            oldest = candidate.high if candidate.high is not None else stats.MAX_AGE * 2
            return year - oldest, year - candidate.low
    return None


def age_year(event: Event, now: datetime) -> int:
    """The year ages are counted in: the event's, as the inclusion page counts them (not the current year)."""
    from hackathon.applications.inclusion import reference_year

    return reference_year(event, now)


def age_band_of_birth(year_of_birth: int | None, year: int, bands: list[stats.AgeBand]) -> str:
    return stats.age_band_of(None if year_of_birth is None else year - year_of_birth, bands)


# Loading -----------------------------------------------------------------------------------------------------------

def _rating_totals():
    """Ratings per application: one aggregate over the ratings table, joined to the list (never per row)."""
    return (select(ApplicationRating.application_id.label("application_id"),
                   func.count(ApplicationRating.score).label("count"),
                   func.sum(ApplicationRating.score).label("total"))
            .group_by(ApplicationRating.application_id)
            .subquery("rating_totals"))


def _settings(event: Event) -> tuple[int | None, int]:
    """(max accepted teams or None for no limit, confirmation days); the defaults when none were saved."""
    row = db.session.execute(
        select(ApplicationSettings.max_accepted_teams, ApplicationSettings.confirmation_days)
        .where(ApplicationSettings.event_id == event.id)
    ).first()
    if row is None:
        return None, DEFAULT_CONFIRMATION_DAYS
    return row[0], row[1] if row[1] is not None else DEFAULT_CONFIRMATION_DAYS


def _places_taken(event: Event) -> int:
    return db.session.scalar(
        select(func.count(Application.id)).where(
            Application.event_id == event.id, Application.kind == ApplicationKind.team,
            Application.status.in_(TAKES_A_PLACE))
    ) or 0


@dataclass(frozen=True)
class Capacity:
    limit: int | None
    taken: int
    waiting: int

    @property
    def free(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.taken, 0)


def capacity_of(event: Event) -> Capacity:
    """Team places: the limit, how many are taken (accepted + confirmed teams), how many teams wait."""
    limit, _days = _settings(event)
    taken, waiting = db.session.execute(
        select(func.coalesce(func.sum(case((Application.status.in_(TAKES_A_PLACE), 1), else_=0)), 0),
               func.coalesce(func.sum(case((Application.status == S.waitlisted, 1), else_=0)), 0))
        .where(Application.event_id == event.id, Application.kind == ApplicationKind.team)
    ).one()
    return Capacity(limit=limit, taken=int(taken), waiting=int(waiting))


def people_by_application(applications: list[Application]) -> dict[int, list[User]]:
    """Who an application speaks for: the applicant, or every member of the team (one query for all teams)."""
    team_ids = [application.team_id for application in applications if application.team_id is not None]
    by_team: dict[int, list[User]] = {}
    if team_ids:
        rows = db.session.execute(
            select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids)).order_by(TeamMember.joined_at, TeamMember.id)
        )
        for team_id, user in rows:
            by_team.setdefault(team_id, []).append(user)
    return {application.id: (by_team.get(application.team_id) or [application.user])
            if application.team_id is not None else [application.user]
            for application in applications}


def event_questions(event: Event) -> list[ApplicationQuestion]:
    """The event's questions in form order; archived ones last (their answers are kept and still shown)."""
    return list(db.session.scalars(
        select(ApplicationQuestion).where(ApplicationQuestion.event_id == event.id)
        .order_by(ApplicationQuestion.is_archived, ApplicationQuestion.position, ApplicationQuestion.id)
    ))


def answer_rows(application: Application, questions: list[ApplicationQuestion], locale: str,
                fallbacks: Iterable[str]) -> list[tuple[str, str]]:
    """(question label, answer) pairs in the reader's language; archived questions only when answered."""
    answers = application.answers or {}
    rows = []
    for question in questions:
        value = answers.get(str(question.id))
        if question.is_archived and value in (None, "", []):
            continue
        rows.append((localized(question.label, locale, fallbacks), answer_text(question, value, locale, fallbacks)))
    return rows


# The queue ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueFilters:
    status: ApplicationStatus | None = None
    kind: ApplicationKind | None = None
    track_id: int | None = None
    region: str | None = None
    background: str | None = None
    age_band: str | None = None
    age_bands: list[stats.AgeBand] | None = None  # the event's (None: the default bands)
    search: str = ""
    sort: str = "priority"


@dataclass(frozen=True)
class QueueRow:
    application: Application
    rating_count: int
    average: Fraction | None

    @property
    def average_text(self) -> str:
        return one_decimal(self.average)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _queue_conditions(event: Event, filters: QueueFilters, applicant, now: datetime) -> list:
    conditions = [Application.event_id == event.id, Application.status != S.draft]
    if filters.status is not None:
        conditions.append(Application.status == filters.status)
    if filters.kind is not None:
        conditions.append(Application.kind == filters.kind)
    if filters.track_id is not None:
        conditions.append(Team.track_id == filters.track_id)

    def anyone(condition: Callable[[Any], Any]):
        """The individual applicant matches, or at least one member of the team does."""
        member = aliased(User)
        in_team = exists(
            select(TeamMember.id).join(member, member.id == TeamMember.user_id)
            .where(TeamMember.team_id == Application.team_id, condition(member))
        )
        return or_(and_(Application.kind == ApplicationKind.individual, condition(applicant)),
                   and_(Application.kind == ApplicationKind.team, in_team))

    if filters.region:
        conditions.append(anyone(lambda person: person.region == filters.region))
    if filters.background:
        conditions.append(anyone(lambda person: person.background == filters.background))
    if filters.age_band:
        years = age_band_years(filters.age_band, age_year(event, now), filters.age_bands)
        if years is None:
            conditions.append(anyone(lambda person: person.year_of_birth.is_(None)))
        else:
            conditions.append(anyone(lambda person: person.year_of_birth.between(*years)))
    if filters.search:
        pattern = _like(filters.search)
        conditions.append(or_(
            Team.name.ilike(pattern, escape="\\"),
            anyone(lambda person: or_(person.name.ilike(pattern, escape="\\"),
                                      person.email.ilike(pattern, escape="\\"))),
        ))
    return conditions


def queue_page(event: Event, filters: QueueFilters, *, page: int = 1, now: datetime | None = None,
               per_page: int = PER_PAGE) -> QueuePage:
    """One page of the review queue: two queries (the count and the rows with their rating totals).

    Default order ("priority"): submitted applications first (they wait for a decision), then the best average
    rating (unrated last), then the earliest submission, then the id.
    """
    now = now or utcnow()
    applicant = aliased(User, name="applicant")
    conditions = _queue_conditions(event, filters, applicant, now)
    total = db.session.scalar(
        select(func.count(Application.id)).select_from(Application)
        .join(applicant, applicant.id == Application.user_id)
        .outerjoin(Team, Team.id == Application.team_id)
        .where(*conditions)
    ) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)

    ratings = _rating_totals()
    average = (ratings.c.total * 1.0) / ratings.c.count
    orders = {
        "priority": [case((Application.status == S.submitted, 0), else_=1), average.desc().nulls_last(),
                     Application.submitted_at.asc().nulls_last(), Application.id],
        "rating": [average.desc().nulls_last(), ratings.c.count.desc().nulls_last(),
                   Application.submitted_at.asc().nulls_last(), Application.id],
        "oldest": [Application.submitted_at.asc().nulls_last(), Application.id],
        "newest": [Application.submitted_at.desc().nulls_last(), Application.id.desc()],
        "name": [func.lower(func.coalesce(Team.name, applicant.name)), Application.id],
    }
    rows = db.session.execute(
        select(Application, ratings.c.count, ratings.c.total)
        .join(applicant, applicant.id == Application.user_id)
        .outerjoin(Team, Team.id == Application.team_id)
        .outerjoin(ratings, ratings.c.application_id == Application.id)
        .options(contains_eager(Application.user.of_type(applicant)),
                 contains_eager(Application.team).joinedload(Team.track))
        .where(*conditions)
        .order_by(*orders.get(filters.sort, orders["priority"]))
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return QueuePage(
        rows=[QueueRow(application=application, rating_count=count or 0, average=mean_score(total_, count))
              for application, count, total_ in rows],
        total=total, page=page, pages=pages,
    )


# One application ---------------------------------------------------------------------------------------------------

def application_for_review(event: Event, application_id: int) -> Application:
    """The event's application with its applicant and team; drafts and other events' ids are not found."""
    application = db.session.scalar(
        select(Application).options(joinedload(Application.user), joinedload(Application.team).joinedload(Team.track))
        .where(Application.id == application_id)
    )
    if application is None or application.event_id != event.id or application.status == S.draft:
        raise NotFound()
    return application


@dataclass(frozen=True)
class Person:
    user: User
    is_captain: bool
    age_band: str
    age_label: str = ""


@dataclass(frozen=True)
class ReviewDetails:
    application: Application
    people: list[Person]
    answers: list[tuple[str, str]]
    ratings: list[ApplicationRating]
    my_rating: ApplicationRating | None
    average: Fraction | None
    history: list[AuditEntry]

    @property
    def average_text(self) -> str:
        return one_decimal(self.average)


def _person(user: User, captain_id: int | None, year: int, bands: list[stats.AgeBand]) -> Person:
    from hackathon.applications.inclusion import value_label

    band = age_band_of_birth(user.year_of_birth, year, bands)
    return Person(user=user, is_captain=user.id == captain_id, age_band=band,
                  age_label=value_label("age_band", band))


def review_details(event: Event, application: Application, viewer: User, *, locale: str,
                   now: datetime | None = None) -> ReviewDetails:
    """Everything the review page shows, in a fixed number of queries."""
    now = now or utcnow()
    people = people_by_application([application])[application.id]
    bands, year = event_bands(event), age_year(event, now)
    captain_id = application.team.captain_id if application.team is not None else None
    ratings = list(db.session.scalars(
        select(ApplicationRating).options(joinedload(ApplicationRating.reviewer))
        .where(ApplicationRating.application_id == application.id)
        .order_by(ApplicationRating.created_at, ApplicationRating.id)
    ))
    history = list(db.session.scalars(
        select(AuditEntry).options(joinedload(AuditEntry.actor))
        .where(AuditEntry.event_id == event.id, AuditEntry.target_type == "Application",
               AuditEntry.target_id == application.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ))
    return ReviewDetails(
        application=application,
        people=[_person(user, captain_id, year, bands) for user in people],
        answers=answer_rows(application, event_questions(event), locale, event.languages),
        ratings=ratings,
        my_rating=next((rating for rating in ratings if rating.reviewer_id == viewer.id), None),
        average=mean_score(sum(rating.score for rating in ratings), len(ratings)),
        history=history,
    )


# Ratings -----------------------------------------------------------------------------------------------------------

def rate_application(reviewer: User, application: Application, *, score: int, note: str = "",
                     now: datetime | None = None) -> ApplicationRating:
    """Save the reviewer's 1-5 rating; saving again updates it (one row per reviewer, also under double submits)."""
    if not can_review_applications(reviewer, application.event):
        raise NotAllowed()
    if application.status == S.draft:
        raise NotFound()
    if application.status in NOT_RATEABLE:
        raise Conflict(_("This application was withdrawn or merged into a team's application; it is not rated."))
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise DomainError(_("A rating is a whole number from 1 to 5."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(ngettext("The note is too long (at most %(max)d character).",
                                   "The note is too long (at most %(max)d characters).", NOTE_MAX, max=NOTE_MAX))
    now = now or utcnow()

    def existing() -> ApplicationRating | None:
        return db.session.scalar(
            select(ApplicationRating).where(ApplicationRating.application_id == application.id,
                                            ApplicationRating.reviewer_id == reviewer.id)
            .execution_options(populate_existing=True)
        )

    rating = existing()
    if rating is None:
        rating = ApplicationRating(application_id=application.id, reviewer_id=reviewer.id, score=score, note=note,
                                   created_at=now, updated_at=now)
        db.session.add(rating)
        try:
            db.session.commit()
            return rating
        except IntegrityError:
            # The same reviewer's other request (a double click) inserted first: update that row instead.
            db.session.rollback()
            rating = existing()
            if rating is None:
                raise
    rating.score, rating.note, rating.updated_at = score, note, now
    db.session.commit()
    return rating


# Decisions ---------------------------------------------------------------------------------------------------------

@dataclass
class DecisionOutcome:
    decision: ApplicationStatus
    changed: list[Application] = field(default_factory=list)
    unchanged: list[Application] = field(default_factory=list)
    refused: list[tuple[Application, str]] = field(default_factory=list)


def decision_status(decision: Any) -> ApplicationStatus:
    """The status a decision leads to; anything but accept, waitlist or reject is refused."""
    if isinstance(decision, ApplicationStatus):
        status = decision
    else:
        word = str(decision or "").strip().lower()
        status = DECISION_WORDS.get(word) or next((s for s in DECISIONS if s.value == word), None)
    if status not in DECISIONS:
        raise DomainError(_("Choose one of the decisions: accept, put on the waitlist or reject."))
    return status


def _lock_event(event: Event) -> None:
    """Serialise the writes that count places or ranks at this event, before reading the counts.

    A no-op UPDATE of the event row: PostgreSQL holds its row lock until the commit (as SELECT ... FOR UPDATE
    would), and SQLite, which ignores FOR UPDATE, starts the write transaction here, so a second writer waits
    for the first to commit before it reads anything. `updated_at` is set to itself so the event looks unchanged.
    """
    db.session.execute(
        update(Event).where(Event.id == event.id).values(updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )


def _confirm_by(event: Event, now: datetime, days: int) -> datetime:
    """Now plus the confirmation days, but not after hacking starts (a later deadline would be no deadline)."""
    deadline = now + timedelta(days=days)
    if event.hacking_starts_at is not None and now < event.hacking_starts_at < deadline:
        deadline = event.hacking_starts_at
    return deadline


def confirm_by_for(event: Event, now: datetime) -> datetime:
    """The confirm-by moment an acceptance at `now` gets (used by the mail preview too)."""
    return _confirm_by(event, now, _settings(event)[1])


def _set_participants(event: Event, users: list[User], *, granted: bool) -> None:
    user_ids = {user.id for user in users}
    if not user_ids:
        return
    if granted:
        have = set(db.session.scalars(select(EventRole.user_id).where(
            EventRole.event_id == event.id, EventRole.role == Role.participant, EventRole.user_id.in_(user_ids))))
        for user_id in sorted(user_ids - have):
            db.session.add(EventRole(event_id=event.id, user_id=user_id, role=Role.participant))
    else:
        db.session.execute(delete(EventRole).where(
            EventRole.event_id == event.id, EventRole.role == Role.participant, EventRole.user_id.in_(user_ids)))
    forget_roles()


def applicant_link(event: Event) -> str:
    """The applicant's page at the event, where they see their status and confirm."""
    return url_for("applications.dashboard", slug=event.slug, _external=True)


class _Mailer:
    """Queues decision mails in each recipient's language, reading the event's overrides once."""

    def __init__(self, event: Event):
        self.event = event
        self._overrides = None
        self._link = None

    def send(self, key: str, application: Application, people: list[User], *, reason: str | None = None,
             confirm_by: datetime | None = None, full_capacity: int | None = None) -> None:
        if self._overrides is None:
            self._overrides = overrides_for(self.event)
            self._link = applicant_link(self.event)
        languages = current_app.config["LANGUAGES"]
        # The person's language; without one, the event's first language (the one its audience reads).
        fallback = next((code for code in self.event.languages if code in languages),
                        current_app.config["BABEL_DEFAULT_LOCALE"])
        for person in people:
            locale = person.locale if person.locale in languages else fallback
            with force_locale(locale):
                mail = fill(text_for(key, locale, self._overrides), {
                    "name": person.name,
                    "event": self.event.title,
                    "team": application.team.name if application.team is not None else "",
                    "confirm_by": local_datetime(confirm_by, self.event.timezone) if confirm_by else "",
                    "reason": reason or "",
                    "link": self._link,
                    "places": places_taken_text(full_capacity),
                })
            queue_mail(person.email, f"application_{key}", locale=locale, event_id=self.event.id,
                       subject=mail.subject, body=mail.body_text, body_html=mail.body_html)


def _accept(application: Application, people: list[User], *, event: Event, now: datetime, days: int) -> None:
    application.status = S.accepted
    application.accepted_at = now
    application.confirm_by = _confirm_by(event, now, days)
    application.confirmed_at = None
    application.waitlist_rank = None
    _set_participants(event, people, granted=True)


def _next_waitlist_rank(event: Event) -> int:
    highest = db.session.scalar(select(func.max(Application.waitlist_rank)).where(Application.event_id == event.id))
    return (highest or 0) + 1


def decide_applications(actor: User, event: Event, application_ids: Iterable[int], decision: Any,
                        reason: str | None = None, now: datetime | None = None) -> DecisionOutcome:
    """Accept, waitlist or reject applications of the event, in the order given.

    All ids must belong to the event (else NotFound and nothing changes). An application already in the chosen
    state is left alone (no audit entry, no mail: a double click is harmless); one that cannot be decided
    (draft, withdrawn, confirmed, ...) or that does not fit (capacity) is refused with a message and the others
    go ahead. Each change is audited and mailed to the applicant or every team member in their language.
    """
    if not can_decide_applications(actor, event):
        raise NotAllowed()
    target = decision_status(decision)
    now = now or utcnow()
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > REASON_MAX:
        raise DomainError(ngettext("The reason is too long (at most %(max)d character).",
                                   "The reason is too long (at most %(max)d characters).", REASON_MAX, max=REASON_MAX))
    try:
        ids = list(dict.fromkeys(int(value) for value in application_ids))
    except (TypeError, ValueError):
        raise NotFound() from None
    if not ids:
        raise DomainError(_("Select at least one application."))

    mine = set(db.session.scalars(
        select(Application.id).where(Application.id.in_(ids), Application.event_id == event.id)))
    if len(mine) != len(ids):
        raise NotFound()  # another event's (or no) application: nothing is changed, nothing is locked

    _lock_event(event)
    applications = {application.id: application for application in db.session.scalars(
        select(Application).options(joinedload(Application.user), joinedload(Application.team))
        .where(Application.id.in_(ids)).execution_options(populate_existing=True)
    )}

    limit, days = _settings(event)
    taken = _places_taken(event) if limit is not None else 0
    people = people_by_application(list(applications.values()))
    mailer = _Mailer(event)
    next_rank: int | None = None
    outcome = DecisionOutcome(decision=target)
    for application_id in ids:
        application = applications[application_id]
        before = application.status
        name = display_name(application)
        counts_for_capacity = application.kind == ApplicationKind.team and limit is not None
        if before not in DECIDABLE:
            outcome.refused.append((application, _(
                "%(name)s cannot be decided: the application is %(status)s.",
                name=name, status=str(STATUS_LABELS[before]).lower())))
            continue
        if before == target:
            outcome.unchanged.append(application)
            continue
        if target == S.accepted and counts_for_capacity and taken >= limit:
            outcome.refused.append((application, ngettext(
                "%(name)s was not accepted: all %(capacity)d team place is taken.",
                "%(name)s was not accepted: all %(capacity)d team places are taken.", limit, name=name, capacity=limit)))
            continue
        if target == S.waitlisted and counts_for_capacity and taken < limit:
            outcome.refused.append((application, ngettext(
                "%(name)s was not put on the waitlist: %(free)d team place of %(capacity)d is still free. "
                "Accept teams until the places are taken; waitlisted teams move up when a place becomes free.",
                "%(name)s was not put on the waitlist: %(free)d team places of %(capacity)d are still free. "
                "Accept teams until the places are taken; waitlisted teams move up when a place becomes free.",
                limit - taken, name=name, free=limit - taken, capacity=limit)))
            continue

        application.decided_at = now
        application.decided_by_id = actor.id
        application.decision_reason = reason
        if target == S.accepted:
            _accept(application, people[application.id], event=event, now=now, days=days)
            taken += counts_for_capacity
        else:
            if before == S.accepted:
                _set_participants(event, people[application.id], granted=False)
                taken -= counts_for_capacity
            application.status = target
            application.confirm_by = None
            # Waitlisted or rejected after all: the acceptance no longer counts (the funnel reads accepted_at).
            application.accepted_at = None
            if target == S.waitlisted:
                next_rank = next_rank or _next_waitlist_rank(event)
                application.waitlist_rank = next_rank
                next_rank += 1
            else:
                application.waitlist_rank = None
        after: dict[str, Any] = {"status": target.value}
        if application.confirm_by is not None:
            after["confirm_by"] = application.confirm_by
        if application.waitlist_rank is not None:
            after["waitlist_rank"] = application.waitlist_rank
        record_audit(actor=actor, action="application.decide", event_id=event.id, target=application,
                     before={"status": before.value}, after=after, reason=reason)
        mailer.send(target.value, application, people[application.id], reason=reason,
                    confirm_by=application.confirm_by,
                    full_capacity=limit if counts_for_capacity and taken >= limit else None)
        queue_event(event, "application.decided", {"application_id": application.id, "status": target.value})
        outcome.changed.append(application)
    db.session.commit()
    return outcome


def outcome_messages(outcome: DecisionOutcome) -> list[tuple[str, str]]:
    """Flash messages (category, text) that say what a decision did."""
    messages: list[tuple[str, str]] = []
    changed = len(outcome.changed)
    if changed:
        text = {
            S.accepted: ngettext("%(num)d application accepted.", "%(num)d applications accepted.", changed),
            S.waitlisted: ngettext("%(num)d application put on the waitlist.",
                                   "%(num)d applications put on the waitlist.", changed),
            S.rejected: ngettext("%(num)d application rejected.", "%(num)d applications rejected.", changed),
        }[outcome.decision]
        messages.append(("success", text + " " + _("The applicants are notified by mail.")))
    if outcome.unchanged:
        messages.append(("info", ngettext("%(num)d application already had this decision and was left as it was.",
                                          "%(num)d applications already had this decision and were left as they were.",
                                          len(outcome.unchanged))))
    messages.extend(("error", message) for _application, message in outcome.refused)
    return messages


# The waitlist and the confirmation deadline ---------------------------------------------------------------------------

@dataclass
class ReleaseOutcome:
    lapsed: list[Application] = field(default_factory=list)
    promoted: list[Application] = field(default_factory=list)


def _promotion_open(event: Event, now: datetime) -> bool:
    return event.hacking_starts_at is None or now < event.hacking_starts_at


def _promote(event: Event, now: datetime, mailer: _Mailer) -> list[Application]:
    """Fill free team places from the waitlist in rank order (the caller locked the event and commits)."""
    limit, days = _settings(event)
    if limit is None or not _promotion_open(event, now):
        return []
    free = limit - _places_taken(event)
    if free <= 0:
        return []
    waiting = list(db.session.scalars(
        select(Application).options(joinedload(Application.user), joinedload(Application.team))
        .where(Application.event_id == event.id, Application.kind == ApplicationKind.team,
               Application.status == S.waitlisted)
        .order_by(Application.waitlist_rank.asc().nulls_last(), Application.submitted_at.asc().nulls_last(),
                  Application.id)
        .limit(free).execution_options(populate_existing=True)
    ))
    people = people_by_application(waiting)
    for application in waiting:
        rank = application.waitlist_rank
        application.decided_at = now
        _accept(application, people[application.id], event=event, now=now, days=days)
        record_audit(actor=None, action="application.promote", event_id=event.id, target=application,
                     before={"status": S.waitlisted.value, "waitlist_rank": rank},
                     after={"status": S.accepted.value, "confirm_by": application.confirm_by})
        mailer.send("promoted", application, people[application.id], confirm_by=application.confirm_by)
    return waiting


def promote_waitlist(event: Event, now: datetime | None = None) -> list[Application]:
    """Accept waitlisted teams, in rank order, into the free team places; mails them a new confirm-by date."""
    now = now or utcnow()
    _lock_event(event)
    promoted = _promote(event, now, _Mailer(event))
    db.session.commit()
    return promoted


def _work_waiting(event: Event, now: datetime, capacity: Capacity | None) -> bool:
    """Cheap check whether a release has anything to do, so the queue page writes only when needed."""
    due = db.session.scalar(select(exists().where(
        Application.event_id == event.id, Application.status == S.accepted,
        Application.confirm_by.is_not(None), Application.confirm_by <= now)))
    if due:
        return True
    capacity = capacity or capacity_of(event)
    return bool(capacity.limit is not None and capacity.waiting and capacity.free and _promotion_open(event, now))


def release_unconfirmed(event: Event, now: datetime | None = None, *,
                        capacity: Capacity | None = None) -> ReleaseOutcome:
    """Accepted applications whose confirm-by moment passed become lapsed (roles removed, applicants mailed);
    then the free places go to the waitlist. Idempotent: a second run finds nothing to do.

    `capacity`, when the caller read it already, saves the check two queries."""
    now = now or utcnow()
    outcome = ReleaseOutcome()
    if not _work_waiting(event, now, capacity):
        return outcome
    _lock_event(event)
    mailer = _Mailer(event)
    outcome.lapsed = list(db.session.scalars(
        select(Application).options(joinedload(Application.user), joinedload(Application.team))
        .where(Application.event_id == event.id, Application.status == S.accepted,
               Application.confirm_by.is_not(None), Application.confirm_by <= now)
        .order_by(Application.confirm_by, Application.id).execution_options(populate_existing=True)
    ))
    people = people_by_application(outcome.lapsed)
    for application in outcome.lapsed:
        application.status = S.lapsed
        _set_participants(event, people[application.id], granted=False)
        record_audit(actor=None, action="application.lapse", event_id=event.id, target=application,
                     before={"status": S.accepted.value, "confirm_by": application.confirm_by},
                     after={"status": S.lapsed.value})
        mailer.send("lapsed", application, people[application.id], confirm_by=application.confirm_by)
    outcome.promoted = _promote(event, now, mailer)
    db.session.commit()
    return outcome


def release_all_unconfirmed(now: datetime | None = None) -> dict[str, ReleaseOutcome]:
    """`release_unconfirmed` for every event that has an accepted application or a waitlisted team."""
    now = now or utcnow()
    event_ids = db.session.scalars(
        select(Application.event_id).where(or_(
            Application.status == S.accepted,
            and_(Application.kind == ApplicationKind.team, Application.status == S.waitlisted),
        )).distinct().order_by(Application.event_id)
    ).all()
    results: dict[str, ReleaseOutcome] = {}
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        if event is not None:
            results[event.slug] = release_unconfirmed(event, now)
    return results


# Confirmation by the applicants ------------------------------------------------------------------------------------

def _responding(user: User, event: Event) -> Application:
    application = application_of(user, event)
    if application is None or application.status == S.draft:
        raise NotFound(_("You have no application at this event."))
    if not can_confirm_participation(user, application):
        raise NotAllowed(_("Only your team's captain can confirm or decline for the team."))
    _lock_event(event)
    db.session.refresh(application)
    return application


def confirm_participation(user: User, event: Event, now: datetime | None = None) -> Application:
    """The accepted applicant (or captain) confirms before `confirm_by`; confirming twice changes nothing."""
    now = now or utcnow()
    application = _responding(user, event)
    if application.status == S.confirmed:
        return application
    if application.status != S.accepted:
        raise Conflict(_("Only an accepted application can be confirmed."))
    if application.confirm_by is not None and now >= application.confirm_by:
        raise OutOfPhase(_("The time to confirm ended on %(when)s.",
                           when=local_datetime(application.confirm_by, event.timezone)))
    application.status = S.confirmed
    application.confirmed_at = now
    record_audit(actor=user, action="application.confirm", event_id=event.id, target=application,
                 before={"status": S.accepted.value}, after={"status": S.confirmed.value})
    db.session.commit()
    return application


def decline_participation(user: User, event: Event, now: datetime | None = None) -> Application:
    """The accepted (or confirmed) applicant gives the place up: participant roles go, the waitlist moves up."""
    now = now or utcnow()
    application = _responding(user, event)
    if application.status == S.declined:
        return application
    if application.status not in TAKES_A_PLACE:
        raise Conflict(_("Only an accepted application can be declined."))
    before = application.status
    application.status = S.declined
    _set_participants(event, people_by_application([application])[application.id], granted=False)
    record_audit(actor=user, action="application.decline", event_id=event.id, target=application,
                 before={"status": before.value}, after={"status": S.declined.value})
    _promote(event, now, _Mailer(event))
    db.session.commit()
    return application


# Export and API ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApplicationRecord:
    application: Application
    people: list[User]
    rating_count: int
    average: Fraction | None
    answers: list[str]  # in the order of the questions


def application_records(actor: User, event: Event, *, locale: str, status: ApplicationStatus | None = None
                        ) -> tuple[list[ApplicationQuestion], list[ApplicationRecord]]:
    """Every non-draft application of the event with its people, ratings and answers, for the organisers:
    three queries."""
    if not can_decide_applications(actor, event):
        raise NotAllowed()
    questions = event_questions(event)
    ratings = _rating_totals()
    query = (
        select(Application, ratings.c.count, ratings.c.total)
        .outerjoin(ratings, ratings.c.application_id == Application.id)
        .options(joinedload(Application.user), joinedload(Application.team).joinedload(Team.track))
        .where(Application.event_id == event.id, Application.status != S.draft)
        .order_by(Application.submitted_at.asc().nulls_last(), Application.id)
    )
    if status is not None:
        query = query.where(Application.status == status)
    rows = db.session.execute(query).all()
    people = people_by_application([application for application, _count, _total in rows])
    records = []
    for application, count, total in rows:
        answers = application.answers or {}
        records.append(ApplicationRecord(
            application=application, people=people[application.id], rating_count=count or 0,
            average=mean_score(total, count),
            answers=[answer_text(question, answers.get(str(question.id)), locale, event.languages)
                     for question in questions],
        ))
    return questions, records


def export_table(actor: User, event: Event, *, locale: str) -> tuple[list[str], list[list[Any]]]:
    """The CSV export as a header and rows: one row per application, members listed, one column per question
    (labels in `locale`), times in the event's timezone. The caller writes it (export.csv_document)."""
    questions, records = application_records(actor, event, locale=locale)
    zone = ZoneInfo(event.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    header = [
        _("ID"), _("Type"), _("Status"), _("Team"), _("Track"), _("Idea"), _("Applicant"), _("Applicant email"),
        _("Members"), _("Number of members"), _("Looking for a team"),
        _("Submitted at (%(timezone)s)", timezone=event.timezone), _("Average rating"), _("Ratings"),
        _("Decision reason"), _("Confirm by (%(timezone)s)", timezone=event.timezone), _("Waitlist position"),
        *[localized(question.label, locale, event.languages) for question in questions],
    ]
    rows = []
    for record in records:
        application, team = record.application, record.application.team
        rows.append([
            application.id, str(KIND_LABELS[application.kind]), str(STATUS_LABELS[application.status]),
            team.name if team else "", team.track.name if team and team.track else "", team.idea if team else "",
            application.user.name, application.user.email,
            "; ".join(f"{person.name} <{person.email}>" for person in record.people), len(record.people),
            (_("Yes") if application.looking_for_team else _("No"))
            if application.kind == ApplicationKind.individual else "",
            when(application.submitted_at), one_decimal(record.average), record.rating_count,
            application.decision_reason or "", when(application.confirm_by), application.waitlist_rank or "",
            *record.answers,
        ])
    return header, rows
