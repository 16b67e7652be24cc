"""Webhooks: endpoints, queueing a delivery in the same transaction as the change, and delivering.

`queue_event` adds one delivery row per active endpoint of the event that subscribed to the kind, to the
current session: a change that rolls back takes its deliveries with it, and a committed one keeps them until
delivered. The ids committed during a request are tried once right after the response (see `register_webhooks`);
`flask webhooks deliver` (cron) tries every due delivery, retrying with back-off up to WEBHOOKS_MAX_ATTEMPTS.
Deliveries are claimed by a conditional UPDATE with a claim token, as the mail outbox does, so two workers
never send one delivery at once.
"""
from __future__ import annotations

import http.client
import json
import logging
import secrets
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, or_, select, update
from sqlalchemy.orm import Session

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.permissions import can_manage_event
from hackathon.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookKind
from hackathon.webhooks.signing import (EVENT_ID_HEADER, EVENT_KIND_HEADER, SIGNATURE_HEADER, address_refused,
                                        backoff, signature_header)

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
URL_MAX = 500
ENDPOINTS_MAX = 20  # per event
SECRET_PREFIX = "whsec_"
KINDS = [kind.value for kind in WebhookKind]


class InvalidWebhookUrl(DomainError):
    pass


def _require_manager(actor: User | None, event: Event) -> None:
    if actor is not None and not can_manage_event(actor, event):
        raise NotAllowed()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- the address rule ---------------------------------------------------------------------------------------

def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address the host resolves to; InvalidWebhookUrl when it resolves to none, or when any of them is
    private, loopback, link-local or reserved (unless allowed): checking only the first would let a name with
    one public and one private address through."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise InvalidWebhookUrl(_("The address %(host)s could not be found. Check the URL.", host=host[:80])) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise InvalidWebhookUrl(_("The address %(host)s could not be found. Check the URL.", host=host[:80]))
    if not allow_private and any(address_refused(address) for address in addresses):
        raise InvalidWebhookUrl(_("%(host)s points to a private, loopback or reserved network address: webhooks "
                                  "are only sent to public addresses.", host=host[:80]))
    return addresses


def check_url(raw: str, *, resolve: bool = True) -> str:
    """The URL as it will be used, or InvalidWebhookUrl with a message: https only (plain http only where
    WEBHOOKS_ALLOW_PRIVATE is on, i.e. in development and tests), no user name or password in it, and a host
    that resolves to public addresses only."""
    url = (raw or "").strip()
    allow_private = _allow_private()
    if len(url) > URL_MAX:
        raise InvalidWebhookUrl(ngettext("The URL is too long (at most %(max)d character).",
                                         "The URL is too long (at most %(max)d characters).", URL_MAX, max=URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidWebhookUrl(_("Enter a full URL, like https://example.org/hooks/hackathon.")) from None
    if parts.scheme not in (("https", "http") if allow_private else ("https",)):
        raise InvalidWebhookUrl(_("The URL must start with https:// (webhooks are only sent over HTTPS)."))
    if not parts.hostname or not url.isascii() or any(ch.isspace() for ch in url):
        raise InvalidWebhookUrl(_("Enter a full URL, like https://example.org/hooks/hackathon."))
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrl(_("Leave the user name and password out of the URL: deliveries are signed instead."))
    if parts.fragment:
        url = url.split("#", 1)[0]
    if resolve:
        resolve_checked(parts.hostname, port or (443 if parts.scheme == "https" else 80), allow_private=allow_private)
    return url


# --- endpoints ----------------------------------------------------------------------------------------------

def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = [kind for kind in KINDS if kind in set(kinds or ())]
    if not chosen:
        raise DomainError(_("Choose at least one kind of event to send."))
    return chosen


def endpoints_of(event: Event) -> list[WebhookEndpoint]:
    return list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.event_id == event.id).order_by(WebhookEndpoint.id)))


