"""No-show release: a booking not checked in within the hub's window is released."""

from __future__ import annotations

from datetime import time

import pytest

from app.models import BookingStatus, ResourceKind
from app.services.booking import availability, bookings
from app.services.booking.availability import SeatState
from app.services.errors import QuotaExceeded
from tests.conftest import MONDAY, TUESDAY, hub_time


def test_not_released_within_the_window(clock, session, a_hub, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)  # 08:00-17:00, window 30
    clock(MONDAY, time(8, 29), a_hub)
    assert bookings.release_no_shows() == []
    session.expire_all()
    assert booking.status is BookingStatus.CONFIRMED


def test_released_after_the_window_and_the_seat_is_free(
    clock, session, a_hub, a_desk, a_member, make_member
) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    clock(MONDAY, time(8, 31), a_hub)
    assert bookings.release_no_shows() == [booking.id]
    session.expire_all()
    assert booking.status is BookingStatus.NO_SHOW

    other = make_member()
    floor = availability.floor_day(a_desk.floor_id, MONDAY, viewer_id=other.id)
    assert [(r.name, r.state, r.seats_free) for r in floor.resources] == [
        ("A01", SeatState.FREE, 1)
    ]
    taken_over = bookings.book_whole_day(other.id, a_desk.id, MONDAY)
    assert taken_over.status is BookingStatus.CONFIRMED


def test_checked_in_bookings_are_untouched(clock, session, a_hub, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    clock(MONDAY, time(8, 10), a_hub)
    bookings.check_in(booking.id)
    clock(MONDAY, time(12), a_hub)
    assert bookings.release_no_shows() == []
    session.expire_all()
    assert booking.status is BookingStatus.CHECKED_IN


def test_future_and_cancelled_bookings_are_untouched(
    clock, session, a_hub, a_desk, a_room, a_member, make_member
) -> None:
    tomorrow = bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    cancelled = bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10)
    )
    bookings.cancel_booking(cancelled.id)
    clock(MONDAY, time(16), a_hub)
    assert bookings.release_no_shows() == []
    session.expire_all()
    assert tomorrow.status is BookingStatus.CONFIRMED
    assert cancelled.status is BookingStatus.CANCELLED


def test_window_is_per_hub(clock, session, make_hub, make_resource, a_member, make_member) -> None:
    strict = make_hub(no_show_minutes=15)
    relaxed = make_hub(no_show_minutes=60)
    at_strict = bookings.book_whole_day(a_member.id, make_resource(strict).id, MONDAY)
    at_relaxed = bookings.book_whole_day(make_member().id, make_resource(relaxed).id, MONDAY)
    clock(MONDAY, time(8, 20), strict)
    assert bookings.release_no_shows() == [at_strict.id]
    clock(MONDAY, time(9, 1), relaxed)
    assert bookings.release_no_shows() == [at_relaxed.id]
    session.expire_all()
    assert {at_strict.status, at_relaxed.status} == {BookingStatus.NO_SHOW}


def test_released_room_can_be_booked_for_the_rest(
    clock, session, a_hub, a_room, a_member, make_member
) -> None:
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 11)
    )
    clock(MONDAY, time(9, 35), a_hub)
    assert bookings.release_no_shows() == [booking.id]
    other = make_member()
    floor = availability.floor_day(a_room.floor_id, MONDAY, viewer_id=other.id)
    assert hub_time(a_hub, MONDAY, 9, 30) in [slot.start for slot in floor.resources[0].slots]
    assert bookings.book(
        other.id, a_room.id, hub_time(a_hub, MONDAY, 9, 30), hub_time(a_hub, MONDAY, 11)
    ).id


def test_release_is_idempotent(clock, a_hub, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    clock(MONDAY, time(9), a_hub)
    assert bookings.release_no_shows() == [booking.id]
    assert bookings.release_no_shows() == []


def test_no_show_counts_against_the_quota(
    clock, make_plan, make_member, make_resource, a_hub, a_desk
) -> None:
    member = make_member(plan=make_plan(room_hours_per_month=1))
    room = make_resource(a_hub, ResourceKind.ROOM)
    bookings.book(member.id, room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10))
    clock(MONDAY, time(9, 45), a_hub)
    bookings.release_no_shows()
    with pytest.raises(QuotaExceeded):  # a no-show still used its room hour
        bookings.book(member.id, room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10))
