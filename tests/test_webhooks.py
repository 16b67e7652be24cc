"""Webhooks: the signature and its verification (replays refused), the address rule, queueing in the same
transaction as the change, delivery to a real local HTTP receiver (signature, retry after a 500, a receiver
that hangs, one that fails for ever), the organisers' pages and who may use each route."""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from hackathon.applications import services as application_services
from hackathon.audit import AuditEntry
from hackathon.database import utcnow
from hackathon.errors import DomainError
from hackathon.extensions import db
from hackathon.webhooks import services
from hackathon.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hackathon.webhooks.signing import (EVENT_ID_HEADER, SIGNATURE_HEADER, address_refused, backoff,
                                        signature_header, verify_signature)
from tests.submissions_support import *  # noqa: F401,F403  (fixtures client_for, subs, files_dir)
from tests.submissions_support import LOGIN, statuses, text, walk

BASE = "/events/hack/webhooks"


# --- the signature ---------------------------------------------------------------------------------------------

def test_a_signed_body_verifies_and_anything_changed_does_not():
    body = b'{"id":"evt_1","type":"application.submitted"}'
    header = signature_header("whsec_abc", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature("whsec_abc", header, body, now=1_700_000_010)
    assert not verify_signature("whsec_other", header, body, now=1_700_000_010)
    assert not verify_signature("whsec_abc", header, body + b" ", now=1_700_000_010)
    assert not verify_signature("whsec_abc", header.replace("t=1700000000", "t=1700000001"), body,
                                now=1_700_000_010)
    for broken in ("", "t=,v1=", "v1=abc", "t=1700000000", "t=１７,v1=ab", "nonsense"):
        assert not verify_signature("whsec_abc", broken, body, now=1_700_000_010)
    # A receiver rotating secrets may see several v1 values; one right one is enough.
    assert verify_signature("whsec_abc", header + ",v1=deadbeef", body, now=1_700_000_010)


def test_a_replay_older_than_the_tolerance_is_refused():
    body = b"{}"
    header = signature_header("s", 1_700_000_000, body)
    assert verify_signature("s", header, body, now=1_700_000_000 + 300, tolerance=300)
    assert not verify_signature("s", header, body, now=1_700_000_000 + 301, tolerance=300)  # replayed later
    assert not verify_signature("s", header, body, now=1_700_000_000 - 301, tolerance=300)  # from the future


def test_back_off_doubles_up_to_six_hours():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(40) == timedelta(hours=6)


@pytest.mark.parametrize("address", ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.8.8.8",
                                     "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1", "240.0.0.1",
                                     "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "::ffff:10.0.0.1",
                                     "::ffff:127.0.0.1", "2002:0a00:0001::1", "198.18.0.1", "not an address"])
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert address_refused(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert not address_refused(address)


# --- the URL rule ------------------------------------------------------------------------------------------------

@pytest.fixture
def strict(app):
    """Production's rule: https only, public addresses only."""
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    yield
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True


def fake_dns(monkeypatch, table: dict[str, list[str]]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in table[host]]
        if host.endswith(".invalid"):
            raise socket.gaierror("no such name")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("url, message", [
    ("http://hooks.example.org/x", "must start with https://"),
    ("ftp://hooks.example.org/x", "must start with https://"),
    ("hooks.example.org/x", "must start with https://"),
    ("https://127.0.0.1/x", "private, loopback or reserved"),
    ("https://[::1]/x", "private, loopback or reserved"),
    ("https://169.254.169.254/latest/meta-data", "private, loopback or reserved"),
    ("https://localhost/x", "private, loopback or reserved"),
    ("https://internal.example.org/x", "private, loopback or reserved"),
    ("https://split.example.org/x", "private, loopback or reserved"),  # one public, one private address
    ("https://nowhere.invalid/x", "could not be found"),
    ("https://user:pass@hooks.example.org/x", "user name and password"),
    ("https://hooks.example.org:99999/x", "full URL"),
    ("https://hooks.example.org/" + "x" * 500, "too long"),
])
def test_a_url_that_is_not_https_or_not_public_is_refused(app, strict, monkeypatch, url, message):
    fake_dns(monkeypatch, {"hooks.example.org": ["93.184.215.14"], "internal.example.org": ["10.1.2.3"],
                           "split.example.org": ["93.184.215.14", "192.168.0.10"], "localhost": ["127.0.0.1"]})
    with pytest.raises(services.InvalidWebhookUrl) as error:
        services.check_url(url)
    assert message in str(error.value)


def test_a_public_https_url_is_accepted(app, strict, monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.org": ["93.184.215.14", "2606:4700:4700::1111"]})
    assert services.check_url(" https://hooks.example.org/in?x=1#frag ") == "https://hooks.example.org/in?x=1"


def test_delivery_checks_the_address_again_and_refuses_a_name_that_moved_to_a_private_one(
        app, strict, monkeypatch, make_event):
    event = make_event("hack")
    fake_dns(monkeypatch, {"hooks.example.org": ["93.184.215.14"]})
    endpoint = services.create_endpoint(None, event, url="https://hooks.example.org/in", kinds=["team.formed"])
    services.queue_event(event, "team.formed", {"team_id": 1})
    db.session.commit()
    fake_dns(monkeypatch, {"hooks.example.org": ["10.0.0.7"]})  # DNS rebinding
    assert services.deliver_due() == (0, 1, 0)
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.refresh(delivery)
    assert delivery.response_code is None and "private, loopback or reserved" in delivery.last_error


def test_the_form_refuses_a_private_address_with_a_message_and_adds_nothing(subs, client_for, strict):
    organiser = client_for(subs.users["organiser"])
    response = organiser.post(BASE, data={"url": "https://127.0.0.1/hook", "kinds": ["team.formed"]})
    assert response.status_code == 200
    assert "private, loopback or reserved" in text(response)
    response = organiser.post(BASE, data={"url": "http://example.org/hook", "kinds": ["team.formed"]})
    assert "must start with https://" in text(response)
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


# --- a real receiver -----------------------------------------------------------------------------------------------

class Receiver:
    """An HTTP server on 127.0.0.1 in a thread. `script` says how to answer each request in turn ("500", "200",
    "hang"); `default` answers the rest. Every request's headers and body are kept."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.script: list[str] = []
        self.default = "200"
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((dict(self.headers), body))
                action = receiver.script.pop(0) if receiver.script else receiver.default
                if action == "hang":
                    receiver.release.wait(10)
                    return
                self.send_response(int(action))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/in"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def hook(make_event, receiver):
    """Event "hack" with an endpoint at the receiver for every kind of event."""
    event = make_event("hack")
    endpoint = services.create_endpoint(None, event, url=receiver.url, kinds=services.KINDS, description="CRM")
    return type("Hook", (), {"event": event, "endpoint": endpoint})


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_delivery_is_signed_json_that_the_documented_check_accepts(hook, receiver):
    services.queue_event(hook.event, "team.formed", {"team_id": 7, "name": "Taza Suu"})
    db.session.commit()
    assert services.deliver_due() == (1, 0, 0)
    (headers, body), = receiver.requests
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert verify_signature(hook.endpoint.secret, headers[SIGNATURE_HEADER], body, now=time.time())
    payload = json.loads(body)
    assert payload["type"] == "team.formed" and payload["data"] == {"team_id": 7, "name": "Taza Suu"}
    assert payload["event"] == {"id": hook.event.id, "slug": "hack"}
    assert headers[EVENT_ID_HEADER] == payload["id"]
    # The same delivery replayed to the receiver ten minutes later no longer verifies.
    assert not verify_signature(hook.endpoint.secret, headers[SIGNATURE_HEADER], body, now=time.time() + 600)
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.delivered and delivery.response_code == 200 and delivery.attempts == 1


def test_a_500_is_retried_with_back_off_and_the_next_try_succeeds(hook, receiver):
    receiver.script = ["500", "200"]
    services.queue_event(hook.event, "application.submitted", {"application_id": 3})
    db.session.commit()
    assert services.deliver_due() == (0, 1, 0)
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.pending and delivery.attempts == 1 and delivery.response_code == 500
    assert timedelta(seconds=25) < delivery.next_attempt_at - delivery.last_attempt_at <= timedelta(seconds=30)
    assert services.deliver_due() == (0, 0, 0)  # not due yet
    assert services.deliver_due(now=utcnow() + timedelta(seconds=31)) == (1, 0, 0)
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.delivered and delivery.attempts == 2 and delivery.response_code == 200
    first, second = receiver.requests
    assert first[0][EVENT_ID_HEADER] == second[0][EVENT_ID_HEADER] and first[1] == second[1]  # same event


def test_a_receiver_that_hangs_times_out(hook, receiver, app):
    app.config["WEBHOOKS_TIMEOUT"] = 1
    receiver.script = ["hang"]
    services.queue_event(hook.event, "team.formed", {"team_id": 1})
    db.session.commit()
    started = time.monotonic()
    try:
        assert services.deliver_due() == (0, 1, 0)
    finally:
        app.config["WEBHOOKS_TIMEOUT"] = 5
    assert time.monotonic() - started < 3
    delivery, = deliveries()
    assert delivery.response_code is None and delivery.last_error == "no answer within 1 s"
    assert delivery.status == DeliveryStatus.pending


def test_a_receiver_failing_for_ever_is_given_up_after_n_tries_and_can_be_sent_again(
        hook, receiver, app, client_for, make_user, grant):
    from hackathon.events.models import Role

    app.config["WEBHOOKS_MAX_ATTEMPTS"] = 3
    receiver.default = "500"
    try:
        services.queue_event(hook.event, "results.published", {"version": 1})
        db.session.commit()
        later = utcnow()
        outcomes = []
        for _ in range(4):
            later += timedelta(days=1)
            outcomes.append(services.deliver_due(now=later))
    finally:
        app.config["WEBHOOKS_MAX_ATTEMPTS"] = 6
    assert outcomes == [(0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.failed and delivery.attempts == 3 and len(receiver.requests) == 3
    app.config["WEBHOOKS_MAX_ATTEMPTS"] = 3
    organiser = make_user()
    grant(organiser, hook.event, Role.organiser)
    client = client_for(organiser)
    page = text(client.get(f"{BASE}/{hook.endpoint.id}"))
    app.config["WEBHOOKS_MAX_ATTEMPTS"] = 6
    assert "Gave up after 3 tries" in page and "HTTP 500" in page and "Send again" in page
    # Send again: back in the queue, due now, tries counted afresh; the receiver now answers.
    receiver.default = "200"
    response = client.post(f"{BASE}/{hook.endpoint.id}/deliveries/{delivery.id}/resend")
    assert response.status_code == 302
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.pending and delivery.attempts == 0
    assert services.deliver_due() == (1, 0, 0)
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "webhook.resend"


def test_nothing_is_queued_for_a_change_that_rolled_back(hook, receiver):
    services.queue_event(hook.event, "team.formed", {"team_id": 1})
    # Not committed yet: a worker (its own session) sees nothing to deliver.
    assert services.deliver_due() == (0, 0, 0)
    db.session.rollback()
    assert deliveries() == [] and receiver.requests == []
    assert db.session.info.get("webhooks_committed") is None


def test_a_service_that_fails_after_queueing_leaves_no_delivery(hook, make_user):
    """The application service queues application.submitted only once every rule held: a refused submit (here:
    a team below the minimum size) commits the draft but no delivery."""
    hook.event.min_team_size = 3
    db.session.commit()
    from hackathon.teams import services as team_services

    captain = make_user()
    team = team_services.create_team(captain, hook.event, name="Small", track_id=None, idea="",
                                     wanted_skills=[], looking_for_members=False)
    application = team_services.team_application(team)
    with pytest.raises(DomainError):
        application_services.submit_application(captain, application, answers={}, consent=False)
    assert [d.kind for d in deliveries()] == ["team.formed"]


def test_only_endpoints_of_the_event_that_chose_the_kind_and_are_active_get_it(hook, make_event, receiver):
    other = make_event("elsewhere")
    services.create_endpoint(None, other, url=receiver.url, kinds=services.KINDS)
    picky = services.create_endpoint(None, hook.event, url=receiver.url, kinds=["results.published"])
    paused = services.create_endpoint(None, hook.event, url=receiver.url, kinds=["team.formed"])
    services.update_endpoint(None, paused, url=paused.url, kinds=paused.kinds, is_active=False)
    services.queue_event(hook.event, "team.formed", {"team_id": 1})
    db.session.commit()
    assert [d.endpoint_id for d in deliveries()] == [hook.endpoint.id]
    assert picky.id != hook.endpoint.id


# --- the changes that queue an event -------------------------------------------------------------------------------

def test_submitting_an_application_and_deciding_it_queue_events(hook, make_user):
    from hackathon.applications.review import decide_applications
    from hackathon.events.models import Role
    from tests.conftest import PASSWORD  # noqa: F401

    person = make_user()
    application, _created = application_services.apply_individually(person, hook.event)
    assert application_services.submit_application(person, application, answers={}, consent=False)
    organiser = make_user()
    db.session.add(__import__("hackathon.events.models", fromlist=["EventRole"]).EventRole(
        event_id=hook.event.id, user_id=organiser.id, role=Role.organiser))
    db.session.commit()
    decide_applications(organiser, hook.event, [application.id], "accepted")
    kinds = [(d.kind, json.loads(d.body)["data"]) for d in deliveries()]
    assert kinds == [("application.submitted", {"application_id": application.id, "kind": "individual"}),
                     ("application.decided", {"application_id": application.id, "status": "accepted"})]


def test_submitting_a_project_queues_an_event(subs, client_for):
    endpoint = services.create_endpoint(None, subs.event, url="http://127.0.0.1:9/x", kinds=["submission.submitted"])
    client = client_for(subs.users["participant"])
    client.post("/events/hack/submission", data={
        "version": "0", "title": "Taza Suu", "tagline": "Maps", "description": "Wells.", "track": "", "challenge": "",
        "repository_url": "", "demo_url": "", "video_url": "", "technologies": ""})
    response = client.post("/events/hack/submission/submit", data={"version": "1"})
    assert response.status_code == 302
    delivery, = deliveries()
    assert delivery.endpoint_id == endpoint.id and delivery.kind == "submission.submitted"
    assert json.loads(delivery.body)["data"]["team_id"] == subs.team.id


def test_after_the_request_the_committed_deliveries_are_tried_once(hook, receiver, app, client_for, make_user, grant):
    from hackathon.events.models import Role

    receiver.default = "500"
    services.queue_event(hook.event, "team.formed", {"team_id": 1})
    db.session.commit()
    services.deliver_due()
    delivery, = deliveries()
    organiser = make_user()
    grant(organiser, hook.event, Role.organiser)
    receiver.default = "200"
    app.config["WEBHOOKS_SEND_AFTER_COMMIT"] = True
    try:
        response = client_for(organiser).post(f"{BASE}/{hook.endpoint.id}/deliveries/{delivery.id}/resend")
        response.close()
    finally:
        app.config["WEBHOOKS_SEND_AFTER_COMMIT"] = False
    delivery, = deliveries()
    assert delivery.status == DeliveryStatus.delivered and len(receiver.requests) == 2


# --- the organisers' pages ---------------------------------------------------------------------------------------

def test_an_organiser_adds_an_endpoint_reveals_its_secret_and_edits_it(subs, client_for, receiver):
    organiser = client_for(subs.users["organiser"])
    response = organiser.post(BASE, data={"url": receiver.url, "description": "Our CRM",
                                          "kinds": ["application.submitted", "results.published"]})
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/{endpoint.id}")
    assert endpoint.secret.startswith("whsec_") and endpoint.kinds == ["application.submitted", "results.published"]
    page = text(organiser.get(f"{BASE}/{endpoint.id}"))
    assert endpoint.secret not in page and "Reveal the secret" in page
    page = organiser.post(f"{BASE}/{endpoint.id}/secret").get_data(as_text=True)
    assert endpoint.secret in page
    assert '<input checked id="kinds-0"' in page  # the settings below still show what is saved
    old = endpoint.secret
    page = text(organiser.post(f"{BASE}/{endpoint.id}/rotate"))
    db.session.refresh(endpoint)
    assert endpoint.secret != old and endpoint.secret in page
    assert "Our CRM" in text(organiser.get(BASE))
    response = organiser.post(f"{BASE}/{endpoint.id}", data={"url": receiver.url, "description": "CRM",
                                                             "kinds": ["team.formed"]})
    db.session.refresh(endpoint)
    assert response.status_code == 302 and endpoint.kinds == ["team.formed"] and endpoint.is_active is False
    response = organiser.post(f"{BASE}/{endpoint.id}", data={"url": receiver.url, "kinds": []})
    assert response.status_code == 200 and "This field is required." in text(response)
    organiser.post(f"{BASE}/{endpoint.id}/delete")
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["webhook.create", "webhook.reveal_secret", "webhook.rotate_secret", "webhook.update",
                       "webhook.delete"]


def test_the_pages_escape_what_organisers_typed(subs, client_for):
    from tests.submissions_support import XSS

    endpoint = services.create_endpoint(None, subs.event, url="http://127.0.0.1:9/x", kinds=["team.formed"],
                                        description=XSS)
    organiser = client_for(subs.users["organiser"])
    for path in (BASE, f"{BASE}/{endpoint.id}"):
        page = organiser.get(path).get_data(as_text=True)
        assert XSS not in page and "&lt;script&gt;" in page


def test_the_csrf_token_is_required(subs, client_for, app):
    endpoint = services.create_endpoint(None, subs.event, url="http://127.0.0.1:9/x", kinds=["team.formed"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        organiser = client_for(subs.users["organiser"])
        response = organiser.post(f"{BASE}/{endpoint.id}/rotate")
        assert response.status_code == 400 and "This form expired" in text(response)
        response = organiser.post(BASE, data={"url": "http://127.0.0.1:9/y", "kinds": ["team.formed"]})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1  # the create above only


def test_the_cli_delivers_what_is_due(hook, receiver, runner):
    services.queue_event(hook.event, "team.formed", {"team_id": 1})
    db.session.commit()
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1, failed 0 (will try again), gave up 0" in result.output


# --- who may use each route ----------------------------------------------------------------------------------------

ORGANISERS = statuses(403, organiser=200, admin=200)
ACTS = statuses(403, organiser=302, admin=302)
FOREIGN = statuses(403, organiser=404, admin=404)
ROUTES = [
    ("GET", BASE, None, ORGANISERS),
    ("POST", BASE, lambda ids: {"url": "http://127.0.0.1:9/new", "kinds": ["team.formed"]}, ACTS),
    ("GET", BASE + "/{endpoint}", None, ORGANISERS),
    ("POST", BASE + "/{endpoint}", lambda ids: {"url": "http://127.0.0.1:9/x", "kinds": ["team.formed"]}, ACTS),
    ("POST", BASE + "/{endpoint}/secret", None, ORGANISERS),
    ("POST", BASE + "/{endpoint}/rotate", None, ORGANISERS),
    ("POST", BASE + "/{endpoint}/delete", None, ACTS),
    ("POST", BASE + "/{endpoint}/deliveries/{delivery}/resend", None, ACTS),
    # Another event's endpoint or delivery does not leak through this event's URLs.
    ("GET", BASE + "/{other_endpoint}", None, FOREIGN),
    ("POST", BASE + "/{other_endpoint}/secret", None, FOREIGN),
    ("POST", BASE + "/{endpoint}/deliveries/{other_delivery}/resend", None, FOREIGN),
    ("GET", BASE + "/2147483648", None, statuses(404, anonymous=404)),
]


@pytest.fixture
def walk_world(subs, make_event):
    other = db.session.scalar(select(type(subs.event)).where(type(subs.event).slug == "other-event"))

    def reset():
        db.session.rollback()
        for endpoint in db.session.scalars(select(WebhookEndpoint)):
            db.session.delete(endpoint)
        db.session.commit()
        ids = {}
        for key, event in (("endpoint", subs.event), ("other_endpoint", other)):
            endpoint = WebhookEndpoint(event_id=event.id, url="http://127.0.0.1:9/x", secret="whsec_x",
                                       kinds=["team.formed"])
            db.session.add(endpoint)
            db.session.flush()
            delivery = WebhookDelivery(endpoint_id=endpoint.id, kind="team.formed", event_uid=f"evt_{key}",
                                       body="{}", status=DeliveryStatus.failed, attempts=6)
            db.session.add(delivery)
            db.session.flush()
            ids[key] = endpoint.id
            ids["delivery" if key == "endpoint" else "other_delivery"] = delivery.id
        db.session.commit()
        return ids

    subs.ids = reset()
    subs.reset = reset
    return subs


@pytest.mark.parametrize("method, path, data, expected", ROUTES, ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_who_may_use_each_route(walk_world, client_for, method, path, data, expected):
    walk(walk_world, client_for, method, path, data, expected)


def test_the_walk_covers_every_visitor():
    from tests.submissions_support import VISITORS

    for _method, _path, _data, expected in ROUTES:
        assert set(expected) == set(VISITORS)
        assert expected["anonymous"] in (LOGIN, 404)


def test_sending_an_announcement_queues_an_event(hook, make_user, grant):
    from hackathon.announcements import services as announcements
    from hackathon.events.models import Role

    organiser, mentor = make_user(), make_user()
    grant(organiser, hook.event, Role.organiser)
    grant(mentor, hook.event, Role.mentor)
    announcement = announcements.create_announcement(
        organiser, hook.event, announcements.AnnouncementInput(title={"en": "Kickoff"}, body={"en": "At 10."}))
    sent = announcements.send_announcement(organiser, announcement)
    delivery, = deliveries()
    assert delivery.kind == "announcement.sent"
    assert json.loads(delivery.body)["data"] == {"announcement_id": announcement.id, "recipients": sent.people}


def test_the_buttons_work_with_csrf_on(subs, client_for, app):
    """Each button posts its own CSRF token (the page's form must not be shadowed by the button macro)."""
    import re

    endpoint = services.create_endpoint(None, subs.event, url="http://127.0.0.1:9/x", kinds=["team.formed"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        organiser = client_for(subs.users["organiser"])
        page = organiser.get(f"{BASE}/{endpoint.id}").get_data(as_text=True)
        form = page[page.index(f'action="{BASE}/{endpoint.id}/secret"'):]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        response = organiser.post(f"{BASE}/{endpoint.id}/secret", data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200 and endpoint.secret in response.get_data(as_text=True)
