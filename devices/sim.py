"""Simulated door readers and occupancy sensors: the demo's moving parts and a load generator.

Only the protocol (no Flask, no database): whoever drives a simulation supplies the tokens. Each
simulated device has its own MQTT connection, status (retained) and last will, like hardware.

    link = Link.open(BrokerAddress.parse(url), "sim-door-in", hub="jfc-hub")
    reader = ScanClient(link)
    result = reader.scan(token)                 # blocking: the decision and its latency
    reader.send(token, on_result=collect)       # non-blocking, for open-loop benchmarks

`run` drives a whole hub: members walk in and out through the entrance and exit readers, try
the inner doors (room doors, a capped zone's door) while inside, now and then try to go in
again without having gone out (anti-passback) or show a forged pass, while sensors report how
many people each zone holds.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from devices import protocol
from devices.base45 import ALPHABET
from devices.reader import FIRMWARE, link
from devices.reader.config import BrokerAddress

SIM_FIRMWARE = f"{FIRMWARE}+sim"


class Link:
    """One simulated device's connection: online status on connect, `offline` as its will."""

    def __init__(self, address: BrokerAddress, device: str, hub: str) -> None:
        self.device, self.hub = device, hub
        self.status_topic = protocol.status_topic(hub, device)
        offline = protocol.Status("offline", SIM_FIRMWARE).to_json()
        self.client = link.make_client(
            address, f"{device}-{uuid.uuid4().hex[:6]}", will=(self.status_topic, offline)
        )
        self.client.max_inflight_messages_set(1000)  # a load generator keeps many scans in flight
        self.connected = threading.Event()
        self._subscriptions: list[str] = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.connected.clear()

    @classmethod
    def open(cls, address: BrokerAddress, device: str, hub: str, timeout: float = 10) -> Link:
        connection = cls(address, device, hub)
        link.start(connection.client, address)
        if not connection.connected.wait(timeout):
            connection.close()
            raise ConnectionError(f"{device}: no broker at {address.host}:{address.port}")
        return connection

    def listen(self, topic: str, handler: Callable[[bytes], None]) -> None:
        """Call `handler` with each payload on `topic` (subscribed now and after reconnects)."""
        self.client.message_callback_add(topic, lambda c, u, m: handler(bytes(m.payload)))
        self._subscriptions.append(topic)
        if self.connected.is_set():
            self.client.subscribe(topic, qos=1)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=1, retain=retain)

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        reason = args[2]
        if reason.is_failure:
            return
        if self._subscriptions:
            client.subscribe([(topic, 1) for topic in self._subscriptions])
        online = protocol.Status("online", SIM_FIRMWARE, time.time()).to_json()
        client.publish(self.status_topic, online, qos=1, retain=True)
        self.connected.set()

    def close(self) -> None:
        if self.connected.is_set():
            offline = protocol.Status("offline", SIM_FIRMWARE, time.time()).to_json()
            self.publish(self.status_topic, offline, retain=True).wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class ScanResult:
    event_id: str
    token: str
    direction: str
    sent_at: float  # time.perf_counter() when published
    decision: protocol.Decision | None = None
    latency_ms: float | None = None  # publish to decision, None while waiting or if none came
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class ScanClient:
    """A simulated reader: publishes scans, matches decisions to them by id (thread-safe)."""

    def __init__(self, connection: Link) -> None:
        self.link = connection
        self.scan_topic = protocol.scan_topic(connection.hub, connection.device)
        self._prefix = f"{connection.device[:40]}-{uuid.uuid4().hex[:8]}"
        self._counter = 0
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[ScanResult, Callable[[ScanResult], None] | None]] = {}
        self.malformed = 0
        decisions = protocol.decision_topic(connection.hub, connection.device)
        connection.listen(decisions, self._on_decision)

    def send(
        self,
        token: str,
        direction: str = "in",
        on_result: Callable[[ScanResult], None] | None = None,
    ) -> ScanResult:
        """Publish a scan now; the result fills in (and `on_result` runs) on its decision."""
        with self._lock:
            self._counter += 1
            event_id = f"{self._prefix}-{self._counter}"
        result = ScanResult(event_id, token, direction, 0.0)
        with self._lock:
            self._pending[event_id] = (result, on_result)
        scan = protocol.Scan(event_id, token, time.time(), direction)
        result.sent_at = time.perf_counter()
        self.link.publish(self.scan_topic, scan.to_json())
        return result

    def scan(self, token: str, direction: str = "in", timeout: float = 5.0) -> ScanResult:
        """Publish a scan and wait for its decision (result.decision None after `timeout`)."""
        result = self.send(token, direction)
        if not result.done.wait(timeout):
            self.forget(result.event_id)
        return result

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._pending.pop(event_id, None)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    def _on_decision(self, payload: bytes) -> None:
        arrived = time.perf_counter()
        try:
            decision = protocol.Decision.from_json(payload)
        except protocol.ProtocolError:
            self.malformed += 1
            return
        with self._lock:
            entry = self._pending.pop(decision.id, None)
        if entry is None:
            return  # a duplicate, or it came after we stopped waiting
        result, on_result = entry
        result.decision, result.latency_ms = decision, (arrived - result.sent_at) * 1000
        result.done.set()
        if on_result is not None:
            on_result(result)


