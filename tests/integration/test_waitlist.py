"""The waitlist: join only when full, first come first served, rule-breakers skipped."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from app.models import BookingSource, BookingStatus, WaitlistEntry, WaitlistStatus
from app.services.booking import bookings, waitlist
from app.services.errors import HubClosed, InvalidInput, NotFound
from tests.conftest import MONDAY, SATURDAY, TUESDAY, hub_time


@pytest.fixture
def entry_count(session):
    def count() -> int:
        return int(session.scalar(select(func.count()).select_from(WaitlistEntry)) or 0)

    return count


@pytest.fixture
def taken_desk(a_desk, a_member):
    """a_desk booked by a_member for Tuesday."""
    return bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)


def test_cannot_wait_for_a_free_seat(clock, a_desk, make_member, entry_count) -> None:
    with pytest.raises(InvalidInput):
        waitlist.join_waitlist_for_day(make_member().id, a_desk.id, TUESDAY)
    assert entry_count() == 0


def test_cannot_wait_on_a_closed_day(clock, a_desk, make_member, entry_count) -> None:
    with pytest.raises(HubClosed):
        waitlist.join_waitlist_for_day(make_member().id, a_desk.id, SATURDAY)
    assert entry_count() == 0


def test_join_and_leave(clock, a_desk, make_member, taken_desk, entry_count) -> None:
    member = make_member()
    entry = waitlist.join_waitlist_for_day(member.id, a_desk.id, TUESDAY)
    assert entry.status is WaitlistStatus.WAITING
    with pytest.raises(InvalidInput):
        waitlist.join_waitlist_for_day(member.id, a_desk.id, TUESDAY)
    assert entry_count() == 1
    with pytest.raises(NotFound):
        waitlist.leave_waitlist(entry.id, member_id=make_member().id)
    assert waitlist.leave_waitlist(entry.id, member_id=member.id).status is WaitlistStatus.CANCELLED
    with pytest.raises(InvalidInput):
        waitlist.leave_waitlist(entry.id, member_id=member.id)
    # Having left, the member may join again.
    assert waitlist.join_waitlist_for_day(member.id, a_desk.id, TUESDAY).id != entry.id


def test_unknown_member_or_resource(clock, a_desk, taken_desk, entry_count) -> None:
    with pytest.raises(NotFound):
        waitlist.join_waitlist_for_day(999_999, a_desk.id, TUESDAY)
    with pytest.raises(NotFound):
        waitlist.join_waitlist_for_day(taken_desk.member_id, 999_999, TUESDAY)
    assert entry_count() == 0


def test_cannot_wait_for_the_past(clock, a_hub, a_desk, a_member, make_member, entry_count):
    bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    clock(MONDAY, time(17, 30), a_hub)
    with pytest.raises(InvalidInput):
        waitlist.join_waitlist_for_day(make_member().id, a_desk.id, MONDAY)
    assert entry_count() == 0


def test_cancel_hands_the_seat_to_the_first_in_line(
    clock, session, a_desk, a_member, make_member, taken_desk
) -> None:
    first, second = make_member(), make_member()
    first_entry = waitlist.join_waitlist_for_day(first.id, a_desk.id, TUESDAY)
    second_entry = waitlist.join_waitlist_for_day(second.id, a_desk.id, TUESDAY)
    bookings.cancel_booking(taken_desk.id, member_id=a_member.id)
    session.expire_all()
    assert first_entry.status is WaitlistStatus.FULFILLED
    assert first_entry.booking is not None
    assert first_entry.booking.member_id == first.id
    assert first_entry.booking.source is BookingSource.WAITLIST
    assert first_entry.booking.status is BookingStatus.CONFIRMED
    assert (first_entry.booking.start_at, first_entry.booking.end_at) == (
        taken_desk.start_at,
        taken_desk.end_at,
    )
    assert second_entry.status is WaitlistStatus.WAITING


def test_no_show_hands_the_seat_on(clock, session, a_hub, a_desk, a_member, make_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    waiting = make_member()
    entry = waitlist.join_waitlist_for_day(waiting.id, a_desk.id, MONDAY)
    clock(MONDAY, time(8, 45), a_hub)
    assert bookings.release_no_shows() == [booking.id]
    session.expire_all()
    assert entry.status is WaitlistStatus.FULFILLED
    assert entry.booking is not None
    assert entry.booking.member_id == waiting.id
    assert entry.booking.source is BookingSource.WAITLIST


def test_rule_breaker_is_skipped(
    clock, session, make_resource, a_hub, a_desk, a_member, make_member, taken_desk
) -> None:
    """The first in line has booked another desk that day since: the next one gets the seat."""
    first, second = make_member(), make_member()
    first_entry = waitlist.join_waitlist_for_day(first.id, a_desk.id, TUESDAY)
    second_entry = waitlist.join_waitlist_for_day(second.id, a_desk.id, TUESDAY)
    bookings.book_whole_day(first.id, make_resource(a_hub).id, TUESDAY)
    bookings.cancel_booking(taken_desk.id, member_id=a_member.id)
    session.expire_all()
    assert first_entry.status is WaitlistStatus.WAITING
    assert second_entry.status is WaitlistStatus.FULFILLED
    assert second_entry.booking is not None
    assert second_entry.booking.member_id == second.id


def test_pool_seat_goes_to_one_waiting_member(
    clock, session, make_resource, a_hub, make_member
) -> None:
    pool = make_resource(a_hub, capacity=2, name="Hot desks")
    holders = [make_member() for _ in range(2)]
    held = [bookings.book_whole_day(m.id, pool.id, TUESDAY) for m in holders]
    entries = [waitlist.join_waitlist_for_day(make_member().id, pool.id, TUESDAY) for _ in range(2)]
    bookings.cancel_booking(held[0].id, member_id=holders[0].id)
    session.expire_all()
    assert [e.status for e in entries] == [WaitlistStatus.FULFILLED, WaitlistStatus.WAITING]
    count = session.scalar(
        select(func.count()).where(
            WaitlistEntry.id.in_([e.id for e in entries]),
            WaitlistEntry.booking_id.is_not(None),
        )
    )
    assert count == 1


def test_timed_room_waitlist(clock, session, a_hub, a_room, a_member, make_member) -> None:
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    )
    waiting = make_member()
    with pytest.raises(InvalidInput):  # 10:00-11:00 is free
        waitlist.join_waitlist(
            waiting.id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
        )
    entry = waitlist.join_waitlist(
        waiting.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    )
    bookings.cancel_booking(booking.id, member_id=a_member.id)
    session.expire_all()
    assert entry.status is WaitlistStatus.FULFILLED
    assert entry.booking is not None
    assert entry.booking.member_id == waiting.id


def test_left_entries_get_nothing(
    clock, session, a_desk, a_member, make_member, taken_desk, booking_count
) -> None:
    member = make_member()
    entry = waitlist.join_waitlist_for_day(member.id, a_desk.id, TUESDAY)
    waitlist.leave_waitlist(entry.id, member_id=member.id)
    bookings.cancel_booking(taken_desk.id, member_id=a_member.id)
    session.expire_all()
    assert entry.status is WaitlistStatus.CANCELLED
    assert entry.booking is None
    assert booking_count() == 1  # only the cancelled one


def test_no_show_of_a_room_hands_the_rest_on(
    clock, session, a_hub, a_room, a_member, make_member
) -> None:
    """A room freed 35 minutes in: the waiting member gets it from the slot running now."""
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 11)
    )
    waiting = make_member()
    entry = waitlist.join_waitlist(
        waiting.id, a_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 11)
    )
    clock(MONDAY, time(9, 35), a_hub)
    assert bookings.release_no_shows() == [booking.id]
    session.expire_all()
    assert entry.status is WaitlistStatus.FULFILLED
    assert entry.booking is not None
    assert entry.booking.member_id == waiting.id
    assert (entry.booking.start_at, entry.booking.end_at) == (
        hub_time(a_hub, MONDAY, 9, 30),
        hub_time(a_hub, MONDAY, 11),
    )
