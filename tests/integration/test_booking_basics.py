"""The booking engine's main path and its conflicts, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from app.models import BookingStatus, Resource, User
from app.services.booking import bookings
from app.services.errors import BookingConflict, TooCloseToAnotherBooking
from tests.conftest import MONDAY


def at(hour: int, minute: int = 0, day=MONDAY) -> datetime:
    """Wall-clock time at the Jakarta test hub (UTC+7), as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=7)


def test_whole_day_desk_covers_opening_hours(clock, a_desk: Resource, a_member: User) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.start_at, booking.end_at) == (at(8), at(17))
    assert booking.start_at.tzinfo is not None


def test_second_member_gets_a_conflict(clock, a_desk, make_member) -> None:
    first, second = make_member(), make_member()
    bookings.book_whole_day(first.id, a_desk.id, MONDAY)
    with pytest.raises(BookingConflict):
        bookings.book_whole_day(second.id, a_desk.id, MONDAY)


def test_room_buffer_between_bookings(clock, a_hub, a_room, make_member) -> None:
    a_hub.room_buffer_minutes = 30
    bookings.book(make_member().id, a_room.id, at(9), at(10))
    with pytest.raises(TooCloseToAnotherBooking):
        bookings.book(make_member().id, a_room.id, at(10), at(11))
    assert bookings.book(make_member().id, a_room.id, at(10, 30), at(11)).id
