"""The demo's third event, `develop-my-community-live`: an event in the middle of hacking, dated from `now`.

Every role has something to do at the moment the demo is loaded:

- applications closed two weeks ago; eight teams are confirmed (their members hold the participant role), the
  others were rejected, waitlisted or withdrew; the reviewer rated most applications and a few wait for a rating;
- hacking started two days ago and submissions close tomorrow: teams save drafts and versions, check in for
  milestones, mentors review them; one team has never checked in; help requests wait in the mentors' queue;
- a semi-final round closed fifteen hours before on the projects the teams had submitted by then, and its
  shortlist of four finalists is published; the final round over those finalists opened today (jurors read the
  projects and draft their sheets before the pitch: some sheets saved, one submitted, one conflict declared);
- the final's pitch schedule is published: the finalists pitch the day after tomorrow.

Idempotent: the first run writes the rows; a later run writes nothing new and shifts every timestamp of the
event's rows by the time that passed, so the event stays in the middle of hacking relative to the new `now`.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select, update

from hackathon import demo
from hackathon.accounts.models import Background, Gender, User
from hackathon.applications.models import ApplicationRating, ApplicationStatus
from hackathon.database import UTCDateTime
from hackathon.events.models import Event, EventRole, Role, Track
from hackathon.extensions import db

SLUG = "develop-my-community-live"
# The event's moments relative to the hour the demo is loaded in (`base`), in hours.
APPLICATIONS_OPEN, APPLICATIONS_CLOSE = -35 * 24, -14 * 24
HACKING_STARTS, SUBMISSIONS_CLOSE = -2 * 24, 24
PITCHING_STARTS, RESULTS = 2 * 24, 2 * 24 + 3
SEMI_FINAL_OPENS, SEMI_FINAL_CLOSES, SHORTLIST_PUBLISHED = -30, -15, -13
FINAL_OPENS, SCHEDULE_PUBLISHED = -3, -12

REVIEWER = ("reviewer@demo.test", "Gulzat Reviewer", "ky", 1981, Gender.female, "talas", "KG", Background.non_it,
            ["community organising"], "Talas Youth Centre")
MENTORS = ["mentor3@demo.test", "mentor1@demo.test", "mentor4@demo.test", "mentor5@demo.test"]
JURORS = ["juror3@demo.test", "juror1@demo.test", "juror2@demo.test", "juror4@demo.test", "juror5@demo.test"]

# name, track position, idea, captain (None: from the pool), size, state of the project (submitted by the
# semi-final / draft / none), mentor.
TEAMS = [
    ("Suu Kezek", 0, "Irrigation turns on a shared calendar: every family sees its hours and swaps them openly.",
     "applicant14@demo.test", 4, "submitted", "mentor3@demo.test"),
    ("Жаштар Медиа", 3, "Teenagers in Talas film local news on their phones and publish it with fact checks.",
     "applicant13@demo.test", 5, "submitted", "mentor3@demo.test"),
    ("Ачык Бюджет", 1, "The ayil okmotu's budget on one page, and residents rank next year's priorities.",
     "applicant12@demo.test", 3, "submitted", "mentor1@demo.test"),
    ("Diaspora Desk", 2, "Diaspora professionals answer rural students' career questions in short video calls.",
     None, 4, "submitted", "mentor1@demo.test"),
    ("Taza Jol", 0, "Residents report broken roads with a photo; the district sees where repairs matter most.",
     None, 3, "submitted", "mentor4@demo.test"),
    ("Кыздар Код", 3, "An evening coding club for girls in Batken, with lessons that work offline.",
     None, 4, "submitted", "mentor4@demo.test"),
    ("Agro SMS", 0, "Soil and weather advice by SMS in Kyrgyz for smallholder farmers.",
     None, 3, "draft", "mentor5@demo.test"),
    ("Kel-Kel Live", 2, "Returning migrants find jobs and start small businesses at home.",
     None, 3, "none", "mentor5@demo.test"),
]
OTHER_TEAMS = [("Jashyl Bak", 0, ApplicationStatus.rejected), ("Open Ayil", 1, ApplicationStatus.waitlisted),
               ("Nomad Link", 2, ApplicationStatus.withdrawn)]
INDIVIDUALS = [ApplicationStatus.rejected] * 3 + [ApplicationStatus.waitlisted] * 3 + [ApplicationStatus.withdrawn]
UNRATED = 3  # waitlisted applications the reviewer has not rated yet

PROJECTS = {
    "Suu Kezek": ("en", "Suu Kezek: fair irrigation turns",
                  "Every family sees its irrigation hours and swaps them in the open.",
                  "The mirab enters the turns; families get their hours by SMS and swap them on a shared board.",
                  ["Flutter", "Firebase", "SMS gateway"]),
    "Жаштар Медиа": ("ru", "Жаштар Медиа: новости района с телефона",
                     "Подростки Таласа снимают и проверяют местные новости.",
                     "Шестинедельный курс: сценарий, съёмка, монтаж и проверка фактов; видео выходят на "
                     "странице районных новостей.", ["WordPress", "CapCut"]),
    "Ачык Бюджет": ("ky", "Ачык Бюджет: айылдын бюджети бир баракта",
                    "Айыл өкмөтүнүн бюджети жана тургундардын артыкчылыктары.",
                    "Киреше, сектор боюнча чыгашалар жана пландын аткарылышы; тургундар кийинки жылдын "
                    "артыкчылыктарын тандашат.", ["Python", "Django", "Chart.js"]),
    "Diaspora Desk": ("en", "Diaspora Desk: thirty minutes that change a career",
                      "Kyrgyz professionals abroad answer rural students' questions.",
                      None, ["Next.js", "Jitsi"]),
    "Taza Jol": ("ru", "Taza Jol: дороги глазами жителей",
                 "Жители отмечают ямы с фото, район видит приоритеты ремонта.",
                 "Фото с геометкой, голосование жителей и список участков по числу людей, которые по ним ездят.",
                 ["Kotlin", "OpenStreetMap"]),
    "Кыздар Код": ("ky", "Кыздар Код: кечки коддоо клубу",
                   "Баткендеги кыздар үчүн интернетсиз иштеген сабактар.",
                   "Он сабак, ар бири видео жана практикалык тапшырма менен; сабактар телефонго бир жолу "
                   "жүктөлөт.", ["Scratch", "Python", "PWA"]),
    "Agro SMS": ("ky", "Agro SMS", "", "", ["Python"]),
}
HEADINGS = {"en": ("## What we built", "## What is next", "- Test with residents\n- Prepare the pitch"),
            "ru": ("## Что мы сделали", "## Что дальше", "- Проверить с жителями\n- Подготовить питч"),
            "ky": ("## Эмне кылдык", "## Андан ары", "- Тургундар менен сыноо\n- Питчке даярдануу")}
# No time of day in the titles: the hours depend on when the demo is loaded.
MILESTONES = [
    (HACKING_STARTS + 10, {"en": "Day 1: problem and plan", "ru": "День 1: проблема и план",
                           "ky": "1-күн: көйгөй жана план"}),
    (HACKING_STARTS + 34, {"en": "Day 2: first prototype", "ru": "День 2: первый прототип",
                           "ky": "2-күн: биринчи прототип"}),
    (SUBMISSIONS_CLOSE - 4, {"en": "Day 3: ready to submit", "ru": "День 3: готовы сдавать",
                             "ky": "3-күн: тапшырууга даяр"}),
]
CHECK_INS = [
    ("Talked to residents and chose the problem.", "Sketch the screens and the data we need.", ""),
    ("A clickable prototype and the first data.", "Test with two residents; draft the pitch.", ""),
    ("Tested the prototype with three residents today.", "Fix what they found; rehearse the pitch.", ""),
]
HELP = [
    # team index, topic, description, language, status, minutes before `base` (asked, claimed, finished), mentor
    (6, "SMS in Kyrgyz letters", "Our SMS with ң, ө and ү arrive as question marks. Which encoding do we need?",
     "en", "open", (25, None, None), None),
    (1, "Видео без интернета", "Как показать видео на питче, если в зале нет интернета?", "ru", "open",
     (50, None, None), None),
    (2, "Диаграмма бюджета", "Бюджеттин диаграммасын телефондо кантип окула турган кылабыз?", "ky", "claimed",
     (80, 70, None), "mentor1@demo.test"),
    (0, "Calendar sync", "How do we send each family's turn to their phone calendar?", "en", "resolved",
     (26 * 60, 26 * 60 - 15, 25 * 60), "mentor3@demo.test"),
    (4, "Геометки на фото", "Телефоны не сохраняют геометку в фото. Что делать?", "ru", "cancelled",
     (20 * 60, None, 19 * 60), None),
]
SEMI_FINAL_CRITERIA = [
    ({"en": "Impact", "ru": "Влияние", "ky": "Таасир"}, 40, {"en": {"1": "No clear benefit", "10": "Changes lives"}}),
    ({"en": "Feasibility", "ru": "Реализуемость", "ky": "Ишке ашуусу"}, 30,
     {"en": {"1": "Idea only", "10": "Ready for real users"}}),
    ({"en": "Inclusiveness", "ru": "Инклюзивность", "ky": "Инклюзивдүүлүк"}, 30,
     {"en": {"1": "For a few", "10": "For everyone, IT and non-IT alike"}}),
]
# How good each project looked at the semi-final (juror noise is small): Suu Kezek, Ачык Бюджет, Кыздар Код and
# Diaspora Desk are the finalists, Жаштар Медиа and Taza Jol keep building for the gallery.
QUALITY = {"Suu Kezek": 8.2, "Ачык Бюджет": 7.6, "Кыздар Код": 7.0, "Diaspora Desk": 6.4, "Жаштар Медиа": 5.6,
           "Taza Jol": 5.0}
COMMENTS = {"en": "Clear problem; show real users in the pitch.", "ru": "Понятная идея; покажите пользователей.",
            "ky": "Көйгөй так; питчте колдонуучуларды көрсөтүңүз."}
# The final: (juror email, [(finalist position, "submitted" | "draft")]); unlisted finalists are not scored yet.
FINAL_SHEETS = {
    "juror3@demo.test": [(0, "submitted"), (1, "draft")],
    "juror1@demo.test": [(0, "draft"), (2, "draft")],
    "juror2@demo.test": [(1, "submitted")],
    "juror4@demo.test": [],
    "juror5@demo.test": [(0, "draft")],
}
# Knows a member of a finalist team (one they did not score in the semi-final) and said so today.
CONFLICTED = "juror5@demo.test"


def load_live(now: datetime, accounts, people: dict[str, User], generated: list[User],
              tracks_from: list[tuple[str, str]]) -> Event:
    """Create the live event with its rows, or shift an existing one to `now`."""
    base = now.replace(minute=0, second=0, microsecond=0)

    def at(hours: float, minutes: float = 0) -> datetime:
        return base + timedelta(hours=hours, minutes=minutes)

    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if event is not None and demo._has_demo_applications(event):
        if event.hacking_starts_at is not None:
            shift_event(event, at(HACKING_STARTS) - event.hacking_starts_at)
        return event
    event = demo._event(
        SLUG, title="#DevelopMyCommunity Live",
        description=("A live edition of #DevelopMyCommunity: eight mixed teams of IT and non-IT people build "
                     "solutions for their communities with their mentors; the four finalists of the semi-final "
                     "pitch to the jury on the last day."),
        timezone="Asia/Bishkek", languages=["en", "ru", "ky"], min_team_size=2, max_team_size=5, is_published=True)
    event.applications_open_at, event.applications_close_at = at(APPLICATIONS_OPEN), at(APPLICATIONS_CLOSE)
    event.hacking_starts_at, event.submissions_close_at = at(HACKING_STARTS), at(SUBMISSIONS_CLOSE)
    event.pitching_starts_at, event.results_at = at(PITCHING_STARTS), at(RESULTS)
    event.created_at = event.updated_at = at(APPLICATIONS_OPEN - 7 * 24)
    if not event.tracks:
        for position, (name, description) in enumerate(tracks_from, start=1):
            db.session.add(Track(event=event, name=name, description=description, position=position))
    db.session.flush()
    _accounts(accounts, people)
    _roles(event, people, at)
    teams, members = _applications(event, people, generated, at)
    db.session.flush()
    challenge = _mentoring(event, people, teams, members, at)
    db.session.flush()
    submissions = _submissions(event, teams, members, challenge, at)
    db.session.flush()
    _judging(event, people, submissions, at)
    db.session.flush()
    _announcements(event, people, at)
    db.session.flush()
    return event


def _accounts(accounts, people: dict[str, User]) -> None:
    """The reviewer and the jurors the 2021 event created (found by email on a later run)."""
    email, name, locale, year, gender, region, country, background, skills, organisation = REVIEWER
    people[email] = accounts.get(email, name, locale=locale, year_of_birth=year, gender=gender, region=region,
                                 country=country, background=background, skills=skills, organisation=organisation,
                                 first_hackathon=False)
    for email, name, locale, year, gender, region, country, background, _offset in demo.JURORS:
        people[email] = accounts.get(email, name, locale=locale, year_of_birth=year, gender=gender, region=region,
                                     country=country, background=background, skills=["evaluation"],
                                     organisation=None, first_hackathon=False)
    for email in MENTORS:
        people[email] = people.get(email) or accounts.by_email[email]
    db.session.flush()


def _role(user: User, event: Event, role: Role, at: datetime) -> None:
    db.session.add(EventRole(user_id=user.id, event_id=event.id, role=role, created_at=at))


def _roles(event: Event, people: dict[str, User], at) -> None:
    _role(people["organiser@demo.test"], event, Role.organiser, at(APPLICATIONS_OPEN - 7 * 24))
    _role(people[REVIEWER[0]], event, Role.reviewer, at(APPLICATIONS_OPEN))
    for email in MENTORS:
        _role(people[email], event, Role.mentor, at(APPLICATIONS_CLOSE))
    for email in JURORS:
        _role(people[email], event, Role.juror, at(APPLICATIONS_CLOSE))


def _applications(event: Event, people: dict[str, User], generated: list[User], at):
    """Eight confirmed teams, three other teams, individual applications; ratings by the reviewer."""
    rng = random.Random(2626)
    questions = demo._settings(event, max_teams=len(TEAMS))
    tracks = list(event.tracks)
    organiser, reviewer = people["organiser@demo.test"], people[REVIEWER[0]]
    captains = {t[3] for t in TEAMS if t[3]}
    # The pool: generated people from the end of the list (varied by the generator), IT and non-IT alternating.
    pool = [user for user in generated[::-1] if user.email not in captains]
    it = [u for u in pool if u.background == Background.it]
    others = [u for u in pool if u.background != Background.it]

    def take(count: int, it_first: bool) -> list[User]:
        chosen = []
        for index in range(count):
            piles = (it, others) if (index % 2 == 0) == it_first else (others, it)
            chosen.append((piles[0] or piles[1]).pop(0))
        return chosen

    decided, opened = at(APPLICATIONS_CLOSE + 3 * 24), at(APPLICATIONS_OPEN)

    def submitted() -> datetime:
        return opened + timedelta(minutes=rng.randint(60, (APPLICATIONS_CLOSE - APPLICATIONS_OPEN) * 60 - 60))

    teams, members, applications = [], {}, []
    for index, (name, track, idea, captain_email, size, _state, _mentor) in enumerate(TEAMS):
        captain = people[captain_email] if captain_email else None
        team_people = ([captain] if captain else []) + take(size - (1 if captain else 0), index % 2 == 0)
        moment = submitted()
        team = demo._new_team(event, name, tracks[track], idea, team_people, at=moment - timedelta(days=1))
        teams.append(team)
        members[team.id] = team_people
        applications.append(demo._application(
            event, team_people[0], team=team, status=ApplicationStatus.confirmed, submitted_at=moment,
            answers=demo._answers(questions, team_people[0].locale or "en", rng), decided_at=decided,
            accepted_at=decided,
            decided_by_id=organiser.id, confirm_by=decided + timedelta(days=7),
            confirmed_at=decided + timedelta(hours=rng.randint(3, 60))))
        for user in team_people:
            _role(user, event, Role.participant, decided)
    for index, (name, track, status) in enumerate(OTHER_TEAMS):
        team_people = take(3, index % 2 == 1)
        moment = submitted()
        team = demo._new_team(event, name, tracks[track], f"{name}: an idea for the community.", team_people,
                              at=moment - timedelta(days=1))
        applications.append(demo._application(
            event, team_people[0], team=team, status=status, submitted_at=moment,
            answers=demo._answers(questions, team_people[0].locale or "en", rng),
            **demo._decision(status, organiser, decided, rng, index)))
    for index, status in enumerate(INDIVIDUALS):
        user = take(1, index % 2 == 0)[0]
        applications.append(demo._application(
            event, user, status=status, submitted_at=submitted(), looking_for_team=index % 2 == 0,
            answers=demo._answers(questions, user.locale or "en", rng),
            **demo._decision(status, organiser, decided, rng, index)))
    db.session.flush()
    waitlisted = [a for a in applications if a.status == ApplicationStatus.waitlisted][-UNRATED:]
    for application in applications:
        if application.status == ApplicationStatus.withdrawn or application in waitlisted:
            continue
        moment = application.submitted_at + timedelta(hours=rng.randint(6, 48))
        db.session.add(ApplicationRating(application_id=application.id, reviewer_id=reviewer.id,
                                         score=5 if application.status == ApplicationStatus.confirmed
                                         else rng.randint(1, 4), note="", created_at=moment, updated_at=moment))
    return teams, members


def _mentoring(event: Event, people: dict[str, User], teams: list, members: dict, at):
    """Profiles, an assignment for each team, milestones, a rubric, check-ins and reviews up to a few hours ago
    (the last team never checked in), help requests (two waiting, one in progress); returns the challenge the
    first team chose."""
    from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, HelpStatus, MentorAssignment,
                                            MentoringSettings, MentorProfile, MentorReview, Milestone,
                                            RubricCriterion, TeamChallenge, TeamStatus)

    rng = random.Random(27)
    organiser = people["organiser@demo.test"]
    db.session.add(MentoringSettings(event_id=event.id, mentors_per_team=1, stale_after_hours=12,
                                     show_summaries_to_jurors=True, created_at=at(HACKING_STARTS - 72),
                                     updated_at=at(HACKING_STARTS - 72)))
    spec = {row[0]: row for row in demo.MENTORS}
    tracks = list(event.tracks)
    for email in MENTORS:
        _email, *_account, expertise, positions, languages, capacity = spec[email]
        db.session.add(MentorProfile(event_id=event.id, user_id=people[email].id, expertise=expertise,
                                     track_ids=[tracks[p - 1].id for p in positions if p - 1 < len(tracks)],
                                     languages=languages, capacity=capacity,
                                     bio=f"{', '.join(expertise).capitalize()}.",
                                     created_at=at(HACKING_STARTS - 96), updated_at=at(HACKING_STARTS - 96)))
    for team, (_name, _track, _idea, _captain, _size, _state, mentor) in zip(teams, TEAMS):
        db.session.add(MentorAssignment(event_id=event.id, team_id=team.id, mentor_id=people[mentor].id,
                                        reasons={"track": True, "language": None, "expertise": []},
                                        assigned_by_id=organiser.id, created_at=at(HACKING_STARTS - 24)))
    milestones = [Milestone(event_id=event.id, title=title, due_at=at(hours), position=position)
                  for position, (hours, title) in enumerate(MILESTONES, start=1)]
    criteria = [RubricCriterion(event_id=event.id, name=name, position=position)
                for position, name in enumerate(demo.RUBRIC, start=1)]
    db.session.add_all(milestones + criteria)
    db.session.flush()
    for index, (team, row) in enumerate(zip(teams, TEAMS)):
        if row[5] == "none":
            continue  # the team that never checked in: the organiser's board lists it
        mentor = people[row[6]]
        # Both past milestones (the draft team missed the second), then a check-in a few hours ago.
        steps = [0] if row[5] == "draft" else [0, 1]
        moments = [milestones[step].due_at - timedelta(minutes=rng.randint(10, 80)) for step in steps]
        steps.append(2)
        moments.append(at(-6 + index // 2, -rng.randint(0, 40)))
        for step, moment in zip(steps, moments):
            done, next_steps, blockers = CHECK_INS[step]
            if index == 2 and step == steps[-1]:
                blockers = "We still have no budget data for 2025 from the district."
            db.session.add(CheckIn(event_id=event.id, team_id=team.id, author_id=team.captain_id,
                                   milestone_id=milestones[step].id if step < 2 else None, done=done,
                                   next_steps=next_steps, blockers=blockers,
                                   links=["https://github.com/example/demo"] if step else [], created_at=moment))
            if index == 0 and step == 2:
                continue  # mentor3 has not reviewed today's check-in yet
            status = TeamStatus.blocked if blockers else (
                TeamStatus.at_risk if (index + step) % 3 == 2 else TeamStatus.on_track)
            db.session.add(MentorReview(
                event_id=event.id, team_id=team.id, mentor_id=mentor.id, status=status,
                scores={str(c.id): min(5, max(1, 3 + rng.choice((-1, 0, 1)) + step // 2)) for c in criteria},
                comment_to_team=demo.REVIEW_COMMENTS[status.value],
                private_note="Strong captain; watch the scope." if index == 1 else "",
                created_at=moment + timedelta(minutes=rng.randint(20, 50))))
    track_position, title, author, description, links = demo.CHALLENGES_2021[0]
    challenge = Challenge(event_id=event.id, track_id=tracks[track_position].id, title=title,
                          description=description, data_links=links, created_by_id=people[author].id,
                          created_at=at(HACKING_STARTS - 20), updated_at=at(HACKING_STARTS - 20))
    db.session.add(challenge)
    db.session.flush()
    db.session.add(TeamChallenge(team_id=teams[0].id, challenge_id=challenge.id, chosen_at=at(HACKING_STARTS + 2)))
    for index, topic, description, language, status, (asked, claimed, finished), mentor in HELP:
        team = teams[index]
        db.session.add(HelpRequest(
            event_id=event.id, team_id=team.id, topic=topic, description=description, language=language,
            status=HelpStatus(status), created_by_id=members[team.id][-1].id, created_at=at(0, -asked),
            claimed_by_id=people[mentor].id if mentor else None,
            claimed_at=at(0, -claimed) if claimed is not None else None,
            resolved_at=at(0, -finished) if status == "resolved" else None,
            cancelled_at=at(0, -finished) if status == "cancelled" else None))
    return challenge


def _submissions(event: Event, teams: list, members: dict, challenge, at) -> list:
    """Six projects submitted for the semi-final and improved since (new versions), a draft, a team with none."""
    from hackathon.submissions import core
    from hackathon.submissions.models import Submission, SubmissionSettings, SubmissionStatus

    rng = random.Random(5)
    db.session.add(SubmissionSettings(event_id=event.id, required_fields=["tagline", "description", "track"],
                                      grace_minutes=10, max_screenshots=5, allow_archive=True,
                                      created_at=at(HACKING_STARTS - 48), updated_at=at(HACKING_STARTS - 48)))
    submitted = []
    for index, (team, row) in enumerate(zip(teams, TEAMS)):
        state = row[5]
        if state == "none":
            continue
        language, title, tagline, what, technologies = PROJECTS[team.name]
        people_in_team = members[team.id]
        author, other = people_in_team[0], people_in_team[1 % len(people_in_team)]
        started = at(HACKING_STARTS + 3 + index)
        submission = Submission(event_id=event.id, team_id=team.id, track_id=team.track_id, title=title,
                                challenge_id=challenge.id if index == 0 else None,
                                credited_user_ids=[u.id for u in people_in_team], technologies=technologies[:1],
                                created_at=started, updated_at=started)
        db.session.add(submission)
        db.session.flush()
        core.record_version(submission, author, "saved", started)
        if state == "draft":
            submission.technologies = technologies
            core.record_version(submission, other, "saved", at(-6))
            submission.updated_at = submission.last_saved_at
            continue
        heading, next_heading, next_steps = HEADINGS[language]
        submission.tagline, submission.technologies = tagline, technologies
        submission.description = f"{heading}\n\n{what or team.idea}\n\n{next_heading}\n\n{next_steps}"
        submission.repository_url = f"https://example.org/dmc-live/team-{index + 1}"
        submission.show_in_gallery = index != 3
        core.record_version(submission, other, "saved", at(SEMI_FINAL_OPENS - 4, -rng.randint(0, 50)))
        submission.status = SubmissionStatus.submitted
        submission.first_submitted_at = submission.submitted_at = at(SEMI_FINAL_OPENS - 2, -rng.randint(0, 50))
        core.record_version(submission, author, "submitted", submission.submitted_at)
        if index % 2 == 0:  # improved a few hours ago, still submitted
            submission.demo_url = f"https://example.org/dmc-live/demo-{index + 1}"
            core.record_version(submission, other, "saved", at(-2, -rng.randint(0, 50)))
        submission.updated_at = submission.last_saved_at
        submitted.append(submission)
    return submitted


def _judging(event: Event, people: dict[str, User], submissions: list, at) -> None:
    """The semi-final (closed, every sheet submitted, four finalists published), the final over them (open
    today, sheets part-way, one declared conflict) and its published pitch schedule."""
    from hackathon.judging import pitch
    from hackathon.judging.models import (ConflictSource, JudgingCriterion, JudgingRound, JurorAssignment,
                                          JurorConflict, PitchSchedule, PitchSlot, ProjectSource, ScoreSheet,
                                          ShortlistEntry, SheetStatus)
    from hackathon.judging.services import propose_shortlist

    rng = random.Random(99)
    organiser = people["organiser@demo.test"]
    jurors = [people[email] for email in JURORS]
    semi = JudgingRound(event_id=event.id, name={"en": "Semi-final", "ru": "Полуфинал", "ky": "Жарым финал"},
                        position=0, jurors_per_project=3, opens_at=at(SEMI_FINAL_OPENS),
                        closes_at=at(SEMI_FINAL_CLOSES), assignment_seed=26, created_at=at(HACKING_STARTS - 24),
                        updated_at=at(SHORTLIST_PUBLISHED))
    final = JudgingRound(event_id=event.id, name={"en": "Final", "ru": "Финал", "ky": "Финал"}, position=1,
                         project_source=ProjectSource.shortlist, assign_all=True, opens_at=at(FINAL_OPENS),
                         closes_at=at(RESULTS), assignment_seed=26, created_at=at(HACKING_STARTS - 24),
                         updated_at=at(FINAL_OPENS))
    db.session.add_all([semi, final])
    db.session.flush()
    final.source_round_id = semi.id
    semi_criteria = [JudgingCriterion(round_id=semi.id, position=i, name=name, weight=Decimal(weight), rubric=rubric)
                     for i, (name, weight, rubric) in enumerate(SEMI_FINAL_CRITERIA)]
    final_criteria = [JudgingCriterion(round_id=final.id, position=i, name=name, weight=Decimal(weight),
                                       rubric=rubric) for i, (name, weight, rubric) in enumerate(demo.PITCH_CRITERIA)]
    db.session.add_all(semi_criteria + final_criteria)
    db.session.flush()

    # The semi-final: three jurors a project, in turn; every sheet submitted before the round closed.
    quality = {s.id: QUALITY[s.team.name] for s in submissions}
    semi_pairs = set()
    for number, submission in enumerate(submissions):
        version = _version_at(submission.id, at(SEMI_FINAL_CLOSES))
        for offset in range(3):
            juror = jurors[(number + offset) % len(jurors)]
            semi_pairs.add((juror.id, submission.id))
            moment = at(SEMI_FINAL_CLOSES - 4, -rng.randint(0, 180))
            db.session.add(JurorAssignment(round_id=semi.id, juror_id=juror.id, submission_id=submission.id,
                                           reasons=[["load", "balanced"]], created_at=at(SEMI_FINAL_OPENS - 1)))
            db.session.add(ScoreSheet(
                round_id=semi.id, juror_id=juror.id, submission_id=submission.id, status=SheetStatus.submitted,
                scores={str(c.id): max(1, min(10, round(quality[submission.id] + rng.gauss(0, 0.3))))
                        for c in semi_criteria},
                comment_to_team=COMMENTS.get(juror.locale or "en", COMMENTS["en"]), submitted_at=moment,
                submission_version=version, lock_version=1, created_at=moment, updated_at=moment))
    semi.criteria_locked_at = at(SEMI_FINAL_OPENS + 2)
    db.session.flush()
    proposal = propose_shortlist(semi, 4)
    finalists = (proposal.proposed + proposal.tied_at_cut)[:4]
    for position, submission_id in enumerate(finalists):
        db.session.add(ShortlistEntry(round_id=semi.id, submission_id=submission_id, position=position,
                                      origin="proposed", created_by_id=organiser.id,
                                      created_at=at(SHORTLIST_PUBLISHED, -30)))
    semi.shortlist_size, semi.shortlist_published_at = 4, at(SHORTLIST_PUBLISHED)
    db.session.flush()

    # The final: every juror on every finalist but the declared conflict; a few sheets already saved.
    by_id = {s.id: s for s in submissions}
    conflicted = people[CONFLICTED]
    known = next(pid for pid in reversed(finalists) if (conflicted.id, pid) not in semi_pairs)
    db.session.add(JurorConflict(event_id=event.id, juror_id=conflicted.id, team_id=by_id[known].team_id,
                                 source=ConflictSource.declared, reason="My cousin is in this team.",
                                 created_by_id=conflicted.id, created_at=at(FINAL_OPENS, 20)))
    for juror in jurors:
        sheets = dict(FINAL_SHEETS[juror.email])
        for position, submission_id in enumerate(finalists):
            if juror.id == conflicted.id and submission_id == known:
                continue
            db.session.add(JurorAssignment(round_id=final.id, juror_id=juror.id, submission_id=submission_id,
                                           reasons=[["all", "every juror scores every pitch"]],
                                           created_at=at(FINAL_OPENS, -10)))
            status = sheets.get(position)
            if status is None:
                continue
            moment = at(0, -rng.randint(15, 150))
            scores = {str(c.id): rng.randint(5, 9) for c in final_criteria}
            if status == "draft":
                scores = dict(list(scores.items())[:2])  # half filled in
            db.session.add(ScoreSheet(
                round_id=final.id, juror_id=juror.id, submission_id=submission_id, status=SheetStatus(status),
                scores=scores, comment_to_team=COMMENTS.get(juror.locale or "en", "") if status == "submitted" else "",
                private_note="Ask about who maintains it after the hackathon." if status == "draft" else "",
                submitted_at=moment if status == "submitted" else None,
                submission_version=by_id[submission_id].lock_version, lock_version=1,
                created_at=moment, updated_at=moment))
            if status == "submitted" and final.criteria_locked_at is None:
                final.criteria_locked_at = moment

    semi.updated_at, final.updated_at = at(SHORTLIST_PUBLISHED), at(FINAL_OPENS)
    # The pitch schedule of the final: published twelve hours before, the finalists' slots two days later.
    schedule = PitchSchedule(round_id=final.id, starts_at=at(PITCHING_STARTS), pitch_minutes=5, qa_minutes=3,
                             changeover_minutes=2, order="shortlist", seed=0, break_after=2, break_minutes=10,
                             call_links="https://meet.example.org/dmc-live-final", reminder_hours=24,
                             published_at=at(SCHEDULE_PUBLISHED), created_at=at(SCHEDULE_PUBLISHED, -40),
                             updated_at=at(SCHEDULE_PUBLISHED))
    db.session.add(schedule)
    for slot in pitch.plan(finalists, starts_at=at(PITCHING_STARTS), pitch_minutes=5, qa_minutes=3,
                           changeover_minutes=2, break_after=2, break_minutes=10):
        db.session.add(PitchSlot(round_id=final.id, submission_id=slot.project_id, position=slot.position,
                                 session=slot.session, starts_at=slot.starts_at, pitch_ends_at=slot.pitch_ends_at,
                                 ends_at=slot.ends_at))


def _version_at(submission_id: int, moment: datetime) -> int | None:
    """The number of the submission's last version saved before `moment` (what a juror read then)."""
    from hackathon.submissions.models import SubmissionVersion

    return db.session.scalar(select(SubmissionVersion.number).where(
        SubmissionVersion.submission_id == submission_id, SubmissionVersion.created_at <= moment)
        .order_by(SubmissionVersion.number.desc()).limit(1))