def event_endpoint(event: Event, endpoint_id: int) -> WebhookEndpoint:
    """The event's endpoint, or NotFound (another event's id does not leak)."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.event_id != event.id:
        raise NotFound()
    return endpoint


def create_endpoint(actor: User | None, event: Event, *, url: str, kinds: Iterable[str],
                    description: str = "") -> WebhookEndpoint:
    """A new active endpoint with a generated secret."""
    _require_manager(actor, event)
    if len(endpoints_of(event)) >= ENDPOINTS_MAX:
        raise DomainError(ngettext("This event has %(max)d webhook endpoint already: remove it first.",
                                   "This event has %(max)d webhook endpoints already: remove one first.",
                                   ENDPOINTS_MAX, max=ENDPOINTS_MAX))
    endpoint = WebhookEndpoint(event_id=event.id, url=check_url(url), kinds=_clean_kinds(kinds),
                               description=(description or "").strip()[:120], secret=new_secret(), is_active=True,
                               created_by_id=actor.id if actor is not None else None)
    db.session.add(endpoint)
    db.session.flush()
    record_audit(actor=actor, action="webhook.create", event_id=event.id, target=endpoint,
                 after={"url": endpoint.url, "kinds": endpoint.kinds})
    db.session.commit()
    return endpoint


def update_endpoint(actor: User | None, endpoint: WebhookEndpoint, *, url: str, kinds: Iterable[str],
                    description: str = "", is_active: bool = True) -> None:
    _require_manager(actor, endpoint.event)
    values = {"url": check_url(url) if url != endpoint.url else url, "kinds": _clean_kinds(kinds),
              "description": (description or "").strip()[:120], "is_active": bool(is_active)}
    before = {key: getattr(endpoint, key) for key in values if getattr(endpoint, key) != values[key]}
    if not before:
        return
    for key, value in values.items():
        setattr(endpoint, key, value)
    record_audit(actor=actor, action="webhook.update", event_id=endpoint.event_id, target=endpoint,
                 before=before, after={key: values[key] for key in before})
    db.session.commit()


def delete_endpoint(actor: User | None, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its delivery log."""
    _require_manager(actor, endpoint.event)
    record_audit(actor=actor, action="webhook.delete", event_id=endpoint.event_id, target=endpoint,
                 before={"url": endpoint.url, "kinds": endpoint.kinds})
    db.session.delete(endpoint)
    db.session.commit()


def reveal_secret(actor: User | None, endpoint: WebhookEndpoint) -> str:
    """The secret, for the organiser who asked; the audit log keeps who saw it."""
    _require_manager(actor, endpoint.event)
    record_audit(actor=actor, action="webhook.reveal_secret", event_id=endpoint.event_id, target=endpoint)
    db.session.commit()
    return endpoint.secret


def rotate_secret(actor: User | None, endpoint: WebhookEndpoint) -> str:
    """A new secret; deliveries from now on are signed with it (retries of older ones too)."""
    _require_manager(actor, endpoint.event)
    endpoint.secret = new_secret()
    record_audit(actor=actor, action="webhook.rotate_secret", event_id=endpoint.event_id, target=endpoint)
    db.session.commit()
    return endpoint.secret


