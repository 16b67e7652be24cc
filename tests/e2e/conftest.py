"""Browser fixtures: the system Chromium driven by Playwright, and the app served on 127.0.0.1 by a thread.

Playwright's own browser download is never used (`playwright install` fetches from the internet); the Debian
package `chromium` is. Without it the tests skip on a workstation and fail in CI (the CI variable is set).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hackathon import create_app
from hackathon.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so the browser tests must run here", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (install it with: apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=20_000)
        yield chromium
        chromium.close()


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(tmp_path):
    """A separate app with CSRF on (the browser submits real forms), on its own SQLite file, on a free port."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.sqlite'}",
                     WTF_CSRF_ENABLED=True, SERVER_NAME=None, UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
