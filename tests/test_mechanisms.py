"""Shared mechanisms: lazy translations are text (never markup), people's text planted in labels and choices is
escaped on every page that builds them, ids outside INTEGER are 404 on every route, datetime fields refuse years
no one means."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import refresh
from markupsafe import Markup, escape
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter
from wtforms import SelectField, StringField

from hackathon import IdConverter
from hackathon.events.models import Role, Track
from hackathon.extensions import db
from hackathon.forms import BaseForm, LocalDateTimeField, options
from hackathon.i18n import LazyText, lazy_gettext
from hackathon.judging.models import JudgingRound
from hackathon.mentoring.models import MentorProfile, RubricCriterion
from tests.test_challenges import add_team, assign, client_for, hacking_times  # noqa: F401  (client_for: fixture)

ROOT = Path(__file__).resolve().parent.parent
BOLD = '<b id="x">x</b>'
IMG = "<img src=x onerror=alert(1)>"


def assert_escaped(page: str, marker: str, *, context: str = "") -> None:
    """The marker is on the page as text (escaped), never as markup."""
    assert marker not in page, f"{marker!r} is raw on the page"
    assert str(escape(marker)) in page, f"{marker!r} ({context}) is not on the page at all"
    if context:
        assert str(escape(context)) in page, context


# --- the helper ----------------------------------------------------------------------------------------------


def test_a_lazy_translation_is_text_with_its_values_escaped(app):
    label = lazy_gettext("Weight of %(round)s", round=BOLD)
    with app.test_request_context():
        assert isinstance(label, LazyText)
        assert str(label) == f"Weight of {BOLD}"  # as text it is exactly what was written
        assert escape(label) == Markup("Weight of &lt;b id=&#34;x&#34;&gt;x&lt;/b&gt;")
        assert render_template_string("{{ label }}", label=label) == str(escape(f"Weight of {BOLD}"))
        # Our own text is escaped as well: "<short-name>" is shown, not swallowed as a tag.
        assert escape(lazy_gettext("at /events/<short-name>/")) == Markup("at /events/&lt;short-name&gt;/")
        # A value that is markup already is escaped too: a label never carries HTML.
        assert escape(lazy_gettext("%(x)s", x=Markup("<i>"))) == Markup("&lt;i&gt;")


def test_a_lazy_translation_is_translated_when_used(app):
    label = lazy_gettext("Weight of %(round)s", round=IMG)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert str(label).startswith("Вес") and IMG in str(label)
        assert IMG not in str(escape(label)) and "&lt;img src=x" in str(escape(label))
    refresh()  # the locale is kept per app context, which the test shares
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(label) == f"Weight of {IMG}"


def test_wtforms_labels_choices_and_descriptions_escape_lazy_text(app):
    class Form(BaseForm):
        weight = StringField(lazy_gettext("Weight of %(round)s", round=BOLD),
                             description=lazy_gettext("Weight of %(round)s", round=IMG))
        source = SelectField(choices=options([("a", lazy_gettext("The published shortlist of %(round)s",
                                                                  round=BOLD))]))

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        html = render_template_string("{{ form.weight.label }}{{ form.weight.description }}{{ form.source() }}",
                                      form=form)
    assert BOLD not in html and IMG not in html
    assert html.count("&lt;b id=") == 2 and "&lt;img src=x" in html


LAZY_NAMES = {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "lazy_npgettext"}


def _python_files():
    return sorted(p for p in (ROOT / "hackathon").rglob("*.py"))


def test_every_lazy_translation_goes_through_the_escaping_helper():
    """flask_babel's lazy strings claim to be markup; only hackathon.i18n may use them (to wrap them)."""
    offenders = []
    for path in _python_files():
        if path == ROOT / "hackathon" / "i18n.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("flask_babel"):
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names
                              if a.name in LAZY_NAMES or a.name == "*"]
            if isinstance(node, ast.Attribute) and node.attr in LAZY_NAMES and ast.unparse(node.value) in (
                    "flask_babel", "babel"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert offenders == [], "import lazy_gettext from hackathon.i18n instead"


# Where markup is made from text that was escaped or sanitised first (and is tested so).
MARKUP_ALLOWED = {"hackathon/markdown.py", "hackathon/applications/mail_templates.py"}


def test_no_markup_is_made_from_text_outside_the_sanitisers():
    """`Markup("<literal %s>") % value` escapes the value; `Markup(text)` trusts it, so only the sanitisers may."""
    trusting = []
    for path in _python_files():
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Markup"
                    and node.args and not (isinstance(node.args[0], ast.Constant)
                                           and isinstance(node.args[0].value, str))):
                trusting.append(f"{name}:{node.lineno}")
    assert {entry.split(":")[0] for entry in trusting} <= MARKUP_ALLOWED, trusting
    trusted = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "templates").rglob("*"))
               if path.is_file() and path.suffix in (".html", ".txt")
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"\|\s*safe\b|autoescape\s+false", line)]
    assert trusted == []


