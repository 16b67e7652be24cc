"""Wording and presentation: headings in people's Markdown, bidi overrides in names and titles, counted
messages in every language, the waitlist mail, a manually added juror's reason, the mentor's "My teams" after
the deadline, replayed create forms and the readable audit log."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from hackathon.extensions import db
from hackathon.markdown import render_markdown
from hackathon.submissions.models import Submission
from hackathon.teams.models import Team
from hackathon.text import clean_line, clean_text
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import sign_in, text

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


# --- Markdown: people's headings sit below the page's own ---------------------------------------------------------


def test_headings_in_peoples_markdown_are_demoted_below_the_page_title():
    html = str(render_markdown("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six"))
    assert "<h1>" not in html and "<h2>" not in html
    assert "<h3>One</h3>" in html and "<h4>Two</h4>" in html and "<h5>Three</h5>" in html
    assert "<h6>Four</h6>" in html and "<h6>Six</h6>" in html


def test_peoples_headings_start_right_below_the_page_and_keep_their_order():
    assert str(render_markdown("## Plan\n\n### Step")) == "<h3>Plan</h3>\n<h4>Step</h4>\n"
    assert str(render_markdown("# Plan\n\n### Step", top=2)) == "<h2>Plan</h2>\n<h4>Step</h4>\n"
    assert "<h1>" not in str(render_markdown("# Plan", top=1))  # never as large as a page title


def test_a_heading_in_a_project_description_renders_below_the_page_title(subs, client_for):
    client = client_for(subs.users["participant"])
    response = client.post("/events/hack/submission", data={
        "version": "0", "title": "Taza Suu", "tagline": "Maps", "description": "## Our plan\n\nWells.",
        "track": "", "challenge": "", "repository_url": "", "demo_url": "", "video_url": "", "technologies": ""})
    assert response.status_code == 302
    page = client.get("/events/hack/submission/versions/1").get_data(as_text=True)
    assert "<h3>Our plan</h3>" in page and "<h2>Our plan</h2>" not in page  # below the project's h2 title


# --- bidi overrides and control characters ------------------------------------------------------------------------


def test_the_shared_cleaning_drops_bidi_overrides_and_controls_but_keeps_scripts_and_emoji():
    assert clean_line(f"  Team {RLO}gnp.exe\u2066x\u2069\x00\x1b ") == "Team gnp.exex"
    assert clean_line("Команда\u202a \u202b\u202c\u202d мечты") == "Команда мечты"
    assert clean_line("فريق الأمل 👩\u200d💻") == "فريق الأمل 👩\u200d💻"
    assert clean_text("line one\r\nline\ttwo\u202e\x07") == "line one\r\nline\ttwo"


def test_a_team_name_with_a_bidi_override_is_stored_without_it(client, make_event, make_user):
    make_event("civic")
    sign_in(client, make_user())
    response = client.post("/events/civic/teams/new", data={"name": f"Data {RLO}baL", "idea": "Budgets",
                                                            "wanted_skills": "", "looking_for_members": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(Team.name)) == "Data baL"
    assert RLO not in client.get("/events/civic/team").get_data(as_text=True)


def test_the_team_service_cleans_names_given_outside_a_form(make_event, make_user):
    from hackathon.teams import services

    event = make_event("civic")
    team = services.create_team(make_user(), event, name=f"\u2067Taza{RLO} Suu\u2069", track_id=None, idea="",
                                wanted_skills=[], looking_for_members=False)
    assert team.name == "Taza Suu"


def test_a_project_title_with_a_bidi_override_is_stored_without_it(subs, client_for):
    client = client_for(subs.users["participant"])
    response = client.post("/events/hack/submission", data={
        "version": "0", "title": f"Taza {RLO}uuS", "tagline": f"Clean\u2066 water", "description": "x",
        "track": "", "challenge": "", "repository_url": "", "demo_url": "", "video_url": "", "technologies": ""})
    assert response.status_code == 302
    db.session.expire_all()
    submission = db.session.scalar(select(Submission))
    assert (submission.title, submission.tagline) == ("Taza uuS", "Clean water")


# --- counted messages agree with their number, in every language ------------------------------------------------

AWARDS = ("%(n)d award has no winner yet and will not be shown.",
          "%(n)d awards have no winner yet and will not be shown.")
ASSIGNMENTS = ("%(n)d assignment created; its mentor and team are notified.",
               "%(n)d assignments created; mentors and teams are notified.")


@pytest.mark.parametrize("locale, n, message, expected", [
    ("en", 1, AWARDS, "1 award has no winner yet and will not be shown."),
    ("en", 2, AWARDS, "2 awards have no winner yet and will not be shown."),
    ("ru", 1, AWARDS, "У 1 награды ещё нет победителя, она не будет показана."),
    ("ru", 2, AWARDS, "У 2 наград ещё нет победителя, они не будут показаны."),
    ("ru", 5, AWARDS, "У 5 наград ещё нет победителя, они не будут показаны."),
    ("en", 1, ASSIGNMENTS, "1 assignment created; its mentor and team are notified."),
    ("en", 5, ASSIGNMENTS, "5 assignments created; mentors and teams are notified."),
    ("ru", 1, ASSIGNMENTS, "Создано 1 назначение; менторы и команды уведомлены."),
    ("ru", 2, ASSIGNMENTS, "Создано 2 назначения; менторы и команды уведомлены."),
    ("ru", 5, ASSIGNMENTS, "Создано 5 назначений; менторы и команды уведомлены."),
    ("ru", 21, ASSIGNMENTS, "Создано 21 назначение; менторы и команды уведомлены."),
    ("ky", 1, ASSIGNMENTS, "1 дайындоо түзүлдү; менторлор жана командалар кабардар болду."),
    ("ky", 5, ASSIGNMENTS, "5 дайындоо түзүлдү; менторлор жана командалар кабардар болду."),
])
def test_counted_messages_take_the_form_of_their_number(app, locale, n, message, expected):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale(locale):
        assert ngettext(*message, n, n=n) == expected


@pytest.mark.parametrize("locale, n, expected", [
    ("en", 1, "The event's only team place is taken."),
    ("en", 2, "All 2 team places are taken."),
    ("ru", 2, "Заняты все 2 места для команд."),
    ("ru", 5, "Заняты все 5 мест для команд."),
    ("ru", 21, "Занято все 21 место для команд."),
    ("ky", 30, "Командалар үчүн бардык 30 орун ээленди."),
])
def test_the_places_sentence_of_the_waitlist_mail_counts_in_each_language(app, locale, n, expected):
    from flask_babel import force_locale

    from hackathon.applications.mail_templates import places_taken_text

    with app.test_request_context(), force_locale(locale):
        assert places_taken_text(n) == expected
        assert places_taken_text(None) == ""


@pytest.mark.parametrize("locale, expected", [("en", "Use at most 120 characters."),
                                              ("ru", "Используйте не более 120 символов.")])
def test_a_form_length_limit_is_a_counted_message(client, locale, expected):
    client.post("/language", data={"locale": locale})
    with client.session_transaction() as session:
        session["locale"] = locale
    response = client.post("/register", data={"name": "N" * 500, "email": "ada@example.org",
                                              "password": "a long enough passphrase"})
    assert expected in text(response)


# --- a create form sent again creates nothing more ----------------------------------------------------------------

ONCE = re.compile(r'name="_once" value="([^"]+)"')


def once_value(page: str) -> str:
    match = ONCE.search(page)
    assert match, "the create form carries no one-time field"
    return match.group(1)


def test_the_tracks_form_posted_three_times_with_one_token_makes_one_track(client, make_event, make_user, grant):
    from hackathon.events.models import Role, Track

    event = make_event("civic")
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    sign_in(client, organiser)
    nonce = once_value(client.get("/events/civic/tracks").get_data(as_text=True))
    responses = [client.post("/events/civic/tracks", data={"name": "Clean air", "description": "", "_once": nonce})
                 for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 303, 303]
    assert {r.location for r in responses} == {"/events/civic/tracks"}
    assert db.session.scalar(select(func.count(Track.id))) == 1
    page = text(client.get("/events/civic/tracks"))
    assert "This form was already sent, so it was not sent again" in page
    # A fresh page gives a fresh value: the next track is made.
    nonce = once_value(client.get("/events/civic/tracks").get_data(as_text=True))
    client.post("/events/civic/tracks", data={"name": "Transport", "description": "", "_once": nonce})
    assert db.session.scalar(select(func.count(Track.id))) == 2


def test_a_refused_create_does_not_use_up_its_token(client, make_event, make_user, grant):
    from hackathon.events.models import Role, Track

    event = make_event("civic")
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    sign_in(client, organiser)
    nonce = once_value(client.get("/events/civic/tracks").get_data(as_text=True))
    assert client.post("/events/civic/tracks", data={"name": "", "_once": nonce}).status_code == 200
    assert client.post("/events/civic/tracks", data={"name": "Water", "_once": nonce}).status_code == 302
    assert db.session.scalar(select(func.count(Track.id))) == 1


def test_a_team_created_twice_with_one_token_is_one_team_and_a_clear_redirect(client, make_event, make_user):
    make_event("civic")
    sign_in(client, make_user())
    nonce = once_value(client.get("/events/civic/teams/new").get_data(as_text=True))
    data = {"name": "Data Lab", "idea": "Budgets", "wanted_skills": "", "looking_for_members": "y", "_once": nonce}
    first = client.post("/events/civic/teams/new", data=data)
    second = client.post("/events/civic/teams/new", data=data)
    assert first.status_code == 302 and second.status_code == 303 and second.location == first.location
    assert db.session.scalar(select(func.count(Team.id))) == 1
    assert "already sent" in text(client.get(second.location))


@pytest.mark.parametrize("path, role", [
    ("/events/civic/tracks", "organiser"),
    ("/events/civic/people", "organiser"),
    ("/events/civic/judging", "organiser"),
    ("/events/civic/results/manage", "organiser"),
    ("/events/civic/mentoring", "organiser"),
    ("/events/civic/challenges/new", "organiser"),
    ("/events/civic/form/questions/new", "organiser"),
    ("/events/new", "admin"),
    ("/events/civic/teams/new", "anyone"),
    ("/account/tokens", "anyone"),
])
def test_create_pages_carry_the_one_time_field(client, make_event, make_user, grant, path, role):
    from hackathon.events.models import Role

    event = make_event("civic")
    user = make_user(admin=role == "admin")
    if role == "organiser":
        grant(user, event, Role.organiser)
    sign_in(client, user)
    response = client.get(path)
    assert response.status_code == 200, path
    once_value(response.get_data(as_text=True))


# --- the audit log in words -----------------------------------------------------------------------------------------


def audit_world(subs, *, sheets: int = 1):
    """A round with two criteria and `sheets` submitted-sheet entries by the juror, plus a schedule change."""
    from datetime import datetime
    from decimal import Decimal

    from hackathon.audit import record_audit
    from hackathon.judging.models import JudgingCriterion, JudgingRound

    judging_round = JudgingRound(event_id=subs.event.id, name={"en": "Screening", "ru": "Отбор"})
    db.session.add(judging_round)
    db.session.flush()
    impact = JudgingCriterion(round_id=judging_round.id, position=0, name={"en": "Impact", "ru": "Влияние"},
                              weight=Decimal(1))
    pitch = JudgingCriterion(round_id=judging_round.id, position=1, name={"en": "Pitch", "ru": "Питч"},
                             weight=Decimal(1))
    db.session.add_all([impact, pitch])
    db.session.flush()
    for _ in range(sheets):
        record_audit(actor=subs.users["juror"], action="judging.sheet_submitted", event_id=subs.event.id,
                     before=None, after={"scores": {str(impact.id): 7, str(pitch.id): 9}, "status": "submitted",
                                         "comment_to_team": "Clear map"})
    record_audit(actor=subs.users["organiser"], action="judging.round_saved", event_id=subs.event.id,
                 target=judging_round, before={"closes_at": datetime(2026, 5, 2, 12, 0)},
                 after={"closes_at": datetime(2026, 5, 3, 12, 30)})
    record_audit(actor=subs.users["organiser"], action="track.update", event_id=subs.event.id,
                 target=subs.tracks[0], before={"name": "Water"}, after={"name": "Clean water"})
    db.session.commit()


def publish_world(subs):
    """A results.published entry (winners by award) and a deadline extension, as the services record them."""
    from datetime import datetime

    from hackathon.audit import record_audit
    from hackathon.results.models import Award

    project = db.session.scalar(select(Submission).where(Submission.team_id == subs.team.id))
    if project is None:
        project = Submission(event_id=subs.event.id, team_id=subs.team.id, title="Clean water map")
    first = Award(event_id=subs.event.id, kind="place", place=1, name={"en": "First place", "ru": "Первое место"})
    jury = Award(event_id=subs.event.id, kind="special", name={"en": "Jury prize"})
    db.session.add_all([project, first, jury])
    db.session.flush()
    record_audit(actor=subs.users["organiser"], action="results.published", event_id=subs.event.id,
                 after={"version": 1, "method": "final_round", "weights": {},
                        "winners": {str(first.id): [project.id], str(jury.id): []}, "confirmed_problems": []})
    record_audit(actor=subs.users["organiser"], action="submission.extension_granted", event_id=subs.event.id,
                 after={"team_id": subs.team.id, "team": subs.team.name, "kind": "extension",
                        "until": datetime(2026, 5, 3, 12, 30)}, reason="Power cut")
    db.session.commit()


def words(response) -> str:
    """The page's text without tags, whitespace runs as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def test_the_audit_log_says_what_happened_in_words_and_event_time(subs, client_for):
    audit_world(subs)
    page = words(client_for(subs.users["organiser"]).get("/events/hack/audit"))
    assert "Submitted a score sheet" in page and "judging.sheet_submitted" not in page
    assert "Scores Impact: 7, Pitch: 9" in page and "Comment to the team Clear map" in page and "{" not in page
    # 12:30 UTC is 18:30 in Bishkek (UTC+6); the ISO text never shows.
    assert "Changed a judging round: Screening" in page
    assert "5/3/2026, 6:30 PM (Asia/Bishkek)" in page and "2026-05-03T12:30" not in page
    assert "Changed a track: Water" in page and "Name Water → Clean water" in page


