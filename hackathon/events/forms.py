"""Event forms. Times are typed in the event's timezone and stored in UTC."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

from hackathon.i18n import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField, ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from hackathon.events.models import SLUG_MAX, TITLE_MAX, Event, Role
from hackathon.forms import (BaseForm, IntegerField, LocalDateTimeField, length, number_range, optional, options,
                             required)

PHASE_FIELDS = (
    ("applications_open_at", _l("Applications open")),
    ("applications_close_at", _l("Applications close")),
    ("hacking_starts_at", _l("Hacking starts")),
    ("submissions_close_at", _l("Submissions close")),
    ("pitching_starts_at", _l("Pitching starts")),
    ("results_at", _l("Results published")),
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIMEZONES = sorted(available_timezones())
# /events/new is the create page; an event must not be given that address.
RESERVED_SLUGS = {"new"}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def to_utc(value: datetime | None, tz: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc) if value else None


def to_local(value: datetime | None, tz: str) -> datetime | None:
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None


class EventForm(BaseForm):
    title = StringField(_l("Title"), validators=[required(), length(TITLE_MAX)])
    slug = StringField(_l("Short name for the address"), validators=[required(), length(SLUG_MAX, min=3)],
                       description=_l("Lower-case letters, digits and dashes; the event lives at /events/<short-name>/."))
    description = TextAreaField(_l("Description"), validators=[optional(), length(20000)])
    timezone = SelectField(_l("Timezone"), choices=options((name, name) for name in TIMEZONES), default="Asia/Bishkek",
                           validators=[required()], description=_l("Times below are in this timezone."))
    languages = MultiCheckboxField(_l("Languages"), choices=options([("en", "English"), ("ru", "Русский"), ("ky", "Кыргызча")]),
                                   default=["en"])
    min_team_size = IntegerField(_l("Minimum team size"), default=1, validators=[required(), number_range(1, 50)])
    max_team_size = IntegerField(_l("Maximum team size"), default=5, validators=[required(), number_range(1, 50)])
    is_published = BooleanField(_l("Published (visible to everyone)"))
    applications_open_at = LocalDateTimeField(_l("Applications open"), validators=[optional()])
    applications_close_at = LocalDateTimeField(_l("Applications close"), validators=[optional()])
    hacking_starts_at = LocalDateTimeField(_l("Hacking starts"), validators=[optional()])
    submissions_close_at = LocalDateTimeField(_l("Submissions close"), validators=[optional()])
    pitching_starts_at = LocalDateTimeField(_l("Pitching starts"), validators=[optional()])
    results_at = LocalDateTimeField(_l("Results published"), validators=[optional()])
    submit = SubmitField(_l("Save event"))

    def validate_slug(self, field):
        if field.data and not SLUG_PATTERN.match(field.data):
            raise ValidationError(_l("Use lower-case Latin letters, digits and single dashes only."))
        if field.data in RESERVED_SLUGS:
            raise ValidationError(_l("This short name is reserved. Choose another one."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def fill_from(self, event: Event) -> None:
        for name in ("title", "slug", "description", "timezone", "languages", "min_team_size", "max_team_size",
                     "is_published"):
            getattr(self, name).data = getattr(event, name)
        for name, _label in PHASE_FIELDS:
            getattr(self, name).data = to_local(getattr(event, name), event.timezone)

    def event_values(self) -> dict:
        tz = self.timezone.data
        values = {
            "title": self.title.data, "slug": self.slug.data, "description": self.description.data or "",
            "timezone": tz, "languages": self.languages.data, "min_team_size": self.min_team_size.data,
            "max_team_size": self.max_team_size.data, "is_published": bool(self.is_published.data),
        }
        for name, _label in PHASE_FIELDS:
            values[name] = to_utc(getattr(self, name).data, tz)
        return values


class TrackForm(BaseForm):
    name = StringField(_l("Track name"), validators=[required(), length(120)])
    description = TextAreaField(_l("Challenge statement"), validators=[optional(), length(5000)])
    position = IntegerField(_l("Order"), default=0, validators=[optional(), number_range(0, 1000)])
    submit = SubmitField(_l("Save track"))


class InviteForm(BaseForm):
    email = EmailField(_l("Email"), validators=[required(), length(254)])
    role = SelectField(_l("Role"), validators=[required()])
    submit = SubmitField(_l("Send invitation"))

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        from hackathon.events.services import role_label

        self.role.choices = options((role.value, role_label(role)) for role in roles)


class AcceptWithNewAccountForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), length(120)], render_kw={"autocomplete": "name"})
    password = StringField(_l("Password"), validators=[required(), length(256)],
                           render_kw={"type": "password", "autocomplete": "new-password"},
                           description=_l("At least 10 characters. A few unrelated words make a strong password."))
    submit = SubmitField(_l("Create account and accept"))
