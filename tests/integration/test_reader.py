"""The reference door reader against a real Mosquitto: asks, opens, decides alone, uploads later.

The server side here is a small stand-in that answers scans and collects uploads; the end-to-end
tests with the real gateway and database are in test_reader_gateway.py.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from paho.mqtt.enums import CallbackAPIVersion

from devices import passcode, protocol
from devices.reader.agent import Reader
from devices.reader.config import BrokerAddress, ReaderConfig
from tests.broker import GATEWAY_PASSWORD, GATEWAY_USER, Broker

HUB_ID = 1
KEY_ID = 0
_names = itertools.count(1)


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a condition")
        time.sleep(0.02)


@dataclass
class RecordingRelay:
    """A relay that remembers every opening."""

    openings: list[float] = field(default_factory=list)
    shut: bool = False

    def open(self, seconds: float) -> None:
        self.openings.append(seconds)

    def shutdown(self) -> None:
        self.shut = True


@dataclass
class Keys:
    signer: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def token(self, pass_id: int, signer: Ed25519PrivateKey | None = None) -> str:
        now = int(time.time())
        claims = passcode.PassClaims(
            KEY_ID, pass_id, passcode.PassKind.MEMBER, HUB_ID, now - 30, now + 90
        )
        return passcode.encode(claims, signer or self.signer)

    def keyset(self) -> bytes:
        raw = self.signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return protocol.KeySet({str(KEY_ID): base64.b64encode(raw).decode()}).to_json()


class Server:
    """The gateway's part, minimally: answers scans, collects and acknowledges uploads (those
    `acknowledge` accepts), publishes retained state."""

    def __init__(
        self,
        broker: Broker,
        answer: Callable[[protocol.Scan], protocol.Decision | None],
        acknowledge: Callable[[protocol.OfflineEvent], bool] = lambda _upload: True,
    ):
        self.answer, self.acknowledge = answer, acknowledge
        self.scans: list[protocol.Scan] = []
        self.uploads: list[protocol.OfflineEvent] = []
        self.statuses: list[tuple[str, protocol.Status]] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"server-{next(_names)}")
        self.client.username_pw_set(GATEWAY_USER, GATEWAY_PASSWORD)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(
            [(f, 1) for f in protocol.GATEWAY_SUBSCRIPTIONS]
        )
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        route = protocol.parse_topic(msg.topic)
        if route.channel == "scan":
            scan = protocol.Scan.from_json(msg.payload)
            self.scans.append(scan)
            decision = self.answer(scan)
            if decision is not None:
                topic = protocol.decision_topic(route.hub, route.device)
                client.publish(topic, decision.to_json(), qos=1)
        elif route.channel == "events":
            upload = protocol.OfflineEvent.from_json(msg.payload)
            known = any(seen.id == upload.id for seen in self.uploads)
            self.uploads.append(upload)
            if self.acknowledge(upload):
                ack = protocol.EventAck(upload.id, stored=not known)
                client.publish(protocol.ack_topic(route.hub, route.device), ack.to_json(), qos=1)
        elif route.channel == "status":
            self.statuses.append((route.device, protocol.Status.from_json(msg.payload)))

    def publish(self, topic: str, payload: bytes, retain: bool = True) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def grant(scan: protocol.Scan) -> protocol.Decision:
    return protocol.Decision(scan.id, True, "granted", 3, "Selamat datang")


@dataclass
class Door:
    """One reader's settings and its relay; `reader()` starts it (again) from the same state."""

    broker: Broker
    config: ReaderConfig
    relay: RecordingRelay = field(default_factory=RecordingRelay)

    @contextmanager
    def reader(self, connect: bool = True) -> Iterator[Reader]:
        reader = Reader(self.config, self.relay)
        reader.start()
        if connect:
            assert reader.wait_connected(10)
        try:
            yield reader
        finally:
            reader.stop()


@pytest.fixture
def make_door(tmp_path: Path) -> Callable[..., Door]:
    def make(broker: Broker, timeout: float = 5.0) -> Door:
        n = next(_names)
        device, password = f"door-{n}", f"secret-{n}"
        broker.add_user(device, password)
        address = BrokerAddress.parse(f"mqtt://{broker.host}:{broker.port}")
        config = ReaderConfig(
            broker=address.with_login(device, password),
            device=device,
            hub=f"hub-{n}",
            hub_id=HUB_ID,
            outbox=tmp_path / device / "outbox.sqlite",
            decision_timeout=timeout,
            heartbeat=1,
            ack_timeout=1,
        )
        return Door(broker, config)

    return make


