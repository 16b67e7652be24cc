"""Audit log of organiser and admin actions: who did what, when, with before/after values; and the log in words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.extensions import db
from hackathon.i18n import lazy_gettext as _l


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
            value = value.value  # enums
        out[key] = value
    return out


def record_audit(
    *,
    actor: User | None,
    action: str,
    event_id: int | None = None,
    target: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current unit of work (the caller commits)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        event_id=event_id,
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
    )
    db.session.add(entry)
    return entry


def changed_fields(obj: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before/after dicts of the fields whose value differs from `values`."""
    before, after = {}, {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            before[key], after[key] = old, value
    return before, after


# --- reading the log ------------------------------------------------------------------------------------------------
# The log page shows each entry in words: what was done, to what, and its fields with readable values (times in
# the event's timezone, ids as names). Names are read for the whole page at once: one query per kind of thing.

ACTION_LABELS = {
    "account.erase": _l("Deleted their account (personal data erased)"),
    "announcement.correct": _l("Corrected a sent announcement"),
    "announcement.create": _l("Wrote an announcement"),
    "announcement.delete": _l("Deleted an announcement"),
    "announcement.schedule": _l("Scheduled an announcement"),
    "announcement.send": _l("Sent an announcement"),
    "announcement.unschedule": _l("Took an announcement off the schedule"),
    "announcement.update": _l("Changed an announcement"),
    "application.answers_update": _l("Changed the answers of an application"),
    "application.confirm": _l("Confirmed participation"),
    "application.decide": _l("Decided on an application"),
    "application.decline": _l("Declined a place"),
    "application.lapse": _l("A place was released: not confirmed in time"),
    "application.promote": _l("Moved an application up from the waitlist"),
    "application.withdraw": _l("Withdrew an application"),
    "application_question.archive": _l("Archived an application question"),
    "application_question.create": _l("Added an application question"),
    "application_question.delete": _l("Deleted an application question"),
    "application_question.move": _l("Moved an application question"),
    "application_question.update": _l("Changed an application question"),
    "application_settings.update": _l("Changed the application settings"),
    "challenge.choose": _l("A team chose a challenge"),
    "challenge.create": _l("Posted a challenge"),
    "challenge.delete": _l("Deleted a challenge"),
    "challenge.update": _l("Changed a challenge"),
    "event.create": _l("Created the event"),
    "event.update": _l("Changed the event"),
    "event.two_factor": _l("Changed whether organisers must use two-factor sign-in"),
    "two_factor.disable": _l("Turned off two-factor sign-in"),
    "two_factor.enable": _l("Turned on two-factor sign-in"),
    "two_factor.recovery_code_used": _l("Signed in with a recovery code"),
    "two_factor.recovery_codes_replaced": _l("Made new recovery codes"),
    "two_factor.turned_off": _l("Two-factor sign-in turned off from the command line"),
    "help.ask": _l("Asked for help"),
    "help.cancel": _l("Cancelled a help request"),
    "help.claim": _l("Took a help request"),
    "help.release": _l("Gave back a help request"),
    "help.resolve": _l("Resolved a help request"),
    "inclusion_settings.update": _l("Changed the inclusion settings"),
    "invitation.accept": _l("Accepted an invitation to a role"),
    "invitation.create": _l("Invited someone to a role"),
    "invitation.revoke": _l("Revoked an invitation to a role"),
    "judging.assignment_applied": _l("Applied the juror assignment"),
    "judging.conflict_declared": _l("Declared a conflict of interest"),
    "judging.conflict_withdrawn": _l("Withdrew a conflict of interest"),
    "judging.criteria_unlocked": _l("Unlocked the criteria of a round"),
    "judging.criterion_deleted": _l("Deleted a criterion"),
    "judging.criterion_saved": _l("Saved a criterion"),
    "judging.juror_recused": _l("Recused a juror"),
    "judging.round_created": _l("Created a judging round"),
    "judging.round_saved": _l("Changed a judging round"),
    "judging.schedule_planned": _l("Planned the pitch schedule"),
    "judging.schedule_published": _l("Published the pitch schedule"),
    "judging.sheet_imported": _l("Imported a score sheet"),
    "judging.sheet_saved": _l("Saved a score sheet draft"),
    "judging.sheet_submitted": _l("Submitted a score sheet"),
    "judging.shortlist_published": _l("Published the shortlist"),
    "judging.shortlist_saved": _l("Saved the shortlist"),
    "mail_template.reset": _l("Went back to the built-in text of a mail"),
    "mail_template.save": _l("Changed the text of a mail"),
    "mentor_assignment.apply": _l("Applied the mentor assignment"),
    "mentor_assignment.create": _l("Assigned a mentor to a team"),
    "mentor_assignment.delete": _l("Took a mentor off a team"),
    "mentor_profile.update": _l("Changed a mentor profile"),
    "mentoring.criterion_added": _l("Added a rubric criterion"),
    "mentoring.criterion_archived": _l("Archived a rubric criterion"),
    "mentoring.criterion_deleted": _l("Deleted a rubric criterion"),
    "mentoring.criterion_restored": _l("Restored a rubric criterion"),
    "mentoring.criterion_updated": _l("Changed a rubric criterion"),
    "mentoring.milestone_added": _l("Added a milestone"),
    "mentoring.milestone_deleted": _l("Deleted a milestone"),
    "mentoring.milestone_updated": _l("Changed a milestone"),
    "mentoring.settings_updated": _l("Changed the mentoring settings"),
    "privacy.purge": _l("Anonymised the profile data kept past the retention period"),
    "privacy_settings.update": _l("Changed the retention period of personal data"),
    "results.award_created": _l("Added an award"),
    "results.award_decided": _l("Decided the winner of an award"),
    "results.award_deleted": _l("Deleted an award"),
    "results.certificates_issued": _l("Issued the certificates"),
    "results.published": _l("Published the results"),
    "results.scheduled": _l("Scheduled the results"),
    "results.settings_saved": _l("Changed the final ranking settings"),
    "results.unpublished": _l("Unpublished the results"),
    "role.remove": _l("Removed a role"),
    "submission.attachment_added": _l("Added a file to a project"),
    "submission.attachment_removed": _l("Removed a file from a project"),
    "submission.exemption_revoked": _l("Revoked a deadline exception"),
    "submission.extension_granted": _l("Granted a deadline extension"),
    "submission.unlock_granted": _l("Unlocked a frozen project"),
    "submission.reminded": _l("Reminded a team to submit"),
    "submission.returned_to_draft": _l("Returned a project to draft"),
    "submission.settings_updated": _l("Changed the submission settings"),
    "submission.submitted": _l("Submitted a project"),
    "team.captain": _l("Handed over the captaincy"),
    "team.create": _l("Created a team"),
    "team.delete": _l("Deleted a team"),
    "team.form": _l("Formed a team from accepted individuals"),
    "team.invite": _l("Invited someone to a team"),
    "team.invite_decline": _l("Declined an invitation to a team"),
    "team.invite_withdraw": _l("Withdrew an invitation to a team"),
    "team.join": _l("Joined a team"),
    "team.join_code": _l("Made a new join link for a team"),
    "team.leave": _l("Left a team"),
    "team.remove_member": _l("Removed a member from a team"),
    "team.request": _l("Asked to join a team"),
    "team.request_decline": _l("Declined a request to join a team"),
    "team.update": _l("Changed a team"),
    "track.create": _l("Added a track"),
    "track.delete": _l("Deleted a track"),
    "track.update": _l("Changed a track"),
    "applications.import": _l("Imported applicants from a file"),
    "webhook.create": _l("Added a webhook endpoint"),
    "webhook.delete": _l("Removed a webhook endpoint"),
    "webhook.resend": _l("Sent a webhook delivery again"),
    "webhook.reveal_secret": _l("Revealed a webhook secret"),
    "webhook.rotate_secret": _l("Made a new webhook secret"),
    "webhook.update": _l("Changed a webhook endpoint"),
}

FIELD_LABELS = {
    "require_two_factor": _l("Two-factor sign-in required"),
    "added": _l("Added"), "application_id": _l("Application"), "bio": _l("About"), "body": _l("Text"),
    "capacity": _l("Capacity"), "captain_id": _l("Captain"), "challenge_id": _l("Challenge"),
    "closes_at": _l("Closes"), "comment_to_team": _l("Comment to the team"), "confirm_by": _l("Confirm by"),
    "confirmed_problems": _l("Confirmed despite"), "conflict_person_ids": _l("Conflicts with people"),
    "conflict_team_ids": _l("Conflicts with teams"), "description": _l("Description"), "due_at": _l("Due"),
    "email": _l("Email"), "expertise": _l("Expertise"), "final_round_id": _l("Final round"),
    "is_archived": _l("Archived"), "issued": _l("Issued"), "juror_id": _l("Juror"),
    "keep_existing": _l("Kept existing pairs"), "key": _l("Mail"), "kind": _l("Kind"), "languages": _l("Languages"),
    "late": _l("Late"), "locale": _l("Language"), "looking_for_members": _l("Looking for members"),
    "mails": _l("Mails sent"), "mentor_id": _l("Mentor"), "method": _l("Method"), "name": _l("Name"),
    "order": _l("Order"), "organisation": _l("Organisation"), "origin": _l("Origin"),
    "override_capacity": _l("Capacity overridden"), "pairs": _l("Pairs"),
    "participants_removed": _l("Participants removed"), "people": _l("People"), "person_id": _l("Person"),
    "place": _l("Place"), "position": _l("Position"), "private_note": _l("Private note"),
    "projects": _l("Projects"), "publish_at": _l("Publish at"), "published_at": _l("Published"),
    "reason": _l("Reason"), "removed": _l("Removed"), "replaced": _l("Replaced"), "revoked": _l("Revoked"),
    "revoked_user_ids": _l("Revoked for"), "role": _l("Role"), "round_id": _l("Round"),
    "round_weights": _l("Round weights"), "scale": _l("Scale"), "scores": _l("Scores"), "seed": _l("Seed"),
    "show_full_ranking": _l("Full ranking shown"), "size": _l("Size"), "slots": _l("Slots"),
    "starts_at": _l("Starts"), "state": _l("State"), "status": _l("Status"), "subject": _l("Subject"),
    "team": _l("Team"), "team_id": _l("Team"), "title": _l("Title"), "track_id": _l("Track"),
    "track_ids": _l("Tracks"), "until": _l("Until"), "updated": _l("Updated"), "user_id": _l("Person"),
    "user_ids": _l("People"), "version": _l("Version"), "via": _l("Via"), "waitlist_rank": _l("Waitlist place"),
    "weight": _l("Weight"), "weights": _l("Weights"), "winners": _l("Winners"),
    "applications_open_at": _l("Applications open"), "applications_close_at": _l("Applications close"),
    "hacking_starts_at": _l("Hacking starts"), "submissions_close_at": _l("Submissions close"),
    "pitching_starts_at": _l("Pitching starts"), "results_at": _l("Results"), "timezone": _l("Timezone"),
    "slug": _l("Address"), "min_team_size": _l("Smallest team"), "max_team_size": _l("Largest team"),
    "is_published": _l("Published"), "idea": _l("Idea"), "wanted_skills": _l("Skills wanted"),
    "mentors_per_team": _l("Mentors per team"), "stale_after_hours": _l("Hours without a check-in"),
    "required_fields": _l("Required fields"), "grace_minutes": _l("Grace period (minutes)"),
    "max_screenshots": _l("Most screenshots"), "label": _l("Label"), "help_text": _l("Help text"),
    "options": _l("Options"), "required": _l("Required"), "max_accepted_teams": _l("Team places"),
    "confirmation_days": _l("Days to confirm"), "allow_teams": _l("Teams allowed"),
    "allow_individuals": _l("Individuals allowed"), "minimum_age": _l("Minimum age"),
    "age_bands": _l("Age bands"), "suppression_threshold": _l("Smallest group shown in the report"),
    "report_shared": _l("Report shared"),
    "opens_at": _l("Opens"), "jurors_per_project": _l("Jurors per project"), "shortlist_size": _l("Shortlist size"),
    "prize_text": _l("Prize"), "data_links": _l("Data links"), "criteria": _l("Criteria"),
    "assign_all": _l("Every juror scores every project (a pitch final)"),
    "jurors_see_other_scores": _l("Jurors see other jurors' scores"),
    "jurors_see_leaderboard": _l("Jurors see the leaderboard"), "project_source": _l("Projects judged"),
    "source_round_id": _l("Shortlist of round"), "show_rank_in_feedback": _l("Rank shown in feedback"),
    "show_juror_names": _l("Juror names shown"), "allow_archive": _l("Archives allowed"),
    "gallery_opened_at": _l("Gallery opened"), "show_summaries_to_jurors": _l("Summaries shown to jurors"),
    "consent_text": _l("Consent text"), "pitch_minutes": _l("Pitch (minutes)"),
    "qa_minutes": _l("Questions (minutes)"), "changeover_minutes": _l("Changeover (minutes)"),
    "break_after": _l("A break after every … teams"), "break_minutes": _l("Break (minutes)"),
    "call_links": _l("Video call links"), "reminder_hours": _l("Remind teams this many hours before their slot"),
}

# Fields whose ids name a person, a team, a track, ... (the page reads their names, one query per kind).
_USER_FIELDS = {"user_id", "juror_id", "mentor_id", "captain_id", "person_id", "user_ids", "revoked_user_ids",
                "conflict_person_ids"}
_TEAM_FIELDS = {"team_id", "conflict_team_ids"}
_APPLICATION_FIELDS = {"application_id"}
_TRACK_FIELDS = {"track_id", "track_ids"}
_ROUND_FIELDS = {"round_id", "final_round_id", "source_round_id"}
# Lists of project ids (a count under the same key, as in "projects": 12, stays a number).
_PROJECT_LIST_FIELDS = {"projects", "slots", "added", "removed"}
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2})?$")
_TEXT_MAX = 160  # long texts (a mail body, a description) are cut on the page; the entry keeps them whole


