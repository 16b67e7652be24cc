"""Juror scores by group (issue 12): the pure split with worked numbers, the signed chart, the loader on a
hand-built round, the page (who sees it, bad input, query counts)."""
from __future__ import annotations

import re
import statistics
from datetime import datetime, timezone
from fractions import Fraction

import pytest

from hackathon.accounts.models import Background, Gender
from hackathon.applications import charts
from hackathon.applications import score_split as ss
from hackathon.applications.models import InclusionSettings
from hackathon.events.models import Role
from hackathon.extensions import db
from tests import factories as f
from tests.queries import recorded_statements

PAGE = "/events/{slug}/inclusion/scores"


# --- the pure split -------------------------------------------------------------------------------------------

def P(project_id, z, raw=50.0):
    return ss.ProjectScore(project_id=project_id, z=z, raw=raw)


# Three projects scored −1, 0, +1; their teams: A = two women and a man, B = a woman and a man, C = two men and one
# person who did not say.
SCORES = [P(1, -1.0, 10.0), P(2, 0.0, 40.0), P(3, 1.0, 70.0)]
GENDER = {1: {"female": 2, "male": 1}, 2: {"female": 1, "male": 1}, 3: {"male": 2, "unknown": 1}}


def test_group_means_are_people_weighted_against_the_rest():
    rows = {row.value: row for row in ss.split_dimension({s.project_id: s for s in SCORES}, GENDER,
                                                          known=("female", "male", "other"))}
    # Known values with people in their order ("other" has nobody: not listed), then "unknown", always.
    assert list(rows) == ["female", "male", "unknown"]
    women, men, unknown = rows["female"], rows["male"], rows["unknown"]
    # Women: A twice, B once: (2·(−1) + 1·0) / 3 = −2/3. The rest: A's man, B's man, C's three: (−1 + 0 + 3)/5.
    assert (women.people, women.projects, women.rest_people, women.rest_projects) == (3, 2, 5, 3)
    assert women.mean_z == pytest.approx(-2 / 3)
    assert women.rest_mean_z == pytest.approx(2 / 5)
    assert women.difference == pytest.approx(-2 / 3 - 2 / 5)  # −16/15: more than half a deviation below
    assert women.below and women.small
    assert women.mean_raw == pytest.approx((2 * 10 + 40) / 3)
    assert women.rest_mean_raw == pytest.approx((10 + 40 + 3 * 70) / 5)
    # Men: A, B once, C twice: (−1 + 0 + 2)/4 = 1/4; the rest (A's two women, B's woman, C's unknown): −1/4.
    assert (men.people, men.projects) == (4, 3)
    assert men.mean_z == pytest.approx(0.25) and men.rest_mean_z == pytest.approx(-0.25)
    assert men.difference == pytest.approx(0.5) and not men.below
    # "Not given": one person in C (+1) against the seven others' −1/7: above; and never noted anyway.
    assert (unknown.people, unknown.mean_z) == (1, 1.0)
    assert unknown.rest_mean_z == pytest.approx(-1 / 7)


def test_not_given_is_never_noted_even_far_below():
    rows = ss.split_dimension({1: P(1, -2.0), 2: P(2, 2.0)}, {1: {"unknown": 5}, 2: {"it": 5}})
    unknown = rows[-1]
    assert unknown.value == "unknown" and unknown.difference == pytest.approx(-4.0)
    assert not unknown.below
    assert rows[0].value == "it" and not rows[0].below


@pytest.mark.parametrize(("gap", "noted"), [(-0.5, True), (-0.5 + 1e-12, True), (-0.49, False), (-0.51, True),
                                              (0.6, False)])
