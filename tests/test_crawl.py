"""A crawl of the whole house: every GET rule of the URL map, for every kind of visitor, on events in every phase,
with real ids in the URL (the visitor's own and other people's, other events' and absurd ones), and a marker
planted in every text a person can set.

The world is built once for the module (the demo, plus one event per phase made with tests/factories.py) and
crawled once; the tests below read the crawl's record:

- no 5xx anywhere, and only the statuses a page may answer (`ALLOWED`);
- no planted marker (`<i data-x="<field>">`) unescaped in any HTML page or HTML mail;
- non-HTML answers (JSON, CSV, iCalendar, PDF) are not served as text/html;
- every GET rule can be filled in (`FILL`): a new rule with a URL variable the crawl cannot fill fails here.

The crawl runs on SQLite only (see `house`).
The status each visitor must get stays in tests/test_permissions.py and the domains' `ROUTES` tables.
`KNOWN_UNTIL_FIXED` lists (rule, visitor) failures of defects being fixed elsewhere (issue 11), to be emptied.
"""
from __future__ import annotations

import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from hackathon.accounts import services as account_services
from hackathon.accounts.models import User
from hackathon.applications.models import (Application, ApplicationSettings, ApplicationStatus, QuestionKind)
from hackathon.database import utcnow
from hackathon.demo import load_demo
from hackathon.events.models import Event, Role
from hackathon.events.phases import Phase
from hackathon.extensions import db, limiter
from hackathon.judging.models import JudgingRound
from hackathon.mail import OutboxMessage
from hackathon.results.models import Certificate
from hackathon.submissions.models import Attachment, Submission
from hackathon.teams.models import Team, TeamMember
from tests import factories as f
from tests.conftest import _empty_tables, link_in, session_user_id

ALLOWED = {200, 302, 303, 304, 400, 401, 403, 404, 405, 409, 410}
VISITORS = ("anonymous", "applicant", "team_a", "team_b", "mentor", "juror", "reviewer", "organiser", "admin")
MARKER = re.compile(r'<i[ /]data-x="([a-z0-9-]+)">')
# The same marker escaped (as it must appear), or percent-encoded in a link: proof that the field was shown.
ESCAPED = re.compile(r'(?:&lt;|%3C)i(?: |/|%20|%2F)data-x=(?:&#34;|&quot;|&#x22;|%22|")([a-z0-9-]+)', re.I)
HEADING = re.compile(r"<h([1-6])[\s>]")
HUGE_IDS = ("2147483648", "99999999999999999999")
# Every query parameter a view reads (filters, paging, comparisons, formats), sent with hostile values to every
# event page: text with a marker (reflected?), a number beyond any column, negative numbers with CSV asked for.
QUERY_NAMES = ("show", "skill", "background", "region", "language", "page", "state", "track", "a", "b", "matching",
               "q", "status", "kind", "age", "sort", "format", "mentor", "next", "challenge_id", "from", "to",
               "round")
QUERIES = {
    "marker": dict.fromkeys(QUERY_NAMES, '<i data-x="query-param">'),
    "huge": dict.fromkeys(QUERY_NAMES, "99999999999999999999"),
    "negative": dict.fromkeys(QUERY_NAMES, "-1") | {"format": "csv", "page": "0"},
}
QUERY_EVENTS = ("develop-my-community-2021", "crawl-published", "crawl-judging")
QUERY_VISITORS = ("organiser", "team_a")
NOT_FOUND_URLS = ("/nope", "/api/v1/nope", "/api/v1/events/nonexistent", "/api/v1/events/nonexistent/rounds",
                  "/events/nonexistent/", "/events/nonexistent/results")

# (rule, visitor) pairs failing because of a defect of issue 11 that another change is fixing right now.
# Each is still requested and reported; remove a line once its fix has landed (the crawl says which are stale).
KNOWN_UNTIL_FIXED: set[tuple[str, str]] = set()
# Pages without exactly one <h1>, being fixed elsewhere (rule).
KNOWN_HEADINGS_UNTIL_FIXED: set[str] = set()
# Marker fields seen unescaped because of a defect of issue 11 being fixed elsewhere: (field, rule).
KNOWN_LEAKS_UNTIL_FIXED: set[tuple[str, str]] = set()


def m(name: str) -> str:
    """The marker of one text field; it must only ever reach a page escaped."""
    return f'<i data-x="{name}">'


def marked(text: str, name: str) -> str:
    return f"{text} {m(name)}"


def m_link(name: str) -> str:
    """A marker in a web address: links are refused with whitespace in them, so the tag uses `/` instead."""
    return f'https://example.org/?q="><i/data-x="{name}">'


# --- the world -----------------------------------------------------------------------------------------------------

FACTORY_PHASES = [  # (slug, phase, results published)
    ("crawl-upcoming", Phase.upcoming, False),
    ("crawl-applications", Phase.applications, False),
    ("crawl-review", Phase.review, False),
    ("crawl-hacking", Phase.hacking, False),
    ("crawl-judging", Phase.judging, False),
    ("crawl-pitching", Phase.pitching, False),
    ("crawl-results", Phase.results, False),
    ("crawl-published", Phase.results, True),
]
AT_LEAST = {phase: index for index, phase in enumerate(Phase)}


def _people() -> dict[str, User]:
    """One person per kind of visitor (the same people at every factory event) and the others a world needs."""
    def person(key: str, **values) -> User:
        return f.create_user(f"{key.replace('_', '-')}@crawl.test", name=marked(key.replace("_", " ").title(),
                                                                                "user-name"),
                             organisation=marked("Org", "user-organisation"), skills=[m("user-skill"), "python"],
                             year_of_birth=1990, **values)

    # Visitors read in every language of the app (each page's translations are rendered too).
    locales = {"applicant": "ky", "team_a": "ru", "team_b": "ky", "mentor": "ru", "juror": "ky", "reviewer": "ru",
               "organiser": "ru", "admin": "en"}
    people = {key: person(key, locale=locale) for key, locale in locales.items() if key != "admin"}
    people["admin"] = person("admin", admin=True, locale="en")
    for key in ("a2", "b2", "c1", "c2", "looking", "waitlisted", "rejected", "accepted", "mentor2", "juror2",
                "unconfirmed", "forgetful"):
        people[key] = person(key, confirmed=key != "unconfirmed")
    for key in VISITORS[1:]:
        f.create_api_token(people[key], marked("script", "api-token-name"))
    return people


