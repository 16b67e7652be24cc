"""The team's submission form: shape only (the services check the deadline, the version and completeness)."""
from __future__ import annotations
from flask_babel import ngettext

from urllib.parse import urlsplit

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import ValidationError

from hackathon.events.forms import MultiCheckboxField
from hackathon.forms import BaseForm, IntegerField, length, optional, options, required
from hackathon.submissions.models import DESCRIPTION_MAX, TAGLINE_MAX, TITLE_MAX, URL_MAX

MAX_TAGS = 15
TAG_MAX = 40


def web_address(form, field) -> None:
    """Only absolute http(s) addresses: never javascript:, data:, file: or a relative path (never fetched)."""
    value = field.data or ""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(_l("Give a web address starting with http:// or https://."))


def parse_tags(raw: str | None) -> list[str]:
    """Comma-separated tags, trimmed, without duplicates (case-insensitive), in the order given."""
    seen, tags = set(), []
    for part in (raw or "").split(","):
        tag = " ".join(part.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


class SubmissionForm(BaseForm):
    version = IntegerField(widget=HiddenField.widget, validators=[optional()])
    title = StringField(_l("Project title"), validators=[required(), length(TITLE_MAX)])
    tagline = StringField(_l("Tagline"), validators=[optional(), length(TAGLINE_MAX)],
                          description=_l("One sentence: what your project does and for whom."))
    description = TextAreaField(
        _l("Description"), validators=[optional(), length(DESCRIPTION_MAX)], render_kw={"rows": 12},
        description=_l("Markdown: **bold**, lists, links, tables. HTML is not allowed; scripts and unsafe links "
                       "are removed."))
    track = SelectField(_l("Track"), validators=[optional()])
    challenge = SelectField(_l("Challenge"), validators=[optional()])
    repository_url = URLField(_l("Source code link"), validators=[optional(), length(URL_MAX), web_address])
    demo_url = URLField(_l("Demo link"), validators=[optional(), length(URL_MAX), web_address])
    video_url = URLField(_l("Video link"), validators=[optional(), length(URL_MAX), web_address],
                         description=_l("A link to your video (for example on YouTube); it is not downloaded."))
    technologies = StringField(_l("Technologies"), validators=[optional(), length(1000)],
                               description=_l("Tags separated by commas, for example: Python, Flask, OpenStreetMap."))
    credited = MultiCheckboxField(_l("Team members credited"), coerce=int)
    show_in_gallery = BooleanField(_l("Show our project in the public gallery after the results"))
    save = SubmitField(_l("Save"))

    def __init__(self, *args, tracks, challenges, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = options([("", _l("No track")), *((str(t.id), t.name) for t in tracks)])
        self.challenge.choices = options([("", _l("No challenge")), *((str(c.id), c.title) for c in challenges)])
        self.credited.choices = [(m.id, m.name) for m in members]

    def validate_technologies(self, field) -> None:
        tags = parse_tags(field.data)
        if len(tags) > MAX_TAGS or any(len(tag) > TAG_MAX for tag in tags):
            raise ValidationError(ngettext("Give at most %(n)d technology of up to %(max)d characters.",
                                           "Give at most %(n)d technologies of up to %(max)d characters each.",
                                           MAX_TAGS, n=MAX_TAGS, max=TAG_MAX))

    def values(self) -> dict:
        return {
            "title": self.title.data, "tagline": self.tagline.data or "", "description": self.description.data or "",
            "track_id": int(self.track.data) if self.track.data else None,
            "challenge_id": int(self.challenge.data) if self.challenge.data else None,
            "repository_url": self.repository_url.data or "", "demo_url": self.demo_url.data or "",
            "video_url": self.video_url.data or "", "technologies": parse_tags(self.technologies.data),
            "credited_user_ids": sorted(self.credited.data or []), "show_in_gallery": bool(self.show_in_gallery.data),
        }

    def fill(self, submission) -> None:
        """Load the saved submission into the form (GET)."""
        self.version.data = submission.lock_version
        for name in ("title", "tagline", "description", "repository_url", "demo_url", "video_url"):
            getattr(self, name).data = getattr(submission, name)
        self.track.data = str(submission.track_id) if submission.track_id else ""
        self.challenge.data = str(submission.challenge_id) if submission.challenge_id else ""
        self.technologies.data = ", ".join(submission.technologies or [])
        self.credited.data = list(submission.credited_user_ids or [])
        self.show_in_gallery.data = submission.show_in_gallery


class CompareForm(BaseForm):
    """GET: which two versions to compare."""

    class Meta:
        csrf = False

    a = IntegerField(_l("Older version"), validators=[optional()])
    b = IntegerField(_l("Newer version"), validators=[optional()])


class VersionForm(BaseForm):
    """A button that acts on the version the page showed (submit, return to draft)."""

    version = IntegerField(widget=HiddenField.widget, validators=[optional()])
