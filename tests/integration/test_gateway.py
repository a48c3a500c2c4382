"""The MQTT gateway against a real Mosquitto and a real, committed database.

The gateway runs in threads of this process (paho's network thread and its housekeeping
thread), so the data it reads must be committed: each backend gets a fresh migrated database for
the module, seeded once (no rolled-back `session` fixture here). Devices are real MQTT clients
with their own credentials and the project's ACL. The clock is real, so the hubs are open every
day, all day. Nothing is timed: tests wait for messages and counters with timeouts.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.gateway import handlers
from app.gateway.bridge import Gateway, GatewayOptions
from app.models import (
    AccessEvent,
    Adapter,
    BookingMode,
    Device,
    DeviceKind,
    Door,
    DoorKind,
    Floor,
    Hub,
    Membership,
    PassKey,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
    Zone,
    ZoneOccupancy,
)
from app.services.access import passes
from app.services.access.keys import Keyring, generate_key
from app.services.hubs.calendar import set_opening_hours
from devices import protocol
from tests.broker import Broker
from tests.conftest import make_test_app
from tests.databases import fresh_database

WAIT = 15.0  # seconds any single expectation may take before the test fails
HUB, OTHER_HUB = "gw-hub", "gw-other"
READER, OTHER_READER, SENSOR = "reader-1", "reader-9", "sensor-1"
TASMOTA_DEVICE, TASMOTA_TOPIC = "door-tasmota", "tasmota_5AB1C2"
ZIGBEE_DEVICE, ZIGBEE_NAME = "z2m-lobby", "lobby_pir"
#: A second Zigbee2MQTT installation, under a base topic of its own, with a sensor in a room.
OTHER_ZIGBEE_DEVICE, OTHER_BASE, ROOM_SENSOR = "z2m-floor2", "z2m-floor2", "meeting-pir"
DEVICE_PASSWORD = "device-test-secret"
#: Users the ACL knows nothing of by %u pattern: third-party firmware and a test "firehose".
TEST_ACL = f"""
user {TASMOTA_TOPIC}
topic write tele/{TASMOTA_TOPIC}/#
topic read cmnd/{TASMOTA_TOPIC}/#

user zigbee2mqtt
topic write zigbee2mqtt/#

user {OTHER_ZIGBEE_DEVICE}
topic readwrite {OTHER_BASE}/#

user ruang-gateway
topic read {OTHER_BASE}/#

user firehose
topic write ruang/#
topic write tele/#
topic write zigbee2mqtt/#
topic write {OTHER_BASE}/#
"""


# -- the world: a committed database, a broker, devices ------------------------------------------


@dataclass(frozen=True)
class World:
    app: Flask
    keyring: Keyring
    hub_id: int
    other_hub_id: int
    door_id: int
    zone_id: int
    room_zone_id: int
    member_ids: list[int]

    def token(self, member_index: int) -> str:
        """The member's current rotating pass code."""
        with self.app.app_context():
            return passes.rotating_token(self.keyring, self.member_ids[member_index]).token

    def query(self, fn: Callable[[], object]) -> object:
        with self.app.app_context():
            return fn()

    def events(self, **where: object) -> list[AccessEvent]:
        with self.app.app_context():
            stmt = select(AccessEvent).filter_by(**where).order_by(AccessEvent.id)
            events = list(db.session.scalars(stmt))
            db.session.expunge_all()
            return events

    def guest_token(self) -> str:
        """A guest pass for today: not a rotating code, it opens again whenever it is shown."""
        with self.app.app_context():
            plan = db.session.scalar(select(Plan).where(Plan.code == "gw-plan"))
            assert plan is not None
            plan.guests_per_month = 1000
            db.session.commit()
            hub = db.session.get(Hub, self.hub_id)
            assert hub is not None
            _, issued = passes.invite_guest(
                self.keyring, self.member_ids[0], hub.id, hub.today(), "Tamu", "tamu@example.com"
            )
            return issued.token

    def backdate_event(self, event_id: str, by: timedelta) -> None:
        """As if this decision was made `by` ago: a later copy of its message is a replay."""
        with self.app.app_context():
            event = db.session.scalar(select(AccessEvent).where(AccessEvent.event_id == event_id))
            assert event is not None
            event.decided_at -= by
            db.session.commit()

    def set_open_seconds(self, seconds: int) -> None:
        with self.app.app_context():
            door = db.session.get(Door, self.door_id)
            assert door is not None
            door.open_seconds = seconds
            db.session.commit()

    def event_count(self) -> int:
        with self.app.app_context():
            return int(db.session.scalar(select(func.count()).select_from(AccessEvent)) or 0)

    def device(self, device_id: str) -> Device:
        with self.app.app_context():
            device = db.session.scalar(select(Device).where(Device.device_id == device_id))
            assert device is not None
            db.session.expunge(device)
            return device


