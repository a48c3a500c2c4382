"""Device pages: the hub's devices for its staff, adding (password shown once) and deactivating
for hub admins, and remote unlock through the real broker (or a clear 'no broker' message)."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from app.models import AuditEntry, Device, DeviceKind, Role
from app.services.devices import registry as device_admin
from app.services.devices.commands import UNLOCK_EXPIRES_SECONDS, MqttCommandPublisher, NoBroker
from app.services.devices.registry import DeviceDetails
from config.mosquitto.passwords import verify_password
from devices import protocol
from tests.broker import GATEWAY_PASSWORD, GATEWAY_USER, Broker


@pytest.fixture
def staff(make_member, a_hub):
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def hub_admin(make_member, a_hub):
    return make_member(plan=None, name="Adi Admin", roles=[(Role.HUB_ADMIN, a_hub)])


@pytest.fixture
def lobby(a_hub, session):
    issued = device_admin.register_device(
        a_hub, DeviceDetails(device_id="lobby-1", name="Lobby reader", kind=DeviceKind.READER)
    )
    issued.device.online = True
    issued.device.firmware = "1.4.2"
    issued.device.last_seen_at = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 09:30 WIB
    session.commit()
    return issued.device


@pytest.fixture
def publisher(app: Flask) -> Iterator[object]:
    """Swap the app's command publisher for the test, and put the original back after."""
    original = app.extensions["ruang.commands"]

    def use(replacement: object) -> None:
        app.extensions["ruang.commands"] = replacement

    yield use
    app.extensions["ruang.commands"] = original


def test_staff_see_the_hubs_devices_in_hub_time(client, login, staff, a_hub, lobby) -> None:
    page = login(staff).get(f"/devices/{a_hub.slug}/")
    assert page.status_code == 200
    assert "Lobby reader" in page.text
    assert "lobby-1" in page.text
    assert "Online" in page.text
    assert "1.4.2" in page.text
    assert "2026-11-23 09:30" in page.text
    assert "Add a device" not in page.text
    assert "Deactivate" not in page.text
    assert login(staff).get("/devices/").headers["Location"].endswith(f"/devices/{a_hub.slug}/")


def test_other_hubs_staff_and_members_are_kept_out(
    client, login, make_member, make_hub, a_hub, a_member, lobby
) -> None:
    other = make_member(plan=None, roles=[(Role.FRONTDESK, make_hub())])
    assert login(other).get(f"/devices/{a_hub.slug}/").status_code == 403
    assert login(other).post(f"/devices/{a_hub.slug}/lobby-1/unlock").status_code == 403
    assert login(a_member).get(f"/devices/{a_hub.slug}/").status_code == 403


def test_a_hub_admin_adds_a_device_and_sees_its_password_once(
    client, login, hub_admin, a_hub, session
) -> None:
    browser = login(hub_admin)
    assert "Add a device" in browser.get(f"/devices/{a_hub.slug}/").text
    answer = browser.post(
        f"/devices/{a_hub.slug}/",
        data={"device_id": "lobby-2", "name": "Side door", "kind": "reader", "adapter": "native"},
    )
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    password = answer.text.split('class="dv-secret">')[1].split("<")[0]
    device = session.scalar(select(Device).where(Device.device_id == "lobby-2"))
    assert device is not None
    assert verify_password(password, device.mqtt_password_hash or "")
    assert password not in browser.get(f"/devices/{a_hub.slug}/").text  # shown once


def test_the_add_form_explains_what_is_wrong(client, login, hub_admin, a_hub, lobby) -> None:
    browser = login(hub_admin)
    taken = browser.post(
        f"/devices/{a_hub.slug}/",
        data={"device_id": "lobby-1", "name": "Again", "kind": "reader", "adapter": "native"},
    )
    assert taken.status_code == 422
    assert "not taken by another device" in taken.text
    bad = browser.post(
        f"/devices/{a_hub.slug}/",
        data={
            "device_id": "scanner-1",
            "name": "Scanner",
            "kind": "reader",
            "adapter": "tasmota_gm861",
            "adapter_config": "{not json",
        },
    )
    assert bad.status_code == 422
    assert "do not fit the adapter" in bad.text


def test_zigbee2mqtt_settings_errors_say_what_is_wrong(client, login, hub_admin, a_hub) -> None:
    browser = login(hub_admin)
    data = {"device_id": "z2m-1", "name": "Z2M", "kind": "sensor", "adapter": "zigbee2mqtt"}
    old = browser.post(
        f"/devices/{a_hub.slug}/", data={**data, "adapter_config": '{"name": "lobby_pir"}'}
    )
    assert old.status_code == 422
    assert "takes only" in old.text
    unknown = '{"sensors": {"lobby-pir": {"zone": "Dapur"}}}'
    answer = browser.post(f"/devices/{a_hub.slug}/", data={**data, "adapter_config": unknown})
    assert answer.status_code == 422
    assert "mapped to a zone this hub does not have" in answer.text


