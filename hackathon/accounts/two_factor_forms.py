"""Two-factor forms: shape only (the codes are checked in accounts.two_factor_services)."""
from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField, SubmitField

from hackathon.forms import BaseForm, length, required
from hackathon.i18n import lazy_gettext as _l

# A six-digit code, or a recovery code typed with its dashes and perhaps spaces.
CODE_MAX = 32


def _code_field(label, description=None, *, recovery: bool = False):
    return StringField(label, validators=[required(), length(CODE_MAX)], description=description,
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false",
                                  **({} if recovery else {"inputmode": "numeric"})})


class ConfirmTwoFactorForm(BaseForm):
    code = _code_field(_l("Code from the app"), _l("The six digits your authenticator app shows now."))
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class TwoFactorLoginForm(BaseForm):
    code = _code_field(_l("Code"), _l("The six digits your authenticator app shows, or one of your recovery "
                                      "codes (xxxx-xxxx-xxxx) if you do not have your phone."), recovery=True)
    submit = SubmitField(_l("Sign in"))


class DisableTwoFactorForm(BaseForm):
    password = PasswordField(_l("Password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "current-password"})
    code = _code_field(_l("Code"), _l("From your authenticator app, or a recovery code."), recovery=True)
    submit = SubmitField(_l("Turn off two-factor sign-in"))


class NewRecoveryCodesForm(BaseForm):
    code = _code_field(_l("Code from the app"), _l("New codes replace the old ones, used or not."))
    submit = SubmitField(_l("Make new recovery codes"))


class EventTwoFactorForm(BaseForm):
    require_two_factor = BooleanField(_l("Organisers of this event must use two-factor sign-in"))
    submit = SubmitField(_l("Save"))