class Sensor:
    """A simulated occupancy sensor for one zone: a people counter or a presence detector."""

    def __init__(self, connection: Link, zone: str, counts: bool = True) -> None:
        self.link, self.zone, self.counts = connection, zone, counts
        self.topic = protocol.occupancy_topic(connection.hub, connection.device)
        self._n = 0

    def report(self, count: int | None = None, present: bool | None = None) -> protocol.Occupancy:
        self._n += 1
        message = protocol.Occupancy(
            f"{self.link.device[:40]}-{uuid.uuid4().hex[:8]}-{self._n}",
            self.zone,
            time.time(),
            present=present,
            count=count,
        )
        self.link.publish(self.topic, message.to_json())
        return message


# -- a hub's worth of simulation ------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    name: str


@dataclass(frozen=True)
class ZoneSpec:
    device: str  # the sensor's device id
    zone: str  # the zone's name at the hub
    capacity: int | None = None
    counts: bool = True  # a people counter; False: a presence detector


@dataclass
class Tally:
    granted: int = 0
    denied: int = 0
    unanswered: int = 0
    reports: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Hub:
    """The simulated devices of one hub: an entrance reader each way, readers on inner doors
    (room doors, doors into a zone) and zone sensors."""

    door_in: ScanClient
    door_out: ScanClient
    sensors: list[Sensor]
    capacities: dict[str, int | None]
    links: list[Link]
    inner: list[ScanClient] = field(default_factory=list)

    @classmethod
    def connect(
        cls,
        address: BrokerAddress,
        hub: str,
        readers: tuple[str, str],
        zones: Sequence[ZoneSpec],
        login: Callable[[str], BrokerAddress] | None = None,
        inner_readers: Sequence[str] = (),
    ) -> Hub:
        """Connect every device; `login(device)` gives its credentials (default: `address`)."""
        links: list[Link] = []
        devices = (*readers, *inner_readers, *(z.device for z in zones))
        try:
            for device in devices:
                links.append(Link.open(login(device) if login else address, device, hub))
        except ConnectionError:
            for opened in links:
                opened.close()
            raise
        sensor_links = links[2 + len(inner_readers) :]
        sensors = [Sensor(ln, z.zone, z.counts) for ln, z in zip(sensor_links, zones, strict=True)]
        return cls(
            ScanClient(links[0]),
            ScanClient(links[1]),
            sensors,
            {z.zone: z.capacity for z in zones},
            links,
            [ScanClient(ln) for ln in links[2 : 2 + len(inner_readers)]],
        )

    def close(self) -> None:
        for connection in self.links:
            connection.close()


def forge(token: str, rng: random.Random) -> str:
    """The same pass with one character changed: the signature no longer matches."""
    at = rng.randrange(20, len(token) - 20) if len(token) > 40 else 0
    replacement = rng.choice([c for c in ALPHABET[:36] if c != token[at : at + 1]])
    return token[:at] + replacement + token[at + 1 :]


