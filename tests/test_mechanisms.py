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
from wtforms import SelectField, StringField

from hackathon.events.models import Role, Track
from hackathon.extensions import db
from hackathon.forms import BaseForm, options
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


# Where markup may be made from text, because the text was escaped or sanitised first (and is tested so).
MARKUP_ALLOWED = {"hackathon/markdown.py", "hackathon/applications/mail_templates.py", "hackathon/i18n.py"}


def test_no_markup_is_made_from_text_outside_the_sanitisers():
    made = sorted({str(path.relative_to(ROOT)) for path in _python_files()
                   if re.search(r"\bMarkup\(", path.read_text(encoding="utf-8"))})
    assert set(made) <= MARKUP_ALLOWED, set(made) - MARKUP_ALLOWED
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
