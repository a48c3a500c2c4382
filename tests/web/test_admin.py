"""Admin pages through the web: hubs, hours, closures, floors and the floor plan, permissions."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Closure, Floor, Hub, Resource, Role

ADMIN_PAGES = ["/admin/", "/admin/plans", "/admin/members", "/admin/staff", "/admin/audit"]


@pytest.fixture
def other_hub(make_hub):
    return make_hub(name="Makassar Hub", slug="makassar", timezone="Asia/Makassar")


@pytest.fixture
def hub_admin(make_member, a_hub):
    return make_member(name="Hana Admin", roles=[(Role.HUB_ADMIN, a_hub)])


@pytest.fixture
def programme_admin(make_member):
    return make_member(name="Prita Programme", roles=[(Role.PROGRAMME_ADMIN, None)])


def audit_count(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


# -- who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_member_gets_403_everywhere(client, login, a_member, a_hub, path) -> None:
    login(a_member)
    assert client.get(path).status_code == 403
    assert client.get(f"/admin/hubs/{a_hub.slug}").status_code == 403


def test_frontdesk_gets_403(client, login, make_member, a_hub) -> None:
    login(make_member(roles=[(Role.FRONTDESK, a_hub)]))
    assert client.get("/admin/").status_code == 403
    response = client.post(f"/admin/hubs/{a_hub.slug}/closures", data={"closure-on": "2026-12-01"})
    assert response.status_code == 403
    assert a_hub.closures == []


def test_member_cannot_post_admin_forms(client, login, a_member, a_hub) -> None:
    login(a_member)
    response = client.post(
        f"/admin/hubs/{a_hub.slug}",
        data={"hub-name": "Hacked", "hub-slug": a_hub.slug, "hub-timezone": "Asia/Jakarta"},
    )
    assert response.status_code == 403
    db.session.refresh(a_hub)
    assert a_hub.name == "Test Hub Jakarta"


def test_index_lists_only_own_hubs(client, login, hub_admin, a_hub, other_hub) -> None:
    login(hub_admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert a_hub.name in response.text
    assert other_hub.name not in response.text
    assert "New hub" not in response.text


def test_programme_admin_sees_all_hubs_and_new_hub_form(
    client, login, programme_admin, a_hub, other_hub
) -> None:
    login(programme_admin)
    response = client.get("/admin/")
    assert a_hub.name in response.text
    assert other_hub.name in response.text
    assert "New hub" in response.text
    # The Indonesian zones come first in the time-zone list.
    assert response.text.index("Asia/Jayapura") < response.text.index("Africa/Abidjan")


# -- hubs ---------------------------------------------------------------------------------------

NEW_HUB = {
    "hub-name": "OK OCE Tebet",
    "hub-slug": "tebet",
    "hub-timezone": "Asia/Jakarta",
    "hub-province": "DKI Jakarta",
    "hub-city": "Jakarta Selatan",
    "hub-kecamatan": "Tebet",
    "hub-address": "Jl. Tebet Raya 1",
}


def test_programme_admin_creates_hub(client, login, programme_admin) -> None:
    login(programme_admin)
    response = client.post("/admin/hubs", data=NEW_HUB)
    assert response.status_code == 302
    hub = db.session.scalar(select(Hub).where(Hub.slug == "tebet"))
    assert hub.kecamatan == "Tebet"
    assert audit_count("hub.create") == 1
    assert client.get(response.headers["Location"]).status_code == 200


def test_new_hub_with_unknown_zone_or_taken_slug_keeps_input(
    client, login, programme_admin, a_hub
) -> None:
    login(programme_admin)
    response = client.post("/admin/hubs", data={**NEW_HUB, "hub-timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert 'value="OK OCE Tebet"' in response.text
    assert "Not a valid choice" in response.text
    response = client.post("/admin/hubs", data={**NEW_HUB, "hub-slug": a_hub.slug})
    assert response.status_code == 422
    assert "already in use" in response.text
    assert db.session.scalar(select(Hub).where(Hub.name == "OK OCE Tebet")) is None


def test_hub_admin_cannot_create_hub(client, login, hub_admin) -> None:
    login(hub_admin)
    assert client.post("/admin/hubs", data=NEW_HUB).status_code == 403
    assert db.session.scalar(select(Hub).where(Hub.slug == "tebet")) is None


def test_hub_admin_edits_details_and_policy(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    assert client.get(f"/admin/hubs/{a_hub.slug}").status_code == 200
    data = {
        "hub-name": "Jakarta Future City Hub",
        "hub-slug": a_hub.slug,
        "hub-timezone": "Asia/Jakarta",
        "hub-no_show_minutes": "45",
        "hub-cancel_cutoff_minutes": "0",
        "hub-room_buffer_minutes": "10",
    }
    assert client.post(f"/admin/hubs/{a_hub.slug}", data=data).status_code == 302
    db.session.refresh(a_hub)
    assert (a_hub.name, a_hub.no_show_minutes, a_hub.cancel_cutoff_minutes) == (
        "Jakarta Future City Hub",
        45,
        0,
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hub.update"))
    assert entry.before["no_show_minutes"] == 30
    assert entry.after["no_show_minutes"] == 45
    assert entry.actor_id == hub_admin.id


def test_policy_out_of_range_is_a_field_message(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = {
        "hub-name": a_hub.name,
        "hub-slug": a_hub.slug,
        "hub-timezone": "Asia/Jakarta",
        "hub-no_show_minutes": "-5",
    }
    response = client.post(f"/admin/hubs/{a_hub.slug}", data=data)
    assert response.status_code == 422
    assert 'value="-5"' in response.text
    db.session.refresh(a_hub)
    assert a_hub.no_show_minutes == 30


def test_hub_admin_of_a_cannot_touch_hub_b(client, login, hub_admin, other_hub) -> None:
    login(hub_admin)
    slug = other_hub.slug
    assert client.get(f"/admin/hubs/{slug}").status_code == 403
    data = {"hub-name": "Mine now", "hub-slug": slug, "hub-timezone": "Asia/Makassar"}
    assert client.post(f"/admin/hubs/{slug}", data=data).status_code == 403
    assert client.post(f"/admin/hubs/{slug}/hours", data={}).status_code == 403
    closure = {"closure-on": "2026-12-01", "closure-name": "x"}
    assert client.post(f"/admin/hubs/{slug}/closures", data=closure).status_code == 403
    assert client.post(f"/admin/hubs/{slug}/floors", data={"floor-name": "F"}).status_code == 403
    db.session.refresh(other_hub)
    assert other_hub.name == "Makassar Hub"
    assert other_hub.closures == []
    assert other_hub.floors == []
    assert len(other_hub.opening_hours) == 5


def test_unknown_hub_is_404(client, login, programme_admin) -> None:
    login(programme_admin)
    assert client.get("/admin/hubs/nowhere").status_code == 404


# -- opening hours and closures -----------------------------------------------------------------


def hours_data(**overrides: str) -> dict[str, str]:
    data = {}
    for day in range(5):
        data |= {f"hours-open_{day}": "y", f"hours-opens_{day}": "08:00"}
        data[f"hours-closes_{day}"] = "17:00"
    return data | overrides


def test_set_opening_hours(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = hours_data(**{"hours-open_5": "y", "hours-opens_5": "09:00", "hours-closes_5": "13:00"})
    data.pop("hours-open_4")  # Friday closed
    assert client.post(f"/admin/hubs/{a_hub.slug}/hours", data=data).status_code == 302
    db.session.refresh(a_hub)
    assert a_hub.hours_on_weekday(4) is None
    assert a_hub.hours_on_weekday(5).opens == time(9)
    assert audit_count("hub.hours") == 1


def test_open_day_without_times_is_refused(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = hours_data(**{"hours-open_6": "y", "hours-opens_6": "", "hours-closes_6": "10:00"})
    response = client.post(f"/admin/hubs/{a_hub.slug}/hours", data=data)
    assert response.status_code == 422
    assert "Enter a time" in response.text
    db.session.refresh(a_hub)
    assert a_hub.hours_on_weekday(6) is None


def test_add_and_delete_closure(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = {"closure-on": "2026-12-25", "closure-name": "Natal"}
    assert client.post(f"/admin/hubs/{a_hub.slug}/closures", data=data).status_code == 302
    db.session.refresh(a_hub)
    closure = a_hub.closure_on(date(2026, 12, 25))
    assert closure.name == "Natal"
    page = client.get(f"/admin/hubs/{a_hub.slug}")
    assert "Natal" in page.text
    again = client.post(f"/admin/hubs/{a_hub.slug}/closures", data=data)
    assert again.status_code == 422
    assert "already closed" in again.text
    url = f"/admin/hubs/{a_hub.slug}/closures/{closure.id}/delete"
    assert client.post(url).status_code == 302
    assert db.session.get(Closure, closure.id) is None
    assert audit_count("closure.add") == 1
    assert audit_count("closure.delete") == 1


def test_closure_of_another_hub_cannot_be_deleted(
    client, login, hub_admin, a_hub, other_hub
) -> None:
    other_hub.closures.append(Closure(on=date(2026, 12, 25), name="Natal"))
    db.session.commit()
    closure_id = other_hub.closures[0].id
    login(hub_admin)
    response = client.post(f"/admin/hubs/{a_hub.slug}/closures/{closure_id}/delete")
    assert response.status_code == 404
    assert db.session.get(Closure, closure_id) is not None


def upload(text: str) -> dict[str, object]:
    return {"import-file": (io.BytesIO(text.encode()), "holidays.csv")}


def test_import_holidays_csv(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    csv = "date,name\n2026-12-25,Natal\n2027-01-01,Tahun Baru\n2027-02-17,Imlek,makassar\n"
    response = client.post(
        f"/admin/hubs/{a_hub.slug}/closures/import",
        data=upload(csv),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(a_hub)
    assert [c.name for c in a_hub.closures] == ["Natal", "Tahun Baru"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "closure.import"))
    assert entry.after["added"] == 2


def test_import_with_bad_lines_imports_nothing(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    csv = "2026-12-25,Natal\n25/12/2026,Natal again\n2027-01-01\n"
    response = client.post(
        f"/admin/hubs/{a_hub.slug}/closures/import",
        data=upload(csv),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "line 2" in response.text
    assert "line 3" in response.text
    db.session.refresh(a_hub)
    assert a_hub.closures == []
    assert audit_count("closure.import") == 0


def test_import_without_file(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    response = client.post(
        f"/admin/hubs/{a_hub.slug}/closures/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose a CSV file" in response.text


# -- floors and the floor plan ------------------------------------------------------------------


@pytest.fixture
def floor(session, a_hub) -> Floor:
    floor = Floor(hub=a_hub, name="Lantai 23", level=23, plan_width=800, plan_height=400)
    session.add(floor)
    session.commit()
    return floor


def test_add_floor(client, login, hub_admin, a_hub) -> None:
    login(hub_admin)
    data = {
        "floor-name": "Lantai 1",
        "floor-level": "1",
        "floor-plan_width": "900",
        "floor-plan_height": "500",
    }
    response = client.post(f"/admin/hubs/{a_hub.slug}/floors", data=data)
    assert response.status_code == 302
    floor = db.session.scalar(select(Floor).where(Floor.name == "Lantai 1"))
    assert (floor.hub_id, floor.plan_width) == (a_hub.id, 900)
    assert client.get(response.headers["Location"]).status_code == 200
    again = client.post(f"/admin/hubs/{a_hub.slug}/floors", data=data)
    assert again.status_code == 422
    assert "already in use" in again.text


def resource_data(**overrides: str) -> dict[str, str]:
    return {
        "resource-name": "D01",
        "resource-kind": "desk",
        "resource-booking_mode": "whole_day",
        "resource-capacity": "1",
        "resource-slot_minutes": "30",
        "resource-min_minutes": "30",
        "resource-max_minutes": "1440",
        "resource-zone_name": "Quiet",
        "resource-x": "100",
        "resource-y": "50",
        "resource-width": "40",
        "resource-height": "30",
        "resource-amenities": "monitor, socket",
        "resource-active": "y",
    } | overrides


def test_floor_plan_editor_adds_and_places_a_desk(client, login, hub_admin, a_hub, floor) -> None:
    login(hub_admin)
    base = f"/admin/hubs/{a_hub.slug}/floors/{floor.id}"
    assert client.post(f"{base}/resources", data=resource_data()).status_code == 302
    desk = db.session.scalar(select(Resource).where(Resource.name == "D01"))
    assert (desk.x, desk.y, desk.amenities, desk.zone.name) == (
        100,
        50,
        ["monitor", "socket"],
        "Quiet",
    )
    page = client.get(base)
    assert page.status_code == 200
    assert f'data-id="{desk.id}"' in page.text
    assert "admin.js" in page.text

    place = {"place-resource_id": str(desk.id), "place-x": "0", "place-y": "300"}
    assert client.post(f"{base}/place", data=place).status_code == 302
    db.session.refresh(desk)
    assert (desk.x, desk.y) == (0, 300)
    assert audit_count("resource.create") == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resource.update"))
    assert (entry.before["x"], entry.after["x"]) == (100, 0)


def test_placing_outside_the_plan_is_refused(client, login, hub_admin, a_hub, floor) -> None:
    login(hub_admin)
    base = f"/admin/hubs/{a_hub.slug}/floors/{floor.id}"
    response = client.post(f"{base}/resources", data=resource_data(**{"resource-x": "790"}))
    assert response.status_code == 422
    assert "outside the floor plan" in response.text
    assert 'value="D01"' in response.text
    assert floor.resources == []


def test_resource_with_bad_durations_is_refused(client, login, hub_admin, a_hub, floor) -> None:
    login(hub_admin)
    base = f"/admin/hubs/{a_hub.slug}/floors/{floor.id}"
    data = resource_data(**{"resource-min_minutes": "120", "resource-max_minutes": "60"})
    response = client.post(f"{base}/resources", data=data)
    assert response.status_code == 422
    assert "must not be longer" in response.text
    assert floor.resources == []


def test_edit_and_deactivate_resource(client, login, hub_admin, a_hub, make_resource) -> None:
    desk = make_resource(a_hub, name="A01")
    login(hub_admin)
    url = f"/admin/hubs/{a_hub.slug}/resources/{desk.id}"
    assert client.get(url).status_code == 200
    data = resource_data(**{"resource-name": "A01-window", "resource-zone_name": ""})
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(desk)
    assert desk.name == "A01-window"
    assert client.post(f"{url}/active").status_code == 302
    db.session.refresh(desk)
    assert desk.active is False
    assert audit_count("resource.update") == 2


def test_resources_of_another_hub_are_out_of_reach(
    client, login, hub_admin, a_hub, other_hub, make_resource
) -> None:
    theirs = make_resource(other_hub, name="M01")
    login(hub_admin)
    # Through my hub's URL: not found. Through theirs: forbidden.
    assert client.get(f"/admin/hubs/{a_hub.slug}/resources/{theirs.id}").status_code == 404
    assert client.post(f"/admin/hubs/{a_hub.slug}/resources/{theirs.id}/active").status_code == 404
    assert client.get(f"/admin/hubs/{other_hub.slug}/resources/{theirs.id}").status_code == 403
    floor_url = f"/admin/hubs/{a_hub.slug}/floors/{theirs.floor_id}"
    assert client.get(floor_url).status_code == 404
    db.session.refresh(theirs)
    assert theirs.active is True
