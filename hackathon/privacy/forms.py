"""Privacy forms: shape only (the services check the password and the rules)."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired

from hackathon.forms import BaseForm, IntegerField, length, number_range, required
from hackathon.i18n import lazy_gettext as _l
from hackathon.privacy.models import RETENTION_MONTHS_MAX


class EraseAccountForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "current-password"},
                             description=_l("To make sure it is you."))
    understood = BooleanField(_l("I understand that this cannot be undone"),
                              validators=[DataRequired(_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Delete my account"))


class RetentionForm(BaseForm):
    retention_months = IntegerField(
        _l("Keep applicants' and participants' profile data for (months after the results)"),
        validators=[required(), number_range(1, RETENTION_MONTHS_MAX)],
        description=_l("Shown with the event's consent text. Changing it asks people who consented to accept "
                       "the new terms."))
    submit = SubmitField(_l("Save"))


class ConsentAgainForm(BaseForm):
    accept = BooleanField(_l("I consent to the updated data policies above"),
                          validators=[DataRequired(_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Continue"))
