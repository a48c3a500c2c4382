"""Member journeys in a real browser: a newcomer books a desk by tapping the floor plan on a
phone (after a hub admin approves their subsidised plan), and a paying member books a room slot.

Each test uses its own people, desks, rooms and days, so they run in any order against the one
live server of the session. Days come from the real clock and the hub's opening hours.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from flask import Flask
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, log_in, open_day
from tests.mail import MailCatcher

HUB = "jfc-hub"
PASSWORD = "ruang-demo-2026"
SUBSIDISED_PLAN = "UMKM Gratis (bersubsidi)"
SUBSIDISED_ADVANCE_DAYS = 7
MONTHLY_ADVANCE_DAYS = 30


def test_sign_up_get_approved_book_a_desk_by_tapping_and_cancel(
    phone, second_page, live_app: Flask, e2e_mail: MailCatcher
) -> None:
    email, password = "nadia.desk@example.com", "tenun-ikat-2026"
    day = open_day(live_app, HUB, SUBSIDISED_ADVANCE_DAYS, 0)

    # Sign up on the phone, applying for the subsidised plan, and confirm the email.
    phone.goto("/signup")
    phone.fill("#name", "Nadia Putri")
    phone.fill("#email", email)
    phone.fill("#phone", "+62 812 5550 0101")
    phone.fill("#business_name", "Tenun Nadia")
    phone.select_option("#sector", "kriya")
    phone.fill("#kecamatan", "Menteng")
    phone.select_option("#plan_id", label=SUBSIDISED_PLAN)
    phone.fill("#password", password)
    phone.fill("#confirm", password)
    phone.check("#consent")
    phone.locator("button[type=submit].primary").tap()
    expect(phone.locator("main")).to_contain_text(email)
    phone.goto(urlparse(e2e_mail.last_link(email)).path)
    expect(phone.locator(".alert-success")).to_have_count(1)

    # The hub admin approves the application in their own browser.
    log_in(second_page, "admin@demo.ruang.id", PASSWORD)
    second_page.goto(f"/admin/members?hub={HUB}")
    application = second_page.locator("article.application", has_text=email)
    application.locator("button[value=approve]").click()
    expect(second_page.locator(".alert-success")).to_contain_text("Nadia Putri")
    expect(application).to_have_count(0)

    # The member logs in and taps a free desk on the floor plan of a day the hub is open.
    log_in(phone, email, password)
    phone.goto(f"/m/{HUB}/?day={day.isoformat()}")
    desk = phone.locator("svg.member-plan a.res[aria-label^='D07,']")
    expect(desk).to_have_class(re.compile(r"\bfree\b"))
    desk.tap()
    sheet = phone.locator("dialog#sheet")
    expect(sheet).to_be_visible()
    expect(sheet.locator(".res-name")).to_have_text("D07")
    sheet.locator("button.book").tap()

    # The confirmation shows the booking in the hub's local time (the demo hub is open around
    # the clock: a whole-day desk runs from midnight).
    confirmation = phone.locator("section.confirmation")
    expect(confirmation.locator("h1")).to_have_text("D07")
    expect(confirmation.locator(".when")).to_have_text(re.compile(r"00[.:]00.23[.:]59 WIB"))
    expect(confirmation.locator(".badge.confirmed")).to_have_count(1)

    # On the plan the desk is now mine; in My bookings it is upcoming, and it can be cancelled.
    phone.goto(f"/m/{HUB}/?day={day.isoformat()}")
    expect(desk).to_have_class(re.compile(r"\bmine\b"))
    phone.goto("/m/bookings")
    upcoming = phone.locator("section[aria-labelledby=upcoming-heading] tbody tr")
    expect(upcoming.filter(has_text="D07")).to_have_count(1)
    upcoming.filter(has_text="D07").locator("a.danger").tap()

    # Cancelling asks first: "keep it" changes nothing, "yes" cancels.
    question = phone.locator("section.cancel-confirmation")
    expect(question.locator("h1")).to_contain_text("D07")
    question.locator("a.button").tap()
    expect(phone.locator("section.confirmation .badge.confirmed")).to_have_count(1)
    phone.locator("section.confirmation a.danger").tap()
    question.locator("button.danger").tap()
    expect(phone.locator(".alert-success")).to_contain_text("D07")
    expect(upcoming.filter(has_text="D07")).to_have_count(0)
    past = phone.locator("section[aria-labelledby=past-heading] tbody tr", has_text="D07")
    expect(past.locator(".badge.cancelled")).to_have_count(1)

    # The desk is free again for everyone.
    phone.goto(f"/m/{HUB}/?day={day.isoformat()}")
    expect(desk).to_have_class(re.compile(r"\bfree\b"))


def test_floor_plan_on_a_phone_is_the_plan_and_a_list_fetched_when_unfolded(
    phone, live_app: Flask
) -> None:
    day = open_day(live_app, HUB, MONTHLY_ADVANCE_DAYS, 2)
    log_in(phone, "budi@demo.ruang.id", PASSWORD)
    phone.goto(f"/m/{HUB}/?day={day.isoformat()}")
    height = phone.evaluate("document.documentElement.scrollHeight")
    plan_bottom = phone.evaluate(
        "document.querySelector('[data-plan]').getBoundingClientRect().bottom + window.scrollY"
    )
    # Below the plan only the list's summary and the footer, not a card per desk (46 cards
    # made this page about 8,000-8,500 px tall at 360 px; folded it is about 1,250).
    assert height < plan_bottom + PHONE["height"] / 2, (height, plan_bottom)
    items = phone.locator("ul.res-list li.res-item")
    # The list is not even in the page until it is unfolded: then it is fetched and shown.
    expect(items).to_have_count(0)
    phone.locator("details.res-details > summary").tap()
    expect(items.first).to_be_visible()
    rows = phone.evaluate(
        "[...document.querySelectorAll('ul.res-list li.res-item')]"
        ".map(li => li.getBoundingClientRect().height)"
    )
    assert len(rows) > 40
    # A desk is one compact line; a room with a long name wraps, but carries no timeline.
    assert sorted(rows)[len(rows) // 2] < 70, rows
    assert max(rows) < 160, rows


def test_book_a_meeting_room_slot_on_the_timeline(page, live_app: Flask) -> None:
    day = open_day(live_app, HUB, MONTHLY_ADVANCE_DAYS, 1)
    page.set_viewport_size(DESKTOP)
    log_in(page, "budi@demo.ruang.id", PASSWORD)

    # From the floor plan: the room opens its sheet, whose button leads to the room's day.
    page.goto(f"/m/{HUB}/?day={day.isoformat()}")
    page.locator("svg.member-plan a.res[aria-label^='Ruang Rapat Ancol,']").click()
    page.locator("dialog#sheet a.button").click()
    expect(page.locator("h1")).to_have_text("Ruang Rapat Ancol")
    room_day = page.url.split("#")[0]

    # Tap the 10:00 slot on the timeline: the form below is filled in with that start.
    slots = page.locator("ol.timeline li.slot")
    slots.filter(has_text=re.compile(r"^10[.:]00")).locator("a").click()
    expect(page.locator("#start")).to_have_value("10:00")
    page.select_option("#minutes", "90")
    page.locator("#book button[type=submit].primary").click()

    confirmation = page.locator("section.confirmation")
    expect(confirmation.locator("h1")).to_have_text("Ruang Rapat Ancol")
    expect(confirmation.locator(".when")).to_have_text(re.compile(r"10[.:]00.11[.:]30 WIB"))

    # Back on the room's day its three half-hour slots are mine; the hub's 10-minute buffer
    # between meetings keeps the next slot from being booked, and the one after is free.
    page.goto(room_day)
    expect(slots.filter(has_text=re.compile(r"^10[.:]00"))).to_have_class("slot mine")
    expect(slots.filter(has_text=re.compile(r"^11[.:]00"))).to_have_class("slot mine")
    expect(slots.filter(has_text=re.compile(r"^11[.:]30"))).to_have_class("slot busy")
    expect(slots.filter(has_text=re.compile(r"^12[.:]00"))).to_have_class("slot free")
    page.goto("/m/bookings")
    upcoming = page.locator("section[aria-labelledby=upcoming-heading] tbody tr")
    expect(upcoming.filter(has_text="Ruang Rapat Ancol")).to_have_count(1)
