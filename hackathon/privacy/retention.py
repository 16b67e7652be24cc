"""Retention: how long an event keeps its applicants' and participants' profile data, the purge once that time is
over (keeping the inclusion funnel's counts as a snapshot), and the versions of the event's data policy that
people accepted.

The retention period runs from the event's results (`results_at`; without one, the last moment of its schedule).
`flask privacy purge-due` (daily, from cron) purges every event whose period is over, once:

- the inclusion funnel's counts are kept first (`PrivacySettings.funnel_snapshot`: the inputs of
  stats.funnel_from_counts), and the dashboard, the report and the stats API read them from then on;
- the free-text answers of the event's applications are deleted (choices, yes/no and numbers stay);
- the profile data (year of birth, gender, region, country, background, first hackathon) of its applicants and
  participants is cleared, except for people who also applied to or take part in an event not purged yet: that
  event still needs their profile, and the last of their events' purges clears it.

Consent: each change of an event's consent texts or retention period is a new ConsentVersion; applying records
that the person accepted the current one (ConsentRecord), and people who accepted an older one are asked again
at their next sign-in and when they open their application.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, union, update

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.privacy.models import (DEFAULT_RETENTION_MONTHS, RETENTION_MONTHS_MAX, ConsentRecord, ConsentVersion,
                                      PrivacySettings)

PURGED_PROFILE_FIELDS = ("year_of_birth", "gender", "region", "country", "background", "first_hackathon")
FREE_TEXT_KINDS = ("short_text", "long_text")


# --- pure pieces -------------------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months; a day the target month lacks becomes its last (31 Jan + 1 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def retention_starts_at(event: Event) -> datetime | None:
    """The results, else the last moment of the schedule; None for an event without dates (never purged)."""
    if event.results_at is not None:
        return event.results_at
    moments = [moment for moment in (event.pitching_starts_at, event.submissions_close_at, event.hacking_starts_at,
                                     event.applications_close_at, event.applications_open_at) if moment is not None]
    return max(moments) if moments else None


def retention_ends_at(event: Event, months: int) -> datetime | None:
    start = retention_starts_at(event)
    return add_months(start, months) if start is not None else None


def counts_to_json(counts: dict[str, Any]) -> dict[str, Any]:
    """The inputs of stats.funnel_from_counts as JSON (age bands as [low, high], the stages in use as a list)."""
    out = dict(counts)
    out["bands"] = [[band.low, band.high] for band in counts["bands"]]
    out["in_use"] = sorted(counts["in_use"])
    out["known"] = {key: list(values) for key, values in (counts.get("known") or {}).items()}
    return out


def counts_from_json(data: dict[str, Any]) -> dict[str, Any]:
    from hackathon.applications.stats import AgeBand

    out = dict(data)
    out["bands"] = [AgeBand(low, high) for low, high in data["bands"]]
    out["in_use"] = frozenset(data["in_use"])
    return out


# --- settings ----------------------------------------------------------------------------------------------------


def privacy_settings_for(event: Event) -> PrivacySettings:
    """The event's settings, or (not saved, not in the session) the defaults."""
    settings = db.session.scalar(select(PrivacySettings).where(PrivacySettings.event_id == event.id))
    return settings or PrivacySettings(event_id=event.id, retention_months=DEFAULT_RETENTION_MONTHS)


def kept_funnel_counts(event: Event) -> dict[str, Any] | None:
    """The funnel counts kept when the event's profile data was purged (None before): one query."""
    snapshot = db.session.scalar(select(PrivacySettings.funnel_snapshot).where(PrivacySettings.event_id == event.id))
    return counts_from_json(snapshot) if snapshot else None


def save_retention(actor: User, event: Event, months: int) -> PrivacySettings:
    """Set the event's retention period (organisers); a change is a new version of the event's data policy."""
    from hackathon.permissions import can_manage_event

    if not can_manage_event(actor, event):
        raise NotAllowed()
    if not 1 <= months <= RETENTION_MONTHS_MAX:
        raise DomainError(ngettext("The retention period must be between 1 and %(num)d month.",
                                   "The retention period must be between 1 and %(num)d months.", RETENTION_MONTHS_MAX))
    settings = privacy_settings_for(event)
    if settings.purged_at is not None:
        raise DomainError(_("The profile data of this event is already purged: its retention period no longer "
                            "changes anything."))
    before = settings.retention_months
    if settings.id is None:
        db.session.add(settings)
    if before != months or settings.id is None:
        settings.retention_months, settings.updated_by_id = months, actor.id
        db.session.flush()
        record_audit(actor=actor, action="privacy_settings.update", event_id=event.id, target=settings,
                     before={"retention_months": before}, after={"retention_months": months})
        current_consent_version(event, actor=actor, settings=settings)
    db.session.commit()
    return settings