def open_all_day(hub: Hub) -> None:
    set_opening_hours(hub, {day: (clock_time(0), clock_time(23, 59, 59)) for day in range(7)})


def seed_world(app: Flask, keyring: Keyring, members: int = 40) -> World:
    """Two hubs open around the clock, a door, a zone, members with a plan, and the devices."""
    with app.app_context():
        hub = Hub(slug=HUB, name="Gateway Hub", timezone="Asia/Jakarta")
        other = Hub(slug=OTHER_HUB, name="Other Hub", timezone="Asia/Makassar")
        open_all_day(hub)
        open_all_day(other)
        floor = Floor(name="Floor 1", hub=hub)
        zone = Zone(name="Lobby", floor=floor)
        room_zone = Zone(name="Meeting room 1", floor=floor)
        room = Resource(
            floor=floor,
            name="Ruang Rapat 1",
            kind=ResourceKind.ROOM,
            booking_mode=BookingMode.TIMED,
            capacity=6,
            zone=room_zone,
        )
        door = Door(hub=hub, name="Entrance", kind=DoorKind.ENTRANCE, zone=zone, open_seconds=5)
        plan = Plan(code="gw-plan", name="Gateway plan", advance_days=14)
        people = [User(email=f"gw{n}@example.com", name=f"Anggota {n}") for n in range(members)]
        for person in people:
            person.roles = [RoleGrant(role=Role.MEMBER, hub=None)]
            person.memberships.append(Membership(plan=plan, starts_on=date(2020, 1, 1)))
        devices = [
            Device(device_id=READER, hub=hub, name="Reader", kind=DeviceKind.READER, door=door),
            Device(device_id=OTHER_READER, hub=other, name="Reader 9", kind=DeviceKind.READER),
            Device(device_id=SENSOR, hub=hub, name="Sensor", kind=DeviceKind.SENSOR, zone=zone),
            Device(
                device_id=TASMOTA_DEVICE,
                hub=hub,
                name="Tasmota door",
                kind=DeviceKind.READER,
                adapter=Adapter.TASMOTA_GM861,
                adapter_config={"topic": TASMOTA_TOPIC, "relay": 1},
                door=door,
            ),
        ]
        db.session.add_all([hub, other, floor, zone, room, door, plan, *people, *devices])
        db.session.flush()
        db.session.add_all(
            [
                Device(
                    device_id=ZIGBEE_DEVICE,
                    hub=hub,
                    name="Zigbee2MQTT",
                    kind=DeviceKind.SENSOR,
                    adapter=Adapter.ZIGBEE2MQTT,
                    adapter_config={
                        "base_topic": "zigbee2mqtt",
                        "sensors": {ZIGBEE_NAME: {"zone": zone.id}},
                    },
                ),
                Device(
                    device_id=OTHER_ZIGBEE_DEVICE,
                    hub=hub,
                    name="Zigbee2MQTT, floor 2",
                    kind=DeviceKind.SENSOR,
                    adapter=Adapter.ZIGBEE2MQTT,
                    adapter_config={
                        "base_topic": OTHER_BASE,
                        "sensors": {ROOM_SENSOR: {"room": room.id}},
                    },
                ),
            ]
        )
        db.session.commit()
        generate_key(keyring)
        return World(
            app,
            keyring,
            hub.id,
            other.id,
            door.id,
            zone.id,
            room_zone.id,
            [person.id for person in people],
        )


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"gateway-{backend}")
    with fresh_database(backend, tmp) as url:
        app = make_test_app(url, tmp)
        yield seed_world(app, Keyring(tmp / "keys"))
        with app.app_context():
            db.engine.dispose()


@contextmanager
def device_broker(workdir: Path) -> Iterator[Broker]:
    """Mosquitto with the project's config and ACL, plus the test devices' users."""
    with Broker.running(workdir) as broker:
        with (broker.workdir / "acl").open("a") as acl:
            acl.write(TEST_ACL)
        users = (READER, OTHER_READER, SENSOR, TASMOTA_TOPIC, "zigbee2mqtt", "firehose")
        for user in (*users, OTHER_ZIGBEE_DEVICE):
            broker.add_user(user, DEVICE_PASSWORD)  # each reloads the ACL too
        yield broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with device_broker(tmp_path_factory.mktemp("gateway-broker")) as running:
        yield running


