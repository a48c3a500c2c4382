"""The data the web benchmarks run on: the demo, members on the monthly plan, a busy day, and a
large hub to book in.

The Jakarta Future City Hub's floor has 46 resources (40 desks, a hot-desk pool, 4 meeting
rooms, an event hall); on the busy day 44 of them are booked, as in the floor-page figures of
issue 10. The next bookable day after it is left empty. The bench hub (open every day, BENCH_DESKS
desks) takes the booking load: member i books desk (i + d) % BENCH_DESKS on day d, so every
booking of the run is a distinct, valid desk-day; its last day is kept for the burst.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import Flask
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingMode,
    BookingSource,
    Floor,
    Hub,
    Membership,
    MembershipStatus,
    Plan,
    Resource,
    ResourceKind,
    User,
    utcnow,
)
from app.seed.demo import DEMO_PASSWORD, seed_demo
from app.services.booking.placement import place_booking
from app.services.errors import DomainError
from app.services.hubs.calendar import set_opening_hours
from app.services.people.accounts import hash_password
from app.services.transactions import savepoint, transaction

HUB = "jfc-hub"
PLAN = "bulanan"  # no desk-day quota, 30 days ahead: every member may book every day
PASSWORD = DEMO_PASSWORD


BENCH_HUB = "bench-hub"
BENCH_DESKS = 200


@dataclass(frozen=True)
class WebData:
    hub_slug: str
    busy_day: date  # 44 of 46 resources booked
    free_day: date  # nothing booked: the booking benchmarks book here
    desk_ids: list[int]  # whole-day single desks of the floor
    member_emails: list[str]  # bench members, none booked on free_day
    bench_desk_ids: list[int]  # the bench hub's desks, in order
    bench_days: list[date]  # the bench hub's bookable days, from tomorrow


def member_email(index: int) -> str:
    return f"bench{index:04d}@bench.ruang.id"


def prepare(app: Flask, members: int) -> WebData:
    """Seed the demo, add `members` members on the monthly plan and book the busy day."""
    with app.app_context():
        hub_today = utcnow().date()
        seed_demo(hub_today)
        hub = db.session.scalar(select(Hub).where(Hub.slug == HUB))
        assert hub is not None
        with transaction():  # the same day shape whatever the demo's hours are
            set_opening_hours(hub, {weekday: (time(8), time(20)) for weekday in range(7)})
        busy_day, free_day = _two_open_days(hub, hub.today())
        plan = db.session.scalar(select(Plan).where(Plan.code == PLAN))
        assert plan is not None
        emails = [member_email(i) for i in range(members)]
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        with transaction():
            db.session.execute(
                insert(User),
                [
                    {"email": e, "name": f"Bench {i}", "password_hash": password_hash}
                    | {"email_verified_at": now, "consent_at": now}
                    for i, e in enumerate(emails)
                ],
            )
            ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
            db.session.execute(
                insert(Membership),
                [
                    {
                        "user_id": user_id,
                        "plan_id": plan.id,
                        "status": MembershipStatus.ACTIVE,
                        "starts_on": hub_today.replace(day=1),
                    }
                    for user_id in ids
                ],
            )
        resources = db.session.scalars(
            select(Resource)
            .where(Resource.floor_id.in_([f.id for f in hub.floors]))
            .order_by(Resource.id)
        ).all()
        desks = [r.id for r in resources if r.is_whole_day and not r.is_pool]
        _book_busy_day(hub, busy_day, list(resources), sorted(ids)[-44:])
        bench_desks, bench_days = _bench_hub(hub_today)
        return WebData(
            HUB, busy_day, free_day, desks, emails[: members - 44], bench_desks, bench_days
        )


def _bench_hub(today: date) -> tuple[list[int], list[date]]:
    """A hub open every day, 06:00-22:00, with BENCH_DESKS whole-day desks on one floor."""
    with transaction():
        hub = Hub(slug=BENCH_HUB, name="Bench Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (time(6), time(22)) for weekday in range(7)})
        floor = Floor(name="Bench floor", level=1, plan_width=1600, plan_height=1200)
        hub.floors.append(floor)
        for n in range(BENCH_DESKS):
            floor.resources.append(
                Resource(
                    name=f"B{n:03d}",
                    kind=ResourceKind.DESK,
                    booking_mode=BookingMode.WHOLE_DAY,
                    x=20 + (n % 20) * 78,
                    y=20 + (n // 20) * 110,
                    width=56,
                    height=48,
                )
            )
        db.session.add(hub)
    ids = sorted(r.id for r in floor.resources)
    return ids, [today + timedelta(days=d) for d in range(1, 29)]


def _two_open_days(hub: Hub, today: date) -> tuple[date, date]:
    days = []
    day = today + timedelta(days=1)
    while len(days) < 2:
        if hub.opening_interval(day) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days[0], days[1]


def _book_busy_day(hub: Hub, day: date, resources: list[Resource], member_ids: list[int]) -> None:
    """44 bookings: every single desk, a seat of the pool, and the meeting rooms' mornings."""
    opening = hub.opening_interval(day)
    assert opening is not None
    wanted = [r for r in resources if r.is_whole_day and not r.is_pool]
    wanted += [r for r in resources if r.is_pool][:1]
    wanted += [r for r in resources if not r.is_whole_day][: 44 - len(wanted)]
    with transaction():
        for resource, member_id in zip(wanted, member_ids, strict=False):
            if resource.is_whole_day:
                start, end = opening
            else:
                start = hub.local_datetime(day, time(9))
                end = start + timedelta(hours=1)
            try:
                with savepoint():
                    place_booking(member_id, resource.id, start, end, source=BookingSource.WEB)
            except DomainError:
                pass  # the demo's own members booked it already
    day_start, day_end = hub.local_day_bounds(day)
    booked = db.session.scalar(
        select(func.count(func.distinct(Booking.resource_id))).where(
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at >= day_start,
            Booking.start_at < day_end,
            Booking.resource_id.in_([r.id for r in resources]),
        )
    )
    assert booked >= len(wanted), booked  # the demo may hold one more
