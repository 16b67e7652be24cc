"""The audience of an announcement: the pure pieces (parsing, combining by AND, the reader's language) and the SQL
that finds the recipients, checked against the pure combination on a random event, in one query."""
from __future__ import annotations

import itertools
import random

import pytest
from sqlalchemy import select

from hackathon.announcements import services
from hackathon.announcements.audience import FLAGS, Audience, combine, parse_audience, pick_language
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.database import utcnow
from hackathon.events.models import EventRole, Role
from hackathon.extensions import db
from hackathon.mentoring.models import CheckIn
from hackathon.submissions.models import Submission, SubmissionStatus
from hackathon.teams.models import Team, TeamMember
from tests import factories as f
from tests.queries import recorded_statements

STATUSES = [status.value for status in ApplicationStatus]


# --- pure ---------------------------------------------------------------------------------------------------------


def test_no_filter_is_everyone_and_as_dict_keeps_only_the_filters_in_use():
    assert Audience().is_everyone and Audience().as_dict() == {}
    audience = Audience(statuses=("waitlisted", "submitted"), mentors=True)
    assert not audience.is_everyone
    assert parse_audience(audience.as_dict(), statuses=STATUSES) == Audience(statuses=("submitted", "waitlisted"),
                                                                             mentors=True)


def test_parse_sorts_and_dedupes_and_refuses_what_is_not_ours():
    parsed = parse_audience({"statuses": ["waitlisted", "submitted", "submitted"], "track_ids": ["3", 1, 3],
                             "jurors": 1, "unknown": True}, statuses=STATUSES)
    assert parsed == Audience(statuses=("submitted", "waitlisted"), track_ids=(1, 3), jurors=True)
    for bad in ({"statuses": ["sent"]}, {"track_ids": ["x"]}, {"track_ids": ["²"]}, {"track_ids": [0]},
                {"track_ids": [True]}, {"track_ids": [None]}):
        with pytest.raises(ValueError):
            parse_audience(bad, statuses=STATUSES)
    assert parse_audience(None, statuses=STATUSES) == Audience()


def test_combine_unites_within_a_filter_and_intersects_across():
    everyone = {1, 2, 3, 4, 5, 6}
    groups = {"status:submitted": {1, 2}, "status:waitlisted": {3}, "track:7": {2, 3, 4}, "mentors": {4, 5},
              "jurors": {5, 9}}
    assert combine(Audience(), everyone, groups) == everyone
    assert combine(Audience(statuses=("submitted", "waitlisted")), everyone, groups) == {1, 2, 3}
    assert combine(Audience(statuses=("submitted", "waitlisted"), track_ids=(7,)), everyone, groups) == {2, 3}
    assert combine(Audience(mentors=True, jurors=True), everyone, groups) == {5}
    assert combine(Audience(jurors=True), everyone, groups) == {5}  # 9 is not at the event
    assert combine(Audience(reviewers=True), everyone, groups) == set()


def test_the_reader_gets_their_language_else_the_events_first():
    assert pick_language("ru", ["en", "ru"], ["en", "ru", "ky"]) == "ru"
    assert pick_language("ky", ["en", "ru"], ["en", "ru", "ky"]) == "en"
    assert pick_language(None, ["en"], ["en", "ru"]) == "en"
    assert pick_language("ky", ["ru"], ["en", "ru"]) == "ru"  # first language missing: what there is
    assert pick_language("ky", [], ["ru"]) == "ru"


# --- the SQL agrees with the pure combination ---------------------------------------------------------------------