def test_the_audit_log_is_translated(subs, client_for):
    audit_world(subs)
    client = client_for(subs.users["organiser"])
    with client.session_transaction() as session:
        session["locale"] = "ru"
    subs.users["organiser"].locale = "ru"
    db.session.commit()
    page = words(client.get("/events/hack/audit"))
    assert "Отправлен оценочный лист" in page and "Влияние: 7, Питч: 9" in page and "Submitted a score" not in page


def test_the_audit_log_reads_names_in_a_fixed_number_of_queries(subs, client_for):
    from tests.test_challenges import counting_queries

    def queries() -> int:
        client = client_for(subs.users["organiser"])
        client.get("/events/hack/audit")  # the first request of a session reads a little more
        with counting_queries() as statements:
            assert client.get("/events/hack/audit").status_code == 200
        return len(statements)

    audit_world(subs, sheets=2)
    publish_world(subs)
    few = queries()
    audit_world(subs, sheets=40)
    for _ in range(3):
        publish_world(subs)
    assert queries() == few


def test_the_audit_log_names_methods_winners_and_teams_in_words(subs, client_for):
    publish_world(subs)
    page = words(client_for(subs.users["organiser"]).get("/events/hack/audit"))
    assert "Method The final round's ranking" in page and "final_round" not in page
    assert "Winners First place: Clean water map; Jury prize: —" in page and "{" not in page and "[" not in page
    assert page.count("Taza Suu") == 1  # the extension keeps the team's id and name: one "Team" line


