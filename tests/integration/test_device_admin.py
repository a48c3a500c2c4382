"""The device registry: registering devices, their MQTT credentials, and the broker's files."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AccessEvent,
    Adapter,
    AuditEntry,
    Device,
    DeviceKind,
    Direction,
    Door,
    DoorKind,
    Floor,
    Hub,
    Resource,
    ResourceKind,
    Role,
    User,
    Zone,
)
from app.services.devices import registry as device_admin
from app.services.devices.registry import DeviceDetails
from app.services.errors import Forbidden, InvalidInput
from config.mosquitto.passwords import hash_password, read_password_file, verify_password


def reader(device_id: str = "lobby-1", **fields: object) -> DeviceDetails:
    return DeviceDetails(device_id=device_id, name="Lobby reader", kind=DeviceKind.READER, **fields)  # type: ignore[arg-type]


def test_a_registered_device_gets_a_password_shown_once_and_stored_as_a_mosquitto_hash(
    a_hub: Hub, session: Session
) -> None:
    issued = device_admin.register_device(a_hub, reader())

    device = session.scalar(select(Device).where(Device.device_id == "lobby-1"))
    assert device is not None
    assert device.hub_id == a_hub.id
    assert device.active
    assert issued.username == "lobby-1"
    assert len(issued.password) >= 24
    assert device.mqtt_password_hash is not None
    assert device.mqtt_password_hash.startswith("$7$101$")
    assert issued.password not in device.mqtt_password_hash
    assert verify_password(issued.password, device.mqtt_password_hash)
    assert not verify_password(issued.password + "x", device.mqtt_password_hash)


def test_hashes_read_both_ways_with_mosquitto_passwd(tmp_path: Path) -> None:
    if shutil.which("mosquitto_passwd") is None:
        pytest.skip("mosquitto_passwd is not installed")
    path = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(path), "alice", "s3cret"], check=True)
    theirs = read_password_file(path)["alice"]
    assert theirs.startswith("$7$101$")
    assert verify_password("s3cret", theirs)
    assert not verify_password("S3cret", theirs)
    # Same salt and iterations give the same hash as mosquitto_passwd's.
    _, _, iterations, salt, _ = theirs.split("$")
    import base64

    assert hash_password("s3cret", iterations=int(iterations), salt=base64.b64decode(salt)) == (
        theirs
    )


@pytest.mark.parametrize(
    ("device_id", "reason"),
    [("Lobby-1", "uppercase"), ("lobby/1", "slash"), ("lobby+", "wildcard"), ("", "empty")],
)
def test_device_ids_follow_the_protocols_rule(a_hub: Hub, device_id: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        device_admin.register_device(a_hub, reader(device_id))
    assert refused.value.details["field"] == "device_id", reason


def test_device_ids_are_unique_and_the_gateways_name_is_reserved(
    a_hub: Hub, make_hub: Callable[..., Hub]
) -> None:
    device_admin.register_device(a_hub, reader("lobby-1"))
    with pytest.raises(InvalidInput, match="taken"):
        device_admin.register_device(make_hub(), reader("lobby-1"))
    with pytest.raises(InvalidInput):
        device_admin.register_device(a_hub, reader(device_admin.GATEWAY_USER))


def test_adapter_settings_are_checked(a_hub: Hub) -> None:
    tasmota = reader(
        "scanner-1", adapter=Adapter.TASMOTA_GM861, adapter_config={"topic": "tasmota_5AB1C2"}
    )
    issued = device_admin.register_device(a_hub, tasmota)
    assert issued.device.adapter_config == {"topic": "tasmota_5AB1C2", "relay": 1}
    for bad in ({}, {"topic": "a/#"}, {"topic": "t", "relay": 0}, {"topic": "t", "relay": True}):
        with pytest.raises(InvalidInput):
            device_admin.register_device(
                a_hub, reader("scanner-2", adapter=Adapter.TASMOTA_GM861, adapter_config=bad)
            )
    with pytest.raises(InvalidInput):
        device_admin.register_device(a_hub, reader("native-1", adapter_config={"topic": "x"}))
    with pytest.raises(InvalidInput):
        device_admin.parse_adapter_config("[1, 2]")


def test_door_and_zone_are_found_by_name_at_the_hub(
    a_hub: Hub, make_hub: Callable[..., Hub], session: Session
) -> None:
    door = Door(hub=a_hub, name="Main entrance", kind=DoorKind.ENTRANCE)
    other = Door(hub=make_hub(), name="Other door", kind=DoorKind.ENTRANCE)
    session.add_all([door, other])
    session.commit()
    issued = device_admin.register_device(a_hub, reader(door_name="Main entrance"))
    assert issued.device.door_id == door.id
    with pytest.raises(InvalidInput) as refused:
        device_admin.register_device(a_hub, reader("lobby-2", door_name="Other door"))
    assert refused.value.details["field"] == "door"


def test_staff_actions_are_audited_and_only_hub_admins_may_act(
    a_hub: Hub, make_member: Callable[..., User], session: Session
) -> None:
    admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    desk = make_member(roles=[(Role.FRONTDESK, a_hub)])
    with pytest.raises(Forbidden):
        device_admin.register_device(a_hub, reader(), desk)

    issued = device_admin.register_device(a_hub, reader(), admin)
    first_hash = issued.device.mqtt_password_hash
    rotated = device_admin.rotate_password(issued.device, admin)
    assert rotated.password != issued.password
    assert issued.device.mqtt_password_hash != first_hash
    device_admin.set_active(issued.device, False, admin)

    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == admin.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["device.add", "device.rotate_password", "device.deactivate"]
    assert all(
        issued.password not in json.dumps(e.after) for e in session.scalars(select(AuditEntry))
    )


def test_the_password_file_has_the_gateway_and_every_active_device(a_hub: Hub) -> None:
    one = device_admin.register_device(a_hub, reader("lobby-1"))
    two = device_admin.register_device(a_hub, reader("lobby-2"))
    device_admin.set_active(two.device, False)

    users = dict(
        line.split(":", 1)
        for line in device_admin.password_file_lines("gw-secret")
        if not line.startswith("#")
    )
    assert set(users) == {device_admin.GATEWAY_USER, "lobby-1"}
    assert verify_password("gw-secret", users[device_admin.GATEWAY_USER])
    assert verify_password(one.password, users["lobby-1"])


def test_adapter_devices_get_their_own_acl_stanza(a_hub: Hub) -> None:
    device_admin.register_device(
        a_hub,
        reader("scanner-1", adapter=Adapter.TASMOTA_GM861, adapter_config={"topic": "tasmota_1"}),
    )
    lines = device_admin.acl_file_lines("user ruang-gateway\ntopic readwrite ruang/#\n")
    at = lines.index("user scanner-1")
    assert lines[at + 1 : at + 4] == [
        "topic write tele/tasmota_1/#",
        "topic write stat/tasmota_1/#",
        "topic read cmnd/tasmota_1/#",
    ]


def test_recent_events_are_the_readers_doors(a_hub: Hub, session: Session) -> None:
    door = Door(hub=a_hub, name="Main entrance", kind=DoorKind.ENTRANCE)
    session.add(door)
    session.commit()
    issued = device_admin.register_device(a_hub, reader(door_name="Main entrance"))
    for n in range(7):
        session.add(
            AccessEvent(
                event_id=f"e{n}",
                hub_id=a_hub.id,
                door_id=door.id,
                direction=Direction.IN,
                granted=n % 2 == 0,
                reason="ok" if n % 2 == 0 else "revoked",
            )
        )
    session.commit()
    assert len(device_admin.recent_events(issued.device)) == 5
    sensor = device_admin.register_device(
        a_hub, DeviceDetails(device_id="pir-1", name="PIR", kind=DeviceKind.SENSOR)
    )
    assert device_admin.recent_events(sensor.device) == []


def test_cli_adds_lists_rotates_and_writes_the_password_file(
    app: Flask, a_hub: Hub, session: Session, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=[
            "ruang", "device", "add", "--hub", a_hub.slug, "--id", "scanner-1",
            "--name", "Lobby scanner", "--kind", "reader", "--adapter", "tasmota_gm861",
            "--adapter-config", '{"topic": "tasmota_5AB1C2", "relay": 1}',
        ]
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    password = added.output.split("MQTT password: ")[1].split()[0]

    listed = runner.invoke(args=["ruang", "device", "list", "--hub", a_hub.slug])
    assert "scanner-1" in listed.output
    assert "tasmota_gm861" in listed.output
    assert "offline" in listed.output
    assert "never" in listed.output

    out, acl = tmp_path / "passwd", tmp_path / "acl"
    written = runner.invoke(
        args=["ruang", "device", "passwords", "--out", str(out), "--acl-out", str(acl)],
        env={"RUANG_MQTT_GATEWAY_PASSWORD": "gw-secret"},
    )
    assert written.exit_code == 0, written.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    users = read_password_file(out)
    assert verify_password(password, users["scanner-1"])
    assert verify_password("gw-secret", users[device_admin.GATEWAY_USER])
    assert "user scanner-1" in acl.read_text()

    rotated = runner.invoke(args=["ruang", "device", "rotate-password", "scanner-1"])
    new_password = rotated.output.split("MQTT password: ")[1].split()[0]
    assert new_password != password

    refused = runner.invoke(
        args=["ruang", "device", "add", "--hub", a_hub.slug, "--id", "scanner-1",
              "--name", "Again", "--kind", "reader"]
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "taken" in refused.output


def test_the_gateway_password_is_generated_once_per_instance(tmp_path: Path) -> None:
    first = device_admin.gateway_password({}, tmp_path)
    assert device_admin.gateway_password({}, tmp_path) == first
    path = tmp_path / device_admin.GATEWAY_PASSWORD_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from_url = {"RUANG_MQTT_URL": "mqtt://ruang-gateway:p%40ss@127.0.0.1:1883"}
    assert device_admin.gateway_password(from_url, tmp_path) == "p@ss"
    assert device_admin.gateway_password({"RUANG_MQTT_GATEWAY_PASSWORD": "x"}, tmp_path) == "x"


# -- Zigbee2MQTT: one installation, many sensors ----------------------------------------------


@pytest.fixture
def places(a_hub: Hub, session: Session, make_resource: Callable[..., Resource]) -> dict[str, int]:
    """A zone, a room in a zone of its own, and a room in no zone."""
    floor = Floor(hub=a_hub, name="Lantai 23")
    lobby, meeting = Zone(floor=floor, name="Lobby"), Zone(floor=floor, name="Rapat 1")
    session.add_all([floor, lobby, meeting])
    session.commit()
    room = make_resource(a_hub, ResourceKind.ROOM, capacity=6, name="Ruang Rapat 1", zone=meeting)
    loose = make_resource(a_hub, ResourceKind.ROOM, capacity=4, name="Ruang Tanpa Zona")
    return {"lobby": lobby.id, "meeting": meeting.id, "room": room.id, "loose": loose.id}


def bridge(device_id: str = "z2m-1", **config: object) -> DeviceDetails:
    return DeviceDetails(
        device_id=device_id,
        name="Zigbee2MQTT",
        kind=DeviceKind.SENSOR,
        adapter=Adapter.ZIGBEE2MQTT,
        adapter_config=config,
    )


def test_a_zigbee2mqtt_installation_maps_sensors_to_zones_and_rooms_by_id(
    a_hub: Hub, places: dict[str, int]
) -> None:
    sensors = {"lobby-pir": {"zone": "Lobby"}, "meeting-pir": {"room": "Ruang Rapat 1"}}
    issued = device_admin.register_device(a_hub, bridge(sensors=sensors))
    assert issued.device.adapter_config == {
        "base_topic": "zigbee2mqtt",
        "sensors": {
            "lobby-pir": {"zone": places["lobby"]},
            "meeting-pir": {"room": places["room"]},
        },
    }
    # Adding a sensor edits the map: same device, same login.
    more = {**sensors, "counter-1": {"zone": places["lobby"]}}
    device_admin.configure_adapter(issued.device, {"base_topic": "zigbee2mqtt", "sensors": more})
    assert set(issued.device.adapter_config["sensors"]) == {"lobby-pir", "meeting-pir", "counter-1"}
    assert verify_password(issued.password, issued.device.mqtt_password_hash or "")


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"name": "lobby_pir"}, "settings"),  # the old shape: one device per sensor
        ({"base_topic": "a/b"}, "base_topic"),
        ({"base_topic": "tele"}, "base_topic"),
        ({"base_topic": "zigbee2mqtt#"}, "base_topic"),
        ({"sensors": ["lobby-pir"]}, "sensors"),
        ({"sensors": {"bridge": {"zone": "Lobby"}}}, "sensor_name"),
        ({"sensors": {"a/b": {"zone": "Lobby"}}}, "sensor_name"),
        ({"sensors": {"pir": {}}}, "sensor_place"),
        ({"sensors": {"pir": {"zone": "Lobby", "room": "Ruang Rapat 1"}}}, "sensor_place"),
        ({"sensors": {"pir": {"zone": "Dapur"}}}, "sensor_zone"),
        ({"sensors": {"pir": {"zone": True}}}, "sensor_zone"),
        ({"sensors": {"pir": {"room": "Lobby"}}}, "sensor_room"),
        ({"sensors": {"pir": {"room": "Ruang Tanpa Zona"}}}, "sensor_room_zone"),
    ],
)
def test_zigbee2mqtt_settings_are_checked_with_clear_errors(
    a_hub: Hub, places: dict[str, int], config: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        device_admin.register_device(a_hub, bridge(**config))
    assert raised.value.details == {"field": "adapter_config", "reason": reason}


def test_a_base_topic_belongs_to_one_installation(
    a_hub: Hub, places: dict[str, int], make_hub: Callable[..., Hub]
) -> None:
    first = device_admin.register_device(a_hub, bridge("z2m-1"))
    with pytest.raises(InvalidInput, match="belongs to device 'z2m-1'"):
        device_admin.register_device(make_hub(), bridge("z2m-2"))
    device_admin.register_device(a_hub, bridge("z2m-3", base_topic="z2m-lantai23"))
    device_admin.configure_adapter(first.device, {"sensors": {}})  # keeps its own: fine
    with pytest.raises(InvalidInput, match="belongs to device 'z2m-3'"):
        device_admin.configure_adapter(first.device, {"base_topic": "z2m-lantai23"})


def test_a_zigbee2mqtt_installation_gets_its_base_topic_in_the_acl(
    a_hub: Hub, places: dict[str, int]
) -> None:
    device_admin.register_device(a_hub, bridge("z2m-1"))
    device_admin.register_device(a_hub, bridge("z2m-2", base_topic="z2m-lantai23"))
    device_admin.register_device(a_hub, reader("lobby-1"))
    lines = device_admin.acl_file_lines("user ruang-gateway\ntopic readwrite ruang/#\n")
    assert lines[lines.index("user z2m-1") + 1 :][:1] == ["topic readwrite zigbee2mqtt/#"]
    assert lines[lines.index("user z2m-2") + 1 :][:1] == ["topic readwrite z2m-lantai23/#"]
    assert lines[lines.index("user lobby-1") + 1 :][:2] == [
        f"topic read ruang/v1/{a_hub.slug}/keys",
        f"topic read ruang/v1/{a_hub.slug}/revocations",
    ]
    assert lines[-2:] == ["user ruang-gateway", "topic read z2m-lantai23/#"]


def test_cli_adds_and_configures_a_zigbee2mqtt_installation(
    app: Flask, a_hub: Hub, places: dict[str, int]
) -> None:
    runner = app.test_cli_runner()
    config = json.dumps({"sensors": {"lobby-pir": {"zone": "Lobby"}}})
    added = runner.invoke(
        args=[
            "ruang", "device", "add", "--hub", a_hub.slug, "--id", "z2m-1", "--name", "Z2M",
            "--kind", "sensor", "--adapter", "zigbee2mqtt", "--adapter-config", config,
        ]
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    more = json.dumps({"sensors": {"lobby-pir": {"zone": "Lobby"}, "pir-2": {"room": "Lobby"}}})
    refused = runner.invoke(
        args=["ruang", "device", "configure", "z2m-1", "--adapter-config", more]
    )
    assert refused.exit_code != 0
    assert "no room 'Lobby'" in refused.output
    fixed = more.replace('"room": "Lobby"', '"room": "Ruang Rapat 1"')
    done = runner.invoke(args=["ruang", "device", "configure", "z2m-1", "--adapter-config", fixed])
    assert done.exit_code == 0, done.output
    assert f'"pir-2": {{"room": {places["room"]}}}' in done.output
