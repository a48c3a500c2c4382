"""Browser tests: Playwright driving Debian's Chromium against a live Ruang on the demo data.

The server runs in a thread on a free port with its own SQLite database (the embedded default)
and a real SMTP server for mail. Skipped, with the reason, where no Chromium is installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.models import utcnow
from app.seed.demo import seed_demo
from tests.conftest import make_test_app
from tests.mail import MailCatcher

CHROMIUM = os.environ.get("RUANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def e2e_mail() -> Iterator[MailCatcher]:
    with MailCatcher.running() as catcher:
        yield catcher


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, e2e_mail: MailCatcher) -> Flask:
    tmp = tmp_path_factory.mktemp("e2e")
    app = make_test_app(
        f"sqlite:///{tmp / 'ruang-e2e.db'}", tmp, WTF_CSRF_ENABLED=True, **e2e_mail.app_config()
    )
    with app.app_context():
        seed_demo(utcnow().date())
    return app


@pytest.fixture(scope="session")
def base_url(live_app: Flask) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on a phone-sized screen; resize for desktop."""
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale="id-ID")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """Save a full-page screenshot to docs/screenshots when RUANG_SCREENSHOTS=1 (make screenshots)."""

    def take(page: Any, name: str) -> None:
        if os.environ.get("RUANG_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
