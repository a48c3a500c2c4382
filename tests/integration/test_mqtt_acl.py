"""Security proof against a real broker started from config/mosquitto (Mosquitto; the embedded
broker only where Mosquitto is missing), with the password file
and ACL that `flask ruang device passwords` writes from the registry: a device reaches only its
own topics, bad logins are refused, and commands are never retained."""

from __future__ import annotations

import queue
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.orm import Session

from app.models import Adapter, DeviceKind, Floor, Hub, Role, User, Zone
from app.services.devices import registry as device_admin
from app.services.devices.commands import MqttCommandPublisher, remote_unlock
from app.services.devices.registry import DeviceDetails
from devices import protocol
from tests.broker import GATEWAY_PASSWORD, GATEWAY_USER, Broker, mosquitto_binary

WAIT = 5.0  # seconds to wait for something that should happen


@dataclass
class Peer:
    """A paho client logged in as one user, with what it received."""

    client: mqtt.Client
    connected: bool
    inbox: queue.Queue[mqtt.MQTTMessage] = field(default_factory=queue.Queue)

    def expect(self, topic: str) -> mqtt.MQTTMessage:
        """The next message on `topic`; anything else that arrives first fails the test."""
        message = self.inbox.get(timeout=WAIT)
        assert message.topic == topic, f"received {message.topic}, expected {topic}"
        return message

    def subscribe(self, *filters: str) -> list[int]:
        done = threading.Event()
        codes: list[int] = []

        def on_subscribe(_c: mqtt.Client, _u: object, _m: int, reasons: list, _p: object) -> None:
            codes.extend(r.value for r in reasons)
            done.set()

        self.client.on_subscribe = on_subscribe
        self.client.subscribe([(f, 1) for f in filters])
        assert done.wait(WAIT)
        return codes

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(WAIT)


@pytest.fixture
def connect(broker: Broker) -> Iterator[object]:
    peers: list[mqtt.Client] = []

    def login(username: str | None, password: str | None, client_id: str = "") -> Peer:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{username}-{len(peers)}"
        )
        if username is not None:
            client.username_pw_set(username, password)
        answered = threading.Event()
        result: list[bool] = []
        peer = Peer(client, False)

        def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
            result.append(not reason.is_failure)  # type: ignore[attr-defined]
            answered.set()

        client.on_connect = on_connect
        client.on_message = lambda _c, _u, message: peer.inbox.put(message)
        client.connect(broker.host, broker.port)
        client.loop_start()
        peers.append(client)
        answered.wait(WAIT)
        peer.connected = bool(result and result[0])
        return peer

    yield login
    for client in peers:
        client.disconnect()
        client.loop_stop()


@dataclass
class Registry:
    hub: Hub
    passwords: dict[str, str]


@pytest.fixture
def registry(a_hub: Hub, session: Session) -> Registry:
    passwords = {}
    for device_id in ("reader-a", "reader-b"):
        details = DeviceDetails(device_id=device_id, name=device_id, kind=DeviceKind.READER)
        passwords[device_id] = device_admin.register_device(a_hub, details).password
    scanner = DeviceDetails(
        device_id="scanner-t",
        name="Tasmota scanner",
        kind=DeviceKind.READER,
        adapter=Adapter.TASMOTA_GM861,
        adapter_config={"topic": "tasmota_5AB1C2", "relay": 1},
    )
    passwords["scanner-t"] = device_admin.register_device(a_hub, scanner).password
    floor = Floor(hub=a_hub, name="Lantai 23")
    session.add_all([floor, Zone(floor=floor, name="Lobby")])
    session.commit()
    bridge = DeviceDetails(
        device_id="z2m-lantai23",
        name="Zigbee2MQTT",
        kind=DeviceKind.SENSOR,
        adapter=Adapter.ZIGBEE2MQTT,
        adapter_config={"base_topic": "z2m-lantai23", "sensors": {"lobby-pir": {"zone": "Lobby"}}},
    )
    passwords["z2m-lantai23"] = device_admin.register_device(a_hub, bridge).password
    retired = device_admin.register_device(
        a_hub, DeviceDetails(device_id="retired", name="Old", kind=DeviceKind.READER)
    )
    device_admin.set_active(retired.device, False)
    passwords["retired"] = retired.password
    return Registry(a_hub, passwords)


