"""The mail outbox: queued in the unit of work, sent after commit, retried with back-off, never sent twice,
rendered in the recipient's language; with a real SMTP server (aiosmtpd) on localhost where it matters."""
from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

import hackathon.events.services as event_services
import hackathon.mail as outbox_module
from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.errors import Conflict
from hackathon.extensions import db
from hackathon.mail import CLAIM_SECONDS, OutboxMessage, OutboxStatus, backoff, queue_mail, send_outbox

from tests.conftest import link_in

NEW_PASSWORD = "violet kettle on the stairs"


# --- helpers and fixtures ------------------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on (the OS just handed it out and took it back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """aiosmtpd handler that keeps what arrives; the 250 reply follows handle_DATA, so a send has landed here
    by the time smtplib returns."""

    port: int = 0
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(raw, policy=policy.default)))
        return "250 Message accepted for delivery"


def point_mail_at(app, monkeypatch, port: int) -> None:
    """Send through SMTP on 127.0.0.1:port for this test only (monkeypatch restores everything)."""
    settings = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                "MAIL_USE_SSL": False, "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_TIMEOUT": 5}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on localhost, and the app configured to send through it."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    collector.port = controller.port
    point_mail_at(app, monkeypatch, controller.port)
    yield collector
    controller.stop()


@pytest.fixture
def dead_smtp(app, monkeypatch):
    """SMTP settings that point at a closed port: every send fails with ConnectionRefusedError."""
    point_mail_at(app, monkeypatch, free_port())


class Clock:
    """A clock for hackathon.mail that moves only when told to."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    # A minute ahead of the wall clock, so mail queued during the test (stamped by the real clock) is due.
    clock = Clock(utcnow() + timedelta(minutes=1))
    monkeypatch.setattr(outbox_module, "utcnow", clock)
    return clock


@pytest.fixture
def deliveries(monkeypatch):
    """Replace the transport with a thread-safe counter of message ids."""
    counted: Counter[int] = Counter()
    lock = threading.Lock()

    def deliver(message: OutboxMessage) -> None:
        with lock:
            counted[message.id] += 1

    monkeypatch.setattr(outbox_module, "_deliver", deliver)
    return counted


def queue(app, user: User, *, commit: bool = True) -> OutboxMessage:
    """Queue the 'password changed' mail for `user` as a service would (inside a request)."""
    with app.test_request_context():
        message = queue_mail(user.email, "password_changed", locale=user.locale, user=user)
    if commit:
        db.session.commit()
    return message


