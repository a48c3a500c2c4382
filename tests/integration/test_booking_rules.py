"""Every rule a new booking must pass, each with its own error, and the booking life cycle.

A refused booking must change nothing: each refusal also checks the number of bookings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from sqlalchemy.orm import Session

from app.models import (
    BookingMode,
    BookingStatus,
    Closure,
    Hub,
    Membership,
    MembershipStatus,
    Plan,
    Resource,
    ResourceKind,
    User,
    UserStatus,
    utcnow,
)
from app.services.booking import bookings
from app.services.errors import (
    AlreadyBookedThatDay,
    BeyondAdvanceWindow,
    BookingConflict,
    CancellationTooLate,
    HubClosed,
    InThePast,
    InvalidDuration,
    InvalidTransition,
    MemberSuspended,
    NoActiveMembership,
    NotFound,
    NotOnSlotBoundary,
    PlanUnavailable,
    QuotaExceeded,
    ResourceUnavailable,
    TooCloseToAnotherBooking,
)
from tests.conftest import MONDAY, SATURDAY, TUESDAY, WEDNESDAY, hub_time

Counter = Callable[[], int]


def refused(error: type[Exception], count: Counter, call: Callable[[], object]) -> Exception:
    """Run `call`, expect `error`, and check that no booking appeared or vanished."""
    before = count()
    with pytest.raises(error) as caught:
        call()
    assert count() == before
    return caught.value


# -- hub open ------------------------------------------------------------------------------------


def test_weekend_is_closed(clock, a_desk: Resource, a_member: User, booking_count) -> None:
    error = refused(
        HubClosed, booking_count, lambda: bookings.book_whole_day(a_member.id, a_desk.id, SATURDAY)
    )
    assert "Saturday" in str(error)


def test_closure_day_is_closed(
    clock, session: Session, a_hub: Hub, a_desk, a_room, a_member, booking_count
) -> None:
    a_hub.closures.append(Closure(on=TUESDAY, name="Cuti Bersama"))
    session.commit()
    error = refused(
        HubClosed, booking_count, lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    )
    assert "Cuti Bersama" in str(error)
    refused(
        HubClosed,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
        ),
    )
    assert bookings.book_whole_day(a_member.id, a_desk.id, WEDNESDAY).id


@pytest.mark.parametrize(
    ("start", "end"),
    [((7, 30), (8, 30)), ((16, 30), (17, 30)), ((17, 0), (18, 0))],
    ids=["before-opening", "past-closing", "after-closing"],
)
def test_room_outside_opening_hours(
    clock, a_hub, a_room, a_member, booking_count, start, end
) -> None:
    refused(
        HubClosed,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, TUESDAY, *start), hub_time(a_hub, TUESDAY, *end)
        ),
    )


def test_room_up_to_closing_time(clock, a_hub, a_room, a_member) -> None:
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 16, 30), hub_time(a_hub, TUESDAY, 17)
    )
    assert booking.end_at == hub_time(a_hub, TUESDAY, 17)


# -- resource ------------------------------------------------------------------------------------


def test_inactive_resource(clock, session, a_desk, a_member, booking_count) -> None:
    a_desk.active = False
    session.commit()
    refused(
        ResourceUnavailable,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


def test_inactive_hub(clock, session, a_hub, a_desk, a_member, booking_count) -> None:
    a_hub.active = False
    session.commit()
    refused(
        ResourceUnavailable,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


# -- duration and slots --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [((9, 0), (13, 30)), ((8, 0), (16, 30))],
    ids=["just-over-max", "far-over-max"],
)
def test_duration_over_maximum(clock, a_hub, a_room, a_member, booking_count, start, end) -> None:
    refused(
        InvalidDuration,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, TUESDAY, *start), hub_time(a_hub, TUESDAY, *end)
        ),
    )


def test_duration_below_minimum(clock, make_resource, a_hub, a_member, booking_count) -> None:
    room = make_resource(a_hub, ResourceKind.ROOM, slot_minutes=15, min_minutes=60)
    refused(
        InvalidDuration,
        booking_count,
        lambda: bookings.book(
            a_member.id, room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 9, 45)
        ),
    )
    assert bookings.book(
        a_member.id, room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    ).id


def test_maximum_duration_is_allowed(clock, a_hub, a_room, a_member) -> None:
    booking = bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 13)
    )
    assert booking.duration == timedelta(hours=4)


@pytest.mark.parametrize(
    ("start", "end"),
    [((9, 15), (10, 15)), ((9, 0), (9, 45)), ((9, 10), (10, 0))],
    ids=["start-off", "end-off", "start-off-end-on"],
)
def test_off_slot_boundary(clock, a_hub, a_room, a_member, booking_count, start, end) -> None:
    refused(
        NotOnSlotBoundary,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, TUESDAY, *start), hub_time(a_hub, TUESDAY, *end)
        ),
    )


def test_seconds_are_off_slot_boundary(clock, a_hub, a_room, a_member, booking_count) -> None:
    start = hub_time(a_hub, TUESDAY, 9) + timedelta(seconds=30)
    refused(
        NotOnSlotBoundary,
        booking_count,
        lambda: bookings.book(a_member.id, a_room.id, start, start + timedelta(hours=1)),
    )


def test_whole_day_desk_must_cover_opening_hours(
    clock, a_hub, a_desk, a_member, booking_count
) -> None:
    refused(
        InvalidDuration,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_desk.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 17)
        ),
    )
    booking = bookings.book(
        a_member.id, a_desk.id, hub_time(a_hub, TUESDAY, 8), hub_time(a_hub, TUESDAY, 17)
    )
    assert booking.status is BookingStatus.CONFIRMED


def test_whole_day_desk_follows_that_days_hours(clock, session, a_hub, a_desk, a_member) -> None:
    """Hours that differ per weekday: the booking covers that local day's hours."""
    a_hub.hours_on_weekday(TUESDAY.weekday()).opens = time(10)
    session.commit()
    booking = bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    assert (booking.start_at, booking.end_at) == (
        hub_time(a_hub, TUESDAY, 10),
        hub_time(a_hub, TUESDAY, 17),
    )


