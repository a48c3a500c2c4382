"""Doors and zones a hub admin sets up: where each door leads, which room it serves, its
anti-passback and open time, each zone's capacity, and which readers sit on which door.

Every write checks the actor administers the hub (None is the operator at the command line),
owns its transaction and is audited with it. Retiring keeps the row: access events and
occupancy history keep pointing at it. A retired door refuses every scan (its readers stay on
it, so a room door's reader never opens for anyone just because its door went away) and is
offered in no picker; a retired zone is offered nowhere and no active door may lead into it.
Writes to doors, zones and devices drop the access directory's cached entries on commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Device, DeviceKind, Door, DoorKind, Floor, Hub, Resource, User, Zone, utcnow
from app.models.spaces import ResourceKind
from app.services.audit import audited_change, record_created
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.transactions import transaction

DOOR_FIELDS = (
    "name",
    "kind",
    "zone_id",
    "from_zone_id",
    "resource_id",
    "anti_passback",
    "open_seconds",
    "retired_at",
)
ZONE_FIELDS = ("name", "floor_id", "capacity", "retired_at")
#: How long a granted door may stay unlocked: long enough for a wheelchair, short of propped.
MAX_OPEN_SECONDS = 60
MAX_ZONE_CAPACITY = 10_000


@dataclass(frozen=True)
class DoorDetails:
    """A door as an admin describes it: zones, room and readers by name or device id."""

    name: str
    kind: DoorKind
    into_zone: str = ""  # the zone passing "in" walks into
    from_zone: str = ""  # the zone passing "in" walks out of ("" = outside the hub)
    room: str = ""  # the room (or space) a room door serves
    anti_passback: bool = False
    open_seconds: int = 5


@dataclass(frozen=True)
class ZoneDetails:
    name: str
    floor: str
    capacity: int | None = None


# -- reading ------------------------------------------------------------------------------------


def list_doors(hub: Hub, include_retired: bool = False) -> list[Door]:
    stmt = (
        select(Door).where(Door.hub_id == hub.id).order_by(Door.retired_at.is_not(None), Door.name)
    )
    if not include_retired:
        stmt = stmt.where(Door.retired_at.is_(None))
    return list(db.session.scalars(stmt))


def list_zones(hub: Hub, include_retired: bool = False) -> list[Zone]:
    stmt = (
        select(Zone)
        .join(Floor)
        .where(Floor.hub_id == hub.id)
        .order_by(Zone.retired_at.is_not(None), Floor.level, Zone.name)
    )
    if not include_retired:
        stmt = stmt.where(Zone.retired_at.is_(None))
    return list(db.session.scalars(stmt))


def door_named(hub: Hub, name: str) -> Door:
    """The hub's active door called `name` (a retired one only when no active one has it)."""
    door = db.session.scalar(
        select(Door)
        .where(Door.hub_id == hub.id, Door.name == name.strip())
        .order_by(Door.retired_at.is_not(None), Door.id.desc())
        .limit(1)
    )
    if door is None:
        raise NotFound(f"no door {name!r} at {hub.slug}", field="door")
    return door


def zone_named(hub: Hub, name: str) -> Zone:
    zone = db.session.scalar(
        select(Zone)
        .join(Floor)
        .where(Floor.hub_id == hub.id, Zone.name == name.strip())
        .order_by(Zone.retired_at.is_not(None), Zone.id.desc())
        .limit(1)
    )
    if zone is None:
        raise NotFound(f"no zone {name!r} at {hub.slug}", field="zone")
    return zone


def door_of(hub: Hub, door_id: int) -> Door:
    door = db.session.get(Door, door_id)
    if door is None or door.hub_id != hub.id:
        raise NotFound(f"no door {door_id} at {hub.slug}")
    return door


def zone_of(hub: Hub, zone_id: int) -> Zone:
    zone = db.session.get(Zone, zone_id)
    if zone is None or zone.floor.hub_id != hub.id:
        raise NotFound(f"no zone {zone_id} at {hub.slug}")
    return zone


def readers_on(door: Door) -> list[Device]:
    return list(
        db.session.scalars(select(Device).where(Device.door_id == door.id).order_by(Device.name))
    )


