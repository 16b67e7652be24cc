"""The inclusion dashboard's service: who may see it, the event's settings (age bands, the report's threshold and
sharing), the loader (`load_funnel`: SQL aggregates in a fixed number of queries, whatever the number of people)
and the labelled, charted view of the result shared by the page; the report and the API read the same Funnel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from hackathon.i18n import lazy_gettext as _l
from sqlalchemy import String, and_, case, exists, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from hackathon.accounts.forms import KYRGYZSTAN_REGIONS, LANGUAGE_CHOICES, REGION_NAMES
from hackathon.accounts.models import User
from hackathon.applications import charts, inclusion_sql, stats
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus, InclusionSettings
from hackathon.audit import changed_fields, record_audit
from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, NotAllowed
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.permissions import can_manage_event
from hackathon.teams.models import Team, TeamMember

# The country whose residents are "home"; everyone else lives abroad (the diaspora). Override with the
# HOME_COUNTRY setting for a deployment in another country.
HOME_COUNTRY = "KG"


def can_view_inclusion(user: User | None, event: Event) -> bool:
    """The event's organisers and site admins see the inclusion dashboard and its API (profiles in aggregate)."""
    return can_manage_event(user, event)


# Used while an event has no saved settings (see InclusionSettings).
DEFAULT_SUPPRESSION_THRESHOLD = 5
SUPPRESSION_MIN, SUPPRESSION_MAX = 2, 50


def inclusion_settings_for(event: Event) -> InclusionSettings:
    """The event's inclusion settings, or (not saved, not in the session) the defaults: the default age bands,
    cells under 5 people suppressed, the report not shared."""
    settings = db.session.scalar(select(InclusionSettings).where(InclusionSettings.event_id == event.id))
    return settings if settings is not None else default_inclusion_settings(event)


def default_inclusion_settings(event: Event) -> InclusionSettings:
    return InclusionSettings(event_id=event.id, age_bands=None, suppression_threshold=DEFAULT_SUPPRESSION_THRESHOLD,
                             report_shared=False)


def event_age_bands(settings: InclusionSettings) -> list[stats.AgeBand]:
    """The bands people are counted in at the event (its configured ones, else the defaults), completed so
    that every age falls in one band (see stats.age_bands)."""
    try:
        return stats.age_bands(settings.age_bands)
    except (stats.AgeBandError, TypeError, ValueError):  # a hand-edited row: count in the default bands
        return stats.age_bands(None)


def age_bands_text(configured) -> str:
    """Bands as organisers write them: "18-24, 25-34, 35-44, 45-54, 55+"."""
    pairs = configured or stats.DEFAULT_AGE_BANDS
    return ", ".join(f"{low}+" if high is None else f"{low}-{high}" for low, high in pairs)


def age_band_message(error: stats.AgeBandError) -> str:
    """Why the bands cannot be used, in the reader's language."""
    values = dict(error.values)
    for key in ("previous", "next"):
        if key in values:
            values[key] = value_label("age_band", str(values[key]))
    messages = {
        "syntax": lambda: _("“%(text)s” is not an age band: write the bands like 18-24, 25-34, 55+.", **values),
        "order": lambda: _("The band %(band)s ends before it starts.",
                           band=f"{values.get('low')}–{values.get('high')}"),
        "overlap": lambda: _("The bands %(previous)s and %(next)s overlap: each age belongs in one band only.",
                             **values),
        "gap": lambda: _("There is a gap between the bands %(previous)s and %(next)s: every age needs a band.",
                         **values),
        "open": lambda: _("Only the last band can be open-ended: %(previous)s is followed by %(next)s.", **values),
        "range": lambda: _("Ages go from 0 to %(max)d; %(age)s is outside.", max=stats.MAX_AGE,
                           age=str(values.get("age"))),
        "empty": lambda: _("Give at least one age band, for example 18-24, 25-34, 55+."),
    }
    return messages.get(error.reason, messages["syntax"] if "text" in values else messages["empty"])()


MAX_AGE_BANDS = 20


