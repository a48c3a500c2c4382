"""Device protocol v1: MQTT topics and message schemas shared by the gateway and the devices.

Topics live under `ruang/v1/<hub>/...`, lowercase, no leading slash, the device id in the topic.
Payloads are UTF-8 JSON objects of at most MAX_PAYLOAD bytes, each with `"v": 1`. docs/protocol.md
is the human-readable version of this module. Importable without Flask or SQLAlchemy.

    reader -> server  <root>/reader/<device>/scan       Scan           QoS 1
    server -> reader  <root>/reader/<device>/decision   Decision       QoS 1
    reader -> server  <root>/reader/<device>/events     OfflineEvent   QoS 1
    server -> reader  <root>/reader/<device>/ack        EventAck       QoS 1, never retained
    server -> device  <root>/device/<device>/command    Command        QoS 1, not retained, expires
    device -> server  <root>/device/<device>/status     Status         QoS 1, retained, last will
    sensor -> server  <root>/sensor/<device>/occupancy  Occupancy      QoS 1
    server -> all     <root>/keys                       KeySet         QoS 1, retained
    server -> all     <root>/revocations                RevocationSet  QoS 1, retained

where <root> is `ruang/v1/<hub slug>`. An OfflineEvent reuses the id of the Scan it decided, so a
late server decision and the reader's own are one access event; the reader keeps it until the
EventAck with its id arrives (a broker's PUBACK only means the broker took it). Third-party
devices are read on their firmware's topics (ADAPTER_SUBSCRIPTIONS, mapped by devices/adapters).
"""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

VERSION = 1
ROOT = f"ruang/v{VERSION}"
MAX_PAYLOAD = 4096  # bytes; every message a device sends, and a key set of a few keys
#: Bytes of a revocation list at most (MAX_REVOCATIONS ids fit; under the broker's packet limit).
MAX_RETAINED_PAYLOAD = 60_000
MAX_REVOCATIONS = 10_000
GATEWAY_SHARE = "ruang-gateway"  # MQTT 5 / Mosquitto shared-subscription group
#: A native device republishes its retained Status at least this often (seconds); the gateway
#: marks a device it has not heard from for SILENT_AFTER offline.
HEARTBEAT_SECONDS = 30
SILENT_AFTER = 3 * HEARTBEAT_SECONDS

_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9:._-]{1,64}$")
DIRECTIONS = ("in", "out")


class ProtocolError(ValueError):
    """A topic or payload that does not follow protocol v1."""


# -- topics ------------------------------------------------------------------------------------


def _segment(value: str, what: str) -> str:
    if not _SEGMENT.match(value):
        raise ProtocolError(f"{what} {value!r}: lowercase letters, digits, - and _, at most 64")
    return value


def scan_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/reader/{_segment(device, 'device')}/scan"


def decision_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/reader/{_segment(device, 'device')}/decision"


def events_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/reader/{_segment(device, 'device')}/events"


def ack_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/reader/{_segment(device, 'device')}/ack"


def command_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/device/{_segment(device, 'device')}/command"


def status_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/device/{_segment(device, 'device')}/status"


