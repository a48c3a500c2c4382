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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Hub, utcnow
from app.seed.demo import seed_demo
from app.services.booking.bookings import CHECK_IN_EARLY
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
        f"sqlite:///{tmp / 'ruang-e2e.db'}",
        tmp,
        WTF_CSRF_ENABLED=True,
        # Every browser logs in from 127.0.0.1: the per-address limit would trip mid-session.
        RUANG_LOGIN_LIMIT="1000 per minute",
        # Live-occupancy streams end soon after their page closes (the browser reconnects).
        OCCUPANCY_STREAM_SECONDS=10,
        **e2e_mail.app_config(),
    )
    with app.app_context():
        seed_demo(utcnow().date())
    e2e_mail.before_read = lambda: _send_outbox(app)  # what the worker would have sent by now
    return app


def _send_outbox(app: Flask) -> None:
    from app.worker import send_outbox

    with app.app_context():
        send_outbox()


@pytest.fixture(scope="package", autouse=True)
def during_opening_hours(live_app: Flask) -> Iterator[None]:
    """Run the journeys while the demo hub is open: when the real clock says it is closed (a
    night CI run), the whole process travels, ticking, to the hub's next opening plus two hours,
    so the front-desk journey runs instead of skipping."""
    if not why_no_desk_day_now(live_app, "jfc-hub"):
        yield
        return
    with live_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "jfc-hub"))
        assert hub is not None
        now = utcnow()
        target = next(
            opening[0] + timedelta(hours=2)
            for day in (hub.today(now) + timedelta(days=n) for n in range(0, 14))
            if (opening := hub.opening_interval(day)) is not None
            and opening[0] + timedelta(hours=2) > now
        )
    with time_machine.travel(target, tick=True):
        yield


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
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        )
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
def phone(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context emulating a touch phone (360 px wide): use `tap()` like a thumb would."""
    context = browser.new_context(
        viewport=PHONE, base_url=base_url, locale="id-ID", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def second_page(browser: Any, base_url: str) -> Iterator[Any]:
    """Another person's browser at the same time (desktop size, its own cookies)."""
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="id-ID")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """Full-page screenshot into docs/screenshots when RUANG_SCREENSHOTS=1 (make screenshots)."""

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


def page_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing sticks out)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def unfold_resource_list(page: Any) -> None:
    """Open the list of desks and rooms under the floor plan (a phone shows it folded)."""
    details = page.locator("details.res-details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def open_days_ahead(app: Flask, slug: str, within_days: int) -> list[date]:
    """The hub's open days after today (the hub's today, real clock) up to today + within_days."""
    with app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
        assert hub is not None, slug
        today = hub.today()
        days = (today + timedelta(days=n) for n in range(1, within_days + 1))
        return [day for day in days if hub.opening_interval(day) is not None]


def open_day(app: Flask, slug: str, within_days: int, nth: int = 0) -> date:
    """The `nth` (from 0) open day after today within the advance window; skips the test when
    closures leave too few (a long holiday such as Lebaran's joint leave)."""
    days = open_days_ahead(app, slug, within_days)
    if len(days) <= nth:
        pytest.skip(f"{slug} has only {len(days)} open day(s) in the next {within_days} days")
    return days[nth]


def why_no_desk_day_now(
    app: Flask,
    slug: str,
    margin: timedelta = timedelta(minutes=10),
    early: timedelta = CHECK_IN_EARLY,
) -> str:
    """Why a desk booked for today could not be checked in right now ('' when it can).

    Check-in opens `early` (CHECK_IN_EARLY) before the hub opens and ends when it closes;
    `margin` keeps a test from racing the closing time.
    """
    with app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
        assert hub is not None, slug
        now = utcnow()
        today = hub.today(now)
        local_now = f"{now.astimezone(hub.zone):%A %Y-%m-%d %H:%M} {hub.zone_label}"
        opening = hub.opening_interval(today)
        if opening is None:
            closure = hub.closure_on(today)
            why = f"closed for {closure.name}" if closure else "closed on this weekday"
            return f"{hub.slug} is {why} today ({local_now}): no desk can be booked for today"
        opens, closes = (moment.astimezone(hub.zone) for moment in opening)
        hours = f"open {opens:%H:%M}-{closes:%H:%M} {hub.zone_label}"
        if now < opening[0] - early:
            return f"it is {local_now}, {hub.slug} is {hours}: check-in has not opened yet"
        if now >= opening[1] - margin:
            return f"it is {local_now}, {hub.slug} is {hours}: too late to book a desk for today"
        return ""