def test_front_desk_staff_cannot_add_or_deactivate(client, login, staff, a_hub, lobby) -> None:
    browser = login(staff)
    data = {"device_id": "x-1", "name": "X", "kind": "reader", "adapter": "native"}
    assert browser.post(f"/devices/{a_hub.slug}/", data=data).status_code == 403
    assert browser.post(f"/devices/{a_hub.slug}/lobby-1/deactivate").status_code == 403


def test_a_hub_admin_deactivates_a_device(client, login, hub_admin, a_hub, lobby, session) -> None:
    answer = login(hub_admin).post(f"/devices/{a_hub.slug}/lobby-1/deactivate")
    assert answer.status_code == 302
    assert not lobby.active
    page = client.get(f"/devices/{a_hub.slug}/")
    assert "Deactivated" in page.text
    assert "is deactivated" in page.text


def test_without_a_broker_unlock_says_so(client, login, staff, a_hub, lobby, publisher) -> None:
    publisher(NoBroker())
    browser = login(staff)
    assert "No MQTT broker is configured" in browser.get(f"/devices/{a_hub.slug}/").text
    answer = browser.post(f"/devices/{a_hub.slug}/lobby-1/unlock", follow_redirects=True)
    assert "No MQTT broker is configured" in answer.text


def test_remote_unlock_publishes_a_command_and_is_audited(
    client, login, staff, a_hub, lobby, publisher, mqtt_broker: Broker, session
) -> None:
    publisher(MqttCommandPublisher(mqtt_broker.url))
    topic = protocol.command_topic(a_hub.slug, "lobby-1")
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    subscribed = threading.Event()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="listener")
    listener.username_pw_set(GATEWAY_USER, GATEWAY_PASSWORD)
    listener.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    listener.on_subscribe = lambda *_: subscribed.set()
    listener.on_message = lambda _c, _u, message: inbox.put(message)
    listener.connect(mqtt_broker.host, mqtt_broker.port)
    listener.loop_start()
    try:
        assert subscribed.wait(5)
        answer = login(staff).post(f"/devices/{a_hub.slug}/lobby-1/unlock", follow_redirects=True)
        assert "Unlock sent to Lobby reader. If the reader gets it within 10 seconds" in answer.text
        message = inbox.get(timeout=5)
    finally:
        listener.disconnect()
        listener.loop_stop()
    command = protocol.Command.from_json(message.payload)
    assert command.action == "unlock"
    assert time.time() < command.exp <= time.time() + UNLOCK_EXPIRES_SECONDS  # the reader's cue
    assert not message.retain
    assert message.qos == 1
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "remote_unlock"))
    assert entry is not None
    assert entry.actor_id == staff.id
    assert entry.hub_id == a_hub.id
    assert entry.after == {"device_id": "lobby-1", "command_id": command.id, "open": 5}


def test_an_unreachable_broker_leaves_the_door_closed(
    client, login, staff, a_hub, lobby, publisher, session
) -> None:
    from tests.broker import free_port

    publisher(MqttCommandPublisher(f"mqtt://u:p@127.0.0.1:{free_port()}", timeout=2))
    answer = login(staff).post(f"/devices/{a_hub.slug}/lobby-1/unlock", follow_redirects=True)
    assert "the door stays closed" in answer.text
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "remote_unlock")) is None


def test_an_offline_reader_is_not_sent_an_unlock_and_the_page_says_so(
    client, login, staff, a_hub, lobby, publisher, mqtt_broker: Broker, session
) -> None:
    publisher(MqttCommandPublisher(mqtt_broker.url))
    lobby.online = False  # its last will, or silence
    session.commit()
    answer = login(staff).post(f"/devices/{a_hub.slug}/lobby-1/unlock", follow_redirects=True)
    assert "Lobby reader is offline: the door cannot be opened from here." in answer.text
    assert "Unlock sent" not in answer.text
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "remote_unlock")) is None


def test_the_unlock_button_of_an_offline_reader_is_disabled_and_says_why(
    client, login, staff, a_hub, lobby, publisher, mqtt_broker: Broker, session
) -> None:
    publisher(MqttCommandPublisher(mqtt_broker.url))
    page = login(staff).get(f"/devices/{a_hub.slug}/")
    assert re.search(r'<button type="submit" class="primary">Unlock door</button>', page.text)
    lobby.online = False
    session.commit()
    page = client.get(f"/devices/{a_hub.slug}/")
    assert re.search(
        r'<button type="submit" class="primary" disabled title="Lobby reader is offline: '
        r'the door cannot be opened from here.">Unlock door</button>',
        page.text,
    )
