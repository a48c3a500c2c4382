"""The device registry: register readers and sensors, issue and rotate their MQTT credentials,
and write the broker's password file and per-device ACL from the registry.

A device's MQTT password is shown once, when it is issued; only its Mosquitto `$7$` hash is
stored. Staff actions (actor given) are audited; the CLI acts as the operator (actor None).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AccessEvent, Adapter, Device, DeviceKind, Door, Floor, Hub, User, Zone
from app.services.audit import record, record_created, snapshot
from app.services.devices import bridges
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.transactions import transaction
from config.mosquitto.passwords import hash_password, new_password, password_line
from devices import protocol

#: The gateway's MQTT username (config/mosquitto/acl gives it ruang/# and the adapter topics).
GATEWAY_USER = "ruang-gateway"
#: Where the gateway's password is kept when RUANG_MQTT_GATEWAY_PASSWORD is not set.
GATEWAY_PASSWORD_FILE = Path("mosquitto") / "gateway-password"
#: protocol.py's rule for the device segment of a topic (and Mosquitto's for a username).
DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Tasmota topics become topic segments: no wildcards, no separators.
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEVICE_FIELDS = ("device_id", "name", "kind", "adapter", "adapter_config", "door_id", "zone_id")


@dataclass(frozen=True)
class DeviceDetails:
    device_id: str
    name: str
    kind: DeviceKind
    adapter: Adapter = Adapter.NATIVE
    adapter_config: dict[str, Any] = field(default_factory=dict)
    door_name: str = ""
    zone_name: str = ""


@dataclass(frozen=True)
class IssuedCredentials:
    """What a device needs to log in to the broker. The password is not stored anywhere."""

    device: Device
    username: str
    password: str


# -- reading ------------------------------------------------------------------------------------


def list_devices(hub: Hub | None = None) -> list[Device]:
    """The hub's devices (every hub's when None), active first, by name."""
    stmt = select(Device).order_by(Device.active.desc(), Device.name, Device.device_id)
    if hub is not None:
        stmt = stmt.where(Device.hub_id == hub.id)
    return list(db.session.scalars(stmt))


def device_of(hub: Hub, device_id: str) -> Device:
    """The hub's device with that id, or NotFound (another hub's device is not found here)."""
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    if device is None or device.hub_id != hub.id:
        raise NotFound(f"no device {device_id!r} at {hub.slug}")
    return device


def find_device(device_id: str) -> Device:
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    return device


def recent_events(device: Device, limit: int = 5) -> list[AccessEvent]:
    """The latest access events at the reader's door (a sensor or a reader without a door has
    none)."""
    if device.door_id is None:
        return []
    stmt = (
        select(AccessEvent)
        .where(AccessEvent.door_id == device.door_id)
        .order_by(AccessEvent.decided_at.desc(), AccessEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# -- writing ------------------------------------------------------------------------------------


def register_device(
    hub: Hub, details: DeviceDetails, actor: User | None = None
) -> IssuedCredentials:
    """Add a device to the hub and issue its MQTT password (returned once, stored hashed)."""
    _require_admin(actor, hub)
    with transaction():
        device = Device(
            device_id=_checked_device_id(details.device_id),
            hub_id=hub.id,
            name=_checked_name(details.name),
            kind=details.kind,
            adapter=details.adapter,
            adapter_config=checked_adapter_config(hub, details.adapter, details.adapter_config),
            door_id=_door_id(hub, details.door_name),
            zone_id=_zone_id(hub, details.zone_name),
        )
        password = new_password()
        device.mqtt_password_hash = hash_password(password)
        record_created("device.add", device, DEVICE_FIELDS, actor_id=_actor_id(actor), hub=hub)
    return IssuedCredentials(device, device.device_id, password)


def configure_adapter(device: Device, config: dict[str, Any], actor: User | None = None) -> Device:
    """Change a device's adapter settings (e.g. map another Zigbee2MQTT sensor), validated as
    when it was added. The broker's ACL follows once its files are written again."""
    _require_admin(actor, device.hub)
    with transaction():
        before = snapshot(device, ("adapter_config",))
        device.adapter_config = checked_adapter_config(device.hub, device.adapter, config, device)
        record(
            "device.configure",
            device,
            actor_id=_actor_id(actor),
            hub_id=device.hub_id,
            before=before,
            after=snapshot(device, ("adapter_config",)),
        )
    return device


def rotate_password(device: Device, actor: User | None = None) -> IssuedCredentials:
    """Issue a new MQTT password; the old one stops working when the broker reloads its file."""
    _require_admin(actor, device.hub)
    with transaction():
        password = new_password()
        device.mqtt_password_hash = hash_password(password)
        record(
            "device.rotate_password",
            device,
            actor_id=_actor_id(actor),
            hub_id=device.hub_id,
            after={"device_id": device.device_id},
        )
    return IssuedCredentials(device, device.device_id, password)


def set_active(device: Device, active: bool, actor: User | None = None) -> Device:
    """Deactivate (or reactivate) a device: an inactive device is left out of the broker's
    password file, so it can no longer log in once the broker reloads."""
    _require_admin(actor, device.hub)
    with transaction():
        before = snapshot(device, ("active",))
        device.active = active
        record(
            "device.activate" if active else "device.deactivate",
            device,
            actor_id=_actor_id(actor),
            hub_id=device.hub_id,
            before=before,
            after=snapshot(device, ("active",)),
        )
    return device


# -- the broker's files ---------------------------------------------------------------------------


