"""Review forms: queue filters (GET), bulk and single decisions, ratings, decision mail wording. Shape only."""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import Field, HiddenField, SelectField, StringField, SubmitField, TextAreaField, ValidationError

from hackathon.accounts.forms import KYRGYZSTAN_REGIONS
from hackathon.applications.mail_templates import BODY_MAX, SUBJECT_MAX
from hackathon.applications.models import ApplicationKind, ApplicationStatus
from hackathon.applications.review import (AGE_BAND_LABELS, BACKGROUND_LABELS, DECISION_LABELS, DECISIONS,
                                           KIND_LABELS, NOTE_MAX, REASON_MAX, SCORE_MAX, SCORE_MIN, SEARCH_MAX,
                                           STATUS_LABELS, QueueFilters, age_band_choices)
from hackathon.events.models import Track
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, posted_int, required


class ChoiceField(SelectField):
    """A select whose 'not one of the options' message is ours (translated), not WTForms'."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options."))
        super().__init__(*args, **kwargs)


class IdListField(Field):
    """Ids ticked in a table (several inputs with one name); rendered by the page, read here as integers."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=list, **kwargs)

    def process_formdata(self, valuelist):
        ids = []
        for raw in valuelist:
            if posted_int(raw) is None:
                self.data = []
                raise ValueError(_l("The selection is not valid. Reload the page and try again."))
            ids.append(posted_int(raw))
        self.data = ids


STATUS_FILTERS = [status for status in ApplicationStatus if status != ApplicationStatus.draft]
SORT_LABELS = [
    ("priority", _l("To decide first, then best rated")),
    ("rating", _l("Best rated")),
    ("oldest", _l("Oldest first")),
    ("newest", _l("Newest first")),
    ("name", _l("Name")),
]


QUEUE_FILTER_NAMES = ("q", "status", "kind", "track", "region", "background", "age", "sort")


class QueueFilterForm(BaseForm):
    """Read from the query string (GET, no CSRF): a filtered queue is a link one can bookmark or share."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[optional(), length(SEARCH_MAX)],
                    description=_l("Name, email or team name."))
    status = ChoiceField(_l("Status"), validators=[optional()], choices=options(
        [("", _l("Any status"))] + [(status.value, STATUS_LABELS[status]) for status in STATUS_FILTERS]))
    kind = ChoiceField(_l("Team or individual"), validators=[optional()], choices=options(
        [("", _l("Teams and individuals"))] + [(kind.value, KIND_LABELS[kind]) for kind in ApplicationKind]))
    track = ChoiceField(_l("Track"), validators=[optional()])
    region = ChoiceField(_l("Region"), validators=[optional()],
                         choices=options([("", _l("Any region")), *KYRGYZSTAN_REGIONS]))
    background = ChoiceField(_l("Background"), validators=[optional()],
                             choices=options([("", _l("Any background")), *BACKGROUND_LABELS.items()]))
    age = ChoiceField(_l("Age"), validators=[optional()],
                      choices=options([("", _l("Any age")), *AGE_BAND_LABELS.items()]))
    sort = ChoiceField(_l("Order"), validators=[optional()], choices=options(SORT_LABELS), default="priority")

    def __init__(self, *args, tracks: list[Track], age_bands: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = options([("", _l("Any track"))] + [(str(track.id), track.name) for track in tracks])
        # The event's own age bands (inclusion settings); without them, the default ones.
        self.age_bands = age_bands
        if age_bands is not None:
            self.age.choices = options([("", _l("Any age")), *age_band_choices(age_bands)])

    def filters(self) -> QueueFilters:
        """The filters that are valid; a field with an error (shown next to it) filters nothing."""
        def value(field):
            return field.data if not field.errors and field.data else None

        track = value(self.track)
        status = value(self.status)
        kind = value(self.kind)
        return QueueFilters(
            status=ApplicationStatus(status) if status else None,
            kind=ApplicationKind(kind) if kind else None,
            track_id=int(track) if track else None,
            region=value(self.region),
            background=value(self.background),
            age_band=value(self.age),
            age_bands=self.age_bands,
            search=value(self.q) or "",
            sort=value(self.sort) or "priority",
        )


def decision_choices():
    """No decision is preselected: a forgotten select must not accept a whole selection by default."""
    return options([("", _l("Choose a decision")), *((status.value, DECISION_LABELS[status]) for status in DECISIONS)])


class DecisionForm(BaseForm):
    decision = ChoiceField(_l("Decision"), validators=[required()], choices=decision_choices())
    reason = StringField(_l("Reason (optional)"), validators=[optional(), length(REASON_MAX)],
                         description=_l("Sent to the applicants with the decision and kept in the history."))
    submit = SubmitField(_l("Save the decision"))


class BulkDecisionForm(DecisionForm):
    application_ids = IdListField(_l("Applications"))
    submit = SubmitField(_l("Apply to the selected applications"))

    def validate_application_ids(self, field):
        if not field.data and not field.errors:
            raise ValidationError(_l("Select at least one application."))


class RatingForm(BaseForm):
    score = IntegerField(_l("Score"), validators=[required(), number_range(SCORE_MIN, SCORE_MAX)],
                         description=_l("From 1 (weak) to 5 (excellent)."),
                         render_kw={"type": "number", "min": SCORE_MIN, "max": SCORE_MAX, "inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[optional(), length(NOTE_MAX)],
                         description=_l("Seen by the organisers and the other reviewers, not by the applicants."))
    submit = SubmitField(_l("Save my rating"))


class MailTemplateForm(BaseForm):
    subject = StringField(_l("Subject"), validators=[required(), length(SUBJECT_MAX)])
    body = TextAreaField(_l("Text"), validators=[required(), length(BODY_MAX)], render_kw={"rows": 16})
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class ResetMailTemplateForm(BaseForm):
    key = HiddenField(validators=[required()])
    locale = HiddenField(validators=[required()])
    submit = SubmitField(_l("Use the built-in text"))
