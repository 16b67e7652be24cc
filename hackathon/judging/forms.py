"""Judging forms: shape only. The score sheet is built from the round's criteria (`criterion_<id>` fields)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from hackathon.accounts.forms import language_name
from hackathon.forms import (BaseForm, IntegerField, LocalDateTimeField, length, number_range, optional, options,
                             required)
from hackathon.judging.services import COMMENT_MAX, weight_problem
from hackathon.templating import plain_number


def _languages_or_default(languages: list[str]) -> list[str]:
    return list(languages) or ["en"]


class _RoundForm(BaseForm):
    opens_at = LocalDateTimeField(_l("Opens (event time)"), validators=[optional()])
    closes_at = LocalDateTimeField(_l("Closes (event time)"), validators=[optional()])
    projects = SelectField(_l("Projects judged"), validate_choice=False, default="submissions")
    jurors_per_project = IntegerField(_l("Jurors per project"), validators=[required(), number_range(1, 20)],
                                      default=3)
    assign_all = BooleanField(_l("Every juror scores every project (a pitch final)"))
    method = SelectField(_l("Ranking"), choices=options([("calibrated", _l("Calibrated (corrects lenient and "
                                                                            "harsh jurors)")),
                                                         ("raw", _l("Raw mean of weighted totals"))]))
    jurors_see_other_scores = BooleanField(_l("Jurors see other jurors' scores"))
    jurors_see_leaderboard = BooleanField(_l("Jurors see the leaderboard"))
    submit = SubmitField(_l("Save the round"))

    languages: list[str] = []

    def name_fields(self) -> list:
        return [self[f"name_{language}"] for language in self.languages]

    def names(self) -> dict[str, str]:
        return {language: (self[f"name_{language}"].data or "").strip() for language in self.languages
                if (self[f"name_{language}"].data or "").strip()}

    def validate_projects(self, field):
        if field.data not in {value for value, _label in self.projects.choices}:
            raise ValidationError(_l("Choose one of the options given."))

    def source(self) -> tuple[str, int | None]:
        """("submissions", None) or ("shortlist", the source round's id)."""
        if (self.projects.data or "").startswith("shortlist:"):
            return "shortlist", int(self.projects.data.split(":", 1)[1])
        return "submissions", None

    def fill_from(self, judging_round, timezone_convert) -> None:
        for language in self.languages:
            self[f"name_{language}"].data = (judging_round.name or {}).get(language, "")
        self.opens_at.data = timezone_convert(judging_round.opens_at)
        self.closes_at.data = timezone_convert(judging_round.closes_at)
        self.projects.data = (f"shortlist:{judging_round.source_round_id}"
                              if judging_round.project_source.value == "shortlist" else "submissions")
        for name in ("jurors_per_project", "assign_all", "jurors_see_other_scores", "jurors_see_leaderboard"):
            self[name].data = getattr(judging_round, name)
        self.method.data = judging_round.method.value


def round_form(languages: list[str], source_rounds: list[tuple[int, str]], **kwargs) -> _RoundForm:
    """The round form: a name per event language (the first required) and where its projects come from (every
    submitted project, or the published shortlist of another round)."""
    languages = _languages_or_default(languages)

    class RoundForm(_RoundForm):
        pass

    RoundForm.languages = languages
    for index, language in enumerate(languages):
        setattr(RoundForm, f"name_{language}", StringField(
            _l("Name (%(language)s)", language=language_name(language)),
            validators=[required() if index == 0 else optional(), length(120)], render_kw={"dir": "auto"},
            description=_l("For example: Screening, or Pitch.") if index == 0 else ""))
    form = RoundForm(**kwargs)
    form.projects.choices = [("submissions", _l("Every submitted project"))] + [
        (f"shortlist:{round_id}", _l("The published shortlist of %(round)s", round=name))
        for round_id, name in source_rounds]
    return form


def _decimal(form, field) -> None:
    try:
        value = Decimal(str(field.data or "").strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_l("Enter a positive number, like 25 or 0.3.")) from None
    problem = weight_problem(value)
    if problem:
        raise ValidationError(problem)


def parse_rubric(text: str) -> dict[str, str]:
    """"1: no evidence" lines into {"1": "no evidence"}; raises ValueError naming the first bad line."""
    levels: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        level, sep, meaning = line.partition(":")
        if not sep or not level.strip().lstrip("-").isascii() or not level.strip().lstrip("-").isdigit() \
                or not meaning.strip():
            raise ValueError(number)
        levels[str(int(level.strip()))] = meaning.strip()
    return levels


def rubric_text(levels: dict[str, str]) -> str:
    return "\n".join(f"{level}: {meaning}" for level, meaning in sorted_levels(levels))


def sorted_levels(levels: dict[str, str]) -> list[tuple[str, str]]:
    """Rubric levels in score order (10 after 9, not after 1)."""
    return sorted((levels or {}).items(), key=lambda item: int(item[0]) if item[0].lstrip("-").isascii()
                  and item[0].lstrip("-").isdigit() else 0)


class _CriterionForm(BaseForm):
    weight = StringField(_l("Weight"), validators=[required(), _decimal], default="1",
                         description=_l("Any positive number; weights are compared with each other."))
    scale_min = IntegerField(_l("Lowest score"), validators=[required(), number_range(0, 100)], default=1)
    scale_max = IntegerField(_l("Highest score"), validators=[required(), number_range(1, 100)], default=10)
    submit = SubmitField(_l("Save the criterion"))

    languages: list[str] = []

    def weight_value(self) -> Decimal:
        return Decimal(str(self.weight.data).strip().replace(",", "."))

    def language_fields(self) -> list[tuple]:
        return [(self[f"name_{language}"], self[f"rubric_{language}"]) for language in self.languages]

    def names(self) -> dict[str, str]:
        return {language: (self[f"name_{language}"].data or "").strip() for language in self.languages
                if (self[f"name_{language}"].data or "").strip()}

    def rubrics(self) -> dict[str, dict[str, str]]:
        return {language: parse_rubric(self[f"rubric_{language}"].data) for language in self.languages
                if parse_rubric(self[f"rubric_{language}"].data)}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.scale_max.data <= self.scale_min.data:
            self.scale_max.errors.append(_l("The highest score must be above the lowest."))
            valid = False
        for language in self.languages:
            field = self[f"rubric_{language}"]
            try:
                levels = parse_rubric(field.data)
            except ValueError as error:
                field.errors.append(_l("Line %(line)d: write a score, a colon and its meaning, like “1: no "
                                       "evidence”.", line=error.args[0]))
                valid = False
                continue
            if valid and any(not self.scale_min.data <= int(level) <= self.scale_max.data for level in levels):
                field.errors.append(_l("Rubric levels must lie on the scale, %(lo)d to %(hi)d.",
                                       lo=self.scale_min.data, hi=self.scale_max.data))
                valid = False
        return valid

    def fill_from(self, criterion) -> None:
        for language in self.languages:
            self[f"name_{language}"].data = (criterion.name or {}).get(language, "")
            self[f"rubric_{language}"].data = rubric_text((criterion.rubric or {}).get(language, {}))
        self.weight.data = plain_number(criterion.weight)
        self.scale_min.data, self.scale_max.data = criterion.scale_min, criterion.scale_max


def criterion_form(languages: list[str], **kwargs) -> _CriterionForm:
    """The criterion form: a name and a rubric per event language (the first name required)."""
    languages = _languages_or_default(languages)

    class CriterionForm(_CriterionForm):
        pass

    CriterionForm.languages = languages
    for index, language in enumerate(languages):
        name = language_name(language)
        setattr(CriterionForm, f"name_{language}", StringField(
            _l("Criterion (%(language)s)", language=name),
            validators=[required() if index == 0 else optional(), length(120)], render_kw={"dir": "auto"}))
        setattr(CriterionForm, f"rubric_{language}", TextAreaField(
            _l("Rubric (%(language)s)", language=name), validators=[optional(), length(4000)],
            render_kw={"rows": 4, "dir": "auto"},
            description=_l("What each score means, one level a line, e.g. “1: no evidence”.") if index == 0
            else ""))
    return CriterionForm(**kwargs)


class UnlockForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[required(), length(500)])
    submit = SubmitField(_l("Unlock the criteria"))


