"""Form pieces shared by every domain: a base form, translated validators, field helpers."""
from __future__ import annotations

import flask_babel
from hackathon.i18n import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms import IntegerField as _IntegerField
from wtforms import validators
from wtforms.fields.choices import SelectChoice

from hackathon.database import MAX_ID, YEAR_MAX, YEAR_MIN
from hackathon.i18n import lazy_ngettext
from hackathon.text import clean_text

# Every validator gets a message of ours, so every message is in our catalogues (WTForms has no Kyrgyz).


class Required:
    """Required after filters ran: a text of only spaces is empty (InputRequired looks at the raw input)."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.process_errors:  # the input could not be read (e.g. "abc" for a number): that message says why
            raise validators.StopValidation()
        data = field.data
        if data is None or (isinstance(data, str) and not data.strip()) or data == []:
            field.errors[:] = []
            raise validators.StopValidation(_l("This field is required."))


def required():
    return Required()


def optional():
    return validators.Optional()


def length(max: int, min: int = 0):
    if min:
        return validators.Length(min=min, max=max, message=lazy_ngettext(
            "Use between %(min)d and %(max)d character.", "Use between %(min)d and %(max)d characters.", max,
            min=min, max=max))
    return validators.Length(max=max, message=lazy_ngettext(
        "Use at most %(max)d character.", "Use at most %(max)d characters.", max, max=max))


def number_range(min: int | None = None, max: int | None = None):
    return validators.NumberRange(min=min, max=max, message=_l("Enter a number between %(min)s and %(max)s."))


def strip(value):
    """Every text a form receives: trimmed, without control characters or bidi overrides (hackathon.text)."""
    return clean_text(value) if isinstance(value, str) else value


class _CatalogueTranslations:
    """WTForms' own messages (e.g. "Not a valid choice.") looked up in our catalogues, which have Kyrgyz."""

    def gettext(self, string):
        return flask_babel.gettext(string)

    def ngettext(self, singular, plural, n):
        # Not flask_babel.ngettext: it would format the string itself and fail on WTForms' %(value)s.
        return flask_babel.get_translations().ngettext(singular, plural, n)


_TRANSLATIONS = _CatalogueTranslations()


def _wtforms_messages():  # pragma: no cover - never called: lists WTForms' field messages for extraction
    _l("Not a valid choice.")
    _l("Invalid Choice: could not coerce.")
    _l("Choices cannot be None.")
    _l("Invalid choice(s): one or more data inputs could not be coerced.")
    flask_babel.ngettext("'%(value)s' is not a valid choice for this field.",
                         "'%(value)s' are not valid choices for this field.", 1)
    _l("Not a valid datetime value.")
    _l("Not a valid date value.")
    _l("Not a valid time value.")
    _l("Not a valid integer value.")
    _l("Not a valid decimal value.")
    _l("Not a valid float value.")
    _l("Invalid input.")


class BaseForm(FlaskForm):
    """Strips surrounding whitespace from text; WTForms' own messages come from our catalogues."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if strip not in filters:
                unbound_field.kwargs["filters"] = [strip, *filters]
            return unbound_field.bind(form=form, **options)


class EmptyForm(BaseForm):
    """A form with only its CSRF token, for buttons that POST (sign out, revoke, accept)."""


class IntegerField(_IntegerField):
    """IntegerField whose type error is ours (translated) and which refuses numbers no database column holds."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
        if raw in ("", None):
            self.data = None
            return
        try:
            value = int(raw)
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None
        if abs(value) > 2**31 - 1:
            self.data = None
            raise ValueError(_l("This number is too large."))
        self.data = value

    def pre_validate(self, form):
        # A value that is not a whole number has its own message; the range or required check after it would only
        # add a second, wrong one ("between 1 and 10" for 7.5).
        if self.process_errors:
            raise validators.StopValidation()


def options(pairs) -> list[SelectChoice]:
    """Choices for select fields from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def posted_int(raw, *, min: int = 1, max: int = MAX_ID) -> int | None:
    """A whole number read by hand from a request (ids in tables of checkboxes, pairs, slots, page numbers):
    ASCII digits within min..max, else None. Not `str.isdigit()` alone: it accepts "²", which int() refuses."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if min <= value <= max else None


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in the event's timezone, between the years 2000 and 2100.

    Every date and time in every form is this field, so a year no one means (0001, 9999) is a message on the
    field, never an OverflowError when it is moved to UTC (`to_utc`) or back."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date and time, like 2026-05-01 09:00.")) from None
        if self.data is not None and not YEAR_MIN <= self.data.year <= YEAR_MAX:
            self.data = None
            raise ValueError(_l("Enter a date between the years %(min)d and %(max)d.", min=YEAR_MIN, max=YEAR_MAX))