# -- the past and the advance window -------------------------------------------------------------


def test_room_in_the_past(clock, a_hub, a_room, a_member, booking_count) -> None:
    clock(MONDAY, time(10), a_hub)
    refused(
        InThePast,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, MONDAY, 9), hub_time(a_hub, MONDAY, 10)
        ),
    )
    # Starting a whole slot ago is too late ...
    refused(
        InThePast,
        booking_count,
        lambda: bookings.book(
            a_member.id, a_room.id, hub_time(a_hub, MONDAY, 9, 30), hub_time(a_hub, MONDAY, 11)
        ),
    )


def test_room_in_the_current_slot(clock, a_hub, a_room, a_member) -> None:
    clock(MONDAY, time(10, 10), a_hub)
    # ... but the slot that is running may still be booked.
    assert bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11)
    ).id


def test_whole_day_desk_until_closing(clock, a_hub, a_desk, a_member, booking_count) -> None:
    clock(MONDAY, time(16, 30), a_hub)
    assert bookings.book_whole_day(a_member.id, a_desk.id, MONDAY).id
    refused(
        InThePast,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, MONDAY - timedelta(days=3)),
    )


def test_whole_day_desk_after_closing(clock, a_hub, a_desk, a_member, booking_count) -> None:
    clock(MONDAY, time(17), a_hub)
    refused(
        InThePast, booking_count, lambda: bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    )


def test_advance_window(clock, a_desk, a_member, booking_count) -> None:
    last = MONDAY + timedelta(days=14)  # a_plan books 14 days ahead
    assert bookings.book_whole_day(a_member.id, a_desk.id, last).id
    error = refused(
        BeyondAdvanceWindow,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, last + timedelta(days=1)),
    )
    assert error.details["advance_days"] == 14


def test_advance_window_is_per_plan(clock, make_plan, make_member, a_desk, booking_count) -> None:
    member = make_member(plan=make_plan(advance_days=1))
    assert bookings.book_whole_day(member.id, a_desk.id, TUESDAY).id
    refused(
        BeyondAdvanceWindow,
        booking_count,
        lambda: bookings.book_whole_day(member.id, a_desk.id, WEDNESDAY),
    )