@contextmanager
def running_gateway(
    world: World, broker: Broker, client_id: str, **options: object
) -> Iterator[Gateway]:
    """A gateway in this process's threads; its broker session ends with it."""
    settings_ = GatewayOptions(url=broker.url, client_id=client_id, poll_seconds=0.2)
    gateway = Gateway(world.app, GatewayOptions(**{**settings_.__dict__, **options}))
    gateway.start()
    assert gateway.ready.wait(WAIT), "the gateway did not connect and subscribe"
    try:
        yield gateway
    finally:
        gateway.stop(end_session=True)


@pytest.fixture(scope="module")
def gateway(world: World, broker: Broker) -> Iterator[Gateway]:
    with running_gateway(world, broker, "gw-test", silent_after=3.0) as running:
        yield running


# -- devices -------------------------------------------------------------------------------------


def _no_delay(_client: mqtt.Client, _userdata: object, sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class DeviceClient:
    """A device on the broker: MQTT 3.1.1, its own credentials, what it receives in a queue."""

    def __init__(
        self,
        broker: Broker,
        username: str,
        subscribe: tuple[str, ...] = (),
        will: tuple[str, bytes] | None = None,
    ) -> None:
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"{username}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        self.client.username_pw_set(username, DEVICE_PASSWORD)
        if will is not None:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        connected, subscribed = threading.Event(), threading.Event()
        self.client.on_socket_open = _no_delay
        self.client.on_connect = lambda *_: connected.set()
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = lambda _c, _u, message: self.messages.put(message)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert connected.wait(WAIT), f"{username} could not connect"
        if subscribe:
            self.client.subscribe([(topic, 1) for topic in subscribe])
            assert subscribed.wait(WAIT)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT)

    def expect(
        self, topic: str, matches: Callable[[mqtt.MQTTMessage], bool] = lambda _m: True
    ) -> mqtt.MQTTMessage:
        """The next message on `topic` that `matches` (others are skipped)."""
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if message.topic == topic and matches(message):
                return message
        raise AssertionError(f"nothing on {topic} within {WAIT}s")

    def drain(self) -> list[mqtt.MQTTMessage]:
        drained = []
        while not self.messages.empty():
            drained.append(self.messages.get_nowait())
        return drained

    def drop(self) -> None:
        """Lose the connection without a DISCONNECT, as a power cut would: the will fires."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture(scope="module")
def reader(broker: Broker) -> Iterator[DeviceClient]:
    """reader-1, listening for its decisions and event acknowledgements at any hub."""
    client = DeviceClient(
        broker,
        READER,
        subscribe=(
            f"{protocol.ROOT}/+/reader/{READER}/decision",
            f"{protocol.ROOT}/+/reader/{READER}/ack",
        ),
    )
    yield client
    client.close()


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def scan(token: str, scan_id: str | None = None) -> tuple[str, bytes]:
    scan_id = scan_id or uuid.uuid4().hex[:16]
    return scan_id, protocol.Scan(id=scan_id, token=token, at=time.time()).to_json()


def decision_for(scan_id: str) -> Callable[[mqtt.MQTTMessage], bool]:
    return lambda message: protocol.Decision.from_json(message.payload).id == scan_id


def counted(gateway: Gateway, name: str) -> int:
    return gateway.stats().get(name, 0)


#: Each test that needs a grant takes a member of its own (a rotating code opens once); the
#: counter runs on across backends, so seed_world makes enough members for both.
members = itertools.count()
SCAN_TOPIC = protocol.scan_topic(HUB, READER)
DECISION_TOPIC = protocol.decision_topic(HUB, READER)


# -- scans ---------------------------------------------------------------------------------------


def test_a_scan_is_answered_with_a_decision(world, gateway, reader) -> None:
    scan_id, payload = scan(world.token(next(members)))
    reader.publish(SCAN_TOPIC, payload)
    message = reader.expect(DECISION_TOPIC, decision_for(scan_id))
    decision = protocol.Decision.from_json(message.payload)
    assert (decision.grant, decision.reason, decision.open) == (True, "granted", 5)
    assert decision.text.startswith("Anggota")
    assert not message.retain
    [event] = world.events(event_id=f"{READER}:{scan_id}")
    assert (event.granted, event.source, event.door_id) == (True, "gateway", world.door_id)
    wait_for(lambda: world.device(READER).last_seen_at is not None, "last seen")


def test_a_refused_code_is_answered_with_the_reason(world, gateway, reader) -> None:
    scan_id, payload = scan("NOT-A-RUANG-PASS")
    reader.publish(SCAN_TOPIC, payload)
    message = reader.expect(DECISION_TOPIC, decision_for(scan_id))
    decision = protocol.Decision.from_json(message.payload)
    assert (decision.grant, decision.reason, decision.open) == (False, "bad_format", 0)


def test_the_same_qos1_message_twice_is_one_access_event(world, gateway, reader) -> None:
    duplicates = counted(gateway, "scan_duplicate")
    scan_id, payload = scan(world.token(next(members)))
    reader.publish(SCAN_TOPIC, payload)
    reader.publish(SCAN_TOPIC, payload)
    first = protocol.Decision.from_json(
        reader.expect(DECISION_TOPIC, decision_for(scan_id)).payload
    )
    again = protocol.Decision.from_json(
        reader.expect(DECISION_TOPIC, decision_for(scan_id)).payload
    )
    assert first == again
    assert first.grant  # the duplicate is not a replay of the code: it is the same scan
    assert len(world.events(event_id=f"{READER}:{scan_id}")) == 1
    assert counted(gateway, "scan_duplicate") == duplicates + 1


def test_a_device_on_another_hubs_topic_is_dropped(world, gateway, reader) -> None:
    dropped = counted(gateway, "wrong_hub")
    stray_id, stray = scan(world.token(next(members)))
    reader.publish(protocol.scan_topic(OTHER_HUB, READER), stray)  # the ACL allows any hub
    wait_for(lambda: counted(gateway, "wrong_hub") > dropped, "the drop")
    assert world.events(event_id=f"{READER}:{stray_id}") == []
    # Messages are handled in order: the next scan's decision comes after any for the stray.
    scan_id, payload = scan(world.token(next(members)))
    reader.publish(SCAN_TOPIC, payload)
    reader.expect(DECISION_TOPIC, decision_for(scan_id))
    leaked = [m for m in reader.drain() if m.topic.endswith("/decision")]
    assert not [m for m in leaked if protocol.Decision.from_json(m.payload).id == stray_id]


# -- malformed input -----------------------------------------------------------------------------

FUZZ_TOPICS = (
    SCAN_TOPIC,
    protocol.events_topic(HUB, READER),
    protocol.status_topic(HUB, READER),
    protocol.occupancy_topic(HUB, SENSOR),
    f"tele/{TASMOTA_TOPIC}/SENSOR",
    f"tele/{TASMOTA_TOPIC}/LWT",
    f"zigbee2mqtt/{ZIGBEE_NAME}",
    f"zigbee2mqtt/{ZIGBEE_NAME}/availability",
)
FIELDS = (
    "id", "token", "at", "dir", "grant", "reason", "state", "fw", "zone", "present", "count",
    "GM861", "Time", "occupancy", "presence", "people",
)  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["in", "out", "online", "offline", "granted", "Q1"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
shaped = st.fixed_dictionaries(
    {"v": st.sampled_from([1, 1, 1, 2, "1", None])},
    optional={name: json_values for name in FIELDS},
)
payloads = st.one_of(
    shaped.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
    st.text(max_size=100).map(str.encode),
    st.sampled_from([b"", b"[" * 3000, b"{" * 3000, b"x" * 5000, b"Online", b"offline"]),
)


@pytest.fixture(scope="module")
def firehose(broker: Broker) -> Iterator[DeviceClient]:
    client = DeviceClient(broker, "firehose")
    yield client
    client.close()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(st.tuples(st.sampled_from(FUZZ_TOPICS), payloads), min_size=5, max_size=40))
def test_malformed_payloads_on_every_topic_leave_the_gateway_answering(
    world, gateway, reader, firehose, batch
) -> None:
    received = counted(gateway, "received")
    for topic, payload in batch:
        firehose.publish(topic, payload)
    wait_for(lambda: counted(gateway, "received") >= received + len(batch), "every message")
    assert counted(gateway, "error") == 0, "every message is handled, counted or refused"
    scan_id, payload = scan(world.token(0))  # granted or replayed: answered either way
    reader.publish(SCAN_TOPIC, payload)
    reader.expect(DECISION_TOPIC, decision_for(scan_id))


def test_malformed_messages_are_counted_by_reason(gateway, firehose, reader) -> None:
    before = gateway.stats()
    firehose.publish(SCAN_TOPIC, b"{not json")
    firehose.publish(SCAN_TOPIC, b"x" * (protocol.MAX_PAYLOAD + 1))
    firehose.publish(SCAN_TOPIC, protocol.Status(state="online").to_json())  # wrong schema
    wait_for(lambda: counted(gateway, "received") >= before.get("received", 0) + 3, "them")
    assert counted(gateway, "malformed") == before.get("malformed", 0) + 2
    assert counted(gateway, "oversized") == before.get("oversized", 0) + 1


# -- third-party devices -------------------------------------------------------------------------


def test_a_tasmota_gm861_scan_pulses_the_door_relay(world, broker, gateway) -> None:
    tasmota = DeviceClient(broker, TASMOTA_TOPIC, subscribe=(f"cmnd/{TASMOTA_TOPIC}/#",))
    sensor_topic = f"tele/{TASMOTA_TOPIC}/SENSOR"
    token = world.token(next(members))
    tasmota.publish(
        sensor_topic,
        json.dumps({"Time": "2026-11-23T22:00:00", "GM861": {"AIM": "Q1", "Code": token}}).encode(),
    )
    command = tasmota.expect(f"cmnd/{TASMOTA_TOPIC}/Backlog")
    assert command.payload == b"PulseTime1 50; Power1 ON"  # 5 s: the door's open_seconds
    assert not command.retain
    [event] = [
        e for e in world.events(door_id=world.door_id) if e.event_id.startswith(TASMOTA_DEVICE)
    ]
    assert event.granted
    # A refused code and plain telemetry open nothing.
    scans, telemetry = counted(gateway, "tasmota_scan"), counted(gateway, "telemetry")
    tasmota.publish(sensor_topic, b'{"Time":"2026-11-23T22:00:05","GM861":{"AIM":"Q1","Code":"X"}}')
    tasmota.publish(sensor_topic, b'{"Time":"2026-11-23T22:00:06","ANALOG":{"A0":512}}')
    wait_for(lambda: counted(gateway, "telemetry") > telemetry, "the telemetry")
    assert counted(gateway, "tasmota_scan") == scans + 1
    assert not [m for m in tasmota.drain() if m.topic.startswith("cmnd/")]
    # Its last will says online / offline.
    tasmota.publish(f"tele/{TASMOTA_TOPIC}/LWT", b"Online", retain=True)
    wait_for(lambda: world.device(TASMOTA_DEVICE).online, "online")
    tasmota.publish(f"tele/{TASMOTA_TOPIC}/LWT", b"Offline", retain=True)
    wait_for(lambda: not world.device(TASMOTA_DEVICE).online, "offline")
    tasmota.close()


def test_a_tasmota_scan_opens_once_across_two_gateways_and_a_replay_opens_nothing(
    world, broker, gateway
) -> None:
    tasmota = DeviceClient(broker, TASMOTA_TOPIC, subscribe=(f"cmnd/{TASMOTA_TOPIC}/#",))
    sensor_topic, backlog = f"tele/{TASMOTA_TOPIC}/SENSOR", f"cmnd/{TASMOTA_TOPIC}/Backlog"
    guest = world.guest_token()
    message = json.dumps({"Time": "2026-11-23T22:10:00", "GM861": {"Code": guest}}).encode()
    outcomes = ("tasmota_scan", "tasmota_scan_duplicate")
    before = {name: counted(gateway, name) for name in outcomes}
    # A second gateway in its own share group gets its own copy of every message.
    with running_gateway(world, broker, "gw-second", share_group="ruang-second") as second:
        tasmota.publish(sensor_topic, message)
        tasmota.publish(sensor_topic, message)  # and the scanner's own QoS 1 retry
        total = lambda name: counted(gateway, name) - before[name] + counted(second, name)  # noqa: E731
        wait_for(lambda: total("tasmota_scan") + total("tasmota_scan_duplicate") == 4, "4 copies")
        assert (total("tasmota_scan"), total("tasmota_scan_duplicate")) == (1, 3)
    scan_id = handlers.event_id(TASMOTA_DEVICE, f"t{hashlib.sha256(message).hexdigest()[:20]}")
    [granted] = world.events(event_id=scan_id)
    assert granted.granted
    # Captured and sent again five minutes later, by anyone with write access to the topic.
    world.backdate_event(granted.event_id, timedelta(minutes=5))
    scans = counted(gateway, "tasmota_scan")
    tasmota.publish(sensor_topic, message)
    wait_for(lambda: counted(gateway, "tasmota_scan") > scans, "the replay decided")
    [copy] = [e for e in world.events(reason="replayed") if e.event_id.startswith(granted.event_id)]
    assert not copy.granted
    # A fresh read of the pass (a new Time) opens the door, for 7 s this time so that its pulse
    # is told apart: every pulse before it (replies go out in order) is the first grant's.
    fresh = json.dumps({"Time": "2026-11-23T22:10:07", "GM861": {"Code": guest}}).encode()
    world.set_open_seconds(7)
    try:
        tasmota.publish(sensor_topic, fresh)
        pulses = [tasmota.expect(backlog).payload]
        while pulses[-1] != b"PulseTime1 70; Power1 ON":
            pulses.append(tasmota.expect(backlog).payload)
    finally:
        world.set_open_seconds(5)
    assert pulses == [b"PulseTime1 50; Power1 ON", b"PulseTime1 70; Power1 ON"]
    tasmota.close()


def live_zone(world: World, zone_id: int) -> ZoneOccupancy | None:
    def load() -> ZoneOccupancy | None:
        live = db.session.get(ZoneOccupancy, zone_id)
        if live is not None:
            db.session.expunge(live)
        return live

    return world.query(load)  # type: ignore[return-value]


def handled(gateways: list[Gateway], *names: str) -> int:
    return sum(counted(gateway, name) for gateway in gateways for name in names)


def pir(occupied: bool) -> bytes:
    return json.dumps({"battery": 91, "linkquality": 120, "occupancy": occupied}).encode()


def people(count: int) -> bytes:
    return json.dumps({"people": count, "status": "idle", "linkquality": 90}).encode()


def publish_states(
    bridge: DeviceClient, gateways: list[Gateway], topic: str, states: list[bytes]
) -> None:
    """Publish the states back to back (all within a second) and wait until every gateway
    has applied every one (each gateway reads Zigbee2MQTT unshared)."""
    outcomes = ("occupancy", "occupancy_ignored", "occupancy_duplicate")
    before = handled(gateways, *outcomes)
    for state in states:
        bridge.publish(topic, state)
    wait_for(
        lambda: handled(gateways, *outcomes) >= before + len(states) * len(gateways),
        "every state applied by every gateway",
    )


def test_zigbee2mqtt_states_are_applied_in_order_the_same_state_again_included(
    world, broker, gateway
) -> None:
    bridge = DeviceClient(broker, "zigbee2mqtt")
    topic = f"zigbee2mqtt/{ZIGBEE_NAME}"
    publish_states(bridge, [gateway], topic, [pir(True), pir(False), pir(True)])
    live = live_zone(world, world.zone_id)
    assert live is not None
    assert live.present is True  # occupied -> empty -> occupied
    publish_states(bridge, [gateway], topic, [people(6), people(5), people(6)])
    live = live_zone(world, world.zone_id)
    assert live is not None
    assert live.people == 6  # 6, 5, 6 ends at 6
    # The same state twice is two reports, both applied (no duplicate without an id).
    publish_states(bridge, [gateway], topic, [people(4), people(4)])
    assert live_zone(world, world.zone_id).people == 4  # type: ignore[union-attr]
    bridge.close()


def test_two_gateways_on_a_shared_subscription_end_on_the_last_state(
    world, broker, gateway
) -> None:
    bridge = DeviceClient(broker, "zigbee2mqtt")
    topic = f"zigbee2mqtt/{ZIGBEE_NAME}"
    with running_gateway(world, broker, "gw-second", poll_seconds=0.2) as second:
        gateways = [gateway, second]
        for last in (True, False, True):
            states = [pir(n % 2 == 0) for n in range(9)] + [pir(not last), pir(last)]
            publish_states(bridge, gateways, topic, states)
            live = live_zone(world, world.zone_id)
            assert live is not None
            assert live.present is last
        for last in (6, 5, 6):
            publish_states(bridge, gateways, topic, [people(n) for n in (7, 6, 5, 6, 5, last)])
            assert live_zone(world, world.zone_id).people == last  # type: ignore[union-attr]
    bridge.close()


def test_a_reconnecting_gateway_does_not_bring_back_an_older_state(world, broker, gateway) -> None:
    """A gateway away for a while gets the states it missed when it is back: they must not
    leave the zone on an older state than the last one sent."""
    bridge = DeviceClient(broker, "zigbee2mqtt")
    topic = f"zigbee2mqtt/{ZIGBEE_NAME}"
    options = GatewayOptions(url=broker.url, client_id="gw-away", poll_seconds=0.2)
    away = Gateway(world.app, options)
    away.start()
    assert away.ready.wait(WAIT)
    away.stop()  # not the session's end: the broker queues what this client id misses
    publish_states(bridge, [gateway], topic, [people(n) for n in (3, 8, 2)])
    before = counted(gateway, "occupancy")
    back = Gateway(world.app, options)  # the same client id, back
    back.start()
    try:
        assert back.ready.wait(WAIT)
        wait_for(lambda: counted(back, "occupancy") >= 3, "the missed states")
        assert counted(gateway, "occupancy") == before
        assert live_zone(world, world.zone_id).people == 2  # type: ignore[union-attr]
        publish_states(bridge, [gateway, back], topic, [people(9)])
        assert live_zone(world, world.zone_id).people == 9  # type: ignore[union-attr]
    finally:
        back.stop(end_session=True)
    bridge.close()


def test_one_zigbee2mqtt_login_carries_many_sensors_under_its_own_base_topic(
    world, broker, gateway
) -> None:
    """The second installation logs in once, under its base topic; its sensor is mapped to a
    room, so the room's zone gets the presence."""
    bridge = DeviceClient(broker, OTHER_ZIGBEE_DEVICE)
    wait_for(lambda: f"{OTHER_BASE}/+" in gateway._bridge_filters, "the gateway subscribed")
    publish_states(bridge, [gateway], f"{OTHER_BASE}/{ROOM_SENSOR}", [pir(True)])
    live = live_zone(world, world.room_zone_id)
    assert live is not None
    assert live.present is True
    bridge.close()