@pytest.fixture
def random_event(app):
    """An event with 40 people in random roles, applications, teams, tracks, submissions and check-ins, and the
    groups each filter should select, computed in Python from what was written."""
    rng = random.Random(13)
    now = utcnow()
    organiser = f.create_user()
    event = f.create_event("rand", phase="hacking", now=now, organiser=organiser, max_team_size=6)
    other = f.create_event("rand-other", phase="hacking", now=now)
    tracks = [f.create_track(event, f"T{n}") for n in range(3)]
    people = [f.create_user(locale=rng.choice(["en", "ru", "ky", None])) for _ in range(40)]
    groups: dict[str, set[int]] = {}
    everyone = {organiser.id}

    def add(key, user_id):
        groups.setdefault(key, set()).add(user_id)

    free = list(people)
    rng.shuffle(free)
    # Teams of 1-3 with an application in a random status, some with a track, a submission, a check-in.
    for number in range(6):
        members = [free.pop() for _ in range(rng.randint(1, 3))]
        track = rng.choice([None, *tracks])
        status = rng.choice(["submitted", "accepted", "confirmed", "waitlisted", None])
        team = f.create_team(event, members[0], *members[1:], name=f"Team {number}", track=track,
                             application=status, now=now)
        if rng.random() < 0.5:
            f.create_submission(team, status=rng.choice(["submitted", "draft"]), now=now)
        if rng.random() < 0.5:
            f.create_check_in(team, members[0])
        submitted = db.session.scalar(select(Submission.id).where(Submission.team_id == team.id,
                                                                  Submission.status == SubmissionStatus.submitted))
        checked = db.session.scalar(select(CheckIn.id).where(CheckIn.team_id == team.id))
        for person in members:
            everyone.add(person.id)
            if status:
                add(f"status:{status}", person.id)
                if status == "confirmed":
                    add("confirmed", person.id)
            if track:
                add(f"track:{track.id}", person.id)
            if submitted is None:
                add("without_submission", person.id)
            if checked is None:
                add("not_checked_in", person.id)
    # Individuals in random statuses, some looking for a team.
    for person in free[:15]:
        status = rng.choice(STATUSES[:-1])  # not merged
        looking = rng.random() < 0.4
        f.create_application(event, person, status=status, looking_for_team=looking, now=now)
        everyone.add(person.id)
        add(f"status:{status}", person.id)
        if status == "confirmed":
            add("confirmed", person.id)
        if looking and status != "withdrawn":
            add("looking_for_team", person.id)
    # Roles, some held together; a few people only at the other event.
    for person in free[15:]:
        roles = [role for role in (Role.mentor, Role.juror, Role.reviewer) if rng.random() < 0.5]
        if rng.random() < 0.2:
            f.grant(person, other, Role.mentor)
            continue
        f.grant(person, event, *roles)
        if roles:
            everyone.add(person.id)
        for role in roles:
            add({"mentor": "mentors", "juror": "jurors", "reviewer": "reviewers"}[role.value], person.id)
    return event, tracks, everyone, groups


def _audiences(tracks):
    yield Audience()
    yield Audience(statuses=("submitted", "waitlisted"))
    yield Audience(track_ids=(tracks[0].id, tracks[2].id))
    for flag in FLAGS:
        yield Audience(**{flag: True})
    for first, second in itertools.combinations(FLAGS, 2):
        yield Audience(**{first: True, second: True})
    yield Audience(statuses=("confirmed", "accepted"), track_ids=(tracks[1].id,), without_submission=True)
    yield Audience(statuses=("submitted",), looking_for_team=True)


def test_the_sql_selects_what_the_pure_combination_says(random_event):
    event, tracks, everyone, groups = random_event
    assert len(everyone) > 30
    db.session.refresh(event)  # loaded before counting: the audience is one query on its own
    nonempty = 0
    for audience in _audiences(tracks):
        with recorded_statements() as statements:
            found = {row.id for row in db.session.execute(services.audience_query(event, audience))}
        assert len(statements) == 1, audience
        assert found == combine(audience, everyone, groups), audience
        assert services.count_recipients(event, audience, essential=False).people == len(found)
        nonempty += bool(found)
    assert nonempty > 10  # the world is rich enough for the comparison to mean something


def test_inactive_accounts_are_left_out(random_event):
    event, _tracks, everyone, _groups = random_event
    from hackathon.accounts.models import User

    person = db.session.get(User, sorted(everyone)[1])
    person.is_active_account = False
    db.session.commit()
    found = {row.id for row in db.session.execute(services.audience_query(event, Audience()))}
    assert found == everyone - {person.id}
