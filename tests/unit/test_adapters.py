"""Third-party adapters: Tasmota + GM861 and Zigbee2MQTT payloads as their firmware sends them;
anything else gives None, never an exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.adapters import tasmota, zigbee2mqtt

TOKEN = "NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IUKRG*I.I9"


# -- Tasmota + GM861 --------------------------------------------------------------------------


def test_scan_from_gm861_telemetry() -> None:
    payload = json.dumps(
        {"Time": "2026-11-23T09:00:00", "GM861": {"AIM": "Q1", "Code": TOKEN}}
    ).encode()
    assert tasmota.scan_from_sensor(payload) == TOKEN


@pytest.mark.parametrize(
    "payload",
    [
        b'{"Time":"2026-11-23T09:00:00","ANALOG":{"A0":512},"TempUnit":"C"}',  # other telemetry
        b'{"Time":"2026-11-23T09:00:00","GM861":{"AIM":"Q1"}}',  # no code
        b'{"Time":"2026-11-23T09:00:00","GM861":{"AIM":"Q1","Code":""}}',
        b'{"Time":"2026-11-23T09:00:00","GM861":{"AIM":"Q1","Code":42}}',
        b'{"Time":"2026-11-23T09:00:00","GM861":"Q1"}',
        b'{"GM861":{"Code":"' + b"A" * 600 + b'"}}',  # longer than any pass
        b'{"GM861":{"Code":"AB\\u0000C"}}',  # control characters
        b"[1, 2]",
        b"Online",
        b"\xff\xfe",
        b"[" * 3000,  # nested deeper than the JSON parser goes
        b"",
    ],
)
def test_anything_else_on_sensor_is_not_a_scan(payload: bytes) -> None:
    assert tasmota.scan_from_sensor(payload) is None


@pytest.mark.parametrize(
    ("seconds", "value"),
    [(1, 10), (5, 50), (11, 110), (12, 112), (13, 113), (30, 130), (360, 460), (10**6, 64900)],
)
def test_pulse_time_follows_tasmota(seconds: int, value: int) -> None:
    """1..111 are tenths of a second; 112..64900 are seconds + 100 (PulseTime 113 = 13 s)."""
    assert tasmota.pulse_time(seconds) == value


def test_open_door_pulses_the_relay_in_one_backlog() -> None:
    assert tasmota.open_door("tasmota_5AB1C2", 1, 5) == [
        ("cmnd/tasmota_5AB1C2/Backlog", b"PulseTime1 50; Power1 ON")
    ]
    assert tasmota.open_door("pintu-depan", 2, 15) == [
        ("cmnd/pintu-depan/Backlog", b"PulseTime2 115; Power2 ON")
    ]


@pytest.mark.parametrize(
    ("topic", "relay", "seconds"),
    [("a/b", 1, 5), ("x+", 1, 5), ("#", 1, 5), ("", 1, 5), ("t", 0, 5), ("t", 33, 5), ("t", 1, 0)],
)
def test_open_door_refuses_bad_settings(topic: str, relay: int, seconds: int) -> None:
    with pytest.raises(ValueError, match=r"."):
        tasmota.open_door(topic, relay, seconds)


@pytest.mark.parametrize(
    ("payload", "reading"),
    [
        (b'{"battery":97,"linkquality":80,"voltage":3000}', "telemetry"),
        (b'{"state":"ON","power":12.5}', "telemetry"),
        (b"{}", "telemetry"),
        (b'{"occupancy":"yes"}', "unusable"),
        (b'{"people":"7"}', "unusable"),
        (b'{"people":2.5}', "unusable"),
        (b'{"presence":null}', "unusable"),
        (b"online", "unusable"),
        (b"null", "unusable"),
        (b"[1, 2]", "unusable"),
        (b"\x00", "unusable"),
        (b'{"occupancy":true,"people":"x"}', (True, None)),  # what can be read, is
    ],
)
def test_telemetry_is_told_from_unusable_payloads(payload: bytes, reading: object) -> None:
    assert zigbee2mqtt.read_state(payload) == reading


@pytest.mark.parametrize(
    ("topic", "routed"),
    [
        ("zigbee2mqtt/lobby-pir", True),
        ("z2m-lantai23/lobby-pir/availability", True),
        ("zigbee2mqtt/bridge/state", True),
        ("zigbee2mqtt/lobby-pir/set", False),
        ("zigbee2mqtt/bridge/logging", False),
        ("zigbee2mqtt//availability", False),
        ("zigbee2mqtt", False),
    ],
)
def test_zigbee2mqtt_topic_shapes(topic: str, routed: bool) -> None:
    assert zigbee2mqtt.is_bridge_topic(topic.split("/")) is routed


@pytest.mark.parametrize(
    ("payload", "online"),
    [(b"Online", True), (b"Offline", False), (b"online\n", True), (b"Restarting", None)],
)
def test_tasmota_last_will(payload: bytes, online: bool | None) -> None:
    assert tasmota.online_from_lwt(payload) is online


# -- Zigbee2MQTT ------------------------------------------------------------------------------

AQARA_PIR = {
    "battery": 100,
    "voltage": 3045,
    "illuminance": 52,
    "illuminance_lux": 52,
    "linkquality": 120,
    "occupancy": True,
    "device_temperature": 27,
    "power_outage_count": 3,
}
MMWAVE = {
    "presence": False,
    "target_distance": 0,
    "illuminance_lux": 210,
    "linkquality": 156,
    "fading_time": 30,
}
PEOPLE_COUNTER = {"people": 7, "status": "in", "linkquality": 90, "battery": 88}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (AQARA_PIR, (True, None)),
        ({**AQARA_PIR, "occupancy": False}, (False, None)),
        (MMWAVE, (False, None)),
        ({**MMWAVE, "presence": True}, (True, None)),
        ({"occupancy": False, "presence": True}, (True, None)),
        (PEOPLE_COUNTER, (None, 7)),
        ({**PEOPLE_COUNTER, "people": 0, "status": "out"}, (None, 0)),
        ({**PEOPLE_COUNTER, "people": -1, "status": "idle"}, (None, 0)),
        ({**PEOPLE_COUNTER, "occupancy": True}, (True, 7)),
    ],
)
def test_occupancy_from_state(state: dict[str, object], expected: tuple[object, object]) -> None:
    assert zigbee2mqtt.read_state(json.dumps(state).encode()) == expected


@pytest.mark.parametrize(
    "payload",
    [
        b'{"battery":97,"linkquality":80,"voltage":3000}',  # a battery-only update
        b'{"state":"ON","power":12.5}',  # a plug
        b'{"occupancy":"yes"}',
        b'{"people":"7"}',
        b'{"people":2.5}',
        b'{"people":true}',
        b'{"people":1e999}',
        b"online",
        b"null",
        b"\x00",
    ],
)
def test_no_occupancy_in_other_messages(payload: bytes) -> None:
    assert zigbee2mqtt.read_state(payload) in ("telemetry", "unusable")


@pytest.mark.parametrize(
    ("payload", "online"),
    [
        (b"online", True),
        (b"offline", False),
        (b'{"state":"online"}', True),
        (b'{"state": "offline"}', False),
        (b'{"state":"unknown"}', None),
        (b'{"state":1}', None),
        (b"{}", None),
        (b"", None),
    ],
)
def test_availability_old_and_new(payload: bytes, online: bool | None) -> None:
    assert zigbee2mqtt.online_from_availability(payload) is online


# -- nothing a device sends can raise ---------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "GM861": st.dictionaries(st.sampled_from(["AIM", "Code"]), JSON_VALUES),
        "occupancy": JSON_VALUES,
        "presence": JSON_VALUES,
        "people": JSON_VALUES,
        "status": JSON_VALUES,
        "state": JSON_VALUES,
    },
).map(lambda d: json.dumps(d).encode())
PAYLOADS = st.binary(max_size=5000) | SHAPED | JSON_VALUES.map(lambda v: json.dumps(v).encode())


@settings(max_examples=400, deadline=None)
@given(PAYLOADS)
def test_arbitrary_bytes_never_raise(payload: bytes) -> None:
    code = tasmota.scan_from_sensor(payload)
    assert code is None or (isinstance(code, str) and code)
    assert tasmota.online_from_lwt(payload) in (True, False, None)
    assert zigbee2mqtt.online_from_availability(payload) in (True, False, None)
    result = zigbee2mqtt.read_state(payload)
    if not isinstance(result, str):
        present, count = result
        assert present in (True, False, None)
        assert count is None or 0 <= count <= zigbee2mqtt.MAX_PEOPLE
        assert (present, count) != (None, None)