def _fill_event(slug: str, phase: Phase, publish: bool, p: dict[str, User], now) -> SimpleNamespace:
    """An event in `phase` with something on every page, every text a person can set carrying its marker."""
    level = AT_LEAST[phase]
    o = p["organiser"]
    event = f.create_event(slug, phase=phase, now=now, is_published=phase != Phase.upcoming,
                           title=marked(f"Crawl {phase.value}", "event-title"),
                           description=marked("## About\n\nA civic hackathon.", "event-description"))
    f.grant(o, event, Role.organiser)
    f.grant(p["mentor"], event, Role.mentor)
    f.grant(p["mentor2"], event, Role.mentor)
    f.grant(p["juror"], event, Role.juror)
    f.grant(p["juror2"], event, Role.juror)
    f.grant(p["reviewer"], event, Role.reviewer)
    track = f.create_track(event, marked("Water", "track-name"), description=marked("Clean water", "track-description"),
                           actor=o)
    f.create_track(event, "Budgets", description="Open budgets")
    db.session.add(ApplicationSettings(event_id=event.id, consent_text={"en": marked("We keep data.", "consent-text")},
                                       max_accepted_teams=30))
    db.session.commit()
    text_q = f.create_question(event, QuestionKind.short_text, marked("Why?", "question-label"),
                               help_text=marked("Tell us", "question-help"), actor=o)
    choice_q = f.create_question(event, QuestionKind.single_choice, "Which region?",
                                 options=[marked("North", "question-option"), "South"], actor=o)
    answers = {str(text_q.id): marked("Because", "answer-text"), str(choice_q.id): choice_q.options[0]["value"]}
    f.create_mail_template(event, "accepted", "en", subject=marked("Welcome", "mail-template-subject"),
                           body=marked("You are in, {name}.", "mail-template-body"), by=o)
    f.create_mail_template(event, "rejected", "en", subject="Sorry",
                           body=marked("Not this time.", "mail-template-rejected"), by=o)

    # Applications in every status, and three teams (A and B take part, C waits for a decision).
    draft = f.create_application(event, p["applicant"], status="draft", answers=answers, now=now)
    looking = f.create_application(event, p["looking"], status="submitted", answers=answers, now=now,
                                   looking_for_team=True)
    pending = {key: f.create_application(event, p[key], status="submitted", answers=answers, now=now)
               for key in ("waitlisted", "rejected", "accepted")}
    team_a = f.create_team(event, p["team_a"], p["a2"], name=marked("Alpha", "team-name"), track=track,
                           idea=marked("Pipes", "team-idea"), wanted_skills=[m("team-skill")], looking=True,
                           application="confirmed", now=now)
    team_b = f.create_team(event, p["team_b"], p["b2"], name="Beta", track=track, idea="Budgets",
                           application="confirmed", now=now)
    team_c = f.create_team(event, p["c1"], p["c2"], name="Gamma", idea="Roads", application="submitted", now=now)
    application_c = db.session.scalar(select(Application).where(Application.team_id == team_c.id))
    application_c.answers = answers
    f.rate_application(application_c, p["reviewer"], 4, marked("Solid", "rating-note"))
    f.rate_application(looking, p["reviewer"], 3, "Fine")
    if level >= AT_LEAST[Phase.review]:
        # Decision mails through the service, in the organisers' wording (with its marker).
        f.decide(o, event, [pending["accepted"]], "accepted", now=now)
        f.decide(o, event, [pending["waitlisted"]], "waitlisted", now=now)
        f.decide(o, event, [pending["rejected"]], "rejected", reason=marked("Too late", "decision-reason"), now=now)
    team_invitation, team_invitation_link = f.create_team_invitation(
        team_a, "friend@crawl.test", message=marked("Join us", "team-invitation-message"), by=p["team_a"])
    f.create_team_invitation(team_b, p["looking"].email, kind=f.TeamInvitationKind.request, user=p["looking"],
                             message=marked("Take me", "join-request-message"))
    invitation, invitation_link = f.create_role_invitation(event, f"invitee-{slug}@crawl.test", Role.mentor,
                                                           invited_by=o)

    # Mentoring.
    f.mentoring_settings(event, show_summaries_to_jurors=True)
    f.create_mentor_profile(event, p["mentor"], expertise=[m("mentor-expertise"), "data"], tracks=[track],
                            bio=marked("Data person", "mentor-bio"))
    f.create_mentor_profile(event, p["mentor2"], expertise=["budgets"], bio="Budgets")
    f.assign_mentor(team_a, p["mentor"], by=o, reasons={"track": True, "language": "en",
                                                        "expertise": [m("mentor-expertise")]})
    f.assign_mentor(team_b, p["mentor"], by=o, reasons={"track": True, "language": "en", "expertise": []})
    f.create_mentor_conflict(event, p["mentor"], team=team_c, note=marked("Cousin", "mentor-conflict-note"))
    milestone = f.create_milestone(event, marked("Day 1", "milestone-title"), event.hacking_starts_at +
                                   timedelta(hours=6), position=1)
    rubric = f.create_rubric_criterion(event, marked("Progress", "rubric-criterion"), position=1)
    challenge = f.create_challenge(event, marked("Map the wells", "challenge-title"),
                                   description=marked("Wells data", "challenge-description"), track=track,
                                   author=p["mentor"], data_links=[m_link("challenge-data-link")], chosen_by=[team_a])
    # Announcements: one sent to everyone (its texts marked, mailed), one draft for the organisers' pages.
    from hackathon.announcements import services as announcements

    sent = announcements.create_announcement(o, event, announcements.AnnouncementInput(
        title={"en": marked("Kickoff moved", "announcement-title"), "ru": "Старт перенесён"},
        body={"en": marked("**New** time", "announcement-body"), "ru": "Новое время"}, essential=True), now=now)
    announcements.send_announcement(o, sent, now=now)
    draft_announcement = announcements.create_announcement(o, event, announcements.AnnouncementInput(
        title={"en": "Office hours"}, body={"en": "At 15:00"}), now=now)
    # Webhooks: an endpoint (its description marked) with a delivery that gave up, for its log.
    from hackathon.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

    hook = WebhookEndpoint(event_id=event.id, url="https://hooks.example.org/in", secret="whsec_crawl",
                           description=marked("CRM", "webhook-description"), kinds=["team.formed"])
    db.session.add(hook)
    db.session.flush()
    db.session.add(WebhookDelivery(endpoint_id=hook.id, kind="team.formed", event_uid=f"evt_crawl_{slug}", body="{}",
                                   status=DeliveryStatus.failed, attempts=6, response_code=500, last_error="HTTP 500"))
    db.session.commit()
    ids = SimpleNamespace(event=event, slug=slug, phase=phase, track=track, questions=[text_q.id, choice_q.id],
                          applications=[application_c.id, pending["rejected"].id, draft.id], teams=[team_a.id, team_b.id],
                          team_a=team_a, team_b=team_b, join_codes=[team_a.join_code, team_b.join_code],
                          challenges=[challenge.id], milestones=[milestone.id], rubric=[rubric.id],
                          announcements=[sent.id, draft_announcement.id], webhooks=[hook.id],
                          rounds=[], criteria=[], submissions=[], attachments=[], certificates=[],
                          invitation_link=invitation_link, team_invitation_link=team_invitation_link,
                          owned={"team_a": {"team_id": str(team_a.id)}, "team_b": {"team_id": str(team_b.id)}})
    if level >= AT_LEAST[Phase.hacking]:
        f.create_check_in(team_a, p["team_a"], milestone=milestone, done=marked("Built", "check-in-done"),
                          next_steps=marked("Test", "check-in-next"), blockers=marked("No data", "check-in-blockers"),
                          links=[m_link("check-in-link")])
        f.create_mentor_review(team_a, p["mentor"], status="at_risk", scores={rubric.id: 3},
                               comment_to_team=marked("Keep going", "mentor-comment"),
                               private_note=marked("Watch scope", "mentor-private-note"))
        f.create_help_request(team_a, p["team_a"], topic=marked("GIS", "help-topic"),
                              description=marked("Projection", "help-description"))
        f.create_help_request(team_b, p["team_b"], topic="Budget data", status="claimed", claimed_by=p["mentor"])
        f.submission_settings(event, grace_minutes=5)
        sub_a = f.create_submission(
            team_a, status="submitted", title=marked("Taza", "project-title"),
            tagline=marked("Clean water", "project-tagline"),
            description=marked("## What we built\n\nA map.", "project-description"),
            technologies=[m("project-technology"), "Flask"], repository_url=m_link("project-repository-url"),
            demo_url=m_link("project-demo-url"), video_url=m_link("project-video-url"),
            challenge_id=challenge.id, now=now - timedelta(hours=2))
        sub_b = f.create_submission(team_b, status="submitted" if level >= AT_LEAST[Phase.judging] else "draft",
                                    title="Budget Watch", tagline="Budgets", description="Budgets on a page",
                                    now=now - timedelta(hours=2))
        ids.submissions = [sub_a.id, sub_b.id]
        ids.attachments = [f.attach_file(sub_a, "deck", name=marked("deck", "attachment-name") + ".pdf").id,
                           f.attach_file(sub_b, "screenshot").id]
        for key, index in (("team_a", 0), ("team_b", 1)):
            ids.owned[key] |= {"submission_id": str(ids.submissions[index]),
                               "attachment_id": str(ids.attachments[index])}
        f.grant_exemption(team_b, o, until=now + timedelta(days=1), reason=marked("Power cut", "exemption-reason"))
    if level >= AT_LEAST[Phase.judging]:
        rubric_levels = {"en": {"1": marked("None", "rubric-level"), "10": "Outstanding"}}
        screening = f.create_round(
            event, o, marked("Screening", "round-name"),
            criteria=[(marked("Impact", "criterion-name"), 35, rubric_levels), ("Feasibility", 25, None)],
            opens_at=event.submissions_close_at, closes_at=event.pitching_starts_at or now + timedelta(days=1),
            jurors_per_project=2)
        f.assign_juror(screening, p["juror"], sub_a, sub_b)
        f.assign_juror(screening, p["juror2"], sub_a, sub_b)
        f.create_juror_conflict(event, p["juror"], team=team_c, reason=marked("Colleague", "juror-conflict-reason"))
        f.create_juror_conflict(event, p["juror"], organisation=marked("KSTU", "juror-conflict-org"))
        final = level >= AT_LEAST[Phase.pitching]
        f.create_sheet(screening, p["juror"], sub_a, scores=[8, 7], comment_to_team=marked("Good", "juror-comment"),
                       private_note=marked("Hmm", "juror-private-note"))
        f.create_sheet(screening, p["juror"], sub_b, scores=[6, 6], status="submitted" if final else "draft",
                       comment_to_team="Fine")
        f.create_sheet(screening, p["juror2"], sub_a, scores=[7, 8], status="submitted" if final else "draft")
        if final:
            f.create_sheet(screening, p["juror2"], sub_b, scores=[5, 6])
        ids.rounds, ids.criteria = [screening.id], [c.id for c in screening.criteria]
    if level >= AT_LEAST[Phase.pitching]:
        f.create_shortlist(screening, [sub_a, sub_b], by=o, publish_at=event.pitching_starts_at,
                           reason=marked("Close call", "shortlist-reason"))
        pitch = f.create_round(event, o, marked("Pitch", "pitch-round-name"), source_round=screening, assign_all=True,
                               criteria=[(marked("Pitch", "pitch-criterion-name"), 1, None)],
                               opens_at=event.pitching_starts_at, closes_at=event.results_at + timedelta(days=1))
        f.create_pitch_schedule(pitch, o, starts_at=event.pitching_starts_at + timedelta(hours=1),
                                call_links=m_link("pitch-call-link") + "\nhttps://call.example.org/two",
                                publish_at=event.pitching_starts_at, break_after=1)
        f.assign_juror(pitch, p["juror"], sub_a, sub_b)
        f.assign_juror(pitch, p["juror2"], sub_a, sub_b)
        ids.rounds.append(pitch.id)
        ids.criteria += [c.id for c in pitch.criteria]
    if level >= AT_LEAST[Phase.results]:
        for juror, scores in ((p["juror"], (9, 6)), (p["juror2"], (8, 5))):
            f.create_sheet(pitch, juror, sub_a, scores=[scores[0]], comment_to_team=marked("Great", "pitch-comment"))
            f.create_sheet(pitch, juror, sub_b, scores=[scores[1]])
        f.result_settings(event, o, final_round=pitch, weights={screening: "0.3", pitch: "0.7"})
        f.create_award(event, o, marked("First place", "award-name"), place=1,
                       prize_text=marked("A grant", "award-prize"), winners=[sub_a])
        f.create_award(event, o, "Audience award", kind="special", winners=[sub_b],
                       reason=marked("Loud applause", "award-reason"))
        if publish:
            f.publish_results(event, o, now)
            ids.certificates = list(db.session.scalars(select(Certificate.code).where(Certificate.event_id == event.id)
                                                       .order_by(Certificate.id)))
    return ids


