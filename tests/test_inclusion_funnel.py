"""The whole funnel on a hand-built event: every stage's count, for people, teams and applications, and for
several groups, worked out here person by person (run on SQLite and PostgreSQL); the query count stays the same
whatever the size; the stages not in use."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hackathon.accounts.models import Background, Gender
from hackathon.applications import stats
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.models import ApplicationStatus as S
from hackathon.events.models import Role
from hackathon.extensions import db
from hackathon.judging.models import JudgingRound, PitchSchedule, PitchSlot, ShortlistEntry
from hackathon.results.models import ResultSettings
from tests import factories as f
from tests.queries import recorded_statements as counting

# Every moment of the schedule lies around 2025-07-01: ages are counted in 2025; the results are out.
NOW = datetime(2025, 7, 1, 12, tzinfo=timezone.utc)
IT, NON_IT = Background.it, Background.non_it
FEMALE, MALE = Gender.female, Gender.male




def person(name: str, year: int | None = None, gender: Gender | None = None, background: Background | None = None,
           **profile):
    return f.create_user(name=name, year_of_birth=year, gender=gender, background=background, **profile)


def judging_round(event, *, shortlist: list | None = None, pitch: list | None = None):
    """A round with a published shortlist of `shortlist` and a published pitch schedule for `pitch` (submissions)."""
    round_ = JudgingRound(event_id=event.id, name={"en": "Final"},
                          shortlist_published_at=NOW if shortlist is not None else None)
    db.session.add(round_)
    db.session.flush()
    for position, submission in enumerate(shortlist or []):
        db.session.add(ShortlistEntry(round_id=round_.id, submission_id=submission.id, position=position))
    if pitch is not None:
        db.session.add(PitchSchedule(round_id=round_.id, starts_at=NOW, published_at=NOW))
        for position, submission in enumerate(pitch):
            start = NOW + timedelta(minutes=10 * position)
            db.session.add(PitchSlot(round_id=round_.id, submission_id=submission.id, position=position,
                                     starts_at=start, pitch_ends_at=start + timedelta(minutes=5),
                                     ends_at=start + timedelta(minutes=10)))
    db.session.commit()
    return round_


def publish(event, *, ranking: list, winners: list) -> None:
    """Published results in the snapshot's shape (results.services.build_snapshot): the final ranking and awards."""
    db.session.add(ResultSettings(event_id=event.id, published_at=NOW, snapshot={
        "version": 1, "ranking": [{"project_id": s.id, "team_id": s.team_id, "rank": rank} for rank, s
                                  in enumerate(ranking, start=1)],
        "awards": [{"id": 1, "kind": "place", "place": 1, "name": {"en": "First"},
                    "winners": [{"project_id": s.id, "team_id": s.team_id} for s in winners]}]}))
    db.session.commit()