def bookable_rooms(hub: Hub) -> list[Resource]:
    """What a room door can serve: the hub's active rooms and spaces."""
    return list(
        db.session.scalars(
            select(Resource)
            .join(Floor)
            .where(
                Floor.hub_id == hub.id,
                Resource.active,
                Resource.kind.in_((ResourceKind.ROOM, ResourceKind.SPACE)),
            )
            .order_by(Resource.name)
        )
    )


# -- doors --------------------------------------------------------------------------------------


def add_door(
    hub: Hub, details: DoorDetails, readers: Sequence[str] = (), actor: User | None = None
) -> Door:
    """Add a door and attach the readers (device ids) to it, moving them from any other door."""
    _require_admin(actor, hub)
    with transaction():
        door = Door(hub_id=hub.id, **_door_values(hub, details, None))
        record_created("door.add", door, DOOR_FIELDS, actor_id=_actor_id(actor), hub=hub)
        _attach(hub, door, readers, actor)
    return door


def edit_door(
    door: Door, details: DoorDetails, readers: Sequence[str] = (), actor: User | None = None
) -> Door:
    """Change a door; readers named here move onto it (the others stay where they are)."""
    hub = door.hub
    _require_admin(actor, hub)
    if door.is_retired:
        raise InvalidInput(f"door {door.name!r} is retired", field="door")
    with transaction():
        values = _door_values(hub, details, door)
        with audited_change(
            "door.edit", door, DOOR_FIELDS, actor_id=_actor_id(actor), hub_id=hub.id
        ):
            for name, value in values.items():
                setattr(door, name, value)
        _attach(hub, door, readers, actor)
    return door


def retire_door(door: Door, actor: User | None = None) -> Door:
    """Retire a door: it refuses scans from now on and leaves the pickers; its events stay."""
    _require_admin(actor, door.hub)
    if door.is_retired:
        return door
    with (
        transaction(),
        audited_change(
            "door.retire", door, DOOR_FIELDS, actor_id=_actor_id(actor), hub_id=door.hub_id
        ),
    ):
        door.retired_at = utcnow()
    return door


def move_reader(device: Device, door: Door, actor: User | None = None) -> Device:
    """Put a reader on another door of its hub."""
    _require_admin(actor, door.hub)
    with transaction():
        _attach(door.hub, door, [device.device_id], actor)
    return device


def _attach(hub: Hub, door: Door, device_ids: Sequence[str], actor: User | None) -> None:
    for device_id in dict.fromkeys(d.strip() for d in device_ids if d.strip()):
        device = db.session.scalar(select(Device).where(Device.device_id == device_id))
        if device is None or device.hub_id != hub.id:
            raise InvalidInput(f"no reader {device_id!r} at {hub.slug}", field="readers")
        if device.kind is not DeviceKind.READER:
            raise InvalidInput(f"{device_id!r} is a sensor, not a door reader", field="readers")
        with audited_change(
            "device.move", device, ("door_id",), actor_id=_actor_id(actor), hub_id=hub.id
        ):
            device.door_id = door.id


def _door_values(hub: Hub, details: DoorDetails, door: Door | None) -> dict[str, object]:
    name = details.name.strip()
    if not 0 < len(name) <= 100:
        raise InvalidInput("a door needs a name (at most 100 characters)", field="name")
    taken = db.session.scalar(
        select(Door.id).where(
            Door.hub_id == hub.id,
            Door.name == name,
            Door.retired_at.is_(None),
            Door.id != (door.id if door is not None else -1),
        )
    )
    if taken is not None:
        raise InvalidInput(f"{hub.slug} already has a door called {name!r}", field="name")
    if not 1 <= details.open_seconds <= MAX_OPEN_SECONDS:
        raise InvalidInput(
            f"a door opens for 1 to {MAX_OPEN_SECONDS} seconds", field="open_seconds"
        )
    into = _active_zone(hub, details.into_zone, "into_zone")
    out_of = _active_zone(hub, details.from_zone, "from_zone")
    if into is not None and out_of is not None and into.id == out_of.id:
        raise InvalidInput("a door leads from one zone into another", field="from_zone")
    room: Resource | None = None
    if details.kind is DoorKind.ROOM:
        room = next((r for r in bookable_rooms(hub) if r.name == details.room.strip()), None)
        if room is None:
            raise InvalidInput(f"a room door needs a room of {hub.slug} to serve", field="room")
    elif details.room.strip():
        raise InvalidInput("only a room door serves a room", field="room")
    return {
        "name": name,
        "kind": details.kind,
        "zone_id": into.id if into else None,
        "from_zone_id": out_of.id if out_of else None,
        "resource_id": room.id if room else None,
        "anti_passback": details.anti_passback,
        "open_seconds": details.open_seconds,
    }