def _demo_ids(slug: str) -> SimpleNamespace:
    """The same lists of ids, read from a demo event."""
    from hackathon.announcements.models import Announcement
    from hackathon.applications.models import ApplicationQuestion
    from hackathon.judging.models import JudgingCriterion
    from hackathon.mentoring.models import Challenge, Milestone, RubricCriterion
    from hackathon.webhooks.models import WebhookEndpoint

    event = db.session.scalar(select(Event).where(Event.slug == slug))

    def ids_of(column, *where, limit=2):
        return list(db.session.scalars(select(column).where(*where).order_by(column).limit(limit)))

    teams = list(db.session.scalars(select(Team).join(Submission, Submission.team_id == Team.id, isouter=True)
                                    .where(Team.event_id == event.id)
                                    .order_by(Submission.id.is_(None), Team.id).limit(2)))
    rounds = ids_of(JudgingRound.id, JudgingRound.event_id == event.id)
    return SimpleNamespace(
        event=event, slug=slug, phase=event.phase(utcnow()), track=event.tracks[0] if event.tracks else None,
        questions=ids_of(ApplicationQuestion.id, ApplicationQuestion.event_id == event.id),
        applications=ids_of(Application.id, Application.event_id == event.id, limit=3),
        teams=[t.id for t in teams], team_a=teams[0] if teams else None, team_b=teams[1] if len(teams) > 1 else None,
        join_codes=[t.join_code for t in teams],
        challenges=ids_of(Challenge.id, Challenge.event_id == event.id),
        announcements=ids_of(Announcement.id, Announcement.event_id == event.id),
        webhooks=ids_of(WebhookEndpoint.id, WebhookEndpoint.event_id == event.id),
        milestones=ids_of(Milestone.id, Milestone.event_id == event.id),
        rubric=ids_of(RubricCriterion.id, RubricCriterion.event_id == event.id),
        rounds=rounds, criteria=ids_of(JudgingCriterion.id, JudgingCriterion.round_id.in_(rounds)),
        submissions=list(db.session.scalars(select(Submission.id).where(Submission.team_id.in_([t.id for t in teams]))
                                            .order_by(Submission.id))),
        attachments=ids_of(Attachment.id, Attachment.submission_id.in_(
            select(Submission.id).where(Submission.event_id == event.id))),
        certificates=ids_of(Certificate.code, Certificate.event_id == event.id),
        invitation_link=None, team_invitation_link=None)


