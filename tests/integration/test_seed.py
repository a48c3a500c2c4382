"""The data tools through the Flask CLI: `seed-demo` (idempotent) and `seed-bulk` (valid data).

Each test gets its own freshly migrated database, because the commands commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    BillingInterval,
    Booking,
    BookingStatus,
    Door,
    DoorKind,
    Floor,
    Hub,
    Plan,
    Resource,
    ResourceKind,
    User,
)
from tests.conftest import make_test_app
from tests.databases import fresh_database

TABLES = [
    "hubs",
    "opening_hours",
    "closures",
    "floors",
    "zones",
    "resources",
    "plans",
    "users",
    "role_grants",
    "memberships",
    "bookings",
    "business_profiles",
    "employment_records",
    "step_records",
    "events",
    "event_registrations",
    "mentor_slots",
    "mentoring_sessions",
]


@pytest.fixture
def fresh_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["ruang", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
        db.session.remove()
    return counts  # type: ignore[return-value]


def test_seed_demo_is_idempotent(fresh_app: Flask) -> None:
    output = run(fresh_app, "seed-demo")
    first = row_counts(fresh_app)
    run(fresh_app, "seed-demo")
    assert row_counts(fresh_app) == first
    assert "admin@demo.ruang.id" in output
    assert first["hubs"] == 5
    assert first["closures"] > 0
    assert first["business_profiles"] == 3
    assert first["events"] == 1  # a training this week
    assert first["event_registrations"] == 1
    assert first["mentor_slots"] == 3
    assert first["mentoring_sessions"] == 1


def test_seed_demo_creates_what_the_issue_asks(fresh_app: Flask) -> None:
    run(fresh_app, "seed-demo")
    with fresh_app.app_context():
        hubs = {hub.slug: hub for hub in db.session.scalars(select(Hub))}
        jfc = next(hub for hub in hubs.values() if hub.name == "Jakarta Future City Hub")
        assert jfc.timezone == "Asia/Jakarta"
        assert "JB Tower" in jfc.address
        resources = [r for floor in jfc.floors for r in floor.resources]
        named_desks = [r for r in resources if r.kind is ResourceKind.DESK and r.capacity == 1]
        pools = [r for r in resources if r.kind is ResourceKind.DESK and r.capacity > 1]
        rooms = [r for r in resources if r.kind is ResourceKind.ROOM]
        spaces = [r for r in resources if r.kind is ResourceKind.SPACE]
        assert len(named_desks) >= 40
        assert len({r.name for r in named_desks}) == len(named_desks)
        assert len(pools) >= 1
        assert len(rooms) == 4
        assert len(spaces) == 1

        centres = [h for h in hubs.values() if h.name.startswith("OK OCE Kecamatan")]
        jakarta_centres = [
            h for h in centres if h.timezone == "Asia/Jakarta" and "Jakarta" in h.city
        ]
        assert len(jakarta_centres) >= 3
        assert any(h.timezone == "Asia/Makassar" for h in hubs.values())

        plans = db.session.scalars(select(Plan)).all()
        assert any(p.subsidised and p.price_idr == 0 for p in plans)
        assert any(p.billing_interval is BillingInterval.MONTH and p.price_idr > 0 for p in plans)
        assert any(p.billing_interval is BillingInterval.DAY for p in plans)
        db.session.remove()


def test_seed_bulk_creates_the_requested_valid_data(fresh_app: Flask, backend: str) -> None:
    run(fresh_app, "seed-demo")  # bulk data goes next to existing rows
    before = row_counts(fresh_app)
    output = run(
        fresh_app,
        "seed-bulk",
        "--hubs=3",
        "--floors-per-hub=2",
        "--resources=90",
        "--members=150",
        "--bookings=1500",
        "--seed=7",
    )
    assert "1500 bookings" in output
    after = row_counts(fresh_app)
    assert after["hubs"] - before["hubs"] == 3
    assert after["floors"] - before["floors"] == 6
    assert after["resources"] - before["resources"] == 90
    assert after["users"] - before["users"] == 150
    assert after["memberships"] - before["memberships"] == 150
    assert after["bookings"] - before["bookings"] == 1500

    with fresh_app.app_context():
        bookings = db.session.scalars(
            select(Booking).join(Resource).join(Floor).join(Hub).where(Hub.slug.like("bulk-%"))
        ).all()
        assert len(bookings) == 1500
        assert len({b.status for b in bookings}) >= 3
        desk_days: Counter[tuple[int, object]] = Counter()
        for booking in bookings:
            resource, hub = booking.resource, booking.resource.hub
            day = hub.local_date(booking.start_at)
            opening = hub.opening_interval(day)
            assert opening is not None, "booked on a closed day"
            assert opening[0] <= booking.start_at < booking.end_at <= opening[1]
            assert booking.exclusive == (resource.capacity == 1)
            if resource.is_whole_day:
                assert (booking.start_at, booking.end_at) == opening
            if resource.kind is ResourceKind.DESK and booking.status in ACTIVE_STATUSES:
                desk_days[(booking.member_id, day)] += 1
        assert max(desk_days.values()) == 1, "a member holds two desks on one day"

        overlaps = db.session.scalar(
            text(
                "SELECT count(*) FROM bookings a JOIN bookings b ON a.resource_id = b.resource_id"
                " AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at"
                " WHERE a.exclusive"
            )
        )
        assert overlaps == 0
        for pool in db.session.scalars(select(Resource).where(Resource.capacity > 1)):
            per_day = Counter(b.start_at for b in bookings if b.resource_id == pool.id)
            assert max(per_day.values(), default=0) <= pool.capacity

        if backend == "postgresql":
            # Every row above went through the exclusion constraint; make sure it is there.
            assert db.session.scalar(
                text("SELECT count(*) FROM pg_constraint WHERE conname = 'ex_bookings_no_overlap'")
            )
        # Ids were assigned by the seed: new rows must still get fresh ones (sequences moved).
        hub = Hub(slug="after-bulk", name="After Bulk", timezone="Asia/Jayapura")
        db.session.add(hub)
        db.session.commit()
        assert hub.id > max(h.id for h in db.session.scalars(select(Hub).where(Hub.id != hub.id)))
        assert db.session.scalar(select(func.count()).select_from(User)) == after["users"]
        db.session.remove()


def test_seed_bulk_refuses_a_database_that_already_has_bulk_data(fresh_app: Flask) -> None:
    run(fresh_app, "seed-bulk", "--hubs=1", "--resources=5", "--members=5", "--bookings=10")
    result = fresh_app.test_cli_runner().invoke(
        args=["ruang", "seed-bulk", "--hubs=1", "--resources=5", "--members=5", "--bookings=10"]
    )
    assert result.exit_code != 0
    assert "already holds bulk data" in result.output


def test_seed_bulk_is_deterministic(clock, backend: str, tmp_path: Path) -> None:
    """Same seed, same day, same clock: the same bookings (statuses depend on the clock)."""
    loaded = []
    for n in range(2):
        tmp = tmp_path / str(n)
        tmp.mkdir()
        with fresh_database(backend, tmp) as url:
            app = make_test_app(url, tmp)
            args = ["--hubs=1", "--resources=12", "--members=20", "--bookings=200", "--seed=3"]
            run(app, "seed-bulk", *args, "--around=2026-11-23")
            with app.app_context():
                loaded.append(
                    db.session.execute(
                        select(
                            Booking.resource_id, Booking.member_id, Booking.start_at, Booking.status
                        ).order_by(Booking.resource_id, Booking.start_at, Booking.member_id)
                    ).all()
                )
                db.session.remove()
                db.engine.dispose()
    assert len(loaded[0]) == 200
    assert loaded[0] == loaded[1]


def test_the_demo_shows_every_door_check_at_any_hour(fresh_app: Flask, clock) -> None:
    """Seeded in the middle of the night (02:00 WIB): the demo hub is open, has a main entrance
    with anti-passback and an exit, a room door serving a room, a door into a zone with a small
    capacity, and bookings from the hub's today on; a second run adds nothing."""
    night = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # Wednesday 02:00 WIB
    clock(night)
    run(fresh_app, "seed-demo")
    first = row_counts(fresh_app)
    run(fresh_app, "seed-demo")
    assert row_counts(fresh_app) == first
    with fresh_app.app_context():
        jfc = db.session.scalar(select(Hub).where(Hub.slug == "jfc-hub"))
        assert jfc is not None
        for hour in range(0, 24 * 7, 5):  # a week of hours, every fifth
            assert jfc.is_open_at(night + timedelta(hours=hour)), hour
        doors = {d.name: d for d in db.session.scalars(select(Door).where(Door.hub_id == jfc.id))}
        kinds = [d.kind for d in doors.values()]
        assert DoorKind.EXIT in kinds
        entrance = next(
            d for d in doors.values() if d.kind is DoorKind.ENTRANCE and d.anti_passback
        )
        assert entrance.from_zone_id is None
        assert entrance.zone_id is not None
        room_door = next(d for d in doors.values() if d.kind is DoorKind.ROOM)
        assert room_door.resource is not None
        small = [
            d.zone for d in doors.values() if d.zone and d.zone.capacity and d.zone.capacity <= 5
        ]
        assert small, "a door into a zone small enough to fill"

        today = jfc.today(night)
        booked = db.session.scalars(
            select(Booking).join(Resource).join(Floor).where(Floor.hub_id == jfc.id)
        ).all()
        days = {jfc.local_date(b.start_at) for b in booked}
        assert {today, today + timedelta(days=1), today + timedelta(days=2)} <= days
        now_covered = [b for b in booked if b.start_at <= night < b.end_at]
        assert any(b.resource_id == room_door.resource_id for b in now_covered)
        assert all(b.status is BookingStatus.CHECKED_IN for b in now_covered)
        assert all(b.status is BookingStatus.CONFIRMED for b in booked if b.start_at > night)
        db.session.remove()