# -- quotas --------------------------------------------------------------------------------------


@pytest.fixture
def two_hubs(make_hub, make_resource) -> tuple[Resource, Resource, Resource, Resource]:
    """A desk and a room at each of two hubs (the second one in Makassar)."""
    jakarta = make_hub(name="Jakarta")
    makassar = make_hub(timezone="Asia/Makassar", name="Makassar")
    return (
        make_resource(jakarta),
        make_resource(jakarta, ResourceKind.ROOM, max_minutes=480),
        make_resource(makassar),
        make_resource(makassar, ResourceKind.ROOM, max_minutes=480),
    )


def test_desk_days_quota_across_hubs(
    clock, make_plan, make_member, two_hubs, booking_count
) -> None:
    desk_a, _, desk_b, _ = two_hubs
    member = make_member(plan=make_plan(desk_days_per_month=2))
    bookings.book_whole_day(member.id, desk_a.id, MONDAY)
    bookings.book_whole_day(member.id, desk_b.id, TUESDAY)
    error = refused(
        QuotaExceeded,
        booking_count,
        lambda: bookings.book_whole_day(member.id, desk_a.id, WEDNESDAY),
    )
    assert error.details == {"quota": 2, "used": 2}


def test_cancelled_desk_day_gives_the_quota_back(clock, make_plan, make_member, a_desk) -> None:
    member = make_member(plan=make_plan(desk_days_per_month=1))
    first = bookings.book_whole_day(member.id, a_desk.id, TUESDAY)
    bookings.cancel_booking(first.id, member_id=member.id)
    assert bookings.book_whole_day(member.id, a_desk.id, WEDNESDAY).id


def test_desk_quota_is_per_month(clock, make_plan, make_member, a_desk) -> None:
    member = make_member(plan=make_plan(desk_days_per_month=1, advance_days=30))
    bookings.book_whole_day(member.id, a_desk.id, date(2026, 11, 30))
    assert bookings.book_whole_day(member.id, a_desk.id, date(2026, 12, 1)).id


def test_room_hours_quota_across_hubs(clock, a_member, two_hubs, booking_count) -> None:
    _, room_a, _, room_b = two_hubs
    hub_a, hub_b = room_a.hub, room_b.hub
    bookings.book(a_member.id, room_a.id, hub_time(hub_a, MONDAY, 9), hub_time(hub_a, MONDAY, 13))
    bookings.book(a_member.id, room_b.id, hub_time(hub_b, TUESDAY, 9), hub_time(hub_b, TUESDAY, 13))
    # 8 of a_plan's 10 hours used: 3 more is too many, 2 fits exactly.
    refused(
        QuotaExceeded,
        booking_count,
        lambda: bookings.book(
            a_member.id, room_a.id, hub_time(hub_a, WEDNESDAY, 9), hub_time(hub_a, WEDNESDAY, 12)
        ),
    )
    assert bookings.book(
        a_member.id, room_a.id, hub_time(hub_a, WEDNESDAY, 9), hub_time(hub_a, WEDNESDAY, 11)
    ).id


def test_desk_bookings_do_not_use_room_hours(clock, make_plan, make_member, two_hubs) -> None:
    desk_a, room_a, _, _ = two_hubs
    hub = room_a.hub
    member = make_member(plan=make_plan(room_hours_per_month=1, desk_days_per_month=1))
    bookings.book_whole_day(member.id, desk_a.id, TUESDAY)
    assert bookings.book(
        member.id, room_a.id, hub_time(hub, TUESDAY, 9), hub_time(hub, TUESDAY, 10)
    ).id


# -- one desk a day ------------------------------------------------------------------------------


def test_one_desk_per_member_per_day(
    clock, make_resource, a_hub, a_desk, a_member, booking_count
) -> None:
    other_desk = make_resource(a_hub, name="A02")
    bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    refused(
        AlreadyBookedThatDay,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, other_desk.id, TUESDAY),
    )
    assert bookings.book_whole_day(a_member.id, other_desk.id, WEDNESDAY).id