def _demo_visitors(slug: str, people: dict[str, User], ids: SimpleNamespace) -> dict[str, User | None]:
    """Demo accounts where they fit; the factory applicant and reviewer hold nothing at the demo events."""
    def by_email(email):
        return db.session.scalar(select(User).where(User.email == email))

    event = ids.event
    captains = [db.session.get(User, t.captain_id) if t else None for t in (ids.team_a, ids.team_b)]
    # The live event has its own mentor, juror and application reviewer (README's "Try each role"), and its
    # applicant is waitlisted (applications closed).
    live = slug == "develop-my-community-live"
    drafter = db.session.scalar(select(User).join(Application, Application.user_id == User.id).where(
        Application.event_id == event.id,
        Application.status == (ApplicationStatus.waitlisted if live else ApplicationStatus.draft))
        .order_by(User.id).limit(1))
    return {"anonymous": None, "applicant": drafter or people["applicant"], "team_a": captains[0] or people["team_a"],
            "team_b": captains[1] or people["team_b"],
            "mentor": by_email("mentor3@demo.test" if live else "mentor1@demo.test"),
            "juror": by_email("juror3@demo.test" if live else "juror1@demo.test"),
            "reviewer": by_email("reviewer@demo.test") if live else people["reviewer"],
            "organiser": by_email("organiser@demo.test"), "admin": by_email("admin@demo.test")}


def _mails_outside_events(people: dict[str, User], events: list[SimpleNamespace]) -> dict[str, str]:
    """Account mails (with the person's marked name), a role invitation and a team invitation through the
    services; returns the account links the crawl follows."""
    from hackathon.events.services import invite_to_role
    from hackathon.teams.services import invite_by_email

    account_services.request_password_reset(people["forgetful"].email, locale="en")
    reset = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == people["forgetful"].email)
                              .order_by(OutboxMessage.id.desc()))
    applications = next(e for e in events if e.phase == Phase.applications and e.slug.startswith("crawl-"))
    invite_to_role(people["organiser"], applications.event, email="new-juror@crawl.test", role=Role.juror)
    invite_by_email(people["team_a"], applications.team_a, email="new-friend@crawl.test",
                    message=marked("Come", "team-invitation-mail-message"))
    return {"confirm": f"/confirm/{account_services.confirmation_token(people['unconfirmed'])}",
            "reset": link_in(reset, "/reset/")}


@dataclass
class Visit:
    rule: str
    endpoint: str
    url: str
    visitor: str
    event: str
    status: int
    content_type: str
    leaks: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    values: dict = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)
    headings: str = ""  # the levels of the page's headings in order, e.g. "1223"


@dataclass
class Crawl:
    visits: list[Visit]
    shown: set[str]
    owned: dict
    unfilled: list[str]
    mails: list[OutboxMessage]
    seconds: float
    rules: int
    events: int


# --- filling in URL variables ----------------------------------------------------------------------------------------