def test_zigbee2mqtt_counters_tell_telemetry_unusable_and_unmapped_apart(
    world, broker, gateway
) -> None:
    bridge = DeviceClient(broker, "zigbee2mqtt")
    names = ("telemetry", "unusable_payload", "unmapped_sensor", "unregistered", "malformed")
    before = {name: counted(gateway, name) for name in names}
    received = counted(gateway, "received")
    bridge.publish(f"zigbee2mqtt/{ZIGBEE_NAME}", b'{"battery": 80, "linkquality": 99}')
    bridge.publish(f"zigbee2mqtt/{ZIGBEE_NAME}", b'{"occupancy": "yes"}')
    bridge.publish(f"zigbee2mqtt/{ZIGBEE_NAME}", b"not json")
    bridge.publish(f"zigbee2mqtt/{ZIGBEE_NAME}/availability", b"maybe")
    bridge.publish("zigbee2mqtt/kitchen-pir", pir(True))  # nobody mapped it
    wait_for(lambda: counted(gateway, "received") >= received + 5, "the messages")
    after = {name: counted(gateway, name) - before[name] for name in names}
    assert after == {
        "telemetry": 1,
        "unusable_payload": 3,
        "unmapped_sensor": 1,
        "unregistered": 0,
        "malformed": 0,
    }
    bridge.close()


