"""Recurring room bookings: every occurrence checked, a preview that changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.models import Booking, Closure, ResourceKind
from app.services.booking import bookings
from app.services.booking.recurring import (
    Frequency,
    SeriesRequest,
    book_series,
    preview_series,
    series_dates,
)
from app.services.errors import (
    BeyondAdvanceWindow,
    BookingConflict,
    HubClosed,
    InvalidInput,
    NotFound,
    QuotaExceeded,
)
from tests.conftest import MONDAY, hub_time

NEXT_MONDAY = MONDAY + timedelta(weeks=1)


@pytest.fixture
def planner(make_plan, make_member):
    """A member whose plan books 60 days ahead with no room-hour limit."""
    return make_member(plan=make_plan(advance_days=60))


def weekly(member, room, count: int | None = 4, until: date | None = None) -> SeriesRequest:
    hub = room.hub
    return SeriesRequest(
        member_id=member.id,
        resource_id=room.id,
        first_start=hub_time(hub, MONDAY, 10),
        first_end=hub_time(hub, MONDAY, 11),
        frequency=Frequency.WEEKLY,
        count=count,
        until=until,
    )


def test_preview_shows_conflicts_and_changes_nothing(
    clock, session, a_hub, a_room, planner, make_member, booking_count
) -> None:
    taken = bookings.book(
        make_member().id,
        a_room.id,
        hub_time(a_hub, NEXT_MONDAY, 10, 30),
        hub_time(a_hub, NEXT_MONDAY, 11, 30),
    )
    before = booking_count()
    preview = preview_series(weekly(planner, a_room))
    assert booking_count() == before
    assert [o.day for o in preview] == [MONDAY + timedelta(weeks=n) for n in range(4)]
    assert [o.ok for o in preview] == [True, False, True, True]
    assert isinstance(preview[1].error, BookingConflict)
    assert all(o.booking_id is None for o in preview)
    # The preview left what was there before alone.
    session.expire_all()
    assert session.get(Booking, taken.id) is not None


def test_book_series_books_the_rest(clock, session, a_hub, a_room, planner, make_member) -> None:
    bookings.book(
        make_member().id,
        a_room.id,
        hub_time(a_hub, NEXT_MONDAY, 10),
        hub_time(a_hub, NEXT_MONDAY, 11),
    )
    series_id, outcome = book_series(weekly(planner, a_room))
    assert [o.ok for o in outcome] == [True, False, True, True]
    assert isinstance(outcome[1].error, BookingConflict)
    booked = session.scalars(
        select(Booking).where(Booking.series_id == series_id).order_by(Booking.start_at)
    ).all()
    assert [b.id for b in booked] == [o.booking_id for o in outcome if o.ok]
    assert [b.start_at for b in booked] == [
        hub_time(a_hub, MONDAY + timedelta(weeks=n), 10) for n in (0, 2, 3)
    ]
    assert {b.member_id for b in booked} == {planner.id}


def test_daily_until_skips_the_weekend(clock, session, a_hub, a_room, planner) -> None:
    sunday = MONDAY + timedelta(days=6)
    request = SeriesRequest(
        planner.id,
        a_room.id,
        hub_time(a_hub, MONDAY, 14),
        hub_time(a_hub, MONDAY, 15, 30),
        Frequency.DAILY,
        until=sunday,
    )
    _, outcome = book_series(request)
    assert len(outcome) == 7
    assert [o.ok for o in outcome] == [True] * 5 + [False] * 2
    assert all(isinstance(o.error, HubClosed) for o in outcome[5:])
    assert all(o.end - o.start == timedelta(minutes=90) for o in outcome)


def test_closure_and_advance_window_in_a_series(
    clock, session, a_hub, a_room, a_member, booking_count
) -> None:
    a_hub.closures.append(Closure(on=NEXT_MONDAY, name="Hari Guru"))
    session.commit()
    preview = preview_series(weekly(a_member, a_room))  # a_plan: 14 days ahead
    errors = [type(o.error) if o.error else None for o in preview]
    assert errors == [None, HubClosed, None, BeyondAdvanceWindow]
    assert booking_count() == 0


def test_quota_runs_out_during_a_series(
    clock, make_plan, make_member, a_room, booking_count
) -> None:
    member = make_member(plan=make_plan(room_hours_per_month=2, advance_days=60))
    request = SeriesRequest(
        member.id,
        a_room.id,
        hub_time(a_room.hub, MONDAY, 9),
        hub_time(a_room.hub, MONDAY, 10),
        Frequency.DAILY,
        count=3,
    )
    preview = preview_series(request)
    assert [type(o.error) if o.error else None for o in preview] == [None, None, QuotaExceeded]
    assert booking_count() == 0
    _, outcome = book_series(request)
    assert [o.ok for o in outcome] == [True, True, False]
    assert booking_count() == 2


def test_series_keeps_local_wall_clock_in_another_zone(
    clock, make_hub, make_resource, planner
) -> None:
    makassar = make_hub(timezone="Asia/Makassar")
    room = make_resource(makassar, ResourceKind.ROOM)
    _, outcome = book_series(weekly(planner, room, count=3))
    assert [o.start for o in outcome] == [
        hub_time(makassar, MONDAY + timedelta(weeks=n), 10) for n in range(3)
    ]
    assert all(o.ok for o in outcome)


@pytest.mark.parametrize(
    ("count", "until"),
    [(None, None), (3, NEXT_MONDAY), (0, None), (53, None), (None, MONDAY - timedelta(days=1))],
    ids=["neither", "both", "zero", "too-many", "until-before-start"],
)
def test_bad_series(clock, a_room, planner, booking_count, count, until) -> None:
    with pytest.raises(InvalidInput):
        book_series(weekly(planner, a_room, count=count, until=until))
    assert booking_count() == 0


def test_series_too_long_by_date(clock, a_room, planner, booking_count) -> None:
    with pytest.raises(InvalidInput):
        book_series(
            SeriesRequest(
                planner.id,
                a_room.id,
                hub_time(a_room.hub, MONDAY, 9),
                hub_time(a_room.hub, MONDAY, 10),
                Frequency.DAILY,
                until=MONDAY + timedelta(days=60),
            )
        )
    assert booking_count() == 0


def test_series_of_an_unknown_room(clock, planner, a_hub, booking_count) -> None:
    request = SeriesRequest(
        planner.id,
        999_999,
        hub_time(a_hub, MONDAY, 9),
        hub_time(a_hub, MONDAY, 10),
        Frequency.WEEKLY,
        count=2,
    )
    with pytest.raises(NotFound):
        preview_series(request)
    with pytest.raises(NotFound):
        book_series(request)
    assert booking_count() == 0


def test_series_dates() -> None:
    assert series_dates(MONDAY, Frequency.WEEKLY, None, 3) == [
        MONDAY,
        MONDAY + timedelta(weeks=1),
        MONDAY + timedelta(weeks=2),
    ]
    assert series_dates(MONDAY, Frequency.DAILY, MONDAY + timedelta(days=2), None) == [
        MONDAY,
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=2),
    ]
