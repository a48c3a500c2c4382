"""The access decision: every deny reason in order, the grant path, replays and duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AccessEvent,
    BookingStatus,
    Direction,
    Door,
    DoorKind,
    Membership,
    PassKind,
    Role,
    UserStatus,
    Zone,
)
from app.services.access import decision as access
from app.services.access import passes
from app.services.access.decision import AccessRequest, Reason, decide_access
from app.services.access.keys import Keyring, generate_key, published_keys, rotate_key
from app.services.booking import bookings
from devices import passcode
from tests.conftest import MONDAY

NINE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


@pytest.fixture
def keyring(tmp_path, session) -> Keyring:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    return ring


@pytest.fixture
def at_nine(clock) -> datetime:
    clock(NINE)
    return NINE


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessEvent))


def decide(token: str, hub, **fields) -> access.Decision:
    return decide_access(AccessRequest(token=token, hub_id=hub.id, **fields))


def member_code(keyring, member) -> str:
    return passes.rotating_token(keyring, member.id).token


def test_member_with_membership_is_granted(keyring, at_nine, a_hub, a_member) -> None:
    decision = decide(member_code(keyring, a_member), a_hub)
    assert decision.granted
    assert decision.reason == Reason.GRANTED
    assert decision.member_name == a_member.name
    event = db.session.scalar(select(AccessEvent))
    assert event.granted
    assert event.member_id == a_member.id
    assert event.latency_ms > 0


def test_first_grant_of_the_day_checks_in_the_booking(keyring, at_nine, a_hub, a_desk, a_member):
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    decision = decide(member_code(keyring, a_member), a_hub)
    assert decision.booking_id == booking.id
    assert booking.status is BookingStatus.CHECKED_IN


def test_a_later_booking_is_checked_in_only_once_check_in_opens(
    keyring, clock, a_hub, a_room, a_member
) -> None:
    clock(NINE)
    two_pm = NINE + timedelta(hours=5)
    booking = bookings.book(a_member.id, a_room.id, two_pm, two_pm + timedelta(hours=1))
    morning = decide(member_code(keyring, a_member), a_hub)
    assert morning.granted  # on the membership
    assert morning.booking_id is None
    assert booking.status is BookingStatus.CONFIRMED
    clock(two_pm - timedelta(minutes=50))  # check-in opens an hour before
    decision = decide(member_code(keyring, a_member), a_hub)
    assert decision.booking_id == booking.id
    assert booking.status is BookingStatus.CHECKED_IN


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:-2], Reason.BAD_FORMAT),
        (lambda t: "not a pass", Reason.BAD_FORMAT),
    ],
)
def test_malformed_tokens(keyring, at_nine, a_hub, a_member, mangle, reason) -> None:
    decision = decide(mangle(member_code(keyring, a_member)), a_hub)
    assert (decision.granted, decision.reason) == (False, reason)
    assert events() == 1  # refusals are stored too


def test_forged_token_other_key(keyring, at_nine, a_hub, a_member) -> None:
    token = member_code(keyring, a_member)
    claims, _, _ = passcode.decode_unverified(token)
    forged = passcode.encode(claims, Ed25519PrivateKey.generate())
    assert decide(forged, a_hub).reason == Reason.BAD_SIGNATURE
    unknown = passcode.encode(
        passcode.PassClaims(200, *list(vars(claims).values())[1:]), Ed25519PrivateKey.generate()
    )
    assert decide(unknown, a_hub).reason == Reason.UNKNOWN_KEY


def test_expired_and_not_yet_valid(keyring, clock, a_hub, a_member) -> None:
    clock(NINE)
    token = member_code(keyring, a_member)
    clock(NINE + timedelta(minutes=3))
    assert decide(token, a_hub).reason == Reason.EXPIRED
    clock(NINE - timedelta(minutes=3))
    assert decide(token, a_hub).reason == Reason.NOT_YET_VALID


def test_rotating_code_cannot_be_replayed(keyring, at_nine, a_hub, a_member) -> None:
    token = member_code(keyring, a_member)
    assert decide(token, a_hub).granted
    again = decide(token, a_hub)
    assert (again.granted, again.reason) == (False, Reason.REPLAYED)
    assert decide(token, a_hub, direction=Direction.OUT).granted  # leaving is another use


def test_one_code_opens_each_door_once(keyring, at_nine, a_hub, a_room, a_member, session):
    """The entrance, then a room door a few steps on, within one code's 30 s: both open; the
    same door again is a replay (a screenshot shown after the member)."""
    entrance = Door(hub=a_hub, name="Lobby", kind=DoorKind.ENTRANCE)
    room_door = Door(hub=a_hub, name="Monas", kind=DoorKind.ROOM, resource=a_room)
    session.add_all([entrance, room_door])
    session.flush()
    bookings.book(a_member.id, a_room.id, NINE, NINE + timedelta(hours=1))
    token = member_code(keyring, a_member)
    assert decide(token, a_hub, door_id=entrance.id).granted
    assert decide(token, a_hub, door_id=room_door.id).granted
    again = decide(token, a_hub, door_id=room_door.id)
    assert (again.granted, again.reason) == (False, Reason.REPLAYED)


def test_duplicate_event_id_is_stored_once(keyring, at_nine, a_hub, a_member) -> None:
    token = member_code(keyring, a_member)
    first = decide(token, a_hub, event_id="reader-1:42")
    second = decide(token, a_hub, event_id="reader-1:42")
    assert first.granted
    assert second.granted
    assert second.duplicate
    assert events() == 1


def test_revoked_lost_phone(keyring, at_nine, a_hub, a_member) -> None:
    token = member_code(keyring, a_member)
    version = a_hub.revocation_version
    assert passes.report_lost_phone(a_member.id) == 1
    assert decide(token, a_hub).reason == Reason.REVOKED
    revoked = passes.revocation_list(a_hub.id)
    assert revoked.version == version + 1
    assert passcode.decode_unverified(token)[0].pass_id in revoked.pass_ids
    assert decide(member_code(keyring, a_member), a_hub).granted  # the new pass works


def test_wrong_hub_for_a_booking_pass(keyring, at_nine, a_hub, make_hub, a_desk, a_member) -> None:
    other = make_hub(name="Other")
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    token = passes.booking_token(keyring, booking.id).token
    assert decide(token, other).reason == Reason.WRONG_HUB
    assert decide(token, a_hub).granted


def test_cancelled_booking_pass_is_refused(keyring, at_nine, a_hub, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY + timedelta(days=1))
    token = passes.booking_token(keyring, booking.id).token
    bookings.cancel_booking(booking.id)
    claims = passcode.decode_unverified(token)[0]
    assert claims.kind is passcode.PassKind.DAY
    assert decide(token, a_hub, at=NINE + timedelta(days=1)).reason == Reason.REVOKED


def test_a_day_pass_does_not_reopen_after_its_booking_is_completed(
    keyring, at_nine, a_hub, a_desk, a_member
) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    token = passes.booking_token(keyring, booking.id).token
    assert decide(token, a_hub).granted
    bookings.complete_booking(booking.id)  # checked out at the front desk
    assert decide(token, a_hub).reason == Reason.NO_ENTITLEMENT


def test_suspended_member(keyring, at_nine, a_hub, a_member) -> None:
    token = member_code(keyring, a_member)
    a_member.status = UserStatus.SUSPENDED
    assert decide(token, a_hub).reason == Reason.MEMBER_SUSPENDED


def test_no_membership_and_no_booking(keyring, at_nine, a_hub, make_member) -> None:
    walker = make_member(plan=None)
    assert decide(member_code(keyring, walker), a_hub).reason == Reason.NO_ENTITLEMENT


def test_a_plan_for_other_hubs_does_not_open_this_one(
    keyring, at_nine, a_hub, make_hub, make_plan, make_member
) -> None:
    elsewhere = make_plan(all_hubs=False, hubs=[make_hub(name="OK OCE Tebet")])
    here = make_plan(all_hubs=False, hubs=[a_hub])
    assert not decide(member_code(keyring, make_member(plan=elsewhere)), a_hub).granted
    assert decide(member_code(keyring, make_member(plan=here)), a_hub).granted


@pytest.mark.parametrize(
    ("starts", "ends", "granted"),
    [
        (MONDAY, None, True),  # starts today
        (MONDAY + timedelta(days=1), None, False),  # starts tomorrow
        (MONDAY - timedelta(days=30), MONDAY + timedelta(days=1), True),  # ends tomorrow
        (MONDAY - timedelta(days=30), MONDAY, False),  # ended today (ends_on is exclusive)
    ],
)
def test_only_a_membership_covering_today_opens_the_door(
    keyring, at_nine, a_hub, a_plan, make_member, session, starts, ends, granted
) -> None:
    member = make_member(plan=None)
    member.memberships.append(Membership(plan=a_plan, starts_on=starts, ends_on=ends))
    session.commit()
    assert member.memberships[0].covers(MONDAY) is granted  # the Python rule agrees
    reason = decide(member_code(keyring, member), a_hub).reason
    assert reason == (Reason.GRANTED if granted else Reason.NO_ENTITLEMENT)


def test_hub_closed(keyring, clock, a_hub, a_member) -> None:
    clock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # 19:00 WIB, after closing
    assert decide(member_code(keyring, a_member), a_hub).reason == Reason.HUB_CLOSED


def test_staff_may_enter_a_closed_hub(keyring, clock, a_hub, make_member) -> None:
    clock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    staff = make_member(plan=None, roles=[(Role.FRONTDESK, a_hub)])
    decision = decide(passes.rotating_token(keyring, staff.id).token, a_hub)
    assert decision.granted
    assert (
        passcode.decode_unverified(passes.rotating_token(keyring, staff.id).token)[0].kind
        is passcode.PassKind.STAFF
    )


def test_room_door_needs_a_booking(keyring, clock, a_hub, a_room, a_member, session) -> None:
    clock(NINE)
    door = Door(hub=a_hub, name="Monas", kind=DoorKind.ROOM, resource=a_room)
    session.add(door)
    session.flush()
    assert decide(member_code(keyring, a_member), a_hub, door_id=door.id).reason == (
        Reason.ROOM_NOT_BOOKED
    )
    bookings.book(a_member.id, a_room.id, NINE, NINE + timedelta(hours=1))
    clock(NINE + timedelta(seconds=30))  # the next code: the first one was refused, not used
    assert decide(member_code(keyring, a_member), a_hub, door_id=door.id).granted


def test_anti_passback(keyring, clock, a_hub, a_member, session) -> None:
    door = Door(hub=a_hub, name="Lobby", kind=DoorKind.ENTRANCE, anti_passback=True)
    session.add(door)
    session.flush()
    clock(NINE)
    assert decide(member_code(keyring, a_member), a_hub, door_id=door.id).granted
    clock(NINE + timedelta(minutes=1))
    second_in = decide(member_code(keyring, a_member), a_hub, door_id=door.id)
    assert second_in.reason == Reason.ANTI_PASSBACK
    out = decide(member_code(keyring, a_member), a_hub, door_id=door.id, direction=Direction.OUT)
    assert out.granted


def test_zone_full(keyring, clock, a_hub, make_member, session) -> None:
    zone = Zone(name="Kecil", capacity=1, floor=a_hub.floors[0] if a_hub.floors else None)
    if zone.floor is None:
        from app.models import Floor

        zone.floor = Floor(name="F", hub=a_hub)
    door = Door(hub=a_hub, name="Zone door", kind=DoorKind.ENTRANCE, zone=zone)
    session.add(door)
    session.flush()
    clock(NINE)
    first, second = make_member(), make_member()
    assert decide(member_code(keyring, first), a_hub, door_id=door.id).granted
    assert decide(member_code(keyring, second), a_hub, door_id=door.id).reason == Reason.ZONE_FULL


def test_guest_pass_quota_and_validity(keyring, at_nine, a_hub, make_plan, make_member) -> None:
    member = make_member(plan=make_plan(guests_per_month=1))
    guest_pass, issued = passes.invite_guest(
        keyring, member.id, a_hub.id, MONDAY, "Tamu", "tamu@example.com"
    )
    assert guest_pass.kind is PassKind.GUEST
    assert decide(issued.token, a_hub).granted
    from app.services.errors import QuotaExceeded

    with pytest.raises(QuotaExceeded):
        passes.invite_guest(keyring, member.id, a_hub.id, MONDAY, "Tamu 2", "t2@example.com")


def test_rotated_key_still_verifies_old_tokens(keyring, at_nine, a_hub, a_member) -> None:
    old = member_code(keyring, a_member)
    rotate_key(keyring)
    new = passes.rotating_token(keyring, a_member.id).token
    keys = published_keys()
    assert len(keys) == 2
    assert passcode.decode_unverified(new)[0].key_id != passcode.decode_unverified(old)[0].key_id
    assert decide(old, a_hub).granted


def test_opening_hours_use_the_hub_zone(keyring, clock, make_hub, make_member) -> None:
    makassar = make_hub(timezone="Asia/Makassar", hours=(time(8), time(17)))
    clock(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # 08:30 WITA, 07:30 WIB
    member = make_member()
    assert decide(member_code(keyring, member), makassar).granted


def test_zone_full_by_people_counter(keyring, clock, a_hub, make_member, session) -> None:
    from app.models import Device, DeviceKind, Floor
    from app.services.devices.occupancy import record_occupancy

    floor = Floor(name="Counted", hub=a_hub)
    zone = Zone(name="Ruang kecil", capacity=3, floor=floor)
    door = Door(hub=a_hub, name="Counted door", kind=DoorKind.ENTRANCE, zone=zone)
    sensor = Device(
        device_id="counter-1", hub=a_hub, name="Counter", kind=DeviceKind.SENSOR, zone=zone
    )
    session.add_all([door, sensor])
    session.flush()
    clock(NINE)
    record_occupancy(sensor, "m1", present=True, count=3, at=NINE)
    refused = decide(member_code(keyring, make_member()), a_hub, door_id=door.id)
    assert refused.reason == Reason.ZONE_FULL
    record_occupancy(sensor, "m2", present=True, count=2, at=NINE)
    assert decide(member_code(keyring, make_member()), a_hub, door_id=door.id).granted
