"""Ruang cannot double-book: many members racing for the same seat, on every backend.

These tests need real commits seen by other connections, so they do not use the rolled-back
`session` fixture: each backend gets one fresh migrated database for this module, seeded and
committed once. Every attempt runs in its own thread and app context, so it has its own scoped
session and its own pooled connection; a barrier releases them all at once. Each test races for
its own resource or day, so the tests do not depend on each other's outcomes.

The clock is real (nothing can be frozen across threads), so the booking days are computed from
today in the hub's zone: weekdays at least two days ahead, well inside the plan's advance window.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingMode,
    Floor,
    Hub,
    Membership,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
)
from app.models.bookings import peak_overlap
from app.services.booking import bookings
from app.services.errors import DomainError
from app.services.hubs.calendar import set_opening_hours
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database

ATTEMPTS = 50
POOL_CAPACITY = 5
SOLO_ATTEMPTS = 20
ZONE = ZoneInfo("Asia/Jakarta")
OPENS, CLOSES = time(8), time(17)
BOOKED = "booked"

#: A thread stuck at the barrier means an attempt never started; fail instead of hanging.
BARRIER_TIMEOUT = 60


@dataclass(frozen=True)
class Seeded:
    """Ids and days of what the module's database holds, committed before any race."""

    app: Flask
    backend: str
    hub_id: int
    desk_id: int
    pool_id: int
    room_id: int
    solo_desk_ids: list[int]
    quota_desk_ids: list[int]
    crowd_ids: list[int]
    solo_id: int
    last_quota_day_id: int
    days: list[date]
    same_month_days: tuple[date, date]


def weekdays_from(first: date, count: int) -> list[date]:
    """The first `count` Mondays-to-Fridays on or after `first`."""
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def two_weekdays_in_one_month(first: date) -> tuple[date, date]:
    """The earliest two weekdays on or after `first` that fall in the same calendar month."""
    candidates = weekdays_from(first, 10)
    for earlier, later in pairwise(candidates):
        if (earlier.year, earlier.month) == (later.year, later.month):
            return earlier, later
    raise AssertionError("ten consecutive weekdays always hold two in one month")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Wall-clock time at the (Jakarta) race hub, as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def seed(app: Flask, backend: str) -> Seeded:
    """One hub open Monday to Friday, a desk, a pool, a room, spare desks and the members."""
    today = datetime.now(ZONE).date()
    days = weekdays_from(today + timedelta(days=2), 3)
    with app.app_context():
        hub = Hub(slug="race-hub", name="Race Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (OPENS, CLOSES) for weekday in range(5)})
        floor = Floor(name="Floor 1", hub=hub)

        def resource(
            name: str, kind: ResourceKind = ResourceKind.DESK, **fields: object
        ) -> Resource:
            mode = BookingMode.WHOLE_DAY if kind is ResourceKind.DESK else BookingMode.TIMED
            return Resource(floor=floor, name=name, kind=kind, booking_mode=mode, **fields)

        desk = resource("A01")
        pool = resource("Hot desks", capacity=POOL_CAPACITY)
        room = resource(
            "Monas", ResourceKind.ROOM, slot_minutes=30, min_minutes=30, max_minutes=240
        )
        # Separate desks for each one-member race, so neither sees the other's bookings.
        solo_desks = [resource(f"B{n:02d}") for n in range(1, SOLO_ATTEMPTS + 1)]
        quota_desks = [resource(f"C{n:02d}") for n in range(1, SOLO_ATTEMPTS + 1)]
        # Quotas of None are unlimited; the advance window reaches past every day used here.
        unlimited = Plan(code="unlimited", name="Unlimited", advance_days=60)
        one_day = Plan(code="one-day", name="One desk day", desk_days_per_month=1, advance_days=60)

        def member(email: str, plan: Plan) -> User:
            user = User(email=email, name=email.split("@")[0])
            user.roles = [RoleGrant(role=Role.MEMBER)]
            user.memberships = [Membership(plan=plan, starts_on=today - timedelta(days=30))]
            return user

        crowd = [member(f"crowd{n:02d}@example.test", unlimited) for n in range(ATTEMPTS)]
        solo = member("solo@example.test", unlimited)
        last_quota_day = member("quota@example.test", one_day)
        db.session.add_all([hub, *crowd, solo, last_quota_day])
        db.session.commit()
        return Seeded(
            app=app,
            backend=backend,
            hub_id=hub.id,
            desk_id=desk.id,
            pool_id=pool.id,
            room_id=room.id,
            solo_desk_ids=[d.id for d in solo_desks],
            quota_desk_ids=[d.id for d in quota_desks],
            crowd_ids=[m.id for m in crowd],
            solo_id=solo.id,
            last_quota_day_id=last_quota_day.id,
            days=days,
            same_month_days=two_weekdays_in_one_month(today + timedelta(days=2)),
        )


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """A fresh migrated database per backend, seeded and committed, with a pool for every thread."""
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"race-{backend}")
    with fresh_database(backend, tmp) as url:
        # One pooled connection per racing thread (the default 5 + 10 overflow would make most
        # attempts queue for a connection rather than race for the seat).
        options = {**engine_options(url), "pool_size": ATTEMPTS, "max_overflow": 5}
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=options)
        try:
            yield seed(app, backend)
        finally:
            with app.app_context():
                db.engine.dispose()


