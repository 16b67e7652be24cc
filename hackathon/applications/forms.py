"""Applying forms: shape only. The application form is built from the event's questions (`question_<id>` fields,
like indico's build_review_form); the answers' rules (lengths, options, ranges, required) live in
`answers.py` and are applied by the services, which name the field each message belongs to."""
from __future__ import annotations

from typing import Any, Iterable

from hackathon.i18n import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField,
                     ValidationError)
from wtforms.widgets import NumberInput

from hackathon.accounts.forms import language_name  # noqa: F401  (used by the views too)
from hackathon.applications import answers as rules
from hackathon.applications.models import ApplicationQuestion, ApplicationSettings, QuestionKind
from hackathon.applications.services import (CONFIRMATION_DAYS_MAX, CONSENT_MAX, HELP_MAX, LABEL_MAX,
                                             MINIMUM_AGE_MAX, OPTION_LABEL_MAX, OptionInput, QuestionInput)
from hackathon.events.forms import MultiCheckboxField
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, posted_int, required

NEW_OPTION_ROWS = 5

KIND_LABELS = {
    QuestionKind.short_text: _l("Short text (one line)"),
    QuestionKind.long_text: _l("Long text (paragraphs)"),
    QuestionKind.single_choice: _l("Single choice"),
    QuestionKind.multiple_choice: _l("Multiple choice"),
    QuestionKind.yes_no: _l("Yes or no"),
    QuestionKind.number: _l("Number"),
}


class ApplyForm(BaseForm):
    looking_for_team = BooleanField(_l("I am looking for a team"),
                                    description=_l("Teams looking for members can find you on the team board."))
    submit = SubmitField(_l("Apply alone"))


# Settings -------------------------------------------------------------------------------------------------------

class _SettingsForm(BaseForm):
    allow_individuals = BooleanField(_l("People may apply alone"))
    allow_teams = BooleanField(_l("Teams may apply"))
    minimum_age = IntegerField(
        _l("Minimum age"), validators=[optional(), number_range(0, MINIMUM_AGE_MAX)],
        description=_l("Optional. Everyone an application covers must give a year of birth and reach this age in "
                       "the year of the event."))
    max_accepted_teams = IntegerField(
        _l("Maximum number of accepted teams"), validators=[optional(), number_range(1, 10000)],
        description=_l("Optional. Leave empty for no limit; beyond it, applications go to the waitlist."))
    confirmation_days = IntegerField(
        _l("Days to confirm participation"), default=7, validators=[required(), number_range(1, CONFIRMATION_DAYS_MAX)],
        description=_l("Accepted applicants confirm within this many days, or their place goes to the waitlist."))
    submit = SubmitField(_l("Save settings"))

    languages: list[str] = []

    def consent_fields(self) -> list:
        return [self[f"consent_{language}"] for language in self.languages]

    def fill_from(self, settings: ApplicationSettings) -> None:
        for name in ("allow_individuals", "allow_teams", "minimum_age", "max_accepted_teams", "confirmation_days"):
            self[name].data = getattr(settings, name)
        for language in self.languages:
            self[f"consent_{language}"].data = (settings.consent_text or {}).get(language, "")

    def settings_values(self) -> dict[str, Any]:
        return {
            "allow_individuals": bool(self.allow_individuals.data), "allow_teams": bool(self.allow_teams.data),
            "minimum_age": self.minimum_age.data, "max_accepted_teams": self.max_accepted_teams.data,
            "confirmation_days": self.confirmation_days.data,
            "consent_text": {language: self[f"consent_{language}"].data or "" for language in self.languages},
        }


def settings_form(languages: list[str], **kwargs) -> _SettingsForm:
    """The settings form with one consent text per event language."""
    class SettingsForm(_SettingsForm):
        pass

    SettingsForm.languages = list(languages)
    for language in languages:
        setattr(SettingsForm, f"consent_{language}", TextAreaField(
            _l("Consent text (%(language)s)", language=language_name(language)),
            validators=[optional(), length(CONSENT_MAX)], render_kw={"dir": "auto", "rows": 4}))
    return SettingsForm(**kwargs)