# --- people's text planted where forms build labels and choices ------------------------------------------------


@pytest.fixture
def planted(make_event, make_user, grant):
    """An event in its hacking phase whose rounds, rubric and tracks carry markup in their names."""
    event = make_event("planted", languages=["en"], **hacking_times())
    people = {name: make_user(name=name.title()) for name in ("organiser", "mentor", "participant")}
    grant(people["organiser"], event, Role.organiser)
    grant(people["mentor"], event, Role.mentor)
    db.session.add_all([JudgingRound(event_id=event.id, name={"en": BOLD}, position=1),
                        RubricCriterion(event_id=event.id, name={"en": IMG}, position=1),
                        Track(event_id=event.id, name=BOLD, position=1)])
    db.session.commit()
    team = add_team(event, "Taza Suu", people["participant"])
    assign(event, team, people["mentor"])
    return type("Planted", (), {"event": event, "team": team, **people})


def test_a_round_name_in_the_new_rounds_project_choices_is_escaped(planted, client_for):
    page = client_for(planted.organiser).get("/events/planted/judging")
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True), BOLD)
    assert "The published shortlist of &lt;b id=" in page.get_data(as_text=True)


def test_a_round_name_in_the_results_weights_form_is_escaped(planted, client_for):
    page = client_for(planted.organiser).get("/events/planted/results/manage")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert_escaped(body, BOLD)
    assert "Weight of &lt;b id=" in body


def test_a_rubric_criterion_in_the_mentors_review_form_is_escaped(planted, client_for):
    page = client_for(planted.mentor).get(f"/events/planted/mentoring/teams/{planted.team.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert_escaped(body, IMG)
    assert "&lt;img src=x onerror=alert(1)&gt; (1 to 5)" in body


def test_a_track_name_in_the_mentor_profile_choices_is_escaped(planted, client_for):
    page = client_for(planted.mentor).get("/events/planted/mentor-profile")
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True), BOLD)


def test_question_labels_options_and_help_in_the_application_form_are_escaped(client, make_event, make_user,
                                                                               grant, login):
    from hackathon.applications.models import ApplicationQuestion, QuestionKind

    event = make_event("asks", languages=["en"])
    db.session.add(ApplicationQuestion(event_id=event.id, position=0, kind=QuestionKind("single_choice"),
                                       required=True, label={"en": BOLD}, help_text={"en": IMG},
                                       options=[{"value": "a", "label": {"en": BOLD}}]))
    db.session.commit()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    login(client, make_user())
    assert client.post("/events/asks/apply", data={}).status_code == 302
    page = client.get("/events/asks/application").get_data(as_text=True)
    assert_escaped(page, BOLD)
    assert_escaped(page, IMG)
    client.post("/logout")
    login(client, organiser)
    page = client.get("/events/asks/form").get_data(as_text=True)
    assert_escaped(page, BOLD)


def test_our_own_text_in_a_lazy_description_is_shown(client, make_user, login):
    """The event form's hint names the address /events/<short-name>/; it was swallowed as an unknown tag."""
    login(client, make_user(admin=True))
    page = client.get("/events/new").get_data(as_text=True)
    assert "/events/&lt;short-name&gt;/" in page and "<short-name>" not in page