@pytest.fixture
def broker(app: Flask, registry: Registry, tmp_path: Path) -> Iterator[Broker]:
    """Mosquitto with the files `flask ruang device passwords` writes from the registry."""
    files = tmp_path / "files"
    written = app.test_cli_runner().invoke(
        args=[
            "ruang", "device", "passwords",
            "--out", str(files / "passwd"), "--acl-out", str(files / "acl"),
        ],
        env={"RUANG_MQTT_GATEWAY_PASSWORD": GATEWAY_PASSWORD},
    )  # fmt: skip
    assert written.exit_code == 0, written.output
    with Broker.running(
        tmp_path / "broker", password_file=files / "passwd", acl_file=files / "acl"
    ) as running:
        yield running


def test_logins_registered_devices_in_wrong_password_anonymous_and_inactive_out(
    connect, registry: Registry
) -> None:
    assert connect("reader-a", registry.passwords["reader-a"]).connected
    assert connect(GATEWAY_USER, GATEWAY_PASSWORD).connected
    assert not connect("reader-a", registry.passwords["reader-b"]).connected
    assert not connect("reader-a", "").connected
    assert not connect(None, None).connected
    assert not connect("retired", registry.passwords["retired"]).connected
    assert not connect("nobody", "whatever").connected


def test_a_device_cannot_publish_on_another_devices_scan_topic(connect, registry: Registry) -> None:
    slug = registry.hub.slug
    gateway = connect(GATEWAY_USER, GATEWAY_PASSWORD)
    gateway.subscribe(*protocol.GATEWAY_SUBSCRIPTIONS)
    device_a = connect("reader-a", registry.passwords["reader-a"])
    scan = protocol.Scan(id="e1", token="T", at=1.0).to_json()

    device_a.publish(protocol.scan_topic(slug, "reader-b"), scan)  # forged: dropped
    device_a.publish(protocol.status_topic(slug, "reader-b"), b'{"v":1,"state":"offline"}')
    device_a.publish(protocol.scan_topic(slug, "reader-a"), scan)  # its own: delivered

    # Messages from one client arrive in order: the first the gateway sees is A's own scan.
    assert gateway.expect(protocol.scan_topic(slug, "reader-a")).payload == scan
    assert gateway.inbox.empty()


def test_a_device_cannot_read_another_devices_decisions_or_commands(
    connect, registry: Registry
) -> None:
    slug = registry.hub.slug
    device_a = connect("reader-a", registry.passwords["reader-a"])
    device_a.subscribe(
        protocol.decision_topic(slug, "reader-b"),
        protocol.command_topic(slug, "reader-b"),
        "ruang/v1/+/reader/+/decision",
        "ruang/#",
        protocol.decision_topic(slug, "reader-a"),
    )
    gateway = connect(GATEWAY_USER, GATEWAY_PASSWORD)
    decision = protocol.Decision(id="e1", grant=True, reason="ok").to_json()
    gateway.publish(protocol.decision_topic(slug, "reader-b"), decision)
    gateway.publish(protocol.command_topic(slug, "reader-b"), b"{}")
    gateway.publish(protocol.decision_topic(slug, "reader-a"), decision)

    # Whatever A subscribed to, the first (and only) message it gets is its own decision.
    device_a.expect(protocol.decision_topic(slug, "reader-a"))
    assert device_a.inbox.empty()


def test_a_tasmota_device_reaches_only_its_own_topics(connect, registry: Registry) -> None:
    gateway = connect(GATEWAY_USER, GATEWAY_PASSWORD)
    gateway.subscribe("tele/+/SENSOR")
    scanner = connect("scanner-t", registry.passwords["scanner-t"])
    scanner.publish("tele/tasmota_OTHER/SENSOR", b'{"GM861":{"Code":"forged"}}')
    scanner.publish(protocol.scan_topic(registry.hub.slug, "reader-a"), b"{}")
    scanner.publish("tele/tasmota_5AB1C2/SENSOR", b'{"GM861":{"Code":"mine"}}')
    assert b"mine" in gateway.expect("tele/tasmota_5AB1C2/SENSOR").payload
    assert gateway.inbox.empty()


