"""A scan message opens a door once, and what a door did is what the record says.

Tested as an attacker and as a flaky network would behave: the same message again within the
seconds a QoS 1 redelivery takes, a captured message sent again minutes later, a third-party
scanner whose messages carry whole-second times or none, and a reader's offline decision that
reaches the server before or after the gateway's own decision of the same scan. The handlers
run against the real database of each backend with a frozen clock; nothing is timed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.gateway import handlers
from app.models import AccessEvent, Adapter, Device, DeviceKind, Direction, Door, DoorKind, utcnow
from app.services.access import passes
from app.services.access.decision import (
    REDELIVERY_WINDOW,
    OfflineDecision,
    Reason,
    record_offline_event,
)
from app.services.access.keys import Keyring, generate_key
from app.services.booking import bookings
from devices import protocol
from tests.conftest import MONDAY

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
READER, TASMOTA, TASMOTA_TOPIC = "door-1", "door-tasmota", "tasmota_AB12CD"
BACKLOG = f"cmnd/{TASMOTA_TOPIC}/Backlog"


@pytest.fixture
def keyring(tmp_path, session) -> Keyring:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    return ring


@pytest.fixture
def door(session, a_hub) -> Door:
    door = Door(hub=a_hub, name="Entrance", kind=DoorKind.ENTRANCE, open_seconds=5)
    reader = Device(device_id=READER, hub=a_hub, name="Reader", kind=DeviceKind.READER, door=door)
    tasmota = Device(
        device_id=TASMOTA,
        hub=a_hub,
        name="Tasmota door",
        kind=DeviceKind.READER,
        adapter=Adapter.TASMOTA_GM861,
        adapter_config={"topic": TASMOTA_TOPIC, "relay": 1},
        door=door,
    )
    session.add_all([door, reader, tasmota])
    session.commit()
    return door


@pytest.fixture
def day_pass(keyring, clock, a_member, a_desk) -> str:
    """A day pass for today: not a rotating code, so only the message can say it is a copy."""
    clock(NINE)
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    return passes.booking_token(keyring, booking.id).token


def later(clock, delta: timedelta) -> None:
    clock(utcnow() + delta)


def native_scan(a_hub, scan_id: str, token: str) -> handlers.Handled:
    payload = protocol.Scan(id=scan_id, token=token, at=utcnow().timestamp()).to_json()
    topic = protocol.scan_topic(a_hub.slug, READER)
    return handlers.handle(handlers.Incoming(topic, payload, False, utcnow()))


def tasmota_scan(payload: bytes) -> handlers.Handled:
    topic = f"tele/{TASMOTA_TOPIC}/SENSOR"
    return handlers.handle(handlers.Incoming(topic, payload, False, utcnow()))


def gm861(token: str, time: str | None = "2026-11-23T09:00:00") -> bytes:
    body: dict[str, object] = {"GM861": {"AIM": "Q1", "Code": token}}
    if time is not None:
        body = {"Time": time, **body}
    return json.dumps(body).encode()


def relay_pulses(handled: handlers.Handled) -> int:
    return sum(1 for reply in handled.replies if reply.topic == BACKLOG)


def decision_of(handled: handlers.Handled) -> protocol.Decision:
    [reply] = handled.replies
    return protocol.Decision.from_json(reply.payload)


def all_events() -> list[AccessEvent]:
    return list(db.session.scalars(select(AccessEvent).order_by(AccessEvent.id)))


# -- a scan message opens a door once ------------------------------------------------------------


def test_a_redelivery_within_seconds_is_answered_from_the_stored_decision(
    clock, door, a_hub, day_pass
) -> None:
    first = native_scan(a_hub, "s-1", day_pass)
    later(clock, timedelta(seconds=3))
    again = native_scan(a_hub, "s-1", day_pass)
    assert (first.outcome, again.outcome) == ("scan", "scan_duplicate")
    assert decision_of(first) == decision_of(again)
    assert [e.event_id for e in all_events()] == [f"{READER}:s-1"]


def test_a_captured_scan_message_sent_again_later_is_refused_with_an_event_of_its_own(
    clock, door, a_hub, day_pass
) -> None:
    assert decision_of(native_scan(a_hub, "s-2", day_pass)).grant
    later(clock, REDELIVERY_WINDOW + timedelta(minutes=5))
    replayed = native_scan(a_hub, "s-2", day_pass)
    assert replayed.outcome == "scan"  # decided afresh, not answered from the first decision
    assert (decision_of(replayed).grant, decision_of(replayed).reason) == (False, "replayed")
    original, copy = all_events()
    assert (original.granted, copy.granted, copy.reason) == (True, False, Reason.REPLAYED)
    assert copy.event_id.startswith(f"{READER}:s-2~")
    # The day pass itself still opens the door when shown again: a new scan, a new id.
    assert decision_of(native_scan(a_hub, "s-3", day_pass)).grant


def test_a_replay_after_the_pass_expired_says_expired(clock, door, a_hub, keyring, a_member):
    clock(NINE)
    code = passes.rotating_token(keyring, a_member.id).token
    assert decision_of(native_scan(a_hub, "s-4", code)).grant
    later(clock, timedelta(minutes=5))
    assert decision_of(native_scan(a_hub, "s-4", code)).reason == Reason.EXPIRED


def test_a_tasmota_redelivery_never_pulses_the_relay_again_even_after_a_revocation(
    clock, door, a_hub, a_member, day_pass
) -> None:
    message = gm861(day_pass)
    assert relay_pulses(tasmota_scan(message)) == 1
    passes.report_lost_phone(a_member.id)  # revokes the member's passes, the day pass too
    later(clock, timedelta(seconds=2))
    again = tasmota_scan(message)
    assert (again.outcome, relay_pulses(again)) == ("tasmota_scan_duplicate", 0)
    assert len(all_events()) == 1


def test_a_captured_tasmota_message_replayed_minutes_later_opens_nothing(
    clock, door, a_hub, day_pass
) -> None:
    message = gm861(day_pass)
    assert relay_pulses(tasmota_scan(message)) == 1
    later(clock, timedelta(minutes=3))
    replay = tasmota_scan(message)
    assert relay_pulses(replay) == 0
    assert [(e.granted, e.reason) for e in all_events()] == [
        (True, Reason.GRANTED),
        (False, Reason.REPLAYED),
    ]


def test_the_same_code_shown_twice_at_a_scanner_seconds_apart_is_two_scans(
    clock, door, a_hub, keyring, a_member, day_pass
) -> None:
    # Tasmota's Time has whole seconds; without a Time the gateway's own second stands in.
    assert relay_pulses(tasmota_scan(gm861(day_pass, "2026-11-23T09:00:00"))) == 1
    later(clock, timedelta(seconds=3))
    assert relay_pulses(tasmota_scan(gm861(day_pass, "2026-11-23T09:00:03"))) == 1
    assert relay_pulses(tasmota_scan(gm861(day_pass, time=None))) == 1
    later(clock, timedelta(seconds=3))
    assert relay_pulses(tasmota_scan(gm861(day_pass, time=None))) == 1
    code = passes.rotating_token(keyring, a_member.id).token
    assert relay_pulses(tasmota_scan(gm861(code, time=None))) == 1
    later(clock, timedelta(seconds=3))
    assert relay_pulses(tasmota_scan(gm861(code, time=None))) == 0
    reasons = [e.reason for e in all_events()]
    assert reasons == [Reason.GRANTED] * 5 + [Reason.REPLAYED]


# -- what a door did is what the record says ---------------------------------------------------


def offline(a_hub, door, scan_id: str, token: str, granted: bool, reason: str, at: datetime):
    return OfflineDecision(
        token=token, hub_id=a_hub.id, door_id=door.id, direction=Direction.IN,
        event_id=f"{READER}:{scan_id}", granted=granted, reason=reason, at=at,
    )  # fmt: skip


def test_an_upload_after_the_gateway_answered_too_late_is_what_the_door_did(
    clock, door, a_hub, day_pass
) -> None:
    # The reader gave up waiting after 300 ms and refused alone (say its cache had the pass as
    # revoked); the gateway's grant came after that and opened nothing.
    at_door = utcnow()
    assert decision_of(native_scan(a_hub, "s-5", day_pass)).grant
    later(clock, timedelta(minutes=2))
    upload = offline(a_hub, door, "s-5", day_pass, False, "revoked", at_door)
    assert record_offline_event(upload)
    [event] = all_events()
    assert (event.granted, event.reason, event.source) == (False, "revoked", "offline")
    assert event.decided_at == at_door
    assert (event.server_reason, event.server_disagrees) == (Reason.GRANTED, True)
    assert not record_offline_event(upload)  # uploaded again: already stored
    assert len(all_events()) == 1


def test_an_upload_before_the_scan_reaches_the_gateway_stays_the_record(
    clock, door, a_hub, keyring, a_member
) -> None:
    clock(NINE)
    code = passes.rotating_token(keyring, a_member.id).token
    at_door = utcnow()
    later(clock, timedelta(minutes=10))  # the code has expired since
    upload = offline(a_hub, door, "s-6", code, True, "granted", at_door)
    assert record_offline_event(upload)
    # The scan message itself arrives last (a second gateway, a backlog): one event per scan.
    late = native_scan(a_hub, "s-6", code)
    assert late.outcome == "scan_duplicate"
    [event] = all_events()
    assert (event.granted, event.reason, event.source) == (True, "granted", "offline")
    assert (event.server_reason, event.server_disagrees) == (Reason.GRANTED, False)


def test_a_door_grant_the_server_would_refuse_is_kept_with_the_reason_beside_it(
    clock, door, a_hub, keyring, a_member
) -> None:
    clock(NINE)
    passes.rotating_token(keyring, a_member.id)
    at_door = utcnow()
    upload = offline(a_hub, door, "s-7", "NOT-A-RUANG-PASS", True, "granted", at_door)
    assert record_offline_event(upload)
    [event] = all_events()
    assert (event.granted, event.server_reason, event.server_disagrees) == (
        True,
        Reason.BAD_FORMAT,
        True,
    )