def test_a_mentor_profile_planted_in_the_proposal_is_escaped(planted, client_for):
    db.session.add(MentorProfile(event_id=planted.event.id, user_id=planted.mentor.id, expertise=[IMG],
                                 track_ids=[], languages=[], capacity=3, bio=""))
    planted.participant.skills = [IMG]
    db.session.commit()
    page = client_for(planted.organiser).post("/events/planted/mentors/propose",
                                              data={"per_team": "1", "keep_existing": ""})
    assert page.status_code == 200
    assert IMG not in page.get_data(as_text=True)


# --- ids outside INTEGER, on every route ------------------------------------------------------------------------

HUGE = 2**31  # one more than PostgreSQL's INTEGER holds


def _id_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, IdConverter) for c in rule._converters.values())]


def _path(app, rule, ids: int) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IdConverter):
            values[name] = ids
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name == "slug":
            values[name] = "big"
        else:
            values[name] = "x"
    return app.url_map.bind("hackathon.test").build(rule.endpoint, values, force_external=False)


def test_every_integer_in_a_route_is_an_id():
    """Route parts that are numbers use the `id` converter (1..2^31-1), so no view sees an id outside INTEGER."""
    from hackathon import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    plain = [rule.rule for rule in app.url_map.iter_rules()
             if any(type(c) in (IntegerConverter, FloatConverter) for c in rule._converters.values())]
    assert plain == [], "use <id:...>"
    assert len(_id_rules(app)) > 60


def test_a_huge_id_is_404_on_every_route_with_an_id(app, make_event, make_user, login):
    """GET and POST alike, on every domain's routes (the award decision overflowed INTEGER on PostgreSQL)."""
    make_event("big", **hacking_times())
    client = app.test_client()
    login(client, make_user(admin=True))
    rules = _id_rules(app)
    domains = set()
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in (HUGE, 99999999999999999999, 0):
                path = _path(app, rule, value)
                response = client.open(path, method=method, data={"reason": "x", "project": "1"})
                assert response.status_code == 404, (method, path)
            domains.add((rule.endpoint.split(".")[0], method))
    assert {("results", "POST"), ("judging", "GET"), ("judging", "POST"), ("submissions", "GET"),
            ("mentoring", "POST"), ("events", "POST"), ("api", "GET")} <= domains
    award = client.post(f"/events/big/results/awards/{HUGE}/decide", data={"project": "1"})
    assert award.status_code == 404


def test_the_largest_id_reaches_the_views_and_is_never_a_500(app, make_event, make_user, login):
    """2^31-1 fits INTEGER: the view looks it up and finds nothing (or refuses the request), on both databases."""
    make_event("big", **hacking_times())
    client = app.test_client()
    login(client, make_user(admin=True))
    for rule in _id_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = _path(app, rule, 2**31 - 1)
            response = client.open(path, method=method, data={"reason": "x", "project": "1"})
            assert response.status_code < 500, (method, path)


# --- dates and times: one field class, sane years ---------------------------------------------------------------


def test_every_date_field_is_the_shared_local_datetime_field():
    offenders = []
    for path in _python_files():
        if path == ROOT / "hackathon" / "forms.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in ("DateTimeLocalField", "DateTimeField", "DateField", "TimeField", "MonthField"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == [], "use hackathon.forms.LocalDateTimeField"


@pytest.mark.parametrize(("raw", "year_error"), [
    ("2026-05-01T09:00", False), ("2000-01-01T00:00", False), ("2100-12-31T23:59", False),
    ("0001-01-01T00:00", True), ("1999-12-31T23:59", True), ("2101-01-01T00:00", True), ("9999-12-31T23:59", True),
])
def test_the_local_datetime_field_refuses_years_no_one_means(app, raw, year_error):
    from werkzeug.datastructures import MultiDict

    class Form(BaseForm):
        at = LocalDateTimeField("At")

    with app.test_request_context():
        form = Form(formdata=MultiDict({"at": raw}), meta={"csrf": False})
        assert form.validate() is not year_error
        if year_error:
            assert form.at.data is None
            assert form.at.errors == ["Enter a date between the years 2000 and 2100."]