def test_the_threshold_is_half_a_standard_deviation(gap, noted):
    # Group: one team of 10 at z = gap; the rest: one team of 10 at 0.
    rows = ss.split_dimension({1: P(1, gap), 2: P(2, 0.0)}, {1: {"non_it": 10}, 2: {"it": 10}})
    non_it = next(row for row in rows if row.value == "non_it")
    assert non_it.difference == pytest.approx(gap)
    assert non_it.below is noted
    assert ss.is_markedly_lower(gap) is noted


def test_caution_below_ten_people_or_three_projects():
    def group(people_each: int, projects: int):
        scores = {p: P(p, -1.0) for p in range(1, projects + 1)} | {p: P(p, 0.0) for p in range(100, 104)}
        counts = {p: {"non_it": people_each} for p in range(1, projects + 1)} | {p: {"it": 5}
                                                                               for p in range(100, 104)}
        return next(row for row in ss.split_dimension(scores, counts) if row.value == "non_it")

    assert not group(4, 3).small       # 12 people in 3 projects, the rest 20 in 4
    assert group(3, 3).small           # 9 people
    assert group(5, 2).small           # 2 projects
    assert group(3, 3).below           # small groups are still noted, with the caution


def test_the_whole_split_notes_counts_and_display_scale():
    counts = {"gender": GENDER, "background": {1: {"it": 3}, 2: {"it": 2}, 3: {"non_it": 3}},
              "language": {}}
    split = ss.score_split(SCORES + [P(4, 0.5)], counts | {"gender": GENDER | {4: {}}},
                           dimensions=("gender", "background", "language"), known={"gender": ("female", "male")},
                           unscored=2, round_mean=50.0, round_sd=10.0)
    # Project 4 has a score but nobody in its team: it weighs nothing and is counted apart.
    assert (split.projects, split.people, split.unscored, split.without_members) == (3, 8, 2, 1)
    # Notes: women (gender), then IT people (background): (3·(−1) + 2·0)/5 = −0.6 against C's three at +1.
    assert [(note.dimension, note.value) for note in split.notes] == [("gender", "female"), ("background", "it")]
    it = split.notes[1]
    assert it.mean_z == pytest.approx(-0.6) and it.rest_mean_z == pytest.approx(1.0)
    assert it.difference == pytest.approx(-1.6) and it.small
    # On the leaderboard's scale: 50 + 10·z; a difference of −1.6 is 16 points.
    assert split.display(it.mean_z) == pytest.approx(44.0)
    assert split.display_difference(it.difference) == pytest.approx(-16.0)
    assert split.display(None) is None
    # A dimension without counts still lists "Not given", with nobody.
    assert [(row.value, row.people, row.mean_z) for row in split.groups["language"]] == [("unknown", 0, None)]


def test_weighted_mean_and_order():
    assert ss.weighted_mean([(2, 1.0), (1, 4.0), (0, 100.0)]) == pytest.approx(2.0)
    assert ss.weighted_mean([(0, 1.0)]) is None
    assert ss.order_values({"b": 3, "a": 3, "c": 5, "unknown": 1, "x": 0}, known=("x", "b")) == \
        ["b", "c", "a", "unknown"]


def test_nothing_scored():
    split = ss.score_split([], {}, dimensions=("gender",), unscored=4)
    assert (split.projects, split.people, split.unscored, split.notes) == (0, 0, 4, [])


# --- the signed chart ------------------------------------------------------------------------------------------

