"""One handler per kind of device message: parse, check the device, call a service, reply.

Handlers run inside an app context (one per message, see bridge.py) and return what to publish;
they raise ProtocolError for a malformed message and Dropped for one that is well formed but not
acceptable (an unknown device, another hub's topic). Every handler is idempotent: scans and
offline events by their event ids. What a duplicate scan is, is decided in one place
(access.is_redelivery); a duplicate never drives a relay. Sensor messages are states, applied in
order: a native report is a duplicate only as the same (device, message id); a Zigbee2MQTT
state, which carries no id, never is (occupancy.record_occupancy decides, in one place).
Replies are published after the handler's transaction committed (an EventAck means stored).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from app.models import Adapter, DeviceKind, Direction
from app.services.access import decision as access
from app.services.access.decision import AccessRequest, OfflineDecision, decide_access
from app.services.access.directory import DeviceEntry, adapter_device_entry, device_entry
from app.services.devices import occupancy
from app.services.devices.reports import record_status
from devices import protocol
from devices.adapters import tasmota, zigbee2mqtt

#: Longest display text a Decision carries (devices.protocol.Decision).
DISPLAY_TEXT = 64


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    retained: bool
    received_at: datetime


@dataclass(frozen=True)
class Outgoing:
    """A message to publish: QoS 1 and never retained (decisions and commands must not replay)."""

    topic: str
    payload: bytes


@dataclass(frozen=True)
class Handled:
    outcome: str  # the counter to bump, e.g. "scan", "scan_duplicate", "telemetry"
    device_id: str | None = None  # the device heard from (its last_seen_at moves)
    replies: list[Outgoing] = field(default_factory=list)


class Dropped(Exception):
    """A well-formed message the gateway will not act on; `reason` is its counter."""

    def __init__(self, reason: str, detail: str = "", quiet: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.quiet = quiet  # e.g. a Zigbee2MQTT plug nobody registered: not worth a warning


def handle(message: Incoming) -> Handled:
    """Route a message to its handler by topic."""
    topic = message.topic
    if topic.startswith(protocol.ROOT + "/"):
        route = protocol.parse_topic(topic)
        handler = NATIVE.get((route.role, route.channel))
        if handler is None:
            raise Dropped("unexpected_topic", topic[:120])
        return handler(route, message)
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "tele" and parts[2] == "SENSOR":
        return on_tasmota_sensor(parts[1], message)
    if len(parts) == 3 and parts[0] == "tele" and parts[2] == "LWT":
        return on_tasmota_lwt(parts[1], message)
    if len(parts) in (2, 3) and zigbee2mqtt.is_bridge_topic(parts):
        return on_zigbee(parts, message)
    raise Dropped("unexpected_topic", topic[:120])


def event_id(device_id: str, message_id: str) -> str:
    """The access event id of a device's message: `<device>:<message id>`, hashed when that
    would not fit the 64 characters of AccessEvent.event_id (still the same for a duplicate)."""
    key = f"{device_id}:{message_id}"
    if len(key) <= 64:
        return key
    return f"{device_id[:40]}:{hashlib.sha256(key.encode()).hexdigest()[:23]}"


# -- native devices (devices/protocol.py) -------------------------------------------------------


def on_scan(route: protocol.Route, message: Incoming) -> Handled:
    scan = protocol.Scan.from_json(message.payload)
    _refuse_retained(message)
    device = _native_device(route, DeviceKind.READER)
    decision = decide_access(
        AccessRequest(
            token=scan.token,
            hub_id=device.hub_id,
            door_id=device.door_id,
            direction=Direction(scan.dir),
            event_id=event_id(device.device_id, scan.id),
            source="gateway",
        )
    )
    reply = protocol.Decision(
        id=scan.id,
        grant=decision.granted,
        reason=decision.reason,
        open=max(0, min(decision.open_seconds, 60)),
        text=_display_text(decision),
    )
    return Handled(
        "scan_duplicate" if decision.duplicate else "scan",
        device.device_id,
        [Outgoing(protocol.decision_topic(route.hub, route.device), reply.to_json())],
    )


def on_offline_event(route: protocol.Route, message: Incoming) -> Handled:
    upload = protocol.OfflineEvent.from_json(message.payload)
    device = _native_device(route, DeviceKind.READER)
    stored = access.record_offline_event(
        OfflineDecision(
            token=upload.token,
            hub_id=device.hub_id,
            door_id=device.door_id,
            direction=Direction(upload.dir),
            event_id=event_id(device.device_id, upload.id),
            granted=upload.grant,
            reason=upload.reason,
            at=datetime.fromtimestamp(upload.at, UTC),
        )
    )
    # Acknowledged once stored (or found): only then may the reader forget it. A re-upload is
    # acknowledged again, since the reader may have missed the first EventAck.
    ack = protocol.EventAck(id=upload.id, stored=stored)
    return Handled(
        "offline_event" if stored else "offline_event_duplicate",
        device.device_id,
        [Outgoing(protocol.ack_topic(route.hub, route.device), ack.to_json())],
    )


def on_status(route: protocol.Route, message: Incoming) -> Handled:
    status = protocol.Status.from_json(message.payload)
    device = _native_device(route, None)
    # A retained status is of unknown age (delivered on subscribe): it says online or not,
    # but not that the device was seen now.
    at = None if message.retained else message.received_at
    record_status(device.device_id, status.state == "online", status.fw, at)
    return Handled(f"status_{status.state}", None if message.retained else device.device_id)


def on_occupancy(route: protocol.Route, message: Incoming) -> Handled:
    report = protocol.Occupancy.from_json(message.payload)
    _refuse_retained(message)
    device = _native_device(route, DeviceKind.SENSOR)
    # The sensor's own time: a report it held back while offline counts when it happened
    # (record_occupancy treats a clock ahead of ours as now).
    at = datetime.fromtimestamp(report.at, UTC)
    fresh = occupancy.record_occupancy(device, report.id, report.present, report.count, at)
    return Handled("occupancy" if fresh else "occupancy_duplicate", device.device_id)


NATIVE: dict[tuple[str, str], Callable[[protocol.Route, Incoming], Handled]] = {
    ("reader", "scan"): on_scan,
    ("reader", "events"): on_offline_event,
    ("device", "status"): on_status,
    ("sensor", "occupancy"): on_occupancy,
}


# -- third-party devices (devices/adapters) -----------------------------------------------------


def on_tasmota_sensor(topic: str, message: Incoming) -> Handled:
    """A GM861 scan → the access decision → on a grant, pulse the door relay."""
    _refuse_retained(message)
    device = _adapter_device(Adapter.TASMOTA_GM861, topic)
    code = tasmota.scan_from_sensor(message.payload)
    if code is None:
        return Handled("telemetry", device.device_id)  # Tasmota's periodic telemetry
    if device.kind is not DeviceKind.READER:
        raise Dropped("wrong_kind", f"{device.device_id} is not a reader")
    # Tasmota sends no id: the same bytes (same Time, same code) are the same message. Its Time
    # has whole seconds; a payload without one is stamped with the second the gateway got it,
    # so a code shown again is a new scan (and a copy of that payload is a new scan too).
    digest = hashlib.sha256(message.payload).hexdigest()[:20]
    if not tasmota.has_time(message.payload):
        digest += f"-{int(message.received_at.timestamp())}"
    decision = decide_access(
        AccessRequest(
            token=code,
            hub_id=device.hub_id,
            door_id=device.door_id,
            event_id=event_id(device.device_id, f"t{digest}"),
            source="gateway",
        )
    )
    replies: list[Outgoing] = []
    if decision.granted and not decision.duplicate:  # the first delivery pulsed the relay
        relay = device.adapter_config.get("relay", 1)
        commands = tasmota.open_door(
            topic, relay if isinstance(relay, int) else 1, max(decision.open_seconds, 1)
        )
        replies = [Outgoing(command_topic, payload) for command_topic, payload in commands]
    outcome = "tasmota_scan_duplicate" if decision.duplicate else "tasmota_scan"
    return Handled(outcome, device.device_id, replies)


def on_tasmota_lwt(topic: str, message: Incoming) -> Handled:
    device = _adapter_device(Adapter.TASMOTA_GM861, topic)
    return _availability(device, tasmota.online_from_lwt(message.payload), message)


def on_zigbee(parts: list[str], message: Incoming) -> Handled:
    """`<base>/<name>`, `<base>/<name>/availability`, `<base>/bridge/state` of a registered
    Zigbee2MQTT installation (one device: its base topic, its sensor map)."""
    bridge = adapter_device_entry(Adapter.ZIGBEE2MQTT, parts[0])
    if bridge is None:
        raise Dropped("unregistered", f"zigbee2mqtt {parts[0][:64]!r}", quiet=True)
    if len(parts) == 2:
        return on_zigbee_state(bridge, parts[1], message)
    online = zigbee2mqtt.online_from_availability(message.payload)
    if online is None:
        return Handled("unusable_payload", bridge.device_id)
    if parts[1:] == ["bridge", "state"]:  # the installation's own last will
        return _availability(bridge, online, message)
    # One sensor's availability: the installation itself is still there.
    return Handled(f"sensor_{'online' if online else 'offline'}", bridge.device_id)


def on_zigbee_state(bridge: DeviceEntry, name: str, message: Incoming) -> Handled:
    """A sensor's state, applied to the zone its bridge maps it to, in order of arrival."""
    _refuse_retained(message)  # an old retained state is not presence now
    reading = zigbee2mqtt.read_state(message.payload)
    if reading == "unusable":
        return Handled("unusable_payload", bridge.device_id)
    if isinstance(reading, str):
        return Handled("telemetry", bridge.device_id)  # battery, link quality, a button...
    zone_id = bridge.sensor_zones.get(name)
    if zone_id is None:
        return Handled("unmapped_sensor", bridge.device_id)  # counted, not logged per message
    sensor = replace(bridge, zone_id=zone_id)
    present, count = reading
    recorded = occupancy.record_occupancy(sensor, None, present, count, message.received_at)
    return Handled("occupancy" if recorded else "occupancy_ignored", bridge.device_id)


