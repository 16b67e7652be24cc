"""The inclusion report for donors and partners: who may download it, and its content in one language, built from
the suppressed funnel (disclosure.py) as a list of sections that the PDF (report_pdf.py) lays out and the CSV
writes as rows. Never a name or an email: only counts, group labels and the event's own texts.

A later part adds a section by registering a builder with `report_section`: a function of the `ReportContext`
returning a `Section` (or None to leave it out), called in the language of the report."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from hackathon.accounts.models import User
from hackathon.applications import disclosure, inclusion, stats
from hackathon.events.models import Event
from hackathon.i18n import lazy_gettext as _l
from hackathon.permissions import can_manage_event, can_view_event
from hackathon.text import ascii_slug

# --- settings and access ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSettings:
    threshold: int = disclosure.DEFAULT_THRESHOLD
    shared: bool = False


def report_settings(event: Event) -> ReportSettings:
    """The event's suppression threshold and whether the report is shared (defaults until they are saved)."""
    settings = inclusion.inclusion_settings_for(event)
    return ReportSettings(threshold=int(settings.suppression_threshold), shared=bool(settings.report_shared))


def can_download_report(user: User | None, event: Event, settings: ReportSettings) -> bool:
    """The event's organisers and site admins always; anyone who can see the event once the report is shared."""
    return can_manage_event(user, event) or (settings.shared and can_view_event(user, event))


def report_languages(event: Event) -> list[str]:
    """The event's languages the site speaks, in the event's order (English when none is)."""
    spoken = current_app.config["LANGUAGES"]
    return [code for code in dict.fromkeys(event.languages or []) if code in spoken] or ["en"]


def report_filename(event: Event, language: str, extension: str) -> str:
    return f"inclusion-{ascii_slug(event.slug, 'event')}-{language}.{extension}"