def _active_zone(hub: Hub, name: str, field: str) -> Zone | None:
    if not name.strip():
        return None
    zone = next((z for z in list_zones(hub) if z.name == name.strip()), None)
    if zone is None:
        raise InvalidInput(f"no zone {name.strip()!r} at {hub.slug}", field=field)
    return zone


# -- zones --------------------------------------------------------------------------------------


def add_zone(hub: Hub, details: ZoneDetails, actor: User | None = None) -> Zone:
    _require_admin(actor, hub)
    with transaction():
        zone = Zone(**_zone_values(hub, details, None))
        record_created("zone.add", zone, ZONE_FIELDS, actor_id=_actor_id(actor), hub=hub)
    return zone


def edit_zone(zone: Zone, details: ZoneDetails, actor: User | None = None) -> Zone:
    hub = zone.floor.hub
    _require_admin(actor, hub)
    if zone.retired_at is not None:
        raise InvalidInput(f"zone {zone.name!r} is retired", field="zone")
    with transaction():
        values = _zone_values(hub, details, zone)
        with audited_change(
            "zone.edit", zone, ZONE_FIELDS, actor_id=_actor_id(actor), hub_id=hub.id
        ):
            for name, value in values.items():
                setattr(zone, name, value)
    return zone


def retire_zone(zone: Zone, actor: User | None = None) -> Zone:
    """Retire a zone no active door leads into or out of and no active sensor reports on."""
    hub = zone.floor.hub
    _require_admin(actor, hub)
    if zone.retired_at is not None:
        return zone
    door = db.session.scalar(
        select(Door.name).where(
            or_(Door.zone_id == zone.id, Door.from_zone_id == zone.id), Door.retired_at.is_(None)
        )
    )
    if door is not None:
        raise InvalidInput(f"door {door!r} still leads into or out of {zone.name!r}", field="zone")
    sensor = db.session.scalar(
        select(Device.device_id).where(Device.zone_id == zone.id, Device.active)
    )
    if sensor is not None:
        raise InvalidInput(f"sensor {sensor!r} still reports on {zone.name!r}", field="zone")
    with (
        transaction(),
        audited_change("zone.retire", zone, ZONE_FIELDS, actor_id=_actor_id(actor), hub_id=hub.id),
    ):
        zone.retired_at = utcnow()
    return zone


def _zone_values(hub: Hub, details: ZoneDetails, zone: Zone | None) -> dict[str, object]:
    name = details.name.strip()
    if not 0 < len(name) <= 100:
        raise InvalidInput("a zone needs a name (at most 100 characters)", field="name")
    floor = next((f for f in hub.floors if f.name == details.floor.strip()), None)
    if floor is None:
        raise InvalidInput(f"no floor {details.floor.strip()!r} at {hub.slug}", field="floor")
    if details.capacity is not None and not 1 <= details.capacity <= MAX_ZONE_CAPACITY:
        raise InvalidInput(
            f"a zone holds 1 to {MAX_ZONE_CAPACITY} people (or leave it uncapped)",
            field="capacity",
        )
    clash = next(
        (z for z in floor.zones if z.name == name and (zone is None or z.id != zone.id)), None
    )
    if clash is not None:
        state = " (retired)" if clash.retired_at is not None else ""
        raise InvalidInput(f"{floor.name} already has a zone {name!r}{state}", field="name")
    return {"name": name, "floor_id": floor.id, "capacity": details.capacity}


# -- helpers ------------------------------------------------------------------------------------


def _require_admin(actor: User | None, hub: Hub) -> None:
    if actor is not None and not actor.can_administer(hub.id):
        raise Forbidden("only the hub's admins set up its doors and zones")


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None