def test_signed_chart_draws_either_side_of_zero():
    chart = charts.signed_bar_chart("c", "Title", ["Women", "Men", "Not given"], [-8.0, 4.0, None],
                                    ["−8.0", "+4.0", "x"], highlighted=[True, False, False], guide=-5.0,
                                    series_names=["Difference", "Markedly lower"])
    zero = charts.WIDTH // 2
    room = zero - charts.SIGNED_VALUE_ROOM
    women, men, unknown = chart.bars
    assert chart.zero_x == zero
    # The largest magnitude (8) takes the whole room on its side; 4 takes half; the bar grows left of zero.
    assert (women.x, women.width) == (zero - room, room) and women.text_anchor == "end"
    assert women.text_x < women.x and women.series == charts.HIGHLIGHT_SERIES
    assert (men.x, men.width) == (zero, room // 2) and men.text_anchor == "start" and men.series == 0
    assert men.text_x > men.x + men.width
    assert (unknown.width, unknown.text) == (0, "–")
    assert chart.guide_x == zero - round(room * 5 / 8)
    assert [series.css_class for series in chart.series] == ["chart-series-0", f"chart-series-{charts.HIGHLIGHT_SERIES}"]
    assert chart.desc == "Women: −8.0; Men: +4.0; Not given: –."
    assert chart.height > unknown.y
    # Bars never overlap and stay inside the view box.
    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= chart.width


def test_signed_chart_scales_to_the_guide_and_refuses_mismatched_lengths():
    chart = charts.signed_bar_chart("c", "T", ["a"], [-1.0], ["−1"], guide=-4.0)
    room = charts.WIDTH // 2 - charts.SIGNED_VALUE_ROOM
    assert chart.bars[0].width == round(room / 4) and chart.guide_x == charts.WIDTH // 2 - room
    assert charts.signed_bar_chart("c", "T", ["a"], [0.0], ["0"]).bars[0].width == 0
    with pytest.raises(ValueError):
        charts.signed_bar_chart("c", "T", ["a", "b"], [1.0], ["1"])


# --- a hand-built round --------------------------------------------------------------------------------------------

@pytest.fixture
def counting(app):
    return recorded_statements


HACKING_2021 = datetime(2021, 7, 2, 4, tzinfo=timezone.utc)


def person(gender=None, *, born=None, background=None, region=None, country=None, first=None, locale="en"):
    return f.create_user(gender=gender, year_of_birth=born, background=background, region=region, country=country,
                         first_hackathon=first, locale=locale)


@pytest.fixture
def judged(app, make_event):
    """Three scored projects (z = −1, 0, +1 for both jurors) and one left out (the only juror assigned declared a
    conflict): the teams of test_group_means_are_people_weighted_against_the_rest, with ages and backgrounds."""
    event = make_event(slug="judged-2021", hacking_starts_at=HACKING_2021)
    organiser = f.create_user("organiser@example.org")
    f.grant(organiser, event, Role.organiser)
    jurors = [f.create_user(), f.create_user()]
    for juror in jurors:
        f.grant(juror, event, Role.juror)
    F, M = Gender.female, Gender.male
    teams = [
        # A: two women (ages 31, 23: IT, non-IT) and a man of 45 from abroad.
        [person(F, born=1990, background=Background.it, region="bishkek", country="KG"),
         person(F, born=1998, background=Background.non_it, region="osh", first=True),
         person(M, born=1976, background=Background.it, country="DE", locale="ru")],
        # B: a woman of 31 and a man of 23.
        [person(F, born=1990, background=Background.non_it, region="naryn", first=False),
         person(M, born=1998, background=Background.it, region="bishkek", first=True, locale="ky")],
        # C: two men (31 and unknown age) and someone who gave nothing at all.
        [person(M, born=1990, background=Background.it, region="bishkek", country="kg"),
         person(M, background=Background.it), person(locale=None)],
        # D: never scored.
        [person(F, born=1990)],
    ]
    submissions = []
    for index, members in enumerate(teams):
        team = f.create_team(event, members[0], *members[1:], name=f"Team {'ABCD'[index]}")
        submissions.append(f.create_submission(team, title=f"Project {'ABCD'[index]}"))
    judging_round = f.create_round(event, organiser, "Screening", criteria=[("Impact", 1, None)])
    a, b, c, d = submissions
    f.assign_juror(judging_round, jurors[0], a, b, c)
    f.assign_juror(judging_round, jurors[1], a, b, c)
    # Juror 1 gives 1, 4, 7 (totals 0, 33.3, 66.7); juror 2 gives 2, 5, 8 (11.1, 44.4, 77.8): z = −1, 0, +1 each.
    for juror, scores in ((jurors[0], (1, 4, 7)), (jurors[1], (2, 5, 8))):
        for submission, score in zip((a, b, c), scores):
            f.create_sheet(judging_round, juror, submission, scores=[score])
    f.create_juror_conflict(event, jurors[0], team=d.team, reason="Cousin")
    f.create_sheet(judging_round, jurors[1], d, scores=[9], status="draft")  # a draft is no score
    return event, organiser, judging_round, submissions


TOTALS = [Fraction(100 * (s - 1), 9) for s in (1, 4, 7, 2, 5, 8)]
ROUND_MEAN = float(statistics.mean(TOTALS))
ROUND_SD = statistics.stdev([float(t) for t in TOTALS])


def test_loader_on_a_hand_built_round(judged):
    from hackathon.applications.score_split_service import load_score_split

    event, _organiser, judging_round, _submissions = judged
    result = load_score_split(event, judging_round)
    split = result.split
    assert (split.projects, split.people, split.unscored, split.without_members) == (3, 8, 1, 0)
    assert result.sheets == 6 and result.method == "calibrated"
    assert split.round_mean == pytest.approx(ROUND_MEAN) and split.round_sd == pytest.approx(ROUND_SD)

    def rows(dimension):
        return {row.value: (row.people, row.projects, row.mean_z) for row in split.groups[dimension]}

    gender = rows("gender")
    assert list(gender) == ["female", "male", "unknown"]
    assert gender["female"][:2] == (3, 2) and gender["female"][2] == pytest.approx(-2 / 3)
    assert gender["male"][:2] == (4, 3) and gender["male"][2] == pytest.approx(0.25)
    assert gender["unknown"] == (1, 1, pytest.approx(1.0))
    # Ages in 2021 in the default bands: 31 (A, B, C) → 25-34: (−1 + 0 + 1)/3 = 0; 23 (A, B) → 18-24: −1/2;
    # 45 (A) → 45-54: −1; no year of birth (two in C) → unknown: +1.
    ages = rows("age_band")
    assert list(ages) == ["18-24", "25-34", "45-54", "unknown"]
    assert ages["18-24"] == (2, 2, pytest.approx(-0.5))
    assert ages["25-34"] == (3, 3, pytest.approx(0.0))
    assert ages["45-54"] == (1, 1, pytest.approx(-1.0))
    assert ages["unknown"] == (2, 1, pytest.approx(1.0))
    # Background: IT = A×2, B, C×2 → (−2 + 0 + 2)/5 = 0; non-IT = A, B → −1/2 against the rest's (0·5 + 1)/6.
    background = rows("background")
    assert background["it"] == (5, 3, pytest.approx(0.0))
    assert background["non_it"] == (2, 2, pytest.approx(-0.5))
    # Home or abroad: country first ("kg" counts as home), else region; the man in Germany is abroad.
    diaspora = rows("diaspora")
    assert diaspora["home"][:2] == (5, 3) and diaspora["abroad"] == (1, 1, pytest.approx(-1.0))
    assert diaspora["unknown"][:2] == (2, 1)
    assert rows("country")["KG"][:2] == (2, 2) and rows("country")["DE"][:2] == (1, 1)
    assert rows("first_hackathon")["yes"][:2] == (2, 2) and rows("first_hackathon")["no"][:2] == (1, 1)
    language = rows("language")
    assert language["en"][:2] == (5, 3) and language["ru"][:2] == (1, 1) and language["ky"][:2] == (1, 1)
    assert language["unknown"][:2] == (1, 1)
    # The notes (at least 0.5 below the rest), in dimension order, the largest gap first:
    # 45-54: −1 against (−2 + 0 + 3)/7 = 1/7; 18-24: −1/2 against (−2 + 0 + 3)/6 = 1/6; women −2/3 against 2/5;
    # Osh −1 against 1/7; Germany −1 against 1/7; abroad −1 against 1/7; at home (A×2, B×2, C×1) −1/5 against
    # (−1 + 2)/3 = 1/3 (−8/15); non-IT −1/2 against 1/6; first hackathon −1/2 against 1/6; Russian −1 against 1/7.
    expected = [("age_band", "45-54", -8 / 7), ("age_band", "18-24", -2 / 3), ("gender", "female", -16 / 15),
                ("region", "osh", -8 / 7), ("country", "DE", -8 / 7), ("diaspora", "abroad", -8 / 7),
                ("diaspora", "home", -8 / 15), ("background", "non_it", -2 / 3), ("first_hackathon", "yes", -2 / 3),
                ("language", "ru", -8 / 7)]
    assert [(note.dimension, note.value) for note in split.notes] == [(d, v) for d, v, _gap in expected]
    for note, (_d, _v, gap) in zip(split.notes, expected):
        assert note.difference == pytest.approx(gap)
    # Not noted: men (+1/2), Bishkek (0), Naryn (0), IT (0), English (0), Kyrgyz (0), 25-34 (0).
    assert all(note.small for note in split.notes)


def test_loader_uses_the_events_age_bands(judged):
    from hackathon.applications.score_split_service import load_score_split

    event, _organiser, judging_round, _submissions = judged
    db.session.add(InclusionSettings(event_id=event.id, age_bands=[[18, 29], [30, None]]))
    db.session.commit()
    ages = {row.value: row.people for row in load_score_split(event, judging_round).split.groups["age_band"]}
    assert ages == {"18-29": 2, "30+": 4, "unknown": 2}


def test_raw_rounds_say_which_score_is_used(client, login, judged):
    event, organiser, judging_round, _submissions = judged
    judging_round.method = "raw"
    db.session.commit()
    login(client, organiser)
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert "ranks projects by the raw mean" in page
    assert "Mean raw score" in page


def test_the_page_shows_the_tables_charts_and_notes(client, login, judged):
    event, organiser, judging_round, _submissions = judged
    login(client, organiser)
    response = client.get(PAGE.format(slug=event.slug))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<svg") == 8 and page.count("<table") == 8
    assert '<label for="round">' in page and f'<option value="{judging_round.id}" selected>' in page
    assert "The calibrated score puts each juror" in page
    # Women: 3 people, 2 projects, mean M + S·(−2/3), difference S·(−16/15) points.
    women = re.search(r'<th scope="row">Female.*?</tr>', page, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", women, re.S)
    assert cells[0] == "3" and cells[1] == "2"
    assert cells[2] == f"{ROUND_MEAN + ROUND_SD * (-2 / 3):.1f}"
    assert cells[3].startswith(f"\u2212{ROUND_SD * 16 / 15:.1f}")
    assert "markedly lower" in women
    assert "Projects left out: no score yet" in page
    assert re.search(r"Projects left out: no score yet</dt><dd>1<", page)
    notes = re.search(r'<section id="notes".*?</section>', page, re.S).group(0)
    assert "Gender, Female" in notes and "Caution: small numbers" in notes
    assert "Gender, Male" not in notes


def test_the_page_in_russian_uses_a_comma(client, login, judged):
    event, organiser, _round, _submissions = judged
    organiser.locale = "ru"
    db.session.commit()
    login(client, organiser)
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert f"{ROUND_MEAN + ROUND_SD * (-2 / 3):.1f}".replace(".", ",") in page


def test_no_rounds_and_rounds_without_sheets(client, login, make_event):
    event = make_event(slug="quiet")
    organiser = f.create_user()
    f.grant(organiser, event, Role.organiser)
    login(client, organiser)
    assert "no judging round yet" in client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    f.create_round(event, organiser, "Screening", criteria=[("Impact", 1, None)])
    page = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert "No project of this round has a submitted sheet yet." in page


@pytest.mark.parametrize(("query", "status"), [
    ("round=abc", 200), ("round=", 200), ("round=-1", 200), ("round=%3Ci%3E", 200),
    ("round=99999999999999999999", 404), ("round=2147483648", 404), ("round=0", 404),
])
def test_bad_round_choices(client, login, judged, query, status):
    event, organiser, _round, _submissions = judged
    login(client, organiser)
    response = client.get(PAGE.format(slug=event.slug) + "?" + query)
    assert response.status_code == status
    if status == 200:
        assert "Screening" in response.get_data(as_text=True)


def test_another_events_round_is_not_found(client, login, judged, make_event):
    event, organiser, judging_round, _submissions = judged
    other = make_event(slug="other")
    f.grant(organiser, other, Role.organiser)
    other_round = f.create_round(other, organiser, "Elsewhere", criteria=[("Impact", 1, None)])
    login(client, organiser)
    assert client.get(PAGE.format(slug=event.slug) + f"?round={other_round.id}").status_code == 404
    assert client.get(PAGE.format(slug=other.slug) + f"?round={judging_round.id}").status_code == 404
    assert client.get(PAGE.format(slug=event.slug) + f"?round={judging_round.id}").status_code == 200


def test_a_round_without_a_leaderboard_says_why(client, login, judged):
    event, organiser, judging_round, _submissions = judged
    for criterion in judging_round.criteria:
        criterion.weight = 0
    db.session.commit()
    login(client, organiser)
    response = client.get(PAGE.format(slug=event.slug))
    assert response.status_code == 200
    assert "add up to zero" in response.get_data(as_text=True)


VISITORS = ("anonymous", "stranger", "applicant", "participant", "mentor", "juror", "reviewer", "team member",
            "other organiser", "organiser", "admin")


@pytest.mark.parametrize("kind", VISITORS)
def test_who_sees_the_page(client, login, judged, make_event, kind):
    event, organiser, _round, submissions = judged
    user = None
    if kind == "organiser":
        user = organiser
    elif kind == "team member":
        user = db.session.get(type(organiser), submissions[0].team.captain_id)
    elif kind != "anonymous":
        user = f.create_user(admin=kind == "admin")
        role = {"participant": Role.participant, "mentor": Role.mentor, "juror": Role.juror,
                "reviewer": Role.reviewer}.get(kind)
        if role is not None:
            f.grant(user, event, role)
        if kind == "applicant":
            f.create_application(event, user)
        if kind == "other organiser":
            f.grant(user, make_event(), Role.organiser)
    if user is not None:
        login(client, user)
    response = client.get(PAGE.format(slug=event.slug))
    expected = {"anonymous": 302, "organiser": 200, "admin": 200}.get(kind, 403)
    assert response.status_code == expected
    if kind == "anonymous":
        assert response.location.startswith("/login?next=")
    if expected != 200:
        assert "Juror scores by group" not in response.get_data(as_text=True)


def test_hidden_event_is_not_found_for_outsiders(client, login, judged):
    event, organiser, _round, _submissions = judged
    event.is_published = False
    db.session.commit()
    assert client.get(PAGE.format(slug=event.slug)).status_code == 404
    login(client, organiser)
    assert client.get(PAGE.format(slug=event.slug)).status_code == 200


def _grow(event, organiser, judging_round, teams: int, jurors: int = 3):
    """`teams` more scored teams of four (two women, two men of various backgrounds) with `jurors` sheets each."""
    panel = [f.create_user() for _ in range(jurors)]
    for juror in panel:
        f.grant(juror, event, Role.juror)
    for index in range(teams):
        members = [person(Gender.female if k < 2 else Gender.male, born=1980 + index % 30 + k,
                          background=Background.it if (index + k) % 2 else Background.non_it, region="chui")
                   for k in range(4)]
        team = f.create_team(event, members[0], *members[1:], name=f"Grown {index}")
        submission = f.create_submission(team, versions=1)
        f.assign_juror(judging_round, panel[index % jurors], submission)
        f.create_sheet(judging_round, panel[index % jurors], submission, scores=[1 + (index * 7) % 10])


def test_query_count_does_not_grow_with_the_round(client, login, judged, counting):
    event, organiser, judging_round, _submissions = judged
    login(client, organiser)

    def queries() -> int:
        with counting() as statements:
            response = client.get(PAGE.format(slug=event.slug))
        assert response.status_code == 200
        return len(statements)

    small = queries()
    _grow(event, organiser, judging_round, 30)
    large = queries()
    assert large == small
    assert small <= 14  # the event, the visitor, settings, rounds, the leaderboard's reads, one UNION ALL


# --- the donors' report ----------------------------------------------------------------------------------------

def _split_of(groups: dict[str, int], z: dict[str, float]) -> ss.ScoreSplit:
    """One project per group, its team all in that group, scored z[group]."""
    names = list(groups)
    scores = [P(index + 1, z[name]) for index, name in enumerate(names)]
    counts = {"background": {index + 1: {name: groups[name]} for index, name in enumerate(names)}}
    return ss.score_split(scores, counts, dimensions=("background",), round_mean=50.0, round_sd=10.0)


def test_publish_hides_small_groups_and_the_next_smallest():
    # it 20, non_it 6, unknown 2: "unknown" (2) is under 5; alone it could be worked out from the total (28 is
    # stated), so the next smallest (non_it, 6) is hidden too.
    split = _split_of({"it": 20, "non_it": 6, "unknown": 2}, {"it": 0.0, "non_it": -1.0, "unknown": 0.5})
    groups, notes = ss.publish(split, 5)
    rows = {group.value: group for group in groups["background"]}
    assert not rows["it"].hidden and rows["it"].people == 20 and rows["it"].mean_z == 0.0
    assert rows["non_it"].hidden and rows["non_it"].people is None and rows["non_it"].mean_z is None
    assert rows["non_it"].difference is None and not rows["non_it"].below
    assert rows["unknown"].hidden and rows["unknown"].projects is None
    # Non-IT was markedly lower on the page; the report keeps no note that would name its numbers, but it
    # still says so without them (withheld), and the count hidden for the other's sake is marked as such.
    assert [note.value for note in split.notes] == ["non_it"] and notes == []
    assert [note.value for note in ss.withheld_notes(split, groups)] == ["non_it"]
    assert rows["non_it"].complement and not rows["unknown"].complement


def test_publish_keeps_a_note_on_a_group_shown_with_its_difference():
    split = _split_of({"it": 20, "non_it": 6}, {"it": 0.0, "non_it": -1.0})
    groups, notes = ss.publish(split, 5)
    rows = {group.value: group for group in groups["background"]}
    assert rows["non_it"].people == 6 and rows["non_it"].difference == pytest.approx(-1.0)
    assert [note.value for note in notes] == ["non_it"] and ss.withheld_notes(split, groups) == []
    # At a threshold of 7 the six are hidden, and with them (being the lone hidden one) the next smallest: IT.
    groups, notes = ss.publish(split, 7)
    assert [group.hidden for group in groups["background"]] == [True, True, False] and notes == []


def test_publish_hides_a_difference_against_a_small_rest():
    # A total under the threshold: every group with people is hidden.
    groups, _notes = ss.publish(_split_of({"it": 3}, {"it": 0.0}), 5)
    assert groups["background"][0].hidden
    # IT 20 against two hidden groups of 2 (two hidden: nothing to subtract, so IT stays): IT's mean is shown,
    # but not its difference, which with the mean would give the mean of the four others.
    split = _split_of({"it": 20, "non_it": 2, "unknown": 2}, {"it": -1.0, "non_it": 0.0, "unknown": 0.0})
    assert split.notes[0].value == "it"
    groups, notes = ss.publish(split, 5)
    it = groups["background"][0]
    assert (it.value, it.hidden, it.people, it.mean_z, it.difference) == ("it", False, 20, -1.0, None)
    assert [group.hidden for group in groups["background"]] == [False, True, True]
    assert notes == [] and not it.below
    assert [note.value for note in ss.withheld_notes(split, groups)] == ["it"]


def _report(event, language="en", threshold=5):
    from hackathon.applications.inclusion import load_funnel
    from hackathon.applications.report import build_report, report_csv_rows
    from hackathon.database import utcnow

    funnel = load_funnel(event)
    document = build_report(event, funnel, threshold=threshold, language=language, now=utcnow())
    header, rows = report_csv_rows(event, document, funnel, threshold=threshold)
    return document, header, rows


def _grown(event, organiser, judging_round):
    """The judged round with 30 more teams of four: two women and two men each."""
    _grow(event, organiser, judging_round, 30)


def test_the_report_has_the_split_with_small_groups_suppressed(app, judged):
    event, organiser, judging_round, _submissions = judged
    _grown(event, organiser, judging_round)
    with app.test_request_context():
        document, _header, rows = _report(event)
        section = next(section for section in document.sections if section.key == "scores")
        assert section.title == "Juror scores by group"
        table = section.table
        assert table.header == ["Round", "Dimension", "Group", "People", "Projects", "Mean score",
                                "Difference from the rest"]
        gender = {row[2]: row for row in table.rows if row[2] in ("Female", "Male", "Not given")}
        # 63 women and 64 men in 33 scored teams; one person gave no gender: hidden, and the next smallest
        # group of the dimension with it (the women), marked as hidden for the other's sake, not as "<5".
        assert gender["Male"][3] == "64" and gender["Male"][5] != "…"
        assert gender["Not given"][3] == "<5" and gender["Not given"][5] == "…"
        assert gender["Female"][3] == "×" and gender["Female"][5] == "…"
        assert table.rows[0][0] == "Screening"
        assert any("Groups of fewer than 5 people" in paragraph for paragraph in section.paragraphs)
        scores = [row for row in rows if row[0] == "scores"]
        assert len(scores) == sum(1 for _row in table.rows)
        hidden = [row for row in scores if row[5] == "unknown" and row[3] == "gender"]
        assert hidden[0][7] == "" and hidden[0][8] == "yes"
        assert all("@" not in cell for row in rows for cell in map(str, row))


def test_the_report_leaves_the_section_out_without_scores(app, make_event):
    event = make_event(slug="unscored")
    organiser = f.create_user()
    f.grant(organiser, event, Role.organiser)
    f.create_round(event, organiser, "Screening", criteria=[("Impact", 1, None)])
    with app.test_request_context():
        document, _header, _rows = _report(event)
    assert "scores" not in [section.key for section in document.sections]


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_the_report_pdf_holds_the_split_in_each_language(app, judged, language):
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from hackathon.applications.report_pdf import report_pdf
    from tests.test_pdfs import check_layout, squeeze

    event, organiser, judging_round, _submissions = judged
    _grown(event, organiser, judging_round)
    with app.test_request_context():
        document, _header, _rows = _report(event, language)
        section = next(section for section in document.sections if section.key == "scores")
        with force_locale(language):
            title = _("Juror scores by group")
        runs = check_layout(report_pdf(document), [title])
        # Every paragraph of the section, read across pages (without the page numbers between them).
        text = squeeze("".join(run.text for run in sorted(runs, key=lambda r: (r.page, -r.top, r.x0))
                               if not re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", run.text)))
        for paragraph in [*section.paragraphs, *section.bullets]:
            assert squeeze(paragraph) in text, paragraph
        assert "<5" in "".join(run.text for run in runs)
