"""`flask demo`: idempotent, quick, realistic numbers, and every invariant the services keep."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hackathon.accounts.models import User
from hackathon.applications import stats as inclusion_stats
from hackathon.applications.inclusion import load_funnel
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationRating,
                                           ApplicationSettings, ApplicationStatus, MailTemplate)
from hackathon.database import utcnow
from hackathon.demo import load_demo
from hackathon.events.models import Event, EventRole, Invitation, Role, Track
from hackathon.events.phases import applications_open
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamInvitation, TeamInvitationStatus, TeamMember, team_name_key

MODELS = (User, Event, Track, EventRole, Invitation, ApplicationSettings, ApplicationQuestion, Application,
          ApplicationRating, MailTemplate, Team, TeamMember, TeamInvitation)
PAST, UPCOMING = "develop-my-community-2021", "develop-my-community-2027"
ACCEPTED = (ApplicationStatus.accepted, ApplicationStatus.confirmed)


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}


def event(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


@pytest.fixture
def demo(app):
    load_demo()
    db.session.expire_all()


def test_demo_twice_adds_nothing_and_prints_one_line(runner):
    # How long it takes is not asserted: a timed test fails on a busy machine.
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    summary = first.output.splitlines()[0]
    assert summary.startswith("Demo ready:") and "34 confirmed teams" in summary and PAST in summary
    assert second.output.splitlines()[0] == summary
    assert after_first["Team"] >= 40 and after_first["Application"] >= 80 and after_first["User"] >= 200


def test_past_event_numbers(demo):
    funnel = load_funnel(event(PAST))
    applied, accepted, confirmed = (funnel.total(stage) for stage in ("applied", "accepted", "confirmed"))
    assert 75 <= applied.applications <= 90
    assert 190 <= applied.people <= 220
    assert applied.individual_applications >= 20 and applied.teams >= 40
    assert (accepted.teams, confirmed.teams) == (34, 34)
    assert confirmed.individual_applications == 0
    assert funnel.not_counted["merged"] >= 3
    # The finished event reaches every stage: mentors, projects, a published shortlist, results with winners.
    assert funnel.in_use == frozenset(inclusion_stats.STAGES)
    teams = [funnel.total(stage).teams for stage in ("in_team", "mentored", "submitted", "shortlisted", "finalist",
                                                     "awarded")]
    assert 34 >= teams[0] >= teams[1] >= teams[2] >= teams[3] >= teams[4] >= teams[5] > 0, teams
    assert teams[3] < teams[2]  # not every project was shortlisted
    statuses = Counter(db.session.scalars(select(Application.status).where(Application.event_id == event(PAST).id)))
    assert {ApplicationStatus.rejected, ApplicationStatus.waitlisted, ApplicationStatus.withdrawn,
            ApplicationStatus.merged, ApplicationStatus.confirmed} == set(statuses)
    settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == event(PAST).id))
    assert settings.max_accepted_teams == 34


def test_past_event_people_are_diverse(demo):
    stats = load_funnel(event(PAST))
    applied = {dimension: {row.value: row.counts["applied"] for row in rows}
               for dimension, rows in stats.breakdowns.items()}
    assert applied["age_band"]["under_18"] == 0
    assert all(applied["age_band"][band] > 0 for band in ("18-24", "25-34", "35-44", "45-54", "55+"))
    regions = ("bishkek", "osh_city", "batken", "chuy", "issyk_kul", "jalal_abad", "naryn", "osh", "talas", "abroad")
    assert all(applied["region"][region] > 0 for region in regions), applied["region"]
    assert {"RU", "TR", "US", "DE", "KZ"} <= {key for key, value in applied["country"].items() if value}
    assert applied["diaspora"]["abroad"] >= 10
    assert min(applied["background"]["it"], applied["background"]["non_it"]) >= 60
    assert min(applied["gender"]["female"], applied["gender"]["male"]) >= 60
    assert applied["first_hackathon"]["yes"] >= 60 and applied["first_hackathon"]["no"] >= 30
    assert min(applied["language"]["ky"], applied["language"]["ru"], applied["language"]["en"]) >= 20
    # Some people left fields empty: the dashboard shows them as "Not given".
    assert applied["gender"]["unknown"] > 0 and applied["region"]["unknown"] > 0
    # Everyone covered at the 2021 event was 18 to 62 that year, with both ends present.
    years = list(db.session.scalars(
        select(User.year_of_birth).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.event_id == event(PAST).id)))
    ages = [2021 - year for year in years]
    assert min(ages) == 18 and max(ages) == 62


def test_confirmed_teams_mix_it_and_non_it(demo):
    rows = db.session.execute(
        select(Team.id, User.background).join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id)
        .join(Application, Application.team_id == Team.id)
        .where(Team.event_id == event(PAST).id, Application.status == ApplicationStatus.confirmed))
    backgrounds: dict[int, set] = {}
    for team_id, background in rows:
        backgrounds.setdefault(team_id, set()).add(background.value if background else None)
    assert len(backgrounds) == 34
    mixed = sum({"it", "non_it"} <= found for found in backgrounds.values())
    assert mixed >= 30, mixed


@pytest.mark.parametrize("slug", [PAST, UPCOMING])
def test_team_invariants(demo, slug):
    the_event = event(slug)
    teams = list(db.session.scalars(select(Team).where(Team.event_id == the_event.id)))
    assert teams
    members = Counter(db.session.scalars(select(TeamMember.team_id).where(TeamMember.event_id == the_event.id)))
    for team in teams:
        assert team.member_count == members[team.id], team.name
        assert the_event.min_team_size <= team.member_count <= the_event.max_team_size or team.member_count == 1
        assert team.name_key == team_name_key(team.name)
        member_ids = {member.user_id for member in team.members}
        assert team.captain_id in member_ids
        assert all(member.event_id == the_event.id for member in team.members)
        [application] = db.session.scalars(select(Application).where(Application.team_id == team.id)).all()
        assert (application.kind, application.user_id, application.individual_user_id, application.event_id) == (
            ApplicationKind.team, team.captain_id, None, the_event.id)
    assert len({team.join_code for team in teams}) == len(teams)
    # One team per person per event.
    per_person = Counter(db.session.scalars(select(TeamMember.user_id).where(TeamMember.event_id == the_event.id)))
    assert max(per_person.values()) == 1
    names = [team.name for team in teams]
    if slug == PAST:
        assert any(name.isascii() for name in names) and any(not name.isascii() for name in names)
        assert all(team.track_id is not None and team.idea for team in teams)


@pytest.mark.parametrize("slug", [PAST, UPCOMING])
def test_application_invariants(demo, slug):
    the_event = event(slug)
    applications = list(db.session.scalars(select(Application).where(Application.event_id == the_event.id)))
    members = dict(db.session.execute(select(TeamMember.user_id, TeamMember.team_id)
                                      .where(TeamMember.event_id == the_event.id)).all())
    team_status = {application.team_id: application.status for application in applications if application.team_id}
    question_ids = {str(question_id) for question_id in db.session.scalars(
        select(ApplicationQuestion.id).where(ApplicationQuestion.event_id == the_event.id))}
    for application in applications:
        if application.kind == ApplicationKind.individual:
            assert (application.individual_user_id, application.team_id) == (application.user_id, None)
            if application.status == ApplicationStatus.merged:
                # Applied alone, then joined a team: the team's application covers them.
                assert application.user_id in members
                assert team_status[members[application.user_id]] in ACCEPTED
            else:
                assert application.user_id not in members
        assert set(application.answers) <= question_ids
        if application.status != ApplicationStatus.draft:
            assert application.submitted_at is not None and application.consent_at is not None
        if application.status in (ApplicationStatus.confirmed, ApplicationStatus.rejected,
                                  ApplicationStatus.waitlisted):
            assert application.decided_at is not None and application.decided_by_id is not None
    # Participants are exactly the people of accepted or confirmed applications.
    expected = {application.user_id for application in applications
                if application.kind == ApplicationKind.individual and application.status in ACCEPTED}
    expected |= {user_id for user_id, team_id in members.items() if team_status.get(team_id) in ACCEPTED}
    participants = set(db.session.scalars(select(EventRole.user_id).where(
        EventRole.event_id == the_event.id, EventRole.role == Role.participant)))
    assert participants == expected
    if slug == PAST:
        assert len(participants) >= 120


def test_application_form_in_three_languages(demo):
    for slug in (PAST, UPCOMING):
        the_event = event(slug)
        settings = db.session.scalar(select(ApplicationSettings).where(ApplicationSettings.event_id == the_event.id))
        assert settings.minimum_age == 18
        assert set(settings.consent_text) == {"en", "ru", "ky"} and all(settings.consent_text.values())
        questions = list(db.session.scalars(select(ApplicationQuestion).where(
            ApplicationQuestion.event_id == the_event.id).order_by(ApplicationQuestion.position)))
        assert 3 <= len(questions) <= 4
        assert len({question.kind for question in questions}) == len(questions)
        for question in questions:
            assert set(question.label) == {"en", "ru", "ky"}
            for option in question.options:
                assert set(option["label"]) == {"en", "ru", "ky"}
    # Choice answers are values of the question's options.
    questions = {str(q.id): q for q in db.session.scalars(
        select(ApplicationQuestion).where(ApplicationQuestion.event_id == event(PAST).id))}
    for answers in db.session.scalars(select(Application.answers).where(Application.event_id == event(PAST).id)):
        for key, value in answers.items():
            values = {option["value"] for option in questions[key].options}
            if values:
                assert set(value if isinstance(value, list) else [value]) <= values


def test_upcoming_event_has_drafts_invitations_and_a_person_looking_for_a_team(demo):
    the_event = event(UPCOMING)
    now = utcnow()
    assert applications_open(the_event.schedule, now)
    applications = list(db.session.scalars(select(Application).where(Application.event_id == the_event.id)))
    statuses = Counter(application.status for application in applications)
    assert statuses[ApplicationStatus.draft] >= 3
    assert 1 <= statuses[ApplicationStatus.submitted] <= 3
    assert any(application.looking_for_team and application.status == ApplicationStatus.submitted
               for application in applications)
    pending = list(db.session.scalars(select(TeamInvitation).where(
        TeamInvitation.event_id == the_event.id, TeamInvitation.status == TeamInvitationStatus.pending)))
    assert len(pending) >= 2 and all(invitation.is_open(now) for invitation in pending)
    assert all(invitation.expires_at > now + timedelta(days=1) for invitation in pending)
    team = db.session.get(Team, pending[0].team_id)
    assert team.member_count < the_event.max_team_size
    invited = {invitation.user_id for invitation in pending if invitation.user_id}
    members = set(db.session.scalars(select(TeamMember.user_id).where(TeamMember.event_id == the_event.id)))
    assert not invited & members  # invitees are not in a team yet
    assert not db.session.scalars(select(EventRole).where(EventRole.event_id == the_event.id,
                                                          EventRole.role == Role.participant)).all()


def test_applicant1_is_a_participant_of_a_confirmed_team(demo, client, login):
    applicant = db.session.scalar(select(User).where(User.email == "applicant1@demo.test"))
    membership = db.session.scalar(select(TeamMember).where(TeamMember.user_id == applicant.id,
                                                            TeamMember.event_id == event(PAST).id))
    assert membership.team.captain_id != applicant.id
    application = db.session.scalar(select(Application).where(Application.team_id == membership.team_id))
    assert application.status == ApplicationStatus.confirmed
    roles = set(db.session.scalars(select(EventRole.role).where(EventRole.user_id == applicant.id,
                                                                EventRole.event_id == event(PAST).id)))
    assert roles == {Role.participant}
    login(client, applicant, "hackathon-demo")
    assert client.get(f"/events/{PAST}/inclusion").status_code == 403


def test_demo_accounts_keep_working_and_the_organiser_sees_the_dashboard(demo, client, login):
    for email in ("admin@demo.test", "organiser@demo.test", "mentor1@demo.test", "juror1@demo.test",
                  "applicant1@demo.test", "applicant20@demo.test", "participant001@demo.test"):
        assert db.session.scalar(select(User).where(User.email == email)) is not None, email
    organiser = db.session.scalar(select(User).where(User.email == "organiser@demo.test"))
    login(client, organiser, "hackathon-demo")
    response = client.get(f"/events/{PAST}/inclusion")
    assert response.status_code == 200
    # nine stages by eight dimensions, each a chart and a table, for 200 people: under 100 KB (about 96 KB now)
    assert len(response.data) < 100_000
    assert client.get(f"/api/v1/events/{PAST}/stats").get_json()["stats"]["funnel"][2]["teams"] == 34


# --- mentoring at the 2021 event ---------------------------------------------------------------------------------


def test_demo_mentoring_invariants(demo):
    from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, HelpStatus, MentorAssignment,
                                            MentoringSettings, MentorProfile, MentorReview, Milestone,
                                            RubricCriterion, TeamChallenge, TeamStatus)

    dmc = event(PAST)
    confirmed = set(db.session.scalars(select(Application.team_id).where(
        Application.event_id == dmc.id, Application.kind == ApplicationKind.team, Application.status.in_(ACCEPTED))))
    assert len(confirmed) == 34
    assignments = list(db.session.scalars(select(MentorAssignment).where(MentorAssignment.event_id == dmc.id)))
    # Every confirmed team has a mentor, and only confirmed teams have one.
    assert {a.team_id for a in assignments} == confirmed
    assert all(a.reasons and "track" in a.reasons for a in assignments)
    profiles = {p.user_id: p for p in db.session.scalars(select(MentorProfile).where(MentorProfile.event_id == dmc.id))}
    assert 9 <= len(profiles) <= 12
    mentor_role = set(db.session.scalars(select(EventRole.user_id).where(EventRole.event_id == dmc.id,
                                                                          EventRole.role == Role.mentor)))
    assert set(profiles) <= mentor_role and {a.mentor_id for a in assignments} <= set(profiles)
    # No mentor above capacity.
    load = Counter(a.mentor_id for a in assignments)
    assert all(load[user_id] <= profile.capacity for user_id, profile in profiles.items())
    # No mentor assigned to a team they are a member of.
    membership = {tuple(row) for row in db.session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                                           .where(TeamMember.event_id == dmc.id))}
    assert not any((a.team_id, a.mentor_id) in membership for a in assignments)
    for profile in profiles.values():
        assert profile.expertise and profile.track_ids and set(profile.languages) <= {"ky", "ru", "en"}
    # mentor1 mentors applicant1's team "Taza Suu".
    taza = db.session.scalar(select(Team).where(Team.event_id == dmc.id, Team.name == "Taza Suu"))
    mentor1 = db.session.scalar(select(User).where(User.email == "mentor1@demo.test"))
    applicant1 = db.session.scalar(select(User).where(User.email == "applicant1@demo.test"))
    assert (taza.id, applicant1.id) in membership
    assert any(a.team_id == taza.id and a.mentor_id == mentor1.id for a in assignments)
    assert db.session.scalar(select(User).where(User.email == "mentor10@demo.test")) is not None

    assert db.session.scalar(select(MentoringSettings).where(MentoringSettings.event_id == dmc.id)) is not None
    assert 2 <= db.session.scalar(select(func.count()).select_from(Milestone).where(Milestone.event_id == dmc.id)) <= 3
    criteria = list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.event_id == dmc.id)))
    assert len(criteria) == 3 and all(set(c.name) == {"en", "ru", "ky"} for c in criteria)
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.event_id == dmc.id)) >= 34
    reviews = list(db.session.scalars(select(MentorReview).where(MentorReview.event_id == dmc.id)
                                      .order_by(MentorReview.created_at)))
    assert {r.status for r in reviews} == set(TeamStatus)
    latest = {r.team_id: r.status for r in reviews}
    assert 1 <= sum(status == TeamStatus.blocked for status in latest.values()) <= 4
    assert all(reviewed.mentor_id == next(a.mentor_id for a in assignments if a.team_id == reviewed.team_id)
               for reviewed in reviews)
    assert all(set(r.scores) == {str(c.id) for c in criteria} and all(1 <= v <= 5 for v in r.scores.values())
               for r in reviews)

    challenges = list(db.session.scalars(select(Challenge).where(Challenge.event_id == dmc.id)))
    assert len(challenges) == 2 and all(c.data_links and c.track_id for c in challenges)
    assert all(link.startswith("https://") for c in challenges for link in c.data_links)
    chosen = list(db.session.scalars(select(TeamChallenge).join(Challenge).where(Challenge.event_id == dmc.id)))
    assert 2 <= len(chosen) <= 10 and {c.team_id for c in chosen} <= confirmed
    requests = list(db.session.scalars(select(HelpRequest).where(HelpRequest.event_id == dmc.id)))
    assert {HelpStatus.open, HelpStatus.claimed, HelpStatus.resolved} <= {r.status for r in requests}
    assert all(r.team_id in confirmed for r in requests)
    assert all((r.claimed_by_id is None) == (r.status == HelpStatus.open) for r in requests)
    assert all(r.claimed_by_id in mentor_role for r in requests if r.claimed_by_id)


def test_demo_mentoring_twice_duplicates_nothing(demo):
    from hackathon.mentoring.models import (Challenge, CheckIn, HelpRequest, MentorAssignment, MentoringSettings,
                                            MentorProfile, MentorReview, Milestone, RubricCriterion, TeamChallenge)

    models = (MentorProfile, MentorAssignment, MentoringSettings, Milestone, RubricCriterion, CheckIn, MentorReview,
              Challenge, TeamChallenge, HelpRequest, EventRole, User)
    before = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}
    load_demo()
    db.session.expire_all()
    assert {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models} == before


def test_demo_mentor_signs_in_and_sees_the_mentoring_pages(demo, client):
    response = client.post("/login", data={"email": "mentor1@demo.test", "password": "hackathon-demo"})
    assert response.status_code == 302
    page = client.get(f"/events/{PAST}/challenges").get_data(as_text=True)
    assert "Where do the pipes break?" in page and "<table>" in page
    assert client.get(f"/events/{PAST}/help/queue").status_code == 200


# --- project submissions at the 2021 event -----------------------------------------------------------------------


def test_demo_submissions(demo, client_for_demo):
    from hackathon.submissions import organiser as submission_services
    from hackathon.submissions.deadlines import SubmissionState
    from hackathon.submissions.models import (Attachment, DeadlineExemption, ExemptionKind, Submission,
                                              SubmissionSettings, SubmissionStatus, SubmissionVersion)

    dmc = event(PAST)
    confirmed = set(db.session.scalars(select(Application.team_id).where(
        Application.event_id == dmc.id, Application.kind == ApplicationKind.team, Application.status.in_(ACCEPTED))))
    submissions = list(db.session.scalars(select(Submission).where(Submission.event_id == dmc.id)))
    assert len(submissions) == 34 and {s.team_id for s in submissions} == confirmed
    assert all(s.status == SubmissionStatus.submitted and s.title and s.tagline and s.description
               and s.repository_url.startswith("https://example.org/") and s.technologies and s.track_id
               and s.credited_user_ids for s in submissions)
    titles = [s.title for s in submissions]
    assert len(set(titles)) == 34
    assert any(title.isascii() for title in titles) and any(not title.isascii() for title in titles)
    assert 25 <= sum(s.show_in_gallery for s in submissions) < 34
    settings = db.session.scalar(select(SubmissionSettings).where(SubmissionSettings.event_id == dmc.id))
    assert settings is not None and settings.gallery_opened_at == dmc.results_at  # the results opened it

    # Two late submissions under an extension; everyone else on time.
    exemptions = list(db.session.scalars(select(DeadlineExemption).where(DeadlineExemption.event_id == dmc.id)))
    assert len(exemptions) == 2 and all(e.kind == ExemptionKind.extension and e.reason for e in exemptions)
    organiser = db.session.scalar(select(User).where(User.email == "organiser@demo.test"))
    listing = submission_services.submission_rows(organiser, dmc, now=utcnow())
    states = Counter(row.state for row in listing.rows)
    assert states == {SubmissionState.submitted: 32, SubmissionState.late: 2}
    assert {row.team.id for row in listing.rows if row.state == SubmissionState.late} == {
        e.team_id for e in exemptions}

    # History: two or three versions each, the last one matching the row.
    versions = Counter(db.session.scalars(select(SubmissionVersion.submission_id).join(Submission)
                                          .where(Submission.event_id == dmc.id)))
    assert set(versions.values()) == {2, 3}
    assert all(versions[s.id] == s.lock_version for s in submissions)

    # Eight teams with a generated pitch deck and screenshot, which their members download.
    attachments = list(db.session.scalars(select(Attachment).join(Submission).where(Submission.event_id == dmc.id)))
    assert Counter(a.kind.value for a in attachments) == {"deck": 8, "screenshot": 8}
    members = dict(db.session.execute(select(TeamMember.team_id, TeamMember.user_id)
                                      .where(TeamMember.event_id == dmc.id)).all())
    by_submission = {s.id: s for s in submissions}
    for attachment in attachments[:4]:
        member = db.session.get(User, members[by_submission[attachment.submission_id].team_id])
        response = client_for_demo(member).get(f"/events/{PAST}/files/{attachment.id}")
        assert response.status_code == 200, attachment.display_name
        assert response.data.startswith(b"%PDF-" if attachment.kind.value == "deck" else b"\x89PNG")
        assert len(response.data) == attachment.size
    outsider = db.session.scalar(select(User).where(User.email == "applicant20@demo.test"))
    # Since the results opened the gallery, outsiders fetch the files of teams that opted in, and only those.
    for attachment in attachments:
        status = client_for_demo(outsider).get(f"/events/{PAST}/files/{attachment.id}").status_code
        assert status == (200 if by_submission[attachment.submission_id].show_in_gallery else 404) or (
            not by_submission[attachment.submission_id].show_in_gallery and status == 403)


def test_demo_submissions_twice_add_nothing(demo):
    from hackathon.submissions.models import (Attachment, DeadlineExemption, Submission, SubmissionSettings,
                                              SubmissionVersion)

    models = (Submission, SubmissionVersion, Attachment, DeadlineExemption, SubmissionSettings)
    before = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}
    load_demo()
    db.session.expire_all()
    assert {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models} == before


@pytest.fixture
def client_for_demo(app):
    from tests.test_challenges import sign_in

    def make(user: User):
        client = app.test_client()
        sign_in(client, user)
        return client

    return make


def test_demo_screening_round(demo, client_for_demo):
    from hackathon.judging import services
    from hackathon.judging.models import JudgingRound, JurorAssignment, ScoreSheet, SheetStatus

    dmc = db.session.scalar(select(Event).where(Event.slug == "develop-my-community-2021"))
    screening = db.session.scalar(select(JudgingRound).where(JudgingRound.event_id == dmc.id,
                                                             JudgingRound.position == 0))
    assert [c.name["en"] for c in screening.criteria] == ["Impact", "Feasibility", "Innovation", "Inclusiveness"]
    assert [int(c.weight) for c in screening.criteria] == [35, 25, 20, 20]
    assert len(services.event_jurors(dmc)) == 8
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == screening.id)))
    assert len(sheets) == 34 * 3 and {s.status for s in sheets} == {SheetStatus.submitted}
    assert Counter(s.submission_id for s in sheets).most_common()[-1][1] == 3
    pairs = {(a.juror_id, a.submission.team_id) for a in db.session.scalars(
        select(JurorAssignment).where(JurorAssignment.round_id == screening.id))}
    conflicts = services.conflict_pairs(dmc, [u.id for u in services.event_jurors(dmc)], [])
    assert conflicts and not pairs & set(conflicts)
    board = services.round_board(screening)
    assert len(board.board.projects) == 34 and board.board.connected
    lenient = db.session.scalar(select(User).where(User.email == "juror4@demo.test"))
    harsh = db.session.scalar(select(User).where(User.email == "juror5@demo.test"))
    assert board.board.jurors[lenient.id].leniency > 0 > board.board.jurors[harsh.id].leniency
    organiser = db.session.scalar(select(User).where(User.email == "organiser@demo.test"))
    page = client_for_demo(organiser).get(f"/events/develop-my-community-2021/judging/{screening.id}/leaderboard")
    assert page.status_code == 200 and ": 102." in page.get_data(as_text=True)  # sheets counted (in Russian)
    from hackathon.judging.models import ShortlistEntry

    shortlist = services.shortlist_of(screening)
    assert len(shortlist) >= 16 and screening.shortlist_published_at is not None
    assert [e.submission_id for e in shortlist][:16] == [p.project_id for p in board.board.projects][:16]
    before = db.session.scalar(select(func.count()).select_from(ScoreSheet))
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(ShortlistEntry)
                             .where(ShortlistEntry.round_id == screening.id)) == len(shortlist)
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == before


def test_demo_pitch_final_and_published_results(demo, app):
    demo_app = app
    from hackathon.judging import services
    from hackathon.judging.models import JudgingRound, ScoreSheet
    from hackathon.results import services as results
    from hackathon.results.models import Award

    dmc = db.session.scalar(select(Event).where(Event.slug == "develop-my-community-2021"))
    pitch = db.session.scalar(select(JudgingRound).where(JudgingRound.event_id == dmc.id, JudgingRound.position == 1))
    assert pitch.assign_all and len(services.round_projects(pitch)) == 16
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == pitch.id)))
    assert len({s.juror_id for s in sheets}) == 5 and 16 * 5 - 5 <= len(sheets) <= 16 * 5
    conflicts = services.conflict_pairs(dmc, list({s.juror_id for s in sheets}), [])
    assert not {(s.juror_id, s.submission.team_id) for s in sheets} & set(conflicts)
    settings = results.published(dmc)
    assert settings is not None and settings.snapshot["final_round_id"] == pitch.id
    awards = settings.snapshot["awards"]
    assert [a["kind"] for a in awards] == ["place", "place", "place", "special", "special"]
    winners = [a["winners"][0]["project_id"] for a in awards]
    assert len(set(winners)) == 5 and winners[:3] == [e["project_id"] for e in settings.snapshot["ranking"][:3]]
    page = demo_app.test_client().get("/events/develop-my-community-2021/results")
    assert page.status_code == 200 and "Audience award" in page.get_data(as_text=True)
    from hackathon.results.models import Certificate
    from hackathon.teams.models import TeamMember

    certificates = list(db.session.scalars(select(Certificate).where(Certificate.event_id == dmc.id)))
    members = db.session.scalar(select(func.count()).select_from(TeamMember).where(TeamMember.event_id == dmc.id))
    holders = {row[0] for row in results.certificate_holders(dmc)}  # confirmed teams with a submitted project
    assert {c.user_id for c in certificates} == holders and 0 < len(holders) < members
    members = len(holders)
    assert {c.kind for c in certificates} == {"winner", "finalist", "participation"}
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(Award).where(Award.event_id == dmc.id)) == 5
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == members
