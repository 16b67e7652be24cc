"""Organisers' submission forms and the gallery filter: shape only (the services check the rules)."""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SubmitField, TextAreaField

from hackathon.events.forms import LocalDateTimeField, MultiCheckboxField, to_utc
from hackathon.events.models import Event
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, posted_int, required
from hackathon.submissions.deadlines import SubmissionState
from hackathon.submissions.models import REQUIRABLE_FIELDS, ExemptionKind
from hackathon.submissions.organiser import MAX_GRACE_MINUTES, MAX_SCREENSHOTS, REASON_MAX, STATE_LABELS

FIELD_LABELS = {
    "tagline": _l("Tagline"),
    "description": _l("Description"),
    "track": _l("Track"),
    "challenge": _l("Challenge"),
    "repository_url": _l("Source code link"),
    "demo_url": _l("Demo link"),
    "video_url": _l("Video link"),
    "technologies": _l("Technologies"),
    "deck": _l("Pitch deck (PDF)"),
    "screenshot": _l("At least one screenshot"),
    "archive": _l("ZIP archive of data or code"),
}


def _track_choices(event: Event, empty_label) -> list:
    return options([("", empty_label), *((str(track.id), track.name) for track in event.tracks)])


def _chosen_track(form_field, event: Event) -> int | None:
    """The chosen track's id, or None for none or a value that is not one of the event's tracks."""
    value = form_field.data
    if not value or form_field.errors:
        return None
    known = {track.id for track in event.tracks}
    return posted_int(value) if posted_int(value) in known else None


class SubmissionFilterForm(BaseForm):
    """GET filters of the organisers' list; no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[optional()])
    track = SelectField(_l("Track"), validators=[optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self._event = event
        self.state.choices = options([("", _l("Any state")),
                                      *((state.value, STATE_LABELS[state]) for state in SubmissionState)])
        self.track.choices = _track_choices(event, _l("Any track"))

    def filters(self) -> dict:
        state = self.state.data if self.state.data and not self.state.errors else None
        return {"state": SubmissionState(state) if state else None,
                "track_id": _chosen_track(self.track, self._event)}


class ExemptionForm(BaseForm):
    """An extension or an unlock for one team: until when (in the event's timezone) and why."""

    kind = HiddenField()
    until = LocalDateTimeField(_l("Until"), validators=[required()])
    reason = TextAreaField(_l("Reason"), validators=[required(), length(REASON_MAX)], render_kw={"rows": 3},
                           description=_l("Kept in the audit log and sent to the team's members."))
    submit = SubmitField(_l("Grant"))

    def __init__(self, *args, event: Event, kind: ExemptionKind | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._event = event
        if kind is not None and not self.kind.data:
            self.kind.data = kind.value
        self.until.description = _l("In the event's timezone (%(tz)s).", tz=event.timezone)

    def values(self) -> dict:
        return {"kind": self.kind.data, "until": to_utc(self.until.data, self._event.timezone),
                "reason": self.reason.data or ""}


class SubmissionSettingsForm(BaseForm):
    required_fields = MultiCheckboxField(
        _l("Required to submit (the title always is)"),
        choices=options((name, FIELD_LABELS[name]) for name in REQUIRABLE_FIELDS))
    grace_minutes = IntegerField(
        _l("Grace period (minutes)"), validators=[required(), number_range(0, MAX_GRACE_MINUTES)],
        description=_l("Saving is still accepted this long after the deadline; such submissions are marked late."))
    max_screenshots = IntegerField(_l("Screenshots per project"),
                                   validators=[required(), number_range(0, MAX_SCREENSHOTS)])
    allow_archive = BooleanField(_l("Allow a ZIP archive of data or code"))
    gallery_open = BooleanField(
        _l("Gallery open to the public"),
        description=_l("Publishing the results also opens the gallery. Only teams that opted in are shown."))
    submit = SubmitField(_l("Save the settings"))

    def fill_from(self, settings) -> None:
        self.required_fields.data = list(settings.required_fields or [])
        self.grace_minutes.data = settings.grace_minutes
        self.max_screenshots.data = settings.max_screenshots
        self.allow_archive.data = settings.allow_archive
        self.gallery_open.data = settings.gallery_opened_at is not None

    def values(self) -> dict:
        return {"required_fields": list(self.required_fields.data or []), "grace_minutes": self.grace_minutes.data,
                "max_screenshots": self.max_screenshots.data, "allow_archive": bool(self.allow_archive.data),
                "gallery_open": bool(self.gallery_open.data)}


class GalleryFilterForm(BaseForm):
    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validators=[optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self._event = event
        self.track.choices = _track_choices(event, _l("Every track"))

    def track_id(self) -> int | None:
        return _chosen_track(self.track, self._event)