def test_zigbee2mqtt_installation_and_sensor_availability(world, broker, gateway) -> None:
    bridge = DeviceClient(broker, "zigbee2mqtt")
    bridge.publish("zigbee2mqtt/bridge/state", b'{"state": "online"}')
    wait_for(lambda: world.device(ZIGBEE_DEVICE).online, "online (JSON form)")
    offline = counted(gateway, "sensor_offline")
    bridge.publish(f"zigbee2mqtt/{ZIGBEE_NAME}/availability", b"offline")
    wait_for(lambda: counted(gateway, "sensor_offline") > offline, "a sensor offline")
    assert world.device(ZIGBEE_DEVICE).online  # one sensor gone is not the installation
    bridge.publish("zigbee2mqtt/bridge/state", b"offline")
    wait_for(lambda: not world.device(ZIGBEE_DEVICE).online, "offline (plain form)")
    bridge.close()


# -- offline events, occupancy, status -----------------------------------------------------------


def test_offline_events_are_stored_once_as_the_reader_decided(
    world, gateway, reader, caplog
) -> None:
    topic = protocol.events_topic(HUB, READER)
    handled = counted(gateway, "offline_event") + counted(gateway, "offline_event_duplicate")
    at = time.time() - 30
    granted = protocol.OfflineEvent(
        id=uuid.uuid4().hex[:16], token=world.token(next(members)), at=at, dir="in",
        grant=True, reason="granted",
    )  # fmt: skip
    # A stale revocation list, say: the reader let in a code the server refuses.
    disputed = protocol.OfflineEvent(
        id=uuid.uuid4().hex[:16], token="NOT-A-RUANG-PASS", at=at, dir="in",
        grant=True, reason="granted",
    )  # fmt: skip
    for upload in (granted, granted, disputed):
        reader.publish(topic, upload.to_json())
    wait_for(
        lambda: (
            counted(gateway, "offline_event") + counted(gateway, "offline_event_duplicate")
            >= handled + 3
        ),
        "the uploads",
    )
    # Each upload is acknowledged once stored, a duplicate again (the reader may have missed
    # the first acknowledgement).
    ours = {granted.id, disputed.id}
    acks = [
        protocol.EventAck.from_json(
            reader.expect(
                protocol.ack_topic(HUB, READER),
                lambda m: protocol.EventAck.from_json(m.payload).id in ours,
            ).payload
        )
        for _ in range(3)
    ]
    assert [(ack.id, ack.stored) for ack in acks] == [
        (granted.id, True),
        (granted.id, False),
        (disputed.id, True),
    ]
    [event] = world.events(event_id=f"{READER}:{granted.id}")
    assert (event.granted, event.source, event.reason) == (True, "offline", "granted")
    assert abs(event.decided_at.timestamp() - at) < 1
    [stored] = world.events(event_id=f"{READER}:{disputed.id}")
    assert stored.granted  # what happened at the door
    assert "the server would have refused (bad_format)" in caplog.text


