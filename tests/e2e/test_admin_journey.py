"""Admin journey in a real browser: a hub admin adds a desk to the floor plan by coordinates,
sees it on the plan, drags it to another place with the mouse and saves the new position."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, log_in

HUB = "jfc-hub"
DESK = "F01"  # a name no other test uses
START, DRAG = (60, 600), (140, 20)  # plan units; the empty strip below the hot-desk pool


def test_admin_adds_a_desk_and_drags_it_on_the_floor_plan(page) -> None:
    page.set_viewport_size(DESKTOP)
    log_in(page, "admin@demo.ruang.id", "ruang-demo-2026")
    page.goto(f"/admin/hubs/{HUB}")
    page.locator("#floors a", has_text="Lantai 23").click()
    expect(page.locator("h1")).to_have_text("Lantai 23")

    # Add a desk with typed coordinates.
    form = page.locator("#add-resource form")
    form.locator("#resource-name").fill(DESK)
    form.locator("#resource-kind").select_option("desk")
    form.locator("#resource-booking_mode").select_option("whole_day")
    form.locator("#resource-zone_name").fill("Area Kerja")
    form.locator("#resource-x").fill(str(START[0]))
    form.locator("#resource-y").fill(str(START[1]))
    form.locator("#resource-width").fill("56")
    form.locator("#resource-height").fill("48")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(DESK)

    # It is on the plan where it was put, and listed with the floor's resources.
    desk = page.locator(
        "#plan-editor g.res", has=page.locator("text", has_text=re.compile(f"^{DESK}$"))
    )
    expect(desk).to_have_attribute("data-x", str(START[0]))
    expect(desk).to_have_attribute("data-y", str(START[1]))
    expect(page.locator("#resources tbody tr", has_text=DESK)).to_have_count(1)

    # Drag it with the mouse: the place form follows, and saving keeps the new position.
    box = desk.locator("rect").bounding_box()
    assert box is not None
    scale = page.eval_on_selector("#plan-editor", "svg => svg.getScreenCTM().a")  # px per unit
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(
        box["x"] + box["width"] / 2 + DRAG[0] * scale,
        box["y"] + box["height"] / 2 + DRAG[1] * scale,
        steps=8,
    )
    page.mouse.up()
    place = page.locator("#place-form")
    expect(place.locator("select")).to_have_value(desk.get_attribute("data-id") or "")
    moved_x = int(place.locator("input[name$='x']").input_value())
    moved_y = int(place.locator("input[name$='y']").input_value())
    assert abs(moved_x - (START[0] + DRAG[0])) <= 2
    assert abs(moved_y - (START[1] + DRAG[1])) <= 2
    place.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(DESK)
    expect(desk).to_have_attribute("data-x", str(moved_x))
    expect(desk).to_have_attribute("data-y", str(moved_y))

    # The audit log has both changes.
    page.goto("/admin/audit")
    expect(page.locator("main")).to_contain_text(DESK)