@pytest.fixture
def world(app):
    """Sixteen people who applied, in six teams and five individual applications (see the expected numbers below).

    T1 Winners (confirmed, mentor, submitted, shortlisted, in the ranking, awarded): a1, a2 and a3, a merged
      individual without any profile answer.
    T2 Finalists (... in the ranking and a pitch slot, no award): b1, b2.
    T3 Shortlisted (... shortlisted only): c1 and i1, who also applied alone (waitlisted) and is a mentor too.
    T4 No mentor (confirmed, submitted, but mentoring is in use and nobody mentors it): d1, d2.
    T5 Not submitting (confirmed, mentor, the project still a draft): e1.
    T6 Rejected team: f1, f2 (no profile).
    Alone: g1 withdrawn after acceptance, h1 rejected, j1 accepted without profile answers, k1 declined;
      a draft that does not count.
    """
    event = f.create_event(slug="funnel-2025", phase="results", now=NOW)
    organiser = f.create_user(name="Organiser")
    f.grant(organiser, event, Role.organiser)
    p = {
        "a1": person("a1", 2003, FEMALE, IT), "a2": person("a2", 1980, MALE, NON_IT), "a3": person("a3"),
        "b1": person("b1", 2000, MALE, IT), "b2": person("b2", 1999, FEMALE, IT),
        "c1": person("c1", 1970, FEMALE, NON_IT), "i1": person("i1", 2001, MALE, IT),
        "d1": person("d1", 1990, MALE, IT), "d2": person("d2", 1960, FEMALE, NON_IT),
        "e1": person("e1", 2008, MALE, NON_IT),
        "f1": person("f1", 1985, FEMALE, IT), "f2": person("f2"),
        "g1": person("g1", 1995, FEMALE, NON_IT), "h1": person("h1", 1975, MALE, NON_IT), "j1": person("j1"),
        "k1": person("k1", 2002, MALE, IT), "draft": person("draft", 1990, FEMALE, IT),
    }
    mentor = f.create_user(name="Mentor")
    f.grant(mentor, event, Role.mentor)
    f.grant(p["i1"], event, Role.mentor)
    teams = {
        "T1": f.create_team(event, p["a1"], p["a2"], p["a3"], name="Winners", application=S.confirmed, now=NOW),
        "T2": f.create_team(event, p["b1"], p["b2"], name="Finalists", application=S.confirmed, now=NOW),
        "T3": f.create_team(event, p["c1"], p["i1"], name="Shortlisted", application=S.confirmed, now=NOW),
        "T4": f.create_team(event, p["d1"], p["d2"], name="No mentor", application=S.confirmed, now=NOW),
        "T5": f.create_team(event, p["e1"], name="Not submitting", application=S.confirmed, now=NOW),
        "T6": f.create_team(event, p["f1"], p["f2"], name="Rejected", application=S.rejected, now=NOW),
    }
    f.create_application(event, p["a3"], status=S.merged, now=NOW)
    f.create_application(event, p["i1"], status=S.waitlisted, now=NOW)
    withdrawn = f.create_application(event, p["g1"], status=S.withdrawn, now=NOW)
    withdrawn.accepted_at = NOW - timedelta(days=20)
    f.create_application(event, p["h1"], status=S.rejected, now=NOW)
    f.create_application(event, p["j1"], status=S.accepted, now=NOW)
    f.create_application(event, p["k1"], status=S.declined, now=NOW)
    f.create_application(event, p["draft"], status=S.draft, now=NOW)
    for name in ("T1", "T2", "T3", "T5"):
        f.assign_mentor(teams[name], mentor)
    projects = {name: f.create_submission(teams[name], now=NOW, versions=1) for name in ("T1", "T2", "T3", "T4")}
    projects["T5"] = f.create_submission(teams["T5"], status="draft", now=NOW, versions=1)
    judging_round(event, shortlist=[projects["T1"], projects["T2"], projects["T3"]], pitch=[projects["T2"]])
    publish(event, ranking=[projects["T1"], projects["T2"]], winners=[projects["T1"]])
    return event, organiser, p, teams, projects


def by_stage(funnel: stats.Funnel, attribute: str) -> dict[str, int | None]:
    return {total.stage: getattr(total, attribute) for total in funnel.totals}


def group(funnel: stats.Funnel, dimension: str) -> dict[str, dict[str, int]]:
    return {row.value: row.counts for row in funnel.breakdowns[dimension]}


def test_every_stage_counts_people_teams_and_applications(world):
    event, *_ = world
    funnel = load_funnel(event)
    assert funnel.in_use == frozenset(stats.STAGES)
    # applied: 3 + 2 + 2 + 2 + 1 + 2 in teams (a3 once, through T1; i1 once, through T3) + g1, h1, j1, k1.
    # accepted: T1-T5 (10) + g1 (withdrawn after acceptance), j1, k1 (declined). confirmed = in a team: T1-T5.
    # mentored: T1, T2, T3, T5 (8). submitted: mentored and submitted: T1-T3 (7; T4 submitted without the
    # mentor every team should have). shortlisted: T1-T3. finalist: T1, T2 (5). awarded: T1 (3).
    assert by_stage(funnel, "people") == {
        "applied": 16, "accepted": 13, "confirmed": 10, "in_team": 10, "mentored": 8, "submitted": 7,
        "shortlisted": 7, "finalist": 5, "awarded": 3}
    # Teams: team applications up to confirmation (T1-T6, then T1-T5), then teams with a member at the stage.
    assert by_stage(funnel, "teams") == {
        "applied": 6, "accepted": 5, "confirmed": 5, "in_team": 5, "mentored": 4, "submitted": 3,
        "shortlisted": 3, "finalist": 2, "awarded": 1}
    # Applications: 6 team + g1, h1, i1, j1, k1 (the merged and the draft are left out).
    assert by_stage(funnel, "applications") == {
        "applied": 11, "accepted": 8, "confirmed": 5, "in_team": None, "mentored": None, "submitted": None,
        "shortlisted": None, "finalist": None, "awarded": None}
    assert by_stage(funnel, "individual_applications")["applied"] == 5
    assert by_stage(funnel, "individual_applications")["accepted"] == 3  # g1, j1, k1
    assert funnel.not_counted == {"draft": 1, "withdrawn": 0, "merged": 1}
    # Percentages of the previous stage: 13 of 16, 7 of 8, 3 of 5.
    assert by_stage(funnel, "people_percent")["accepted"] == 81
    assert by_stage(funnel, "people_percent")["submitted"] == 88
    assert by_stage(funnel, "people_percent")["awarded"] == 60


