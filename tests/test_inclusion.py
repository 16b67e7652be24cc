"""The inclusion dashboard and GET /api/v1/events/<slug>/stats: numbers, labels, charts, access, query counts."""
from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event as sa_event

from hackathon.accounts.models import Background, Gender
from hackathon.accounts.services import create_api_token
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.events.models import EventRole, Role
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamMember, team_name_key

PAGE = "/events/{slug}/inclusion"
API = "/api/v1/events/{slug}/stats"
ACCEPTED = (ApplicationStatus.accepted, ApplicationStatus.confirmed)


# --- building applications directly (the services are another engineer's; the invariants are the same) -------

def add_team(event, name: str, members: list, status: ApplicationStatus) -> Team:
    team = Team(event_id=event.id, name=name, name_key=team_name_key(name), join_code=secrets.token_urlsafe(9),
                captain_id=members[0].id, member_count=len(members))
    db.session.add(team)
    db.session.flush()
    for member in members:
        db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=member.id))
        if status in ACCEPTED:
            db.session.add(EventRole(event_id=event.id, user_id=member.id, role=Role.participant))
    db.session.add(Application(event_id=event.id, kind=ApplicationKind.team, user_id=members[0].id, team_id=team.id,
                               status=status))
    db.session.commit()
    return team


def add_individual(event, user, status: ApplicationStatus) -> Application:
    application = Application(event_id=event.id, kind=ApplicationKind.individual, user_id=user.id,
                              individual_user_id=user.id, status=status)
    db.session.add(application)
    if status in ACCEPTED:
        db.session.add(EventRole(event_id=event.id, user_id=user.id, role=Role.participant))
    db.session.commit()
    return application


@pytest.fixture
def counting(app):
    @contextmanager
    def counting():
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.fixture
def civic(make_event):
    """An event whose hacking starts in 2021: ages are counted in 2021."""
    return make_event(slug="civic-2021", hacking_starts_at=datetime(2021, 7, 2, 4, tzinfo=timezone.utc))


@pytest.fixture
def organiser(make_user, grant, civic):
    user = make_user("organiser@example.org", locale="en")
    grant(user, civic, Role.organiser)
    return user


@pytest.fixture
def applicants(make_user, civic):
    """A confirmed team of three (one merged individual), a rejected team of two, individuals in every state."""
    p = {
        "aigerim": make_user(name="Айгерим", year_of_birth=2003, gender=Gender.female, region="bishkek", country="KG",
                             background=Background.it, first_hackathon=True, locale="ky"),
        "bakyt": make_user(name="Bakyt", year_of_birth=1990, gender=Gender.male, region="osh", country="KG",
                           background=Background.non_it, first_hackathon=False, locale="ru"),
        "merged": make_user(name="No profile"),  # everything left empty: "Not given"
        "elena": make_user(name="Elena", year_of_birth=1979, gender=Gender.female, region="abroad", country="DE",
                           background=Background.it, first_hackathon=False, locale="en"),
        "nurlan": make_user(name="Nurlan", year_of_birth=2000, gender=Gender.male, region="naryn", country="KG",
                            background=Background.non_it, first_hackathon=True, locale="ky"),
        "talas": make_user(name="Talant", year_of_birth=1959, gender=Gender.undisclosed, region="talas",
                           country=None, background=Background.non_it, first_hackathon=True, locale="ru"),
        "draft": make_user(name="Drafty", year_of_birth=1990, region="batken", country="KG"),
        "withdrawn": make_user(name="Gone", year_of_birth=1990, region="batken", country="KG"),
        "draft_team": make_user(name="Captain of a draft", year_of_birth=1990, region="chuy", country="KG"),
    }
    add_team(civic, "Taza Suu", [p["aigerim"], p["bakyt"], p["merged"]], ApplicationStatus.confirmed)
    add_individual(civic, p["merged"], ApplicationStatus.merged)
    add_team(civic, "Мекен Bridge", [p["elena"], p["nurlan"]], ApplicationStatus.rejected)
    add_individual(civic, p["talas"], ApplicationStatus.waitlisted)
    add_individual(civic, p["draft"], ApplicationStatus.draft)
    add_individual(civic, p["withdrawn"], ApplicationStatus.withdrawn)
    add_team(civic, "Draft team", [p["draft_team"]], ApplicationStatus.draft)
    return p


