"""Availability: a floor on one day as a member sees it, and one resource over a range."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from app.models import BookingMode, Closure, ResourceKind
from app.services.booking import availability, bookings
from app.services.booking.availability import SeatState
from app.services.errors import InvalidInput, NotFound
from tests.conftest import MONDAY, SATURDAY, TUESDAY, WEDNESDAY, hub_time


def states(floor_day) -> dict[str, tuple[SeatState, int]]:
    return {r.name: (r.state, r.seats_free) for r in floor_day.resources}


def test_floor_day_states(clock, session, make_resource, a_hub, a_member, make_member) -> None:
    mine, taken, free = (make_resource(a_hub, name=n) for n in ("A01", "A02", "A03"))
    make_resource(a_hub, name="A04", active=False)
    bookings.book_whole_day(a_member.id, mine.id, TUESDAY)
    bookings.book_whole_day(make_member().id, taken.id, TUESDAY)
    day = availability.floor_day(free.floor_id, TUESDAY, viewer_id=a_member.id)
    assert day.is_open
    assert day.opening == (hub_time(a_hub, TUESDAY, 8), hub_time(a_hub, TUESDAY, 17))
    assert states(day) == {
        "A01": (SeatState.MINE, 0),
        "A02": (SeatState.TAKEN, 0),
        "A03": (SeatState.FREE, 1),
        "A04": (SeatState.NOT_BOOKABLE, 0),
    }
    # The same floor for an anonymous viewer: nothing is "mine".
    anonymous = availability.floor_day(free.floor_id, TUESDAY)
    assert states(anonymous)["A01"] == (SeatState.TAKEN, 0)


def test_cancelled_seat_is_free_again(clock, a_desk, a_member) -> None:
    booking = bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    bookings.cancel_booking(booking.id)
    day = availability.floor_day(a_desk.floor_id, TUESDAY, viewer_id=a_member.id)
    assert states(day) == {"A01": (SeatState.FREE, 1)}


def test_pool_seats_free(clock, make_resource, a_hub, make_member) -> None:
    pool = make_resource(a_hub, capacity=3, name="Hot desks")
    for _ in range(2):
        bookings.book_whole_day(make_member().id, pool.id, TUESDAY)
    assert states(availability.floor_day(pool.floor_id, TUESDAY)) == {
        "Hot desks": (SeatState.FREE, 1)
    }
    bookings.book_whole_day(make_member().id, pool.id, TUESDAY)
    assert states(availability.floor_day(pool.floor_id, TUESDAY)) == {
        "Hot desks": (SeatState.TAKEN, 0)
    }


def test_timed_pool_slots_count_seats(clock, make_resource, a_hub, make_member) -> None:
    pool = make_resource(a_hub, ResourceKind.SPACE, capacity=2, mode=BookingMode.TIMED)
    for _ in range(2):
        bookings.book(
            make_member().id, pool.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
        )
    bookings.book(
        make_member().id, pool.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
    )
    slots = {
        s.start: s.seats_free
        for s in availability.floor_day(pool.floor_id, TUESDAY).resources[0].slots
    }
    assert hub_time(a_hub, TUESDAY, 9) not in slots
    assert hub_time(a_hub, TUESDAY, 9, 30) not in slots
    assert slots[hub_time(a_hub, TUESDAY, 10)] == 1
    assert slots[hub_time(a_hub, TUESDAY, 11)] == 2


@pytest.fixture
def room_with_buffer(session, a_hub, a_room, make_member):
    """a_room with a 30-minute buffer, booked Monday 10:00-11:00 by someone else."""
    a_hub.room_buffer_minutes = 30
    session.commit()
    bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11)
    )
    return a_room


def local_slots(hub, resource_day) -> list[time]:
    return [s.start.astimezone(hub.zone).time() for s in resource_day.slots]


def test_room_slots_respect_the_buffer(clock, a_hub, room_with_buffer, a_member) -> None:
    day = availability.floor_day(room_with_buffer.floor_id, MONDAY, viewer_id=a_member.id)
    room = day.resources[0]
    assert room.state is SeatState.FREE
    offered = local_slots(a_hub, room)
    assert offered[:3] == [time(8), time(8, 30), time(9)]
    for blocked in (time(9, 30), time(10), time(10, 30), time(11)):
        assert blocked not in offered
    assert time(11, 30) in offered
    assert offered[-1] == time(16, 30)
    # What is offered can be booked: the slots either side of the buffer.
    assert bookings.book(
        a_member.id, room_with_buffer.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 9, 30)
    ).id
    assert bookings.book(
        a_member.id,
        room_with_buffer.id,
        hub_time(a_hub, MONDAY, 11, 30),
        hub_time(a_hub, MONDAY, 12),
    ).id


def test_past_slots_are_not_offered(clock, a_hub, a_room, a_member) -> None:
    clock(MONDAY, time(10, 10), a_hub)
    room = availability.floor_day(a_room.floor_id, MONDAY).resources[0]
    assert local_slots(a_hub, room)[0] == time(10)  # the running slot may still be booked
    assert bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 10, 30)
    ).id


def test_slots_start_on_slot_boundaries(clock, make_hub, make_resource, a_member) -> None:
    """A hub opening at 08:15 offers hourly slots from 09:00, which the rules accept."""
    hub = make_hub(hours=(time(8, 15), time(17)))
    room = make_resource(hub, ResourceKind.ROOM, slot_minutes=60, min_minutes=60)
    resource_day = availability.floor_day(room.floor_id, TUESDAY).resources[0]
    offered = local_slots(hub, resource_day)
    assert offered[0] == time(9)
    assert offered[-1] == time(16)
    first = resource_day.slots[0]
    assert bookings.book(a_member.id, room.id, first.start, first.end).id


def test_mine_room_still_lists_free_slots(clock, a_hub, a_room, a_member) -> None:
    bookings.book(a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10))
    room = availability.floor_day(a_room.floor_id, TUESDAY, viewer_id=a_member.id).resources[0]
    assert room.state is SeatState.MINE
    assert room.mine == ((hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)),)
    assert time(9) not in local_slots(a_hub, room)
    assert time(10) in local_slots(a_hub, room)


def test_fully_booked_room_is_taken(clock, a_hub, a_room, make_member) -> None:
    for start in (8, 12, 16):
        end = min(start + 4, 17)
        bookings.book(
            make_member().id,
            a_room.id,
            hub_time(a_hub, TUESDAY, start),
            hub_time(a_hub, TUESDAY, end),
        )
    assert states(availability.floor_day(a_room.floor_id, TUESDAY))["Monas"][0] is SeatState.TAKEN


def test_closed_day(clock, session, a_hub, a_desk, a_room) -> None:
    a_hub.closures.append(Closure(on=TUESDAY, name="Maulid Nabi"))
    session.commit()
    for day in (TUESDAY, SATURDAY):
        floor = availability.floor_day(a_desk.floor_id, day)
        assert not floor.is_open
        assert {r.state for r in floor.resources} == {SeatState.NOT_BOOKABLE}
        assert all(r.slots == () and r.seats_free == 0 for r in floor.resources)


def test_day_already_over(clock, a_hub, a_desk) -> None:
    clock(MONDAY, time(17), a_hub)
    assert states(availability.floor_day(a_desk.floor_id, MONDAY)) == {
        "A01": (SeatState.NOT_BOOKABLE, 0)
    }


def test_resource_days_over_a_range(clock, a_hub, a_desk, a_member, make_member) -> None:
    clock(TUESDAY, time(12), a_hub)
    bookings.book_whole_day(a_member.id, a_desk.id, WEDNESDAY)
    bookings.book_whole_day(make_member().id, a_desk.id, WEDNESDAY + timedelta(days=1))
    days = availability.resource_days(
        a_desk.id, MONDAY, MONDAY + timedelta(days=6), viewer_id=a_member.id
    )
    assert [d.state for d in days] == [
        SeatState.NOT_BOOKABLE,  # Monday is over
        SeatState.FREE,  # Tuesday, until 17:00
        SeatState.MINE,
        SeatState.TAKEN,
        SeatState.FREE,
        SeatState.NOT_BOOKABLE,  # Saturday
        SeatState.NOT_BOOKABLE,  # Sunday
    ]


def test_resource_days_bad_range(clock, a_desk) -> None:
    with pytest.raises(InvalidInput):
        availability.resource_days(a_desk.id, TUESDAY, MONDAY)
    with pytest.raises(InvalidInput):
        availability.resource_days(a_desk.id, MONDAY, MONDAY + timedelta(days=62))
    assert len(availability.resource_days(a_desk.id, MONDAY, MONDAY + timedelta(days=61))) == 62


def test_unknown_floor_or_resource(clock, session) -> None:
    with pytest.raises(NotFound):
        availability.floor_day(999_999, MONDAY)
    with pytest.raises(NotFound):
        availability.resource_days(999_999, MONDAY, TUESDAY)
