"""Bridge devices: one Zigbee2MQTT installation is one device with one MQTT login, its base
topic, and a map from each sensor's friendly name to the zone or room it watches.

Adding a sensor edits the map; it needs no broker login. The map is kept by id
(`{"zone": 3}` or `{"room": 9}`), so renaming a zone or a room does not unmap its sensors;
a room's zone is looked up when the map is read, so moving a room's zone moves its sensors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Adapter, Device, Floor, Hub, Resource, ResourceKind, Zone
from app.services.errors import InvalidInput

#: Zigbee2MQTT's default base topic (its `mqtt.base_topic` setting).
DEFAULT_BASE_TOPIC = "zigbee2mqtt"
#: Base topics and friendly names are single topic segments: no wildcards, no separators.
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Zigbee2MQTT's own topics live under <base>/bridge: not a friendly name.
RESERVED_NAMES = frozenset({"bridge"})
#: Topics the gateway routes elsewhere (the protocol's root, Tasmota's prefixes).
RESERVED_BASES = frozenset({"ruang", "tele", "cmnd", "stat"})
#: More sensors than one Zigbee network carries in practice.
MAX_SENSORS = 500
_PLACES = ("zone", "room")
_EXAMPLE = '{"base_topic": "zigbee2mqtt", "sensors": {"lobby-pir": {"zone": "Lobby"}}}'


def checked_zigbee_config(
    hub: Hub, config: Mapping[str, Any], device: Device | None = None
) -> dict[str, Any]:
    """A Zigbee2MQTT device's settings, validated against the hub: a free base topic and each
    sensor mapped to one of the hub's zones or rooms (by name or id). Stored by id."""
    unknown = set(config) - {"base_topic", "sensors"}
    if unknown:
        hint = " (a Zigbee2MQTT device now maps many sensors)" if "name" in unknown else ""
        raise _invalid(f"unknown settings {sorted(unknown)}{hint}; e.g. {_EXAMPLE}", "settings")
    base = config.get("base_topic", DEFAULT_BASE_TOPIC)
    if not isinstance(base, str) or not SEGMENT.match(base) or base.lower() in RESERVED_BASES:
        raise _invalid(f"the base topic is one topic segment, e.g. {_EXAMPLE}", "base_topic")
    _require_free_base_topic(base, device)
    sensors = config.get("sensors", {})
    if not isinstance(sensors, dict) or len(sensors) > MAX_SENSORS:
        raise _invalid(f"sensors maps friendly names to a zone or room, e.g. {_EXAMPLE}", "sensors")
    mapped: dict[str, dict[str, int]] = {}
    for name, place in sensors.items():
        if not SEGMENT.match(name) or name.lower() in RESERVED_NAMES:
            raise _invalid(
                f"{name[:64]!r} is not a friendly name Ruang can route (letters, digits, . _ -)",
                "sensor_name",
            )
        mapped[name] = _checked_place(hub, name, place)
    return {"base_topic": base, "sensors": mapped}


def base_topic(config: Mapping[str, Any]) -> str:
    value = config.get("base_topic")
    return value if isinstance(value, str) else DEFAULT_BASE_TOPIC


def sensor_zones(configs: Mapping[int, Mapping[str, Any]]) -> dict[int, dict[str, int]]:
    """Per device (by Device.id), each mapped sensor's zone id; rooms without a zone drop out."""
    rooms = {
        room
        for config in configs.values()
        for place in _sensors(config).values()
        if isinstance(room := place.get("room"), int)
    }
    room_zones: dict[int, int] = {}
    if rooms:
        room_zones = {
            room_id: zone_id
            for room_id, zone_id in db.session.execute(
                select(Resource.id, Resource.zone_id).where(Resource.id.in_(rooms))
            )
            if zone_id is not None
        }
    result: dict[int, dict[str, int]] = {}
    for device_id, config in configs.items():
        zones: dict[str, int] = {}
        for name, place in _sensors(config).items():
            zone = place.get("zone")
            if not isinstance(zone, int):
                room = place.get("room")
                zone = room_zones.get(room) if isinstance(room, int) else None
            if zone is not None:
                zones[name] = zone
        result[device_id] = zones
    return result


def acl_lines(config: Mapping[str, Any]) -> list[str]:
    """The bridge's own topics: its base topic and everything under it (its sensors' states,
    their `set` commands, its `bridge/...` requests and state), nothing else."""
    return [f"topic readwrite {base_topic(config)}/#"]


def gateway_acl_lines(configs: list[Mapping[str, Any]]) -> list[str]:
    """What the gateway needs beyond config/mosquitto/acl: reading other base topics."""
    extra = sorted({base_topic(c) for c in configs} - {DEFAULT_BASE_TOPIC})
    return [f"topic read {base}/#" for base in extra]


def _sensors(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    sensors = config.get("sensors")
    if not isinstance(sensors, dict):
        return {}
    return {name: place for name, place in sensors.items() if isinstance(place, dict)}


def _checked_place(hub: Hub, name: str, place: object) -> dict[str, int]:
    if not isinstance(place, dict) or len(place) != 1 or next(iter(place)) not in _PLACES:
        raise _invalid(
            f'sensor {name!r} needs one zone or room, e.g. {{"zone": "Lobby"}}', "sensor_place"
        )
    kind, value = next(iter(place.items()))
    if kind == "zone":
        zone_id = _hub_zone(hub, value)
        if zone_id is None:
            raise _invalid(f"sensor {name!r}: no zone {value!r} at {hub.slug}", "sensor_zone")
        return {"zone": zone_id}
    room = _hub_room(hub, value)
    if room is None:
        raise _invalid(f"sensor {name!r}: no room {value!r} at {hub.slug}", "sensor_room")
    if room.zone_id is None:
        raise _invalid(
            f"sensor {name!r}: room {room.name!r} is in no zone, so it has no occupancy",
            "sensor_room_zone",
        )
    return {"room": room.id}


def _hub_zone(hub: Hub, value: object) -> int | None:
    stmt = select(Zone.id).join(Floor).where(Floor.hub_id == hub.id)
    if isinstance(value, int) and not isinstance(value, bool):
        return db.session.scalar(stmt.where(Zone.id == value))
    if isinstance(value, str) and value.strip():
        return db.session.scalar(stmt.where(Zone.name == value.strip()))
    return None


def _hub_room(hub: Hub, value: object) -> Resource | None:
    stmt = (
        select(Resource)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(Floor.hub_id == hub.id, Resource.kind == ResourceKind.ROOM)
    )
    if isinstance(value, int) and not isinstance(value, bool):
        return db.session.scalar(stmt.where(Resource.id == value))
    if isinstance(value, str) and value.strip():
        return db.session.scalar(stmt.where(Resource.name == value.strip()))
    return None


def _require_free_base_topic(base: str, device: Device | None) -> None:
    """One installation per base topic: two bridges writing it could forge each other's sensors."""
    for other in db.session.scalars(
        select(Device).where(Device.adapter == Adapter.ZIGBEE2MQTT, Device.active)
    ):
        if (device is None or other.id != device.id) and base_topic(other.adapter_config) == base:
            raise _invalid(
                f"base topic {base!r} belongs to device {other.device_id!r}", "base_topic_taken"
            )


def _invalid(message: str, reason: str) -> InvalidInput:
    return InvalidInput(message, field="adapter_config", reason=reason)