# Questions ------------------------------------------------------------------------------------------------------

class _QuestionForm(BaseForm):
    kind = SelectField(_l("Kind of answer"), validate_choice=False, validators=[required()],
                       choices=options((kind.value, label) for kind, label in KIND_LABELS.items()))
    required = BooleanField(_l("An answer is required to submit"))
    min_value = IntegerField(_l("Smallest number allowed"), validators=[optional()],
                             description=_l("Only for number questions. Optional."))
    max_value = IntegerField(_l("Largest number allowed"), validators=[optional()],
                             description=_l("Only for number questions. Optional."))
    submit = SubmitField(_l("Save question"))

    languages: list[str] = []
    option_count = 0

    def label_fields(self) -> list:
        return [self[f"label_{language}"] for language in self.languages]

    def help_fields(self) -> list:
        return [self[f"help_{language}"] for language in self.languages]

    def option_rows(self) -> list[dict[str, Any]]:
        """For the template: each option row's hidden value, one label field per language and the remove box."""
        return [{"number": index + 1, "value": self[f"option_{index}_value"],
                 "labels": [self[f"option_{index}_label_{language}"] for language in self.languages],
                 "remove": self[f"option_{index}_remove"], "is_new": not self[f"option_{index}_value"].data}
                for index in range(self.option_count)]

    def validate_kind(self, field):
        if field.data not in {kind.value for kind in QuestionKind}:
            raise ValidationError(_l("Choose one of the options given."))

    def fill_from(self, question: ApplicationQuestion) -> None:
        self.kind.data = question.kind.value
        self.required.data = question.required
        self.min_value.data = question.min_value
        self.max_value.data = question.max_value
        for language in self.languages:
            self[f"label_{language}"].data = (question.label or {}).get(language, "")
            self[f"help_{language}"].data = (question.help_text or {}).get(language, "")
        for index, option in enumerate(question.options or []):
            self[f"option_{index}_value"].data = option["value"]
            for language in self.languages:
                self[f"option_{index}_label_{language}"].data = option["label"].get(language, "")

    def question_input(self) -> QuestionInput:
        rows = []
        for index in range(self.option_count):
            rows.append(OptionInput(
                value=self[f"option_{index}_value"].data or None,
                label={language: self[f"option_{index}_label_{language}"].data or ""
                       for language in self.languages},
                remove=bool(self[f"option_{index}_remove"].data)))
        return QuestionInput(
            kind=QuestionKind(self.kind.data), required=bool(self.required.data),
            label={language: self[f"label_{language}"].data or "" for language in self.languages},
            help_text={language: self[f"help_{language}"].data or "" for language in self.languages},
            options=rows, min_value=self.min_value.data, max_value=self.max_value.data)


def question_form(languages: list[str], *, existing_options: int = 0, posted_options: int = 0,
                  **kwargs) -> _QuestionForm:
    """The question form: label and help per event language, and option rows (the existing options, then
    blank rows for new ones; each with a label per language and a remove box)."""
    count = max(existing_options, posted_options) + NEW_OPTION_ROWS

    class QuestionForm(_QuestionForm):
        pass

    QuestionForm.languages = list(languages)
    QuestionForm.option_count = count
    for language in languages:
        name = language_name(language)
        setattr(QuestionForm, f"label_{language}", StringField(
            _l("Question (%(language)s)", language=name), validators=[optional(), length(LABEL_MAX)],
            render_kw={"dir": "auto"}))
        setattr(QuestionForm, f"help_{language}", TextAreaField(
            _l("Help text (%(language)s)", language=name), validators=[optional(), length(HELP_MAX)],
            render_kw={"dir": "auto", "rows": 2}))
    for index in range(count):
        setattr(QuestionForm, f"option_{index}_value", HiddenField(validators=[optional(), length(16)]))
        setattr(QuestionForm, f"option_{index}_remove", BooleanField(_l("Remove this option")))
        for language in languages:
            setattr(QuestionForm, f"option_{index}_label_{language}", StringField(
                _l("Option %(number)d (%(language)s)", number=index + 1, language=language_name(language)),
                validators=[optional(), length(OPTION_LABEL_MAX)], render_kw={"dir": "auto"}))
    return QuestionForm(**kwargs)


