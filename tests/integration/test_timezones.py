"""Time zones: hubs in WIB, WITA and WIT, a server in another zone, bookings near local midnight.

Every calendar question ("which day", "today", "this month", "open now") is answered in the hub's
zone, whatever the server's own zone or the UTC date says.
"""

from __future__ import annotations

import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.models import Hub, ResourceKind
from app.services.booking import availability, bookings
from app.services.booking.availability import SeatState
from app.services.errors import (
    AlreadyBookedThatDay,
    BeyondAdvanceWindow,
    HubClosed,
    InThePast,
    NotOnSlotBoundary,
    QuotaExceeded,
)
from tests.conftest import MONDAY, TUESDAY, hub_time

ALL_DAY = (time(0), time(23, 59))


@pytest.fixture(params=["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def server_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The server's own zone (TZ): UTC as in production, and zones far either side of it."""
    monkeypatch.setenv("TZ", request.param)
    time_module.tzset()
    yield request.param
    monkeypatch.undo()
    time_module.tzset()


@pytest.fixture
def makassar(make_hub) -> Hub:
    """A WITA hub (UTC+8) open Monday to Friday 08:00-17:00."""
    return make_hub(timezone="Asia/Makassar", name="OK OCE Makassar")


def test_hub_zone_labels(make_hub) -> None:
    labels = [
        make_hub(timezone=zone).zone_label
        for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
    ]
    assert labels == ["WIB", "WITA", "WIT"]


def test_wita_whole_day_from_a_server_elsewhere(
    server_zone, clock, makassar, make_resource, a_member
) -> None:
    desk = make_resource(makassar)
    booking = bookings.book_whole_day(a_member.id, desk.id, MONDAY)
    # 08:00-17:00 WITA is 00:00-09:00 UTC, wherever the server is.
    assert (booking.start_at, booking.end_at) == (
        datetime(2026, 11, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 9, tzinfo=UTC),
    )


def test_wita_morning_is_the_previous_utc_day(
    server_zone, clock, makassar, make_resource, a_member
) -> None:
    """At 07:30 WITA on Monday it is still Sunday in UTC; the hub's Monday is what counts."""
    clock(MONDAY, time(7, 30), makassar)
    room = make_resource(makassar, ResourceKind.ROOM)
    booking = bookings.book(
        a_member.id, room.id, hub_time(makassar, MONDAY, 8), hub_time(makassar, MONDAY, 9)
    )
    assert booking.start_at == datetime(2026, 11, 23, 0, tzinfo=UTC)
    day = availability.floor_day(room.floor_id, MONDAY, viewer_id=a_member.id)
    assert day.opening == (
        datetime(2026, 11, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 9, tzinfo=UTC),
    )
    assert [r.state for r in day.resources] == [SeatState.MINE]


def test_wita_is_closed_at_wib_opening(
    server_zone, clock, makassar, make_resource, a_member, booking_count
) -> None:
    """07:30-08:00 WITA is 08:30-09:00 WIB: open in Jakarta, not yet in Makassar."""
    room = make_resource(makassar, ResourceKind.ROOM)
    before = booking_count()
    with pytest.raises(HubClosed) as caught:
        bookings.book(
            a_member.id,
            room.id,
            hub_time(makassar, TUESDAY, 7, 30),
            hub_time(makassar, TUESDAY, 8),
        )
    assert "WITA" in str(caught.value)
    assert booking_count() == before


def test_today_in_hub_time_for_the_advance_window(
    server_zone, clock, a_hub, makassar, make_resource, a_member, booking_count
) -> None:
    """At 16:30 UTC on Monday it is Monday 23:30 in Jakarta and already Tuesday in Makassar."""
    clock(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))
    limit_wita = TUESDAY + timedelta(days=14)  # a_plan: 14 days ahead
    assert bookings.book_whole_day(a_member.id, make_resource(makassar).id, limit_wita).id
    before = booking_count()
    with pytest.raises(BeyondAdvanceWindow):
        bookings.book_whole_day(a_member.id, make_resource(a_hub).id, limit_wita + timedelta(1))
    assert booking_count() == before


def test_today_in_hub_time_for_the_past(
    server_zone, clock, a_hub, makassar, make_resource, a_member, booking_count
) -> None:
    """Monday 17:30 WIB is Monday 18:30 WITA: Monday has ended in both, Tuesday not begun."""
    clock(MONDAY, time(17, 30), a_hub)
    with pytest.raises(InThePast):
        bookings.book_whole_day(a_member.id, make_resource(makassar).id, MONDAY)
    assert booking_count() == 0
    assert bookings.book_whole_day(a_member.id, make_resource(makassar).id, TUESDAY).id


@pytest.fixture
def all_day_wita(make_hub) -> Hub:
    """A WITA hub open every day 00:00-23:59."""
    return make_hub(timezone="Asia/Makassar", hours=ALL_DAY, weekdays=range(7), name="24 jam")


def test_local_midnight_decides_the_day_not_utc(
    server_zone, clock, all_day_wita, make_resource, a_member
) -> None:
    """Two consecutive WITA days both start on the same UTC date; each is its own desk day."""
    desk = make_resource(all_day_wita)
    monday = bookings.book_whole_day(a_member.id, desk.id, MONDAY)
    tuesday = bookings.book_whole_day(a_member.id, desk.id, TUESDAY)
    assert monday.start_at == datetime(2026, 11, 22, 16, tzinfo=UTC)  # Monday 00:00 WITA
    assert tuesday.start_at == datetime(2026, 11, 23, 16, tzinfo=UTC)  # Tuesday 00:00 WITA
    assert monday.end_at == hub_time(all_day_wita, MONDAY, 23, 59)


def test_one_desk_per_local_day_at_midnight(
    server_zone, clock, all_day_wita, make_resource, a_member, booking_count
) -> None:
    """A second desk on Tuesday WITA is refused even though the first is on UTC Monday."""
    bookings.book_whole_day(a_member.id, make_resource(all_day_wita).id, TUESDAY)
    before = booking_count()
    with pytest.raises(AlreadyBookedThatDay):
        bookings.book_whole_day(a_member.id, make_resource(all_day_wita).id, TUESDAY)
    assert booking_count() == before


def test_room_just_after_local_midnight(
    server_zone, clock, all_day_wita, make_resource, a_member
) -> None:
    clock(MONDAY, time(23, 50), all_day_wita)  # 15:50 UTC Monday
    room = make_resource(all_day_wita, ResourceKind.ROOM)
    booking = bookings.book(
        a_member.id, room.id, hub_time(all_day_wita, TUESDAY, 0), hub_time(all_day_wita, TUESDAY, 1)
    )
    assert all_day_wita.local_date(booking.start_at) == TUESDAY
    tuesday = availability.floor_day(room.floor_id, TUESDAY, viewer_id=a_member.id)
    assert tuesday.resources[0].state is SeatState.MINE
    monday = availability.floor_day(room.floor_id, MONDAY, viewer_id=a_member.id)
    assert monday.resources[0].mine == ()


def test_quota_month_in_hub_time(
    server_zone, clock, all_day_wita, make_plan, make_member, make_resource, booking_count
) -> None:
    """1 December 00:00 WITA is still 30 November in UTC; it counts for December."""
    member = make_member(plan=make_plan(desk_days_per_month=1, advance_days=30))
    desk = make_resource(all_day_wita)
    bookings.book_whole_day(member.id, desk.id, date(2026, 11, 30))
    december = bookings.book_whole_day(member.id, desk.id, date(2026, 12, 1))
    assert december.start_at == datetime(2026, 11, 30, 16, tzinfo=UTC)
    before = booking_count()
    with pytest.raises(QuotaExceeded):
        bookings.book_whole_day(member.id, desk.id, date(2026, 12, 2))
    assert booking_count() == before


@pytest.fixture
def late_hub(make_hub) -> Hub:
    """A WITA hub open every evening 18:00 until 02:00 the next morning."""
    return make_hub(
        timezone="Asia/Makassar", hours=(time(18), time(2)), weekdays=range(7), name="Malam"
    )


def test_late_hours_whole_day_runs_past_midnight(
    server_zone, clock, late_hub, make_resource, a_member
) -> None:
    booking = bookings.book_whole_day(a_member.id, make_resource(late_hub).id, MONDAY)
    assert (booking.start_at, booking.end_at) == (
        hub_time(late_hub, MONDAY, 18),
        hub_time(late_hub, TUESDAY, 2),
    )


def test_late_hours_room_across_midnight(
    server_zone, clock, late_hub, make_resource, a_member
) -> None:
    room = make_resource(late_hub, ResourceKind.ROOM)
    booking = bookings.book(
        a_member.id, room.id, hub_time(late_hub, MONDAY, 23), hub_time(late_hub, TUESDAY, 1)
    )
    assert booking.duration == timedelta(hours=2)


def test_late_hours_room_after_midnight(
    server_zone, clock, late_hub, make_resource, a_member, make_member, booking_count
) -> None:
    """00:30-01:30 on Tuesday morning is still Monday evening's opening."""
    room = make_resource(late_hub, ResourceKind.ROOM)
    booking = bookings.book(
        a_member.id, room.id, hub_time(late_hub, TUESDAY, 0, 30), hub_time(late_hub, TUESDAY, 1, 30)
    )
    assert booking.id
    # ... and it shows as busy in Monday's availability.
    monday = availability.floor_day(room.floor_id, MONDAY, viewer_id=make_member().id)
    slot_starts = [s.start for s in monday.resources[0].slots]
    assert hub_time(late_hub, TUESDAY, 0, 30) not in slot_starts
    assert hub_time(late_hub, TUESDAY, 1, 30) in slot_starts
    assert hub_time(late_hub, MONDAY, 23, 30) in slot_starts


def test_late_hours_closed_in_the_afternoon(
    server_zone, clock, late_hub, make_resource, a_member, booking_count
) -> None:
    room = make_resource(late_hub, ResourceKind.ROOM)
    with pytest.raises(HubClosed):
        bookings.book(
            a_member.id, room.id, hub_time(late_hub, TUESDAY, 3), hub_time(late_hub, TUESDAY, 4)
        )
    assert booking_count() == 0


def test_wit_hub(server_zone, clock, make_hub, make_resource, a_member, booking_count) -> None:
    """Asia/Jayapura is UTC+9: at 01:00 UTC it is already 10:00 on Monday."""
    jayapura = make_hub(timezone="Asia/Jayapura", name="OK OCE Jayapura")
    assert jayapura.zone_label == "WIT"
    desk = make_resource(jayapura)
    room = make_resource(jayapura, ResourceKind.ROOM)
    desk_day = bookings.book_whole_day(a_member.id, desk.id, MONDAY)
    assert desk_day.start_at == datetime(2026, 11, 22, 23, tzinfo=UTC)  # 08:00 WIT
    with pytest.raises(InThePast):
        bookings.book(
            a_member.id, room.id, hub_time(jayapura, MONDAY, 9), hub_time(jayapura, MONDAY, 10)
        )
    assert booking_count() == 1
    assert bookings.book(
        a_member.id, room.id, hub_time(jayapura, MONDAY, 10), hub_time(jayapura, MONDAY, 11)
    ).id


def test_slot_boundaries_are_local(
    server_zone, clock, make_hub, make_resource, a_member, booking_count
) -> None:
    """In a zone half an hour off UTC, hourly slots start on the local hour, not the UTC one."""
    kolkata = make_hub(timezone="Asia/Kolkata")
    room = make_resource(kolkata, ResourceKind.ROOM, slot_minutes=60, min_minutes=60)
    assert bookings.book(
        a_member.id, room.id, hub_time(kolkata, TUESDAY, 9), hub_time(kolkata, TUESDAY, 10)
    ).id
    utc_hour = datetime(2026, 11, 24, 5, tzinfo=UTC)  # 10:30 local
    with pytest.raises(NotOnSlotBoundary):
        bookings.book(a_member.id, room.id, utc_hour, utc_hour + timedelta(hours=1))
    assert booking_count() == 1


def test_open_now_in_hub_time(clock, a_hub, makassar) -> None:
    instant = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 07:30 WIB, 08:30 WITA
    assert makassar.is_open_at(instant)
    assert not a_hub.is_open_at(instant)
    assert makassar.today(instant) == a_hub.today(instant) == MONDAY