def _fill(rule, arg: str, e: SimpleNamespace, links: dict) -> list[str] | None:
    """Values for one URL variable of `rule` at event `e`: the event's own objects first (the visitor's and other
    people's), then the `other` event's. None: the crawl cannot fill it (a new kind of variable)."""
    endpoint = rule.endpoint
    by_endpoint = {
        ("judging.edit_criterion", "criterion_id"): e.criteria,
        ("mentoring.edit_criterion", "criterion_id"): e.rubric,
        ("results.verify_certificate", "code"): e.certificates[:1] + ["not-a-code"],
        ("teams.join", "code"): e.join_codes,
        ("accounts.confirm_email", "token"): [links["confirm"], "garbage"],
        ("accounts.reset_password", "token"): [links["reset"], "garbage"],
        ("events.accept_invitation", "token"): [links["invitation"], "garbage"],
        ("teams.email_invitation", "token"): [e.team_invitation_link or "/x/garbage"],
        ("applications.edit_mail_template", "key"): ["accepted", "nope"],
        ("applications.edit_mail_template", "locale"): ["en", "xx"],
        ("submissions.version", "number"): [2, 99],
        ("submissions.team_version", "number"): [2, 99],
    }
    by_arg = {
        "slug": [e.slug], "round_id": e.rounds, "submission_id": e.submissions, "team_id": e.teams,
        "attachment_id": e.attachments, "challenge_id": e.challenges, "question_id": e.questions,
        "application_id": e.applications, "milestone_id": e.milestones, "track_id": [e.track.id] if e.track else [],
        "announcement_id": e.announcements, "endpoint_id": e.webhooks,
        "fmt": ["csv", "json"], "lang": ["en", "ky", "xx"],
    }
    values = by_endpoint.get((endpoint, arg), by_arg.get(arg))
    if values is None:
        return None
    return [str(v).rsplit("/", 1)[-1] if arg == "token" else str(v) for v in values]


def _variants(rule, e: SimpleNamespace, other: SimpleNamespace, links: dict) -> list[dict[str, str]] | None:
    """The URL values to request: the first value of every variable, then each other value of one variable at a
    time (this event's other objects, then the other event's); linear, not a product."""
    candidates = {}
    for arg in sorted(rule.arguments):
        own = _fill(rule, arg, e, links)
        if own is None:
            return None
        foreign = [] if arg in ("slug", "fmt", "lang", "key", "locale", "token", "number") else (
            _fill(rule, arg, other, links) or [])[:1]
        values = list(dict.fromkeys(own + foreign)) or ["1"]
        candidates[arg] = values
    first = {arg: values[0] for arg, values in candidates.items()}
    variants = [first]
    for arg, values in candidates.items():
        variants += [first | {arg: value} for value in values[1:]]
    return variants


def _get_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"),
                  key=lambda rule: rule.rule)


# --- the crawl -----------------------------------------------------------------------------------------------------


def _sign_in(client, user: User | None) -> None:
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = session_user_id(user)
            session["_fresh"] = True


def _request(client, url: str, headers: dict | None = None):
    started = time.perf_counter()
    try:
        response, error = client.get(url, headers=headers or {}), ""
    except Exception as exception:  # an exception escaping the app is a 500 too, reported with its cause
        db.session.rollback()
        response, error = None, f"{type(exception).__name__}: {exception}"
    _request.seconds = time.perf_counter() - started
    return response, error


def _record(visits, rule, url, visitor, slug, response, error, shown: set):
    if response is None:
        visits.append(Visit(rule.rule, rule.endpoint, url, visitor, slug, 500, "", error=error,
                            seconds=_request.seconds))
        return
    content_type = response.headers.get("Content-Type", "")
    visit = Visit(rule.rule, rule.endpoint, url, visitor, slug, response.status_code, content_type)
    if content_type.startswith("text/html"):
        body = response.get_data(as_text=True)
        visit.leaks = sorted(set(MARKER.findall(body)))
        visit.shown = sorted(set(ESCAPED.findall(body)))
        visit.headings = "".join(HEADING.findall(body))
        shown.update(visit.shown)
    if response.status_code >= 500:
        visit.error = response.get_data(as_text=True)[-300:]
    visit.seconds = _request.seconds
    visits.append(visit)


def _crawl(app, events: list[SimpleNamespace], visitors_of: dict[str, dict[str, User | None]], links: dict) -> Crawl:
    started = time.perf_counter()
    rules = _get_rules(app)
    visits: list[Visit] = []
    unfilled: list[str] = []
    shown: set[str] = set()
    clients: dict[int | None, object] = {}

    def client_for(user: User | None):
        key = user.id if user is not None else None
        if key not in clients:
            clients[key] = app.test_client()
            _sign_in(clients[key], user)
        return clients[key]

    site_rules = [rule for rule in rules if "slug" not in rule.arguments]
    event_rules = [rule for rule in rules if "slug" in rule.arguments]
    first = events[0]
    # Pages outside events: once per person (every person of every event).
    people = {(user.id if user else None): user for visitors in visitors_of.values() for user in visitors.values()}
    for rule in site_rules:
        variants = _variants(rule, first, events[1], links)
        if variants is None:
            unfilled.append(f"{rule.rule}: {sorted(rule.arguments)}")
            continue
        for user in people.values():
            for values in variants:
                url = _build(app, rule, values)
                response, error = _request(client_for(user), url)
                _record(visits, rule, url, user.email if user else "anonymous", "", response, error, shown)
    # Event pages: every event, every kind of visitor; the next event in the list lends its ids as foreign ones.
    for index, e in enumerate(events):
        other = events[(index + 1) % len(events)]
        for rule in event_rules:
            variants = _variants(rule, e, other, links)
            if variants is None:
                if index == 0:
                    unfilled.append(f"{rule.rule}: {sorted(rule.arguments)}")
                continue
            urls = [(_build(app, rule, values), values) for values in variants]
            for visitor, user in visitors_of[e.slug].items():
                client = client_for(user)
                for url, values in urls:
                    response, error = _request(client, url)
                    _record(visits, rule, url, visitor, e.slug, response, error, shown)
                    visits[-1].values = values
    # Hostile query strings on every event page of the richest events.
    for e in events:
        if e.slug not in QUERY_EVENTS:
            continue
        other = events[(events.index(e) + 1) % len(events)]
        for rule in event_rules:
            variants = _variants(rule, e, other, links)
            if variants is None:
                continue
            for name, query in QUERIES.items():
                url = _build(app, rule, variants[0]) + "?" + urlencode(query)
                for visitor in QUERY_VISITORS:
                    response, error = _request(client_for(visitors_of[e.slug][visitor]), url)
                    _record(visits, rule, url, f"{visitor} (query {name})", e.slug, response, error, shown)
    # An invalid API token on every API rule, and absurd ids in every id of every rule (as a site admin).
    admin = visitors_of[first.slug]["admin"]
    anonymous = app.test_client()
    for rule in rules:
        variants = _variants(rule, first, events[1], links)
        if variants is None:
            continue
        if rule.rule.startswith("/api/"):
            url = _build(app, rule, variants[0])
            response, error = _request(anonymous, url, {"Authorization": "Bearer not-a-token"})
            _record(visits, rule, url, "bad_token", first.slug, response, error, shown)
        id_args = [arg for arg in rule.arguments if rule._converters[arg].__class__.__name__ in (
            "IntegerConverter", "IdConverter")]
        for huge in HUGE_IDS if id_args else ():
            values = variants[0] | dict.fromkeys(id_args, huge)
            url = _build(app, rule, values)
            response, error = _request(client_for(admin), url)
            _record(visits, rule, url, "admin (huge id)", first.slug, response, error, shown)
    # Paths that match no rule (or no event), with and without an invalid token: a 404, never a 500.
    for url in NOT_FOUND_URLS:
        for visitor, headers in (("anonymous", {}), ("bad_token", {"Authorization": "Bearer not-a-token"})):
            response, error = _request(anonymous, url, headers)
            _record(visits, SimpleNamespace(rule=url, endpoint=""), url, visitor, "", response, error, shown)
    mails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    for mail in mails:
        shown.update(ESCAPED.findall(mail.body_html or ""))
    owned = {e.slug: e.owned for e in events if hasattr(e, "owned")}
    return Crawl(visits, shown, owned, unfilled, mails, time.perf_counter() - started, len(rules), len(events))


