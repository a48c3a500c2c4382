"""The reference reader with the real gateway, a real Mosquitto and a real, committed database.

The gateway runs in this process's threads, so its data must be committed: each backend gets a
fresh migrated database for the module, seeded once. Nothing is timed: tests wait for events
with timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.gateway.bridge import Gateway, GatewayOptions
from app.models import (
    AccessEvent,
    Device,
    DeviceKind,
    Floor,
    Hub,
    Membership,
    Plan,
    Role,
    RoleGrant,
    User,
    UserStatus,
    Zone,
    ZoneOccupancy,
)
from app.services.access import passes
from app.services.access.keys import Keyring, generate_key
from app.services.hubs.calendar import set_opening_hours
from devices import passcode, protocol
from devices.reader.agent import Reader
from devices.reader.config import BrokerAddress, ReaderConfig
from tests.broker import GATEWAY_PASSWORD, GATEWAY_USER, Broker
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database
from tests.integration.test_reader import RecordingRelay, wait_for

HUB = "rd-hub"
DEVICE, PASSWORD = "rd-door", "reader-test-secret"


@dataclass(frozen=True)
class World:
    app: Flask
    keyring: Keyring
    hub_id: int
    member_ids: list[int]

    def token(self, member: int) -> passes.IssuedToken:
        with self.app.app_context():
            return passes.rotating_token(self.keyring, self.member_ids[member])

    def revoke(self, pass_id: int) -> None:
        with self.app.app_context():
            passes.revoke_pass(pass_id, "lost phone")

    def events(self, source: str) -> list[AccessEvent]:
        with self.app.app_context():
            stmt = select(AccessEvent).where(AccessEvent.source == source)
            found = list(db.session.scalars(stmt.order_by(AccessEvent.id)))
            db.session.expunge_all()
            return found


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"reader-{request.param}")
    with fresh_database(request.param, tmp) as url:
        app = make_test_app(url, tmp)
        keyring = Keyring(tmp / "pass-keys")
        with app.app_context():
            hub = Hub(slug=HUB, name="Reader Hub", timezone="Asia/Jakarta")
            set_opening_hours(hub, {d: (clock_time(0), clock_time(23, 59, 59)) for d in range(7)})
            plan = Plan(code="rd-plan", name="Reader plan", advance_days=14)
            people = [User(email=f"rd{n}@example.com", name=f"Anggota {n}") for n in range(4)]
            for person in people:
                person.roles = [RoleGrant(role=Role.MEMBER, hub=None)]
                person.memberships.append(Membership(plan=plan, starts_on=date(2020, 1, 1)))
            reader = Device(device_id=DEVICE, hub=hub, name="Door", kind=DeviceKind.READER)
            floor = Floor(name="Lantai 1", hub=hub)
            floor.zones.extend([Zone(name="Area Kerja", capacity=20), Zone(name="Ruang Rapat")])
            db.session.add_all([hub, plan, *people, reader, floor])
            db.session.commit()
            generate_key(keyring)
            built = World(app, keyring, hub.id, [person.id for person in people])
        yield built
        with app.app_context():
            db.engine.dispose()


@contextmanager
def door_broker(workdir: Path) -> Iterator[Broker]:
    """The project's Mosquitto, with the door reader's login."""
    with Broker.running(workdir) as broker:
        broker.add_user(DEVICE, PASSWORD)
        yield broker


@contextmanager
def running_gateway(world: World, broker: Broker) -> Iterator[Gateway]:
    options = GatewayOptions(url=broker.url, client_id="rd-gateway", poll_seconds=0.2)
    gateway = Gateway(world.app, options)
    gateway.start()
    try:
        assert gateway.ready.wait(15)
        yield gateway
    finally:
        gateway.stop()


@dataclass
class Door:
    """The reader's settings and relay; `reader()` starts it (again) from the same state."""

    world: World
    broker: Broker
    state: Path
    relay: RecordingRelay

    @contextmanager
    def reader(self, connect: bool = True, decision_timeout: float = 5.0) -> Iterator[Reader]:
        address = BrokerAddress.parse(f"mqtt://{self.broker.host}:{self.broker.port}")
        config = ReaderConfig(
            broker=address.with_login(DEVICE, PASSWORD),
            device=DEVICE,
            hub=HUB,
            hub_id=self.world.hub_id,
            outbox=self.state / "outbox.sqlite",
            # 5 s by default: a cold first decision on a shared CI machine may be slow
            decision_timeout=decision_timeout,
            ack_timeout=1.0,  # an upload no gateway heard goes again soon (1, 2, 4... s)
        )
        reader = Reader(config, self.relay)
        reader.start()
        try:
            if connect:
                assert reader.wait_connected(15)
            yield reader
        finally:
            reader.stop()