class InvalidSetting(DomainError):
    """A setting refused, naming the field (`field`) its message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def save_inclusion_settings(actor: User, event: Event, *, age_bands: str, suppression_threshold: int,
                            report_shared: bool) -> InclusionSettings:
    """Save the event's age bands (as text, checked: in order, touching, no overlap or gap), the suppression
    threshold (SUPPRESSION_MIN..SUPPRESSION_MAX) and whether the report is shared; audited; one commit.
    Bands equal to the defaults are stored as None so that the event follows the defaults."""
    if not can_view_inclusion(actor, event):
        raise NotAllowed()
    try:
        bands = stats.parse_age_bands(age_bands)
    except stats.AgeBandError as error:
        raise InvalidSetting("age_bands", age_band_message(error)) from None
    if len(bands) > MAX_AGE_BANDS:
        raise InvalidSetting("age_bands", ngettext("Use at most %(num)d age band.", "Use at most %(num)d age bands.",
                                                   MAX_AGE_BANDS))
    if not SUPPRESSION_MIN <= int(suppression_threshold) <= SUPPRESSION_MAX:
        raise InvalidSetting("suppression_threshold", _(
            "The threshold must be a number of people between %(min)d and %(max)d.", min=SUPPRESSION_MIN,
            max=SUPPRESSION_MAX))
    stored = None if tuple(bands) == tuple(stats.DEFAULT_AGE_BANDS) else [[low, high] for low, high in bands]
    new = {"age_bands": stored, "suppression_threshold": int(suppression_threshold),
           "report_shared": bool(report_shared)}
    settings = inclusion_settings_for(event)
    creating = settings.id is None
    before, after = ({}, dict(new)) if creating else changed_fields(settings, new)
    for key, value in new.items():
        setattr(settings, key, value)
    settings.updated_by_id = actor.id
    if creating:
        db.session.add(settings)
    try:
        db.session.flush()
    except IntegrityError:  # another organiser saved the first settings at the same moment
        db.session.rollback()
        raise Conflict(_("Someone else saved these settings at the same moment. Reload the page and try again."))
    if after:
        for values in (before, after):
            if "age_bands" in values:
                values["age_bands"] = age_bands_text(values["age_bands"])
        record_audit(actor=actor, action="inclusion_settings.update", event_id=event.id, target=settings,
                     before=before, after=after)
    db.session.commit()
    return settings


def home_country() -> str:
    return str(current_app.config.get("HOME_COUNTRY") or HOME_COUNTRY).upper()


def reference_year(event: Event, now: datetime) -> int:
    """Ages are counted in the year the event happens in (applications.services.event_year)."""
    from hackathon.applications.services import event_year

    return event_year(event, now)


def known_values() -> dict[str, list[str]]:
    """Values listed even when nobody has them: every region, every language of the site."""
    return {"region": [key for key, _label in KYRGYZSTAN_REGIONS],
            "language": list(current_app.config.get("LANGUAGES") or dict(LANGUAGE_CHOICES))}


# --- labels ------------------------------------------------------------------------------------------------

# To add a stage: its name in stats.STAGES, the loader's SQL saying who reached it, and its label, explanation
# and (if it can be out of use) the reason here.
STAGE_LABELS = {
    "applied": _l("Applied"),
    "accepted": _l("Accepted"),
    "confirmed": _l("Confirmed"),
    "in_team": _l("In a team"),
    "mentored": _l("Mentored"),
    "submitted": _l("Submitted a project"),
    "shortlisted": _l("Shortlisted"),
    "finalist": _l("Pitched in the final"),
    "awarded": _l("Awarded"),
}
STAGE_EXPLANATIONS = {
    "applied": _l("Everyone covered by a submitted application: individual applicants and the members of teams "
                  "that applied, whatever the decision; rejected and withdrawn people stay in the stages they "
                  "reached. Drafts are not counted; a person in several roles or applications counts once, and an "
                  "individual who joined a team counts through the team's application."),
    "accepted": _l("Offered a place, including those who later declined, did not confirm in time or withdrew. "
                   "A team member counts through the team's decision."),
    "confirmed": _l("Accepted applicants who confirmed that they take part, including those who withdrew later."),
    "in_team": _l("Confirmed and a member of one of the event's teams."),
    "mentored": _l("In a team, and the team has a mentor assigned."),
    "submitted": _l("Reached the stage before and the team submitted its project."),
    "shortlisted": _l("Reached the stage before and the team's project is on a published shortlist (or went "
                      "further)."),
    "finalist": _l("Reached the stage before and the team's project is in the published final ranking or pitched "
                   "in a published pitch schedule (its slot has started), or won an award."),
    "awarded": _l("Reached the stage before and the team's project won an award in the published results."),
}
NOT_IN_USE_REASONS = {
    "mentored": _l("No mentor is assigned to a team at this event, so the next stage follows on from the one "
                   "before."),
    "shortlisted": _l("No shortlist is published yet."),
    "finalist": _l("The results are not published and no pitch of a published schedule has started yet."),
    "awarded": _l("No published results with a winner yet."),
}
NOT_COUNTED_LABELS = {
    "draft": _l("Drafts, never submitted"),
    "withdrawn": _l("Withdrawn before being submitted"),
    "merged": _l("Individual applications merged into a team (counted through the team)"),
}
DIMENSION_LABELS = {
    "age_band": _l("Age"),
    "gender": _l("Gender"),
    "region": _l("Region"),
    "country": _l("Country of residence"),
    "diaspora": _l("At home or abroad"),
    "background": _l("Background"),
    "first_hackathon": _l("First hackathon"),
    "language": _l("Preferred language"),
}
DIMENSION_EXPLANATIONS = {
    "age_band": _l("Age in the year of the event, from the year of birth."),
    "diaspora": _l("Home or abroad by the country of residence, else by the region."),
    "language": _l("The language chosen for pages and mail."),
}
GENDER_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"),
                 "undisclosed": _l("Prefer not to say")}
BACKGROUND_LABELS = {"it": _l("IT (software, data, design)"), "non_it": _l("Non-IT")}
YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}
NOT_GIVEN = _l("Not given")


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def value_label(dimension: str, value: str) -> str:
    """A dimension's raw key as people read it, in the current language."""
    if value == stats.UNKNOWN:
        return str(NOT_GIVEN)
    if dimension == "country" or (dimension == "diaspora" and value == "home"):
        code = value if dimension == "country" else home_country()
        return get_locale().territories.get(code, code)
    if dimension == "age_band":
        if value.startswith("under_") and value[6:].isascii() and value[6:].isdigit():
            return _("Under %(age)d", age=int(value[6:]))
        return value.replace("-", "–")
    labels = {
        "gender": GENDER_LABELS, "region": REGION_NAMES, "background": BACKGROUND_LABELS,
        "first_hackathon": YES_NO_LABELS, "language": dict(LANGUAGE_CHOICES),
        "diaspora": {"abroad": _l("Abroad")},
    }.get(dimension, {})
    return str(labels.get(value, value))