def _build(app, rule, values: dict[str, str]) -> str:
    """The path of `rule` with `values`, built by hand so that values the converters would refuse (huge ids,
    foreign codes) are sent as a browser would send them."""
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(arg) + r"(?:\([^)]*\))?>", str(value), path)
    return path


@pytest.fixture(scope="module")
def house(_app, request):
    """The demo and one factory event per phase, crawled once for the module; emptied afterwards. On SQLite only:
    what it checks (routes, statuses per visitor, escaping) does not depend on the database, and on PostgreSQL it
    cost CI three and a half minutes more; the domains' own tests run on both."""
    if request.config.getoption("--db") == "postgresql":
        pytest.skip("the crawl runs on SQLite; every domain's tests run on PostgreSQL too")
    limiter.enabled = _app.config["RATELIMIT_ENABLED"]
    with _app.app_context():
        try:
            now = utcnow()
            load_demo(now)
            people = _people()
            events = [_fill_event(slug, phase, publish, people, now) for slug, phase, publish in FACTORY_PHASES]
            demo = [_demo_ids(slug) for slug in ("develop-my-community-2021", "develop-my-community-2027",
                                                 "develop-my-community-live")]
            links = _mails_outside_events(people, events) | {"invitation": events[1].invitation_link}
            visitors_of = {e.slug: {kind: (None if kind == "anonymous" else people[kind]) for kind in VISITORS}
                           for e in events}
            visitors_of.update({e.slug: _demo_visitors(e.slug, people, e) for e in demo})
            # The demo's completed event first: it lends its ids to the last factory event and takes the
            # published factory event's as foreign ones.
            crawl = _crawl(_app, demo + events, visitors_of, links)
            if os.environ.get("CRAWL_DUMP"):  # for reading the crawl by hand: one line per request
                with open(os.environ["CRAWL_DUMP"], "w") as dump:
                    dump.writelines(f"{v.seconds:.4f}\t{v.status}\t{v.event}\t{v.visitor}\t{v.url}\t{v.rule}\t{v.headings}\n" for v in crawl.visits)
            yield crawl
        finally:
            db.session.rollback()
            _empty_tables()
            db.session.remove()


# --- the checks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
def test_factories_place_an_event_in_any_phase(phase):
    from hackathon.events.phases import Schedule, current_phase

    now = utcnow()
    assert current_phase(Schedule(**f.phase_times(phase, now)), now) == phase
    assert current_phase(Schedule(**f.phase_times(phase, now, step=timedelta(hours=2))), now) == phase



def _summary(visits: list[Visit], limit: int = 60) -> str:
    lines = [f"{v.status} {v.url} as {v.visitor}{' on ' + v.event if v.event else ''}"
             f"{': ' + ' '.join(v.error.split())[-200:] if v.error else ''}" for v in visits[:limit]]
    more = len(visits) - limit
    return "\n".join(lines + ([f"... and {more} more"] if more > 0 else []))


def test_every_get_rule_is_crawled(house):
    assert house.unfilled == [], (
        "the crawl cannot fill in these URL variables: add them to `_fill` in tests/test_crawl.py\n"
        + "\n".join(house.unfilled))


def test_no_server_error_and_only_known_statuses(house):
    bad = [v for v in house.visits if v.status not in ALLOWED]
    known = [v for v in bad if (v.rule, v.visitor.split(" ")[0]) in KNOWN_UNTIL_FIXED]
    failing = [v for v in bad if v not in known]
    counts = Counter(v.status for v in house.visits)
    print(f"\ncrawl: {len(house.visits)} requests, {house.rules} GET rules, {house.events} events, "
          f"{house.seconds:.1f} s; statuses {dict(sorted(counts.items()))}; known failures {len(known)}")
    stale = {pair for pair in KNOWN_UNTIL_FIXED} - {(v.rule, v.visitor.split(" ")[0]) for v in known}
    if stale:
        print("KNOWN_UNTIL_FIXED entries that pass now (remove them):", sorted(stale))
    assert failing == [], f"{len(failing)} requests answered badly:\n{_summary(failing)}"


def test_no_marker_unescaped_on_any_page(house):
    leaks = [(name, v) for v in house.visits for name in v.leaks]
    failing = [(name, v) for name, v in leaks if (name, v.rule) not in KNOWN_LEAKS_UNTIL_FIXED]
    by_field = defaultdict(set)
    for name, v in failing:
        by_field[name].add(v.rule)
    assert not failing, "planted markers reached a page unescaped:\n" + "\n".join(
        f"{name}: {', '.join(sorted(rules))}" for name, rules in sorted(by_field.items()))


def test_no_marker_unescaped_in_any_mail(house):
    templates = Counter(mail.template for mail in house.mails)
    assert {"application_accepted", "application_rejected", "application_waitlisted", "shortlisted", "pitch_slot",
            "results_published", "invitation", "team_invitation", "reset_password"} <= set(templates), templates
    leaks = sorted({(mail.template, name) for mail in house.mails for name in MARKER.findall(mail.body_html or "")})
    assert leaks == [], f"planted markers reached a mail unescaped (template, field): {leaks}"


