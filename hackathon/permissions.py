"""Who may do what: route guards and object predicates (`can_<verb>_<noun>`).

Views call the guards; services re-check the same predicates so that the CLI,
the API and tests obey them too. Templates only use them to hide controls.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db, login_manager


def roles_at(user: User | None, event: Event) -> frozenset[Role]:
    """The user's roles at the event, read once per request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cache = g.setdefault("_roles_cache", {})
    key = (user.id, event.id)
    if key not in cache:
        cache[key] = frozenset(
            db.session.scalars(
                select(EventRole.role).where(EventRole.event_id == event.id, EventRole.user_id == user.id)
            )
        )
    return cache[key]


def forget_roles() -> None:
    g.pop("_roles_cache", None)


def is_admin(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def can_create_event(user: User | None) -> bool:
    """Site admins create events."""
    return is_admin(user)


def can_manage_event(user: User | None, event: Event) -> bool:
    """Organisers of the event and site admins edit it and see everything in it."""
    return is_admin(user) or Role.organiser in roles_at(user, event)


def can_view_event(user: User | None, event: Event) -> bool:
    """Published events are public; drafts only for those who manage them or hold a role."""
    return event.is_published or can_manage_event(user, event) or bool(roles_at(user, event))


def can_invite_role(user: User | None, event: Event, role: Role) -> bool:
    """Admins appoint organisers; organisers invite mentors, jurors and application reviewers."""
    if is_admin(user):
        return role in (Role.organiser, Role.mentor, Role.juror, Role.reviewer)
    return Role.organiser in roles_at(user, event) and role in (Role.mentor, Role.juror, Role.reviewer)


def can_remove_role(user: User | None, event: Event, role: Role) -> bool:
    return can_invite_role(user, event, role)


def load_event(slug: str) -> Event:
    """The event by slug, or 404 when it does not exist or is not visible to the current user."""
    event = db.session.scalar(select(Event).where(Event.slug == slug)) if len(slug) <= 64 else None
    if event is None or not can_view_event(current_user, event):
        abort(404)
    g.event = event
    from hackathon.accounts.two_factor_views import require_two_factor_at  # (it imports this module)

    require_two_factor_at(event)  # organisers who must use two-factor sign-in are sent to set it up first
    return event


def event_route(check: Callable[[User, Event], bool] | None = None):
    """Load the event from the `slug` URL part (404 if hidden); with `check`, require it (sign-in, then 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(slug: str, **kwargs):
            event = load_event(slug)
            if check is not None:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not check(current_user, event):
                    abort(403)
            return view(event, **kwargs)

        return wrapped

    return decorator


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def is_safe_next(target: str | None) -> bool:
    """Only paths within this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(ord(ch) < 32 for ch in target)


# --- applications: applying (predicates for the applicant side) ---------------------------------

def can_apply(user: User | None, event: Event) -> bool:
    """Anyone signed in who can see the event may apply (the service checks the window and the rules)."""
    return bool(user is not None and user.is_authenticated) and can_view_event(user, event)


def _is_team_member(user: User, team_id: int) -> bool:
    from hackathon.teams.models import TeamMember

    return db.session.scalar(
        select(TeamMember.id).where(TeamMember.team_id == team_id, TeamMember.user_id == user.id)
    ) is not None


def is_application_editor(user: User | None, application) -> bool:
    """The person who fills the application: the individual applicant, or the team's captain."""
    if user is None or not user.is_authenticated:
        return False
    if application.kind == "team":
        return application.team is not None and application.team.captain_id == user.id
    return application.user_id == user.id


def is_applicant(user: User | None, application) -> bool:
    """Covered by the application: the individual applicant, or any member of the team."""
    if user is None or not user.is_authenticated:
        return False
    if application.kind == "team":
        return application.team_id is not None and _is_team_member(user, application.team_id)
    return application.user_id == user.id


def can_view_application(user: User | None, application) -> bool:
    """The people it covers, and the event's organisers."""
    return is_applicant(user, application) or can_manage_event(user, application.event)


def can_edit_application(user: User | None, application) -> bool:
    """The applicant or captain (while open, in draft: the service checks), and organisers (answers, any time)."""
    return is_application_editor(user, application) or can_manage_event(user, application.event)


def can_withdraw_application(user: User | None, application) -> bool:
    """Only the individual applicant or the team's captain withdraws (the service checks the moment)."""
    return is_application_editor(user, application)


# --- applications: reviewing and decisions ---------------------------------------------------------

def can_review_applications(user: User | None, event: Event) -> bool:
    """Organisers, site admins and the event's appointed reviewers see the review queue and rate applications."""
    return can_manage_event(user, event) or Role.reviewer in roles_at(user, event)


def can_decide_applications(user: User | None, event: Event) -> bool:
    """Only organisers and site admins decide, export applications and word the decision mails."""
    return can_manage_event(user, event)


def can_confirm_participation(user: User | None, application) -> bool:
    """An accepted individual confirms (or declines) for themselves; a team's captain for the whole team."""
    return is_application_editor(user, application)


# --- teams ---------------------------------------------------------------------------------------


def team_standing(user: User | None, event: Event) -> tuple[bool, bool]:
    """(is a team member, has applied) for the user at the event, read once per request in one query.

    "Has applied": an individual application that is not withdrawn, or membership of a team. The same query reads
    the number of the person's unread announcements for the menu's News badge (`unread_announcements`), so the
    badge costs no query of its own.
    """
    if user is None or not user.is_authenticated:
        return False, False
    cache = g.setdefault("_team_standing_cache", {})
    key = (user.id, event.id)
    if key not in cache:
        from sqlalchemy import exists

        from hackathon.announcements.services import unread_count_query
        from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
        from hackathon.teams.models import TeamMember

        member, applied, unread = db.session.execute(select(
            exists().where(TeamMember.event_id == event.id, TeamMember.user_id == user.id),
            exists().where(Application.event_id == event.id, Application.individual_user_id == user.id,
                           Application.kind == ApplicationKind.individual,
                           Application.status != ApplicationStatus.withdrawn),
            unread_count_query(user, event).scalar_subquery(),
        )).one()
        cache[key] = (bool(member), bool(member or applied))
        g.setdefault("_unread_announcements_cache", {})[key] = int(unread or 0)
    return cache[key]


def unread_announcements(user: User | None, event: Event) -> int:
    """How many announcements of the event were delivered to the person and not read yet (read with
    `team_standing`, once per request)."""
    if user is None or not user.is_authenticated:
        return 0
    key = (user.id, event.id)
    if key not in g.get("_unread_announcements_cache", {}):
        g.get("_team_standing_cache", {}).pop(key, None)
        team_standing(user, event)
    return g._unread_announcements_cache[key]


def note_announcements_read(user: User, event: Event) -> None:
    """The News page marked everything read: a badge drawn after that shows none (no query)."""
    cached = g.get("_unread_announcements_cache", {})
    if (user.id, event.id) in cached:
        cached[(user.id, event.id)] = 0


def forget_team_standing() -> None:
    g.pop("_team_standing_cache", None)
    g.pop("_unread_announcements_cache", None)


def can_view_team_board(user: User | None, event: Event) -> bool:
    """The board shows applicants' names and profiles, so only fellow applicants (an individual application that
    is not withdrawn, or a team) and the event's organisers and site admins see it; other visitors get a 403."""
    return can_manage_event(user, event) or team_standing(user, event)[1]


def can_form_teams(user: User | None, event: Event) -> bool:
    """Organisers form teams from accepted individuals."""
    return can_manage_event(user, event)


def can_lead_team(user: User | None, team) -> bool:
    """The captain edits the team, invites, answers join requests and removes members."""
    return user is not None and user.is_authenticated and team.captain_id == user.id


def can_change_team_membership(user: User | None, event: Event, *, now) -> bool:
    """Teams change only while applications are open, except by the event's organisers."""
    from hackathon.events.phases import applications_open

    return applications_open(event.schedule, now) or can_manage_event(user, event)


# --- mentoring: shared (who mentors which team) -------------------------------------------------

def mentored_team_ids(user: User | None, event: Event) -> frozenset[int]:
    """Ids of the teams the user is assigned to mentor at the event, read once per request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    from hackathon.mentoring.models import MentorAssignment

    cache = g.setdefault("_mentored_cache", {})
    key = (user.id, event.id)
    if key not in cache:
        cache[key] = frozenset(db.session.scalars(
            select(MentorAssignment.team_id).where(MentorAssignment.event_id == event.id,
                                                   MentorAssignment.mentor_id == user.id)))
    return cache[key]


def is_mentor_of(user: User | None, event: Event, team_id: int) -> bool:
    """Assigned to mentor this team (the mentor role alone is not enough)."""
    return team_id in mentored_team_ids(user, event)


def forget_mentoring() -> None:
    g.pop("_mentored_cache", None)


# --- mentoring: assignment (profiles, conflicts, proposals) -------------------------------------

def can_edit_own_mentor_profile(user: User | None, event: Event) -> bool:
    """Mentors of the event keep a profile (expertise, tracks, languages, capacity, conflicts)."""
    return Role.mentor in roles_at(user, event)


def can_edit_mentor_profile(user: User | None, event: Event, mentor_id: int) -> bool:
    """A mentor edits their own profile; organisers and site admins edit any mentor's profile."""
    if user is None or not user.is_authenticated:
        return False
    return can_manage_event(user, event) or (user.id == mentor_id and can_edit_own_mentor_profile(user, event))


def can_open_mentor_profile(user: User | None, event: Event) -> bool:
    """Who may open the profile page at all: mentors, organisers and site admins."""
    return can_edit_own_mentor_profile(user, event) or can_manage_event(user, event)


def can_assign_mentors(user: User | None, event: Event) -> bool:
    """Organisers and site admins assign mentors to teams (manually or from a proposal)."""
    return can_manage_event(user, event)



# --- mentoring: progress (check-ins, reviews, dashboards) ---------------------------------------

def can_manage_mentoring(user: User | None, event: Event) -> bool:
    """Organisers (and site admins) set mentoring options, milestones and the review rubric, and see the board."""
    return can_manage_event(user, event)


def can_post_check_in(user: User | None, event: Event) -> bool:
    """Members of an accepted team report their progress (the phase is checked by the service)."""
    return accepted_team_id(user, event) is not None


def can_review_team(user: User | None, event: Event, team_id: int) -> bool:
    """Mentors assigned to the team, and organisers, review it (the mentor role alone is not enough)."""
    return can_manage_mentoring(user, event) or is_mentor_of(user, event, team_id)


def can_view_mentor_dashboard(user: User | None, event: Event) -> bool:
    """Mentors of the event see the teams they are assigned to."""
    return Role.mentor in roles_at(user, event)


# --- mentoring: challenges and help requests ----------------------------------------------------

def accepted_team_id(user: User | None, event: Event) -> int | None:
    """The id of the user's team at the event if its application is accepted or confirmed, read once per request."""
    if user is None or not user.is_authenticated:
        return None
    cache = g.setdefault("_accepted_team_cache", {})
    key = (user.id, event.id)
    if key not in cache and not team_standing(user, event)[0]:  # read anyway by the menu: no team, no query
        cache[key] = None
    if key not in cache:
        from hackathon.applications.models import Application, ApplicationStatus
        from hackathon.teams.models import TeamMember

        cache[key] = db.session.scalar(
            select(TeamMember.team_id).join(Application, Application.team_id == TeamMember.team_id)
            .where(TeamMember.event_id == event.id, TeamMember.user_id == user.id,
                   Application.status.in_((ApplicationStatus.accepted, ApplicationStatus.confirmed))))
    return cache[key]


def forget_accepted_team() -> None:
    g.pop("_accepted_team_cache", None)
    forget_team_standing()


def can_view_challenges(user: User | None, event: Event) -> bool:
    """The event's participants (and members of accepted teams), mentors, jurors and organisers."""
    if can_manage_event(user, event):
        return True
    roles = roles_at(user, event)
    return bool(roles & {Role.participant, Role.mentor, Role.juror, Role.organiser}) \
        or accepted_team_id(user, event) is not None


def can_post_challenge(user: User | None, event: Event) -> bool:
    """Mentors and organisers post challenges."""
    return can_manage_event(user, event) or Role.mentor in roles_at(user, event)


def can_edit_challenge(user: User | None, challenge) -> bool:
    """The mentor who posted it (while still a mentor of the event), and organisers (any challenge)."""
    if can_manage_event(user, challenge.event):
        return True
    return (user is not None and user.is_authenticated and challenge.created_by_id == user.id
            and Role.mentor in roles_at(user, challenge.event))


def can_choose_challenge(user: User | None, event: Event) -> bool:
    """Members of an accepted team choose their team's challenge (the service checks that hacking is on)."""
    return accepted_team_id(user, event) is not None


def can_ask_for_help(user: User | None, event: Event) -> bool:
    """Members of an accepted team ask for help and see (and cancel) their team's requests."""
    return accepted_team_id(user, event) is not None


def can_view_help_queue(user: User | None, event: Event) -> bool:
    """Mentors and organisers see the open queue."""
    return can_manage_event(user, event) or Role.mentor in roles_at(user, event)


def can_claim_help(user: User | None, event: Event) -> bool:
    """Mentors claim requests (organisers manage the queue but do not claim)."""
    return Role.mentor in roles_at(user, event)


def can_resolve_help(user: User | None, help_request) -> bool:
    """The mentor who claimed the request, or an organiser, resolves or releases it."""
    if user is None or not user.is_authenticated:
        return False
    return help_request.claimed_by_id == user.id or can_manage_event(user, help_request.event)


# --- submissions ----------------------------------------------------------------------------------------------

def can_edit_submission(user: User | None, event: Event) -> bool:
    """Any member of an accepted team edits the team's submission (the services check the deadline)."""
    return accepted_team_id(user, event) is not None


def can_manage_submissions(user: User | None, event: Event) -> bool:
    """Organisers see every submission, grant extensions, unlock, remind, export, open the gallery."""
    return can_manage_event(user, event)


def can_view_submission(user: User | None, submission) -> bool:
    """The team's members and the event's organisers. (Jurors are added by the judging rules, for the projects
    assigned to them; the public sees the gallery page, not this.)"""
    if user is None or not user.is_authenticated:
        return False
    if can_manage_event(user, submission.event):
        return True
    if accepted_team_id(user, submission.event) == submission.team_id:
        return True
    return is_assigned_juror(user, submission)


def is_assigned_juror(user: User | None, submission) -> bool:
    """A juror assigned to the project in any round of its event (one query)."""
    if user is None or not user.is_authenticated or Role.juror not in roles_at(user, submission.event):
        return False
    from hackathon.judging.models import JurorAssignment

    return db.session.scalar(select(JurorAssignment.id).where(JurorAssignment.juror_id == user.id,
                                                              JurorAssignment.submission_id == submission.id)
                             .limit(1)) is not None


# --- judging ----------------------------------------------------------------------------------------------------

def can_manage_judging(user: User | None, event: Event) -> bool:
    """Organisers set up rounds, criteria and assignments and read the leaderboard."""
    return can_manage_event(user, event)


def can_judge(user: User | None, event: Event) -> bool:
    """Jurors of the event see their queue (the services check the assignment of each project)."""
    return Role.juror in roles_at(user, event)


def can_download_attachment(user: User | None, attachment, *, gallery_open: bool) -> bool:
    """Those who may view the submission; anyone once the gallery is open for a submitted, opted-in project."""
    submission = attachment.submission
    if can_view_submission(user, submission):
        return True
    return (gallery_open and submission.show_in_gallery and submission.status.value == "submitted"
            and attachment.removed_at is None)