def race(app: Flask, attempts: list[Callable[[], object]]) -> Counter[str]:
    """Run every attempt at once, each in its own thread, app context, session and connection.

    Returns how many ended in each outcome: "booked", the name of the domain error raised (a clean
    refusal), or "error: ..." for anything else (a crash: what must never happen).
    """
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], object]) -> str:
        with app.app_context():
            try:
                barrier.wait(timeout=BARRIER_TIMEOUT)  # no connection is checked out yet
                attempt()
            except DomainError as exc:
                return type(exc).__name__
            except Exception as exc:
                return f"error: {exc!r}"
            return BOOKED

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return Counter(pool.map(run, attempts))


def active_bookings(app: Flask, resource_ids: list[int], day: date) -> list[Booking]:
    """Active bookings of the resources starting on local `day` at the race hub."""
    start, end = local(day, 0), local(day + timedelta(days=1), 0)
    with app.app_context():
        rows = db.session.scalars(
            select(Booking).where(
                Booking.resource_id.in_(resource_ids),
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start_at >= start,
                Booking.start_at < end,
            )
        ).all()
        db.session.expunge_all()
        return list(rows)


def whole_day(member_id: int, resource_id: int, day: date) -> Callable[[], object]:
    return lambda: bookings.book_whole_day(member_id, resource_id, day)


def timed(member_id: int, resource_id: int, start: datetime, end: datetime) -> Callable[[], object]:
    return lambda: bookings.book(member_id, resource_id, start, end)


# -- races for one seat --------------------------------------------------------------------------


def test_fifty_members_one_desk_exactly_one_booking(seeded: Seeded) -> None:
    day = seeded.days[0]
    outcomes = race(seeded.app, [whole_day(m, seeded.desk_id, day) for m in seeded.crowd_ids])

    assert outcomes == Counter({BOOKED: 1, "BookingConflict": ATTEMPTS - 1})
    held = active_bookings(seeded.app, [seeded.desk_id], day)
    assert len(held) == 1
    assert (held[0].start_at, held[0].end_at) == (local(day, 8), local(day, 17))


def test_fifty_members_pool_of_five_exactly_five_bookings(seeded: Seeded) -> None:
    day = seeded.days[1]
    outcomes = race(seeded.app, [whole_day(m, seeded.pool_id, day) for m in seeded.crowd_ids])

    assert outcomes == Counter({BOOKED: POOL_CAPACITY, "BookingConflict": ATTEMPTS - POOL_CAPACITY})
    held = active_bookings(seeded.app, [seeded.pool_id], day)
    assert len(held) == POOL_CAPACITY
    assert len({b.member_id for b in held}) == POOL_CAPACITY


def test_overlapping_room_slots_exactly_one_booking(seeded: Seeded) -> None:
    """Different but overlapping intervals (09:00-10:00 and 09:30-10:30) exclude each other."""
    day = seeded.days[2]
    intervals = [(local(day, 9), local(day, 10)), (local(day, 9, 30), local(day, 10, 30))]
    outcomes = race(
        seeded.app,
        [timed(m, seeded.room_id, *intervals[n % 2]) for n, m in enumerate(seeded.crowd_ids)],
    )

    assert outcomes == Counter({BOOKED: 1, "BookingConflict": ATTEMPTS - 1})
    held = active_bookings(seeded.app, [seeded.room_id], day)
    assert len(held) == 1
    assert (held[0].start_at, held[0].end_at) in intervals
    assert peak_overlap([(b.start_at, b.end_at) for b in held]) == 1


# -- races by one member -------------------------------------------------------------------------


def test_one_member_many_desks_same_day_gets_one(seeded: Seeded) -> None:
    """One desk per member per day holds when the member books twenty desks at once."""
    day = seeded.days[0]
    outcomes = race(seeded.app, [whole_day(seeded.solo_id, d, day) for d in seeded.solo_desk_ids])

    assert outcomes == Counter({BOOKED: 1, "AlreadyBookedThatDay": SOLO_ATTEMPTS - 1})
    held = active_bookings(seeded.app, seeded.solo_desk_ids, day)
    assert [b.member_id for b in held] == [seeded.solo_id]


