"""Account forms: shape only; the rules (password strength, email validity) live in services."""
from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField

from hackathon.accounts.countries import country_choices
from hackathon.accounts.models import EMAIL_MAX, NAME_MAX
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, required

KYRGYZSTAN_REGIONS = [
    ("bishkek", _l("Bishkek city")), ("osh_city", _l("Osh city")), ("batken", _l("Batken region")),
    ("chuy", _l("Chuy region")), ("issyk_kul", _l("Issyk-Kul region")), ("jalal_abad", _l("Jalal-Abad region")),
    ("naryn", _l("Naryn region")), ("osh", _l("Osh region")), ("talas", _l("Talas region")),
    ("abroad", _l("Outside Kyrgyzstan")),
]
REGION_NAMES = dict(KYRGYZSTAN_REGIONS)

LANGUAGE_CHOICES = [("en", "English"), ("ru", "Русский"), ("ky", "Кыргызча")]


def language_name(code: str) -> str:
    """A language's own name ("Кыргызча" for ky), for labels of per-language fields."""
    return dict(LANGUAGE_CHOICES).get(code, code)


class LoginForm(BaseForm):
    email = StringField(_l("Email"), validators=[required(), length(EMAIL_MAX)],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField(_l("Password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class RegisterForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), length(NAME_MAX)], render_kw={"autocomplete": "name"},
                       description=_l("As you want it shown to organisers and your team."))
    email = EmailField(_l("Email"), validators=[required(), length(EMAIL_MAX)], render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least 10 characters. A few unrelated words make a strong password."))
    submit = SubmitField(_l("Create account"))


class EmailForm(BaseForm):
    email = EmailField(_l("Email"), validators=[required(), length(EMAIL_MAX)], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send the link"))


class NewPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least 10 characters. A few unrelated words make a strong password."))
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), length(256)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[required(), length(256)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("Changing it signs you out everywhere else."))
    submit = SubmitField(_l("Change password"))


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def _optional_bool(value):
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else value


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), length(NAME_MAX)])
    locale = SelectField(_l("Preferred language"), choices=options(LANGUAGE_CHOICES), validators=[required()],
                         description=_l("Pages and mail come in this language."))
    year_of_birth = IntegerField(
        _l("Year of birth"), validators=[optional(), number_range(1900, date.today().year - 10)],
        description=_l("Optional. Organisers use it to check age eligibility and see the age mix."),
    )
    gender = SelectField(
        _l("Gender"), validators=[optional()],
        choices=options([("", _l("Not given")), ("female", _l("Female")), ("male", _l("Male")),
                 ("other", _l("Other")), ("undisclosed", _l("Prefer not to say"))]),
        description=_l("Optional. Only shown to organisers, in aggregate, to keep events inclusive."),
    )
    region = SelectField(_l("Region"), validators=[optional()], choices=options([("", _l("Not given")), *KYRGYZSTAN_REGIONS]),
                         description=_l("Optional. Helps organisers reach every region."))
    country = SelectField(_l("Country of residence"), validators=[optional()],
                          description=_l("Optional. Shows organisers how many people join from abroad."))
    background = SelectField(
        _l("Background"), validators=[optional()],
        choices=options([("", _l("Not given")), ("it", _l("IT (software, data, design)")), ("non_it", _l("Non-IT"))]),
        description=_l("Optional. Teams mix IT and non-IT people on purpose."),
    )
    skills = StringField(_l("Skills"), validators=[optional(), length(400)],
                         description=_l("Optional. Separate with commas, e.g. Python, design, public health."))
    organisation = StringField(_l("Organisation"), validators=[optional(), length(120)],
                               description=_l("Optional. Used to avoid conflicts of interest in judging."))
    first_hackathon = SelectField(_l("Is this your first hackathon?"), validators=[optional()],
                                  choices=options([("", _l("Not given")), ("yes", _l("Yes")), ("no", _l("No"))]))
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("Not given")), *country_choices(get_locale())])

    def skills_list(self) -> list[str]:
        seen: dict[str, str] = {}
        for raw in (self.skills.data or "").split(","):
            tag = " ".join(raw.split())[:40]
            if tag and tag.lower() not in seen:
                seen[tag.lower()] = tag
        return list(seen.values())[:20]

    def profile_values(self) -> dict:
        return {
            "name": self.name.data,
            "locale": self.locale.data,
            "year_of_birth": self.year_of_birth.data,
            "gender": self.gender.data or None,
            "region": self.region.data or None,
            "country": self.country.data or None,
            "background": self.background.data or None,
            "skills": self.skills_list(),
            "organisation": self.organisation.data or None,
            "first_hackathon": _optional_bool(self.first_hackathon.data),
        }


class ApiTokenForm(BaseForm):
    name = StringField(_l("Token name"), validators=[required(), length(80)],
                       description=_l("What the token is for, e.g. 'results export script'."))
    scope = SelectField(_l("Scope"), choices=options([
        ("read", _l("Read only")),
        ("write", _l("Read and write (import applicants, decide applications in bulk)"))]), default="read")
    submit = SubmitField(_l("Create token"))


class LanguageForm(BaseForm):
    language = SelectField(_l("Language"), choices=options(LANGUAGE_CHOICES), validators=[required()])
    next = StringField(validators=[optional(), length(2000)])
    submit = SubmitField(_l("Change"))
