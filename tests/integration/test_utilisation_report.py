"""Utilisation against hand-computed figures: two days at a Jakarta hub open 08:00-17:00 (9 open
hours a day per seat), a room and a desk, and a Jayapura hub for the heatmap's local hours.

By hand, Monday 23 and Tuesday 24 November 2026:
  room: Monday 10-12 completed (2 h), Tuesday 9-10 a no-show, Tuesday 13-14 cancelled
        -> 1 booking, 2 of 18 seat-hours (11.1 %), no-shows 1 of 2 (50 %)
  desk: Monday the whole day, checked in -> 9 of 18 seat-hours (50 %)
  booked hours by day: Monday 11, Tuesday 0
  check-ins (weekday, hour): Jakarta Monday 09:10 twice, Tuesday 00:30 WIB (Monday in UTC);
        Jayapura Monday 09:30 WIT -> (Mon, 9): 3, (Tue, 0): 1
  sensors: a zone present on Monday at 09:05 WIB -> (Mon, 9): 1
"""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

import pytest

from app.extensions import db
from app.models import (
    AccessEvent,
    Booking,
    BookingStatus,
    Direction,
    OccupancySample,
    ResourceKind,
    Role,
    Zone,
)
from app.services.reports.scope import Level, Scope
from app.services.reports.utilisation import utilisation_report
from tests.conftest import MONDAY, TUESDAY

ids = itertools.count(1)


@pytest.fixture
def seeded(session, make_hub, make_resource, a_member, make_member):
    jakarta = make_hub(slug="jkt")
    jayapura = make_hub(timezone="Asia/Jayapura", slug="jyp")
    room = make_resource(jakarta, ResourceKind.ROOM, name="Ruang")
    desk = make_resource(jakarta, name="M01")
    zone = Zone(name="Area", floor=jakarta.floors[0])
    db.session.add(zone)

    def booking(resource, day, start, end, status):
        db.session.add(
            Booking(
                resource_id=resource.id,
                member_id=a_member.id,
                start_at=jakarta.local_datetime(day, time(start)),
                end_at=jakarta.local_datetime(day, time(end)),
                status=status,
            )
        )

    booking(room, MONDAY, 10, 12, BookingStatus.COMPLETED)
    booking(room, TUESDAY, 9, 10, BookingStatus.NO_SHOW)
    booking(room, TUESDAY, 13, 14, BookingStatus.CANCELLED)
    booking(desk, MONDAY, 8, 17, BookingStatus.CHECKED_IN)

    def scan(hub, day, hour, minute, granted=True, direction=Direction.IN):
        db.session.add(
            AccessEvent(
                event_id=f"u-{next(ids)}",
                hub_id=hub.id,
                member_id=a_member.id,
                direction=direction,
                granted=granted,
                reason="granted",
                decided_at=hub.local_datetime(day, time(hour, minute)),
            )
        )

    scan(jakarta, MONDAY, 9, 10)
    scan(jakarta, MONDAY, 9, 10)
    scan(jakarta, TUESDAY, 0, 30)
    scan(jakarta, MONDAY, 11, 0, granted=False)
    scan(jakarta, MONDAY, 12, 0, direction=Direction.OUT)
    scan(jayapura, MONDAY, 9, 30)
    db.session.flush()
    for minute, present in ((5, True), (10, False)):
        db.session.add(
            OccupancySample(
                zone_id=zone.id,
                bucket_start=jakarta.local_datetime(MONDAY, time(9, minute)),
                any_presence=present,
            )
        )
    session.commit()
    return make_member(plan=None, roles=[(Role.PROGRAMME_ADMIN, None)])


def test_utilisation_by_kind_day_and_hour(seeded) -> None:
    report = utilisation_report(Scope(Level.PROGRAMME, "", MONDAY, TUESDAY), seeded)

    kinds = {
        use.kind: (use.bookings, use.no_shows, use.booked_hours, use.open_hours)
        for use in report.by_kind
        if use.hub.slug == "jkt"
    }
    assert kinds == {ResourceKind.ROOM: (1, 1, 2.0, 18.0), ResourceKind.DESK: (1, 0, 9.0, 18.0)}
    room = next(u for u in report.by_kind if u.kind is ResourceKind.ROOM)
    assert round(room.utilisation, 1) == 11.1
    assert room.no_show_rate == 50.0
    assert report.by_day == [(MONDAY, 11.0), (TUESDAY, 0.0)]
    assert dict(report.check_ins) == {(0, 9): 3, (1, 0): 1}
    assert dict(report.sensed) == {(0, 9): 1}


def test_a_later_period_is_empty(seeded) -> None:
    later = MONDAY + timedelta(days=7)
    report = utilisation_report(Scope(Level.HUB, "jkt", later, later), seeded)
    assert report.by_day == [(later, 0.0)]
    assert not report.check_ins
    assert date(2026, 11, 30) == later