def occupancy_topic(hub: str, device: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/sensor/{_segment(device, 'device')}/occupancy"


def keys_topic(hub: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/keys"


def revocations_topic(hub: str) -> str:
    return f"{ROOT}/{_segment(hub, 'hub')}/revocations"


#: What the gateway subscribes to (each with the shared-subscription prefix when scaled out).
GATEWAY_SUBSCRIPTIONS = (
    f"{ROOT}/+/reader/+/scan",
    f"{ROOT}/+/reader/+/events",
    f"{ROOT}/+/device/+/status",
    f"{ROOT}/+/sensor/+/occupancy",
)


#: Third-party devices' own topics (devices/adapters), also read by the gateway, also shared.
ADAPTER_SUBSCRIPTIONS = (
    "tele/+/SENSOR",  # Tasmota telemetry: GM861 scans
    "tele/+/LWT",  # Tasmota last will: Online / Offline
)
# Zigbee2MQTT's topics are not among them: every gateway reads them unshared, see
# devices/adapters/zigbee2mqtt.py (subscriptions) and app/gateway/bridge.py.


@dataclass(frozen=True)
class Route:
    """Where a device message came from: hub, device class, device id, channel."""

    hub: str
    role: str  # reader | device | sensor
    device: str
    channel: str  # scan | events | status | occupancy | decision | ack | command


def parse_topic(topic: str) -> Route:
    parts = topic.split("/")
    if len(parts) != 6 or "/".join(parts[:2]) != ROOT:
        raise ProtocolError(f"not a ruang/v1 device topic: {topic[:120]!r}")
    _, _, hub, role, device, channel = parts
    if role not in ("reader", "device", "sensor"):
        raise ProtocolError(f"unknown device class {role!r}")
    return Route(_segment(hub, "hub"), role, _segment(device, "device"), channel)


def shared(topic_filter: str, group: str = GATEWAY_SHARE) -> str:
    return f"$share/{group}/{topic_filter}"


# -- messages ----------------------------------------------------------------------------------

M = TypeVar("M", bound="Message")


class Message:
    """Base of every payload: JSON with `"v": 1`, validated field by field on the way in."""

    FIELDS: ClassVar[dict[str, Any]] = {}
    MAX_BYTES: ClassVar[int] = MAX_PAYLOAD

    def validate(self) -> None:  # checks beyond the field types
        return

    def to_json(self) -> bytes:
        body = {"v": VERSION, **asdict(self)}  # type: ignore[call-overload]
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls: type[M], payload: bytes | str) -> M:
        raw = payload.encode() if isinstance(payload, str) else payload
        if len(raw) > cls.MAX_BYTES:
            raise ProtocolError(f"payload of {len(raw)} bytes is over {cls.MAX_BYTES}")
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ProtocolError(f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ProtocolError("the payload must be a JSON object")
        if data.get("v") != VERSION:
            raise ProtocolError(f"protocol version {data.get('v')!r}, expected {VERSION}")
        values: dict[str, Any] = {}
        defaults = {f.name for f in fields(cls) if f.default is not MISSING}  # type: ignore[arg-type]
        defaults |= {f.name for f in fields(cls) if f.default_factory is not MISSING}  # type: ignore[arg-type]
        for name, kind in cls.FIELDS.items():
            if name not in data:
                if name in defaults:
                    continue
                raise ProtocolError(f"{cls.__name__}: missing {name!r}")
            value = data[name]
            if isinstance(value, bool) and kind in (int, float, (int, float)):
                raise ProtocolError(f"{cls.__name__}.{name}: expected a number")
            if not isinstance(value, kind):
                raise ProtocolError(f"{cls.__name__}.{name}: wrong type {type(value).__name__}")
            values[name] = value
        message = cls(**values)
        message.validate()
        return message


def _event_id(value: str) -> None:
    if not _EVENT_ID.match(value):
        raise ProtocolError("event id: 1-64 of letters, digits and : . _ -")


def _instant(value: float) -> None:
    if not (0 <= value < 2**32):  # also refuses NaN and infinities
        raise ProtocolError("at must be Unix seconds")


def _direction(value: str) -> None:
    if value not in DIRECTIONS:
        raise ProtocolError(f"direction must be 'in' or 'out', not {value!r}")


@dataclass(frozen=True)
class Scan(Message):
    """A pass presented at a reader. `at` is the reader's clock (Unix seconds)."""

    FIELDS: ClassVar[dict[str, Any]] = {"id": str, "token": str, "at": (int, float), "dir": str}
    id: str
    token: str
    at: float
    dir: str = "in"

    def validate(self) -> None:
        _event_id(self.id)
        _instant(self.at)
        _direction(self.dir)
        if len(self.token) > 256:
            raise ProtocolError("token longer than any pass")


@dataclass(frozen=True)
class Decision(Message):
    """The server's answer to a Scan, with the same id."""

    FIELDS: ClassVar[dict[str, Any]] = {
        "id": str,
        "grant": bool,
        "reason": str,
        "open": int,
        "text": str,
    }
    id: str
    grant: bool
    reason: str
    open: int = 0  # seconds to hold the door open
    text: str = ""  # for the reader's display, at most 64 characters

    def validate(self) -> None:
        _event_id(self.id)
        if not 0 <= self.open <= 60 or len(self.text) > 64:
            raise ProtocolError("open is 0-60 s and text at most 64 characters")


@dataclass(frozen=True)
class OfflineEvent(Message):
    """A decision a reader made alone while the server was out of reach, uploaded later."""

    FIELDS: ClassVar[dict[str, Any]] = {
        "id": str,
        "token": str,
        "at": (int, float),
        "dir": str,
        "grant": bool,
        "reason": str,
    }
    id: str
    token: str
    at: float
    dir: str
    grant: bool
    reason: str

    def validate(self) -> None:
        _event_id(self.id)
        _instant(self.at)
        _direction(self.dir)
        if len(self.token) > 256 or len(self.reason) > 32:
            raise ProtocolError("token or reason too long")


@dataclass(frozen=True)
class EventAck(Message):
    """Server to reader: the OfflineEvent `id` is stored (`stored`) or was already known (a
    re-upload, or a scan the server answered); either way the reader may forget it."""

    FIELDS: ClassVar[dict[str, Any]] = {"id": str, "stored": bool}
    id: str
    stored: bool

    def validate(self) -> None:
        _event_id(self.id)


@dataclass(frozen=True)
class Command(Message):
    """Server to device. Never retained: an unlock must not replay when a device reconnects.
    `exp` (Unix seconds) is when it stops counting: a device that gets it later ignores it."""

    FIELDS: ClassVar[dict[str, Any]] = {"id": str, "action": str, "exp": (int, float), "open": int}
    id: str
    action: str  # unlock
    exp: float
    open: int = 5

    def validate(self) -> None:
        _event_id(self.id)
        _instant(self.exp)
        if self.action not in ("unlock",) or not 1 <= self.open <= 60:
            raise ProtocolError("action must be 'unlock' and open 1-60 s")

    def expired(self, now: float) -> bool:
        return now > self.exp


@dataclass(frozen=True)
class Status(Message):
    """Retained device status; the last will publishes state 'offline'."""

    FIELDS: ClassVar[dict[str, Any]] = {
        "state": str,
        "fw": (str, type(None)),
        "at": (int, float, type(None)),
    }
    state: str
    fw: str | None = None
    at: float | None = None

    def validate(self) -> None:
        if self.state not in ("online", "offline"):
            raise ProtocolError("state must be 'online' or 'offline'")
        if self.fw is not None and len(self.fw) > 32:
            raise ProtocolError("firmware version too long")


@dataclass(frozen=True)
class Occupancy(Message):
    """A sensor's report for a zone: presence (true/false) and/or a people count."""

    FIELDS: ClassVar[dict[str, Any]] = {
        "id": str,
        "zone": str,
        "at": (int, float),
        "present": (bool, type(None)),
        "count": (int, type(None)),
    }
    id: str
    zone: str
    at: float
    present: bool | None = None
    count: int | None = None

    def validate(self) -> None:
        _event_id(self.id)
        _instant(self.at)
        if self.present is None and self.count is None:
            raise ProtocolError("an occupancy report has 'present' or 'count'")
        if self.count is not None and not 0 <= self.count <= 10_000:
            raise ProtocolError("count out of range")
        if not 0 < len(self.zone) <= 100:
            raise ProtocolError("zone name missing or too long")


@dataclass(frozen=True)
class KeySet(Message):
    """Retained per hub: the public keys readers accept, by key id (base64 raw Ed25519)."""

    FIELDS: ClassVar[dict[str, Any]] = {"keys": dict}
    keys: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        for key_id, encoded in self.keys.items():
            if not key_id.isdigit() or not isinstance(encoded, str) or len(encoded) > 64:
                raise ProtocolError("keys maps a key id (digits) to a base64 public key")


@dataclass(frozen=True)
class RevocationSet(Message):
    """Retained per hub: revoked pass ids and the list's version."""

    FIELDS: ClassVar[dict[str, Any]] = {"version": int, "ids": list}
    MAX_BYTES: ClassVar[int] = MAX_RETAINED_PAYLOAD
    version: int
    ids: list[int] = field(default_factory=list)

    def validate(self) -> None:
        if len(self.ids) > MAX_REVOCATIONS or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in self.ids
        ):
            raise ProtocolError("ids is a list of pass ids")
