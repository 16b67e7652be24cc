"""Mentor profile form: shape only (the services check tracks, teams, people and ranges)."""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField, ValidationError

from hackathon.events.forms import MultiCheckboxField
from hackathon.forms import BaseForm, IntegerField, length, number_range, options, required
from hackathon.mentoring.progress import MAX_MENTORS_PER_TEAM
from hackathon.mentoring.assignment import BIO_MAX, CAPACITY_MAX, CAPACITY_MIN, split_tags


class _Checkboxes(MultiCheckboxField):
    """Checkboxes refusing unknown values with our own message (WTForms' plural one is not formatted here)."""

    def pre_validate(self, form):
        known = {value for value, *_rest in (self.choices or [])}
        if any(value not in known for value in (self.data or [])):
            raise ValidationError(_l("Not a valid choice."))


class MentorProfileForm(BaseForm):
    expertise = StringField(_l("Expertise"), validators=[length(1000)],
                            description=_l("Tags separated by commas, for example: data, web, hardware."))
    tracks = _Checkboxes(_l("Tracks"), coerce=int)
    languages = StringField(_l("Languages"), validators=[length(100)],
                            description=_l("Language codes separated by commas, for example: en, ru, ky."))
    capacity = IntegerField(_l("How many teams you can mentor"),
                            validators=[required(), number_range(CAPACITY_MIN, CAPACITY_MAX)])
    bio = TextAreaField(_l("Short bio"), validators=[length(BIO_MAX)])
    conflict_teams = _Checkboxes(_l("Teams you have a conflict of interest with"), coerce=int)
    conflict_people = TextAreaField(
        _l("People you have a conflict of interest with"), validators=[length(3000)],
        description=_l("Emails of participants of this event, one per line."))
    submit = SubmitField(_l("Save the profile"))

    def set_choices(self, tracks, teams) -> None:
        self.tracks.choices = options((t.id, t.name) for t in tracks)
        self.conflict_teams.choices = options((t.id, t.name) for t in teams)

    def fill_from(self, profile, team_ids, emails) -> None:
        self.expertise.data = ", ".join(profile.expertise or [])
        self.tracks.data = list(profile.track_ids or [])
        self.languages.data = ", ".join(profile.languages or [])
        self.capacity.data = profile.capacity
        self.bio.data = profile.bio
        self.conflict_teams.data = list(team_ids)
        self.conflict_people.data = "\n".join(emails)

    def values(self) -> dict:
        return {"expertise": split_tags(self.expertise.data), "track_ids": list(self.tracks.data or []),
                "languages": split_tags(self.languages.data), "capacity": self.capacity.data,
                "bio": self.bio.data or "", "conflict_team_ids": list(self.conflict_teams.data or []),
                "conflict_emails": split_tags(self.conflict_people.data)}


def _optional_int(value):
    """Select values: "" (the "choose" option) is None; anything else must be a whole number."""
    if value in ("", None):
        return None
    return int(value)


class AssignForm(BaseForm):
    team = SelectField(_l("Team"), coerce=_optional_int, validate_choice=False, validators=[required()])
    mentor = SelectField(_l("Mentor"), coerce=_optional_int, validate_choice=False, validators=[required()])
    override_capacity = BooleanField(_l("Override capacity"))
    submit = SubmitField(_l("Assign"))


class ProposeForm(BaseForm):
    per_team = IntegerField(_l("Mentors per team"), validators=[required(), number_range(1, MAX_MENTORS_PER_TEAM)])
    keep_existing = BooleanField(_l("Keep existing assignments"), default=True)
    submit = SubmitField(_l("Propose"))