def percent_text(value: int | None, part: int | None = None, whole: int | None = None) -> str:
    """A whole percentage as text; with the `part` and `whole` it was computed from, a rate that rounds to 0 or
    100 without being exactly that reads "<1%" or ">99%" (one person of 212 is not 0%)."""
    if value is None:
        return "–"
    if part is not None and whole:
        if value == 0 and part > 0:
            return "<1%"
        if value == 100 and part < whole:
            return ">99%"
    return f"{value}%"


def note_text(note: stats.DisparityNote) -> str:
    """A note on a group markedly below the rest, with its counts, in the current language."""
    return _("%(dimension)s, %(group)s: %(count)d of %(base)d (%(rate)s) went from “%(previous)s” to “%(stage)s”, "
             "against %(rest_count)d of %(rest_base)d (%(rest_rate)s) of everyone else: %(relative)s of their "
             "rate.", dimension=str(DIMENSION_LABELS.get(note.dimension, note.dimension)),
             group=value_label(note.dimension, note.value), count=note.count, base=note.base,
             rate=percent_text(note.rate), previous=stage_label(note.previous), stage=stage_label(note.stage),
             rest_count=note.rest_count, rest_base=note.rest_base, rest_rate=percent_text(note.rest_rate),
             relative=percent_text(note.relative))


# --- the page ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelRow:
    stage: str
    label: str
    explanation: str
    total: stats.StageTotal
    not_in_use: str  # why the stage is not in use ("" when it is)
    people_percent: str
    teams_percent: str
    applications_percent: str


