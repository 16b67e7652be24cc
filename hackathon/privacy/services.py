"""Personal data services: the count of exports and erasures per event, a person's erasure, the retention
settings and purge, consent versions and who accepted which."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Text, cast, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from hackathon.accounts.models import ApiToken, User, UserSession
from hackathon.applications.models import Application, ApplicationStatus
from hackathon.audit import AuditEntry, record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError
from hackathon.events.models import Event, EventRole, Invitation, Role
from hackathon.extensions import db
from hackathon.mail import OutboxMessage, OutboxStatus
from hackathon.mentoring.models import MentorProfile
from hackathon.privacy.models import DataRequest, DataRequestKind, ErasedAccount
from hackathon.results.models import Certificate
from hackathon.submissions.models import Attachment
from hackathon.teams.models import TeamInvitation, TeamInvitationStatus, TeamMember


def note_data_request(user: User, kind: DataRequestKind, event_ids: Iterable[int], *,
                      now: datetime | None = None, commit: bool = True) -> int:
    """Count the person once per event for this kind of request (an export, an erasure); returns how many
    events counted them for the first time. Two queries whatever the number of events."""
    now = now or utcnow()
    wanted = set(event_ids)
    if not wanted:
        return 0
    known = set(db.session.scalars(select(DataRequest.event_id).where(
        DataRequest.user_id == user.id, DataRequest.kind == kind, DataRequest.event_id.in_(wanted))))
    new = sorted(wanted - known)
    if new:
        # One statement for all the rows (an executemany), not one INSERT per event.
        db.session.execute(insert(DataRequest), [{"event_id": event_id, "user_id": user.id, "kind": kind,
                                                  "created_at": now} for event_id in new])
    if commit:
        try:
            db.session.commit()
        except IntegrityError:  # the same export in another tab at the same moment: counted there
            db.session.rollback()
            return 0
    return len(new)


def data_request_counts(event: Event) -> dict[str, int]:
    """How many people exported and how many erased their data, for one event (never who)."""
    rows = dict(db.session.execute(select(DataRequest.kind, func.count()).where(DataRequest.event_id == event.id)
                                   .group_by(DataRequest.kind)).all())
    return {kind.value: int(rows.get(kind, 0)) for kind in DataRequestKind}


# --- Erasure -------------------------------------------------------------------------------------------------------
#
# The person's rows are anonymised in place rather than deleted, so that teams, score sheets, results, certificates
# and the audit log keep their shape: the account keeps its id under the name "Deleted participant <id>", an
# address that can receive no mail (the .invalid domain is reserved for that, RFC 2606) and a password no
# password matches. Files the person uploaded are removed, except those their team's project still shows (kept,
# without the uploader).

ERASED_DOMAIN = "erased.invalid"
PROFILE_DATA = ("year_of_birth", "gender", "region", "country", "background", "first_hackathon")


class WrongPassword(DomainError):
    pass


class ErasureRefused(DomainError):
    pass


def erased_name(user_id: int) -> str:
    return f"Deleted participant {user_id}"


def is_erased(user: User | None) -> bool:
    return user is not None and (user.email or "").endswith("@" + ERASED_DOMAIN)


def erasure_blockers(user: User) -> list[str]:
    """What the person must hand over before their account can go: events where they are the only organiser,
    and the site if they are its only admin. Empty when nothing holds them."""
    messages = []
    others = aliased(EventRole)
    sole_events = db.session.scalars(
        select(Event.title).join(EventRole, EventRole.event_id == Event.id)
        .where(EventRole.user_id == user.id, EventRole.role == Role.organiser,
               ~select(others.id).where(others.event_id == Event.id, others.role == Role.organiser,
                                        others.user_id != user.id).exists())
        .order_by(Event.title)).all()
    if sole_events:
        messages.append(_("You are the only organiser of %(events)s. Invite another organiser there (People) "
                          "and wait until they accept, or ask a site admin to take over, before you delete your "
                          "account.", events=", ".join(sole_events)))
    if user.is_admin:
        other_admins = db.session.scalar(select(func.count()).select_from(User).where(
            User.is_admin.is_(True), User.is_active_account.is_(True), User.id != user.id))
        if not other_admins:
            messages.append(_("You are the only site admin. Make another person a site admin first (flask users "
                              "create-admin), so that someone can still look after the site."))
    return messages


@dataclass
class ErasureReport:
    files_removed: int = 0
    files_kept: int = 0
    events: int = 0


def _scrub(value: Any, email: tuple[str, str], name: tuple[str, str]) -> Any:
    """`value` (audit JSON) with the person's old address replaced wherever it occurs, and their old name where it
    is a whole value (a name like "Ali" inside "Alina" is left alone)."""
    if isinstance(value, str):
        if value == name[0]:
            return name[1]
        return value.replace(email[0], email[1]) if email[0] else value
    if isinstance(value, list):
        return [_scrub(item, email, name) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, email, name) for key, item in value.items()}
    return value


def erase_account(user: User, password: str, *, now: datetime | None = None) -> ErasureReport:
    """Erase the person's account after checking their password; raises WrongPassword, or ErasureRefused with
    what to hand over first. Allowed at any moment, a judging round included: sheets stay, under the new name.
    One unit of work; files in the local storage are deleted after the commit (the disk is not transactional)."""
    from hackathon.accounts.services import verify_password
    from hackathon.results.services import WITHDRAWN
    from hackathon.submissions.storage import get_storage

    if is_erased(user):
        raise ErasureRefused(_("This account is already deleted."))
    if not verify_password(user, password):
        raise WrongPassword(_("The password is not correct."))
    blockers = erasure_blockers(user)
    if blockers:
        raise ErasureRefused(" ".join(blockers))
    now = now or utcnow()
    report = ErasureReport()
    old_email, old_name = user.email, user.name
    new_email = f"deleted-{user.id}-{secrets.token_hex(4)}@{ERASED_DOMAIN}"
    new_name = erased_name(user.id)

    # The events the person had a part in, counted for the organisers before the rows change.
    event_ids = set(db.session.scalars(select(EventRole.event_id).where(EventRole.user_id == user.id)))
    event_ids |= set(db.session.scalars(select(Application.event_id).where(
        or_(Application.user_id == user.id, Application.individual_user_id == user.id))))
    event_ids |= set(db.session.scalars(select(TeamMember.event_id).where(TeamMember.user_id == user.id)))
    report.events = len(event_ids)

    # Files: kept (anonymously) while the team's project shows them, else removed.
    storage = get_storage()
    to_delete: list[str] = []
    for attachment in db.session.scalars(select(Attachment).where(Attachment.uploaded_by_id == user.id)):
        if attachment.removed_at is None:
            attachment.uploaded_by_id = None
            report.files_kept += 1
        else:
            to_delete.append(attachment.storage_key)
            db.session.delete(attachment)
            report.files_removed += 1
    if storage.transactional:
        for key in to_delete:
            storage.delete(key)

    # The account itself.
    user.name, user.email = new_name, new_email
    user.password_hash = "!erased:" + secrets.token_hex(16)  # no password verifies against it
    user.email_confirmed_at = None
    user.is_admin = False
    user.is_active_account = False
    user.locale = None
    for field in PROFILE_DATA:
        setattr(user, field, None)
    user.skills, user.organisation = [], None
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=now).execution_options(synchronize_session=False))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id).execution_options(
        synchronize_session=False))

    # What they wrote about themselves; what others wrote about their work (sheets, reviews) stays.
    db.session.execute(update(Application).where(Application.individual_user_id == user.id)
                       .values(answers={}, decision_reason=None, looking_for_team=False)
                       .execution_options(synchronize_session=False))
    # An application still waiting for a place is withdrawn (nobody can take it up); a place held or taken
    # stays, so that the team and the event's counts hold.
    db.session.execute(update(Application).where(
        Application.individual_user_id == user.id,
        Application.status.in_([ApplicationStatus.draft, ApplicationStatus.submitted, ApplicationStatus.waitlisted]))
        .values(status=ApplicationStatus.withdrawn, waitlist_rank=None).execution_options(synchronize_session=False))
    db.session.execute(update(MentorProfile).where(MentorProfile.user_id == user.id).values(bio="")
                       .execution_options(synchronize_session=False))
    invitations = or_(TeamInvitation.user_id == user.id, func.lower(TeamInvitation.email) == old_email.lower())
    db.session.execute(update(TeamInvitation).where(invitations, TeamInvitation.status == TeamInvitationStatus.pending)
                       .values(status=TeamInvitationStatus.revoked, responded_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(TeamInvitation).where(invitations).values(email=new_email, message="")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Invitation).where(func.lower(Invitation.email) == old_email.lower())
                       .values(email=new_email).execution_options(synchronize_session=False))
    db.session.execute(update(Certificate).where(Certificate.user_id == user.id).values(kind=WITHDRAWN)
                       .execution_options(synchronize_session=False))

    # Mail: what was not sent yet is dropped; what was sent keeps only that it was.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == old_email,
                                                   OutboxMessage.status != OutboxStatus.sent)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.to_address == old_email)
                       .values(to_address=new_email, subject="", body_text="", body_html="")
                       .execution_options(synchronize_session=False))

    # The audit log keeps every entry; the old name and address are replaced wherever they were written.
    email, name = (old_email, new_email), (old_name, new_name)
    mentions = or_(*[cast(column, Text).contains(value) for column in (AuditEntry.before, AuditEntry.after)
                     for value in (old_email, old_name) if value], AuditEntry.reason.contains(old_email))
    for entry in db.session.scalars(select(AuditEntry).where(mentions)):
        entry.before, entry.after = _scrub(entry.before, email, name), _scrub(entry.after, email, name)
        entry.reason = _scrub(entry.reason, email, name)

    db.session.add(ErasedAccount(user_id=user.id, erased_at=now))
    note_data_request(user, DataRequestKind.erasure, event_ids, now=now, commit=False)
    record_audit(actor=user, action="account.erase", target=user,
                 after={"files_removed": report.files_removed, "files_kept": report.files_kept})
    db.session.commit()
    if not storage.transactional:
        for key in to_delete:
            try:
                storage.delete(key)
            except OSError:
                current_app.logger.warning("could not delete an erased person's file %s", key, exc_info=True)
    return report