def test_scan_decision_relay_end_to_end(world, tmp_path):
    with door_broker(tmp_path / "broker") as broker, running_gateway(world, broker):
        door = Door(world, broker, tmp_path / "state", RecordingRelay())
        with door.reader() as reader:
            outcome = reader.present(world.token(0).token)
            forged = reader.present(forge(world.token(1).token))
        assert (outcome.grant, outcome.reason, outcome.offline) == (True, "granted", False)
        assert (forged.grant, forged.reason, forged.offline) == (False, "bad_signature", False)
        assert door.relay.openings == [5]
        stored = {e.event_id: e for e in world.events("gateway")}
        assert stored[f"{DEVICE}:{outcome.event_id}"].granted
        assert not stored[f"{DEVICE}:{forged.event_id}"].granted


def test_broker_stopped_offline_decisions_reach_the_database_exactly_once(world, tmp_path):
    valid, revoked = world.token(2), world.token(3)
    with (
        door_broker(tmp_path / "broker") as broker,
        running_gateway(world, broker) as gateway,
    ):
        door = Door(world, broker, tmp_path / "state", RecordingRelay())
        with door.reader() as reader:
            world.revoke(revoked.pass_id)
            wait_for(lambda: revoked.pass_id in reader.cache.revoked, 15)
            assert reader.cache.keys

            broker.stop()  # in the middle: the reader stays up, the gateway too
            wait_for(lambda: not reader.connected)
            decided = [
                reader.present(valid.token),
                reader.present(revoked.token),
                reader.present(forge(valid.token)),
            ]
        assert [(o.grant, o.reason, o.offline) for o in decided] == [
            (True, "granted", True),
            (False, "revoked", True),
            (False, "bad_signature", True),
        ]
        assert door.relay.openings == [5]

        with door.reader(connect=False) as reader:  # restarted while the broker is away
            assert len(reader.outbox) == 3
            decided.append(reader.present(valid.token))  # from the caches on disk
        assert decided[-1].grant

        broker.start()
        # The reader and the gateway reconnect each on its own backoff: uploads made before the
        # gateway has subscribed again reach no one (Mosquitto forgets shared subscriptions when
        # it restarts) and go again until the gateway acknowledges them.
        with door.reader() as reader:
            wait_for(lambda: len(reader.outbox) == 0, 30)
            expected = {f"{DEVICE}:{o.event_id}": o for o in decided}
            assert gateway.stats().get("connected", 0) >= 2
            wait_for(lambda: len(world.events("offline")) >= len(expected), 15)

            # A re-upload (an EventAck lost with the link) changes nothing on the server.
            again = protocol.OfflineEvent(
                decided[0].event_id, valid.token, time.time(), "in", True, "granted"
            )
            reader.outbox.add(again)
            reader.upload()
            wait_for(lambda: len(reader.outbox) == 0, 15)  # acknowledged as already known
            probe = reader.present(world.token(0).token)  # handled after the re-upload
            assert not probe.offline

        stored = world.events("offline")
        assert sorted(e.event_id for e in stored) == sorted(expected)
        for event in stored:
            outcome = expected[event.event_id]
            assert (event.granted, event.reason) == (outcome.grant, outcome.reason)


def test_uploads_before_the_gateway_is_back_from_a_broker_restart_are_not_lost(world, tmp_path):
    """The broker restarts; the reader is back first and uploads its offline decisions, which
    the broker acknowledges and hands to no one. They reach the database once the gateway is
    back, exactly once each, and only then leave the outbox."""
    with door_broker(tmp_path / "broker") as broker, ExitStack() as first_gateway:
        first_gateway.enter_context(running_gateway(world, broker))
        door = Door(world, broker, tmp_path / "state", RecordingRelay())
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys, 15)
            broker.stop()
            first_gateway.close()  # the gateway is slower to come back than the reader
            wait_for(lambda: not reader.connected)
            decided = [
                reader.present(world.token(1).token),
                reader.present(forge(world.token(1).token)),
                reader.present(world.token(2).token),
            ]
            assert all(outcome.offline for outcome in decided)

            broker.start()
            expected = {f"{DEVICE}:{o.event_id}": o for o in decided}
            with Watcher(broker, protocol.events_topic(HUB, DEVICE)) as watcher:
                # Uploaded (and re-sent) through the broker while no gateway listens ...
                wait_for(lambda: watcher.ids() == {o.event_id for o in decided}, 30)
                assert len(reader.outbox) == len(decided)  # ... and kept: no EventAck yet
                assert not [e for e in world.events("offline") if e.event_id in expected]
                with running_gateway(world, broker) as gateway:
                    wait_for(lambda: len(reader.outbox) == 0, 30)
                    assert gateway.stats().get("offline_event", 0) == len(decided)
        assert reader.uploaded == len(decided)

    stored = [e for e in world.events("offline") if e.event_id in expected]
    assert sorted(e.event_id for e in stored) == sorted(expected)  # each exactly once
    for event in stored:
        outcome = expected[event.event_id]
        assert (event.granted, event.reason) == (outcome.grant, outcome.reason)