# -- helpers ------------------------------------------------------------------------------------


def _availability(device: DeviceEntry, online: bool | None, message: Incoming) -> Handled:
    if online is None:
        raise protocol.ProtocolError("availability neither online nor offline")
    at = None if message.retained else message.received_at
    record_status(device.device_id, online, None, at)
    state = "online" if online else "offline"
    return Handled(f"status_{state}", None if message.retained else device.device_id)


def _refuse_retained(message: Incoming) -> None:
    # A retained scan would open the door again whenever something subscribes.
    if message.retained:
        raise Dropped("retained", message.topic[:120])


def _native_device(route: protocol.Route, kind: DeviceKind | None) -> DeviceEntry:
    """The registered, active device of the topic, at the topic's hub, of the expected kind."""
    device = device_entry(route.device)
    if device is None:
        raise Dropped("unknown_device", route.device)
    if not device.active:
        raise Dropped("inactive_device", route.device)
    if device.hub_slug != route.hub:
        raise Dropped("wrong_hub", f"{route.device} belongs to {device.hub_slug}, not {route.hub}")
    if kind is not None and device.kind is not kind:
        raise Dropped("wrong_kind", f"{route.device} is a {device.kind.value}")
    return device


def _adapter_device(adapter: Adapter, key: str) -> DeviceEntry:
    device = adapter_device_entry(adapter, key)
    if device is None:
        raise Dropped("unregistered", f"{adapter.value} {key[:64]!r}", quiet=True)
    return device


def _display_text(decision: access.Decision) -> str:
    if decision.granted:
        return (decision.member_name or "Welcome")[:DISPLAY_TEXT]
    return decision.reason[:DISPLAY_TEXT]