def deliveries_of(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def resend_delivery(actor: User | None, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """Put a delivery (delivered or given up) back in the queue, due now, with its tries counted afresh. The
    body and event id stay the same, so a receiver that already has it can tell."""
    _require_manager(actor, endpoint.event)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound()
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.claim_token = delivery.claimed_until = None
    record_audit(actor=actor, action="webhook.resend", event_id=endpoint.event_id, target=delivery,
                 after={"event_uid": delivery.event_uid})
    _remember_new(delivery)
    db.session.commit()
    return delivery


# --- queueing -------------------------------------------------------------------------------------------------

def _remember_new(delivery: WebhookDelivery) -> None:
    db.session.info.setdefault("webhooks_new", []).append(delivery)


def queue_event(event: Event, kind: WebhookKind | str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Add a delivery of `payload` to every active endpoint of the event that receives `kind`, in the caller's
    transaction (the caller commits). The body is fixed now: {"id", "type", "created_at", "event", "data"}."""
    kind = WebhookKind(kind).value
    endpoints = [endpoint for endpoint in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.event_id == event.id, WebhookEndpoint.is_active.is_(True))
        .order_by(WebhookEndpoint.id)) if kind in (endpoint.kinds or [])]
    now = utcnow()
    queued = []
    for endpoint in endpoints:
        uid = "evt_" + uuid.uuid4().hex
        body = json.dumps({"id": uid, "type": kind, "created_at": now.isoformat(),
                           "event": {"id": event.id, "slug": event.slug}, "data": payload},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
        delivery = WebhookDelivery(endpoint_id=endpoint.id, kind=kind, event_uid=uid, body=body,
                                   status=DeliveryStatus.pending, next_attempt_at=now, created_at=now)
        db.session.add(delivery)
        _remember_new(delivery)
        queued.append(delivery)
    return queued


@sa_event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    new = session.info.pop("webhooks_new", None)
    if new:
        ids = [inspect(delivery).identity[0] for delivery in new if inspect(delivery).identity]
        session.info.setdefault("webhooks_committed", []).extend(ids)


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("webhooks_new", None)


# --- delivering -----------------------------------------------------------------------------------------------

class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Attempt:
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def send_once(url: str, secret: str, delivery: WebhookDelivery, *, timeout: float, allow_private: bool,
              now: datetime) -> Attempt:
    """POST the delivery's body, signed for `now`. The address is checked again (DNS may have changed since the
    endpoint was saved) and the connection goes to the checked address. Redirects are not followed."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve_checked(parts.hostname or "", port, allow_private=allow_private)
    except InvalidWebhookUrl as error:
        return Attempt(None, str(error))
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Hackathon-Webhooks/1",
        SIGNATURE_HEADER: signature_header(secret, int(now.timestamp()), body),
        EVENT_ID_HEADER: delivery.event_uid,
        EVENT_KIND_HEADER: delivery.kind,
    }
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=addresses[0], timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        code = response.status
    except TimeoutError:
        return Attempt(None, f"no answer within {timeout:g} s")
    except (OSError, http.client.HTTPException) as error:
        return Attempt(None, f"{type(error).__name__}: {error}"[:300])
    finally:
        connection.close()
    return Attempt(code, None if 200 <= code < 300 else f"HTTP {code}")


def deliver_due(*, ids: list[int] | None = None, limit: int = 100,
                now: datetime | None = None) -> tuple[int, int, int]:
    """Claim due deliveries, send them, record each outcome. Returns (delivered, failed, gave up).

    Runs in its own session so that it never commits the caller's unfinished work."""
    now = now or utcnow()
    config = current_app.config
    max_attempts = config["WEBHOOKS_MAX_ATTEMPTS"]
    timeout = config["WEBHOOKS_TIMEOUT"]
    allow_private = bool(config.get("WEBHOOKS_ALLOW_PRIVATE"))
    token = secrets.token_hex(16)
    delivered = failed = gave_up = 0
    with Session(db.engine, expire_on_commit=False) as session:
        free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)
        due = (select(WebhookDelivery.id).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
               .where(WebhookDelivery.status == DeliveryStatus.pending, WebhookDelivery.next_attempt_at <= now,
                      WebhookEndpoint.is_active.is_(True), free)
               .order_by(WebhookDelivery.id).limit(limit))
        if ids is not None:
            due = due.where(WebhookDelivery.id.in_(ids))
        candidates = list(session.scalars(due))
        if not candidates:
            return 0, 0, 0
        session.execute(update(WebhookDelivery)
                        .where(WebhookDelivery.id.in_(candidates), WebhookDelivery.status == DeliveryStatus.pending,
                               free)
                        .values(claim_token=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                        .execution_options(synchronize_session=False))
        session.commit()
        claimed = session.scalars(select(WebhookDelivery).where(WebhookDelivery.claim_token == token)
                                  .order_by(WebhookDelivery.id)).all()
        for delivery in claimed:
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            attempt_at = utcnow()
            attempt = send_once(endpoint.url, endpoint.secret, delivery, timeout=timeout,
                                allow_private=allow_private, now=attempt_at)
            delivery.attempts += 1
            delivery.last_attempt_at = attempt_at
            delivery.response_code = attempt.status_code
            if attempt.ok:
                delivered += 1
                delivery.status = DeliveryStatus.delivered
                delivery.delivered_at = attempt_at
                delivery.last_error = None
            else:
                delivery.last_error = (attempt.error or "")[:500]
                if delivery.attempts >= max_attempts:
                    gave_up += 1
                    delivery.status = DeliveryStatus.failed
                else:
                    failed += 1
                    delivery.next_attempt_at = attempt_at + backoff(delivery.attempts)
                log.warning("Webhook delivery %s to %s failed (try %s of %s): %s", delivery.id, endpoint.url,
                            delivery.attempts, max_attempts, delivery.last_error)
            delivery.claim_token = None
            delivery.claimed_until = None
            session.commit()
    return delivered, failed, gave_up


def register_webhooks(app: Flask) -> None:
    """After a request whose commit queued deliveries, try them once after the response has gone out (the
    receiver's slowness never delays the page); `flask webhooks deliver` retries the rest."""

    @app.after_request
    def deliver_committed(response):
        committed = db.session.info.pop("webhooks_committed", None)
        if committed and app.config["WEBHOOKS_SEND_AFTER_COMMIT"]:
            def deliver() -> None:
                try:
                    with app.app_context():
                        deliver_due(ids=committed)
                except Exception:  # noqa: BLE001 - the cron command picks them up
                    app.logger.exception("Delivering webhooks after commit failed")

            response.call_on_close(deliver)
        return response
