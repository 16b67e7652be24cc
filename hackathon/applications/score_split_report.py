"""The donors' report's section on juror scores by group (registered with report.report_section): every round
with a scored project, each dimension's groups with their people, projects, mean calibrated score and difference
from the rest, small groups suppressed by the event's threshold (score_split.publish), and the notes."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from hackathon.applications import score_split
from hackathon.applications.disclosure import COMPLEMENT_MARK
from hackathon.applications.inclusion import DIMENSION_LABELS, value_label
from hackathon.applications.report import ReportContext, Section, Table, report_section
from hackathon.applications.score_split_service import (CALIBRATED_EXPLANATION, WEIGHTING_EXPLANATION,
                                                        RoundSplit, load_score_split, note_text, signed_points)
from hackathon.extensions import db
from hackathon.judging import services as judging
from hackathon.judging.models import ScoreSheet, SheetStatus
from hackathon.templating import decimal_number


def scored_rounds(context: ReportContext) -> list[RoundSplit]:
    """The event's rounds with at least one submitted sheet (one query to know which), each split."""
    rounds = judging.rounds_of(context.event)
    with_sheets = set(db.session.scalars(
        select(ScoreSheet.round_id).where(ScoreSheet.round_id.in_([r.id for r in rounds]),
                                          ScoreSheet.status == SheetStatus.submitted)
        .group_by(ScoreSheet.round_id))) if rounds else set()
    results = [load_score_split(context.event, r, now=context.now) for r in rounds if r.id in with_sheets]
    return [result for result in results if result.problem is None and result.split.projects]


def _count(value: int | None, threshold: int, complement: bool = False) -> str:
    if value is not None:
        return str(value)
    return COMPLEMENT_MARK if complement else f"<{threshold}"


@report_section
def score_split_section(context: ReportContext) -> Section | None:
    results = scored_rounds(context)
    if not results:
        return None
    t = context.threshold
    rows: list[list[str]] = []
    bullets: list[str] = []
    csv_rows: list[dict] = []
    raw_rounds = []
    for result in results:
        split = result.split
        name = judging.round_name(result.round, context.language)
        if result.method == "raw":
            raw_rounds.append(name)
        groups, notes = score_split.publish(split, t)
        first_of_round = True
        for dimension in split.dimensions:
            dimension_name = str(DIMENSION_LABELS[dimension])
            first_of_dimension = True
            for group in groups[dimension]:
                label = value_label(dimension, group.value)
                mean = "…" if group.hidden else (decimal_number(split.display(group.mean_z)) or "–")
                difference = ("…" if group.hidden or (group.difference is None and group.mean_z is not None)
                              else signed_points(split.display_difference(group.difference)))
                rows.append([name if first_of_round else "", dimension_name if first_of_dimension else "", label,
                             _count(group.people, t, group.complement),
                             _count(group.projects, t) if not group.hidden else "…",
                             mean, difference])
                first_of_round = first_of_dimension = False
                shown_mean = split.display(group.mean_z)
                shown_difference = split.display_difference(group.difference)
                csv_rows.append({
                    "section": "scores", "dimension": dimension, "dimension_name": dimension_name,
                    "group": group.value, "group_name": label, "people": "" if group.hidden else group.people,
                    "people_suppressed": "yes" if group.hidden else "",
                    "teams": "" if group.hidden else group.projects,
                    "teams_suppressed": "yes" if group.hidden else "",
                    "text": _("%(round)s: mean calibrated score %(mean)s, difference from the rest %(difference)s "
                              "points", round=name,
                              mean="…" if shown_mean is None else f"{shown_mean:.1f}",
                              difference="…" if shown_difference is None else f"{shown_difference:+.1f}"),
                })
        for note in score_split.withheld_notes(split, groups):
            text = f"{name}: " + _(
                "%(dimension)s, %(group)s: the mean calibrated score is markedly below the rest's; its numbers are "
                "not published (too few people, or hidden so that a smaller group cannot be worked out).",
                dimension=DIMENSION_LABELS[note.dimension], group=value_label(note.dimension, note.value))
            bullets.append(text)
            csv_rows.append({"section": "scores_note", "dimension": note.dimension,
                             "dimension_name": str(DIMENSION_LABELS[note.dimension]), "group": note.value,
                             "group_name": value_label(note.dimension, note.value), "people": "",
                             "people_suppressed": "yes", "teams": "", "teams_suppressed": "yes", "text": text})
        for note in notes:
            text = f"{name}: {note_text(note, split)}"
            if note.small:
                text += " " + _("The numbers are small: read this with care.")
            bullets.append(text)
            csv_rows.append({"section": "scores_note", "dimension": note.dimension,
                             "dimension_name": str(DIMENSION_LABELS[note.dimension]), "group": note.value,
                             "group_name": value_label(note.dimension, note.value), "people": note.people,
                             "teams": note.projects, "text": text})
    paragraphs = [
        _("The mean score that jurors gave to the projects of each group's teams, beside the mean of everyone "
          "else in the scored teams, for every judging round with scores. A difference is in points of the "
          "leaderboard's scale of 0 to 100; a negative one means the group's projects were scored lower."),
        str(CALIBRATED_EXPLANATION), str(WEIGHTING_EXPLANATION),
        _("A group is named below when its mean calibrated score is at least half a standard deviation of a "
          "juror's scores below the mean of everyone else in the scored teams; “Not given” is never a group of "
          "its own. Projects without a submitted sheet are left out."),
        _("Groups of fewer than %(threshold)d people are shown as “<%(threshold)d” without their mean (“…”); "
          "where one such group could be worked out from the others, the next smallest group of the same "
          "dimension is hidden too and shown as “%(mark)s”. A difference is not shown when everyone else is "
          "fewer than %(threshold)d people.", threshold=t, mark=COMPLEMENT_MARK),
    ]
    if raw_rounds:
        paragraphs.append(_("%(rounds)s: ranked by the raw mean of the weighted totals; the means here use the "
                            "calibrated score all the same.", rounds=", ".join(raw_rounds)))
    table = Table(header=[_("Round"), _("Dimension"), _("Group"), _("People"), _("Projects"), _("Mean score"),
                          _("Difference from the rest")],
                  rows=rows, widths=[40, 40, 62, 22, 22, 26, 34], align=["L", "L", "L", "R", "R", "R", "R"],
                  repeat_columns=2)
    return Section(key="scores", title=_("Juror scores by group"), paragraphs=paragraphs, table=table,
                   bullets=bullets or [_("No group's mean is markedly below the rest's in any round.")],
                   csv_rows=csv_rows)