def test_groups_at_every_stage(world):
    event, *_ = world
    funnel = load_funnel(event)
    background = group(funnel, "background")
    # IT: a1 b1 b2 i1 d1 f1 k1; non-IT: a2 c1 d2 e1 g1 h1; not given: a3 f2 j1.
    assert background["it"] == {"applied": 7, "accepted": 6, "confirmed": 5, "in_team": 5, "mentored": 4,
                                "submitted": 4, "shortlisted": 4, "finalist": 3, "awarded": 1}
    assert background["non_it"] == {"applied": 6, "accepted": 5, "confirmed": 4, "in_team": 4, "mentored": 3,
                                    "submitted": 2, "shortlisted": 2, "finalist": 1, "awarded": 1}
    assert background["unknown"] == {"applied": 3, "accepted": 2, "confirmed": 1, "in_team": 1, "mentored": 1,
                                     "submitted": 1, "shortlisted": 1, "finalist": 1, "awarded": 1}
    rows = {row.value: row for row in funnel.breakdowns["background"]}
    assert rows["non_it"].rates["submitted"] == 67 and rows["it"].rates["submitted"] == 100
    assert rows["it"].share == 44  # 7 of 16
    gender = group(funnel, "gender")
    assert {value: counts["finalist"] for value, counts in gender.items()} == {
        "female": 2, "male": 2, "other": 0, "undisclosed": 0, "unknown": 1}
    assert {value: counts["applied"] for value, counts in gender.items()} == {
        "female": 6, "male": 7, "other": 0, "undisclosed": 0, "unknown": 3}
    ages = group(funnel, "age_band")
    # In 2025: e1 (2008) is 17; a1 22, i1 24, k1 23; b1 25, b2 26, g1 30; d1 35, f1 40; a2 45, h1 50; c1 55, d2 65.
    assert {value: counts["applied"] for value, counts in ages.items()} == {
        "under_18": 1, "18-24": 3, "25-34": 3, "35-44": 2, "45-54": 2, "55+": 2, "unknown": 3}
    assert {value: counts["awarded"] for value, counts in ages.items()} == {
        "under_18": 0, "18-24": 1, "25-34": 0, "35-44": 0, "45-54": 1, "55+": 0, "unknown": 1}
    # Nobody is dropped: every dimension adds up to everyone at every stage.
    for dimension in stats.DIMENSIONS:
        for total in funnel.totals:
            assert sum(row.counts[total.stage] for row in funnel.breakdowns[dimension]) == total.people, dimension


def test_the_note_on_a_group_markedly_below(world):
    event, *_ = world
    funnel = load_funnel(event)
    # Non-IT people in a mentored team: 2 of 3 submitted, against 5 of 5 of the others (4 IT, a3).
    note = next(note for note in funnel.notes if (note.dimension, note.value, note.stage)
                == ("background", "non_it", "submitted"))
    assert (note.previous, note.count, note.base, note.rest_count, note.rest_base) == ("mentored", 2, 3, 5, 5)
    assert note.small


def test_the_page_shows_every_stage_and_the_note(client, world):
    event, organiser, *_ = world
    client.post("/login", data={"email": organiser.email, "password": f.PASSWORD})
    html = client.get(f"/events/{event.slug}/inclusion").get_data(as_text=True)
    from tests.test_inclusion import table_rows, text_of

    assert table_rows(html, "funnel") == [
        ["Applied", "16", "–", "6", "–", "11", "–", "5"],
        ["Accepted", "13", "81%", "5", "83%", "8", "73%", "3"],
        ["Confirmed", "10", "77%", "5", "100%", "5", "63%", "0"],
        ["In a team", "10", "100%", "5", "100%", "–", "–", "–"],
        ["Mentored", "8", "80%", "4", "80%", "–", "–", "–"],
        ["Submitted a project", "7", "88%", "3", "75%", "–", "–", "–"],
        ["Shortlisted", "7", "100%", "3", "100%", "–", "–", "–"],
        ["Pitched in the final", "5", "71%", "2", "67%", "–", "–", "–"],
        ["Awarded", "3", "60%", "1", "50%", "–", "–", "–"],
    ]
    background = table_rows(html, "chart-background-section")
    assert background[1] == ["Non-IT", "6", "38%", "5", "83%", "4", "80%", "4", "100%", "3", "75%", "2", "67%",
                             "2", "100%", "1", "50%", "1", "100%"]
    text = text_of(html)
    assert ("Background, Non-IT: 2 of 3 (67%) went from “Mentored” to “Submitted a project”, against 5 of 5 "
            "(100%) of everyone else: 67% of their rate.") in text
    assert "Small numbers: read with care" in text