def test_files_and_data_are_not_served_as_html(house):
    data = re.compile(r"(\.(csv|json|ics|pdf)$)|(^/api/)|(/files/)")
    wrong = [v for v in house.visits if v.status == 200 and data.search(v.url.split("?")[0])
             and v.content_type.startswith("text/html")]
    assert wrong == [], _summary(wrong)


# Rules whose every answer is a redirect: a confirmation link, and "my feedback" (to the team's feedback page).
REDIRECT_ONLY = {"/confirm/<token>", "/events/<slug>/results/feedback",
                 "/login/two-factor"}  # only after a password, which the crawl never types


def test_every_rule_showed_a_page_to_someone(house):
    """The crawl's ids are right: every rule answered 200 at least once (else its URLs are all refused)."""
    rules = {v.rule for v in house.visits if v.endpoint}
    answered = {v.rule for v in house.visits if v.status == 200}
    assert sorted(rules - answered - REDIRECT_ONLY) == []


def test_every_page_has_one_main_heading(house):
    """Every HTML page has exactly one <h1> (axe's page-has-heading-one), whatever Markdown people wrote."""
    wrong = sorted({(v.rule, v.headings.count("1")) for v in house.visits
                    if v.status == 200 and v.content_type.startswith("text/html") and v.headings.count("1") != 1
                    and v.rule not in KNOWN_HEADINGS_UNTIL_FIXED})
    stale = KNOWN_HEADINGS_UNTIL_FIXED - {v.rule for v in house.visits if v.status == 200
                                          and v.content_type.startswith("text/html") and v.headings.count("1") != 1}
    if stale:
        print("KNOWN_HEADINGS_UNTIL_FIXED entries that pass now (remove them):", sorted(stale))
    assert wrong == [], f"(rule, number of <h1>): {wrong}"


def _skips_a_level(levels: str) -> bool:
    return any(int(later) > int(earlier) + 1 for earlier, later in zip("0" + levels, levels))


def test_headings_never_skip_a_level(house):
    """Headings go down one level at a time (axe's heading-order), people's Markdown included."""
    wrong = sorted({(v.rule, v.headings) for v in house.visits if v.status == 200
                    and v.content_type.startswith("text/html") and _skips_a_level(v.headings)})
    assert wrong == [], f"(rule, heading levels in order): {wrong[:20]}"


def test_every_kind_of_visitor_saw_pages(house):
    """The crawl is not vacuous: each kind of visitor got pages (200) on every event it can see."""
    seen = Counter((v.event, v.visitor) for v in house.visits if v.status == 200 and v.event)
    missing = [(event, visitor) for event in {v.event for v in house.visits if v.event} for visitor in VISITORS
               if seen[(event, visitor)] == 0
               and not (event == "crawl-upcoming" and visitor in ("anonymous", "applicant"))]  # unpublished
    assert missing == [], missing


# Pages about a team's project that anyone may read once the results are published (the gallery).
PUBLIC_ONCE_PUBLISHED = {"submissions.gallery_project", "submissions.attachment"}


def test_a_team_never_reads_the_other_teams_objects(house):
    """Team A's captain asking for team B's team, project or file (and the other way round) gets no page."""
    published = {"crawl-published"}
    wrong = [v for v in house.visits if v.event.startswith("crawl-") and v.visitor in ("team_a", "team_b")
             and v.status == 200 and not (v.endpoint in PUBLIC_ONCE_PUBLISHED and v.event in published)
             and any(v.values.get(arg) == value for arg, value in
                     house.owned[v.event]["team_b" if v.visitor == "team_a" else "team_a"].items())]
    assert wrong == [], _summary(wrong)


# Notes meant for some people only: who may see each (by kind of visitor; the author is among them).
PRIVATE = {"juror-private-note": {"juror", "organiser", "admin"},
           "mentor-private-note": {"mentor", "organiser", "admin"},
           "rating-note": {"reviewer", "organiser", "admin"}}


def test_private_notes_reach_only_their_readers(house):
    wrong = sorted({(name, v.visitor, v.rule) for v in house.visits for name in v.shown
                    if name in PRIVATE and v.visitor.split(" ")[0] not in PRIVATE[name]})
    assert wrong == [], wrong


# --- which texts carry a marker ------------------------------------------------------------------------------------