# --- labels -------------------------------------------------------------------------------------------------------

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
STAGE_COUNTS = {
    "applied": _l("Everyone covered by a submitted application: individual applicants and every member of a team "
                  "that applied, whatever the decision. Drafts are not counted; a person covered by several "
                  "applications counts once."),
    "accepted": _l("Offered a place, including those who later declined, did not confirm in time or withdrew."),
    "confirmed": _l("Confirmed that they take part, including those who withdrew later."),
    "in_team": _l("Confirmed and a member of one of the event's teams."),
    "mentored": _l("In a team that a mentor was assigned to."),
    "submitted": _l("In a team that submitted its project."),
    "shortlisted": _l("In a team whose project is on a published shortlist."),
    "finalist": _l("In a team that pitched in the final: in the published final ranking or the pitch schedule."),
    "awarded": _l("In a team whose project won an award in the published results."),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


# --- the document -------------------------------------------------------------------------------------------------


@dataclass
class Table:
    """A table: the header row, the body rows (text), each column's width in mm (narrowed in proportion when
    they add up to more than the page holds) and alignment ("L"/"R")."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    align: list[str]
    caption: str = ""
    # The first columns are filled only where their value changes (a round, a dimension); a page the table flows
    # onto repeats them on its first row.
    repeat_columns: int = 0


@dataclass
class Section:
    """A part of the report: a heading, paragraphs, an optional table, bullet points, in that order."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # paragraphs after the table and bullets
    csv_rows: list[dict] = field(default_factory=list)  # extra CSV rows (keys of CSV_COLUMNS)


@dataclass
class ReportDocument:
    title: str
    subtitle: list[str]
    sections: list[Section]
    language: str


@dataclass(frozen=True)
class ReportContext:
    """What a section builder gets: the event, its suppressed numbers, the threshold and the language."""

    event: Event
    disclosed: disclosure.Disclosed
    threshold: int
    language: str
    now: datetime


SectionBuilder = Callable[[ReportContext], "Section | None"]
SECTION_BUILDERS: list[SectionBuilder] = []


def report_section(builder: SectionBuilder) -> SectionBuilder:
    """Register a builder of one more section, placed after the built-in ones in registration order."""
    SECTION_BUILDERS.append(builder)
    return builder


def _zone(event: Event) -> ZoneInfo:
    try:
        return ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _date(event: Event, value: datetime) -> str:
    local = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(_zone(event)).date()
    return format_date(local, "long", locale=get_locale())


def _period(event: Event, start: datetime | None, end: datetime | None) -> str | None:
    if start and end:
        return f"{_date(event, start)} – {_date(event, end)}"
    if start or end:
        return _date(event, start or end)
    return None


def _dates(event: Event) -> list[str]:
    lines = []
    for label, start, end in (
        (_("Applications"), event.applications_open_at, event.applications_close_at),
        (_("Hacking"), event.hacking_starts_at, event.submissions_close_at),
        (_("Pitches"), event.pitching_starts_at, None),
        (_("Results"), event.results_at, None),
    ):
        period = _period(event, start, end)
        if period:
            lines.append(f"{label}: {period}")
    return lines


def count_text(count: disclosure.Count | None, threshold: int) -> str:
    return "–" if count is None else count.text(threshold)


def rate_text(rate: disclosure.Rate | None, threshold: int) -> str:
    if rate is None or (rate.value is None and not rate.suppressed):
        return "–"
    return "…" if rate.suppressed else f"{rate.value}%"


def _cell(count: disclosure.Count, rate: disclosure.Rate, threshold: int) -> str:
    return f"{count_text(count, threshold)}\n{rate_text(rate, threshold)}"


def suppression_rule(threshold: int) -> str:
    return _("To protect the people counted, a number of people from 1 to %(last)d is shown as “<%(threshold)d”. "
             "Where such a number could be worked out by subtracting the others from a total, the next smallest "
             "number of the same column is hidden too and shown as “%(mark)s” (it is %(threshold)d or more). A "
             "percentage computed from a hidden number is shown as “…”; teams and applications are shown except "
             "where the number of people is hidden. A 0 is shown. The report holds no names and no email "
             "addresses.", last=threshold - 1, threshold=threshold, mark=disclosure.COMPLEMENT_MARK)


def note_text(note: disclosure.DisclosedNote, threshold: int) -> str:
    """One note on a group markedly below the rest, with the numbers that may be published."""
    group = inclusion.value_label(note.dimension, note.value)
    dimension = str(inclusion.DIMENSION_LABELS.get(note.dimension, note.dimension))
    text = _("%(group)s (%(dimension)s): markedly fewer reached “%(stage)s” from “%(previous)s” than the others.",
             group=group, dimension=dimension, stage=stage_label(note.stage), previous=stage_label(note.previous))

    def of(count: int | None, base: int | None) -> str:
        shown = lambda value: f"<{threshold}" if value is None else str(value)  # noqa: E731
        return _("%(count)s of %(base)s", count=shown(count), base=shown(base))

    if note.rate is not None and note.rest_rate is not None:
        text += " " + _("%(rate)d%% (%(counts)s) against %(rest_rate)d%% of the others (%(rest_counts)s).",
                        rate=note.rate, counts=of(note.count, note.base), rest_rate=note.rest_rate,
                        rest_counts=of(note.rest_count, note.rest_base))
    else:
        text += " " + _("Its rate is not published: it would reveal a small number of people.")
    if note.small:
        text += " " + _("The numbers are small: read this with care.")
    return text


def _funnel_section(context: ReportContext) -> Section:
    t = context.threshold
    used = [total for total in context.disclosed.totals if total.in_use]
    rows = []
    for total in used:
        rows.append([stage_label(total.stage), count_text(total.people, t), rate_text(total.people_percent, t),
                     count_text(total.teams, t), rate_text(total.teams_percent, t),
                     count_text(total.applications, t), rate_text(total.applications_percent, t)])
    table = Table(header=[_("Stage"), _("People"), _("Share of previous"), _("Teams"), _("Share of previous"),
                          _("Applications"), _("Share of previous")],
                  rows=rows, widths=[70, 26, 26, 28, 26, 30, 26], align=["L"] + ["R"] * 6)
    unused = [stage_label(total.stage) for total in context.disclosed.totals if not total.in_use]
    after = []
    if unused:
        after.append(_("Not used at this event (nobody could reach them yet): %(stages)s.", stages=", ".join(unused)))
    not_counted = context.disclosed.not_counted
    after.append(_("Applications not counted: drafts never submitted — %(drafts)d; individual applications merged "
                   "into a team (counted through the team) — %(merged)d.", drafts=not_counted.get("draft", 0),
                   merged=not_counted.get("merged", 0)))
    return Section(key="funnel", title=_("The funnel"), paragraphs=[
        _("People, teams and applications at each stage; each percentage is of the stage before. A team counts at "
          "a stage when one of its members reached it; applications are counted up to the confirmation.")],
        table=table, after=after)


def _stages_section(context: ReportContext) -> Section:
    bullets = [f"{stage_label(stage)}: {STAGE_COUNTS[stage]}" for stage in context.disclosed.stages]
    return Section(key="stages", title=_("What each stage counts"), paragraphs=[
        _("A person counts once at each stage they reached, whatever their roles; each stage counts only people "
          "who reached the one before it. Rejected and withdrawn people stay in the stages they reached.")],
        bullets=bullets)


def _breakdown_sections(context: ReportContext) -> list[Section]:
    t = context.threshold
    used = [stage for stage in context.disclosed.stages if stage in context.disclosed.in_use]
    sections = []
    for dimension, rows in context.disclosed.breakdowns.items():
        title = str(inclusion.DIMENSION_LABELS.get(dimension, dimension))
        body = []
        for row in rows:
            cells = [_cell(row.counts[used[0]], row.share, t)] if used else []
            cells += [_cell(row.counts[stage], row.rates.get(stage), t) for stage in used[1:]]
            body.append([inclusion.value_label(dimension, row.value), *cells])
        table = Table(header=[title, *[stage_label(stage) for stage in used]], rows=body,
                      widths=[50] + [24] * len(used), align=["L"] + ["R"] * len(used))
        explanation = str(inclusion.DIMENSION_EXPLANATIONS.get(dimension, ""))
        sections.append(Section(key=f"breakdown-{dimension}", title=title,
                                paragraphs=[explanation] if explanation else [], table=table))
    return sections


def _notes_section(context: ReportContext) -> Section:
    notes = [note_text(note, context.threshold) for note in context.disclosed.notes]
    return Section(key="notes", title=_("Groups markedly below the rest"), paragraphs=[
        _("A group is named here when its rate from one stage to the next is under four fifths of everyone else's "
          "rate, and at least one person short of what the others' rate would give it. “Not given” is never a "
          "group of its own.")],
        bullets=notes or [_("No group is markedly below the rest at any stage.")])


def build_report(event: Event, funnel: stats.Funnel, *, threshold: int, language: str, now: datetime) -> ReportDocument:
    """The whole report in `language`, from the event's exact funnel (suppressed here)."""
    disclosed = disclosure.disclose(funnel, threshold=threshold)
    with force_locale(language):
        context = ReportContext(event=event, disclosed=disclosed, threshold=threshold, language=language, now=now)
        sections = [
            Section(key="about", title=_("About these numbers"), paragraphs=[
                _("Who took part in %(event)s and how far they got, counted from the profiles people filled in. "
                  "Ages are counted in %(year)d. “Not given” counts people who left a question unanswered.",
                  event=event.title, year=disclosed.year),
                suppression_rule(threshold)]),
            _stages_section(context),
            _funnel_section(context),
            Section(key="breakdowns", title=_("By group"), paragraphs=[
                _("For each group, the people at each stage; under each number, the percentage of the group's "
                  "previous stage (under “%(first)s”: the group's share of everyone who applied).",
                  first=stage_label(disclosed.stages[0]))]),
            *_breakdown_sections(context),
            _notes_section(context),
        ]
        for builder in SECTION_BUILDERS:
            extra = builder(context)
            if extra is not None:
                sections.append(extra)
        subtitle = _dates(event) + [_("Prepared on %(date)s", date=_date(event, now))]
        return ReportDocument(title=_("Inclusion report: %(event)s", event=event.title), subtitle=subtitle,
                              sections=sections, language=language)


# --- CSV ----------------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("section", "stage", "stage_name", "dimension", "dimension_name", "group", "group_name", "people",
               "people_suppressed", "percent", "percent_of", "percent_suppressed", "teams", "teams_suppressed",
               "applications", "applications_suppressed", "text")