def test_the_audit_log_is_a_list_of_entries_that_fits_a_phone(subs, client_for):
    """At 375 px a four-column table pushed the details off-screen: each entry is a block with its fields listed."""
    publish_world(subs)
    html = text(client_for(subs.users["organiser"]).get("/events/hack/audit"))
    assert '<ol class="audit-log">' in html and "<table" not in html
    assert '<dl class="audit-fields">' in html


def test_every_audited_action_has_words():
    import ast
    from pathlib import Path

    from hackathon.audit import ACTION_LABELS

    root = Path(__file__).resolve().parent.parent / "hackathon"
    actions: set[str] = {"submission.reminded", "submission.extension_granted", "submission.unlock_granted"}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "action":
                for value in ast.walk(node.value):
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", value.value):
                        actions.add(value.value)
    assert actions and not sorted(actions - set(ACTION_LABELS))


def test_no_counted_message_is_left_outside_ngettext():
    """A number followed by a plural word ("%(n)d teams") in a plain gettext call reads "1 teams"."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    counted = re.compile(r"%\(\w+\)d\s+(?:[\w–-]+\s+){0,2}?(\w+s|people|criteria)\b")
    ordinals = {"Option %(number)d has no text: write it, or tick “Remove” to remove it.",
                "No pair around place %(n)d is too close to call.",  # a place or a number in a list, not a count
                # "%(last)d is shown": the verb, not a plural noun; the others name thresholds of at least 2
                # after "fewer than" (ru takes the genitive plural there for every number, ky no plural)
                "To protect the people counted, a number of people from 1 to %(last)d is shown as “<%(threshold)d”. "
                "Where such a number could be worked out by subtracting the others from a total, the next smallest "
                "number of the same column is hidden too and shown as “%(mark)s” (it is %(threshold)d or more). A "
                "percentage computed from a hidden number is shown as “…”; teams and applications are shown except "
                "where the number of people is hidden. A 0 is shown. The report holds no names and no email "
                "addresses.",
                "Groups of fewer than %(threshold)d people are shown as “<%(threshold)d” without their mean (“…”); "
                "where one such group could be worked out from the others, the next smallest group of the same "
                "dimension is hidden too and shown as “%(mark)s”. A difference is not shown when everyone else is "
                "fewer than %(threshold)d people.",
                "A note is marked with a caution when the group or the rest has fewer than %(people)d people or "
                "%(projects)d projects."}
    found = []
    for path in (root / "hackathon").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "_l", "gettext")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and counted.search(node.args[0].value) and node.args[0].value not in ordinals):
                found.append(f"{path.name}:{node.lineno}: {node.args[0].value}")
    for path in (root / "templates").rglob("*.*"):
        for message in re.findall(r'(?<![n\w])_\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")):
            if counted.search(message) and message not in ordinals:
                found.append(f"{path.name}: {message}")
    assert not found, found


@pytest.mark.parametrize("locale, wrong", [("ru", "Это устройство"), ("ky", "Бул түзмөк")])
def test_signing_out_another_device_says_that_device_not_this_one(app, locale, wrong):
    """The flash after ending another device's session from the profile: "This device" would be the reader's own."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(locale):
        said = gettext("That device is signed out.")
        assert said != "That device is signed out." and wrong not in said