def test_one_desk_per_day_across_hubs(clock, a_member, two_hubs, booking_count) -> None:
    desk_a, _, desk_b, _ = two_hubs
    bookings.book_whole_day(a_member.id, desk_a.id, TUESDAY)
    refused(
        AlreadyBookedThatDay,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, desk_b.id, TUESDAY),
    )


def test_a_room_on_a_desk_day_is_fine(clock, a_hub, a_desk, a_room, a_member) -> None:
    bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    assert bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    ).id


def test_cancelled_desk_frees_the_day(clock, make_resource, a_hub, a_desk, a_member) -> None:
    first = bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    bookings.cancel_booking(first.id, member_id=a_member.id)
    assert bookings.book_whole_day(a_member.id, make_resource(a_hub).id, TUESDAY).id


# -- buffers between room bookings ---------------------------------------------------------------


def test_buffer_before_and_after(clock, session, a_hub, a_room, make_member, booking_count) -> None:
    a_hub.room_buffer_minutes = 30
    session.commit()
    bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
    )
    other = make_member()
    error = refused(
        TooCloseToAnotherBooking,
        booking_count,
        lambda: bookings.book(
            other.id, a_room.id, hub_time(a_hub, TUESDAY, 9, 30), hub_time(a_hub, TUESDAY, 10)
        ),
    )
    assert error.details["buffer_minutes"] == 30
    refused(
        TooCloseToAnotherBooking,
        booking_count,
        lambda: bookings.book(
            other.id, a_room.id, hub_time(a_hub, TUESDAY, 11), hub_time(a_hub, TUESDAY, 11, 30)
        ),
    )
    # A gap of exactly the buffer is enough, on both sides.
    assert bookings.book(
        other.id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 9, 30)
    ).id
    assert bookings.book(
        other.id, a_room.id, hub_time(a_hub, TUESDAY, 11, 30), hub_time(a_hub, TUESDAY, 12)
    ).id


def test_no_buffer_allows_back_to_back(clock, a_hub, a_room, make_member) -> None:
    bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    )
    assert bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
    ).id


def test_buffer_is_per_room(clock, session, make_resource, a_hub, a_room, make_member) -> None:
    a_hub.room_buffer_minutes = 30
    session.commit()
    other_room = make_resource(a_hub, ResourceKind.ROOM)
    bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    )
    assert bookings.book(
        make_member().id, other_room.id, hub_time(a_hub, TUESDAY, 10), hub_time(a_hub, TUESDAY, 11)
    ).id


def test_overlap_is_a_plain_conflict_not_a_buffer_one(
    clock, session, a_hub, a_room, make_member, booking_count
) -> None:
    a_hub.room_buffer_minutes = 30
    session.commit()
    bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
    )
    error = refused(
        BookingConflict,
        booking_count,
        lambda: bookings.book(
            make_member().id,
            a_room.id,
            hub_time(a_hub, TUESDAY, 9, 30),
            hub_time(a_hub, TUESDAY, 10, 30),
        ),
    )
    assert type(error) is BookingConflict


# -- membership and member -----------------------------------------------------------------------


def test_no_membership(clock, make_member, a_desk, booking_count) -> None:
    member = make_member(plan=None)
    refused(
        NoActiveMembership,
        booking_count,
        lambda: bookings.book_whole_day(member.id, a_desk.id, TUESDAY),
    )


