"""The inclusion settings form: shape only; the bands' rules are checked by the service (stats.parse_age_bands)."""
from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField

from hackathon.applications.inclusion import SUPPRESSION_MAX, SUPPRESSION_MIN, age_bands_text
from hackathon.applications.models import InclusionSettings
from hackathon.forms import BaseForm, IntegerField, length, number_range, required
from hackathon.i18n import lazy_gettext as _l

AGE_BANDS_MAX = 200


class InclusionSettingsForm(BaseForm):
    age_bands = StringField(
        _l("Age bands"), validators=[required(), length(AGE_BANDS_MAX)],
        description=_l("Ages counted in the year of the event, separated by commas, for example 18-24, 25-34, "
                       "35-44, 45-54, 55+. Each age in one band: in order, without gaps or overlaps; only the last "
                       "may be open-ended (55+). Younger and older people than the bands get a band of their own."))
    suppression_threshold = IntegerField(
        _l("Smallest group shown in the report"), default=5,
        validators=[required(), number_range(SUPPRESSION_MIN, SUPPRESSION_MAX)],
        description=_l("In the report, exports and shared statistics, a cell with fewer people than this is "
                       "hidden so that no one can be recognised. This page always shows exact counts."))
    report_shared = BooleanField(
        _l("Share the report"),
        description=_l("Anyone who can see the event may download the report and read its statistics (with small "
                       "groups hidden). Off: organisers only."))
    submit = SubmitField(_l("Save the settings"))

    def fill_from(self, settings: InclusionSettings) -> None:
        self.age_bands.data = age_bands_text(settings.age_bands)
        self.suppression_threshold.data = settings.suppression_threshold
        self.report_shared.data = bool(settings.report_shared)