@dataclass(frozen=True)
class Cell:
    count: int
    percent: str  # share of all who applied (first stage) or the conversion from the previous stage in use


@dataclass(frozen=True)
class BreakdownLine:
    value: str
    label: str
    cells: list[Cell]  # one per stage in use


@dataclass(frozen=True)
class BreakdownSection:
    dimension: str
    title: str
    explanation: str
    chart: charts.BarChart
    lines: list[BreakdownLine]


@dataclass(frozen=True)
class Note:
    text: str
    small: bool
    dimension: str


@dataclass(frozen=True)
class Dashboard:
    funnel_stats: stats.Funnel
    stages: list[tuple[str, str, str | None]]  # stages in use: (key, label, label of the previous stage in use)
    funnel: list[FunnelRow]
    funnel_chart: charts.BarChart
    chart_stages: list[str]  # the labels of the stages the breakdown charts draw
    not_counted: list[tuple[str, int]]
    notes: list[Note]
    sections: list[BreakdownSection]

    @property
    def applied(self) -> stats.StageTotal:
        return self.funnel_stats.totals[0]

    @property
    def year(self) -> int:
        return self.funnel_stats.year


def chart_stages(in_use: list[str]) -> list[str]:
    """The stages a breakdown chart draws (all of them would be a wall of bars on a phone): applied, confirmed,
    submitted and the last stage in use. The table beside it has every stage."""
    wanted = {"applied", "confirmed", "submitted", in_use[-1]} if in_use else set()
    return [stage for stage in in_use if stage in wanted]


def build_dashboard(result: stats.Funnel) -> Dashboard:
    """Labels, percentages as text and charts for the page; every number comes from `result`."""
    in_use = [stage for stage in result.stages if stage in result.in_use]
    stages = [(stage, stage_label(stage), stage_label(result.total(stage).previous)
               if result.total(stage).previous else None) for stage in in_use]
    funnel_rows = [
        FunnelRow(stage=total.stage, label=stage_label(total.stage),
                  explanation=str(STAGE_EXPLANATIONS.get(total.stage, "")), total=total,
                  not_in_use="" if total.in_use else str(NOT_IN_USE_REASONS.get(total.stage, "")),
                  people_percent=percent_text(total.people_percent), teams_percent=percent_text(total.teams_percent),
                  applications_percent=percent_text(total.applications_percent))
        for total in result.totals
    ]
    used_rows = [row for row in funnel_rows if row.total.in_use]
    funnel_chart = charts.bar_chart(
        "chart-funnel", _("The funnel: people and teams at each stage in use"), [row.label for row in used_rows],
        [(_("People"), [row.total.people for row in used_rows]), (_("Teams"), [row.total.teams for row in used_rows])],
    )
    drawn = chart_stages(in_use)
    sections = []
    for dimension in stats.DIMENSIONS:
        rows = result.breakdowns[dimension]
        title = str(DIMENSION_LABELS[dimension])
        lines = []
        for row in rows:
            cells = [Cell(row.counts[stage],
                          percent_text(row.share, row.counts[stage], result.total(stage).people) if index == 0
                          else percent_text(row.rates.get(stage), row.counts[stage],
                                            row.counts[result.total(stage).previous or stage]))
                     for index, stage in enumerate(in_use)]
            lines.append(BreakdownLine(value=row.value, label=value_label(dimension, row.value), cells=cells))
        chart = charts.bar_chart(
            f"chart-{dimension.replace('_', '-')}", _("%(dimension)s: people at each stage", dimension=title),
            [line.label for line in lines], [(stage_label(stage), [row.counts[stage] for row in rows])
                                             for stage in drawn],
        )
        sections.append(BreakdownSection(dimension=dimension, title=title,
                                         explanation=str(DIMENSION_EXPLANATIONS.get(dimension, "")),
                                         chart=chart, lines=lines))
    not_counted = [(str(NOT_COUNTED_LABELS[status]), count) for status, count in result.not_counted.items()
                   if status in NOT_COUNTED_LABELS]
    notes = [Note(text=note_text(note), small=note.small, dimension=note.dimension) for note in result.notes]
    return Dashboard(funnel_stats=result, stages=stages, funnel=funnel_rows, funnel_chart=funnel_chart,
                     chart_stages=[stage_label(stage) for stage in drawn], not_counted=not_counted, notes=notes,
                     sections=sections)