def run(
    hub: Hub,
    members: Sequence[Member],
    token_for: Callable[[int], str],
    rate: float = 1.0,
    count: int | None = None,
    echo: Callable[[str], None] = print,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    forged_share: float = 0.1,
    timeout: float = 3.0,
    patience: float = 0.0,
) -> Tally:
    """Scans and sensor reports at `rate` events per second until `count` events or `stop`.

    A member scans again only `patience` seconds after their last scan: with rotating codes,
    the time their code takes to change, as a code opens each way once."""
    rng = rng or random.Random()
    stop = stop or threading.Event()
    tally = Tally()
    inside: set[int] = set()
    presence: dict[str, bool] = {}
    last_scan: dict[int, float] = {}
    n = 0
    while not stop.is_set() and (count is None or n < count) and members:
        n += 1
        started = time.monotonic()
        ready = [m for m in members if started - last_scan.get(m.id, -patience) >= patience]
        if hub.sensors and (not ready or rng.random() < 0.3):
            sensor = rng.choice(hub.sensors)
            _report(sensor, hub.capacities.get(sensor.zone), len(inside), presence, rng, echo)
            tally.reports += 1
        elif ready:
            member = rng.choice(ready)
            last_scan[member.id] = started
            _walk(hub, member, inside, token_for, rng, forged_share, timeout, tally, echo)
        stop.wait(max(1 / rate - (time.monotonic() - started), 0))
    return tally


def _walk(
    hub: Hub,
    member: Member,
    inside: set[int],
    token_for: Callable[[int], str],
    rng: random.Random,
    forged_share: float,
    timeout: float,
    tally: Tally,
    echo: Callable[[str], None],
) -> None:
    leaving = member.id in inside
    reader, direction = (hub.door_out, "out") if leaving else (hub.door_in, "in")
    roll = rng.random()
    if leaving and hub.inner and roll < 0.4:
        reader, direction, leaving = rng.choice(hub.inner), "in", False  # a room, a zone
    elif leaving and roll < 0.5:
        reader, direction, leaving = hub.door_in, "in", False  # in again: anti-passback
    token = token_for(member.id)
    forged = rng.random() < forged_share
    result = reader.scan(forge(token, rng) if forged else token, direction, timeout)
    who = f"{member.name}{' (forged pass)' if forged else ''}"
    decision = result.decision
    if decision is None:
        tally.unanswered += 1
        echo(f"{reader.link.device:<24} {direction:<3} {who:<30} no answer in {timeout:g} s")
        return
    tally.reasons[decision.reason] = tally.reasons.get(decision.reason, 0) + 1
    assert result.latency_ms is not None
    tally.latencies_ms.append(result.latency_ms)
    if decision.grant:
        tally.granted += 1
        if reader is hub.door_out or reader is hub.door_in:
            (inside.discard if leaving else inside.add)(member.id)
    else:
        tally.denied += 1
        if decision.reason == "anti_passback":  # the server knows better where they are
            (inside.add if direction == "in" else inside.discard)(member.id)
    verdict = "GRANT" if decision.grant else "DENY "
    echo(
        f"{reader.link.device:<24} {direction:<3} {who:<30} {verdict} {decision.reason:<16}"
        f" {result.latency_ms:6.1f} ms"
    )


def _report(
    sensor: Sensor,
    capacity: int | None,
    inside: int,
    presence: dict[str, bool],
    rng: random.Random,
    echo: Callable[[str], None],
) -> None:
    if sensor.counts:
        people = max(inside + rng.randint(-1, 3), 0)
        if capacity is not None:
            people = min(people, capacity)
        sensor.report(count=people)
        echo(f"{sensor.link.device:<24} {sensor.zone}: {people} people")
        return
    present = presence.get(sensor.zone, False)
    if rng.random() < 0.4:
        present = not present
    presence[sensor.zone] = present
    sensor.report(present=present)
    echo(f"{sensor.link.device:<24} {sensor.zone}: {'someone there' if present else 'empty'}")
