"""Juror scores by group: the loader (the round's leaderboard, read once, and one UNION ALL of SQL aggregates
counting each scored team's members per group of every dimension) and the labelled, charted view of the
result for the page and the donor report. The maths is in score_split.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import String, func, literal_column, select, union_all

from hackathon.accounts.models import User
from hackathon.applications import charts, score_split, stats
from hackathon.applications.inclusion import (DIMENSION_LABELS, event_age_bands, home_country, inclusion_settings_for,
                                              known_values, reference_year, value_label)
from hackathon.applications.inclusion_sql import dimension_expressions
from hackathon.database import utcnow
from hackathon.errors import DomainError
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.i18n import lazy_gettext as _l
from hackathon.judging import services as judging
from hackathon.judging.models import JudgingRound, RankingMethod, ScoreSheet, SheetStatus
from hackathon.submissions.models import Submission
from hackathon.teams.models import TeamMember
from hackathon.templating import decimal_number


# --- the loader --------------------------------------------------------------------------------------------------

def team_group_counts(judging_round: JudgingRound, expressions: dict[str, object]
                      ) -> dict[str, dict[int, dict[str, int]]]:
    """{dimension: {project id: {group: members of its team}}} for the projects with a submitted sheet in the
    round, in one query (a UNION ALL of one GROUP BY per dimension); never a row per person."""
    scored = select(ScoreSheet.submission_id).where(ScoreSheet.round_id == judging_round.id,
                                                    ScoreSheet.status == SheetStatus.submitted)
    parts = []
    for dimension, expression in expressions.items():
        # Grouped on the subquery's columns: the expressions carry bound parameters, which PostgreSQL could not
        # match between a SELECT and a GROUP BY of the same expression.
        people = (select(Submission.id.label("project"), expression.label("value"))
                  .join(TeamMember, TeamMember.team_id == Submission.team_id)
                  .join(User, User.id == TeamMember.user_id)
                  .where(Submission.event_id == judging_round.event_id, Submission.id.in_(scored))
                  .subquery())
        # The dimension's name inlined (one of stats.DIMENSIONS): a UNION of untyped parameters troubles PostgreSQL.
        name = literal_column(f"'{dimension}'", String).label("dimension")
        parts.append(select(name, people.c.project, people.c.value, func.count().label("people"))
                     .group_by(people.c.project, people.c.value))
    counts: dict[str, dict[int, dict[str, int]]] = {dimension: {} for dimension in expressions}
    for dimension, project, value, people in db.session.execute(union_all(*parts)):
        counts[dimension].setdefault(project, {})[value] = int(people)
    return counts


@dataclass(frozen=True)
class RoundSplit:
    """The split of one round and what it was computed from."""

    round: JudgingRound
    split: score_split.ScoreSplit
    method: str           # the round's ranking method ("calibrated" or "raw"); the split always uses Z
    sheets: int
    problem: str | None = None  # why there is no leaderboard (weights adding up to zero)


def load_score_split(event: Event, judging_round: JudgingRound, *, now: datetime | None = None) -> RoundSplit:
    """The round's leaderboard (one load, as its page computes it), the event's age bands and the per-team group
    counts: a constant number of queries whatever the number of people, projects and sheets."""
    method = judging_round.method.value if judging_round.method else RankingMethod.calibrated.value
    empty = score_split.score_split([], {}, dimensions=stats.DIMENSIONS)
    try:
        board = judging.round_board(judging_round)
    except DomainError as error:
        return RoundSplit(round=judging_round, split=empty, method=method, sheets=0, problem=error.message)
    bands = event_age_bands(inclusion_settings_for(event))
    expressions = dimension_expressions(bands, reference_year(event, now or utcnow()), home_country())
    counts = team_group_counts(judging_round, expressions)
    scores = [score_split.ProjectScore(project_id=result.project_id, z=result.z, raw=float(result.raw))
              for result in board.board.projects]
    scored = {score.project_id for score in scores}
    known = dict(stats.KNOWN_VALUES) | {"age_band": [band.key for band in bands]} | known_values()
    split = score_split.score_split(
        scores, counts, dimensions=stats.DIMENSIONS, known=known,
        unscored=len(set(board.projects) - scored), round_mean=board.board.round_mean,
        round_sd=board.board.round_sd)
    return RoundSplit(round=judging_round, split=split, method=method, sheets=board.board.sheets)


# --- labels and the page's view of the result --------------------------------------------------------------------

CALIBRATED_EXPLANATION = _l(
    "Jurors score differently: some give high marks to everything, some are strict. The calibrated score puts "
    "each juror's totals on a common scale before averaging them: a project's score says how far above or below "
    "that juror's own average it was, in steps of that juror's usual spread (their standard deviation). A project "
    "is not helped or hurt by which jurors it happened to get. Here it is written on the leaderboard's "
    "scale of 0 to 100 (the round's mean plus the calibrated score times the round's spread).")
WEIGHTING_EXPLANATION = _l(
    "Each project counts once for each member of its team in the group: a team of four with two women counts "
    "twice among women and twice among the rest. All members of a team share its score, so a group's mean "
    "depends on few teams when the group is small.")
RAW_METHOD_NOTE = _l(
    "This round ranks projects by the raw mean of the weighted totals. The means below use the calibrated score "
    "all the same, so that which jurors a project drew does not move a group's mean; the raw mean is shown too.")


def signed_points(value: float | None, places: int = 1) -> str:
    """A difference as people read it, with its sign and the reader's separator: "+2.5", "−7.1", "0.0"."""
    if value is None:
        return "–"
    text = decimal_number(abs(value), places)
    if text.strip("0.,") == "":
        return text
    return ("+" if value > 0 else "\u2212") + text


