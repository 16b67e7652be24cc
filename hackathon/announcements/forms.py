"""Announcement forms: shape only (the services check the tracks, the time and who may write)."""
from __future__ import annotations

from flask import current_app
from wtforms import BooleanField, StringField, SubmitField, TextAreaField

from hackathon.announcements.audience import Audience
from hackathon.announcements.services import BODY_MAX, TITLE_MAX, AnnouncementInput
from hackathon.applications.models import ApplicationStatus
from hackathon.events.forms import MultiCheckboxField, to_local, to_utc
from hackathon.events.models import Event
from hackathon.forms import BaseForm, LocalDateTimeField, length, optional, options, required
from hackathon.i18n import lazy_gettext as _l

# Audience flags as the form shows them.
FLAG_LABELS = {
    "confirmed": _l("Confirmed participants"),
    "without_submission": _l("In a team without a submitted project"),
    "not_checked_in": _l("In a team that has not checked in"),
    "looking_for_team": _l("Looking for a team"),
    "mentors": _l("Mentors"),
    "jurors": _l("Jurors"),
    "reviewers": _l("Application reviewers"),
}


def language_name(code: str) -> str:
    return current_app.config["LANGUAGES"].get(code, code)


class PreferencesForm(BaseForm):
    opt_out = BooleanField(_l("No mail for non-essential announcements of this event (essential ones still come)"))
    submit = SubmitField(_l("Save my choice"))


def announcement_form(event: Event, *, correction: bool = False, formdata=None, **kwargs) -> BaseForm:
    """The form for one event: a title and a text per event language (the first required), and unless it is the
    correction of a sent announcement, the essential flag, the audience filters and the time to send."""
    from hackathon.applications.review import STATUS_LABELS

    languages = list(event.languages or ["en"])

    class AnnouncementForm(BaseForm):
        def title_field(self, code: str):
            return self[f"title_{code}"]

        def body_field(self, code: str):
            return self[f"body_{code}"]

        def fill_from(self, announcement) -> None:
            for code in languages:
                self.title_field(code).data = announcement.title.get(code, "")
                self.body_field(code).data = announcement.body.get(code, "")
            if correction:
                return
            audience = announcement.audience or {}
            self.essential.data = announcement.essential
            self.statuses.data = list(audience.get("statuses") or [])
            self.tracks.data = [str(track) for track in audience.get("track_ids") or []]
            for flag in FLAG_LABELS:
                self[flag].data = bool(audience.get(flag))
            self.send_at.data = to_local(announcement.send_at, event.timezone)

        def values(self) -> AnnouncementInput:
            title = {code: self.title_field(code).data or "" for code in languages}
            body = {code: self.body_field(code).data or "" for code in languages}
            if correction:
                return AnnouncementInput(title=title, body=body)
            audience = Audience(statuses=tuple(sorted(self.statuses.data or [])),
                                track_ids=tuple(sorted(int(value) for value in self.tracks.data or [])),
                                **{flag: bool(self[flag].data) for flag in FLAG_LABELS})
            return AnnouncementInput(title=title, body=body, essential=bool(self.essential.data), audience=audience,
                                     send_at=to_utc(self.send_at.data, event.timezone))

    for number, code in enumerate(languages):
        first = number == 0
        checks = [required()] if first else [optional()]
        setattr(AnnouncementForm, f"title_{code}", StringField(
            _l("Title (%(language)s)", language=language_name(code)), validators=[*checks, length(TITLE_MAX)]))
        setattr(AnnouncementForm, f"body_{code}", TextAreaField(
            _l("Text (%(language)s)", language=language_name(code)), validators=[*checks, length(BODY_MAX)],
            render_kw={"rows": 8},
            description=_l("Markdown: **bold**, lists, links. Scripts and unsafe links are removed.") if first else
            _l("Leave empty to send the first language's text to people who read this one.")))
    if not correction:
        AnnouncementForm.essential = BooleanField(
            _l("Essential (a deadline or a change everyone must know): mailed even to people who opted out"))
        AnnouncementForm.statuses = MultiCheckboxField(
            _l("Applicants whose application is"), validators=[optional()],
            choices=options((status.value, STATUS_LABELS[status]) for status in ApplicationStatus))
        AnnouncementForm.tracks = MultiCheckboxField(
            _l("In a team of the track"), validators=[optional()],
            choices=options((str(track.id), track.name) for track in event.tracks))
        for flag, label in FLAG_LABELS.items():
            setattr(AnnouncementForm, flag, BooleanField(label))
        AnnouncementForm.send_at = LocalDateTimeField(
            _l("Send at (optional)"), validators=[optional()],
            description=_l("In the event's timezone (%(timezone)s). Empty: it goes when you press Send on the "
                           "preview.", timezone=event.timezone))
    AnnouncementForm.submit = SubmitField(_l("Save the correction") if correction else _l("Save and preview"))
    return AnnouncementForm(formdata=formdata, **kwargs) if formdata is not None else AnnouncementForm(**kwargs)


class SendForm(BaseForm):
    """The preview page's buttons: send now, or hand it to the schedule."""

    now = SubmitField(_l("Send now"))
    schedule = SubmitField(_l("Schedule it"))