def test_the_reader_asks_the_server_and_opens_on_a_grant(mqtt_broker, make_door):
    door = make_door(mqtt_broker)
    server = Server(mqtt_broker, grant)
    keys = Keys()
    try:
        with door.reader() as reader:
            outcome = reader.present(keys.token(pass_id=5))
            assert (outcome.grant, outcome.offline, outcome.open_seconds) == (True, False, 3)
            assert door.relay.openings == [3]
            assert [scan.id for scan in server.scans] == [outcome.event_id]
            assert outcome.event_id.startswith(f"{door.config.device}-")
            assert len(reader.outbox) == 0
    finally:
        server.close()


def test_a_server_refusal_keeps_the_door_shut(mqtt_broker, make_door):
    door = make_door(mqtt_broker)
    server = Server(mqtt_broker, lambda s: protocol.Decision(s.id, False, "no_entitlement"))
    try:
        with door.reader() as reader:
            outcome = reader.present(Keys().token(pass_id=5))
            assert (outcome.grant, outcome.reason, outcome.offline) == (
                False,
                "no_entitlement",
                False,
            )
            assert door.relay.openings == []
    finally:
        server.close()


def test_a_silent_server_means_an_offline_decision_uploaded_at_once(mqtt_broker, make_door):
    door = make_door(mqtt_broker, timeout=0.3)
    server = Server(mqtt_broker, lambda scan: None)  # the gateway is down; the broker is up
    keys = Keys()
    try:
        server.publish(protocol.keys_topic(door.config.hub), keys.keyset())
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys)
            outcome = reader.present(keys.token(pass_id=5))
            assert (outcome.grant, outcome.reason, outcome.offline) == (True, "granted", True)
            assert door.relay.openings == [door.config.open_seconds]
            wait_for(lambda: server.uploads)
            wait_for(lambda: len(reader.outbox) == 0)
            (upload,) = server.uploads
            assert (upload.id, upload.grant, upload.reason) == (outcome.event_id, True, "granted")
    finally:
        server.close()


def test_an_upload_leaves_the_outbox_only_when_the_server_acknowledges_it(mqtt_broker, make_door):
    door = make_door(mqtt_broker, timeout=0.3)
    lost = threading.Event()  # the first upload reaches the broker and then no one
    server = Server(mqtt_broker, lambda scan: None, acknowledge=lambda _u: lost.is_set())
    keys = Keys()
    try:
        server.publish(protocol.keys_topic(door.config.hub), keys.keyset())
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys)
            outcome = reader.present(keys.token(pass_id=5))
            assert outcome.offline
            wait_for(lambda: server.uploads)  # the broker took it (and sent its PUBACK)
            assert len(reader.outbox) == 1
            lost.set()
            wait_for(lambda: len(reader.outbox) == 0)  # sent again after ack_timeout
            assert {upload.id for upload in server.uploads} == {outcome.event_id}
            assert len(server.uploads) >= 2
            assert reader.uploaded == 1
    finally:
        server.close()


def test_a_reconnect_sends_every_unacknowledged_upload_again(mqtt_broker, make_door):
    door = make_door(mqtt_broker, timeout=0.3)
    door.config = dataclasses.replace(door.config, ack_timeout=60)  # only a reconnect resends
    answering = threading.Event()
    server = Server(mqtt_broker, lambda scan: None, acknowledge=lambda _u: answering.is_set())
    keys = Keys()
    try:
        server.publish(protocol.keys_topic(door.config.hub), keys.keyset())
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys)
            outcomes = [reader.present(keys.token(pass_id=n)) for n in (5, 6)]
            wait_for(lambda: len(server.uploads) == 2)
            answering.set()
            sock = reader.client.socket()  # the link drops; paho reconnects
            assert isinstance(sock, socket.socket)
            sock.shutdown(socket.SHUT_RDWR)
            wait_for(lambda: len(reader.outbox) == 0)
            # (paho itself also re-sends a publish whose PUBACK was lost with the link)
            sends = collections.Counter(upload.id for upload in server.uploads)
            assert set(sends) == {outcome.event_id for outcome in outcomes}
            assert min(sends.values()) >= 2
    finally:
        server.close()