# --- the whole funnel (issue 12), from SQL aggregates ------------------------------------------------------------

S = ApplicationStatus
HOLDS_A_DECISION = (S.accepted, S.confirmed, S.declined, S.lapsed)


def _flag(condition) -> ColumnElement:
    """A 0/1 integer for a condition, so that SUM and MAX count people and stages multiply into a funnel."""
    return case((condition, 1), else_=0)


@dataclass(frozen=True)
class FunnelContext:
    """What decides which stages are in use and which projects reached the results' stages."""

    in_use: frozenset[str]
    finalists: frozenset[int]   # submission ids in the published final ranking
    winners: frozenset[int]     # submission ids that won an award in the published results


def _funnel_context(event: Event, now: datetime) -> FunnelContext:
    """Two queries: whether mentors, a published shortlist, a pitch in a published schedule that has started
    (by `now`) exist; the published results' snapshot (finalists and winners, as certificates read them)."""
    from hackathon.judging.models import JudgingRound, PitchSchedule, PitchSlot
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.results.models import ResultSettings

    mentors, shortlist, pitch = db.session.execute(select(
        exists().where(MentorAssignment.event_id == event.id),
        exists().where(JudgingRound.event_id == event.id, JudgingRound.shortlist_published_at.is_not(None)),
        exists().where(PitchSchedule.round_id == JudgingRound.id, JudgingRound.event_id == event.id,
                       PitchSchedule.published_at.is_not(None), PitchSlot.round_id == JudgingRound.id,
                       PitchSlot.starts_at <= now),
    )).one()
    row = db.session.execute(select(ResultSettings.published_at, ResultSettings.snapshot)
                             .where(ResultSettings.event_id == event.id)).first()
    snapshot = (row.snapshot or {}) if row is not None and row.published_at is not None else None
    finalists = frozenset(int(entry["project_id"]) for entry in (snapshot or {}).get("ranking", []))
    winners = frozenset(int(winner["project_id"]) for award in (snapshot or {}).get("awards", [])
                        for winner in award.get("winners", []))
    in_use = {"applied", "accepted", "confirmed", "in_team", "submitted"}
    if mentors:
        in_use.add("mentored")
    if shortlist:
        in_use.add("shortlisted")
    if snapshot is not None or pitch:
        in_use.add("finalist")
    if winners:
        in_use.add("awarded")
    return FunnelContext(in_use=frozenset(in_use), finalists=finalists, winners=winners)


TEAM_STAGES = ("mentored", "submitted", "shortlisted", "finalist", "awarded")
# The stages every event uses, up to the first team stage: a confirmed member of a team has reached all four.
PERSON_STAGES = ("applied", "accepted", "confirmed", "in_team")


def _application_level(application) -> ColumnElement:
    """How many of applied, accepted, confirmed an application (Application or an alias) reached, 0..3, in one
    CASE: applied once submitted, whatever came after; accepted if it holds or held a place (accepted, confirmed,
    declined, lapsed); confirmed if confirmed. Drafts and merged applications reach nothing; a withdrawn one keeps
    what it had reached (submitted, accepted, confirmed at); 0 where there is none (an outer join's NULLs)."""
    withdrawn_level = case((application.submitted_at.is_(None), 0), (application.confirmed_at.is_not(None), 3),
                           (application.accepted_at.is_not(None), 2), else_=1)
    return case((application.status.is_(None), 0), (application.status == S.confirmed, 3),
                (application.status.in_(HOLDS_A_DECISION), 2),
                (application.status.in_((S.draft, S.merged)), 0), (application.status == S.withdrawn, withdrawn_level),
                else_=1)


def _greater(first: ColumnElement, second: ColumnElement) -> ColumnElement:
    """The larger of two integers: SQLite's scalar max(a, b), PostgreSQL's GREATEST."""
    return (func.max if db.engine.dialect.name == "sqlite" else func.greatest)(first, second)