# Every String, Text and JSON column of the models: the markers planted in it, or why it has none.
TEXT_COLUMNS = {
    "events.title": ["event-title"], "events.description": ["event-description"],
    "users.name": ["user-name"], "users.organisation": ["user-organisation"], "users.skills": ["user-skill"],
    "api_tokens.name": ["api-token-name"],
    "tracks.name": ["track-name"], "tracks.description": ["track-description"],
    "application_settings.consent_text": ["consent-text"],
    "application_questions.label": ["question-label"], "application_questions.help_text": ["question-help"],
    "application_questions.options": ["question-option"], "applications.answers": ["answer-text"],
    "applications.decision_reason": ["decision-reason"], "application_ratings.note": ["rating-note"],
    "mail_templates.subject": ["mail-template-subject"],
    "mail_templates.body": ["mail-template-body", "mail-template-rejected"],
    "teams.name": ["team-name"], "teams.idea": ["team-idea"], "teams.wanted_skills": ["team-skill"],
    "team_invitations.message": ["team-invitation-message", "join-request-message", "team-invitation-mail-message"],
    "mentor_profiles.expertise": ["mentor-expertise"], "mentor_profiles.bio": ["mentor-bio"],
    "mentor_assignments.reasons": ["mentor-expertise"],
    "milestones.title": ["milestone-title"], "rubric_criteria.name": ["rubric-criterion"],
    "check_ins.done": ["check-in-done"], "check_ins.next_steps": ["check-in-next"],
    "check_ins.blockers": ["check-in-blockers"], "check_ins.links": ["check-in-link"],
    "mentor_reviews.comment_to_team": ["mentor-comment"], "mentor_reviews.private_note": ["mentor-private-note"],
    "challenges.title": ["challenge-title"], "challenges.description": ["challenge-description"],
    "challenges.data_links": ["challenge-data-link"],
    "help_requests.topic": ["help-topic"], "help_requests.description": ["help-description"],
    "submissions.title": ["project-title"], "submissions.tagline": ["project-tagline"],
    "submissions.description": ["project-description"], "submissions.technologies": ["project-technology"],
    "submissions.repository_url": ["project-repository-url"], "submissions.demo_url": ["project-demo-url"],
    "submissions.video_url": ["project-video-url"], "attachments.display_name": ["attachment-name"],
    "deadline_exemptions.reason": ["exemption-reason"],
    "judging_rounds.name": ["round-name", "pitch-round-name"],
    "judging_criteria.name": ["criterion-name", "pitch-criterion-name"], "judging_criteria.rubric": ["rubric-level"],
    "juror_conflicts.organisation": ["juror-conflict-org"], "juror_conflicts.reason": ["juror-conflict-reason"],
    "score_sheets.comment_to_team": ["juror-comment", "pitch-comment"],
    "score_sheets.private_note": ["juror-private-note"], "shortlist_entries.reason": ["shortlist-reason"],
    "pitch_schedules.call_links": ["pitch-call-link"],
    "awards.name": ["award-name"], "awards.prize_text": ["award-prize"], "award_winners.reason": ["award-reason"],
    "announcements.title": ["announcement-title"], "announcements.body": ["announcement-body"],
    "webhook_endpoints.description": ["webhook-description"],
    # Copies made by the app of the texts above (the published snapshot, certificates, versions, the audit log).
    "result_settings.snapshot": ["team-name", "project-title", "award-name"],
    "certificates.team_name": ["team-name"], "certificates.project_title": ["project-title"],
    "certificates.awards": ["award-name"], "submission_versions.snapshot": ["project-title"],
    "audit_entries.after": ["track-name"], "audit_entries.reason": ["award-reason"],
}
LEFT_OUT = {
    # Chosen from fixed lists or checked against a pattern, so a person cannot put markup in them.
    "events.slug": "a-z, 0-9 and hyphens", "events.timezone": "a zone name from the list",
    "events.languages": "language codes", "users.email": "an address (checked)", "users.locale": "a language code",
    "users.region": "a code from the list", "users.country": "a two-letter code",
    "invitations.email": "an address (checked)", "team_invitations.email": "an address (checked)",
    "help_requests.language": "a language code", "mentor_profiles.languages": "language codes",
    "mentor_profiles.track_ids": "ids", "submissions.credited_user_ids": "ids",
    "submission_settings.required_fields": "names from a fixed list", "pitch_schedules.order": "a fixed choice",
    "judging_rounds.shortlist_quotas": "numbers", "result_settings.round_weights": "numbers",
    "inclusion_settings.age_bands": "numbers (checked bands)",
    "mentor_reviews.scores": "numbers", "juror_assignments.reasons": "codes and ids; shown on no page",
    "mentor_conflicts.note": "shown on no page (planted all the same)", "score_sheets.scores": "numbers", "mail_templates.key": "a fixed key",
    "mail_templates.locale": "a language code",
    # Written by the app, never by a person.
    "users.password_hash": "a hash", "api_tokens.token_hash": "a hash", "api_tokens.prefix": "generated",
    "invitations.token_hash": "a hash", "team_invitations.token_hash": "a hash", "teams.join_code": "generated",
    "teams.name_key": "derived from the name (never shown)", "certificates.code": "generated",
    "certificates.kind": "a fixed kind", "awards.kind": "a fixed kind", "award_winners.origin": "a fixed kind",
    "shortlist_entries.origin": "a fixed kind", "submission_versions.changed_fields": "field names",
    "submission_versions.action": "a fixed action", "audit_entries.action": "a fixed action",
    "audit_entries.target_type": "a model name", "audit_entries.before": "copies, as audit_entries.after",
    "attachments.storage_key": "generated", "attachments.content_type": "sniffed from the file",
    "attachments.sha256": "a hash", "stored_blobs.key": "generated",
    "outbox_messages.to_address": "an address", "outbox_messages.template": "a template name",
    "outbox_messages.locale": "a language code", "outbox_messages.subject": "checked in the mail check",
    "outbox_messages.body_text": "plain text", "outbox_messages.body_html": "checked in the mail check",
    "outbox_messages.claim_token": "generated", "outbox_messages.last_error": "the mail server's reply",
    "user_sessions.key_hash": "a hash", "user_sessions.address_prefix": "a network derived from the address",
    "user_sessions.browser": "a name from a fixed list, read from the User-Agent",
    "user_sessions.platform": "a name from a fixed list, read from the User-Agent",
    "form_nonces.nonce": "generated", "form_nonces.location": "a path of the app",
    "privacy_settings.funnel_snapshot": "counts written by the purge, shown as numbers",
    "consent_versions.texts": "copies of application_settings.consent_text (shown escaped on /account/consent)",
    "announcements.audience": "filter names, status codes and track ids (checked)",
    "announcement_deliveries.locale": "a language code",
    "two_factor_credentials.secret": "generated (base32)", "two_factor_recovery_codes.code_hash": "a hash",
    "webhook_endpoints.url": "an https URL (checked; shown escaped)", "webhook_endpoints.secret": "generated",
    "webhook_endpoints.kinds": "names from a fixed list", "webhook_deliveries.kind": "a name from a fixed list",
    "webhook_deliveries.event_uid": "generated", "webhook_deliveries.body": "JSON written by the app, shown on no page",
    "webhook_deliveries.last_error": "the receiver's status or a network error", "webhook_deliveries.claim_token":
    "generated", "api_tokens.scope": "read or write",
}


def _text_columns() -> set[str]:
    from sqlalchemy import JSON, Enum, String, Text

    return {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (String, Text, JSON)) and not isinstance(column.type, Enum)
            and not column.foreign_keys}


def test_every_text_column_carries_a_marker_or_says_why_not(house):
    columns = _text_columns()
    assert sorted(columns - set(TEXT_COLUMNS) - set(LEFT_OUT)) == [], (
        "plant a marker in these new text columns in tests/test_crawl.py, or say in LEFT_OUT why not")
    assert sorted(set(TEXT_COLUMNS) - columns) == [], "these columns no longer exist"
    planted = {name for names in TEXT_COLUMNS.values() for name in names}
    missing = sorted(planted - house.shown)
    assert missing == [], f"these markers were planted but shown on no page and in no mail: {missing}"