def test_ticking_jurors_see_the_leaderboard_is_in_the_audit_log(subs, client_for):
    """The round's settings entry recorded only its name, closing time and method: any changed field is in it."""
    from hackathon.audit import AuditEntry
    from hackathon.judging.models import JudgingRound

    judging_round = JudgingRound(event_id=subs.event.id, name={"en": "Screening"})
    db.session.add(judging_round)
    db.session.commit()
    client = client_for(subs.users["organiser"])
    response = client.post(f"/events/hack/judging/{judging_round.id}/settings",
                           data={"name_en": "Screening", "jurors_per_project": "3", "method": "calibrated",
                                 "projects": "submissions", "jurors_see_leaderboard": "y"})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "judging.round_saved"))
    assert entry.before == {"jurors_see_leaderboard": False} and entry.after == {"jurors_see_leaderboard": True}
    page = words(client.get("/events/hack/audit"))
    assert "Jurors see the leaderboard No → Yes" in page


def test_every_changed_final_ranking_setting_is_in_the_audit_log(subs, client_for):
    """Showing jurors' names or ranks in feedback changed nothing in the log: every changed field is recorded."""
    from hackathon.audit import AuditEntry

    client = client_for(subs.users["organiser"])
    response = client.post("/events/hack/results/settings", data={"final_round": "", "show_juror_names": "y",
                                                                   "show_rank_in_feedback": "y"})
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "results.settings_saved"))
    assert entry.after == {"show_juror_names": True, "show_rank_in_feedback": True}
    assert entry.before == {"show_juror_names": False, "show_rank_in_feedback": False}
    page = words(client.get("/events/hack/audit"))
    assert "Juror names shown No → Yes" in page and "Rank shown in feedback No → Yes" in page
    # Saving them again unchanged writes no empty entry.
    client.post("/events/hack/results/settings", data={"final_round": "", "show_juror_names": "y",
                                                       "show_rank_in_feedback": "y"})
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "results.settings_saved")).all()) == 1


@pytest.mark.parametrize("locale", ["en", "ru", "ky"])
@pytest.mark.parametrize("fmt", ["short", "medium", "long"])
def test_every_shown_date_has_a_four_digit_year_and_no_seconds(app, locale, fmt):
    """CLDR's short dates say "1/1/99" for 2099 in English (Kyrgyz too) and its medium times "10:00:00 AM"."""
    from datetime import datetime

    from flask_babel import force_locale

    from hackathon.templating import local_datetime

    with app.test_request_context(), force_locale(locale):
        shown = local_datetime(datetime(2099, 1, 1, 4, 0, 30), "Asia/Bishkek", fmt)
    assert "2099" in shown and "10:00" in shown and "10:00:30" not in shown and "10:00:00" not in shown, shown