@pytest.mark.parametrize(
    "status",
    [
        MembershipStatus.PENDING,
        MembershipStatus.REJECTED,
        MembershipStatus.SUSPENDED,
        MembershipStatus.CANCELLED,
    ],
)
def test_membership_not_active(clock, session, a_member, a_desk, booking_count, status) -> None:
    a_member.memberships[0].status = status
    session.commit()
    refused(
        NoActiveMembership,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


def test_membership_expired(clock, session, a_member, a_desk, booking_count) -> None:
    a_member.memberships[0].ends_on = TUESDAY  # [starts_on, ends_on): Monday is the last day
    session.commit()
    assert bookings.book_whole_day(a_member.id, a_desk.id, MONDAY).id
    refused(
        NoActiveMembership,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


def test_membership_not_started(clock, make_member, a_desk, booking_count) -> None:
    member = make_member(starts_on=WEDNESDAY)
    refused(
        NoActiveMembership,
        booking_count,
        lambda: bookings.book_whole_day(member.id, a_desk.id, TUESDAY),
    )
    assert bookings.book_whole_day(member.id, a_desk.id, WEDNESDAY).id


def test_plan_not_valid_at_this_hub(
    clock, make_hub, make_resource, make_plan, make_member, a_desk, booking_count
) -> None:
    kecamatan_hub = make_hub(name="OK OCE Tebet")
    member = make_member(plan=make_plan(all_hubs=False, hubs=[kecamatan_hub]))
    refused(
        NoActiveMembership,
        booking_count,
        lambda: bookings.book_whole_day(member.id, a_desk.id, TUESDAY),
    )
    assert bookings.book_whole_day(member.id, make_resource(kecamatan_hub).id, TUESDAY).id


def test_suspended_member(clock, session, a_member, a_desk, booking_count) -> None:
    a_member.status = UserStatus.SUSPENDED
    session.commit()
    refused(
        MemberSuspended,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


def test_deleted_plan(clock, session, a_plan: Plan, a_member, a_desk, booking_count) -> None:
    a_plan.deleted_at = utcnow()
    session.commit()
    refused(
        PlanUnavailable,
        booking_count,
        lambda: bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY),
    )


def test_a_current_plan_wins_over_a_deleted_one(
    clock, session, make_plan, make_member, a_desk
) -> None:
    """A member moved from a withdrawn plan to a current one books on the current one."""
    withdrawn, current = make_plan(deleted_at=utcnow()), make_plan()
    member = make_member(plan=withdrawn, starts_on=date(2026, 1, 1))
    member.memberships.append(Membership(plan=current, starts_on=date(2026, 6, 1)))
    session.commit()
    assert bookings.book_whole_day(member.id, a_desk.id, TUESDAY).id


# -- pools ---------------------------------------------------------------------------------------


def test_whole_day_pool_takes_capacity(
    clock, make_resource, a_hub, make_member, booking_count
) -> None:
    pool = make_resource(a_hub, capacity=3, name="Hot desks")
    for _ in range(3):
        bookings.book_whole_day(make_member().id, pool.id, TUESDAY)
    error = refused(
        BookingConflict,
        booking_count,
        lambda: bookings.book_whole_day(make_member().id, pool.id, TUESDAY),
    )
    assert error.details["capacity"] == 3


def test_timed_pool_counts_peak_overlap(
    clock, make_resource, a_hub, make_member, booking_count
) -> None:
    pool = make_resource(a_hub, ResourceKind.SPACE, capacity=2, mode=BookingMode.TIMED)

    def book(start: tuple[int, int], end: tuple[int, int]) -> object:
        return bookings.book(
            make_member().id,
            pool.id,
            hub_time(a_hub, TUESDAY, *start),
            hub_time(a_hub, TUESDAY, *end),
        )

    book((9, 0), (10, 0))
    book((10, 0), (11, 0))
    # Three bookings overlap 9-11, but never more than two at once.
    book((9, 0), (11, 0))
    refused(BookingConflict, booking_count, lambda: book((9, 30), (10, 30)))
    refused(BookingConflict, booking_count, lambda: book((8, 0), (12, 0)))
    assert book((11, 0), (12, 0))
    assert book((8, 0), (9, 0))


# -- cancel, check in, complete ------------------------------------------------------------------


@pytest.fixture
def room_at_ten(a_hub, a_room, a_member):
    """a_member's room booking Monday 10:00-11:00 WIB (the hub's cut-off is 60 minutes)."""
    return bookings.book(
        a_member.id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11)
    )


def test_cancel_before_cutoff(clock, a_hub, a_member, room_at_ten) -> None:
    clock(MONDAY, time(9), a_hub)  # exactly the cut-off
    cancelled = bookings.cancel_booking(room_at_ten.id, member_id=a_member.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at == hub_time(a_hub, MONDAY, 9)


def test_cancel_after_cutoff(clock, session, a_hub, a_member, room_at_ten, booking_count) -> None:
    clock(MONDAY, time(9, 1), a_hub)
    with pytest.raises(CancellationTooLate):
        bookings.cancel_booking(room_at_ten.id, member_id=a_member.id)
    session.expire_all()
    assert room_at_ten.status is BookingStatus.CONFIRMED
    # Staff may still cancel.
    assert (
        bookings.cancel_booking(room_at_ten.id, override_cutoff=True).status
        is BookingStatus.CANCELLED
    )


def test_cancel_someone_elses_booking(clock, session, make_member, room_at_ten) -> None:
    with pytest.raises(NotFound):
        bookings.cancel_booking(room_at_ten.id, member_id=make_member().id)
    session.expire_all()
    assert room_at_ten.status is BookingStatus.CONFIRMED
    assert room_at_ten.cancelled_at is None


def test_cancel_twice(clock, a_member, room_at_ten) -> None:
    bookings.cancel_booking(room_at_ten.id, member_id=a_member.id)
    with pytest.raises(InvalidTransition):
        bookings.cancel_booking(room_at_ten.id, member_id=a_member.id)


def test_cancelled_slot_can_be_booked_again(
    clock, a_hub, a_room, a_member, make_member, room_at_ten
):
    bookings.cancel_booking(room_at_ten.id, member_id=a_member.id)
    assert bookings.book(
        make_member().id, a_room.id, hub_time(a_hub, MONDAY, 10), hub_time(a_hub, MONDAY, 11)
    ).id


def test_check_in_window(clock, session, a_hub, a_member, room_at_ten) -> None:
    clock(MONDAY, time(8, 59), a_hub)  # more than an hour early
    with pytest.raises(InvalidTransition):
        bookings.check_in(room_at_ten.id, member_id=a_member.id)
    session.expire_all()
    assert room_at_ten.status is BookingStatus.CONFIRMED
    clock(MONDAY, time(9), a_hub)
    checked_in = bookings.check_in(room_at_ten.id, member_id=a_member.id)
    assert checked_in.status is BookingStatus.CHECKED_IN
    assert checked_in.checked_in_at == hub_time(a_hub, MONDAY, 9)


def test_check_in_after_the_end(clock, session, a_hub, room_at_ten) -> None:
    clock(MONDAY, time(11), a_hub)
    with pytest.raises(InvalidTransition):
        bookings.check_in(room_at_ten.id)
    session.expire_all()
    assert room_at_ten.status is BookingStatus.CONFIRMED


def test_check_in_someone_elses_booking(clock, session, a_hub, make_member, room_at_ten) -> None:
    clock(MONDAY, time(10), a_hub)
    with pytest.raises(NotFound):
        bookings.check_in(room_at_ten.id, member_id=make_member().id)
    session.expire_all()
    assert room_at_ten.status is BookingStatus.CONFIRMED


def test_complete_after_check_in(clock, a_hub, a_member, room_at_ten) -> None:
    clock(MONDAY, time(10), a_hub)
    bookings.check_in(room_at_ten.id)
    clock(MONDAY, time(10, 45), a_hub)
    done = bookings.complete_booking(room_at_ten.id, member_id=a_member.id)
    assert done.status is BookingStatus.COMPLETED
    assert done.completed_at == hub_time(a_hub, MONDAY, 10, 45)


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "complete"),
        (["cancel"], "check_in"),
        (["cancel"], "complete"),
        (["check_in"], "check_in"),
        (["check_in"], "cancel"),
        (["check_in", "complete"], "complete"),
        (["check_in", "complete"], "cancel"),
    ],
)
def test_invalid_transitions(clock, session, a_hub, room_at_ten, steps, action) -> None:
    clock(MONDAY, time(9), a_hub)
    run = {
        "cancel": lambda: bookings.cancel_booking(room_at_ten.id),
        "check_in": lambda: bookings.check_in(room_at_ten.id),
        "complete": lambda: bookings.complete_booking(room_at_ten.id),
    }
    for step in steps:
        run[step]()
    session.expire_all()
    status = room_at_ten.status
    with pytest.raises(InvalidTransition):
        run[action]()
    session.expire_all()
    assert room_at_ten.status is status


def test_unknown_booking(clock, session) -> None:
    for action in (bookings.cancel_booking, bookings.check_in, bookings.complete_booking):
        with pytest.raises(NotFound):
            action(999_999)