def _announcements(event: Event, people: dict[str, User], at) -> None:
    """Two sent announcements (everyone on the first day of hacking; an essential one to the confirmed teams
    this morning), unread by all but the organiser, and one scheduled for three hours before submissions close
    to the teams without a submitted project. Written as rows, as the rest of the demo: nobody is mailed."""
    from sqlalchemy import insert

    from hackathon.announcements.audience import Audience, pick_language
    from hackathon.announcements.models import Announcement, AnnouncementDelivery, AnnouncementStatus
    from hackathon.announcements.services import audience_query

    organiser = people["organiser@demo.test"]
    texts = [
        (at(HACKING_STARTS + 1), False, Audience(), {
            "en": ("Mentor office hours every day at three", "Mentors wait for you **every afternoon at 15:00** "
                   "in the hall and on the call link of the Challenges page. Ask for help any time in between."),
            "ru": ("Часы менторов — каждый день в три", "Менторы ждут вас **каждый день в 15:00** в зале и по "
                   "ссылке на странице «Задачи». В остальное время просите помощи через запрос."),
            "ky": ("Менторлордун сааттары — күн сайын саат үчтө", "Менторлор сиздерди **күн сайын саат 15:00дө** "
                   "залда жана «Тапшырмалар» барагындагы шилтеме боюнча күтүшөт.")}),
        (at(-5), True, Audience(confirmed=True), {
            "en": ("Submissions close tomorrow", "Submit your project before the deadline on the Our project "
                   "page: **drafts are not judged**. The semi-final jurors read what is submitted."),
            "ru": ("Приём проектов закрывается завтра", "Отправьте проект до срока на странице «Наш проект»: "
                   "**черновики не оцениваются**."),
            "ky": ("Долбоорлорду кабыл алуу эртең жабылат", "Долбооруңузду мөөнөтүнө чейин «Биздин долбоор» "
                   "барагында жөнөтүңүз: **долбоордун черновиги бааланбайт**.")}),
    ]
    for sent_at, essential, audience, words in texts:
        announcement = Announcement(
            event_id=event.id, title={code: title for code, (title, _body) in words.items()},
            body={code: body for code, (_title, body) in words.items()}, essential=essential,
            audience=audience.as_dict(), status=AnnouncementStatus.sent, sent_at=sent_at, send_at=None,
            created_by_id=organiser.id, sent_by_id=organiser.id, created_at=sent_at - timedelta(minutes=20),
            updated_at=sent_at)
        db.session.add(announcement)
        db.session.flush()
        recipients = db.session.execute(audience_query(event, audience)).all()
        db.session.execute(insert(AnnouncementDelivery), [
            {"announcement_id": announcement.id, "user_id": person.id, "created_at": sent_at, "mailed": True,
             "locale": pick_language(person.locale, list(words), event.languages),
             "read_at": sent_at + timedelta(minutes=5) if person.id == organiser.id else None}
            for person in recipients])
        announcement.recipient_count = len(recipients)
    db.session.add(Announcement(
        event_id=event.id, essential=True, audience=Audience(without_submission=True, confirmed=True).as_dict(),
        title={"en": "Three hours left to submit", "ru": "До конца приёма проектов три часа",
               "ky": "Долбоор жөнөтүүгө үч саат калды"},
        body={"en": "Your team has not submitted its project yet. Press **Submit** on the Our project page.",
              "ru": "Ваша команда ещё не отправила проект. Нажмите **Отправить** на странице «Наш проект».",
              "ky": "Командаңыз долбоорун азырынча жөнөтө элек. «Биздин долбоор» барагында **Жөнөтүү** "
                    "баскычын басыңыз."},
        status=AnnouncementStatus.scheduled, send_at=at(SUBMISSIONS_CLOSE - 3), created_by_id=organiser.id,
        created_at=at(-4), updated_at=at(-4)))


