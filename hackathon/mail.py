"""Mail outbox: mail is written in the same transaction as the action and sent after commit.

`queue_mail` renders the message in the recipient's language and adds it to the
current session. When the session commits, the queued ids are handed to the
sender (after the request, see `register_outbox`); a rollback drops them, so
nothing is sent for work that did not happen. A failed send is retried with
exponential back-off by `flask outbox send` and never deleted. Messages are
claimed by a conditional UPDATE with a unique claim token, so several workers
never send one message twice.
"""
from __future__ import annotations

import enum
import logging
import secrets
import smtplib
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import ForeignKey, String, Text, event, insert, inspect, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hackathon.database import utcnow
from hackathon.extensions import db

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300


class OutboxStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS; kept, `flask outbox retry` re-queues


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        db.Enum(OutboxStatus, native_enum=False, length=16), default=OutboxStatus.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failure, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def queue_mail(
    to: str, template: str, *, locale: str | None, event_id: int | None = None, **context: Any
) -> OutboxMessage:
    """Render mail/<template>.{subject.txt,txt,html} in the recipient's language and queue it."""
    locale = locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        context.setdefault("site_name", current_app.config["SITE_NAME"])
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        body_text = render_template(f"mail/{template}.txt", **context)
        body_html = render_template(f"mail/{template}.html", **context)
    message = OutboxMessage(
        to_address=to,
        template=template,
        locale=locale,
        subject=" ".join(subject.split())[:255],
        body_text=body_text,
        body_html=body_html,
        event_id=event_id,
    )
    db.session.add(message)
    db.session.info.setdefault("outbox_new", []).append(message)
    return message


def queue_copies(message: OutboxMessage, addresses: list[str]) -> int:
    """Queue the message `queue_mail` rendered once more for each of `addresses`, one mail each (for a text that is
    the same for everyone who reads that language, such as an announcement: rendering it once per language
    rather than once per person is what makes a mail to 3,000 people quick). Inserted in one statement, in the
    current transaction, and handed to the sender after commit like any other queued mail."""
    if not addresses:
        return 0
    now = utcnow()
    rows = [{"to_address": address, "template": message.template, "locale": message.locale,
             "subject": message.subject, "body_text": message.body_text, "body_html": message.body_html,
             "event_id": message.event_id, "status": OutboxStatus.pending, "attempts": 0, "next_attempt_at": now,
             "created_at": now} for address in addresses]
    ids = list(db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id), rows))
    db.session.info.setdefault("outbox_new_ids", []).extend(ids)
    return len(ids)


@event.listens_for(Session, "after_commit")
def _remember_committed_mail(session: Session) -> None:
    new = session.info.pop("outbox_new", None)
    if new:
        # The identity survives the expiry on commit without a query (none is allowed here).
        ids = [inspect(message).identity[0] for message in new if inspect(message).identity]
        session.info.setdefault("outbox_committed", []).extend(ids)
    copies = session.info.pop("outbox_new_ids", None)
    if copies:
        session.info.setdefault("outbox_committed", []).extend(copies)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_mail(session: Session) -> None:
    session.info.pop("outbox_new", None)
    session.info.pop("outbox_new_ids", None)


def _deliver(message: OutboxMessage) -> None:
    """Send one message. SMTP goes through smtplib with a timeout (Flask-Mail's connection has none,
    and a hanging relay must not block a request or outlive the sender's claim)."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "log":
        log.info("Mail to %s: %s\n%s", message.to_address, message.subject, message.body_text)
        return
    composed = Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=config["MAIL_DEFAULT_SENDER"],
    )
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.sendmail(parseaddr(composed.sender)[1], [message.to_address], composed.as_bytes())


def send_outbox(*, ids: list[int] | None = None, limit: int = 100, now: datetime | None = None) -> tuple[int, int]:
    """Claim due messages, send them, record the outcome. Returns (sent, failed).

    Runs in its own session so that it never commits the caller's unfinished work.
    """
    now = now or utcnow()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    token = secrets.token_hex(16)
    sent = failed = 0
    with Session(db.engine, expire_on_commit=False) as session:
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.pending,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if ids is not None:
            due = due.where(OutboxMessage.id.in_(ids))
        candidate_ids = list(session.scalars(due))
        if not candidate_ids:
            return 0, 0
        # The WHERE is re-checked under the row lock: a message claimed by another worker is skipped.
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(candidate_ids),
                OutboxMessage.status == OutboxStatus.pending,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claim_token=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        session.commit()
        claimed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
        ).all()
        for message in claimed:
            # Renew the claim right before sending, and skip the message if it is no longer ours: a slow batch
            # can outlive CLAIM_SECONDS, and another worker may then have taken (and sent) the rest of it.
            renewed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token,
                       OutboxMessage.status == OutboxStatus.pending)
                .values(claimed_until=utcnow() + timedelta(seconds=CLAIM_SECONDS))
                .execution_options(synchronize_session=False)
            )
            session.commit()  # visible to other workers before the (slow) send; holds no lock while sending
            if renewed.rowcount != 1:
                continue
            message.attempts += 1
            try:
                _deliver(message)
            except Exception as error:  # any transport error: keep the message and retry later
                failed += 1
                message.last_error = f"{type(error).__name__}: {error}"[:500]
                message.next_attempt_at = utcnow() + backoff(message.attempts)
                if message.attempts >= max_attempts:
                    message.status = OutboxStatus.failed
                log.warning("Mail %s to %s failed (attempt %s): %s", message.id, message.to_address,
                            message.attempts, message.last_error)
            else:
                sent += 1
                message.status = OutboxStatus.sent
                message.sent_at = utcnow()
                message.last_error = None
            message.claim_token = None
            message.claimed_until = None
            session.commit()
    return sent, failed


def retry_failed_outbox() -> int:
    """Put messages that gave up back in the queue."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.failed)
        .values(status=OutboxStatus.pending, attempts=0, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount or 0


def register_outbox(app: Flask) -> None:
    @app.after_request
    def send_committed_mail(response):
        committed = db.session.info.pop("outbox_committed", None)
        if committed and app.config["MAIL_SEND_AFTER_COMMIT"]:
            try:
                send_outbox(ids=committed)
            except Exception:  # the CLI sender will pick them up
                app.logger.exception("Sending mail after commit failed")
        return response
