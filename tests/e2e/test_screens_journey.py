"""The main pages on a 360-px phone and a 1280-px desktop: nothing sticks out sideways (the floor
plan scrolls inside its own box), and each page's screenshot for docs/screenshots (make
screenshots). Also the language switch between Bahasa Indonesia and English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, log_in, open_day, page_overflow, unfold_resource_list

HUB = "jfc-hub"
PASSWORD = "ruang-demo-2026"
SUBSIDISED_ADVANCE_DAYS = 7


@pytest.fixture
def shoot(page, viewport: dict[str, int], screenshot) -> Callable[[str, str], None]:
    """Open a page at this width, check it does not overflow sideways, and screenshot it."""
    page.set_viewport_size(viewport)
    width = "phone" if viewport == PHONE else "desktop"
    overflowing: list[str] = []

    def visit(path: str, name: str) -> None:
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        excess = page_overflow(page)
        if excess > 0:
            overflowing.append(f"{name} ({path}): {excess}px wider than {viewport['width']}px")
        screenshot(page, f"{name}-{width}")

    yield visit
    assert not overflowing, "pages wider than the screen: " + "; ".join(overflowing)


def test_public_pages(page, shoot) -> None:
    shoot("/login", "login")
    shoot("/signup", "signup")


def test_member_pages(page, viewport, shoot, live_app: Flask) -> None:
    # Each width books its own desk on its own day, so My bookings and the plan show one.
    index = 0 if viewport == PHONE else 1
    day = open_day(live_app, HUB, SUBSIDISED_ADVANCE_DAYS, index).isoformat()
    desk = ("B03", "B04")[index]
    log_in(page, "siti@demo.ruang.id", PASSWORD)
    page.goto(f"/m/{HUB}/?day={day}")
    unfold_resource_list(page)
    item = page.locator(
        "li.res-item", has=page.locator(".res-name", has_text=re.compile(f"^{desk}$"))
    )
    item.locator("button.book").click()
    expect(page.locator("section.confirmation h1")).to_have_text(desk)

    shoot("/m/", "hubs")
    shoot(f"/m/{HUB}/?day={day}", "floor-plan")
    # The plan is wider than a phone (it scrolls in its box) and can be fit; a desktop has room.
    zoom = page.locator("[data-zoom]")
    expect(zoom).to_be_visible() if viewport == PHONE else expect(zoom).to_be_hidden()
    room = page.locator("svg.member-plan a.res[aria-label^='Ruang Rapat Monas,']")
    shoot(room.get_attribute("href") or "", "room-timeline")
    shoot("/m/bookings", "my-bookings")
    shoot("/m/membership", "membership")


def test_front_desk_pages(page, shoot) -> None:
    log_in(page, "frontdesk@demo.ruang.id", PASSWORD)
    shoot(f"/frontdesk/{HUB}/", "frontdesk-hub")
    shoot(f"/frontdesk/{HUB}/walk-in", "walk-in")


def test_admin_pages(page, shoot) -> None:
    log_in(page, "admin@demo.ruang.id", PASSWORD)
    shoot(f"/admin/hubs/{HUB}", "admin-hub")
    editor = page.locator("#floors a", has_text="Lantai 23").get_attribute("href")
    shoot(editor or "", "floor-plan-editor")
    shoot("/admin/audit", "audit-log")


def test_language_switch_between_bahasa_indonesia_and_english(page) -> None:
    # A visitor's browser asks for Indonesian; the switch in the header changes it, on the spot.
    page.goto("/login")
    html = page.locator("html")
    switch = page.locator("header button.lang")
    expect(html).to_have_attribute("lang", "id")
    expect(switch).to_have_text("English")
    switch.click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(switch).to_have_text("Bahasa Indonesia")

    # A member's choice is kept in their account; dates follow it (weekday names, by Babel).
    # (Each cookie reset waits for the page's last requests: a stylesheet answered after the
    # reset would bring the old session cookie back.)
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    log_in(page, "ayu@demo.ruang.id", PASSWORD)
    page.goto(f"/m/{HUB}/")
    dayline = page.locator(".dayline strong")
    expect(html).to_have_attribute("lang", "id")  # the browser's language until she chooses
    expect(dayline).to_have_text(INDONESIAN_DAY)
    switch.click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/m/{HUB}/$"))
    expect(dayline).to_have_text(ENGLISH_DAY)

    # Logged in again from a fresh browser that asks for Indonesian: still English for her.
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    log_in(page, "ayu@demo.ruang.id", PASSWORD)
    page.goto(f"/m/{HUB}/")
    expect(html).to_have_attribute("lang", "en")
    switch.click()
    expect(html).to_have_attribute("lang", "id")
    expect(dayline).to_have_text(INDONESIAN_DAY)


INDONESIAN_DAY = re.compile(r"^(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu)\b")
ENGLISH_DAY = re.compile(r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