def test_a_person_counts_once_whatever_their_roles(world):
    event, _organiser, p, *_ = world
    funnel = load_funnel(event)
    # i1: individual application (waitlisted), member of T3, mentor: one person, at T3's stages.
    languages = group(funnel, "language")
    assert sum(counts["applied"] for counts in languages.values()) == 16
    assert group(funnel, "age_band")["18-24"]["shortlisted"] == 2  # a1 and i1, once each


def test_stages_not_in_use_pass_through(app):
    """No mentor, no shortlist, no results: those stages are not in use, and "submitted" follows on from "in a
    team"; a published pitch schedule alone makes "finalist" in use."""
    event = f.create_event(phase="judging", now=NOW)
    one, two, three = (person(name, 1990, FEMALE, IT) for name in ("one", "two", "three"))
    pitched = f.create_team(event, one, two, application=S.confirmed, now=NOW)
    other = f.create_team(event, three, application=S.confirmed, now=NOW)
    submission = f.create_submission(pitched, now=NOW, versions=1)
    f.create_submission(other, now=NOW, versions=1)
    funnel = load_funnel(event)
    assert funnel.in_use == {"applied", "accepted", "confirmed", "in_team", "submitted"}
    assert by_stage(funnel, "people")["submitted"] == 3
    assert by_stage(funnel, "people")["mentored"] == 0
    assert funnel.total("submitted").previous == "in_team"
    judging_round(event, pitch=[submission])
    funnel = load_funnel(event)
    assert "finalist" in funnel.in_use and "shortlisted" not in funnel.in_use and "awarded" not in funnel.in_use
    assert by_stage(funnel, "people")["finalist"] == 2
    assert by_stage(funnel, "teams")["finalist"] == 1
    assert funnel.total("finalist").previous == "submitted"
    assert by_stage(funnel, "people_percent")["finalist"] == 67


def test_a_team_is_a_finalist_once_its_pitch_has_started(app):
    """A published schedule says who will pitch, not who did: before the first slot starts the stage is not in
    use, and a team whose slot is still to come has not pitched."""
    event = f.create_event(phase="judging", now=NOW)
    first = f.create_team(event, person("first", 1990, FEMALE, IT), application=S.confirmed, now=NOW)
    second = f.create_team(event, person("second", 1990, FEMALE, IT), person("third", 1991, FEMALE, IT),
                           application=S.confirmed, now=NOW)
    pitches = [f.create_submission(team, now=NOW, versions=1) for team in (first, second)]
    judging_round(event, pitch=pitches)  # slots at NOW and NOW + 10 minutes
    before = load_funnel(event, now=NOW - timedelta(hours=1))
    assert "finalist" not in before.in_use and by_stage(before, "people")["finalist"] == 0
    during = load_funnel(event, now=NOW + timedelta(minutes=5))
    assert "finalist" in during.in_use
    assert by_stage(during, "people")["finalist"] == 1 and by_stage(during, "teams")["finalist"] == 1
    after = load_funnel(event, now=NOW + timedelta(minutes=10))
    assert by_stage(after, "people")["finalist"] == 3 and by_stage(after, "teams")["finalist"] == 2


def test_the_events_age_bands(world):
    event, organiser, *_ = world
    from hackathon.applications.inclusion import save_inclusion_settings

    save_inclusion_settings(organiser, event, age_bands="16-29, 30-49, 50+", suppression_threshold=5,
                            report_shared=False)
    ages = group(load_funnel(event), "age_band")
    # Under 16 nobody; 16-29: e1 17, a1, i1, k1, b1, b2; 30-49: g1, d1, f1, a2; 50+: h1, c1, d2.
    assert {value: counts["applied"] for value, counts in ages.items()} == {
        "under_16": 0, "16-29": 6, "30-49": 4, "50+": 3, "unknown": 3}


def _grow(event, size: int) -> None:
    """`size` more confirmed, mentored, submitted teams of two and individual applications."""
    mentor = f.create_user()
    for number in range(size):
        team = f.create_team(event, person(f"x{number}", 1980 + number % 30, MALE, IT),
                             person(f"y{number}", None, None, NON_IT, country="TR"), application=S.confirmed,
                             now=NOW)
        f.assign_mentor(team, mentor)
        f.create_submission(team, now=NOW, versions=1)
        f.create_application(event, person(f"z{number}", 2000, FEMALE, None, region="osh"), status=S.rejected,
                             now=NOW)


def test_query_count_is_the_same_at_any_size(world):
    event, *_ = world
    counts = []
    for size in (0, 25):
        _grow(event, size)
        db.session.expire_all()
        with counting() as statements:
            funnel = load_funnel(event)
        counts.append(len(statements))
    assert funnel.total("applied").people == 16 + 75
    assert counts[0] == counts[1] <= 6, counts