def _team_levels(event: Event, context: FunnelContext, now: datetime):
    """A CTE of one row per team of the event: team_id; app_level, the level of the team's application (0..3,
    see _application_level); team_level, how many of the team stages in use (TEAM_STAGES, in order) the team
    reached. The raw conditions: a mentor assigned; the project submitted; on a published shortlist (or implied
    by a later stage); in the published ranking, or pitched in a published schedule (its slot has started), or
    awarded; an award in the published results. Computed once per team, not once per member."""
    from hackathon.judging.models import JudgingRound, PitchSchedule, PitchSlot, ShortlistEntry
    from hackathon.mentoring.models import MentorAssignment
    from hackathon.submissions.models import Submission, SubmissionStatus

    team_application = aliased(Application, name="team_application")
    # Uncorrelated IN (subquery): each list is read once for all the teams, not once per team.
    awarded = Submission.id.in_(sorted(context.winners))
    pitched = or_(Submission.id.in_(sorted(context.finalists)), Submission.id.in_(
        select(PitchSlot.submission_id).join(PitchSchedule, PitchSchedule.round_id == PitchSlot.round_id)
        .join(JudgingRound, JudgingRound.id == PitchSlot.round_id)
        .where(JudgingRound.event_id == event.id, PitchSchedule.published_at.is_not(None),
               PitchSlot.starts_at <= now)))
    shortlisted = Submission.id.in_(
        select(ShortlistEntry.submission_id).join(JudgingRound, JudgingRound.id == ShortlistEntry.round_id)
        .where(JudgingRound.event_id == event.id, JudgingRound.shortlist_published_at.is_not(None)))
    mentored = Team.id.in_(select(MentorAssignment.team_id).where(MentorAssignment.event_id == event.id))
    raw = (
        select(Team.id.label("team_id"), _application_level(team_application).label("app_level"),
               _flag(mentored).label("mentored"),
               _flag(Submission.status == SubmissionStatus.submitted).label("submitted"),
               _flag(shortlisted).label("shortlisted"), _flag(pitched).label("finalist"),
               _flag(awarded).label("awarded"))
        .select_from(Team)
        .outerjoin(Submission, and_(Submission.team_id == Team.id, Submission.event_id == event.id))
        .outerjoin(team_application, and_(team_application.team_id == Team.id,
                                          team_application.kind == ApplicationKind.team))
        .where(Team.event_id == event.id)
        .subquery("team_raw")
    )
    # A later stage implies the earlier results' stages (an award means the team pitched and was shortlisted).
    reached = {"mentored": raw.c.mentored == 1, "submitted": raw.c.submitted == 1,
               "shortlisted": or_(raw.c.shortlisted == 1, raw.c.finalist == 1, raw.c.awarded == 1),
               "finalist": or_(raw.c.finalist == 1, raw.c.awarded == 1), "awarded": raw.c.awarded == 1}
    used = [stage for stage in TEAM_STAGES if stage in context.in_use]

    def level_from(index: int) -> ColumnElement:
        if index == len(used):
            return literal(index)
        return case((reached[used[index]], level_from(index + 1)), else_=literal(index))

    teams = select(raw.c.team_id, raw.c.app_level, level_from(0).label("team_level")).cte("team_levels")
    return teams.prefix_with("MATERIALIZED") if _can_materialize() else teams


