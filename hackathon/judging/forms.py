"""Judging forms: shape only. The score sheet is built from the round's criteria (`criterion_<id>` fields)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, required
from hackathon.judging.services import COMMENT_MAX


class RoundForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), length(120)],
                       description=_l("For example: Screening, or Pitch."))
    opens_at = DateTimeLocalField(_l("Opens (event time)"), validators=[optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes (event time)"), validators=[optional()], format="%Y-%m-%dT%H:%M")
    jurors_per_project = IntegerField(_l("Jurors per project"), validators=[required(), number_range(1, 20)],
                                      default=3)
    assign_all = BooleanField(_l("Every juror scores every project (a pitch final)"))
    method = SelectField(_l("Ranking"), choices=options([("calibrated", _l("Calibrated (corrects lenient and "
                                                                            "harsh jurors)")),
                                                         ("raw", _l("Raw mean of weighted totals"))]))
    jurors_see_other_scores = BooleanField(_l("Jurors see other jurors' scores"))
    jurors_see_leaderboard = BooleanField(_l("Jurors see the leaderboard"))
    submit = SubmitField(_l("Save the round"))


def _decimal(form, field) -> None:
    try:
        value = Decimal(str(field.data or "").replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_l("Enter a positive number, like 25 or 0.3.")) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("100000000"):
        raise ValidationError(_l("Enter a positive number, like 25 or 0.3."))


class CriterionForm(BaseForm):
    name = StringField(_l("Criterion"), validators=[required(), length(120)])
    weight = StringField(_l("Weight"), validators=[required(), _decimal], default="1",
                         description=_l("Any positive number; weights are compared with each other."))
    scale_min = IntegerField(_l("Lowest score"), validators=[required(), number_range(0, 100)], default=1)
    scale_max = IntegerField(_l("Highest score"), validators=[required(), number_range(1, 100)], default=10)
    rubric = TextAreaField(_l("Rubric"), validators=[optional(), length(4000)], render_kw={"rows": 4},
                           description=_l("What each score means, one level a line, e.g. “1: no evidence”."))
    submit = SubmitField(_l("Add the criterion"))

    def weight_value(self) -> Decimal:
        return Decimal(str(self.weight.data).replace(",", "."))


class UnlockForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[required(), length(500)])
    submit = SubmitField(_l("Unlock the criteria"))


class ConflictForm(BaseForm):
    reason = StringField(_l("Why (for the organisers)"), validators=[optional(), length(500)])
    submit = SubmitField(_l("Declare a conflict"))


def sheet_form(judging_round, criterion_label, formdata=None, sheet=None):
    """A form with one score field per criterion (`criterion_<id>`), a comment and a private note."""

    class SheetForm(BaseForm):
        pass

    for criterion in judging_round.criteria:
        setattr(SheetForm, f"criterion_{criterion.id}", IntegerField(
            criterion_label(criterion), validators=[optional(), number_range(criterion.scale_min,
                                                                               criterion.scale_max)],
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