@dataclass(frozen=True)
class ScoreLine:
    value: str
    label: str
    people: int
    projects: int
    mean: str            # calibrated, on the 0..100 scale
    mean_raw: str
    difference: str      # points of the 0..100 scale
    difference_z: str    # calibrated units
    below: bool
    small: bool


@dataclass(frozen=True)
class ScoreSection:
    dimension: str
    title: str
    chart: charts.SignedChart
    lines: list[ScoreLine]


@dataclass(frozen=True)
class ScoreNoteText:
    text: str
    small: bool


@dataclass(frozen=True)
class ScorePage:
    result: RoundSplit
    sections: list[ScoreSection]
    notes: list[ScoreNoteText]
    rule: str
    round_mean: str
    round_sd: str
    calibrated: str
    weighting: str
    raw_note: str


def note_text(note: score_split.ScoreNote, split: score_split.ScoreSplit) -> str:
    return _("%(dimension)s, %(group)s: mean calibrated score %(mean)s against %(rest)s for the rest "
             "(%(difference)s points, %(z)s standard deviations). People: %(people)d, projects: %(projects)d; "
             "the rest: people %(rest_people)d, projects %(rest_projects)d.",
             dimension=DIMENSION_LABELS[note.dimension], group=value_label(note.dimension, note.value),
             mean=decimal_number(split.display(note.mean_z)), rest=decimal_number(split.display(note.rest_mean_z)),
             difference=signed_points(split.display_difference(note.difference)),
             z=signed_points(note.difference, 2), people=note.people, projects=note.projects,
             rest_people=note.rest_people, rest_projects=note.rest_projects)


def build_score_page(result: RoundSplit) -> ScorePage:
    """Labels, numbers as text and one chart per dimension (difference from the rest, in points)."""
    split = result.split
    sections = []
    for dimension in split.dimensions:
        title = str(DIMENSION_LABELS[dimension])
        lines = []
        for group in split.groups[dimension]:
            lines.append(ScoreLine(
                value=group.value, label=value_label(dimension, group.value), people=group.people,
                projects=group.projects, mean=decimal_number(split.display(group.mean_z)) or "–",
                mean_raw=decimal_number(group.mean_raw) or "–",
                difference=signed_points(split.display_difference(group.difference)),
                difference_z=signed_points(group.difference, 2), below=group.below, small=group.small))
        chart = charts.signed_bar_chart(
            f"scores-{dimension.replace('_', '-')}",
            _("%(dimension)s: mean calibrated score, difference from the rest (points)", dimension=title),
            [line.label for line in lines],
            [split.display_difference(group.difference) for group in split.groups[dimension]],
            [line.difference for line in lines], highlighted=[line.below for line in lines],
            guide=split.display_difference(-score_split.MARKEDLY_LOWER) if split.round_sd else None,
            series_names=[_("Difference from the rest"), _("Markedly lower")])
        sections.append(ScoreSection(dimension=dimension, title=title, chart=chart, lines=lines))
    notes = [ScoreNoteText(note_text(note, split), note.small) for note in split.notes]
    rule = _("A group is noted when its mean calibrated score is at least half a standard deviation of a juror's "
             "scores (%(points)s points on this round's scale) below the mean of everyone else in the scored teams. "
             "People whose answer is not given are no group of their own but count among the rest.",
             points=decimal_number(split.display_difference(score_split.MARKEDLY_LOWER)))
    return ScorePage(result=result, sections=sections, notes=notes, rule=rule,
                     round_mean=decimal_number(split.round_mean), round_sd=decimal_number(split.round_sd),
                     calibrated=str(CALIBRATED_EXPLANATION), weighting=str(WEIGHTING_EXPLANATION),
                     raw_note=str(RAW_METHOD_NOTE))