def test_last_desk_day_of_quota_is_used_once(seeded: Seeded) -> None:
    """A member with one desk day a month books on two days of that month at once: one wins.

    Attempts alternate between the two days: the ones on the winner's day are refused by the
    one-desk-per-day rule, the ones on the other day by the quota.
    """
    member = seeded.last_quota_day_id
    attempts = [
        whole_day(member, desk, seeded.same_month_days[n % 2])
        for n, desk in enumerate(seeded.quota_desk_ids)
    ]
    outcomes = race(seeded.app, attempts)

    half = SOLO_ATTEMPTS // 2
    assert outcomes == Counter({BOOKED: 1, "AlreadyBookedThatDay": half - 1, "QuotaExceeded": half})
    held = [
        booking
        for day in seeded.same_month_days
        for booking in active_bookings(seeded.app, seeded.quota_desk_ids, day)
        if booking.member_id == member
    ]
    assert len(held) == 1


# -- the database's own guarantee (PostgreSQL) ---------------------------------------------------

INSERT_BOOKING = text(
    "INSERT INTO bookings (resource_id, member_id, start_at, end_at, status, source, exclusive, "
    "created_at, updated_at) VALUES (:resource_id, :member_id, :start_at, :end_at, :status, "
    "'api', :exclusive, now(), now()) RETURNING id"
)


def insert_booking(
    conn: Connection,
    seeded: Seeded,
    start: datetime,
    end: datetime,
    *,
    status: str = "confirmed",
    exclusive: bool = True,
    resource_id: int | None = None,
) -> int:
    """Insert a booking row with plain SQL, bypassing every rule of the service."""
    return int(
        conn.execute(
            INSERT_BOOKING,
            {
                "resource_id": resource_id or seeded.room_id,
                "member_id": seeded.crowd_ids[0],
                "start_at": start,
                "end_at": end,
                "status": status,
                "exclusive": exclusive,
            },
        ).scalar_one()
    )


def test_exclusion_constraint_rejects_overlap_inserted_with_sql(seeded: Seeded) -> None:
    """Even a writer that skips the service cannot double-book an exclusive resource."""
    if seeded.backend != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; BEGIN IMMEDIATE serialises writers")
    day = seeded.days[0] + timedelta(days=7)  # a week no other test books
    with seeded.app.app_context(), db.engine.connect() as conn, conn.begin() as outer:
        first = insert_booking(conn, seeded, local(day, 9), local(day, 10))

        for status in ("confirmed", "checked_in"):
            with pytest.raises(IntegrityError) as caught, conn.begin_nested():
                insert_booking(conn, seeded, local(day, 9, 30), local(day, 10, 30), status=status)
            assert getattr(caught.value.orig, "sqlstate", None) == "23P01"
            assert "ex_bookings_no_overlap" in str(caught.value.orig)

        # Half-open ranges: back to back is not an overlap.
        insert_booking(conn, seeded, local(day, 10), local(day, 11))
        # Inactive bookings and pooled (non-exclusive) ones are not constrained.
        for status in ("cancelled", "no_show", "completed"):
            insert_booking(conn, seeded, local(day, 9), local(day, 10), status=status)
        insert_booking(conn, seeded, local(day, 9), local(day, 10), exclusive=False)
        # The same time on another resource is no overlap either.
        insert_booking(conn, seeded, local(day, 9), local(day, 10), resource_id=seeded.desk_id)

        # Once the holder cancels, the slot is free again.
        conn.execute(text("UPDATE bookings SET status = 'cancelled' WHERE id = :id"), {"id": first})
        insert_booking(conn, seeded, local(day, 9, 30), local(day, 10))
        outer.rollback()


def test_cancelled_booking_does_not_block_the_service(seeded: Seeded) -> None:
    """Cancelling frees the seat for the next racer: one of fifty gets it again."""
    day = seeded.days[0] + timedelta(days=7)
    app, desk = seeded.app, seeded.desk_id
    first = race(app, [whole_day(seeded.crowd_ids[0], desk, day)])
    assert first == Counter({BOOKED: 1})
    (held,) = active_bookings(app, [desk], day)
    with app.app_context():
        bookings.cancel_booking(held.id, override_cutoff=True)

    outcomes = race(app, [whole_day(m, desk, day) for m in seeded.crowd_ids[1:]])

    assert outcomes == Counter({BOOKED: 1, "BookingConflict": ATTEMPTS - 2})
    (again,) = active_bookings(app, [desk], day)
    assert again.member_id != held.member_id