# --- consent versions ----------------------------------------------------------------------------------------------


def _consent_texts(event: Event) -> dict[str, str]:
    from hackathon.applications.models import ApplicationSettings

    texts = db.session.scalar(select(ApplicationSettings.consent_text).where(ApplicationSettings.event_id == event.id))
    return {language: text for language, text in (texts or {}).items() if text}


def current_consent_version(event: Event, *, actor: User | None = None,
                            settings: PrivacySettings | None = None) -> ConsentVersion | None:
    """The version of the event's data policy in force (None when the event asks no consent), recorded as a new
    version when the texts or the retention period differ from the last one (the caller commits). The first
    version records the consent of everyone who applied before versions were kept: the text they accepted was
    the one in force until this first change."""
    from hackathon.applications.models import Application

    texts = _consent_texts(event)
    if not texts:
        return None
    months = (settings or privacy_settings_for(event)).retention_months
    latest = db.session.scalar(select(ConsentVersion).where(ConsentVersion.event_id == event.id)
                               .order_by(ConsentVersion.number.desc()).limit(1))
    if latest is not None and latest.texts == texts and latest.retention_months == months:
        return latest
    now = utcnow()
    version = ConsentVersion(event_id=event.id, number=(latest.number + 1) if latest else 1, texts=texts,
                             retention_months=months, created_at=now, created_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    if latest is None:
        rows = db.session.execute(select(Application.user_id, func.min(Application.consent_at))
                                  .where(Application.event_id == event.id, Application.consent_at.is_not(None))
                                  .group_by(Application.user_id)).all()
        db.session.add_all([ConsentRecord(user_id=user_id, event_id=event.id, version_id=version.id,
                                          accepted_at=accepted_at) for user_id, accepted_at in rows])
    return version


def note_consent_change(event: Event, actor: User | None = None) -> None:
    """Called where the consent texts are saved (applications.services.update_settings), before its commit."""
    current_consent_version(event, actor=actor)


def record_consent(user: User, event: Event, *, now: datetime | None = None) -> ConsentRecord | None:
    """The person accepted the event's current data policy (on submitting an application); the caller commits."""
    version = current_consent_version(event)
    if version is None:
        return None
    existing = db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == user.id,
                                                             ConsentRecord.version_id == version.id))
    if existing is not None:
        return existing
    record = ConsentRecord(user_id=user.id, event_id=event.id, version_id=version.id, accepted_at=now or utcnow())
    db.session.add(record)
    return record


@dataclass(frozen=True)
class OutstandingConsent:
    event: Event
    version: ConsentVersion
    accepted_number: int  # the version the person accepted last


def outstanding_consents(user: User, *, event: Event | None = None) -> list[OutstandingConsent]:
    """Events whose data policy changed since the person last accepted it (only events they consented to, not
    yet purged); with `event`, that event only."""
    accepted = select(ConsentRecord.event_id, func.max(ConsentVersion.number).label("number")).join(
        ConsentVersion, ConsentVersion.id == ConsentRecord.version_id).where(ConsentRecord.user_id == user.id)
    if event is not None:
        accepted = accepted.where(ConsentRecord.event_id == event.id)
    accepted = dict(db.session.execute(accepted.group_by(ConsentRecord.event_id)).all())
    if not accepted:
        return []
    purged = set(db.session.scalars(select(PrivacySettings.event_id).where(
        PrivacySettings.event_id.in_(accepted), PrivacySettings.purged_at.is_not(None))))
    events = db.session.scalars(select(Event).where(Event.id.in_(set(accepted) - purged)).order_by(Event.id)).all()
    outstanding = []
    for candidate in events:
        version = current_consent_version(candidate)
        if version is not None and version.number > accepted[candidate.id]:
            outstanding.append(OutstandingConsent(candidate, version, accepted[candidate.id]))
    if db.session.new:
        db.session.commit()  # a version noticed here for the first time is kept
    return outstanding


def accept_consents(user: User, *, now: datetime | None = None) -> int:
    """The person accepts every changed data policy they were asked about; returns how many."""
    now = now or utcnow()
    outstanding = outstanding_consents(user)
    for item in outstanding:
        db.session.add(ConsentRecord(user_id=user.id, event_id=item.event.id, version_id=item.version.id,
                                     accepted_at=now))
    db.session.commit()
    return len(outstanding)


# --- the purge -----------------------------------------------------------------------------------------------------


@dataclass
class PurgeReport:
    people: int = 0        # whose profile data was cleared
    kept_for_later: int = 0  # also at an event not purged yet: cleared by that event's purge
    applications: int = 0  # whose free-text answers were deleted