class ConflictForm(BaseForm):
    reason = StringField(_l("Why (for the organisers)"), validators=[optional(), length(500)])
    submit = SubmitField(_l("Declare a conflict"))


class StandingConflictForm(BaseForm):
    team = SelectField(_l("A team"), validate_choice=False, default="")
    person_email = StringField(_l("Or a person (their email)"), validators=[optional(), length(254)],
                               render_kw={"inputmode": "email", "autocomplete": "off"},
                               description=_l("A team member of this event: you will not judge their team."))
    organisation = StringField(_l("Or an organisation"), validators=[optional(), length(200)],
                               render_kw={"dir": "auto"},
                               description=_l("You will not judge teams with a member from it."))
    reason = StringField(_l("Why (for the organisers)"), validators=[optional(), length(500)])
    submit = SubmitField(_l("Declare the conflict"))

    def validate_team(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the options given."))

    def team_id(self) -> int | None:
        return int(self.team.data) if self.team.data else None


def sheet_form(judging_round, criterion_label, formdata=None, sheet=None):
    """A form with one score field per criterion (`criterion_<id>`), a comment and a private note."""

    class SheetForm(BaseForm):
        pass

    for criterion in judging_round.criteria:
        # Beside each field (its help text, tied to the input): the scale and the weight as written.
        setattr(SheetForm, f"criterion_{criterion.id}", IntegerField(
            criterion_label(criterion), validators=[optional(), number_range(criterion.scale_min,
                                                                               criterion.scale_max)],
            description=gettext("scale %(lo)d–%(hi)d · weight %(weight)s", lo=criterion.scale_min,
                                hi=criterion.scale_max, weight=plain_number(criterion.weight)),
            render_kw={"min": criterion.scale_min, "max": criterion.scale_max, "inputmode": "numeric"}))
    SheetForm.comment_to_team = TextAreaField(_l("Comment to the team"), validators=[optional(),
                                                                                   length(COMMENT_MAX)],
                                              render_kw={"rows": 4})
    SheetForm.private_note = TextAreaField(_l("Private note to organisers"),
                                           validators=[optional(), length(COMMENT_MAX)], render_kw={"rows": 2})
    SheetForm.save = SubmitField(_l("Save as draft"))
    SheetForm.submit_sheet = SubmitField(_l("Submit the sheet"))
    form = SheetForm(formdata=formdata)
    if formdata is None and sheet is not None:
        for criterion in judging_round.criteria:
            getattr(form, f"criterion_{criterion.id}").data = (sheet.scores or {}).get(str(criterion.id))
        form.comment_to_team.data = sheet.comment_to_team
        form.private_note.data = sheet.private_note
    return form


class ImportForm(BaseForm):
    from flask_wtf.file import FileField as _FileField

    file = _FileField(_l("CSV file"), description=_l("Header: juror_email,team, then one column per criterion "
                                                     "(its name), then comment. One row per sheet."))
    submit = SubmitField(_l("Import the sheets"))


class ScheduleForm(BaseForm):
    starts_at = LocalDateTimeField(_l("First pitch starts (event time)"), validators=[required()],
                                   format="%Y-%m-%dT%H:%M")
    pitch_minutes = IntegerField(_l("Pitch (minutes)"), validators=[required(), number_range(1, 120)], default=5)
    qa_minutes = IntegerField(_l("Questions (minutes)"), validators=[optional(), number_range(0, 120)], default=3)
    changeover_minutes = IntegerField(_l("Changeover (minutes)"), validators=[optional(), number_range(0, 60)],
                                      default=2)
    order = SelectField(_l("Order"), choices=options([
        ("shortlist", _l("The shortlist's order (best first)")), ("reverse", _l("The reverse (best last)")),
        ("random", _l("Random (the seed below keeps it)"))]))
    seed = IntegerField(_l("Seed"), validators=[optional(), number_range(0, 2_000_000_000)], default=0)
    break_after = IntegerField(_l("A break after every … teams"), validators=[optional(), number_range(0, 100)],
                               default=0, description=_l("0: no breaks."))
    break_minutes = IntegerField(_l("Break (minutes)"), validators=[optional(), number_range(0, 240)], default=0)
    call_links = TextAreaField(_l("Video call links"), validators=[optional(), length(4000)],
                               render_kw={"rows": 2, "inputmode": "url"},
                               description=_l("One a line, one per session: a break starts the next session. "
                                              "Teams and jurors join here."))
    reminder_hours = IntegerField(_l("Remind teams this many hours before their slot"),
                                  validators=[required(), number_range(1, 168)], default=24)
    submit = SubmitField(_l("Plan the schedule"))
