"""The app's baseline: configuration, security headers, hostile input, error pages, CSRF, CLI and demo."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import config
from hackathon import create_app
from hackathon.accounts.models import User
from hackathon.events.models import Event, EventRole, Role
from hackathon.extensions import db


# --- configuration -----------------------------------------------------------------------------

@pytest.mark.parametrize("secret", [None, "", "changeme", "short-key", "dev-only-secret-key-not-for-production"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=secret)


def test_production_starts_with_a_random_secret_and_secure_cookies():
    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="x" * 48)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["DEMO_ALLOWED"] is False


def test_environment_picks_the_configuration(monkeypatch):
    monkeypatch.setenv("HACKATHON_ENV", "development")
    assert config.config_from_env() is config.DevelopmentConfig
    monkeypatch.delenv("HACKATHON_ENV")
    assert config.config_from_env() is config.ProductionConfig
    monkeypatch.setenv("HACKATHON_ENV", "staging")
    with pytest.raises(RuntimeError, match="HACKATHON_ENV"):
        config.config_from_env()


def test_trusted_hosts_refuse_other_hosts(app):
    strict = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        TRUSTED_HOSTS=["hackathon.example.org"])
    client = strict.test_client()
    assert client.get("/login", base_url="http://evil.example").status_code == 400
    assert client.get("/login", base_url="http://hackathon.example.org").status_code == 200


# --- headers and pages -------------------------------------------------------------------------

def test_security_headers_forbid_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/login", "/register", "/reset"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page, path


def test_css_is_vendored_not_from_a_cdn(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/pico/pico.min.css" in page
    assert "https://" not in page.split("</head>")[0]
    assert client.get("/static/vendor/pico/pico.min.css").status_code == 200


def test_not_found_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unexpected_errors_render_the_500_page_and_roll_back(app):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    client = app.test_client()

    @app.route("/_boom")
    def boom():  # pragma: no cover - exercised through the client
        db.session.add(User(email="ghost@example.org", name="Ghost", password_hash="x", skills=[]))
        db.session.flush()
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        response = client.get("/_boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_oversized_requests_get_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/register", data={"name": "x" * 5000, "email": "a@example.org", "password": "p"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = config.Config.MAX_CONTENT_LENGTH
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


# --- input that PostgreSQL rejects and SQLite accepts ------------------------------------------

@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_nul_bytes_in_forms_are_refused_clearly(client, field):
    data = {"name": "Ada", "email": "ada@example.org", "password": "a long enough passphrase"}
    data[field] = data[field][:2] + "\x00" + data[field][2:]
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_nul_bytes_in_query_and_path_are_refused(client, make_event):
    make_event(slug="civic")
    assert client.get("/login?next=/a%00b").status_code == 400
    assert client.get("/events/civ%00ic/").status_code in (400, 404)


def test_over_long_text_gives_form_errors_not_500(client):
    response = client.post("/register", data={"name": "N" * 5000, "email": ("e" * 300) + "@example.org",
                                              "password": "p" * 300})
    assert response.status_code == 200
    assert "Use at most 120 characters." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_over_long_slug_is_404(client):
    assert client.get("/events/" + "s" * 500 + "/").status_code == 404


@pytest.mark.parametrize("path", [
    "/events/{slug}/tracks/2147483648",
    "/events/{slug}/tracks/99999999999999999999",
    "/events/{slug}/tracks/0",
    "/events/{slug}/tracks/-1",
])
def test_ids_outside_the_integer_range_are_404(client, make_user, make_event, grant, login, path):
    event = make_event()
    organiser = make_user()
    grant(organiser, event, Role.organiser)
    login(client, organiser)
    assert client.get(path.format(slug=event.slug)).status_code == 404


def test_integers_above_the_column_range_are_a_form_error(client, make_user, login):
    user = make_user()
    login(client, user)
    response = client.post("/account", data={"name": "Ada", "locale": "en", "year_of_birth": "99999999999"})
    assert response.status_code == 200
    assert "too large" in response.get_data(as_text=True)


# --- CSRF --------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_is_required_on_every_form(csrf_app, make_user):
    client = csrf_app.test_client()
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    for path in ("/register", "/reset", "/confirm", "/logout", "/language"):
        assert client.post(path, data={}).status_code == 400, path


def test_a_form_with_its_token_goes_through(csrf_app, make_user):
    import re

    client = csrf_app.test_client()
    user = make_user()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": user.email,
                                           "password": "correct horse battery"})
    assert response.status_code == 302


# --- command line and demo ----------------------------------------------------------------------

def test_create_admin_command(runner):
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.org"])
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    admin = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert admin.is_admin and admin.is_confirmed


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create-admin", "boss@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_tokens_create_command_prints_a_working_token(runner, client, make_user):
    user = make_user("api@example.org")
    result = runner.invoke(args=["tokens", "create", "api@example.org", "--name", "script"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert runner.invoke(args=["tokens", "create", "nobody@example.org"]).exit_code != 0


def test_demo_is_idempotent_and_complete(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(Event)),
              db.session.scalar(select(func.count()).select_from(EventRole)))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts == (db.session.scalar(select(func.count()).select_from(User)),
                      db.session.scalar(select(func.count()).select_from(Event)),
                      db.session.scalar(select(func.count()).select_from(EventRole)))
    for email in ("admin@demo.test", "organiser@demo.test", "mentor1@demo.test", "juror1@demo.test",
                  "applicant1@demo.test"):
        assert db.session.scalar(select(User).where(User.email == email)) is not None, email
    dmc = db.session.scalar(select(Event).where(Event.slug == "develop-my-community-2021"))
    assert dmc.timezone == "Asia/Bishkek" and len(dmc.tracks) == 4
    assert "demo.test" in first.output and "hackathon-demo" in first.output


def test_demo_accounts_can_sign_in(runner, client, login):
    runner.invoke(args=["demo"])
    organiser = db.session.scalar(select(User).where(User.email == "organiser@demo.test"))
    login(client, organiser, password="hackathon-demo")
    page = client.get("/events/develop-my-community-2027/").get_data(as_text=True)
    assert "develop-my-community-2027/people" in page  # organiser controls in the navigation


def test_demo_is_refused_in_production(tmp_path):
    app = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite'}",
                     SECRET_KEY="y" * 48)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output


# --- rate limits shared through Redis (production setting) --------------------------------------

def redis_available() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_sign_in_limits_are_shared_by_workers_through_redis(app, monkeypatch):
    import secrets

    from hackathon.extensions import limiter

    # The limiter object is shared by every app in the run; init_app below switches it on: undo that afterwards.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)

    settings = dict(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True,
                    RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", LOGIN_FAILURE_LIMIT_PER_ACCOUNT="3 per minute",
                    RATELIMIT_KEY_PREFIX=f"test-{secrets.token_hex(6)}")
    worker_one = create_app("testing", **settings).test_client()
    worker_two = create_app("testing", **settings).test_client()
    data = {"email": "nobody@example.org", "password": "wrong password here"}
    statuses = [worker_one.post("/login", data=data).status_code for _ in range(2)]
    statuses.append(worker_two.post("/login", data=data).status_code)
    assert statuses == [200, 200, 200]
    limited = worker_two.post("/login", data=data)
    assert limited.status_code == 429
    assert "Too many failed sign-ins for this email address." in limited.get_data(as_text=True)
    assert worker_one.get("/login").status_code == 200  # reading the page is not limited


def test_form_fields_carry_no_none_attributes(client):
    """WTForms renders a None attribute value as the text "None" (which made every field autofocus)."""
    for path in ("/register", "/login", "/reset"):
        page = client.get(path).get_data(as_text=True)
        assert '="None"' not in page, path
        assert "autofocus" not in page, path


# --- the language switch after a page a POST rendered -------------------------------------------

def test_language_switch_never_lands_on_a_post_only_page(client, make_user, make_event, grant, login):
    """Propose renders /mentors/propose (POST only); switching language there went to GET → 405."""
    event = make_event("hack")
    organiser = make_user("org@example.org")
    grant(organiser, event, Role.organiser)
    login(client, organiser)
    page = client.post("/events/hack/mentors/propose", data={"per_team": "1", "keep_existing": "y"},
                       headers={"Referer": "http://hackathon.test/events/hack/mentors"}).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/events/hack/mentors"' in page
    # Even when the form names the POST-only page, the switch goes where GET answers.
    response = client.post("/language", data={"language": "ru", "next": "/events/hack/mentors/propose"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/events/hack/")
    assert client.get(response.headers["Location"]).status_code == 200
    response = client.post("/language", data={"language": "ru", "next": "/nowhere/propose"})
    assert response.headers["Location"].endswith("/nowhere/propose")  # an unknown page keeps its own 404
