"""Team forms: shape only. Rules (names taken, sizes, phases) live in teams.services.

No form has a field for the captain, the member count, the event or a status: posting them does nothing.
"""
from __future__ import annotations

from hackathon.i18n import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField

from hackathon.accounts.forms import KYRGYZSTAN_REGIONS, LANGUAGE_CHOICES
from hackathon.events.models import Event
from hackathon.forms import BaseForm, IntegerField, length, number_range, optional, options, posted_int, required
from hackathon.teams.models import TEAM_NAME_MAX
from hackathon.teams.services import IDEA_MAX, MESSAGE_MAX, BoardFilters, ProposedTeam, clean_skills

BACKGROUND_CHOICES = [("it", _l("IT")), ("non_it", _l("Non-IT"))]


class TeamForm(BaseForm):
    name = StringField(_l("Team name"), validators=[required(), length(TEAM_NAME_MAX)],
                       description=_l("Unique at this event. Any script and emoji are fine."))
    track = SelectField(_l("Track"), validators=[optional()])
    idea = TextAreaField(_l("Your idea in a few lines"), validators=[required(), length(IDEA_MAX)],
                         render_kw={"rows": 4})
    wanted_skills = StringField(_l("Skills you are looking for"), validators=[optional(), length(400)],
                                description=_l("Optional. Separate with commas, e.g. design, law, Python."))
    looking_for_members = BooleanField(_l("We are looking for members (show the team on the board)"),
                                       default=True)
    submit = SubmitField(_l("Create the team"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.track.choices = options([("", _l("Choose a track")), *((str(t.id), t.name) for t in event.tracks)])
        if not event.tracks:
            del self.track

    def fill_from(self, team) -> None:
        self.name.data = team.name
        if "track" in self:
            self.track.data = str(team.track_id) if team.track_id else ""
        self.idea.data = team.idea
        self.wanted_skills.data = ", ".join(team.wanted_skills or [])
        self.looking_for_members.data = team.looking_for_members

    def team_values(self) -> dict:
        track = self.track.data if "track" in self else ""
        return {
            "name": self.name.data, "track_id": int(track) if track else None, "idea": self.idea.data or "",
            "wanted_skills": clean_skills(self.wanted_skills.data), "looking_for_members": bool(
                self.looking_for_members.data),
        }


class EditTeamForm(TeamForm):
    submit = SubmitField(_l("Save the team"))


class InviteByEmailForm(BaseForm):
    email = EmailField(_l("Email of the person to invite"), validators=[required(), length(254)],
                       render_kw={"autocomplete": "off"})
    message = TextAreaField(_l("Message (optional)"), validators=[optional(), length(MESSAGE_MAX)],
                            render_kw={"rows": 2})
    submit = SubmitField(_l("Send the invitation"))


class AnswerForm(BaseForm):
    """Accept or decline, with two buttons in one form."""

    accept = SubmitField(_l("Accept and join"))
    decline = SubmitField(_l("Decline"))


class BoardFilterForm(BaseForm):
    """GET filters; no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    show = SelectField(_l("Show"), validators=[optional()], default="all", choices=options([
        ("all", _l("People and teams")), ("people", _l("People looking for a team")),
        ("teams", _l("Teams looking for members"))]))
    skill = StringField(_l("Skill"), validators=[optional(), length(40)])
    background = SelectField(_l("Background"), validators=[optional()],
                             choices=options([("", _l("Any")), *BACKGROUND_CHOICES]))
    region = SelectField(_l("Region"), validators=[optional()], choices=options([("", _l("Any")),
                                                                                   *KYRGYZSTAN_REGIONS]))
    language = SelectField(_l("Language"), validators=[optional()],
                           choices=options([("", _l("Any")), *LANGUAGE_CHOICES]))
    page = IntegerField(_l("Page"), validators=[optional(), number_range(1, 10000)])
    submit = SubmitField(_l("Filter"))

    def filters(self) -> BoardFilters:
        """The filters to apply; an invalid value counts as no filter (the field shows its error)."""

        def good(field, default=""):
            return field.data if field.data and not field.errors else default

        return BoardFilters(skill=good(self.skill), background=good(self.background), region=good(self.region),
                            language=good(self.language), show=good(self.show, "all"), page=good(self.page, 1))


def formation_form(team_count: int, people: list, names: list[str], assignment: dict[int, int | None]):
    """The editable proposal: a name per team and, per person, the team number or "leave out".

    `assignment` maps user id -> team number (1-based) or None; it gives the fields' initial values.
    """

    class FormationForm(BaseForm):
        submit = SubmitField(_l("Create these teams"))

    choices = options([("", _l("Leave out")), *((str(n), _l("Team %(number)d", number=n))
                                                 for n in range(1, team_count + 1))])
    for number in range(1, team_count + 1):
        setattr(FormationForm, f"team_{number}_name", StringField(
            _l("Name of team %(number)d", number=number), validators=[optional(), length(TEAM_NAME_MAX)],
            default=names[number - 1]))
    for person in people:
        default = assignment.get(person.user_id)
        setattr(FormationForm, f"person_{person.user_id}", SelectField(
            person.name, choices=choices, validators=[optional()], default=str(default) if default else ""))
    return FormationForm()


def posted_slots(formdata, *, limit: int) -> int | None:
    """How many team slots the posted proposal had (its team name fields), at most `limit`."""
    numbers = [number for number in (posted_int(key[5:-5]) for key in formdata.keys()
                                     if key.startswith("team_") and key.endswith("_name") and len(key) < 20)
               if number is not None]
    return min(max(numbers), max(limit, 1)) if numbers else None


def read_proposal(formdata, slots: int) -> list[ProposedTeam]:
    """The posted proposal as teams of user ids, exactly as posted: a person posted twice, or someone who is no
    longer a candidate, is kept so that the service refuses the proposal with a clear message."""
    members: dict[int, list[int]] = {number: [] for number in range(1, slots + 1)}
    for key in formdata.keys():
        person = posted_int(key[7:]) if key.startswith("person_") else None
        if person is None:
            continue
        for value in formdata.getlist(key):
            if posted_int(value) in members:
                members[posted_int(value)].append(person)
    return [ProposedTeam(name=formdata.get(f"team_{number}_name", ""), user_ids=tuple(user_ids))
            for number, user_ids in members.items()]