def _people_of(event_id):
    """Applicants (the person or the captain, and team members of a team application) and team members."""
    from hackathon.applications.models import Application
    from hackathon.teams.models import TeamMember

    return union(
        select(Application.user_id.label("user_id")).where(Application.event_id == event_id),
        select(TeamMember.user_id.label("user_id")).where(TeamMember.event_id == event_id),
    )


def due_events(now: datetime) -> list[tuple[Event, PrivacySettings]]:
    """Events whose retention period is over and whose profile data is not purged yet."""
    settings = {row.event_id: row for row in db.session.scalars(select(PrivacySettings))}
    due = []
    for event in db.session.scalars(select(Event).order_by(Event.id)):
        row = settings.get(event.id) or PrivacySettings(event_id=event.id, retention_months=DEFAULT_RETENTION_MONTHS)
        if row.purged_at is not None:
            continue
        ends = retention_ends_at(event, row.retention_months)
        if ends is not None and ends <= now:
            due.append((event, row))
    return due


def purge_event(event: Event, *, now: datetime | None = None, settings: PrivacySettings | None = None
                ) -> PurgeReport:
    """Purge one event's profile data (see the module's docstring); idempotent (a purged event is left alone)."""
    from hackathon.applications.inclusion import funnel_counts
    from hackathon.applications.models import Application, ApplicationQuestion, QuestionKind
    from hackathon.teams.models import TeamMember

    now = now or utcnow()
    settings = settings or privacy_settings_for(event)
    report = PurgeReport()
    if settings.purged_at is not None:
        return report
    settings.funnel_snapshot = counts_to_json(funnel_counts(event, now=now))
    settings.purged_at = now
    if settings.id is None:
        db.session.add(settings)
    db.session.flush()

    people = set(db.session.scalars(select(_people_of(event.id).subquery().c.user_id)))
    purged_events = select(PrivacySettings.event_id).where(PrivacySettings.purged_at.is_not(None))
    elsewhere = set(db.session.scalars(
        select(Application.user_id).where(Application.user_id.in_(people), Application.event_id != event.id,
                                          Application.event_id.not_in(purged_events))
        .union(select(TeamMember.user_id).where(TeamMember.user_id.in_(people), TeamMember.event_id != event.id,
                                                TeamMember.event_id.not_in(purged_events))))) if people else set()
    cleared = people - elsewhere
    if cleared:
        db.session.execute(update(User).where(User.id.in_(cleared))
                           .values({field: None for field in PURGED_PROFILE_FIELDS})
                           .execution_options(synchronize_session=False))
    report.people, report.kept_for_later = len(cleared), len(people & elsewhere)

    free_text = {str(question_id) for question_id in db.session.scalars(
        select(ApplicationQuestion.id).where(ApplicationQuestion.event_id == event.id,
                                             ApplicationQuestion.kind.in_([QuestionKind(k) for k in FREE_TEXT_KINDS])))}
    if free_text:
        for application in db.session.scalars(select(Application).where(Application.event_id == event.id)):
            answers = dict(application.answers or {})
            if free_text & set(answers):
                application.answers = {key: value for key, value in answers.items() if key not in free_text}
                report.applications += 1
    record_audit(actor=None, action="privacy.purge", event_id=event.id, target=settings,
                 after={"people": report.people, "kept_for_later": report.kept_for_later,
                        "applications": report.applications, "retention_months": settings.retention_months})
    db.session.commit()
    return report


def purge_due(*, now: datetime | None = None) -> list[tuple[str, PurgeReport]]:
    """Purge every event whose retention period is over (`flask privacy purge-due`); oldest events first, so a
    person at several events is cleared by the purge of the last one."""
    now = now or utcnow()
    return [(event.slug, purge_event(event, now=now, settings=settings)) for event, settings in due_events(now)]


def retention_text(event: Event) -> str:
    """What the consent text says about retention, in the reader's language (one query)."""
    settings = privacy_settings_for(event)
    ends = retention_ends_at(event, settings.retention_months)
    if settings.purged_at is not None:
        return _("The profile data of this event's applicants and participants was anonymised on %(date)s.",
                 date=format_date(settings.purged_at, "long"))
    if ends is None:
        return ngettext("Your profile data (age, gender, region, country, background) is kept for %(num)d month "
                        "after the event's results, then anonymised.",
                        "Your profile data (age, gender, region, country, background) is kept for %(num)d months "
                        "after the event's results, then anonymised.", settings.retention_months)
    return ngettext("Your profile data (age, gender, region, country, background) is kept for %(num)d month after "
                    "the event's results, then anonymised (on %(date)s).",
                    "Your profile data (age, gender, region, country, background) is kept for %(num)d months after "
                    "the event's results, then anonymised (on %(date)s).", settings.retention_months,
                    date=format_date(ends, "long"))
