"""The inclusion dashboard and GET /api/v1/events/<slug>/stats: numbers, labels, charts, access, query counts."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

import pytest

from hackathon.accounts.models import Background, Gender
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus, InclusionSettings
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.events.models import EventRole, Role
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamMember, team_name_key
from tests.queries import recorded_statements

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
    return recorded_statements


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
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


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
    # applications: 2 teams + 1 individual; drafts, the withdrawn draft and the merged application are left out.
    # Columns: stage, people, %, teams, %, applications, %, individual applications.
    assert table_rows(html, "funnel") == [
        ["Applied", "6", "–", "2", "–", "3", "–", "1"],
        ["Accepted", "3", "50%", "1", "50%", "1", "33%", "0"],
        ["Confirmed", "3", "100%", "1", "100%", "1", "100%", "0"],
        ["In a team", "3", "100%", "1", "100%", "–", "–", "–"],
        ["Mentored", "Not in use: No mentor is assigned to a team at this event, so the next stage follows on "
                     "from the one before."],
        ["Submitted a project", "0", "0%", "0", "0%", "–", "–", "–"],
        ["Shortlisted", "Not in use: No shortlist is published yet."],
        ["Pitched in the final", "Not in use: The results are not published and no pitch of a published "
                                  "schedule has started yet."],
        ["Awarded", "Not in use: No published results with a winner yet."],
    ]
    text = text_of(html)
    assert "People who applied 6" in text
    for explanation in ("Drafts are not counted", "rejected and withdrawn people stay in the stages they reached",
                        "Drafts, never submitted: 2", "Withdrawn before being submitted: 1",
                        "Individual applications merged into a team (counted through the team): 1",
                        "Mentored (not in use)"):
        assert explanation in text, explanation


def test_breakdowns_with_labels_and_not_given(client, login, organiser, applicants, civic):
    login(client, organiser)
    html = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    # Columns: value, then count and % for each stage in use: applied (share of all), accepted, confirmed,
    # in a team, submitted (each the conversion from the stage before).
    assert table_rows(html, "chart-age-band-section")[1] == ["18–24", "2", "33%", "1", "50%", "1", "100%", "1",
                                                             "100%", "0", "0%"]
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
    assert [row[:7] for row in table_rows(html, "chart-country-section")] == [
        ["Kyrgyzstan", "3", "50%", "2", "67%", "2", "100%"],
        ["Germany", "1", "17%", "0", "0%", "0", "–"],
        ["Not given", "2", "33%", "1", "50%", "1", "100%"],
    ]
    assert [row[:7] for row in table_rows(html, "chart-diaspora-section")] == [
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
    # The notes: non-IT people and first-timers were accepted at half the others' rate (1 of 3 against 2 of 3).
    text = text_of(html)
    assert ("Background, Non-IT: 1 of 3 (33%) went from “Applied” to “Accepted”, against 2 of 3 (67%) of everyone "
            "else: 50% of their rate. Small numbers: read with care") in text


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
    # The same numbers in the chart and in its table: per row, the count of applied, confirmed and submitted (the
    # last stage in use), columns 1, 5 and 9.
    for section in ("chart-age-band-section", "chart-region-section", "chart-country-section",
                    "chart-background-section", "chart-language-section"):
        rows = table_rows(html, section)
        assert chart_values(html, section) == [row[column] for row in rows for column in (1, 5, 9)], section
    funnel = [row for row in table_rows(html, "funnel") if len(row) > 2]  # the stages in use
    assert chart_values(html, "funnel") == [cell for row in funnel for cell in (row[1], row[3])]
    # The chart's text description carries the numbers for screen readers.
    assert "<desc id=\"chart-funnel-desc\">Applied: People 6, Teams 2;" in html


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
    assert table_rows(response.get_data(as_text=True), "funnel")[0] == ["Applied", "0", "–", "0", "–", "0", "–", "0"]


def test_ages_are_counted_in_the_year_applications_close_without_a_hacking_date(client, login, make_user,
                                                                                   make_event, grant):
    event = make_event(slug="no-hacking-date", hacking_starts_at=None, submissions_close_at=None,
                       pitching_starts_at=None, results_at=None,
                       applications_open_at=datetime(2023, 12, 1, tzinfo=timezone.utc),
                       applications_close_at=datetime(2023, 12, 31, 20, tzinfo=timezone.utc))  # 2024 in Bishkek
    organiser = make_user(locale="en")
    grant(organiser, event, Role.organiser)
    add_individual(event, make_user(year_of_birth=2006), ApplicationStatus.submitted)
    funnel = load_funnel(event)
    assert funnel.year == 2024
    assert {row.value: row.counts["applied"] for row in funnel.breakdowns["age_band"]}["18-24"] == 1


def test_home_country_is_a_setting(app, client, login, organiser, applicants, civic, monkeypatch):
    monkeypatch.setitem(app.config, "HOME_COUNTRY", "DE")
    funnel = load_funnel(civic)
    assert funnel.home_country == "DE"
    diaspora = {row.value: row.counts["applied"] for row in funnel.breakdowns["diaspora"]}
    assert diaspora == {"home": 1, "abroad": 4, "unknown": 1}


# --- the API: its shape is tested in tests/test_api_stats*.py; who may read it and its query count below ------

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


# --- settings ----------------------------------------------------------------------------------------------------

SETTINGS = "/events/{slug}/inclusion/settings"


def test_settings_start_from_the_defaults(client, login, organiser, civic):
    login(client, organiser)
    html = client.get(SETTINGS.format(slug=civic.slug)).get_data(as_text=True)
    assert 'value="18-24, 25-34, 35-44, 45-54, 55+"' in html
    assert 'name="suppression_threshold"' in html and 'value="5"' in html
    assert 'for="age_bands"' in html and 'for="report_shared"' in html
    assert InclusionSettings.query.count() == 0  # reading the page saves nothing


def test_saving_the_settings_changes_the_bands_everywhere(client, login, organiser, applicants, civic):
    login(client, organiser)
    response = client.post(SETTINGS.format(slug=civic.slug), data={
        "age_bands": " 16–29; 30-49 , 50+ ", "suppression_threshold": "7", "report_shared": "y"})
    assert response.status_code == 302
    settings = InclusionSettings.query.one()
    assert (settings.age_bands, settings.suppression_threshold, settings.report_shared) == (
        [[16, 29], [30, 49], [50, None]], 7, True)
    entry = AuditEntry.query.filter_by(action="inclusion_settings.update").one()
    assert entry.after == {"age_bands": "16-29, 30-49, 50+", "suppression_threshold": 7, "report_shared": True}
    html = client.get(PAGE.format(slug=civic.slug)).get_data(as_text=True)
    # 2003 and 2000 -> 16-29 (18 and 21 in 2021); 1990 -> 30-49 (31); 1979 -> 30-49 (42); 1959 -> 50+ (62).
    ages = {row[0]: row[1] for row in table_rows(html, "chart-age-band-section")}
    assert ages == {"Under 16": "0", "16–29": "2", "30–49": "2", "50+": "1", "Not given": "1"}
    # Saved again unchanged: no empty audit entry. Back to the defaults: stored as "follow the defaults".
    client.post(SETTINGS.format(slug=civic.slug), data={
        "age_bands": "16-29, 30-49, 50+", "suppression_threshold": "7", "report_shared": "y"})
    assert AuditEntry.query.filter_by(action="inclusion_settings.update").count() == 1
    client.post(SETTINGS.format(slug=civic.slug), data={
        "age_bands": "18-24, 25-34, 35-44, 45-54, 55+", "suppression_threshold": "5"})
    db.session.expire_all()
    assert (settings.age_bands, settings.report_shared) == (None, False)


@pytest.mark.parametrize("bands, message", [
    ("18-30, 25-40", "The bands 18–30 and 25–40 overlap: each age belongs in one band only."),
    ("18-24, 30-40", "There is a gap between the bands 18–24 and 30–40: every age needs a band."),
    ("30-20", "The band 30–20 ends before it starts."),
    ("18+, 30-40", "Only the last band can be open-ended: 18+ is followed by 30–40."),
    ("18-200", "Ages go from 0 to 120; 200 is outside."),
    ("18 to 24", "“18 to 24” is not an age band: write the bands like 18-24, 25-34, 55+."),
    (" , ;", "Give at least one age band, for example 18-24, 25-34, 55+."),
    ("", "This field is required."),
])
def test_bad_age_bands_are_refused_with_a_message(client, login, organiser, civic, bands, message):
    login(client, organiser)
    response = client.post(SETTINGS.format(slug=civic.slug), data={"age_bands": bands,
                                                                   "suppression_threshold": "5"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert message.replace("“", "&#34;").replace("”", "&#34;") in html or message in html, html[-3000:]
    assert InclusionSettings.query.count() == 0 and AuditEntry.query.count() == 0


def test_age_band_messages_are_translated(client, login, organiser, civic):
    organiser.locale = "ru"
    db.session.commit()
    login(client, organiser)
    html = client.post(SETTINGS.format(slug=civic.slug), data={"age_bands": "18-30, 25-40",
                                                               "suppression_threshold": "5"}).get_data(as_text=True)
    assert "18–30" in html and "overlap" not in html


@pytest.mark.parametrize("threshold", ["1", "51", "many"])
def test_threshold_out_of_range_is_refused(client, login, organiser, civic, threshold):
    login(client, organiser)
    response = client.post(SETTINGS.format(slug=civic.slug), data={"age_bands": "18-24, 25+",
                                                                   "suppression_threshold": threshold})
    assert response.status_code == 200
    assert InclusionSettings.query.count() == 0


def test_settings_need_the_csrf_token(app, client, login, organiser, civic):
    login(client, organiser)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(SETTINGS.format(slug=civic.slug), data={"age_bands": "18-24, 25+",
                                                                       "suppression_threshold": "5"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (200, 400)
    assert InclusionSettings.query.count() == 0


@pytest.mark.parametrize("kind", VISITORS)
def test_who_may_change_the_settings(client, login, visitor, civic, kind):
    user = visitor(kind, civic)
    if user is not None:
        login(client, user)
    response = client.get(SETTINGS.format(slug=civic.slug))
    assert response.status_code == PAGE_STATUS.get(kind, 403)
    posted = client.post(SETTINGS.format(slug=civic.slug), data={"age_bands": "18-24, 25+",
                                                                 "suppression_threshold": "5"})
    assert posted.status_code == {"anonymous": 302, "organiser": 302, "admin": 302}.get(kind, 403)
    assert InclusionSettings.query.count() == (1 if kind in ("organiser", "admin") else 0)


def test_the_review_queue_filters_by_the_events_bands(client, login, organiser, make_user, civic):
    from hackathon.applications.inclusion import reference_year, save_inclusion_settings

    save_inclusion_settings(organiser, civic, age_bands="16-29, 30+", suppression_threshold=5, report_shared=False)
    year = reference_year(civic, utcnow())  # ages are counted in the event's year
    young = make_user(name="Young Applicant", year_of_birth=year - 20)
    older = make_user(name="Older Applicant", year_of_birth=year - 40)
    for user in (young, older):
        add_individual(civic, user, ApplicationStatus.submitted)
    login(client, organiser)
    page = client.get(f"/events/{civic.slug}/review?age=16-29").get_data(as_text=True)
    assert '<option selected value="16-29">16–29</option>' in page or 'value="16-29" selected' in page \
        or ('value="16-29"' in page and "16–29" in page)
    assert "Young Applicant" in page and "Older Applicant" not in page
    page = client.get(f"/events/{civic.slug}/review?age=30%2B").get_data(as_text=True)
    assert "Older Applicant" in page and "Young Applicant" not in page
    assert 'value="35-44"' not in page  # the default bands are gone


# --- accepted_at ---------------------------------------------------------------------------------------------------

def test_acceptance_is_remembered_through_a_withdrawal(client, login, organiser, make_user, civic):
    from tests.factories import decide

    user = make_user(year_of_birth=1990)
    application = add_individual(civic, user, ApplicationStatus.submitted)
    decide(organiser, civic, [application], "accept")
    assert application.accepted_at is not None
    application.status = ApplicationStatus.withdrawn
    application.submitted_at = utcnow()
    db.session.commit()
    funnel = load_funnel(civic)
    assert (funnel.total("applied").people, funnel.total("accepted").people) == (1, 1)
    application.status = ApplicationStatus.submitted
    db.session.commit()
    decide(organiser, civic, [application], "accept")
    decide(organiser, civic, [application], "reject")  # the place taken back: no longer accepted
    assert application.accepted_at is None
    assert load_funnel(civic).total("accepted").people == 0


def test_a_rate_that_rounds_to_0_or_100_says_it_is_not():
    from hackathon.applications.inclusion import percent_text

    assert percent_text(0, 1, 212) == "<1%" and percent_text(0, 0, 212) == "0%"
    assert percent_text(100, 199, 200) == ">99%" and percent_text(100, 200, 200) == "100%"
    assert percent_text(50, 1, 2) == "50%" and percent_text(None) == "–" and percent_text(7) == "7%"
