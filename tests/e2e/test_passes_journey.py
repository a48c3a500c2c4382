"""A member shows the pass on a phone; the front desk scans it (the code typed into the scan box
with Enter, as a USB scanner does) and sees the verdict at once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from flask import Flask

from app.extensions import db
from app.models import Hub, utcnow
from app.seed.demo import DEMO_PASSWORD
from app.services.access.keys import generate_key, list_keys
from tests.e2e.conftest import DESKTOP, log_in

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")


@pytest.fixture
def signing_key(live_app: Flask) -> None:
    """The demo data has no pass signing key: make one (once) in the live app's instance."""
    with live_app.app_context():
        if not list_keys():
            generate_key(live_app.extensions["ruang.keyring"])


@pytest.fixture
def office_hours(live_app: Flask) -> Iterator[bool]:
    """Run during the hub's opening hours today (the server shares this process's clock);
    yields False when the hub is closed all day today (a weekend or holiday)."""
    with live_app.app_context():
        hub = db.session.scalar(db.select(Hub).where(Hub.slug == "jfc-hub"))
        assert hub is not None
        now = utcnow()
        opening = hub.opening_interval(hub.local_date(now))
    if opening is None:
        yield False
    elif opening[0] <= now < opening[1] - timedelta(minutes=10):
        yield True
    else:
        with time_machine.travel(opening[0] + timedelta(hours=2), tick=True):
            yield True


def test_member_pass_scanned_at_the_front_desk(
    page, browser, base_url, signing_key, office_hours, screenshot
) -> None:
    log_in(page, "siti@demo.ruang.id", DEMO_PASSWORD)
    page.goto("/pass/")
    qr = page.locator("#pass-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 280  # big on a 360 px phone
    countdown = int(page.inner_text("#pass-countdown"))
    assert 1 <= countdown <= 30
    screenshot(page, "pass-phone")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    token = decoded.text

    desk = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="id-ID")
    desk.set_default_timeout(10_000)
    try:
        counter = desk.new_page()
        log_in(counter, "frontdesk@demo.ruang.id", DEMO_PASSWORD)
        counter.goto("/frontdesk/jfc-hub/")
        field = counter.locator("#token")
        assert field.evaluate("el => el === document.activeElement")  # ready for the scanner
        field.type(token)
        field.press("Enter")
        verdict = counter.locator("#scan-result .verdict")
        verdict.wait_for()
        expected = "grant" if office_hours else "deny"
        assert expected in (verdict.get_attribute("class") or "")
        if expected == "grant":
            assert "Siti" in verdict.inner_text()
        assert field.input_value() == ""  # cleared and focused for the next person
        assert field.evaluate("el => el === document.activeElement")
        assert counter.url.endswith("/frontdesk/jfc-hub/")  # swapped in place, no reload
        screenshot(counter, "frontdesk-scan-desktop")
    finally:
        desk.close()


def test_pass_page_through_a_network_drop(page, signing_key) -> None:
    """Offline, the last code stays up until it expires; then the page says so."""
    page.clock.install()
    log_in(page, "siti@demo.ruang.id", DEMO_PASSWORD)
    page.goto("/pass/")
    first = page.inner_html("#pass-qr")
    page.context.set_offline(True)
    page.clock.fast_forward("00:45")  # past the refresh: the fetch fails
    page.locator("#pass-offline").wait_for()
    assert page.inner_html("#pass-qr") == first  # the last code is still shown
    assert page.locator("#pass-expired").is_hidden()
    page.clock.fast_forward("01:00")  # past valid_until (90 s)
    page.locator("#pass-expired").wait_for()
    assert "expired" in (page.get_attribute("#pass-qr", "class") or "")
    page.context.set_offline(False)
    page.clock.fast_forward("00:06")  # the next retry fetches a fresh code
    page.locator("#pass-expired").wait_for(state="hidden")
    assert page.locator("#pass-offline").is_hidden()