def test_broker_stopped_the_reader_decides_alone_and_uploads_every_event_later(tmp_path, make_door):
    keys = Keys()
    with Broker.running(tmp_path / "broker") as broker:
        door = make_door(broker)
        server = Server(broker, grant)
        server.publish(protocol.keys_topic(door.config.hub), keys.keyset())
        server.publish(
            protocol.revocations_topic(door.config.hub), protocol.RevocationSet(2, [13]).to_json()
        )
        server.close()
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys and reader.cache.revoked)
            broker.stop()
            wait_for(lambda: not reader.connected)
            valid = reader.present(keys.token(pass_id=12))
            revoked = reader.present(keys.token(pass_id=13))
            forged = reader.present(keys.token(pass_id=12, signer=Ed25519PrivateKey.generate()))
        assert [(o.grant, o.reason, o.offline) for o in (valid, revoked, forged)] == [
            (True, "granted", True),
            (False, "revoked", True),
            (False, "bad_signature", True),
        ]
        assert door.relay.openings == [door.config.open_seconds]

        # Restarted while the broker is still away: the outbox and the caches are still there.
        with door.reader(connect=False) as reader:
            assert len(reader.outbox) == 3
            again = reader.present(keys.token(pass_id=12))
            assert (again.grant, again.offline) == (True, True)

        broker.start()
        server = Server(broker, grant)
        try:
            with door.reader() as reader:
                wait_for(lambda: len(reader.outbox) == 0)
                assert reader.uploaded == 4
            ids = [upload.id for upload in server.uploads]
            assert sorted(set(ids)) == sorted(
                [valid.event_id, revoked.event_id, forged.event_id, again.event_id]
            )
            by_id = {upload.id: upload for upload in server.uploads}
            assert by_id[revoked.event_id].reason == "revoked"
            assert by_id[forged.event_id].reason == "bad_signature"
        finally:
            server.close()


def test_malformed_retained_keys_do_not_crash_the_reader(mqtt_broker, make_door):
    door = make_door(mqtt_broker, timeout=0.3)
    server = Server(mqtt_broker, lambda scan: None)
    keys = Keys()
    hub = door.config.hub
    try:
        server.publish(protocol.keys_topic(hub), keys.keyset())
        with door.reader() as reader:
            wait_for(lambda: reader.cache.keys)
            garbage_list = [
                b"",
                b"\xff\xfe",
                b"{",
                b'{"v": 1, "keys": {"0": "not base64"}}',
                b'{"v": 1, "keys": {"0": "AAAA"}}',
                b'{"v": 9}',
                b"[]" * 3000,
            ]
            for garbage in garbage_list:
                server.publish(protocol.keys_topic(hub), garbage)
                server.publish(protocol.revocations_topic(hub), garbage)
                server.publish(protocol.decision_topic(hub, door.config.device), garbage, False)
                server.publish(protocol.command_topic(hub, door.config.device), garbage, False)
            wait_for(lambda: reader.malformed == 4 * len(garbage_list))
            assert reader.connected
            assert reader.present(keys.token(pass_id=5)).grant  # with the keys it had
        # ... and after a restart, from the cache on disk.
        server.publish(protocol.keys_topic(hub), b"", retain=True)  # no retained keys at all
        with door.reader() as reader:
            assert reader.present(keys.token(pass_id=5)).grant
    finally:
        server.close()


def test_a_remote_unlock_that_arrives_after_its_expiry_opens_nothing(mqtt_broker, make_door):
    door = make_door(mqtt_broker)
    server = Server(mqtt_broker, grant)
    device, hub = door.config.device, door.config.hub
    try:
        with door.reader():
            wait_for(lambda: any(d == device for d, _s in server.statuses))
            topic = protocol.command_topic(hub, device)
            late = protocol.Command("unlock-late", "unlock", time.time() - 1, 7)  # held up
            server.publish(topic, late.to_json(), retain=False)
            timely = protocol.Command("unlock-now", "unlock", time.time() + 10, 2)
            server.publish(topic, timely.to_json(), retain=False)
            wait_for(lambda: door.relay.openings)
            assert door.relay.openings == [2]  # in order: the late one was ignored, not queued
    finally:
        server.close()


def test_status_online_with_heartbeat_then_offline_and_a_remote_unlock(mqtt_broker, make_door):
    door = make_door(mqtt_broker)
    server = Server(mqtt_broker, grant)
    device, hub = door.config.device, door.config.hub
    try:
        with door.reader():
            wait_for(lambda: len([s for d, s in server.statuses if d == device]) >= 2)
            assert all(s.state == "online" and s.fw for d, s in server.statuses if d == device)
            command = protocol.Command("unlock-1", "unlock", time.time() + 10, 7)
            server.publish(protocol.command_topic(hub, device), command.to_json(), retain=False)
            server.publish(protocol.command_topic(hub, device), command.to_json(), retain=False)
            another = protocol.Command("unlock-2", "unlock", time.time() + 10, 2)
            server.publish(protocol.command_topic(hub, device), another.to_json(), retain=False)
            wait_for(lambda: door.relay.openings == [7, 2])  # the duplicate opened nothing
        wait_for(lambda: server.statuses[-1][1].state == "offline")
        assert door.relay.shut
    finally:
        server.close()
