"""Challenge forms: shape only (the services check the links, the track and who may post)."""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import HiddenInput

from hackathon.events.models import Event
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, required
from hackathon.mentoring.challenges import DESCRIPTION_MAX, LINK_MAX, MAX_LINKS, TITLE_MAX


def _track_choices(event: Event, empty_label) -> list:
    return options([("", empty_label), *((str(t.id), t.name) for t in event.tracks)])


class ChallengeForm(BaseForm):
    title = StringField(_l("Title"), validators=[required(), length(TITLE_MAX)])
    track = SelectField(_l("Track"), validators=[optional()])
    description = TextAreaField(
        _l("Description"), validators=[optional(), length(DESCRIPTION_MAX)], render_kw={"rows": 10},
        description=_l("Markdown: **bold**, lists, links, tables. Scripts and unsafe links are removed."))
    data_links = TextAreaField(
        _l("Data links"), validators=[optional(), length(MAX_LINKS * (LINK_MAX + 2))], render_kw={"rows": 4},
        description=_l("One web address (http:// or https://) a line, at most %(max)d.", max=MAX_LINKS))
    submit = SubmitField(_l("Save the challenge"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = _track_choices(event, _l("No track"))

    def fill_from(self, challenge) -> None:
        self.title.data = challenge.title
        self.track.data = str(challenge.track_id) if challenge.track_id else ""
        self.description.data = challenge.description
        self.data_links.data = "\n".join(challenge.data_links or [])

    def values(self) -> dict:
        return {"title": self.title.data, "description": self.description.data or "",
                "track_id": int(self.track.data) if self.track.data else None,
                "data_links": self.data_links.data or ""}


class ChallengeFilterForm(BaseForm):
    """GET filter; no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validators=[optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = _track_choices(event, _l("All tracks"))

    def track_id(self) -> int | None:
        """The chosen track; an unknown value counts as no filter (the field shows its error)."""
        return int(self.track.data) if self.track.data and not self.track.errors else None


class ChooseChallengeForm(BaseForm):
    """A button on a challenge's card (its id) or the "clear" button (no id)."""

    challenge_id = IntegerField(_l("Challenge"), validators=[optional(), number_range(1)], widget=HiddenInput())
