"""Help request forms: shape only (the services check the team, the language and the limits)."""
from __future__ import annotations

from flask import current_app
from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField

from hackathon.events.models import Event
from hackathon.forms import BaseForm, length, optional, options, required
from hackathon.mentoring.help import DESCRIPTION_MAX, TOPIC_MAX


def _language_choices(event: Event, empty_label) -> list:
    names = current_app.config["LANGUAGES"]
    return options([("", empty_label), *((code, names.get(code, code)) for code in event.languages or [])])


class HelpRequestForm(BaseForm):
    topic = StringField(_l("Topic"), validators=[required(), length(TOPIC_MAX)],
                        description=_l("A few words, e.g. “pandas: merging two tables”."))
    description = TextAreaField(_l("What is the problem?"), validators=[optional(), length(DESCRIPTION_MAX)],
                                render_kw={"rows": 5})
    language = SelectField(_l("Preferred language"), validators=[optional()])
    submit = SubmitField(_l("Ask for help"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices(event, _l("Any language"))

    def values(self) -> dict:
        return {"topic": self.topic.data, "description": self.description.data or "",
                "language": self.language.data or None}


class QueueFilterForm(BaseForm):
    """GET filters; no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    language = SelectField(_l("Language"), validators=[optional()])
    matching = BooleanField(_l("Only requests matching my expertise"))
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices(event, _l("Any language"))

    def filters(self) -> dict:
        """The filters to apply; an invalid language counts as none (the field shows its error)."""
        return {"language": self.language.data if self.language.data and not self.language.errors else None,
                "matching": bool(self.matching.data)}
