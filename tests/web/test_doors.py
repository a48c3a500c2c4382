"""Doors and zones pages: staff see them, hub admins add, edit and retire doors and zones and
move readers; a form that makes no sense says what is wrong next to the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry, DeviceKind, Door, DoorKind, Floor, Role
from app.services.devices import doors as door_admin
from app.services.devices import registry as device_admin
from app.services.devices.doors import DoorDetails, ZoneDetails


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def hub_admin(make_member, a_hub):
    return make_member(plan=None, name="Adi Admin", roles=[(Role.HUB_ADMIN, a_hub)])


@pytest.fixture
def setup(a_hub, session):
    session.add(Floor(name="Lantai 1", hub=a_hub))
    session.commit()
    door_admin.add_zone(a_hub, ZoneDetails("Area Kerja", "Lantai 1", 40))
    device_admin.register_device(
        a_hub, device_admin.DeviceDetails("lobby-1", "Lobby reader", DeviceKind.READER)
    )
    return door_admin.add_door(
        a_hub, DoorDetails("Pintu Utama", DoorKind.ENTRANCE, into_zone="Area Kerja"), ["lobby-1"]
    )


def test_staff_see_where_doors_lead_but_cannot_change_them(
    client, login, staff, a_hub, setup
) -> None:
    page = login(staff).get(f"/devices/{a_hub.slug}/doors")
    assert page.status_code == 200
    assert "Pintu Utama" in page.text
    assert "from outside into Area Kerja" in page.text
    assert "lobby-1" in page.text
    assert "Add a door" not in page.text
    assert "/doors" in login(staff).get(f"/devices/{a_hub.slug}/").text
    data = {"door-name": "X", "door-kind": "entrance", "door-open_seconds": "5"}
    assert client.post(f"/devices/{a_hub.slug}/doors", data=data).status_code == 403
    assert client.post(f"/devices/{a_hub.slug}/doors/{setup.id}/retire").status_code == 403


def test_a_hub_admin_adds_a_door_with_a_reader_moved_onto_it(
    client, login, hub_admin, a_hub, setup, session
) -> None:
    answer = login(hub_admin).post(
        f"/devices/{a_hub.slug}/doors",
        data={
            "door-name": "Pintu Fokus",
            "door-kind": "entrance",
            "door-from_zone": "Area Kerja",
            "door-into_zone": "",
            "door-room": "",
            "door-open_seconds": "7",
            "door-anti_passback": "y",
            "door-readers": ["lobby-1"],
        },
    )
    assert answer.status_code == 302
    door = session.scalar(select(Door).where(Door.name == "Pintu Fokus"))
    assert door is not None
    assert door.from_zone is not None
    assert (door.anti_passback, door.open_seconds, door.zone_id) == (True, 7, None)
    assert [d.device_id for d in door_admin.readers_on(door)] == ["lobby-1"]
    assert door_admin.readers_on(setup) == []
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == hub_admin.id))
    assert sorted(actions) == ["device.move", "door.add"]


def test_the_door_form_says_what_is_wrong(client, login, hub_admin, a_hub, setup) -> None:
    answer = login(hub_admin).post(
        f"/devices/{a_hub.slug}/doors",
        data={"door-name": "Ruang", "door-kind": "room", "door-open_seconds": "5"},
    )
    assert answer.status_code == 422
    assert "A room door serves one of the hub&#39;s rooms" in answer.text
    same = login(hub_admin).post(
        f"/devices/{a_hub.slug}/doors",
        data={
            "door-name": "Dua",
            "door-kind": "entrance",
            "door-from_zone": "Area Kerja",
            "door-into_zone": "Area Kerja",
            "door-open_seconds": "5",
        },
    )
    assert same.status_code == 422
    assert "choose two different zones" in same.text


def test_a_hub_admin_edits_and_retires_a_door(
    client, login, hub_admin, a_hub, setup, session
) -> None:
    browser = login(hub_admin)
    form = browser.get(f"/devices/{a_hub.slug}/doors/{setup.id}")
    assert form.status_code == 200
    assert 'value="Pintu Utama"' in form.text
    saved = browser.post(
        f"/devices/{a_hub.slug}/doors/{setup.id}",
        data={
            "door-name": "Pintu Utama",
            "door-kind": "entrance",
            "door-into_zone": "Area Kerja",
            "door-open_seconds": "12",
            "door-readers": ["lobby-1"],
        },
    )
    assert saved.status_code == 302
    assert setup.open_seconds == 12
    retired = browser.post(f"/devices/{a_hub.slug}/doors/{setup.id}/retire")
    assert retired.status_code == 302
    assert setup.is_retired
    page = browser.get(f"/devices/{a_hub.slug}/doors")
    assert 'name="door-name"' in page.text
    assert 'name="zone-capacity"' in page.text
    assert "Retired" in page.text
    assert "refuse every scan" in page.text


def test_a_hub_admin_adds_edits_and_retires_a_zone(
    client, login, hub_admin, a_hub, setup, session
) -> None:
    browser = login(hub_admin)
    added = browser.post(
        f"/devices/{a_hub.slug}/zones",
        data={"zone-name": "Ruang Fokus", "zone-floor": "Lantai 1", "zone-capacity": "2"},
    )
    assert added.status_code == 302
    zone = door_admin.zone_named(a_hub, "Ruang Fokus")
    assert zone.capacity == 2
    edited = browser.post(
        f"/devices/{a_hub.slug}/zones/{zone.id}",
        data={"zone-name": "Ruang Fokus", "zone-floor": "Lantai 1", "zone-capacity": ""},
    )
    assert edited.status_code == 302
    assert zone.capacity is None
    browser.post(f"/devices/{a_hub.slug}/zones/{zone.id}/retire")
    assert zone.retired_at is not None
    used = door_admin.zone_named(a_hub, "Area Kerja")
    browser.post(f"/devices/{a_hub.slug}/zones/{used.id}/retire")
    assert used.retired_at is None
    assert "still uses this zone" in browser.get(f"/devices/{a_hub.slug}/doors").text


def test_another_hubs_door_is_not_found(client, login, make_member, make_hub, a_hub, setup) -> None:
    other = make_hub()
    admin = make_member(plan=None, roles=[(Role.HUB_ADMIN, other)])
    assert login(admin).get(f"/devices/{other.slug}/doors/{setup.id}").status_code == 404
