"""Bad input gets a clear error and changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app.models import Hub, UnknownTimeZone, utcnow
from app.services.booking import bookings, waitlist
from app.services.errors import InvalidInput, NotFound, PlanUnavailable, ResourceUnavailable
from tests.conftest import TUESDAY, hub_time


def test_naive_datetimes(clock, a_room, a_member, booking_count) -> None:
    naive_start = datetime.combine(TUESDAY, time(9))
    naive_end = datetime.combine(TUESDAY, time(10))
    aware_end = hub_time(a_room.hub, TUESDAY, 10)
    for start, end in ((naive_start, naive_end), (naive_start, aware_end)):
        with pytest.raises(InvalidInput) as caught:
            bookings.book(a_member.id, a_room.id, start, end)
        assert "time zone" in str(caught.value)
    aware_start = hub_time(a_room.hub, TUESDAY, 9)
    with pytest.raises(InvalidInput):
        bookings.book(a_member.id, a_room.id, aware_start, naive_end)
    with pytest.raises(InvalidInput):
        waitlist.join_waitlist(a_member.id, a_room.id, naive_start, naive_end)
    assert booking_count() == 0


@pytest.mark.parametrize(
    ("start", "end"), [((10, 0), (9, 0)), ((10, 0), (10, 0))], ids=["backwards", "empty"]
)
def test_end_not_after_start(clock, a_room, a_member, booking_count, start, end) -> None:
    hub = a_room.hub
    with pytest.raises(InvalidInput):
        bookings.book(
            a_member.id, a_room.id, hub_time(hub, TUESDAY, *start), hub_time(hub, TUESDAY, *end)
        )
    assert booking_count() == 0


def test_unknown_resource(clock, a_hub, a_member, booking_count) -> None:
    with pytest.raises(NotFound):
        bookings.book(
            a_member.id, 999_999, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10)
        )
    with pytest.raises(NotFound):
        bookings.book_whole_day(a_member.id, 999_999, TUESDAY)
    assert booking_count() == 0


def test_unknown_member(clock, a_hub, a_desk, a_room, booking_count) -> None:
    with pytest.raises(NotFound):
        bookings.book(999_999, a_room.id, hub_time(a_hub, TUESDAY, 9), hub_time(a_hub, TUESDAY, 10))
    with pytest.raises(NotFound):
        bookings.book_whole_day(999_999, a_desk.id, TUESDAY)
    assert booking_count() == 0


def test_inactive_resource(clock, session, a_desk, a_member, booking_count) -> None:
    a_desk.active = False
    session.commit()
    with pytest.raises(ResourceUnavailable):
        bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    assert booking_count() == 0


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "Asia/Jakarta ", "../../etc/passwd"])
def test_unknown_time_zone(session, name: str) -> None:
    with pytest.raises(UnknownTimeZone):
        Hub(slug="mars", name="Olympus Mons", timezone=name)


def test_unknown_time_zone_on_an_existing_hub(session, a_hub) -> None:
    with pytest.raises(UnknownTimeZone):
        a_hub.timezone = "Mars/Olympus"
    assert a_hub.timezone == "Asia/Jakarta"


def test_quotas_of_a_deleted_plan(
    clock, session, make_plan, make_member, a_desk, a_room, booking_count
) -> None:
    plan = make_plan(desk_days_per_month=5, room_hours_per_month=5)
    member = make_member(plan=plan)
    bookings.book_whole_day(member.id, a_desk.id, TUESDAY)
    plan.deleted_at = utcnow()
    session.commit()
    before = booking_count()
    with pytest.raises(PlanUnavailable):
        bookings.book_whole_day(member.id, a_desk.id, TUESDAY + timedelta(days=1))
    hub = a_room.hub
    with pytest.raises(PlanUnavailable):
        bookings.book(member.id, a_room.id, hub_time(hub, TUESDAY, 9), hub_time(hub, TUESDAY, 10))
    assert booking_count() == before