@dataclass
class AuditField:
    label: str
    before: str | None
    after: str | None


@dataclass
class AuditLine:
    entry: AuditEntry
    description: str
    target: str | None
    fields: list[AuditField]


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("Other change (%(action)s)", action=action)


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


class _Names:
    """Names of the things the entries mention, read once per kind for all entries."""

    def __init__(self, entries: list[AuditEntry], locale: str, languages: list[str], event_id: int | None):
        from hackathon.applications.models import Application
        from hackathon.events.models import Track
        from hackathon.judging.models import JudgingCriterion, JudgingRound, ScoreSheet
        from hackathon.submissions.models import Submission
        from hackathon.teams.models import Team

        from hackathon.results.models import Award

        wanted: dict[str, set[int]] = {kind: set() for kind in ("user", "team", "track", "round", "project",
                                                                 "criterion", "sheet", "application", "award")}
        by_target = {"User": "user", "Team": "team", "Track": "track", "JudgingRound": "round",
                     "Submission": "project", "JudgingCriterion": "criterion", "ScoreSheet": "sheet",
                     "Application": "application"}
        for entry in entries:
            if entry.target_type in by_target and entry.target_id is not None:
                wanted[by_target[entry.target_type]].add(entry.target_id)
            for values in (entry.before or {}, entry.after or {}):
                for key, value in values.items():
                    kind = _kind_of(key, value)
                    if kind is not None:
                        wanted[kind].update(_ids(value))
                    elif key == "winners" and isinstance(value, dict):  # {award id: [project ids]}
                        wanted["award"].update(_ids(list(value)))
                        for projects in value.values():
                            wanted["project"].update(_ids(projects))
                    elif key == "pairs" and isinstance(value, list):  # [[team id, mentor id], ...]
                        for pair in value:
                            if isinstance(pair, (list, tuple)) and len(pair) == 2:
                                wanted["team"].update(_ids(pair[0]))
                                wanted["user"].update(_ids(pair[1]))
                    elif key == "scores" and isinstance(value, dict):
                        wanted["criterion"].update(_ids(list(value)))
                    elif key in ("weights", "round_weights") and isinstance(value, dict):
                        wanted["round"].update(_ids(list(value)))
        self.locale, self.languages = locale, languages
        self.by_target = by_target
        self.names: dict[str, dict[int, str]] = {kind: {} for kind in wanted}
        # Only this event's things: an id freed by a deletion may belong to another event's row by now.
        queries = {
            "user": (User.id, User.name, None), "team": (Team.id, Team.name, Team.event_id),
            "track": (Track.id, Track.name, Track.event_id),
            "project": (Submission.id, Submission.title, Submission.event_id),
        }
        for kind, (id_column, name_column, event_column) in queries.items():
            if wanted[kind]:
                query = select(id_column, name_column).where(id_column.in_(wanted[kind]))
                if event_column is not None:
                    query = query.where(event_column == event_id)
                self.names[kind] = dict(db.session.execute(query).all())
        if wanted["sheet"]:  # a score sheet is named by its project
            self.names["sheet"] = dict(db.session.execute(
                select(ScoreSheet.id, Submission.title).join(Submission, Submission.id == ScoreSheet.submission_id)
                .where(ScoreSheet.id.in_(wanted["sheet"]), Submission.event_id == event_id)).all())
        if wanted["application"]:  # an application by its team, else its applicant
            self.names["application"] = {row.id: row.team or row.person for row in db.session.execute(
                select(Application.id, Team.name.label("team"), User.name.label("person"))
                .outerjoin(Team, Team.id == Application.team_id).outerjoin(User, User.id == Application.user_id)
                .where(Application.id.in_(wanted["application"]), Application.event_id == event_id))}
        if wanted["round"]:
            self.names["round"] = {row.id: self._pick(row.name) for row in db.session.execute(
                select(JudgingRound.id, JudgingRound.name)
                .where(JudgingRound.id.in_(wanted["round"]), JudgingRound.event_id == event_id))}
        if wanted["award"]:
            self.names["award"] = {row.id: self._pick(row.name) for row in db.session.execute(
                select(Award.id, Award.name).where(Award.id.in_(wanted["award"]), Award.event_id == event_id))}
        if wanted["criterion"]:
            self.names["criterion"] = {row.id: self._pick(row.name) for row in db.session.execute(
                select(JudgingCriterion.id, JudgingCriterion.name)
                .join(JudgingRound, JudgingRound.id == JudgingCriterion.round_id)
                .where(JudgingCriterion.id.in_(wanted["criterion"]), JudgingRound.event_id == event_id))}

    def _pick(self, names: Any) -> str:
        if isinstance(names, dict):
            for code in (self.locale, *self.languages):
                if names.get(code):
                    return str(names[code])
            return next((str(value) for value in names.values() if value), "")
        return str(names or "")

    def name(self, kind: str, value: Any) -> str:
        try:
            key = int(value)
        except (TypeError, ValueError):
            return str(value)
        found = self.names.get(kind, {}).get(key)
        return found if found else _("#%(id)s (no longer there)", id=key)

    def target(self, entry: AuditEntry) -> str | None:
        kind = self.by_target.get(entry.target_type or "")
        if kind is None or entry.target_id is None:
            return None
        return self.name(kind, entry.target_id)


