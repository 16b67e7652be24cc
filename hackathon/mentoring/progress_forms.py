"""Mentoring progress forms: shape only (the services check ranges, languages and who may act).

Milestone titles and criterion names have one field per event language (`title_<lang>`, `name_<lang>`),
built from the event, like a review form is built from its rubric (`score_<criterion id>`).
"""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField

from hackathon.events.forms import LocalDateTimeField, to_local, to_utc
from hackathon.events.models import Event
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, required
from hackathon.mentoring.progress import (LINK_MAX, MAX_LINKS, MAX_MENTORS_PER_TEAM, MAX_STALE_HOURS, TEXT_MAX,
                                          TITLE_MAX)


class SettingsForm(BaseForm):
    mentors_per_team = IntegerField(_l("Mentors per team"),
                                    validators=[required(), number_range(1, MAX_MENTORS_PER_TEAM)])
    stale_after_hours = IntegerField(
        _l("Flag a team after this many hours without a check-in"),
        validators=[required(), number_range(1, MAX_STALE_HOURS)],
        description=_l("Mentors without a review for this long are flagged on the board too."))
    show_summaries_to_jurors = BooleanField(_l("Show the mentors' latest status and comment to jurors"))
    submit = SubmitField(_l("Save the settings"))

    def fill_from(self, settings) -> None:
        self.mentors_per_team.data = settings.mentors_per_team
        self.stale_after_hours.data = settings.stale_after_hours
        self.show_summaries_to_jurors.data = settings.show_summaries_to_jurors

    def values(self) -> dict:
        return {"mentors_per_team": self.mentors_per_team.data, "stale_after_hours": self.stale_after_hours.data,
                "show_summaries_to_jurors": bool(self.show_summaries_to_jurors.data)}


def _language_fields(form_class, event: Event, prefix: str, label):
    """Add one text field per event language; the first language is required."""
    languages = list(event.languages or ["en"])
    for index, language in enumerate(languages):
        validators = [required() if index == 0 else optional(), length(TITLE_MAX)]
        setattr(form_class, f"{prefix}_{language}",
                StringField(_l("%(label)s (%(language)s)", label=label, language=language), validators=validators))
    return languages


class _NamedForm(BaseForm):
    _name_field = "title"

    def names(self) -> dict[str, str]:
        return {language: self[f"{self._name_field}_{language}"].data or "" for language in self._languages}

    def fill_names(self, names: dict[str, str]) -> None:
        for language in self._languages:
            self[f"{self._name_field}_{language}"].data = (names or {}).get(language, "")


def milestone_form(event: Event, *args, **kwargs):
    """A milestone form for the event: a title per language, the due time in the event's timezone."""

    class MilestoneForm(_NamedForm):
        _name_field = "title"

        def fill_from(self, milestone) -> None:
            self.fill_names(milestone.title)
            self.due_at.data = to_local(milestone.due_at, event.timezone)

        def values(self) -> dict:
            return {"title": self.names(), "due_at": to_utc(self.due_at.data, event.timezone)}

    MilestoneForm._languages = _language_fields(MilestoneForm, event, "title", _l("Title"))
    MilestoneForm.due_at = LocalDateTimeField(_l("Due (%(tz)s)", tz=event.timezone), validators=[required()])
    MilestoneForm.submit = SubmitField(_l("Save the milestone"))
    return MilestoneForm(*args, **kwargs)


def criterion_form(event: Event, *args, with_position: bool = False, **kwargs):
    """A rubric criterion form: a name per language, and (when editing) its position in the rubric."""

    class CriterionForm(_NamedForm):
        _name_field = "name"

        def fill_from(self, criterion) -> None:
            self.fill_names(criterion.name)
            if with_position:
                self.position.data = criterion.position

        def values(self) -> dict:
            values = {"name": self.names()}
            if with_position:
                values["position"] = self.position.data
            return values

    CriterionForm._languages = _language_fields(CriterionForm, event, "name", _l("Criterion"))
    if with_position:
        CriterionForm.position = IntegerField(_l("Position"), validators=[required(), number_range(0, 1000)],
                                              description=_l("Criteria are shown in increasing position."))
    CriterionForm.submit = SubmitField(_l("Save the criterion"))
    return CriterionForm(*args, **kwargs)


class CheckInForm(BaseForm):
    milestone = SelectField(_l("For"), validators=[optional()])
    done = TextAreaField(_l("What we did"), validators=[optional(), length(TEXT_MAX)], render_kw={"rows": 4})
    next_steps = TextAreaField(_l("What is next"), validators=[optional(), length(TEXT_MAX)], render_kw={"rows": 3})
    blockers = TextAreaField(_l("Blockers"), validators=[optional(), length(TEXT_MAX)], render_kw={"rows": 3},
                             description=_l("Anything stopping you that a mentor could help with."))
    links = TextAreaField(
        _l("Links"), validators=[optional(), length(MAX_LINKS * (LINK_MAX + 2))], render_kw={"rows": 3},
        description=_l("One web address (http:// or https://) a line, at most %(max)d: repository, demo, slides.",
                       max=MAX_LINKS))
    submit = SubmitField(_l("Post the check-in"))

    def __init__(self, *args, milestones=(), name_of=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestone.choices = options([("", _l("Any time")),
                                          *((str(m.id), name_of(m.title)) for m in milestones)])

    def values(self) -> dict:
        return {"milestone_id": int(self.milestone.data) if self.milestone.data else None,
                "done": self.done.data or "", "next_steps": self.next_steps.data or "",
                "blockers": self.blockers.data or "", "links": self.links.data or ""}


STATUS_CHOICES = (("on_track", _l("On track")), ("at_risk", _l("At risk")), ("blocked", _l("Blocked")))
SCORE_CHOICES = (("", _l("Choose a score")), *((str(n), str(n)) for n in range(1, 6)))


def review_form(criteria, *args, name_of=str, **kwargs):
    """A review form with one 1-5 score field per active rubric criterion (`score_<criterion id>`)."""

    class ReviewForm(BaseForm):
        status = SelectField(_l("Status"), choices=options(STATUS_CHOICES), validators=[required()])

        def scores(self) -> dict[int, int]:
            return {c.id: int(self[f"score_{c.id}"].data) for c in criteria}

        def values(self) -> dict:
            return {"status": self.status.data, "scores": self.scores(),
                    "comment_to_team": self.comment_to_team.data or "",
                    "private_note": self.private_note.data or ""}

    for criterion in criteria:
        setattr(ReviewForm, f"score_{criterion.id}",
                SelectField(_l("%(criterion)s (1 to 5)", criterion=name_of(criterion.name)),
                            choices=options(SCORE_CHOICES), validators=[required()]))
    ReviewForm.comment_to_team = TextAreaField(
        _l("Comment to the team"), validators=[optional(), length(TEXT_MAX)], render_kw={"rows": 5},
        description=_l("The team's members read this."))
    ReviewForm.private_note = TextAreaField(
        _l("Private note to organisers"), validators=[optional(), length(TEXT_MAX)], render_kw={"rows": 3},
        description=_l("Only organisers read this; the team never sees it."))
    ReviewForm.submit = SubmitField(_l("Save the review"))
    return ReviewForm(*args, **kwargs)