def people_cte(event: Event, *, bands: list[stats.AgeBand], year: int, context: FunnelContext, now: datetime):
    """A CTE of one row per person covered by an application of the event (0 for those only in drafts): team_id
    (their team at the event, if any); level, how many stages in use (stats.STAGES, in order) they reached, the
    stages being cumulative; and the profile columns the groups are read from (as text; the age band as a key).

    A person counts once whatever their roles and applications: a team member is one row (the better of the
    team's application and their own individual one), anyone else with an individual application one row."""
    assert all(stage in context.in_use for stage in PERSON_STAGES)
    teams = _team_levels(event, context, now)
    individual = aliased(Application, name="individual")
    own_level = _application_level(individual)
    members = (
        select(TeamMember.user_id.label("user_id"), TeamMember.team_id.label("team_id"),
               _greater(teams.c.app_level, own_level).label("app_level"), teams.c.team_level)
        .join(teams, teams.c.team_id == TeamMember.team_id)
        .outerjoin(individual, and_(individual.event_id == event.id,
                                    individual.individual_user_id == TeamMember.user_id))
        .where(TeamMember.event_id == event.id)
    )
    alone = (
        select(individual.user_id.label("user_id"), literal(None).label("team_id"),
               _application_level(individual).label("app_level"), literal(0).label("team_level"))
        .where(individual.event_id == event.id, individual.kind == ApplicationKind.individual,
               ~exists().where(TeamMember.event_id == event.id, TeamMember.user_id == individual.user_id))
    )
    covered = union_all(members, alone).subquery("covered")
    # Confirmed and in a team: the four person stages, then the team's stages.
    level = case((and_(covered.c.app_level == 3, covered.c.team_id.is_not(None)),
                  len(PERSON_STAGES) + covered.c.team_level), else_=covered.c.app_level)
    people = (
        select(covered.c.team_id, level.label("level"),
               inclusion_sql.age_band_expression(bands, year).label("age_band"),
               type_coerce(User.gender, String).label("gender"), type_coerce(User.region, String).label("region"),
               type_coerce(User.country, String).label("country"),
               type_coerce(User.background, String).label("background"),
               case((User.first_hackathon.is_(None), literal(None)), (User.first_hackathon.is_(True), literal("yes")),
                    else_=literal("no")).label("first_hackathon"),
               type_coerce(User.locale, String).label("language"))
        .select_from(covered)
        .join(User, User.id == covered.c.user_id)
        .cte("people")
    )
    # Read by five GROUP BYs: computed once. PostgreSQL 12+ does so by itself; SQLite would run the joins again
    # for every branch unless told (AS MATERIALIZED, SQLite 3.35+).
    return people.prefix_with("MATERIALIZED") if _can_materialize() else people


def _can_materialize() -> bool:
    import sqlite3

    dialect = db.engine.dialect
    if dialect.name == "sqlite":
        return sqlite3.sqlite_version_info >= (3, 35)
    return dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (12,)


def _application_totals(event: Event) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """One query (a GROUP BY of the event's applications by kind, level and whether they are left out):
    {"applications"|"individual_applications"|"teams": {stage: n}} for the application stages, and the
    applications left out ({"draft", "withdrawn" (never submitted), "merged"}: n)."""
    left_out = case((Application.status == S.draft, literal("draft")),
                    (Application.status == S.merged, literal("merged")),
                    (and_(Application.status == S.withdrawn, Application.submitted_at.is_(None)), literal("withdrawn")),
                    else_=literal(""))
    level = _application_level(Application)
    rows = db.session.execute(
        select(type_coerce(Application.kind, String), level, left_out, func.count())
        .where(Application.event_id == event.id).group_by(Application.kind, level, left_out))
    levels: dict[str, dict[int, int]] = {"applications": {}, "individual_applications": {}, "teams": {}}
    not_counted = {"draft": 0, "withdrawn": 0, "merged": 0}
    for kind, application_level, excluded, count in rows:
        for key in ("applications", "teams" if kind == ApplicationKind.team.value else "individual_applications"):
            levels[key][int(application_level)] = levels[key].get(int(application_level), 0) + int(count)
        if excluded:
            not_counted[excluded] += int(count)
    totals = {key: {stage: n for stage, n in stats.counts_from_levels(by_level, stats.APPLICATION_STAGES).items()
                    if stage in stats.APPLICATION_STAGES} for key, by_level in levels.items()}
    return totals, not_counted


ALL, TEAMS = "__all__", "__teams__"
# The GROUP BYs over the people's CTE: each groups by a few profile columns at once (their combinations are
# bounded by the answers' choices, not by the number of people) and the dimensions are summed from them in Python.
GROUPINGS = {"a": ("gender", "background", "first_hackathon"), "b": ("language", "age_band"),
             "c": ("country", "region")}