def posted_option_rows(formdata) -> int:
    """How many option rows a posted question form carried (so none of them is dropped)."""
    indexes = [index for index in (posted_int(key.split("_")[1], min=0, max=999) for key in formdata.keys()
                                   if key.startswith("option_"))
               if index is not None]
    return min(max(indexes) + 1 if indexes else 0, 200)


class MoveForm(BaseForm):
    direction = HiddenField(validators=[required()])

    def validate_direction(self, field):
        if field.data not in ("up", "down"):
            raise ValidationError(_l("Choose one of the options given."))


# The application form -------------------------------------------------------------------------------------------

class _ApplicationForm(BaseForm):
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit application"))

    question_ids: list[int] = []

    def question_fields(self) -> list:
        return [self[f"question_{question_id}"] for question_id in self.question_ids]

    def answers(self) -> dict[str, Any]:
        """The raw answers by question id; `answers.check_answers` judges them."""
        return {str(question_id): self[f"question_{question_id}"].data for question_id in self.question_ids}

    def add_errors(self, field_errors: dict[str, list[str]]) -> None:
        for name, messages in field_errors.items():
            if name in self:
                self[name].errors = list(self[name].errors or []) + list(messages)


def _initial(question: ApplicationQuestion, value: Any) -> Any:
    if value is None:
        return None
    if question.kind == QuestionKind.yes_no:
        return "yes" if value else "no"
    if question.kind == QuestionKind.number:
        return str(value)
    return value


def application_form(questions: Iterable[ApplicationQuestion], *, locale: str, languages: list[str],
                     individual: bool, consent_text: str | None, stored: dict[str, Any] | None = None,
                     looking_for_team: bool = False, formdata=None) -> _ApplicationForm:
    """The form applicants fill: one field per question in the reader's language (else the event's first one),
    "looking for a team" for individuals, and the consent box when the event has a consent text."""
    questions = list(questions)

    class ApplicationForm(_ApplicationForm):
        pass

    ApplicationForm.question_ids = [question.id for question in questions]
    initial: dict[str, Any] = {}
    for question in questions:
        label = rules.pick_text(question.label, locale, languages)
        description = rules.pick_text(question.help_text, locale, languages)
        common = {"description": description}
        kind = question.kind
        if kind == QuestionKind.short_text:
            unbound = StringField(label, render_kw={"dir": "auto"}, **common)
        elif kind == QuestionKind.long_text:
            unbound = TextAreaField(label, render_kw={"dir": "auto", "rows": 6}, **common)
        elif kind == QuestionKind.single_choice:
            unbound = RadioField(label, validate_choice=False, choices=options(
                (option["value"], rules.pick_text(option["label"], locale, languages))
                for option in question.options or []), **common)
        elif kind == QuestionKind.multiple_choice:
            unbound = MultiCheckboxField(label, validate_choice=False, choices=options(
                (option["value"], rules.pick_text(option["label"], locale, languages))
                for option in question.options or []), **common)
        elif kind == QuestionKind.yes_no:
            unbound = RadioField(label, validate_choice=False, choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
                                 **common)
        else:
            unbound = StringField(label, widget=NumberInput(min=question.min_value, max=question.max_value),
                                  render_kw={"inputmode": "numeric"}, **common)
        setattr(ApplicationForm, f"question_{question.id}", unbound)
        initial[f"question_{question.id}"] = _initial(question, (stored or {}).get(str(question.id)))
    if individual:
        ApplicationForm.looking_for_team = BooleanField(
            _l("I am looking for a team"), description=_l("Teams looking for members can find you on the team board."))
        initial["looking_for_team"] = looking_for_team
    if consent_text:
        ApplicationForm.consent = BooleanField(_l("I consent to the data policy above"))
    form = ApplicationForm(formdata=formdata, data=initial) if formdata is not None else ApplicationForm(data=initial)
    for question in questions:
        if question.required:
            form[f"question_{question.id}"].flags.required = True
    return form