def test_occupancy_reports_are_applied_once(world, broker, gateway) -> None:
    sensor = DeviceClient(broker, SENSOR)
    applied, duplicates = counted(gateway, "occupancy"), counted(gateway, "occupancy_duplicate")
    report = protocol.Occupancy(id=uuid.uuid4().hex[:12], zone="Lobby", at=time.time(), count=3)
    sensor.publish(protocol.occupancy_topic(HUB, SENSOR), report.to_json())
    sensor.publish(protocol.occupancy_topic(HUB, SENSOR), report.to_json())
    wait_for(lambda: counted(gateway, "occupancy_duplicate") > duplicates, "the duplicate")
    assert counted(gateway, "occupancy") == applied + 1
    live = world.query(lambda: db.session.get(ZoneOccupancy, world.zone_id))
    assert live.people == 3  # type: ignore[attr-defined]
    sensor.close()


def test_status_last_will_and_silence(world, broker, gateway) -> None:
    topic = protocol.status_topic(HUB, SENSOR)
    offline = protocol.Status(state="offline").to_json()
    online = protocol.Status(state="online", fw="1.4.2", at=time.time()).to_json()
    sensor = DeviceClient(broker, SENSOR, will=(topic, offline))
    sensor.publish(topic, online, retain=True)
    wait_for(lambda: world.device(SENSOR).online, "online")
    assert world.device(SENSOR).firmware == "1.4.2"
    sensor.drop()  # the broker publishes the last will
    wait_for(lambda: not world.device(SENSOR).online, "the last will")
    # Back, then silent: no heartbeat for the gateway's silent_after (3 s here) -> offline.
    again = DeviceClient(broker, SENSOR, will=(topic, offline))
    # A fresh `at`: a status stamped more than silent_after ago would count as silence at once.
    online_now = protocol.Status(state="online", fw="1.4.2", at=time.time()).to_json()
    again.publish(topic, online_now, retain=True)
    wait_for(lambda: world.device(SENSOR).online, "online again")
    wait_for(lambda: not world.device(SENSOR).online, "marked offline after silence")
    # Counted just after the offline mark commits: a read in between sees the mark first.
    wait_for(lambda: counted(gateway, "went_silent") >= 1, "the silence counted")
    again.close()


