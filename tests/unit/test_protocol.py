"""Device protocol v1: topics and payloads round-trip; anything else is a ProtocolError."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import protocol
from devices.protocol import (
    Decision,
    EventAck,
    KeySet,
    Occupancy,
    OfflineEvent,
    ProtocolError,
    RevocationSet,
    Scan,
    Status,
    parse_topic,
    scan_topic,
)

MESSAGES = [
    Scan(id="r1:42", token="ABC", at=1_795_000_000.5, dir="in"),
    Decision(id="r1:42", grant=True, reason="granted", open=5, text="Selamat datang"),
    OfflineEvent(
        id="r1:43", token="ABC", at=1_795_000_001, dir="out", grant=False, reason="expired"
    ),
    EventAck(id="r1:43", stored=True),
    protocol.Command(id="c1", action="unlock", exp=1_795_000_010, open=5),
    Status(state="online", fw="1.2.0", at=1_795_000_000),
    Occupancy(id="s1:7", zone="Area Kerja", at=1_795_000_000, count=12),
    KeySet(keys={"0": "q83vEjRWeJA="}),
    RevocationSet(version=3, ids=[1, 5, 9]),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_round_trip(message: protocol.Message) -> None:
    assert type(message).from_json(message.to_json()) == message
    assert json.loads(message.to_json())["v"] == 1


def test_topics() -> None:
    topic = scan_topic("jfc-hub", "lobby-1")
    assert topic == "ruang/v1/jfc-hub/reader/lobby-1/scan"
    assert parse_topic(topic) == protocol.Route("jfc-hub", "reader", "lobby-1", "scan")
    assert protocol.shared(protocol.GATEWAY_SUBSCRIPTIONS[0]).startswith("$share/ruang-gateway/")
    with pytest.raises(ProtocolError):
        scan_topic("JFC Hub", "lobby-1")
    for bad in [
        "ruang/v1/jfc-hub/reader/lobby-1",
        "/ruang/v1/a/reader/b/scan",
        "ruang/v2/a/reader/b/scan",
        "ruang/v1/a/fridge/b/scan",
        "ruang/v1/a/reader/+/scan",
    ]:
        with pytest.raises(ProtocolError):
            parse_topic(bad)


def test_an_event_ack_goes_to_the_readers_own_ack_topic() -> None:
    topic = protocol.ack_topic("jfc-hub", "lobby-1")
    assert topic == "ruang/v1/jfc-hub/reader/lobby-1/ack"
    assert parse_topic(topic) == protocol.Route("jfc-hub", "reader", "lobby-1", "ack")
    for bad in [
        b'{"v": 1, "id": "a"}',
        b'{"v": 1, "id": "a b", "stored": true}',
        b'{"v": 1, "id": "a", "stored": 1}',
    ]:
        with pytest.raises(ProtocolError):
            EventAck.from_json(bad)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json",
        b"[]",
        b'{"v": 2, "id": "a", "token": "t", "at": 1}',
        b'{"v": 1, "token": "t", "at": 1}',
        b'{"v": 1, "id": "a", "token": 5, "at": 1}',
        b'{"v": 1, "id": "a b", "token": "t", "at": 1}',
        b'{"v": 1, "id": "a", "token": "t", "at": true}',
        b'{"v": 1, "id": "a", "token": "t", "at": 1, "dir": "up"}',
        b"\xff\xfe",
        b"{" + b" " * 5000 + b"}",
    ],
)
def test_malformed_scans_are_protocol_errors(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        Scan.from_json(payload)


def test_missing_direction_means_in() -> None:
    assert Scan.from_json(b'{"v": 1, "id": "a", "token": "t", "at": 1}').dir == "in"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600) | st.text(max_size=300).map(str.encode))
def test_any_bytes_are_a_message_or_a_protocol_error(payload: bytes) -> None:
    for kind in (Scan, OfflineEvent, Status, Occupancy):
        with contextlib.suppress(ProtocolError):
            kind.from_json(payload)


JSON_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=80)
    | st.lists(st.integers(), max_size=5)
)
FIELD_NAMES = [
    "id",
    "token",
    "at",
    "dir",
    "grant",
    "reason",
    "state",
    "fw",
    "zone",
    "present",
    "count",
    "open",
    "text",
    "stored",
]


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES).map(lambda d: {"v": 1, **d}))
def test_json_objects_with_wrong_fields_are_protocol_errors(data: dict) -> None:
    payload = json.dumps(data).encode()
    for kind in (Scan, OfflineEvent, Status, Occupancy, Decision, EventAck):
        try:
            message = kind.from_json(payload)
        except ProtocolError:
            continue
        assert kind.from_json(message.to_json()) == message