def _csv_header() -> list[str]:
    return [_("Section"), _("Stage"), _("Stage name"), _("Dimension"), _("Dimension name"), _("Group"),
            _("Group name"), _("People"), _("People hidden"), _("Percentage"), _("Percentage of"),
            _("Percentage hidden"), _("Teams"), _("Teams hidden"), _("Applications"), _("Applications hidden"),
            _("Text")]


def _flag(hidden: bool) -> str:
    return "yes" if hidden else ""


def _count_cells(prefix: str, count: disclosure.Count | None) -> dict:
    if count is None:
        return {}
    return {prefix: count.value, f"{prefix}_suppressed": _flag(count.suppressed)}


def _rate_cells(rate: disclosure.Rate | None, of: str | None) -> dict:
    if rate is None:
        return {}
    return {"percent": rate.value, "percent_of": of or "", "percent_suppressed": _flag(rate.suppressed)}


def report_csv_rows(event: Event, document: ReportDocument, funnel: stats.Funnel, *, threshold: int) -> tuple[list[str], list[list]]:
    """The header (in the report's language) and rows: the event and the rule, every stage in use, every group's
    cell at every stage in use, every note, then any extra section's rows. Suppressed numbers are empty with a
    "yes" in their `_suppressed` column."""
    disclosed = disclosure.disclose(funnel, threshold=threshold)
    used = [stage for stage in disclosed.stages if stage in disclosed.in_use]
    rows: list[dict] = []
    with force_locale(document.language):
        rows.append({"section": "event", "text": event.title})
        rows += [{"section": "dates", "text": line} for line in document.subtitle]
        rows.append({"section": "rule", "text": suppression_rule(threshold)})
        for stage in disclosed.stages:
            rows.append({"section": "stage", "stage": stage, "stage_name": stage_label(stage),
                         "text": str(STAGE_COUNTS[stage])})
        for total in disclosed.totals:
            if not total.in_use:
                continue
            rows.append({"section": "funnel", "stage": total.stage, "stage_name": stage_label(total.stage),
                         **_count_cells("people", total.people),
                         **_rate_cells(total.people_percent, total.previous),
                         **_count_cells("teams", total.teams), **_count_cells("applications", total.applications)})
        for dimension, groups in disclosed.breakdowns.items():
            dimension_name = str(inclusion.DIMENSION_LABELS.get(dimension, dimension))
            for group in groups:
                label = inclusion.value_label(dimension, group.value)
                for index, stage in enumerate(used):
                    rate, of = ((group.share, "all_applied") if index == 0
                                else (group.rates.get(stage), disclosed.total(stage).previous))
                    rows.append({"section": "breakdown", "stage": stage, "stage_name": stage_label(stage),
                                 "dimension": dimension, "dimension_name": dimension_name, "group": group.value,
                                 "group_name": label, **_count_cells("people", group.counts[stage]),
                                 **_rate_cells(rate, of)})
        for note in disclosed.notes:
            rows.append({"section": "note", "stage": note.stage, "stage_name": stage_label(note.stage),
                         "dimension": note.dimension,
                         "dimension_name": str(inclusion.DIMENSION_LABELS.get(note.dimension, note.dimension)),
                         "group": note.value, "group_name": inclusion.value_label(note.dimension, note.value),
                         "people": note.count, "people_suppressed": _flag(note.count is None),
                         "percent": note.rate, "percent_of": note.previous,
                         "percent_suppressed": _flag(note.rate is None),
                         "text": note_text(note, threshold)})
        for section in document.sections:
            rows += section.csv_rows
        header = _csv_header()
    return header, [[row.get(column, "") for column in CSV_COLUMNS] for row in rows]
