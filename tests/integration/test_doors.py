"""Doors and zones a hub admin sets up (app/services/devices/doors.py and `flask ruang door|zone`):
where a door leads, its readers, retiring, the audit trail, and what the access decision makes
of it (a retired door, the zone a door leads into either way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    AccessEvent,
    AuditEntry,
    Device,
    DeviceKind,
    Direction,
    Door,
    DoorKind,
    Floor,
    Hub,
    ResourceKind,
    Role,
    Zone,
)
from app.services.access import passes
from app.services.access.decision import AccessRequest, Reason, decide_access
from app.services.access.keys import Keyring, generate_key
from app.services.devices import doors as door_admin
from app.services.devices import registry as device_admin
from app.services.devices.doors import DoorDetails, ZoneDetails
from app.services.errors import Forbidden, InvalidInput

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(tmp_path, session) -> Keyring:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    return ring


@pytest.fixture
def floor(a_hub: Hub, session: Session) -> Floor:
    floor = Floor(name="Lantai 1", hub=a_hub)
    session.add(floor)
    session.commit()
    return floor


@pytest.fixture
def admin(make_member, a_hub):
    return make_member(plan=None, name="Adi Admin", roles=[(Role.HUB_ADMIN, a_hub)])


def zones(hub: Hub, *specs: tuple[str, int | None]) -> None:
    for name, capacity in specs:
        door_admin.add_zone(hub, ZoneDetails(name, "Lantai 1", capacity))


def reader(hub: Hub, device_id: str) -> Device:
    details = device_admin.DeviceDetails(device_id, f"Reader {device_id}", DeviceKind.READER)
    return device_admin.register_device(hub, details).device


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def scan(keyring: Keyring, clock):
    """Scan a member's pass at a door, a minute after the last scan: a rotating code opens each
    way once, so each scan shows a fresh one."""
    now = [NINE]

    def decide(hub: Hub, member, door: Door, direction: Direction = Direction.IN):
        now[0] += timedelta(minutes=1)
        clock(now[0])
        token = passes.rotating_token(keyring, member.id).token
        return decide_access(AccessRequest(token, hub.id, door.id, direction))

    return decide


def test_a_hub_admin_sets_up_a_door_from_one_zone_into_another_with_its_readers(
    a_hub, floor, admin, session
) -> None:
    zones(a_hub, ("Area Kerja", 80), ("Ruang Fokus", 2))
    lobby = reader(a_hub, "lobby-1")
    details = DoorDetails(
        "Pintu Fokus",
        DoorKind.ENTRANCE,
        into_zone="Ruang Fokus",
        from_zone="Area Kerja",
        anti_passback=True,
        open_seconds=8,
    )
    door = door_admin.add_door(a_hub, details, ["lobby-1"], admin)

    assert door.zone is not None
    assert door.zone.name == "Ruang Fokus"
    assert door.from_zone is not None
    assert door.from_zone.name == "Area Kerja"
    assert (door.anti_passback, door.open_seconds) == (True, 8)
    assert lobby.door_id == door.id
    [added] = audit("door.add")
    assert added.actor_id == admin.id
    assert added.hub_id == a_hub.id
    assert added.after is not None
    assert added.after["from_zone_id"] == door.from_zone_id
    [moved] = audit("device.move")
    assert moved.before == {"door_id": None}
    assert moved.after == {"door_id": door.id}
    assert [z.name for z in door_admin.list_zones(a_hub)] == ["Area Kerja", "Ruang Fokus"]
    assert len(audit("zone.add")) == 2


def test_a_reader_moves_to_another_door_and_a_room_door_serves_a_room(
    a_hub, floor, admin, make_resource, session
) -> None:
    room = make_resource(a_hub, kind=ResourceKind.ROOM, name="Ruang Rapat Monas")
    reader(a_hub, "lobby-1")
    main = door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE), ["lobby-1"])
    monas = door_admin.add_door(
        a_hub, DoorDetails("Pintu Monas", DoorKind.ROOM, room="Ruang Rapat Monas")
    )
    assert monas.resource_id == room.id

    edited = door_admin.edit_door(
        monas, DoorDetails("Pintu Monas", DoorKind.ROOM, room=room.name, open_seconds=3),
        ["lobby-1"], admin,
    )  # fmt: skip

    assert door_admin.readers_on(main) == []
    assert [d.device_id for d in door_admin.readers_on(edited)] == ["lobby-1"]
    [change] = audit("door.edit")
    assert change.before is not None
    assert change.before["open_seconds"] == 5
    assert change.after is not None
    assert change.after["open_seconds"] == 3
    assert audit("device.move")[-1].before == {"door_id": main.id}


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (DoorDetails("", DoorKind.ENTRANCE), "name"),
        (DoorDetails("Utama", DoorKind.ENTRANCE), "name"),  # taken
        (DoorDetails("Baru", DoorKind.ENTRANCE, open_seconds=0), "open_seconds"),
        (DoorDetails("Baru", DoorKind.ENTRANCE, open_seconds=61), "open_seconds"),
        (DoorDetails("Baru", DoorKind.ENTRANCE, into_zone="Nowhere"), "into_zone"),
        (DoorDetails("Baru", DoorKind.ENTRANCE, into_zone="A", from_zone="A"), "from_zone"),
        (DoorDetails("Baru", DoorKind.ROOM), "room"),
        (DoorDetails("Baru", DoorKind.ENTRANCE, room="Hot Desk"), "room"),
    ],
)
def test_a_door_that_makes_no_sense_is_refused_and_nothing_changes(
    a_hub, floor, session, details, field
) -> None:
    zones(a_hub, ("A", None))
    door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE))
    before = session.scalar(select(func.count()).select_from(AuditEntry))

    with pytest.raises(InvalidInput) as refused:
        door_admin.add_door(a_hub, details)

    assert refused.value.details["field"] == field
    assert [d.name for d in door_admin.list_doors(a_hub)] == ["Utama"]
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_sensor_or_another_hubs_reader_cannot_go_on_a_door(
    a_hub, floor, make_hub, session
) -> None:
    zones(a_hub, ("A", None))
    sensor = device_admin.DeviceDetails("pir-1", "PIR", DeviceKind.SENSOR, zone_name="A")
    device_admin.register_device(a_hub, sensor)
    reader(make_hub(), "elsewhere-1")
    for device_id in ("pir-1", "elsewhere-1"):
        with pytest.raises(InvalidInput) as refused:
            door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE), [device_id])
        assert refused.value.details["field"] == "readers"
    assert door_admin.list_doors(a_hub) == []  # the door went with the refusal


def test_only_the_hubs_admins_set_up_its_doors_and_zones(
    a_hub, floor, make_hub, make_member, session
) -> None:
    desk = make_member(plan=None, roles=[(Role.FRONTDESK, a_hub)])
    elsewhere = make_member(plan=None, roles=[(Role.HUB_ADMIN, make_hub())])
    for actor in (desk, elsewhere):
        with pytest.raises(Forbidden):
            door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE), actor=actor)
        with pytest.raises(Forbidden):
            door_admin.add_zone(a_hub, ZoneDetails("A", "Lantai 1"), actor=actor)
    assert door_admin.list_doors(a_hub) == []


def test_a_retired_door_refuses_every_scan_keeps_its_history_and_leaves_the_pickers(
    scan, a_hub, floor, a_member, admin, session
) -> None:
    reader(a_hub, "lobby-1")
    door = door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE), ["lobby-1"])
    assert scan(a_hub, a_member, door).granted  # and the door is now cached

    door_admin.retire_door(door, admin)
    refused = scan(a_hub, a_member, door)

    assert refused.reason == Reason.DOOR_RETIRED
    assert not refused.granted
    history = session.scalars(select(AccessEvent).where(AccessEvent.door_id == door.id)).all()
    assert [e.reason for e in history] == [Reason.GRANTED, Reason.DOOR_RETIRED]
    assert door_admin.list_doors(a_hub) == []
    assert door_admin.list_doors(a_hub, include_retired=True) == [door]
    assert [d.device_id for d in door_admin.readers_on(door)] == ["lobby-1"]  # still on it
    with pytest.raises(InvalidInput):
        device_admin.register_device(
            a_hub, device_admin.DeviceDetails("lobby-2", "R", DeviceKind.READER, door_name="Utama")
        )
    with pytest.raises(InvalidInput):
        door_admin.edit_door(door, DoorDetails("Utama", DoorKind.EXIT))
    [retired] = audit("door.retire")
    assert retired.actor_id == admin.id
    # Its name is free again for a new door.
    assert door_admin.add_door(a_hub, DoorDetails("Utama", DoorKind.ENTRANCE)).id != door.id


def test_a_zone_is_retired_only_when_no_active_door_or_sensor_uses_it(
    a_hub, floor, session
) -> None:
    zones(a_hub, ("A", None), ("B", 5))
    door = door_admin.add_door(a_hub, DoorDetails("Ke B", DoorKind.ENTRANCE, into_zone="B"))
    b = door_admin.zone_named(a_hub, "B")
    with pytest.raises(InvalidInput, match="Ke B"):
        door_admin.retire_zone(b)
    door_admin.retire_door(door)
    door_admin.retire_zone(b)
    assert [z.name for z in door_admin.list_zones(a_hub)] == ["A"]
    with pytest.raises(InvalidInput) as refused:
        door_admin.add_door(a_hub, DoorDetails("Ke B lagi", DoorKind.ENTRANCE, into_zone="B"))
    assert refused.value.details["field"] == "into_zone"
    with pytest.raises(InvalidInput) as taken:
        door_admin.add_zone(a_hub, ZoneDetails("B", "Lantai 1"))
    assert "retired" in taken.value.message


def test_zone_capacity_counts_the_zone_a_door_leads_into_either_way(
    scan, a_hub, floor, make_member, session
) -> None:
    """A door from Area into Fokus: going in fills Fokus; going out through it empties Fokus.
    A door from Fokus into Teras: going out through it walks into Fokus, so it is refused
    while Fokus is full."""
    zones(a_hub, ("Area", None), ("Fokus", 1), ("Teras", None))
    into_focus = door_admin.add_door(
        a_hub, DoorDetails("Fokus", DoorKind.ENTRANCE, from_zone="Area", into_zone="Fokus")
    )
    terrace = door_admin.add_door(
        a_hub, DoorDetails("Teras", DoorKind.ENTRANCE, from_zone="Fokus", into_zone="Teras")
    )
    first, second, third = make_member(), make_member(), make_member()

    assert scan(a_hub, first, into_focus).granted
    assert scan(a_hub, second, into_focus).reason == Reason.ZONE_FULL
    assert scan(a_hub, third, terrace, Direction.OUT).reason == Reason.ZONE_FULL
    assert scan(a_hub, first, terrace).granted  # Fokus -> Teras: Fokus is empty
    assert scan(a_hub, second, into_focus).granted
    assert scan(a_hub, second, into_focus, Direction.OUT).granted  # back to Area
    assert scan(a_hub, third, terrace, Direction.OUT).granted  # Teras -> Fokus


def test_an_edited_zone_capacity_counts_at_the_next_scan(
    scan, a_hub, floor, make_member, session
) -> None:
    zones(a_hub, ("Fokus", 1))
    door = door_admin.add_door(a_hub, DoorDetails("Fokus", DoorKind.ENTRANCE, into_zone="Fokus"))
    first, second = make_member(), make_member()
    assert scan(a_hub, first, door).granted
    assert scan(a_hub, second, door).reason == Reason.ZONE_FULL  # door cached
    door_admin.edit_zone(door_admin.zone_named(a_hub, "Fokus"), ZoneDetails("Fokus", "Lantai 1", 2))
    assert scan(a_hub, second, door).granted
    [edited] = audit("zone.edit")
    assert (edited.before, edited.after) == (
        {"name": "Fokus", "floor_id": floor.id, "capacity": 1, "retired_at": None},
        {"name": "Fokus", "floor_id": floor.id, "capacity": 2, "retired_at": None},
    )


# -- the command line ----------------------------------------------------------------------------


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["ruang", *args])


def test_the_door_and_zone_commands_set_up_list_and_retire(app, a_hub, floor, session) -> None:
    reader(a_hub, "lobby-1")
    hub = ["--hub", a_hub.slug]
    steps = [
        ["zone", "add", *hub, "--floor", "Lantai 1", "--name", "Area", "--capacity", "40"],
        ["zone", "add", *hub, "--floor", "Lantai 1", "--name", "Fokus", "--capacity", "2"],
        ["door", "add", *hub, "--name", "Utama", "--kind", "entrance", "--into", "Area",
         "--anti-passback", "--reader", "lobby-1"],
        ["door", "add", *hub, "--name", "Fokus", "--kind", "entrance", "--from", "Area",
         "--into", "Fokus"],
        ["door", "edit", *hub, "Fokus", "--open-seconds", "9", "--reader", "lobby-1"],
        ["zone", "edit", *hub, "Area", "--capacity", "none"],
    ]  # fmt: skip
    for step in steps:
        result = cli(app, *step)
        assert result.exit_code == 0, result.output
    listed = cli(app, "door", "list", *hub).output
    assert "Utama: entrance; from outside into Area; anti-passback" in listed
    assert (
        "Fokus: entrance; from Area into Fokus; no anti-passback; opens 9 s; readers: lobby-1"
        in listed
    )
    assert "Area: Lantai 1; no cap" in cli(app, "zone", "list", *hub).output

    assert cli(app, "door", "retire", *hub, "Fokus").exit_code == 0
    assert "Fokus" not in cli(app, "door", "list", *hub).output
    assert "RETIRED" in cli(app, "door", "list", *hub, "--all").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["door", "add", "--name", "X", "--kind", "room"], "needs a room"),
        (["door", "add", "--name", "X", "--kind", "entrance", "--into", "Nope"], "no zone 'Nope'"),
        (["door", "add", "--name", "X", "--kind", "exit", "--open-seconds", "0"], "1 to 60"),
        (["door", "edit", "Nope", "--open-seconds", "3"], "no door 'Nope'"),
        (["door", "retire", "Nope"], "no door 'Nope'"),
        (["zone", "add", "--floor", "Lantai 9", "--name", "Z"], "no floor 'Lantai 9'"),
        (["zone", "add", "--floor", "Lantai 1", "--name", "Z", "--capacity", "0"], "1 to 10000"),
        (["zone", "retire", "Nope"], "no zone 'Nope'"),
    ],
)
def test_a_command_that_makes_no_sense_fails_with_a_message_and_changes_nothing(
    app, a_hub, floor, session, args, message
) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    result = cli(app, *args[:2], "--hub", a_hub.slug, *args[2:])
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert session.scalar(select(func.count()).select_from(Door)) == 0
    assert session.scalar(select(func.count()).select_from(Zone)) == 0