# --- moving the event to a new `now` ---------------------------------------------------------------------------

# Mail is history: the outbox keeps the moments messages were queued and sent.
NOT_SHIFTED = {"outbox_messages", "users", "events"}


def shift_event(event: Event, delta: timedelta) -> int:
    """Add `delta` to every timestamp of the event and of the rows that belong to it (found through event_id,
    or through their round, submission, application or challenge). Returns the rows changed."""
    if not delta:
        return 0
    db.session.flush()
    tables = db.metadata.tables
    ids = {"events": [event.id]}

    def ids_of(name: str) -> list[int]:
        if name not in ids:
            table = tables[name]
            ids[name] = list(db.session.scalars(select(table.c.id).where(table.c.event_id == event.id)))
        return ids[name]

    owners = [("event_id", "events"), ("round_id", "judging_rounds"), ("submission_id", "submissions"),
              ("application_id", "applications"), ("challenge_id", "challenges")]
    changed = 0
    for table in db.metadata.sorted_tables:
        if table.name in NOT_SHIFTED or "id" not in table.c:
            continue
        columns = [c for c in table.c if isinstance(c.type, UTCDateTime)]
        owner = next(((column, parent) for column, parent in owners if column in table.c), None)
        if not columns or owner is None:
            continue
        column, parent = owner
        wanted = ids["events"] if parent == "events" else ids_of(parent)
        if not wanted:
            continue
        rows = db.session.execute(select(table.c.id, *columns).where(table.c[column].in_(wanted))).all()
        changed += _shift_rows(table, columns, rows, delta)
    changed += _shift_rows(tables["events"], [c for c in tables["events"].c if isinstance(c.type, UTCDateTime)],
                           db.session.execute(select(tables["events"].c.id, *[
                               c for c in tables["events"].c if isinstance(c.type, UTCDateTime)])
                               .where(tables["events"].c.id == event.id)).all(), delta)
    db.session.expire_all()
    return changed


def _shift_rows(table, columns, rows, delta: timedelta) -> int:
    if not rows:
        return 0
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {c.name: bindparam(f"new_{c.name}", type_=c.type) for c in columns})
    values = [{"row_id": row[0], **{f"new_{c.name}": (value + delta if value is not None else None)
                                   for c, value in zip(columns, row[1:])}} for row in rows]
    db.session.execute(statement, values)
    return len(rows)