def _kind_of(key: str, value: Any = None) -> str | None:
    if key in _USER_FIELDS:
        return "user"
    if key in _TEAM_FIELDS:
        return "team"
    if key in _TRACK_FIELDS:
        return "track"
    if key in _ROUND_FIELDS:
        return "round"
    if key in _PROJECT_LIST_FIELDS and isinstance(value, (list, tuple)):
        return "project"
    if key in _APPLICATION_FIELDS:
        return "application"
    return None


def _ids(value: Any) -> set[int]:
    values = value if isinstance(value, (list, tuple, set)) else [value]
    found = set()
    for item in values:
        try:
            found.add(int(item))
        except (TypeError, ValueError):
            continue
    return found


def _first_id(value: Any) -> int | None:
    found = _ids(value)
    return min(found) if found else None


def _readable(key: str, value: Any, names: _Names, timezone: str) -> str:
    from hackathon.templating import ROLE_LABELS, local_datetime

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    kind = _kind_of(key, value)
    if kind is not None:
        values = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(names.name(kind, item) for item in values)
    if key == "winners" and isinstance(value, dict):
        return "; ".join(f"{names.name('award', award)}: "
                         + (", ".join(names.name("project", p) for p in projects) if projects else "—")
                         for award, projects in value.items())
    if key == "pairs" and isinstance(value, list):
        return "; ".join(f"{names.name('team', pair[0])} → {names.name('user', pair[1])}"
                         if isinstance(pair, (list, tuple)) and len(pair) == 2 else _shorten(str(pair))
                         for pair in value)
    if key == "replaced" and isinstance(value, list):  # ids of files that are gone: how many is what tells
        return str(len(value))
    if key == "scores" and isinstance(value, dict):
        return ", ".join(f"{names.name('criterion', criterion)}: {score}" for criterion, score in value.items())
    if key in ("weights", "round_weights") and isinstance(value, dict):
        return ", ".join(f"{names.name('round', round_id)}: {weight}" for round_id, weight in value.items())
    if key == "order" and isinstance(value, str) and value in ORDER_LABELS:
        return str(ORDER_LABELS[value])
    if key == "role" and value in ROLE_LABELS:
        return str(ROLE_LABELS[value])
    if key == "scale" and isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{value[0]}–{value[1]}"
    if isinstance(value, str) and _ISO_TIME.match(value):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt_timezone.utc).replace(tzinfo=None)
        return local_datetime(moment, timezone, "short")
    if isinstance(value, dict):
        if value and all(isinstance(code, str) and len(code) <= 3 for code in value):  # a name per language
            picked = names._pick(value)
            if picked:
                return _shorten(picked)
        return "; ".join(f"{field_label(str(k))}: {_readable(str(k), v, names, timezone)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_readable("", item, names, timezone) for item in value)
    if key == "status" and isinstance(value, str):
        return _status_label(value)
    if key in ("kind", "state", "method", "origin", "via", "project_source") and isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return _shorten(str(value))


# Codes that entries keep in their kind, state, method, origin or via fields (statuses come from applications).
VALUE_LABELS = {
    "deck": _l("Pitch deck"), "screenshot": _l("Screenshot"), "archive": _l("Code archive"),
    "extension": _l("Extension"), "unlock": _l("Unlock"), "place": _l("Place"), "track": _l("Track"),
    "special": _l("Special mention"), "individual": _l("Individual"), "team": _l("Team"),
    "missing": _l("Missing"), "late": _l("Late"), "calibrated": _l("Calibrated (per-juror z-scores)"),
    "raw": _l("Mean of weighted totals"), "link": _l("Join link"), "invite": _l("Invitation"),
    "request": _l("Request to join"), "proposal": _l("As proposed"), "override": _l("Chosen by the organisers"),
    "open": _l("Open"), "claimed": _l("Taken"), "resolved": _l("Resolved"), "cancelled": _l("Cancelled"),
    "on_track": _l("On track"), "at_risk": _l("At risk"), "blocked": _l("Blocked"),
    "submissions": _l("Every submitted project"), "shortlist": _l("Shortlist"),
    "final_round": _l("The final round's ranking"), "combined": _l("Rounds combined by their weights"),
}


# A pitch schedule's order (the planning form's own words).
ORDER_LABELS = {"shortlist": _l("The shortlist's order (best first)"), "reverse": _l("The reverse (best last)"),
                "random": _l("Random (the seed below keeps it)")}


def _status_label(value: str) -> str:
    from hackathon.applications.review import STATUS_LABELS

    for status, label in STATUS_LABELS.items():
        if status.value == value:
            return str(label)
    return str(VALUE_LABELS.get(value, value.replace("_", " ")))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_MAX else text[:_TEXT_MAX - 1] + "…"


def describe_entries(entries: list[AuditEntry], *, event_id: int | None, timezone: str, locale: str,
                     languages: list[str] | None = None) -> list[AuditLine]:
    """The entries of one event in words for its log page (a fixed number of queries whatever their number)."""
    names = _Names(entries, locale, list(languages or []), event_id)
    lines = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        keys = dict.fromkeys([*before, *after])
        if "team_id" in keys and "team" in keys:  # the name is kept for when the team is gone: say it once
            team_id = after.get("team_id", before.get("team_id"))
            keys.pop("team" if names.names["team"].get(_first_id(team_id)) else "team_id")
        fields = [AuditField(label=field_label(key),
                             before=_readable(key, before[key], names, timezone) if key in before else None,
                             after=_readable(key, after[key], names, timezone) if key in after else None)
                  for key in keys]
        lines.append(AuditLine(entry=entry, description=action_label(entry.action), target=names.target(entry),
                               fields=fields))
    return lines