def password_file_lines(gateway_password: str) -> list[str]:
    """The broker's password file: the gateway user, then every active device with a password."""
    lines = [
        "# Written by `flask ruang device passwords` from the device registry. Do not edit.",
        password_line(GATEWAY_USER, hash_password(gateway_password)),
    ]
    stmt = (
        select(Device)
        .where(Device.active.is_(True), Device.mqtt_password_hash.is_not(None))
        .order_by(Device.device_id)
    )
    for device in db.session.scalars(stmt):
        assert device.mqtt_password_hash is not None
        lines.append(password_line(device.device_id, device.mqtt_password_hash))
    return lines


def acl_file_lines(base_acl: str) -> list[str]:
    """The project's ACL (config/mosquitto/acl) plus one stanza per active device: a native
    device reads its hub's keys and revocation list, a Tasmota scanner or a Zigbee2MQTT
    installation reaches only its own third-party topics."""
    lines = base_acl.rstrip("\n").splitlines()
    stmt = (
        select(Device)
        .where(Device.active.is_(True))
        .options(selectinload(Device.hub))
        .order_by(Device.device_id)
    )
    active = list(db.session.scalars(stmt))
    for device in active:
        lines += ["", f"# {device.name} ({device.adapter.value})", f"user {device.device_id}"]
        lines += _device_topics(device)
    gateway = bridges.gateway_acl_lines(
        [d.adapter_config for d in active if d.adapter is Adapter.ZIGBEE2MQTT]
    )
    if gateway:
        lines += [
            "",
            "# The gateway reads the other Zigbee2MQTT base topics",
            f"user {GATEWAY_USER}",
        ]
        lines += gateway
    return lines


def gateway_password(config: Mapping[str, Any], instance_dir: Path) -> str:
    """RUANG_MQTT_GATEWAY_PASSWORD, else the one in RUANG_MQTT_URL (when its user is the
    gateway's), else the instance's own (generated once, mode 0600)."""
    configured = config.get("RUANG_MQTT_GATEWAY_PASSWORD")
    if configured:
        return str(configured)
    url = urlsplit(config.get("RUANG_MQTT_URL") or "")
    if url.username == GATEWAY_USER and url.password:
        return unquote(url.password)
    path = instance_dir / GATEWAY_PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = new_password()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def checked_adapter_config(
    hub: Hub, adapter: Adapter, config: dict[str, Any], device: Device | None = None
) -> dict[str, Any]:
    """The adapter's settings, validated: Tasmota needs its topic and relay, Zigbee2MQTT its
    base topic and sensor map (bridges.checked_zigbee_config)."""
    if adapter is Adapter.NATIVE:
        if config:
            raise InvalidInput("a native device takes no adapter settings", field="adapter_config")
        return {}
    if adapter is Adapter.TASMOTA_GM861:
        topic, relay = config.get("topic"), config.get("relay", 1)
        if not isinstance(topic, str) or not ADAPTER_NAME.match(topic):
            raise InvalidInput(
                'Tasmota needs its MQTT topic, e.g. {"topic": "tasmota_5AB1C2", "relay": 1}',
                field="adapter_config",
            )
        if isinstance(relay, bool) or not isinstance(relay, int) or not 1 <= relay <= 8:
            raise InvalidInput("the relay is a number from 1 to 8", field="adapter_config")
        return {"topic": topic, "relay": relay}
    return bridges.checked_zigbee_config(hub, config, device)


def parse_adapter_config(text: str) -> dict[str, Any]:
    """A JSON object typed at the command line or in a form ("" is no settings)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInput("adapter settings must be JSON", field="adapter_config") from None
    if not isinstance(value, dict):
        raise InvalidInput("adapter settings must be a JSON object", field="adapter_config")
    return value


# -- helpers --------------------------------------------------------------------------------------


def _device_topics(device: Device) -> list[str]:
    if device.adapter is Adapter.NATIVE:
        # Per user, not a pattern: Mosquitto warns about patterns without %u or %c.
        return [
            f"topic read {protocol.keys_topic(device.hub.slug)}",
            f"topic read {protocol.revocations_topic(device.hub.slug)}",
        ]
    if device.adapter is Adapter.TASMOTA_GM861:
        topic = device.adapter_config["topic"]
        return [
            f"topic write tele/{topic}/#",
            f"topic write stat/{topic}/#",
            f"topic read cmnd/{topic}/#",
        ]
    return bridges.acl_lines(device.adapter_config)


def _require_admin(actor: User | None, hub: Hub) -> None:
    if actor is not None and not actor.can_administer(hub.id):
        raise Forbidden("only the hub's admins manage its devices")


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def _checked_device_id(device_id: str) -> str:
    if not DEVICE_ID.match(device_id) or device_id == GATEWAY_USER:
        raise InvalidInput(
            "a device id is lowercase letters, digits, - and _ (at most 64)", field="device_id"
        )
    if db.session.scalar(select(Device.id).where(Device.device_id == device_id)) is not None:
        raise InvalidInput(f"device id {device_id!r} is taken", field="device_id")
    return device_id


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 100:
        raise InvalidInput("a device needs a name (at most 100 characters)", field="name")
    return name


def _door_id(hub: Hub, name: str) -> int | None:
    if not name.strip():
        return None
    door_id = db.session.scalar(
        select(Door.id).where(
            Door.hub_id == hub.id, Door.name == name.strip(), Door.retired_at.is_(None)
        )
    )
    if door_id is None:
        raise InvalidInput(f"no door {name!r} at {hub.slug}", field="door")
    return door_id


def _zone_id(hub: Hub, name: str) -> int | None:
    if not name.strip():
        return None
    zone_id = db.session.scalar(
        select(Zone.id)
        .join(Floor)
        .where(Floor.hub_id == hub.id, Zone.name == name.strip(), Zone.retired_at.is_(None))
    )
    if zone_id is None:
        raise InvalidInput(f"no zone {name!r} at {hub.slug}", field="zone")
    return zone_id