def text_of(html: str) -> str:
    """The page as text: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table_rows(html: str, section_id: str) -> list[list[str]]:
    """The cells of the table in a section, row by row (header rows excluded)."""
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def chart_values(html: str, section_id: str) -> list[str]:
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    svg = section.split("<svg", 1)[1].split("</svg>", 1)[0]
    return re.findall(r'<text class="chart-value"[^>]*>([^<]*)</text>', svg)


# --- the page -------------------------------------------------------------------------------------------------

def test_organiser_sees_the_funnel(client, login, organiser, applicants, civic):
    login(client, organiser)
    response = client.get(PAGE.format(slug=civic.slug))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Applied: 3 in the confirmed team (the merged one once), 2 in the rejected team, 1 waitlisted individual;
    # applications: 2 teams + 1 individual; drafts, the withdrawn and the merged application are left out.
    assert table_rows(html, "funnel") == [
        ["Applied", "6", "–", "3", "–", "1", "2", "–"],
        ["Accepted", "3", "50%", "1", "33%", "0", "1", "50%"],
        ["Confirmed", "3", "100%", "1", "100%", "0", "1", "100%"],
    ]
    text = text_of(html)
    assert "People who applied 6" in text
    for explanation in ("Drafts and withdrawn applications are not counted",
                        "Drafts, never submitted: 2", "Withdrawn by the applicants: 1",
                        "Individual applications merged into a team (counted through the team): 1"):
        assert explanation in text, explanation


def test_breakdowns_with_labels_and_not_given(client, login, organiser, applicants, civic):
    login(client, organiser)
    html = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    # Columns: value, applied, share of all, accepted, share of previous, confirmed, share of previous.
    assert table_rows(html, "chart-age-band-section")[1] == ["18–24", "2", "33%", "1", "50%", "1", "100%"]
    ages = {row[0]: row[1] for row in table_rows(html, "chart-age-band-section")}
    # 2003 and 2000 -> 18-24; 1990 -> 25-34; 1979 -> 35-44 (42); 1959 -> 55+ (62); no year -> Not given.
    assert ages == {"Under 18": "0", "18–24": "2", "25–34": "1", "35–44": "1", "45–54": "0", "55+": "1",
                    "Not given": "1"}
    regions = table_rows(html, "chart-region-section")
    assert [row[0] for row in regions] == [
        "Bishkek city", "Osh city", "Batken region", "Chuy region", "Issyk-Kul region", "Jalal-Abad region",
        "Naryn region", "Osh region", "Talas region", "Outside Kyrgyzstan", "Not given"]
    assert {row[0]: row[1:4] for row in regions}["Bishkek city"] == ["1", "17%", "1"]
    assert {row[0]: row[1] for row in regions}["Batken region"] == "0"  # the draft and the withdrawn don't count
    assert table_rows(html, "chart-country-section") == [
        ["Kyrgyzstan", "3", "50%", "2", "67%", "2", "100%"],
        ["Germany", "1", "17%", "0", "0%", "0", "–"],
        ["Not given", "2", "33%", "1", "50%", "1", "100%"],
    ]
    assert table_rows(html, "chart-diaspora-section") == [
        ["Kyrgyzstan", "4", "67%", "2", "50%", "2", "100%"],  # Talant gave no country, but a home region
        ["Abroad", "1", "17%", "0", "0%", "0", "–"],
        ["Not given", "1", "17%", "1", "100%", "1", "100%"],
    ]
    backgrounds = {row[0]: row[1] for row in table_rows(html, "chart-background-section")}
    assert backgrounds == {"IT (software, data, design)": "2", "Non-IT": "3", "Not given": "1"}
    genders = {row[0]: row[1] for row in table_rows(html, "chart-gender-section")}
    assert genders == {"Female": "2", "Male": "2", "Other": "0", "Prefer not to say": "1", "Not given": "1"}
    first = {row[0]: row[1] for row in table_rows(html, "chart-first-hackathon-section")}
    assert first == {"Yes": "3", "No": "2", "Not given": "1"}
    languages = {row[0]: row[1] for row in table_rows(html, "chart-language-section")}
    assert languages == {"English": "1", "Русский": "2", "Кыргызча": "2", "Not given": "1"}


def test_labels_follow_the_readers_language(client, login, organiser, applicants, civic):
    organiser.locale = "ru"
    db.session.commit()
    login(client, organiser)
    html = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    assert '<html lang="ru">' in html
    countries = [row[0] for row in table_rows(html, "chart-country-section")]
    assert countries == ["Киргизия", "Германия", "Не указано"]  # Babel's territory names
    assert "Таласская область" in [row[0] for row in table_rows(html, "chart-region-section")]


def test_every_chart_is_accessible_and_matches_its_table(client, login, organiser, applicants, civic):
    login(client, organiser)
    response = client.get(PAGE.format(slug=civic.slug))
    html = response.get_data(as_text=True)
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) == 9  # the funnel and eight breakdowns
    for svg in svgs:
        assert 'role="img"' in svg and 'aria-label="' in svg and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
        assert 'aria-describedby="' in svg
    assert html.count("<title id=") == 9 and html.count("<desc id=") == 9
    # The same numbers in the chart and in its table: per row, the count of each stage.
    for section in ("chart-age-band-section", "chart-region-section", "chart-country-section",
                    "chart-background-section", "chart-language-section"):
        rows = table_rows(html, section)
        assert chart_values(html, section) == [cell for row in rows for cell in row[1::2]], section
    funnel = table_rows(html, "funnel")
    assert chart_values(html, "funnel") == [cell for row in funnel for cell in (row[1], row[3], row[6])]
    # The chart's text description carries the numbers for screen readers.
    assert "<desc id=\"chart-funnel-desc\">Applied: People 6, Applications 3, Teams 2;" in html


def test_page_has_no_inline_style_or_script_and_is_light(client, login, organiser, applicants, civic):
    login(client, organiser)
    response = client.get(PAGE.format(slug=civic.slug))
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<style" not in html
    assert "<script" not in html and "javascript:" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert len(response.data) < 60_000


def test_profile_values_are_escaped(client, login, make_user, organiser, civic):
    hostile = make_user(name="x", region="<img src=x onerror=alert(1)>", country="KG", locale="en")
    add_individual(civic, hostile, ApplicationStatus.submitted)
    login(client, organiser)
    html = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_empty_event_shows_zeros_not_errors(client, login, organiser, civic):
    login(client, organiser)
    response = client.get(PAGE.format(slug=civic.slug))
    assert response.status_code == 200
    assert table_rows(response.get_data(as_text=True), "funnel")[0] == ["Applied", "0", "–", "0", "–", "0", "0", "–"]


def test_ages_are_counted_in_the_year_applications_close_without_a_hacking_date(client, login, make_user,
                                                                                   make_event, grant):
    event = make_event(slug="no-hacking-date", hacking_starts_at=None, submissions_close_at=None,
                       pitching_starts_at=None, results_at=None,
                       applications_open_at=datetime(2023, 12, 1, tzinfo=timezone.utc),
                       applications_close_at=datetime(2023, 12, 31, 20, tzinfo=timezone.utc))  # 2024 in Bishkek
    organiser = make_user(locale="en")
    grant(organiser, event, Role.organiser)
    add_individual(event, make_user(year_of_birth=2006), ApplicationStatus.submitted)
    login(client, organiser)
    stats = client.get(API.format(slug=event.slug)).get_json()["stats"]
    assert stats["reference_year"] == 2024
    assert {row["value"]: row["applied"] for row in stats["breakdowns"]["age_band"]}["18-24"] == 1


def test_home_country_is_a_setting(app, client, login, organiser, applicants, civic, monkeypatch):
    monkeypatch.setitem(app.config, "HOME_COUNTRY", "DE")
    login(client, organiser)
    stats = client.get(API.format(slug=civic.slug)).get_json()["stats"]
    assert stats["home_country"] == "DE"
    diaspora = {row["value"]: row["applied"] for row in stats["breakdowns"]["diaspora"]}
    assert diaspora == {"home": 1, "abroad": 4, "unknown": 1}


# --- the API --------------------------------------------------------------------------------------------------

def test_api_gives_the_same_numbers_with_raw_keys(client, login, organiser, applicants, civic):
    login(client, organiser)
    response = client.get(API.format(slug=civic.slug))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    stats = response.get_json()["stats"]
    assert (stats["event"], stats["reference_year"], stats["home_country"]) == ("civic-2021", 2021, "KG")
    assert stats["stages"] == ["applied", "accepted", "confirmed"]
    assert stats["funnel"] == [
        {"stage": "applied", "people": 6, "applications": 3, "individual_applications": 1, "teams": 2,
         "percent_of_previous": {"people": None, "applications": None, "teams": None}},
        {"stage": "accepted", "people": 3, "applications": 1, "individual_applications": 0, "teams": 1,
         "percent_of_previous": {"people": 50, "applications": 33, "teams": 50}},
        {"stage": "confirmed", "people": 3, "applications": 1, "individual_applications": 0, "teams": 1,
         "percent_of_previous": {"people": 100, "applications": 100, "teams": 100}},
    ]
    assert stats["not_counted"] == {"draft": 2, "withdrawn": 1, "merged": 1}
    breakdowns = stats["breakdowns"]
    assert set(breakdowns) == {"age_band", "gender", "region", "country", "diaspora", "background",
                               "first_hackathon", "language"}
    assert breakdowns["country"] == [
        {"value": "KG", "applied": 3, "accepted": 2, "confirmed": 2, "percent_of_applied": 50,
         "percent_of_previous": {"accepted": 67, "confirmed": 100}},
        {"value": "DE", "applied": 1, "accepted": 0, "confirmed": 0, "percent_of_applied": 17,
         "percent_of_previous": {"accepted": 0, "confirmed": None}},
        {"value": "unknown", "applied": 2, "accepted": 1, "confirmed": 1, "percent_of_applied": 33,
         "percent_of_previous": {"accepted": 50, "confirmed": 100}},
    ]
    assert [row["value"] for row in breakdowns["age_band"]] == [
        "under_18", "18-24", "25-34", "35-44", "45-54", "55+", "unknown"]
    assert {row["value"]: row["applied"] for row in breakdowns["region"]}["bishkek"] == 1
    assert {row["value"]: row["applied"] for row in breakdowns["background"]} == {"it": 2, "non_it": 3, "unknown": 1}
    assert {row["value"]: row["applied"] for row in breakdowns["language"]} == {"en": 1, "ru": 2, "ky": 2,
                                                                                  "unknown": 1}


def test_api_works_with_a_token(client, organiser, applicants, civic):
    _, secret = create_api_token(organiser, "stats script")
    response = client.get(API.format(slug=civic.slug), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["stats"]["funnel"][0]["people"] == 6


def test_api_is_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/events/{slug}/stats"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404"}
    assert "InclusionStats" in document["components"]["schemas"]


# --- who may see it ---------------------------------------------------------------------------------------------

VISITORS = ["anonymous", "stranger", "participant", "team captain", "mentor", "juror", "reviewer",
            "other organiser", "organiser", "admin"]
PAGE_STATUS = {"anonymous": 302, "organiser": 200, "admin": 200}
API_STATUS = {"anonymous": 401, "organiser": 200, "admin": 200}


@pytest.fixture
def visitor(make_user, make_event, grant):
    """A signed-in (or not) visitor of each kind, for an event made by `for_event`."""

    def make(kind: str, event):
        if kind == "anonymous":
            return None
        user = make_user(admin=kind == "admin", locale="en")
        other = make_event()
        role = {"participant": Role.participant, "mentor": Role.mentor, "juror": Role.juror,
                "reviewer": Role.reviewer, "organiser": Role.organiser}.get(kind)
        if role is not None:
            grant(user, event, role)
        if kind == "team captain":
            add_team(event, f"Team of {user.id}", [user, make_user()], ApplicationStatus.confirmed)
        if kind == "other organiser":
            grant(user, other, Role.organiser)
        return user

    return make


@pytest.mark.parametrize("kind", VISITORS)
def test_who_sees_the_dashboard(client, login, visitor, civic, kind):
    user = visitor(kind, civic)
    if user is not None:
        login(client, user)
    response = client.get(PAGE.format(slug=civic.slug))
    assert response.status_code == PAGE_STATUS.get(kind, 403)
    if kind == "anonymous":
        assert response.location.startswith("/login?next=")
    api = client.get(API.format(slug=civic.slug))
    assert api.status_code == API_STATUS.get(kind, 403)
    assert api.is_json
    if api.status_code != 200:
        assert "stats" not in api.get_json()


@pytest.mark.parametrize("kind", VISITORS)
def test_hidden_event_is_not_found_for_outsiders(client, login, visitor, make_event, kind):
    hidden = make_event(slug="hidden", is_published=False)
    user = visitor(kind, hidden)
    if user is not None:
        login(client, user)
    # Outsiders must not learn that the event exists; people with a role there see it, but not the statistics.
    outsider = kind in ("anonymous", "stranger", "other organiser")
    expected_page = 404 if outsider else PAGE_STATUS.get(kind, 403)
    expected_api = 404 if outsider else API_STATUS.get(kind, 403)
    assert client.get(PAGE.format(slug="hidden")).status_code == expected_page
    assert client.get(API.format(slug="hidden")).status_code == expected_api


def test_unknown_event_is_404(client, login, make_user):
    login(client, make_user(admin=True))
    assert client.get(PAGE.format(slug="nope")).status_code == 404
    assert client.get(API.format(slug="nope")).status_code == 404
    assert client.get(PAGE.format(slug="x" * 300)).status_code == 404


def test_menu_link_for_organisers_only(client, login, organiser, make_user, grant, civic):
    login(client, organiser)
    href = f'href="/events/{civic.slug}/inclusion"'
    assert href in client.get(f"/events/{civic.slug}/").get_data(as_text=True)
    page = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    assert f'{href} aria-current="page"' in page
    mentor = make_user()
    grant(mentor, civic, Role.mentor)
    client.post("/logout")
    login(client, mentor)
    assert href not in client.get(f"/events/{civic.slug}/").get_data(as_text=True)


# --- query counts ------------------------------------------------------------------------------------------------

def _applications(event, make_user, count: int) -> None:
    statuses = [ApplicationStatus.submitted, ApplicationStatus.confirmed, ApplicationStatus.rejected,
                ApplicationStatus.waitlisted, ApplicationStatus.merged, ApplicationStatus.draft]
    for number in range(count):
        status = statuses[number % len(statuses)]
        if number % 2:
            add_team(event, f"Team {number}", [make_user(region="osh"), make_user(country="TR")], status)
        else:
            add_individual(event, make_user(year_of_birth=1990 + number), status)


@pytest.mark.parametrize("path", [PAGE, API])
def test_query_count_does_not_grow_with_applications(client, login, make_user, make_event, grant, counting, path):
    counts = []
    for size in (3, 30):
        event = make_event()
        organiser = make_user()
        grant(organiser, event, Role.organiser)
        _applications(event, make_user, size)
        login(client, organiser)
        with counting() as statements:
            response = client.get(path.format(slug=event.slug))
        assert response.status_code == 200
        counts.append(len(statements))
        client.post("/logout")
    assert counts[0] == counts[1], counts