def _level_counts(people) -> dict[str, dict[str, dict[int, int]]]:
    """One query (UNION ALL of GROUP BYs): {dimension | ALL | TEAMS: {value: {level: people}}}; a team's level
    is its furthest member's."""
    n = func.count().label("n")
    per_team = (select(func.max(people.c.level).label("level")).where(people.c.team_id.is_not(None))
                .group_by(people.c.team_id).subquery("per_team"))
    empty = type_coerce(literal(None), String)
    parts = [select(literal(TEAMS).label("grouping"), empty.label("k1"), empty.label("k2"), empty.label("k3"),
                    per_team.c.level, n).group_by(per_team.c.level)]
    for grouping, columns in GROUPINGS.items():
        keys = [people.c[column] for column in columns] + [empty] * (3 - len(columns))
        parts.append(select(literal(grouping), *keys, people.c.level, func.count())
                     .group_by(*(people.c[column] for column in columns), people.c.level))
    home = home_country()
    result: dict[str, dict[str, dict[int, int]]] = {}

    def add(dimension: str, value: str, level: int, count: int) -> None:
        levels = result.setdefault(dimension, {}).setdefault(value, {})
        levels[level] = levels.get(level, 0) + count

    for grouping, k1, k2, k3, level, count in db.session.execute(union_all(*parts)):
        level, count = int(level), int(count)
        if grouping == TEAMS:
            add(grouping, "", level, count)
        elif grouping == "a":
            add("gender", stats.given(k1), level, count)
            add("background", stats.given(k2), level, count)
            add("first_hackathon", stats.given(k3), level, count)
        elif grouping == "b":  # everyone has one language and one age band: the whole is summed from here
            add(ALL, "", level, count)
            add("language", stats.given(k1), level, count)
            add("age_band", stats.given(k2), level, count)
        else:
            add("country", stats.country_key(k1), level, count)
            add("region", stats.given(k2), level, count)
            add("diaspora", stats.diaspora_key(k1, k2, home), level, count)
    return result


def load_funnel(event: Event, *, now: datetime | None = None) -> stats.Funnel:
    """The event's whole funnel and its breakdowns (see `funnel_counts`). Once the event's profile data is purged
    (privacy.retention: past its retention period), the counts kept at the purge, read with the settings."""
    from hackathon.privacy.models import PrivacySettings
    from hackathon.privacy.retention import counts_from_json

    settings, kept = db.session.execute(
        select(InclusionSettings, PrivacySettings.funnel_snapshot).select_from(Event)
        .outerjoin(InclusionSettings, InclusionSettings.event_id == Event.id)
        .outerjoin(PrivacySettings, PrivacySettings.event_id == Event.id).where(Event.id == event.id)).one()
    if kept:
        return stats.funnel_from_counts(**counts_from_json(kept))
    return stats.funnel_from_counts(**funnel_counts(
        event, now=now, settings=settings if settings is not None else default_inclusion_settings(event)))


def funnel_counts(event: Event, *, now: datetime | None = None, settings: InclusionSettings | None = None) -> dict:
    """The inputs of stats.funnel_from_counts, in five queries whatever the number of people (four when the
    settings are given): the settings, which stages are in use, the published results, the application totals,
    and one UNION ALL of GROUP BYs over the people's CTE (see `people_cte`). No Python object per person: Python
    sums the groups' rows, whose number is bounded by the profile's choices. The purge of an event's profile data
    (privacy.retention) keeps them, since it removes what they are counted from."""
    now = now or utcnow()
    settings = settings or inclusion_settings_for(event)
    bands = event_age_bands(settings)
    year = reference_year(event, now)
    context = _funnel_context(event, now)
    totals, left_out = _application_totals(event)
    levels = _level_counts(people_cte(event, bands=bands, year=year, context=context, now=now))

    def counts(levels_by_value: dict[int, int]) -> dict[str, int]:
        return stats.counts_from_levels(levels_by_value, context.in_use)

    everyone = counts(levels.get(ALL, {}).get("", {}))
    team_counts = counts(levels.get(TEAMS, {}).get("", {}))
    team_counts.update(totals["teams"])  # applied..confirmed: team applications, as before
    first = stats.STAGES[0]
    groups = {}
    for dimension in stats.DIMENSIONS:
        by_value = {value: counts(value_levels) for value, value_levels in levels.get(dimension, {}).items()}
        # A value only people in drafts have is no group.
        groups[dimension] = {value: stage_counts for value, stage_counts in by_value.items() if stage_counts[first]}
    return dict(
        people=everyone, teams=team_counts, applications=totals["applications"],
        individual_applications=totals["individual_applications"], groups=groups, in_use=context.in_use,
        not_counted=left_out, year=year, home_country=home_country(), bands=bands, known=known_values())
