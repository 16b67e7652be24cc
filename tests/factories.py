"""Shared test factories (the indico `create_user(...)` habit): plain functions that take the values a test cares
about, write the rows with the app's own services where they exist (so the audit log and the outbox are filled as
in real use) or as the demo does (keeping every invariant the services keep), and return the objects.

Every function commits (or flushes, where noted), so the objects are ready for requests through the test client.
`create_event(phase=Phase.hacking)` places the six moments of the schedule around `now` so that
`event.phase(now)` is the phase asked for.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable

from hackathon.accounts.models import ApiToken, User
from hackathon.accounts.services import hash_api_token, hash_password
from hackathon.applications.models import (Application, ApplicationKind, ApplicationQuestion, ApplicationRating,
                                           ApplicationStatus, MailTemplate, QuestionKind)
from hackathon.database import utcnow
from hackathon.events.models import Event, EventRole, Invitation, Role, Track
from hackathon.events.phases import PHASE_ORDER, Phase
from hackathon.extensions import db
from hackathon.teams.models import Team, TeamInvitation, TeamInvitationKind, TeamMember, team_name_key

PASSWORD = "correct horse battery"
_hashes: dict[str, str] = {}
_counter = {"n": 0}

# The schedule's moments in phase order (the first starts `applications`, the last starts `results`).
MOMENTS = ("applications_open_at", "applications_close_at", "hacking_starts_at", "submissions_close_at",
           "pitching_starts_at", "results_at")


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def _password_hash(password: str) -> str:
    """One (slow) hash per password for the whole run."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- people --------------------------------------------------------------------------------------------------------


def create_user(email: str | None = None, *, name: str | None = None, password: str = PASSWORD,
                confirmed: bool = True, admin: bool = False, locale: str | None = "en", **profile) -> User:
    """A person with a confirmed account and the profile given (skills, organisation, year_of_birth, ...)."""
    n = _next()
    user = User(email=email or f"person{n}@example.org", name=name or f"Person {n}",
                password_hash=_password_hash(password), email_confirmed_at=utcnow() if confirmed else None,
                is_admin=admin, locale=locale, skills=profile.pop("skills", []), **profile)
    db.session.add(user)
    db.session.commit()
    return user


def grant(user: User, event: Event, *roles: Role) -> list[EventRole]:
    rows = [EventRole(user_id=user.id, event_id=event.id, role=role) for role in roles]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def create_api_token(user: User, name: str = "script") -> tuple[ApiToken, str]:
    """A personal API token and its secret (for `Authorization: Bearer <secret>`)."""
    secret = "hk_" + secrets.token_urlsafe(24)
    token = ApiToken(user=user, name=name, token_hash=hash_api_token(secret), prefix=secret[:8])
    db.session.add(token)
    db.session.commit()
    return token, secret


# --- events --------------------------------------------------------------------------------------------------------


def phase_times(phase: Phase | str, now: datetime | None = None, *, step: timedelta = timedelta(days=1)
                ) -> dict[str, datetime]:
    """The six moments of a schedule placed around `now` so that the event is in `phase` at `now`: the moments
    of the phases up to `phase` lie in the past, the others in the future, `step` apart (half a step around now)."""
    now = now or utcnow()
    index = PHASE_ORDER.index(Phase(phase))
    return {moment: now + step * (number - index) - step / 2 for number, moment in enumerate(MOMENTS, start=1)}


def create_event(slug: str | None = None, *, phase: Phase | str = Phase.applications, now: datetime | None = None,
                 organiser: User | None = None, **values) -> Event:
    """A published event in `phase` at `now` (see `phase_times`); `values` override any column."""
    n = _next()
    defaults = dict(title=f"Event {n}", description="", timezone="Asia/Bishkek", languages=["en", "ru", "ky"],
                    min_team_size=1, max_team_size=5, is_published=True) | phase_times(phase, now)
    event = Event(slug=slug or f"event-{n}", **(defaults | values))
    db.session.add(event)
    db.session.commit()
    if organiser is not None:
        grant(organiser, event, Role.organiser)
    return event