# -- retained keys and revocations ---------------------------------------------------------------


def test_keys_and_revocations_are_retained_and_follow_a_revocation(world, broker, gateway):
    keys_topic, revocations_topic = protocol.keys_topic(HUB), protocol.revocations_topic(HUB)
    reader = DeviceClient(broker, READER, subscribe=(keys_topic, revocations_topic))
    keys = reader.expect(keys_topic)
    assert keys.retain
    published = world.query(
        lambda: {k.id: k.public_key for k in db.session.scalars(select(PassKey))}
    )
    assert protocol.KeySet.from_json(keys.payload).keys == {
        str(key_id): base64.b64encode(raw).decode()
        for key_id, raw in published.items()  # type: ignore[attr-defined]
    }
    before = protocol.RevocationSet.from_json(reader.expect(revocations_topic).payload)

    def revoke() -> int:
        issued = passes.rotating_token(world.keyring, world.member_ids[next(members)])
        passes.revoke_pass(issued.pass_id, "lost phone")
        return issued.pass_id

    pass_id = world.query(revoke)
    update = reader.expect(
        revocations_topic,
        lambda m: protocol.RevocationSet.from_json(m.payload).version > before.version,
    )
    assert pass_id in protocol.RevocationSet.from_json(update.payload).ids
    late = DeviceClient(broker, READER, subscribe=(revocations_topic,))
    retained = late.expect(revocations_topic)
    assert retained.retain
    assert pass_id in protocol.RevocationSet.from_json(retained.payload).ids
    reader.close()
    late.close()
