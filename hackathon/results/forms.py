"""Results forms: shape only."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import ValidationError

from hackathon.accounts.forms import language_name
from hackathon.forms import (BaseForm, IntegerField, LocalDateTimeField, length, number_range, optional, options,
                             required)


def _weight(form, field) -> None:
    text = (field.data or "").strip().replace(",", ".")
    if not text:
        return
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_l("Enter a weight of 0 or more for each round, like 0.3.")) from None
    if not value.is_finite() or value < 0 or value > 1000:
        raise ValidationError(_l("Enter a weight of 0 or more for each round, like 0.3."))


class _SettingsForm(BaseForm):
    final_round = SelectField(_l("The final round (its projects are ranked)"), validate_choice=False, default="")
    show_full_ranking = BooleanField(_l("Show the full ranking on the public results page"))
    show_rank_in_feedback = BooleanField(_l("Show each team its rank in its feedback"))
    show_juror_names = BooleanField(_l("Show jurors' names with their comments in the feedback"))
    submit = SubmitField(_l("Save how results are made"))

    round_ids: list[int] = []

    def weight_fields(self) -> list:
        return [self[f"weight_{round_id}"] for round_id in self.round_ids]

    def validate_final_round(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the options given."))

    def weights(self) -> dict[int, str]:
        return {round_id: (self[f"weight_{round_id}"].data or "").strip() for round_id in self.round_ids}

    def final_round_id(self) -> int | None:
        return int(self.final_round.data) if self.final_round.data else None


def settings_form(rounds: list[tuple[int, str]], **kwargs) -> _SettingsForm:
    """How the final ranking is made: the final round, and a weight per round to combine them (optional)."""

    class SettingsForm(_SettingsForm):
        pass

    SettingsForm.round_ids = [round_id for round_id, _name in rounds]
    for round_id, name in rounds:
        setattr(SettingsForm, f"weight_{round_id}", StringField(
            _l("Weight of %(round)s", round=name), validators=[optional(), _weight, length(12)],
            render_kw={"inputmode": "decimal"},
            description=_l("Empty or 0: not counted. Leave every weight empty to rank by the final round alone.")))
    form = SettingsForm(**kwargs)
    form.final_round.choices = [("", _l("The last round"))] + [(str(i), name) for i, name in rounds]
    return form


class _AwardForm(BaseForm):
    kind = SelectField(_l("Kind of award"), choices=options([
        ("place", _l("A place in the final ranking (1st, 2nd, 3rd…)")),
        ("track", _l("The best project of a track")),
        ("special", _l("A special mention chosen by the organisers"))]))
    place = IntegerField(_l("Place"), validators=[optional(), number_range(1, 100)],
                         description=_l("Only for places: 1 for the first."))
    track = SelectField(_l("Track"), validate_choice=False, default="",
                        description=_l("Only for track awards."))
    submit = SubmitField(_l("Add the award"))

    languages: list[str] = []

    def language_fields(self) -> list[tuple]:
        return [(self[f"name_{language}"], self[f"prize_{language}"]) for language in self.languages]

    def validate_track(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the options given."))

    def names(self) -> dict[str, str]:
        return {language: self[f"name_{language}"].data or "" for language in self.languages}

    def prizes(self) -> dict[str, str]:
        return {language: self[f"prize_{language}"].data or "" for language in self.languages}

    def track_id(self) -> int | None:
        return int(self.track.data) if self.track.data else None


def award_form(languages: list[str], tracks: list[tuple[int, str]], **kwargs) -> _AwardForm:
    languages = list(languages) or ["en"]

    class AwardForm(_AwardForm):
        pass

    AwardForm.languages = languages
    for index, language in enumerate(languages):
        name = language_name(language)
        setattr(AwardForm, f"name_{language}", StringField(
            _l("Award name (%(language)s)", language=name),
            validators=[required() if index == 0 else optional(), length(120)], render_kw={"dir": "auto"},
            description=_l("For example: First place, or Best inclusion of non-IT members.") if index == 0 else ""))
        setattr(AwardForm, f"prize_{language}", StringField(
            _l("Prize (%(language)s)", language=name), validators=[optional(), length(300)],
            render_kw={"dir": "auto"}, description=_l("Optional, e.g. “mentoring and a grant of 50,000 som”.")
            if index == 0 else ""))
    form = AwardForm(**kwargs)
    form.track.choices = [("", _l("—"))] + [(str(i), name) for i, name in tracks]
    return form


class DecideForm(BaseForm):
    reason = StringField(_l("Reason (needed for a tie or a change)"), validators=[optional(), length(500)])
    submit = SubmitField(_l("Confirm the winner"))


class PublishForm(BaseForm):
    publish_at = LocalDateTimeField(_l("Publish at (event time; empty: now)"), validators=[optional()])
    confirm = BooleanField(_l("I have read the warnings above and publish anyway"))
    submit = SubmitField(_l("Publish the results"))


class UnpublishForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[required(), length(500)])
    submit = SubmitField(_l("Unpublish the results"))
