"""Programme journeys in the browser, on the demo data: a member registers for this week's
training and is checked in with the event pass at the front desk; a mentor publishes office
hours and a member books one; a programme admin opens the impact page and exports a CSV."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Hub, MentorSlot
from app.seed.demo import DEMO_PASSWORD
from app.seed.programmes import TRAINING_TITLE
from app.services.access.keys import generate_key, list_keys
from tests.e2e.conftest import DESKTOP, log_in, open_days_ahead

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is a dev dependency")
Image = pytest.importorskip("PIL.Image", reason="Pillow is a dev dependency")


@pytest.fixture
def signing_key(live_app: Flask) -> None:
    with live_app.app_context():
        if not list_keys():
            generate_key(live_app.extensions["ruang.keyring"])


def test_member_registers_for_the_training_and_is_checked_in(
    page, browser, base_url, live_app, signing_key, screenshot
) -> None:
    with live_app.app_context():
        event = db.session.scalar(select(Event).where(Event.title == TRAINING_TITLE))
        assert event is not None
        event_id, starts_at, hub_slug = event.id, event.starts_at, event.hub.slug
        db.session.remove()

    log_in(page, "agus@demo.ruang.id", DEMO_PASSWORD)
    page.goto("/p/events")
    page.locator(f"#event-{event_id} form[action$='/register'] button").click()
    page.wait_for_load_state()
    page.locator(f"#event-{event_id} a[href$='/pass']").click()
    qr = page.locator(".pass-qr svg")
    assert qr.is_visible()
    screenshot(page, "event-pass-phone")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))

    with time_machine.travel(starts_at - timedelta(minutes=10), tick=True):
        desk = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="en-US")
        desk.set_default_timeout(10_000)
        try:
            counter = desk.new_page()
            log_in(counter, "program@demo.ruang.id", DEMO_PASSWORD)
            counter.goto(f"/frontdesk/{hub_slug}/")
            assert TRAINING_TITLE in counter.inner_text("#events-today-title + ul")
            field = counter.locator("#token")
            field.type(decoded.text)
            field.press("Enter")
            verdict = counter.locator("#scan-result .verdict")
            verdict.wait_for()
            assert "grant" in (verdict.get_attribute("class") or "")
            counter.goto(f"/staff/programmes/events/{event_id}")
            row = counter.locator("table.attendance tr", has_text="Agus")
            assert row.locator("td").nth(2).inner_text() != "—"  # came in, with the time
            screenshot(counter, "event-attendance-desktop")
        finally:
            desk.close()


def test_mentor_publishes_hours_and_a_member_books_one(page, live_app, second_page) -> None:
    log_in(page, "mentor@demo.ruang.id", DEMO_PASSWORD)
    page.goto("/p/office-hours")
    page.select_option("#hub_id", label="OK OCE Kecamatan Tebet")
    days = open_days_ahead(live_app, "okoce-tebet", 30)[1:]  # within its opening hours
    with live_app.app_context():  # (not around open_days_ahead: one SQLite writer at a time)
        hub = db.session.scalar(select(Hub).where(Hub.slug == "okoce-tebet"))
        assert hub is not None
        day = next(d for d in days if not hub.closure_on(d))
        db.session.remove()
    page.fill("#day", day.isoformat())
    page.fill("#starts", "09:00")
    page.fill("#minutes", "45")
    page.fill("#count", "1")
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    assert page.locator(".alert-success").is_visible()

    with live_app.app_context():
        slot = db.session.scalars(select(MentorSlot).order_by(MentorSlot.id.desc()).limit(1)).one()
        slot_id = slot.id
        db.session.remove()
    log_in(second_page, "dian@demo.ruang.id", DEMO_PASSWORD)
    second_page.goto("/p/mentoring")
    form = second_page.locator(f"form[action$='/slots/{slot_id}/book']")
    form.locator("input[name=topic]").fill("Harga jual kue")
    form.locator("button[type=submit]").click()
    second_page.wait_for_load_state()
    assert second_page.locator(".alert-success").is_visible()
    assert "Harga jual kue" in second_page.inner_text("main")


def test_programme_admin_opens_the_impact_page_and_exports_csv(page) -> None:
    log_in(page, "program@demo.ruang.id", DEMO_PASSWORD)
    page.goto("/reports/impact?level=programme")
    assert page.locator("svg.chart").first.is_visible()
    with page.expect_download() as download:
        page.locator("a[href*='/reports/impact/stages.csv']").click()
    path = download.value.path()
    assert path is not None
    with open(path, encoding="utf-8") as exported:
        header = exported.readline().strip()
    assert header.count(",") == 1