def create_track(event: Event, name: str | None = None, *, description: str = "", actor: User | None = None
                 ) -> Track:
    """Through the service (audited) when an organiser is given, else directly."""
    name = name or f"Track {_next()}"
    if actor is not None:
        from hackathon.events.services import add_track

        return add_track(actor, event, name=name, description=description)
    track = Track(event_id=event.id, name=name, description=description, position=len(event.tracks) + 1)
    db.session.add(track)
    db.session.commit()
    return track


def create_role_invitation(event: Event, email: str, role: Role = Role.mentor, *, invited_by: User | None = None
                           ) -> tuple[Invitation, str]:
    """A pending invitation into a role and the path of its link."""
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(event_id=event.id, email=email, role=role, token_hash=_sha256(secret),
                            invited_by_id=invited_by.id if invited_by else None,
                            expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    db.session.commit()
    return invitation, f"/invitations/{secret}"


# --- applications --------------------------------------------------------------------------------------------------


def create_question(event: Event, kind: QuestionKind | str = QuestionKind.short_text, label: str | dict | None = None,
                    *, help_text: str | dict = "", options: Iterable[str | dict] = (), required: bool = False,
                    actor: User | None = None, **values) -> ApplicationQuestion:
    """A question of the application form; `label`, `help_text` and each option may be a text (used for every
    event language) or {language: text}. Through the service when an organiser is given."""

    def texts(value) -> dict[str, str]:
        return dict(value) if isinstance(value, dict) else ({lang: value for lang in event.languages} if value else {})

    kind = QuestionKind(kind)
    label = texts(label or f"Question {_next()}")
    if actor is not None:
        from hackathon.applications.services import OptionInput, QuestionInput, create_question as service

        data = QuestionInput(kind=kind.value, required=required, label=label, help_text=texts(help_text),
                             options=[OptionInput(value=None, label=texts(option)) for option in options],
                             min_value=values.get("min_value"), max_value=values.get("max_value"))
        return service(actor, event, data)
    question = ApplicationQuestion(
        event_id=event.id, kind=kind, required=required, label=label, help_text=texts(help_text),
        options=[{"value": f"o{number}", "label": texts(option)} for number, option in enumerate(options, start=1)],
        position=values.pop("position", _next()), **values)
    db.session.add(question)
    db.session.commit()
    return question


def create_application(event: Event, user: User, *, status: ApplicationStatus | str = ApplicationStatus.submitted,
                       team: Team | None = None, answers: dict | None = None, now: datetime | None = None,
                       looking_for_team: bool = False, reason: str | None = None) -> Application:
    """An application (individual, or the team's when `team` is given) in `status`, with the timestamps that
    status implies; accepted and confirmed people (all members of a team) get the participant role."""
    now = now or utcnow()
    status = ApplicationStatus(status)
    submitted = status != ApplicationStatus.draft
    decided = status in (ApplicationStatus.accepted, ApplicationStatus.confirmed, ApplicationStatus.waitlisted,
                         ApplicationStatus.rejected, ApplicationStatus.declined, ApplicationStatus.lapsed)
    application = Application(
        event_id=event.id, kind=ApplicationKind.team if team else ApplicationKind.individual, user_id=user.id,
        individual_user_id=None if team else user.id, team_id=team.id if team else None, status=status,
        answers=answers or {}, looking_for_team=looking_for_team,
        submitted_at=now - timedelta(days=2) if submitted else None,
        consent_at=now - timedelta(days=2) if submitted else None,
        decided_at=now - timedelta(days=1) if decided else None, decision_reason=reason,
        confirm_by=now + timedelta(days=5) if status == ApplicationStatus.accepted else None,
        confirmed_at=now - timedelta(hours=12) if status == ApplicationStatus.confirmed else None,
        accepted_at=now - timedelta(days=1) if status in (ApplicationStatus.accepted, ApplicationStatus.confirmed,
                                                          ApplicationStatus.declined, ApplicationStatus.lapsed)
        else None,
        waitlist_rank=1 if status == ApplicationStatus.waitlisted else None)
    db.session.add(application)
    if status in (ApplicationStatus.accepted, ApplicationStatus.confirmed):
        people = [m.user_id for m in team.members] if team else [user.id]
        held = {r.user_id for r in db.session.query(EventRole).filter_by(event_id=event.id, role=Role.participant)}
        db.session.add_all(EventRole(event_id=event.id, user_id=person, role=Role.participant)
                           for person in people if person not in held)
    db.session.commit()
    return application


def rate_application(application: Application, reviewer: User, score: int = 4, note: str = "") -> ApplicationRating:
    rating = ApplicationRating(application_id=application.id, reviewer_id=reviewer.id, score=score, note=note)
    db.session.add(rating)
    db.session.commit()
    return rating


def decide(actor: User, event: Event, applications: Iterable[Application], decision: str, *,
           reason: str | None = None, now: datetime | None = None):
    """Accept, waitlist or reject submitted applications through the service (audited, decision mails queued)."""
    from hackathon.applications.review import decide_applications

    return decide_applications(actor, event, [a.id for a in applications], decision, reason=reason, now=now)


def create_mail_template(event: Event, key: str = "accepted", locale: str = "en", *, subject: str, body: str,
                         by: User | None = None) -> MailTemplate:
    template = MailTemplate(event_id=event.id, key=key, locale=locale, subject=subject, body=body,
                            updated_by_id=by.id if by else None)
    db.session.add(template)
    db.session.commit()
    return template


# --- teams ---------------------------------------------------------------------------------------------------------


def create_team(event: Event, captain: User, *members: User, name: str | None = None, track: Track | None = None,
                idea: str = "", looking: bool = False, wanted_skills: list[str] | None = None,
                application: ApplicationStatus | str | None = None, now: datetime | None = None) -> Team:
    """A team (captain first) with its members; with `application`, the team's application in that status."""
    name = name or f"Team {_next()}"
    people = [captain, *members]
    team = Team(event_id=event.id, name=name, name_key=team_name_key(name), track_id=track.id if track else None,
                idea=idea, captain_id=captain.id, join_code=secrets.token_urlsafe(9), looking_for_members=looking,
                wanted_skills=wanted_skills or [], member_count=len(people))
    db.session.add(team)
    db.session.flush()
    start = (now or utcnow()) - timedelta(days=3)
    for offset, person in enumerate(people):
        db.session.add(TeamMember(event_id=event.id, team_id=team.id, user_id=person.id,
                                  joined_at=start + timedelta(minutes=offset)))
    db.session.commit()
    if application is not None:
        create_application(event, captain, team=team, status=application, now=now)
    return team


def create_team_invitation(team: Team, email: str, *, kind: TeamInvitationKind = TeamInvitationKind.invite,
                           user: User | None = None, message: str = "", by: User | None = None
                           ) -> tuple[TeamInvitation, str]:
    """A pending invitation into a team (mailed link for invites) and the path of its link."""
    secret = secrets.token_urlsafe(24)
    invitation = TeamInvitation(event_id=team.event_id, team_id=team.id, kind=kind, email=email,
                                user_id=user.id if user else None,
                                token_hash=_sha256(secret) if kind == TeamInvitationKind.invite else None,
                                message=message, created_by_id=(by or user).id if (by or user) else None,
                                expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.commit()
    event = db.session.get(Event, team.event_id)
    return invitation, f"/events/{event.slug}/team-invitations/{secret}"


# --- mentoring -----------------------------------------------------------------------------------------------------


def create_mentor_profile(event: Event, mentor: User, *, expertise: list[str] | None = None,
                          tracks: Iterable[Track] = (), languages: list[str] | None = None, capacity: int = 3,
                          bio: str = ""):
    from hackathon.mentoring.models import MentorProfile

    profile = MentorProfile(event_id=event.id, user_id=mentor.id, expertise=expertise or ["data"],
                            track_ids=[t.id for t in tracks], languages=languages or ["en"], capacity=capacity,
                            bio=bio)
    db.session.add(profile)
    db.session.commit()
    return profile


def assign_mentor(team: Team, mentor: User, *, by: User | None = None, reasons: dict | None = None):
    from hackathon.mentoring.models import MentorAssignment

    assignment = MentorAssignment(event_id=team.event_id, team_id=team.id, mentor_id=mentor.id,
                                  reasons=reasons if reasons is not None else {"track": True, "language": "en",
                                                                               "expertise": ["data"]},
                                  assigned_by_id=by.id if by else None)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def create_mentor_conflict(event: Event, mentor: User, *, team: Team | None = None, person: User | None = None,
                           note: str = ""):
    from hackathon.mentoring.models import MentorConflict

    conflict = MentorConflict(event_id=event.id, mentor_id=mentor.id, team_id=team.id if team else None,
                              person_id=person.id if person else None, note=note)
    db.session.add(conflict)
    db.session.commit()
    return conflict


def mentoring_settings(event: Event, **values):
    from hackathon.mentoring.models import MentoringSettings

    settings = MentoringSettings(event_id=event.id, **values)
    db.session.add(settings)
    db.session.commit()
    return settings


def create_milestone(event: Event, title: str | dict, due_at: datetime, *, position: int = 0):
    from hackathon.mentoring.models import Milestone

    title = title if isinstance(title, dict) else {lang: title for lang in event.languages}
    milestone = Milestone(event_id=event.id, title=title, due_at=due_at, position=position)
    db.session.add(milestone)
    db.session.commit()
    return milestone


def create_rubric_criterion(event: Event, name: str | dict, *, position: int = 0, archived: bool = False):
    from hackathon.mentoring.models import RubricCriterion

    name = name if isinstance(name, dict) else {lang: name for lang in event.languages}
    criterion = RubricCriterion(event_id=event.id, name=name, position=position, is_archived=archived)
    db.session.add(criterion)
    db.session.commit()
    return criterion


def create_check_in(team: Team, author: User, *, milestone=None, done: str = "Built the map",
                    next_steps: str = "Test with users", blockers: str = "", links: list[str] | None = None,
                    at: datetime | None = None):
    from hackathon.mentoring.models import CheckIn

    check_in = CheckIn(event_id=team.event_id, team_id=team.id, author_id=author.id,
                       milestone_id=milestone.id if milestone else None, done=done, next_steps=next_steps,
                       blockers=blockers, links=links or [], created_at=at or utcnow())
    db.session.add(check_in)
    db.session.commit()
    return check_in


def create_mentor_review(team: Team, mentor: User, *, status: str = "on_track", scores: dict | None = None,
                         comment_to_team: str = "", private_note: str = "", at: datetime | None = None):
    from hackathon.mentoring.models import MentorReview, TeamStatus

    review = MentorReview(event_id=team.event_id, team_id=team.id, mentor_id=mentor.id, status=TeamStatus(status),
                          scores={str(k): v for k, v in (scores or {}).items()}, comment_to_team=comment_to_team,
                          private_note=private_note, created_at=at or utcnow())
    db.session.add(review)
    db.session.commit()
    return review


def create_challenge(event: Event, title: str | None = None, *, description: str = "", track: Track | None = None,
                     author: User | None = None, data_links: list[str] | None = None, chosen_by: Iterable[Team] = ()):
    from hackathon.mentoring.models import Challenge, TeamChallenge

    challenge = Challenge(event_id=event.id, title=title or f"Challenge {_next()}", description=description,
                          track_id=track.id if track else None, data_links=data_links or [],
                          created_by_id=author.id if author else None)
    db.session.add(challenge)
    db.session.flush()
    db.session.add_all(TeamChallenge(team_id=team.id, challenge_id=challenge.id) for team in chosen_by)
    db.session.commit()
    return challenge


def create_help_request(team: Team, author: User, *, topic: str = "Data", description: str = "",
                        status: str = "open", claimed_by: User | None = None, language: str | None = "en",
                        at: datetime | None = None):
    from hackathon.mentoring.models import HelpRequest, HelpStatus

    at = at or utcnow() - timedelta(hours=1)
    status = HelpStatus(status)
    request = HelpRequest(event_id=team.event_id, team_id=team.id, topic=topic, description=description,
                          language=language, status=status, created_by_id=author.id, created_at=at,
                          claimed_by_id=claimed_by.id if claimed_by and status != HelpStatus.open else None,
                          claimed_at=at + timedelta(minutes=5) if status in (HelpStatus.claimed, HelpStatus.resolved)
                          else None,
                          resolved_at=at + timedelta(minutes=30) if status == HelpStatus.resolved else None,
                          cancelled_at=at + timedelta(minutes=3) if status == HelpStatus.cancelled else None)
    db.session.add(request)
    db.session.commit()
    return request


# --- submissions ---------------------------------------------------------------------------------------------------


def submission_settings(event: Event, **values):
    from hackathon.submissions.core import settings_for

    settings = settings_for(event)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.commit()
    return settings


def create_submission(team: Team, *, status: str = "submitted", title: str | None = None, tagline: str = "",
                      description: str = "", by: User | None = None, versions: int = 2, now: datetime | None = None,
                      show_in_gallery: bool = True, technologies: list[str] | None = None,
                      files: Iterable[str] = (), submitted_at: datetime | None = None, **values):
    """A team's project with `versions` saved versions, as the editing service records them: the first holds the
    title, the last every field, the `files` attached (kinds: deck, screenshot) and, when `status` is submitted,
    submits it (at `submitted_at`, default the last version's time)."""
    from hackathon.submissions import core
    from hackathon.submissions.models import Submission, SubmissionStatus

    now = now or utcnow()
    versions = max(versions, 1)
    author = by or db.session.get(User, team.captain_id)
    submission = Submission(event_id=team.event_id, team_id=team.id, track_id=team.track_id,
                            title=title or team.name, credited_user_ids=[m.user_id for m in team.members],
                            show_in_gallery=show_in_gallery, technologies=technologies or ["Python"])
    db.session.add(submission)
    db.session.flush()
    for number in range(1, versions + 1):
        at = now - timedelta(hours=versions - number + 1)
        last = number == versions
        if last:
            submission.tagline, submission.description = tagline, description
            for key, value in values.items():
                setattr(submission, key, value)
            for kind in files:
                attach_file(submission, kind, by=author)
            if status == "submitted":
                submission.status = SubmissionStatus.submitted
                submission.first_submitted_at = submission.submitted_at = submitted_at or at
        core.record_version(submission, author, "submitted" if last and status == "submitted" else "saved", at)
    db.session.commit()
    return submission


def attach_file(submission, kind: str = "deck", *, name: str | None = None, data: bytes | None = None,
                by: User | None = None):
    """A stored attachment (a generated PDF deck or PNG screenshot unless `data` is given)."""
    import io

    from hackathon.submissions.files import minimal_pdf
    from hackathon.submissions.models import Attachment, AttachmentKind
    from hackathon.submissions.storage import get_storage, new_key

    kind = AttachmentKind(kind)
    width = height = None
    if data is None and kind == AttachmentKind.deck:
        data, content_type = minimal_pdf(["Pitch deck"]), "application/pdf"
    elif data is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
        data, content_type, width, height = buffer.getvalue(), "image/png", 40, 30
    else:
        content_type = {"deck": "application/pdf", "screenshot": "image/png", "archive": "application/zip"}[kind.value]
    key = new_key()
    get_storage().save(key, data)
    attachment = Attachment(submission_id=submission.id, kind=kind, storage_key=key,
                            display_name=name or f"{kind.value}.{'pdf' if kind == AttachmentKind.deck else 'png'}",
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            width=width, height=height, uploaded_by_id=by.id if by else None)
    db.session.add(attachment)
    db.session.commit()
    return attachment


def grant_exemption(team: Team, organiser: User, *, until: datetime, reason: str, kind: str = "extension"):
    from hackathon.submissions.models import DeadlineExemption, ExemptionKind

    exemption = DeadlineExemption(event_id=team.event_id, team_id=team.id, kind=ExemptionKind(kind), until=until,
                                  reason=reason, granted_by_id=organiser.id)
    db.session.add(exemption)
    db.session.commit()
    return exemption


# --- judging -------------------------------------------------------------------------------------------------------


def create_round(event: Event, organiser: User, name: str | dict | None = None, *,
                 criteria: Iterable[tuple[str | dict, Any, dict | None]] = (), opens_at: datetime | None = None,
                 closes_at: datetime | None = None, source_round=None, jurors_per_project: int = 2,
                 assign_all: bool = False, method: str = "calibrated", jurors_see_other_scores: bool = False,
                 jurors_see_leaderboard: bool = False):
    """A judging round and its criteria through the judging services (audited). `criteria`: (name, weight,
    rubric per language or None); a name may be a text (every event language) or {language: text}."""
    from hackathon.judging import services as judging

    def texts(value) -> dict[str, str]:
        return dict(value) if isinstance(value, dict) else {lang: value for lang in event.languages}

    judging_round = judging.save_round(
        organiser, event, None, name=texts(name or f"Round {_next()}"), opens_at=opens_at, closes_at=closes_at,
        jurors_per_project=jurors_per_project, assign_all=assign_all, method=method,
        jurors_see_other_scores=jurors_see_other_scores, jurors_see_leaderboard=jurors_see_leaderboard,
        project_source="shortlist" if source_round is not None else "submissions",
        source_round_id=source_round.id if source_round is not None else None)
    for criterion_name, weight, rubric in criteria:
        judging.save_criterion(organiser, event, judging_round, None, name=texts(criterion_name), rubric=rubric or {},
                               weight=Decimal(str(weight)), scale_min=1, scale_max=10)
    db.session.refresh(judging_round)
    return judging_round


def assign_juror(judging_round, juror: User, *submissions, reasons: list | None = None) -> list:
    from hackathon.judging.models import JurorAssignment

    rows = [JurorAssignment(round_id=judging_round.id, juror_id=juror.id, submission_id=s.id,
                            reasons=reasons if reasons is not None else [["balance", 1]]) for s in submissions]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def create_sheet(judging_round, juror: User, submission, *, scores: dict | Iterable[int] | None = None,
                 status: str = "submitted", comment_to_team: str = "", private_note: str = "",
                 at: datetime | None = None):
    """A juror's score sheet; `scores` by criterion id, or one value per criterion in order (default 7 each).
    A submitted sheet locks the round's criteria, as the service does."""
    from hackathon.judging.models import ScoreSheet, SheetStatus
    from hackathon.submissions.core import latest_version

    criteria = judging_round.criteria
    if scores is None:
        scores = [7] * len(criteria)
    if not isinstance(scores, dict):
        scores = {c.id: value for c, value in zip(criteria, scores)}
    at = at or utcnow()
    status = SheetStatus(status)
    version = latest_version(submission.id)
    sheet = ScoreSheet(round_id=judging_round.id, juror_id=juror.id, submission_id=submission.id, status=status,
                       scores={str(k): v for k, v in scores.items()}, comment_to_team=comment_to_team,
                       private_note=private_note, submitted_at=at if status == SheetStatus.submitted else None,
                       submission_version=version.number if version else None, lock_version=1)
    db.session.add(sheet)
    if status == SheetStatus.submitted and judging_round.criteria_locked_at is None:
        judging_round.criteria_locked_at = at
    db.session.commit()
    return sheet


def create_juror_conflict(event: Event, juror: User, *, team: Team | None = None, person: User | None = None,
                          organisation: str | None = None, reason: str = "", source: str = "declared"):
    from hackathon.judging.models import ConflictSource, JurorConflict

    conflict = JurorConflict(event_id=event.id, juror_id=juror.id, team_id=team.id if team else None,
                             person_id=person.id if person else None, organisation=organisation,
                             source=ConflictSource(source), reason=reason, created_by_id=juror.id)
    db.session.add(conflict)
    db.session.commit()
    return conflict


def create_shortlist(judging_round, submissions: Iterable, *, by: User, publish_at: datetime | None = None,
                     reason: str = ""):
    """The round's shortlist in the order given; published (mails queued through the service) at `publish_at`."""
    from hackathon.judging.models import ShortlistEntry
    from hackathon.judging.services import publish_shortlist

    entries = [ShortlistEntry(round_id=judging_round.id, submission_id=s.id, position=position, origin="proposed",
                              reason=reason, created_by_id=by.id) for position, s in enumerate(submissions)]
    db.session.add_all(entries)
    judging_round.shortlist_size = len(entries)
    db.session.commit()
    if publish_at is not None:
        event = db.session.get(Event, judging_round.event_id)
        publish_shortlist(by, event, judging_round, publish_at)
    return entries


def create_pitch_schedule(judging_round, organiser: User, *, starts_at: datetime, call_links: str = "",
                          publish_at: datetime | None = None, break_after: int = 0):
    """Plan the pitch slots through the schedule service, and publish them (mails) at `publish_at`."""
    from hackathon.judging import schedule

    event = db.session.get(Event, judging_round.event_id)
    slots = schedule.save_schedule(organiser, event, judging_round, starts_at=starts_at, pitch_minutes=5,
                                   qa_minutes=3, changeover_minutes=2, order="shortlist", seed=1,
                                   break_after=break_after, break_minutes=10 if break_after else 0,
                                   call_links=call_links, reminder_hours=24)
    if publish_at is not None:
        schedule.publish_schedule(organiser, event, judging_round, publish_at)
    return slots


# --- results -------------------------------------------------------------------------------------------------------


def result_settings(event: Event, organiser: User, *, final_round=None, weights: dict | None = None,
                    show_full_ranking: bool = True, show_rank_in_feedback: bool = True,
                    show_juror_names: bool = False):
    from hackathon.results import services as results

    return results.save_settings(organiser, event, final_round_id=final_round.id if final_round else None,
                                 weights={r.id: w for r, w in (weights or {}).items()},
                                 show_full_ranking=show_full_ranking, show_rank_in_feedback=show_rank_in_feedback,
                                 show_juror_names=show_juror_names)


def create_award(event: Event, organiser: User, name: str | dict, *, kind: str = "place", place: int | None = None,
                 track: Track | None = None, prize_text: str | dict = "", winners: Iterable = (), reason: str = ""):
    """An award through the results service, decided for `winners` (projects of the final ranking) if given."""
    from hackathon.results import services as results

    def texts(value) -> dict[str, str]:
        return dict(value) if isinstance(value, dict) else ({lang: value for lang in event.languages} if value else {})

    award = results.save_award(organiser, event, kind=kind, place=place, track_id=track.id if track else None,
                               name=texts(name), prize_text=texts(prize_text))
    winners = list(winners)
    if winners:
        award = results.decide_award(organiser, event, award.id, [s.id for s in winners], reason)
    return award


def publish_results(event: Event, organiser: User, now: datetime | None = None, *, certificates: bool = True):
    """Publish the results through the service (mails to participants, mentors and jurors; the gallery opens),
    confirming whatever is missing, then issue the certificates."""
    import inspect

    from hackathon.results import services as results

    now = now or utcnow()
    options = {name: True for name in inspect.signature(results.publish).parameters if name.startswith("confirm")}
    report = results.publish(organiser, event, now, **options)
    if certificates:
        results.issue_certificates(event, now)
    return report