class Watcher:
    """A plain (not shared) subscriber as the gateway user: what reached the broker on a topic."""

    def __init__(self, broker: Broker, topic: str) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="rd-watcher")
        self.client.username_pw_set(GATEWAY_USER, GATEWAY_PASSWORD)
        subscribed = threading.Event()
        self.client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert subscribed.wait(15)

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._seen.add(protocol.OfflineEvent.from_json(msg.payload).id)

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._seen)

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def forge(token: str) -> str:
    """A pass signed by someone else's key under the real key's id."""
    claims, _, _ = passcode.decode_unverified(token)
    return passcode.encode(claims, Ed25519PrivateKey.generate())


def test_flask_ruang_simulate_opens_doors_and_moves_occupancy(world, tmp_path):
    with door_broker(tmp_path / "broker") as broker, running_gateway(world, broker):
        world.app.config["RUANG_MQTT_URL"] = broker.url
        try:
            runner = world.app.test_cli_runner()
            args = ["ruang", "simulate", "--hub", HUB, "--count", "12", "--rate", "50"]
            result = runner.invoke(args=[*args, "--seed", "3"])
            assert result.exit_code == 0, result.output
            again = runner.invoke(args=[*args, "--seed", "4"])  # reuses its devices
            assert again.exit_code == 0, again.output
        finally:
            world.app.config["RUANG_MQTT_URL"] = None
    assert "registered simulated reader sim-rd-hub-in" in result.output
    assert "registered simulated" not in again.output
    assert "GRANT granted" in result.output + again.output
    with world.app.app_context():
        simulated = db.session.scalars(
            select(Device.device_id).where(Device.device_id.like("sim-%"))
        ).all()
        assert sorted(simulated) == [
            "sim-rd-hub-in",
            "sim-rd-hub-out",
            "sim-rd-hub-zone1",
            "sim-rd-hub-zone2",
        ]
        live = db.session.scalars(select(ZoneOccupancy)).all()
    assert live, "a sensor report reached the zone's live occupancy"
    granted = [e for e in world.events("gateway") if e.granted]
    assert granted


# Last in the module: the offline event it leaves is not one the tests above expect.
@contextmanager
def decisions_held_up(world: World) -> Iterator[None]:
    """Hold the access events table: the gateway's decisions wait to be stored (a slow server,
    as far as a reader can tell) until the block ends."""
    with world.app.app_context(), db.engine.connect() as connection:
        held = connection.begin()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE access_events IN SHARE ROW EXCLUSIVE MODE")
        else:  # any write takes SQLite's one write lock; the gateway's insert queues behind it
            connection.exec_driver_sql("UPDATE access_events SET reason = reason WHERE 1 = 0")
        try:
            yield
        finally:
            held.rollback()


def suspended_members_token(world: World) -> str:
    """A genuine, unrevoked code the server refuses (member_suspended) and a reader grants."""
    with world.app.app_context():
        person = User(email="suspended@example.com", name="Ditangguhkan")
        person.roles = [RoleGrant(role=Role.MEMBER, hub=None)]
        person.status = UserStatus.SUSPENDED
        db.session.add(person)
        db.session.commit()
        return passes.rotating_token(world.keyring, person.id).token


def test_a_reader_that_gave_up_waiting_is_the_record_over_the_late_gateway(world, tmp_path):
    token = suspended_members_token(world)
    with door_broker(tmp_path / "broker") as broker, running_gateway(world, broker):
        door = Door(world, broker, tmp_path / "state", RecordingRelay())
        with door.reader(decision_timeout=0.3) as reader:
            wait_for(lambda: reader.cache.keys, 15)
            with decisions_held_up(world):
                outcome = reader.present(token)  # no answer within 300 ms: it decides alone
            wait_for(lambda: reader.uploaded == 1, 30)  # after the gateway's late refusal
    assert (outcome.grant, outcome.offline) == (True, True)
    assert door.relay.openings == [5]
    [event] = [e for e in world.events("offline") if e.event_id == f"{DEVICE}:{outcome.event_id}"]
    assert (event.granted, event.reason) == (True, "granted")  # what the door did
    assert event.server_reason == "member_suspended"  # beside it, for staff
    assert not [e for e in world.events("gateway") if e.event_id == event.event_id]