def event_form(**overrides) -> dict:
    return {"title": "Far", "slug": "far", "timezone": "Pacific/Kiritimati", "languages": ["en"],
            "min_team_size": "1", "max_team_size": "5", **overrides}


@pytest.mark.parametrize("field", ["applications_open_at", "applications_close_at", "hacking_starts_at",
                                   "submissions_close_at", "pitching_starts_at", "results_at"])
@pytest.mark.parametrize("raw", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_event_form_refuses_years_that_would_overflow(client, make_user, login, field, raw):
    login(client, make_user(admin=True))
    for timezone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11: both ends overflow
        response = client.post("/events/new", data=event_form(timezone=timezone, **{field: raw}))
        assert response.status_code == 200
        assert "Enter a date between the years 2000 and 2100." in response.get_data(as_text=True)
    event = make_event_for_edit(client)
    response = client.post(f"/events/{event}/edit", data=event_form(slug=event, **{field: raw}))
    assert response.status_code == 200
    assert "Enter a date between the years 2000 and 2100." in response.get_data(as_text=True)


def make_event_for_edit(client) -> str:
    response = client.post("/events/new", data=event_form(slug="far-edit", applications_open_at="2026-06-01T09:00"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return "far-edit"


def test_the_event_services_refuse_years_the_forms_would_not_give(app, make_user):
    from datetime import datetime, timezone

    from hackathon.errors import DomainError
    from hackathon.events import services

    admin = make_user(admin=True)
    values = {"slug": "direct", "title": "Direct", "description": "", "timezone": "UTC", "languages": ["en"],
              "min_team_size": 1, "max_team_size": 5, "is_published": False, "applications_close_at": None,
              "hacking_starts_at": None, "submissions_close_at": None, "pitching_starts_at": None,
              "results_at": None, "applications_open_at": datetime(1, 1, 1, tzinfo=timezone.utc)}
    with pytest.raises(DomainError, match="between the years 2000 and 2100"):
        services.create_event(admin, values)


@pytest.mark.parametrize("raw", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_other_date_forms_refuse_those_years_too(app, client, make_event, make_user, login, raw):
    """The judging round, results publishing, milestone and deadline-extension forms: a message, never a 500."""
    event = make_event("dates", timezone="Pacific/Kiritimati", **hacking_times())
    login(client, make_user(admin=True))
    round_form = {"name_en": "Screening", "jurors_per_project": "2", "method": "raw", "projects": "submissions"}
    year_message = "Enter a date between the years 2000 and 2100."
    for path, data, message in [
        ("/events/dates/judging", round_form | {"opens_at": raw}, year_message),
        ("/events/dates/judging", round_form | {"closes_at": raw}, year_message),
        ("/events/dates/results/publish", {"publish_at": raw, "confirm": "y"}, year_message),
        ("/events/dates/mentoring/milestones", {"milestone-title_en": "Demo", "milestone-due_at": raw}, year_message),
    ]:
        response = client.post(path, data=data, follow_redirects=True)
        assert response.status_code < 500, path
        assert message in response.get_data(as_text=True), path
    assert db.session.get(type(event), event.id).results_at.year > 2000


# --- numbers posted by hand: digits that are not ASCII ----------------------------------------------------------

SUPERSCRIPT = "²"  # str.isdigit() says yes, int() says no


def test_a_posted_id_is_ascii_digits_within_integer():
    from hackathon.forms import posted_int

    assert [posted_int(raw) for raw in ("1", " 7 ", "2147483647", "007")] == [1, 7, 2**31 - 1, 7]
    for raw in ("", "0", "-1", "2147483648", "9" * 40, SUPERSCRIPT, "١٢", "1e3", "1.0", None, "+1", "0x10"):
        assert posted_int(raw) is None, raw
    assert posted_int("12", max=10) is None and posted_int("0", min=0) == 0


def test_non_ascii_digits_in_posted_ids_are_refused_never_a_500(app, make_event, make_user, login):
    """Ids and numbers read from posted fields by hand (tables of checkboxes, pairs, slots) went through
    `isdigit()` then `int()`: "²" passes the first and breaks the second."""
    from hackathon.results.models import Award

    event = make_event("big", **hacking_times())
    judging_round = JudgingRound(event_id=event.id, name={"en": "Screening"}, position=1)
    db.session.add(judging_round)
    db.session.flush()
    award = Award(event_id=event.id, kind="special", name={"en": "Prize"})
    db.session.add(award)
    db.session.commit()
    client = app.test_client()
    login(client, make_user(admin=True))
    base, r = "/events/big", judging_round.id
    requests = [
        ("POST", f"{base}/judging/{r}/assignment", {"edited": "1", "pair": f"{SUPERSCRIPT}:1"}),
        ("POST", f"{base}/judging/{r}/assignment", {"edited": "1", "add_juror": SUPERSCRIPT, "add_project": "1"}),
        ("POST", f"{base}/judging/{r}/recuse", {"pair": f"1:{SUPERSCRIPT}", "reason": "x"}),
        ("POST", f"{base}/judging/{r}/shortlist", {"project": SUPERSCRIPT, "size": SUPERSCRIPT, "reason": "x"}),
        ("GET", f"{base}/judging/{r}/shortlist?size={SUPERSCRIPT}", None),
        ("POST", f"{base}/judging/{r}", {"name_en": "Impact", "weight": "1", "scale_min": "1", "scale_max": "10",
                                        "rubric_en": f"{SUPERSCRIPT}: weak"}),
        ("POST", f"{base}/results/awards/{award.id}/decide", {"project": SUPERSCRIPT, "reason": "x"}),
        ("POST", f"{base}/mentors/apply", {"keep_existing": "1", "slot-1-1": SUPERSCRIPT}),
        ("POST", f"{base}/mentors/apply", {"keep_existing": "1", f"slot-{SUPERSCRIPT}-1": "1"}),
        ("POST", f"{base}/mentors/apply", {"keep_existing": "1", f"reason-{SUPERSCRIPT}-1": "track"}),
        ("GET", f"{base}/mentor-profile?mentor={SUPERSCRIPT}", None),
        ("GET", f"{base}/review?page={SUPERSCRIPT}", None),
        ("POST", f"{base}/review", {"application_ids": SUPERSCRIPT, "decision": "accepted"}),
        ("POST", f"{base}/formation", {f"team_{SUPERSCRIPT}_name": "A", "person_1": "1"}),
        ("POST", f"{base}/formation", {"team_1_name": "A", "person_1": SUPERSCRIPT}),
        ("POST", f"{base}/formation", {"team_1_name": "A", f"person_{SUPERSCRIPT}": "1"}),
        ("POST", f"{base}/form/questions/new", {"label_en": "Q", "kind": "choice", f"option_{SUPERSCRIPT}_en": "A"}),
        ("GET", f"{base}/submissions?track={SUPERSCRIPT}", None),
    ]
    failed = [(method, path, data) for method, path, data in requests
              if client.open(path, method=method, data=data).status_code >= 500]
    assert failed == [], "\n".join(map(str, failed))


def test_every_isdigit_is_checked_for_ascii_too():
    """`"²".isdigit()` is True and `int("²")` fails: a digit test on text from outside goes with `isascii()` on
    the same text in the same statement (or through `hackathon.forms.posted_int`)."""

    def unchecked(node) -> list[int]:
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)]
        checked = [ast.unparse(c.func.value) for c in calls if c.func.attr == "isascii"]
        return [c.lineno for c in calls if c.func.attr in ("isdigit", "isnumeric", "isdecimal")
                and not any(ast.unparse(c.func.value).startswith(text) for text in checked)]

    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.If, ast.While)):
                lines = unchecked(node.test)
            elif isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For,
                                                                       ast.With, ast.Try, ast.If, ast.While)):
                lines = unchecked(node)
            else:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert offenders == []