def register(client, email: str = "ada@example.org", **headers):
    response = client.post("/register", data={"name": "Ada Lovelace", "email": email, "password": NEW_PASSWORD},
                           headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


# --- unit of work --------------------------------------------------------------------------------------------


def test_mail_of_a_rolled_back_unit_of_work_is_never_sent(app, make_user, outbox, deliveries):
    user = make_user()
    message = queue(app, user, commit=False)
    db.session.flush()  # even written to the table inside the transaction...
    assert message.id is not None
    db.session.rollback()  # ...the rollback takes it away

    assert outbox() == []
    assert "outbox_new" not in db.session.info and not db.session.info.get("outbox_committed")
    assert send_outbox() == (0, 0)
    assert not deliveries


def test_mail_of_a_rolled_back_savepoint_is_dropped_and_the_rest_of_the_unit_of_work_sent(
        app, make_user, outbox, deliveries):
    user = make_user()
    with app.test_request_context():
        with db.session.begin_nested() as savepoint:
            queue_mail(user.email, "password_changed", locale="en", user=user)
            db.session.flush()
            savepoint.rollback()
        kept = queue_mail(user.email, "password_changed", locale="en", user=user)
    db.session.commit()

    assert [message.id for message in outbox()] == [kept.id]
    assert db.session.info["outbox_committed"] == [kept.id]
    assert send_outbox() == (1, 0)
    assert deliveries == {kept.id: 1}


def test_mail_of_a_committed_unit_of_work_is_sent_by_send_outbox(app, make_user, outbox, deliveries):
    user = make_user()
    message = queue(app, user)
    assert db.session.info["outbox_committed"] == [message.id]  # handed to the after-request sender
    (stored,) = outbox()
    assert (stored.status, stored.attempts, stored.to_address) == (OutboxStatus.pending, 0, user.email)

    assert send_outbox() == (1, 0)
    (stored,) = outbox()
    assert stored.status is OutboxStatus.sent and stored.sent_at is not None and stored.attempts == 1
    assert (stored.claim_token, stored.claimed_until, stored.last_error) == (None, None, None)
    assert deliveries == {message.id: 1}
    assert send_outbox() == (0, 0)  # sent mail is never picked up again
    assert deliveries == {message.id: 1}


def test_mail_can_be_queued_outside_a_request(app, make_user, outbox):
    user = make_user()
    queue_mail(user.email, "password_changed", locale="en", user=user)
    db.session.commit()
    assert len(outbox()) == 1


# --- through a real SMTP server ------------------------------------------------------------------------------


def test_registration_mail_travels_through_smtp_and_its_link_confirms(app, client, smtp, outbox):
    register(client)
    assert smtp.received == []  # MAIL_SEND_AFTER_COMMIT is off in testing: only the outbox has it
    (queued,) = outbox()

    assert send_outbox() == (1, 0)

    (received,) = smtp.received
    assert received.rcpt_tos == ["ada@example.org"]
    assert received.mail_from == "noreply@localhost"
    message = received.message
    assert message["To"] == "ada@example.org"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Subject"] == queued.subject == "Confirm your email for Hackathon"
    assert message.is_multipart()
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    assert "Ada Lovelace" in bodies["text/plain"] and "Ada Lovelace" in bodies["text/html"]

    links = re.findall(r"http://hackathon\.test(/confirm/[^\s\"<]+)", bodies["text/plain"])
    assert len(links) == 1
    assert f'href="http://hackathon.test{links[0]}"' in bodies["text/html"]
    assert links[0] == link_in(queued, "/confirm/")

    response = client.get(links[0])
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user.is_confirmed
    assert outbox()[0].status is OutboxStatus.sent


def test_with_send_after_commit_mail_is_sent_by_the_end_of_the_request(app, client, smtp, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", True)

    register(client)

    (received,) = smtp.received
    assert received.rcpt_tos == ["ada@example.org"]
    (stored,) = outbox()
    assert stored.status is OutboxStatus.sent
    assert not db.session.info.get("outbox_committed")  # the hook took the ids
    assert send_outbox() == (0, 0)
    assert len(smtp.received) == 1


@pytest.mark.parametrize("error, status", [(Conflict("No."), 200), (RuntimeError("crash"), 500)],
                         ids=["domain-error", "unexpected-error"])
def test_a_request_whose_service_raised_sends_nothing(app, client, smtp, outbox, make_user, make_event, login,
                                                      monkeypatch, error, status):
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", True)
    admin = make_user(admin=True)
    event = make_event()
    login(client, admin)

    def fail(**kwargs):  # after queue_mail(...) in invite_to_role, before its commit
        raise error

    monkeypatch.setattr(event_services, "record_audit", fail)
    response = client.post(f"/events/{event.slug}/people", data={"email": "mentor@example.org", "role": "mentor"})

    assert response.status_code == status
    assert smtp.received == []
    assert outbox() == []
    assert "outbox_new" not in db.session.info and not db.session.info.get("outbox_committed")
    assert send_outbox() == (0, 0)
    assert smtp.received == []


def test_the_invitation_is_sent_after_commit(app, client, smtp, outbox, make_user, make_event, login,
                                             monkeypatch):
    """The control for the test above: the same request without the failure sends the invitation."""
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", True)
    admin = make_user(admin=True)
    event = make_event()
    login(client, admin)

    response = client.post(f"/events/{event.slug}/people", data={"email": "mentor@example.org", "role": "mentor"})

    assert response.status_code == 302
    (received,) = smtp.received
    assert received.rcpt_tos == ["mentor@example.org"]
    assert [message.status for message in outbox()] == [OutboxStatus.sent]


# --- failures, back-off, giving up, retry --------------------------------------------------------------------


def test_backoff_doubles_from_one_minute_up_to_six_hours():
    assert [backoff(n) for n in range(1, 11)] == [timedelta(minutes=m) for m in
                                                   (1, 2, 4, 8, 16, 32, 64, 128, 256, 360)]
    assert backoff(0) == timedelta(minutes=1) and backoff(50) == timedelta(hours=6)


def test_failed_send_is_kept_retried_with_back_off_then_given_up_and_requeued(
        app, make_user, outbox, dead_smtp, clock, runner, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    queue(app, make_user())

    for attempt in range(1, 4):
        assert send_outbox() == (0, 1)
        (message,) = outbox()
        assert message.status is OutboxStatus.pending
        assert message.attempts == attempt
        assert message.last_error.startswith("ConnectionRefusedError")
        assert message.next_attempt_at == clock.now + backoff(attempt) > clock.now
        assert (message.claim_token, message.claimed_until, message.sent_at) == (None, None, None)
        clock.advance(seconds=backoff(attempt).total_seconds() - 1)
        assert send_outbox() == (0, 0)  # not due yet
        clock.advance(seconds=1)

    result = runner.invoke(args=["outbox", "send"])  # the 4th and last attempt, through the CLI
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 0, failed 1"
    (message,) = outbox()
    assert (message.status, message.attempts) == (OutboxStatus.failed, 4)
    assert message.last_error.startswith("ConnectionRefusedError")

    clock.advance(days=2)
    assert send_outbox() == (0, 0)  # given up: never picked up again by itself

    result = runner.invoke(args=["outbox", "retry"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "re-queued 1"
    (message,) = outbox()
    assert (message.status, message.attempts, message.next_attempt_at) == (OutboxStatus.pending, 0, clock.now)


def test_cli_send_delivers_due_mail_and_prints_counts(app, make_user, outbox, smtp, runner):
    user = make_user()
    queue(app, user)
    queue(app, user)

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, failed 0"
    assert [received.rcpt_tos for received in smtp.received] == [[user.email], [user.email]]
    assert {message.status for message in outbox()} == {OutboxStatus.sent}
    assert runner.invoke(args=["outbox", "send"]).output.strip() == "sent 0, failed 0"


# --- never twice ---------------------------------------------------------------------------------------------


def test_a_message_claimed_by_another_worker_is_skipped_until_the_claim_expires(
        app, make_user, outbox, deliveries, clock):
    user = make_user()
    taken, free = queue(app, user), queue(app, user)
    taken = db.session.get(OutboxMessage, taken.id)
    taken.claim_token, taken.claimed_until = "another-worker", clock.now + timedelta(seconds=CLAIM_SECONDS)
    db.session.commit()

    assert send_outbox() == (1, 0)
    assert deliveries == {free.id: 1}
    taken = db.session.get(OutboxMessage, taken.id)
    db.session.refresh(taken)
    assert (taken.status, taken.attempts, taken.claim_token) == (OutboxStatus.pending, 0, "another-worker")

    clock.advance(seconds=CLAIM_SECONDS + 1)  # that worker died: its claim runs out and the mail goes
    assert send_outbox() == (1, 0)
    assert deliveries == {free.id: 1, taken.id: 1}


def test_a_slow_batch_is_not_sent_again_by_a_worker_that_starts_after_the_claim_ran_out(
        app, make_user, outbox, clock, monkeypatch):
    """Each delivery takes 100 s (a slow relay). Five minutes in, a second worker (cron) runs: it may take what
    the first has not reached yet, and the first must then skip those, not send them a second time."""
    user = make_user()
    ids = [queue(app, user).id for _ in range(5)]
    counted: Counter[int] = Counter()
    second_worker: dict[str, tuple[int, int] | None] = {}

    def slow_deliver(message: OutboxMessage) -> None:
        counted[message.id] += 1
        clock.advance(seconds=100)
        if clock.now > start + timedelta(seconds=CLAIM_SECONDS) and "result" not in second_worker:
            second_worker["result"] = None  # its own deliveries must not start a third worker
            second_worker["result"] = send_outbox()

    monkeypatch.setattr(outbox_module, "_deliver", slow_deliver)
    start = clock.now

    first = send_outbox()

    second = second_worker["result"]
    assert second[0] >= 1  # the second worker did take and send the tail of the batch
    assert first[0] + second[0] == 5 and first[1] == second[1] == 0
    assert counted == {message_id: 1 for message_id in ids}
    assert {message.status for message in outbox()} == {OutboxStatus.sent}
    assert [message.attempts for message in outbox()] == [1] * 5


def test_two_workers_at_once_deliver_each_message_exactly_once_on_postgresql(app, make_user, outbox, deliveries,
                                                                          request, monkeypatch):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("needs PostgreSQL's row locks: run with --db=postgresql")
    user = make_user()
    with app.test_request_context():
        for _ in range(50):
            queue_mail(user.email, "password_changed", locale="en", user=user)
    db.session.commit()

    counting = outbox_module._deliver

    def slow_counting(message):  # a little transport latency so that the two workers interleave
        counting(message)
        time.sleep(0.002)

    monkeypatch.setattr(outbox_module, "_deliver", slow_counting)

    # Force the race: each worker has read the same 50 due ids before either runs its claiming UPDATE.
    both_selected = threading.Barrier(2, timeout=10)
    gated = threading.local()
    claims: list[str] = []

    def hold_the_claim(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE outbox_messages SET claim_token") and not getattr(gated, "done", False):
            gated.done = True
            claims.append(threading.current_thread().name)
            both_selected.wait()

    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                results.append(send_outbox())
        except BaseException as error:  # noqa: BLE001 (asserted below)
            errors.append(error)

    sa_event.listen(db.engine, "before_cursor_execute", hold_the_claim)
    try:
        threads = [threading.Thread(target=worker, name=f"worker-{n}") for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", hold_the_claim)

    assert not errors, errors
    assert sorted(claims) == ["worker-1", "worker-2"]  # both really raced for the same rows
    assert len(deliveries) == 50 and set(deliveries.values()) == {1}
    assert sorted(sent for sent, _ in results) == [0, 50] and all(failed == 0 for _, failed in results)
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.sent)) == 50


# --- the recipient's language --------------------------------------------------------------------------------


def test_confirmation_mail_is_in_the_language_the_person_registered_in(client, outbox):
    register(client, **{"Accept-Language": "ru,en;q=0.5"})
    (message,) = outbox()
    assert message.locale == "ru"
    assert db.session.scalar(select(User.locale).where(User.email == "ada@example.org")) == "ru"


def test_mail_to_an_existing_account_is_in_its_owners_language_not_the_visitors(client, make_user, outbox):
    owner = make_user("ada@example.org", locale="ky")
    register(client, email=owner.email, **{"Accept-Language": "en"})
    (message,) = outbox()
    assert (message.template, message.locale) == ("account_exists", "ky")


def test_russian_recipient_gets_a_russian_subject(app, client, outbox, make_user):
    register(client, **{"Accept-Language": "ru"})
    (russian,) = outbox()
    english_user = make_user(locale="en", name="Ada Lovelace")
    with app.test_request_context():
        english = queue_mail(english_user.email, "confirm_email", locale="en", user=english_user,
                             confirm_url="http://hackathon.test/confirm/x")
    db.session.rollback()

    assert russian.locale == "ru"
    assert english.subject == "Confirm your email for Hackathon"
    assert russian.subject != english.subject
    assert re.search("[а-яё]", russian.subject, re.IGNORECASE)