def test_an_unlock_is_never_retained_so_a_reconnecting_device_does_not_replay_it(
    connect, registry: Registry, broker: Broker, make_member, session: Session
) -> None:
    slug, topic = registry.hub.slug, protocol.command_topic(registry.hub.slug, "reader-a")
    staff: User = make_member(roles=[(Role.FRONTDESK, registry.hub)])
    publisher = MqttCommandPublisher(broker.url)
    device = device_admin.find_device("reader-a")
    device.online = True  # as the gateway last heard; its drop below goes unnoticed

    # Online: the device gets the unlock, not flagged retained.
    online = connect("reader-a", registry.passwords["reader-a"], client_id="reader-a")
    online.subscribe(topic)
    sent = remote_unlock(device, staff, publisher)
    received = online.expect(topic)
    command = protocol.Command.from_json(received.payload)
    assert command.id == sent.command_id
    assert command.action == "unlock"
    assert not received.retain
    online.client.disconnect()
    online.client.loop_stop()

    # Offline (clean session): an unlock sent now must not reach it when it comes back.
    remote_unlock(device, staff, publisher)
    back = connect("reader-a", registry.passwords["reader-a"], client_id="reader-a")
    back.subscribe(topic)
    fresh = protocol.Command(id="marker", action="unlock", exp=time.time() + 10).to_json()
    connect(GATEWAY_USER, GATEWAY_PASSWORD).publish(topic, fresh)
    assert back.expect(topic).payload == fresh  # the marker, not the old unlock
    assert back.inbox.empty()
    assert slug


def test_a_zigbee2mqtt_installation_reaches_its_base_topic_only(
    connect, registry: Registry
) -> None:
    gateway = connect(GATEWAY_USER, GATEWAY_PASSWORD)
    gateway.subscribe("z2m-lantai23/+", "zigbee2mqtt/+", "tele/+/SENSOR")
    bridge = connect("z2m-lantai23", registry.passwords["z2m-lantai23"])
    bridge.publish("zigbee2mqtt/lobby-pir", b'{"occupancy":true}')  # another base topic
    bridge.publish("tele/tasmota_5AB1C2/SENSOR", b'{"GM861":{"Code":"forged"}}')
    bridge.publish(protocol.occupancy_topic(registry.hub.slug, "z2m-lantai23"), b"{}")
    # Any sensor under its own base topic, mapped or not: no new login for a new sensor.
    bridge.publish("z2m-lantai23/new-sensor", b'{"occupancy":false}')
    bridge.publish("z2m-lantai23/lobby-pir", b'{"occupancy":true}')
    assert gateway.expect("z2m-lantai23/new-sensor").payload == b'{"occupancy":false}'
    assert gateway.expect("z2m-lantai23/lobby-pir").payload == b'{"occupancy":true}'
    assert gateway.inbox.empty()


@pytest.mark.skipif(mosquitto_binary() is None, reason="needs mosquitto")
def test_mosquitto_starts_without_warnings_on_the_generated_acl(broker: Broker) -> None:
    """`mosquitto -v` on the registry's ACL: no warning (a pattern without %u or %c warns)."""
    broker.stop()
    binary = mosquitto_binary()
    assert binary is not None
    command = [binary, "-c", str(broker.workdir / "mosquitto.conf"), "-v"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        broker.process = None
        wait_until_listening(broker)  # listening: the ACL and the password file are read by now
    finally:
        process.terminate()  # mosquitto flushes its log as it stops
        output, _ = process.communicate(timeout=10)
    log = output.decode(errors="replace").splitlines()
    assert any(" running" in line for line in log), "\n".join(log)
    # Running the tests as root is this machine's business, not the configuration's.
    warnings = [line for line in log if "Warning" in line and "run as root" not in line]
    assert warnings == [], "\n".join(log)


def wait_until_listening(broker: Broker) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((broker.host, broker.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("mosquitto did not start")
