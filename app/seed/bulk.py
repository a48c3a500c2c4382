"""Bulk data for benchmarks: hubs, floors, desks, rooms, members and many bookings.

Fast because it skips the ORM: rows are plain dicts written with SQLAlchemy Core executemany
(`db.session.execute(insert(table), rows)`) in batches, one transaction per batch. Ids of the
small tables are assigned here (max(id) + 1 onwards) so bookings can refer to them without a
round trip; PostgreSQL sequences are moved past them at the end.

The bookings are valid, as the booking engine would have made them:

- whole-day desk and pool bookings cover the hub's opening hours of that local day; room
  bookings are 60-120 minutes on slot boundaries, one per 2-hour block, so they never overlap;
- an exclusive (capacity-1) resource has at most one booking at any time, a pool of capacity N
  at most N, whatever their status, so the PostgreSQL exclusion constraint accepts every row;
- a member holds at most one booking per day as long as there are at least as many members as
  bookable seats in a day (`BulkPlan.seats_per_day`), so "one desk per member per day" holds;
- statuses follow the clock: completed / no-show / cancelled in the past, checked-in or
  confirmed today, confirmed / cancelled in the future.

Bookings fill `occupancy` of the seats of each open day, on days around `around` (default
today): the window grows with the number of bookings asked for (or is `days` long), so the
busiest floor-day looks the same at 10,000 and at 1,000,000 bookings and only history grows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from app.extensions import db
from app.models import (
    BillingInterval,
    Booking,
    BookingMode,
    BookingSource,
    BookingStatus,
    Floor,
    Hub,
    Membership,
    MembershipStatus,
    OpeningHours,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
    UserStatus,
    Zone,
    utcnow,
)
from app.seed.bulk_programme import PROGRAMME_TABLES, HubDays, ProgrammeCounts, seed_programme
from app.seed.bulk_write import advance_sequences, analyse, next_id, table_of, write_rows
from app.seed.geography import PLACES, WIB, hub_places

#: Slug prefix of every bulk hub; a database holding one already is refused.
SLUG_PREFIX = "bulk-"
EMAIL_DOMAIN = "bulk.ruang.test"
#: Seats of the hot-desk pool on each floor with enough resources for one.
POOL_CAPACITY = 10
#: One meeting room per this many resources on a floor.
RESOURCES_PER_ROOM = 25
#: Rooms are booked at most once per block of this length, starting at the block's start.
ROOM_BLOCK = timedelta(hours=2)
MIN_ROOM_BOOKING = timedelta(hours=1)

FIRST_NAMES = ["Siti", "Budi", "Ayu", "Dewi", "Rudi", "Agus", "Putri", "Andi", "Wati", "Yusuf"]
LAST_NAMES = ["Rahayu", "Santoso", "Lestari", "Wijaya", "Saputra", "Hidayat", "Nasution", "Siregar"]
SECTORS = ["Kuliner", "Fashion", "Kriya", "Teknologi", "Jasa", "Pertanian"]
PLANS: list[dict[str, Any]] = [
    dict(code="bulk-umkm", name="Bulk UMKM", price_idr=0, subsidised=True),
    dict(code="bulk-bulanan", name="Bulk Bulanan", price_idr=750_000),
    dict(
        code="bulk-day-pass",
        name="Bulk Day Pass",
        price_idr=50_000,
        billing_interval=BillingInterval.DAY,
    ),
]


class BulkSeedError(ValueError):
    """The request cannot be met (bad numbers, or bulk data already present)."""


@dataclass(frozen=True)
class BulkSpec:
    """What to create. Resources are spread evenly over hubs x floors_per_hub floors."""

    hubs: int = 10
    floors_per_hub: int = 1
    resources: int = 2000
    members: int = 5000
    bookings: int = 1_000_000
    seed: int = 1
    around: date | None = None
    days: int | None = None
    occupancy: float = 0.9
    batch_size: int = 10_000
    #: Programme data (business profiles and steps are made for every member regardless).
    access_events: int = 0
    events: int = 0
    mentors: int = 0

    @classmethod
    def at_scale(cls, scale: float, **overrides: Any) -> BulkSpec:
        """The programme's size times `scale` (1.0: 300 hubs, 200,000 members, 2 M bookings,
        5 M access events, 20,000 events, 600 mentors), the same days at every scale."""
        if not 0 < scale <= 1:
            raise BulkSeedError("scale must be in (0, 1]")
        hubs = max(1, round(300 * scale))
        numbers: dict[str, Any] = dict(
            hubs=hubs,
            resources=30 * hubs,
            members=round(200_000 * scale),
            bookings=round(2_000_000 * scale),
            access_events=round(5_000_000 * scale),
            events=round(20_000 * scale),
            mentors=2 * hubs,
        )
        return cls(**(numbers | overrides))

    def check(self) -> None:
        """Raise BulkSeedError unless the numbers make sense together."""
        if min(self.hubs, self.floors_per_hub, self.members) < 1:
            raise BulkSeedError("hubs, floors per hub and members must be at least 1")
        if self.resources < self.hubs * self.floors_per_hub:
            raise BulkSeedError("need at least one resource per floor")
        if self.bookings < 0 or self.batch_size < 1:
            raise BulkSeedError("bookings must be >= 0 and the batch size >= 1")
        if not 0 < self.occupancy <= 1:
            raise BulkSeedError("occupancy must be in (0, 1]")
        if min(self.access_events, self.events, self.mentors) < 0:
            raise BulkSeedError("access events, events and mentors must be >= 0")
        if self.days is not None and self.days < 1:
            raise BulkSeedError("days must be at least 1")


@dataclass(frozen=True)
class BulkResult:
    """What was created, and where the bookings lie."""

    hub_ids: list[int]
    floor_ids: list[int]
    resources: int
    members: int
    bookings: int
    first_day: date
    last_day: date
    around: date
    seats_per_day: int
    programme: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Seat:
    """One bookable unit of one resource on a day: offsets from that day's opening."""

    resource_id: int
    exclusive: bool
    start: timedelta
    end: timedelta | None  # None: until closing (whole-day)


@dataclass
class _HubPlan:
    id: int
    zone: ZoneInfo
    hours: dict[int, tuple[time, time]]
    seats: list[_Seat] = field(default_factory=list)
    _by_weekday: dict[int, list[_Seat]] = field(default_factory=dict)

    def seats_on(self, day: date) -> list[_Seat]:
        """The seats bookable on `day`: none when closed, fewer room blocks on short days."""
        weekday = day.weekday()
        if weekday not in self._by_weekday:
            hours = self.hours.get(weekday)
            length = (
                datetime.combine(day, hours[1], UTC) - datetime.combine(day, hours[0], UTC)
                if hours
                else timedelta(0)
            )
            self._by_weekday[weekday] = [
                seat
                for seat in self.seats
                if hours and (seat.end is None or seat.start + MIN_ROOM_BOOKING <= length)
            ]
        return self._by_weekday[weekday]

    def opening(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self.hours.get(day.weekday())
        if hours is None:
            return None
        opens = datetime.combine(day, hours[0], tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, hours[1], tzinfo=self.zone).astimezone(UTC)
        return opens, closes


ProgressCallback = Callable[[int], None]


def seed_bulk(spec: BulkSpec, progress: ProgressCallback | None = None) -> BulkResult:
    """Create the bulk data set described by `spec`; `progress(n)` is told of each batch."""
    spec.check()
    if db.session.scalar(select(Hub.id).where(Hub.slug.startswith(SLUG_PREFIX)).limit(1)):
        raise BulkSeedError("this database already holds bulk data; use a fresh database")
    rng = random.Random(spec.seed)
    now = utcnow()
    around = spec.around or now.date()
    hubs = _create_places(spec)
    days = _window(hubs, spec, around)
    member_ids = _create_members(spec, min(days, default=around), rng, now)
    seats_per_day = max(_seats_on(hubs, day) for day in days) if days else 0
    written = _create_bookings(spec, hubs, days, member_ids, rng, now, progress)
    counts = ProgrammeCounts(
        spec.access_events, spec.events, spec.mentors, spec.seed, spec.batch_size
    )
    programme = seed_programme(counts, list[HubDays](hubs), days, member_ids, now)
    _advance_sequences()
    return BulkResult(
        hub_ids=[hub.id for hub in hubs],
        floor_ids=_floor_ids(hubs),
        resources=spec.resources,
        members=len(member_ids),
        bookings=written,
        first_day=min(days, default=around),
        last_day=max(days, default=around),
        around=around,
        seats_per_day=seats_per_day,
        programme=programme,
    )


def floor_layout(count: int) -> list[dict[str, Any]]:
    """The resources of a floor holding `count`: a hot-desk pool, meeting rooms, named desks."""
    rows: list[dict[str, Any]] = []
    if count >= POOL_CAPACITY:
        rows.append(
            dict(
                name="Hot Desk",
                kind=ResourceKind.DESK,
                booking_mode=BookingMode.WHOLE_DAY,
                capacity=POOL_CAPACITY,
            )
        )
    rooms = count // RESOURCES_PER_ROOM
    for index in range(rooms):
        rows.append(
            dict(
                name=f"Ruang Rapat {index + 1:02d}",
                kind=ResourceKind.ROOM,
                booking_mode=BookingMode.TIMED,
                capacity=1,
                slot_minutes=30,
                min_minutes=30,
                max_minutes=240,
            )
        )
    for index in range(count - len(rows)):
        rows.append(
            dict(
                name=f"{chr(ord('A') + index // 100 % 26)}{index % 100 + 1:02d}"
                + (f"-{index // 2600}" if index >= 2600 else ""),
                kind=ResourceKind.DESK,
                booking_mode=BookingMode.WHOLE_DAY,
                capacity=1,
            )
        )
    return rows


# -- places ------------------------------------------------------------------------------------


def _create_places(spec: BulkSpec) -> list[_HubPlan]:
    hub_id = _next_id(_table(Hub))
    floor_id = _next_id(_table(Floor))
    zone_id = _next_id(_table(Zone))
    resource_id = _next_id(_table(Resource))
    floors = spec.hubs * spec.floors_per_hub
    per_floor = [
        spec.resources // floors + (1 if n < spec.resources % floors else 0) for n in range(floors)
    ]
    hub_rows, hours_rows, floor_rows, zone_rows, resource_rows = [], [], [], [], []
    plans: list[_HubPlan] = []
    for h, (place, number) in enumerate(hub_places(spec.hubs)):
        timezone, kecamatan = place.timezone, place.kecamatan
        hours = {d: (time(8), time(17)) for d in range(5)}
        if h % 2 == 0:
            hours[5] = (time(9), time(15))
        hub_rows.append(
            dict(
                id=hub_id + h,
                slug=f"{SLUG_PREFIX}{h + 1:03d}",
                name=f"OK OCE {kecamatan}" + (f" {number}" if number > 1 else ""),
                timezone=timezone,
                province=place.province,
                city=place.city,
                kecamatan=kecamatan,
                address=f"Kantor Kecamatan {kecamatan}",
                no_show_minutes=30,
                cancel_cutoff_minutes=60,
                room_buffer_minutes=0,
                active=True,
                created_at=utcnow(),
            )
        )
        hours_rows += [
            dict(hub_id=hub_id + h, weekday=d, opens=o, closes=c) for d, (o, c) in hours.items()
        ]
        plan = _HubPlan(hub_id + h, ZoneInfo(timezone), hours)
        plans.append(plan)
        for f in range(spec.floors_per_hub):
            n = h * spec.floors_per_hub + f
            floor_rows.append(
                dict(
                    id=floor_id + n,
                    hub_id=plan.id,
                    name=f"Lantai {f + 1}",
                    level=f + 1,
                    plan_width=2000,
                    plan_height=1200,
                )
            )
            zone_rows.append(
                dict(id=zone_id + n, floor_id=floor_id + n, name="Area Kerja", capacity=None)
            )
            for index, layout in enumerate(floor_layout(per_floor[n])):
                resource_rows.append(
                    _resource_row(resource_id, floor_id + n, zone_id + n, index, layout)
                )
                plan.seats += _seats(resource_id, layout)
                resource_id += 1
    for table, rows in (
        (_table(Hub), hub_rows),
        (_table(OpeningHours), hours_rows),
        (_table(Floor), floor_rows),
        (_table(Zone), zone_rows),
        (_table(Resource), resource_rows),
    ):
        _insert(table, rows, spec.batch_size)
    return plans


def _resource_row(
    resource_id: int, floor_id: int, zone_id: int, index: int, layout: dict[str, Any]
) -> dict[str, Any]:
    row: dict[str, Any] = dict(
        slot_minutes=30,
        min_minutes=30,
        max_minutes=1440,
        width=56,
        height=48,
        amenities=["wifi", "power"],
        active=True,
    )
    row.update(layout)
    row.update(
        id=resource_id,
        floor_id=floor_id,
        zone_id=zone_id,
        x=40 + index % 25 * 76,
        y=40 + index // 25 * 64,
    )
    return row


def _seats(resource_id: int, layout: dict[str, Any]) -> list[_Seat]:
    if layout["booking_mode"] is BookingMode.WHOLE_DAY:
        capacity = int(layout["capacity"])
        return [_Seat(resource_id, capacity == 1, timedelta(0), None) for _ in range(capacity)]
    # Rooms: one booking per 2-hour block; its length is drawn when it is booked.
    return [
        _Seat(resource_id, True, block * ROOM_BLOCK, (block + 1) * ROOM_BLOCK) for block in range(4)
    ]


def _floor_ids(hubs: list[_HubPlan]) -> list[int]:
    ids = {hub.id for hub in hubs}
    return list(
        db.session.scalars(select(Floor.id).where(Floor.hub_id.in_(ids)).order_by(Floor.id))
    )


# -- members -----------------------------------------------------------------------------------


def _create_members(
    spec: BulkSpec, first_day: date, rng: random.Random, now: datetime
) -> list[int]:
    """Members joined on a day up to 2.5 years before the first booking (their own RNG, so the
    bookings stay the same for a seed)."""
    plan_id = _next_id(_table(Plan))
    existing = set(db.session.scalars(select(Plan.code).where(Plan.code.startswith("bulk-"))))
    plan_rows = [
        dict(
            id=plan_id + n,
            currency="IDR",
            billing_interval=BillingInterval.MONTH,
            all_hubs=True,
            desk_days_per_month=None,
            room_hours_per_month=None,
            advance_days=30,
            guests_per_month=0,
            subsidised=False,
            deleted_at=None,
        )
        | spec_
        for n, spec_ in enumerate(p for p in PLANS if p["code"] not in existing)
    ]
    _insert(_table(Plan), plan_rows, spec.batch_size)
    plan_ids = list(db.session.scalars(select(Plan.id).where(Plan.code.startswith("bulk-"))))

    user_id = _next_id(_table(User))
    joined = random.Random(spec.seed * 31 + 7)
    users, grants, memberships = [], [], []
    for n in range(spec.members):
        uid = user_id + n
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            dict(
                id=uid,
                email=f"bulk-member-{uid:07d}@{EMAIL_DOMAIN}",
                name=f"{first} {last}",
                phone=f"+62812{uid:08d}",
                business_name=f"Usaha {first} {uid}",
                sector=rng.choice(SECTORS),
                kecamatan=rng.choice(PLACES[WIB]).kecamatan,
                locale=None,
                password_hash=None,  # bulk members cannot log in; hashing would dominate the load
                status=UserStatus.ACTIVE,
                email_verified_at=now,
                created_at=now,
            )
        )
        grants.append(dict(user_id=uid, role=Role.MEMBER, hub_id=None))
        memberships.append(
            dict(
                user_id=uid,
                plan_id=plan_ids[n % len(plan_ids)],
                status=MembershipStatus.ACTIVE,
                starts_on=first_day - timedelta(days=joined.randrange(0, 900)),
                ends_on=None,
                decision_reason="",
                created_at=now,
            )
        )
    _insert(_table(User), users, spec.batch_size)
    _insert(_table(RoleGrant), grants, spec.batch_size)
    _insert(_table(Membership), memberships, spec.batch_size)
    return [user_id + n for n in range(spec.members)]


# -- bookings ----------------------------------------------------------------------------------


def _seats_on(hubs: list[_HubPlan], day: date) -> int:
    return sum(len(hub.seats_on(day)) for hub in hubs)


def _window(hubs: list[_HubPlan], spec: BulkSpec, around: date) -> list[date]:
    """The days that hold bookings: `days` around `around`, or as many as the bookings need."""
    if spec.days is not None:
        first = around - timedelta(days=spec.days // 2)
        fixed = [first + timedelta(days=n) for n in range(spec.days)]
        capacity = sum(_seats_on(hubs, day) for day in fixed)
        if capacity < spec.bookings:
            raise BulkSeedError(
                f"{spec.days} days hold at most {capacity} bookings; ask for more days"
            )
        return fixed
    wanted = spec.bookings / spec.occupancy
    days: list[date] = []
    capacity, step = 0, 0
    while capacity < wanted:
        # Alternate later and earlier days so the window stays centred on `around`.
        day = around + timedelta(days=(step + 1) // 2 * (1 if step % 2 == 0 else -1))
        step += 1
        days.append(day)
        capacity += _seats_on(hubs, day)
        if step > 200_000:
            raise BulkSeedError("too many bookings for these resources")
    return sorted(days)


def _create_bookings(
    spec: BulkSpec,
    hubs: list[_HubPlan],
    days: list[date],
    member_ids: list[int],
    rng: random.Random,
    now: datetime,
    progress: ProgressCallback | None,
) -> int:
    total_seats = sum(_seats_on(hubs, day) for day in days)
    batch: list[dict[str, Any]] = []
    written = 0
    for row in _booking_rows(spec.bookings, total_seats, hubs, days, member_ids, rng, now):
        batch.append(row)
        if len(batch) >= spec.batch_size:
            written += _flush(batch, progress)
    if batch:
        written += _flush(batch, progress)
    return written


def _flush(batch: list[dict[str, Any]], progress: ProgressCallback | None) -> int:
    count = len(batch)
    _insert(_table(Booking), batch, count)
    batch.clear()
    if progress is not None:
        progress(count)
    return count


def _booking_rows(
    wanted: int,
    total_seats: int,
    hubs: list[_HubPlan],
    days: list[date],
    member_ids: list[int],
    rng: random.Random,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    """Exactly `wanted` bookings over the seats of `days`, each seat chosen with equal chance.

    Selection sampling (Knuth's algorithm S): one pass, in time order, no list of all seats.
    Members book at their home hub (member n's is hub n mod hubs, as in the programme data)
    when every hub has as many home members as seats a day; else anywhere.
    """
    seen = 0
    chosen = 0
    homed = [member_ids[h :: len(hubs)] for h in range(len(hubs))]
    at_home = all(
        len(homed[h]) >= max(len(hub.seats_on(day)) for day in days[:7])
        for h, hub in enumerate(hubs)
    )
    for day in days:
        todays = 0
        offset = rng.randrange(len(member_ids))
        for h, hub in enumerate(hubs):
            members = homed[h] if at_home else member_ids
            if at_home:
                todays = 0
            opening = hub.opening(day)
            if opening is None:
                continue
            opens, closes = opening
            for seat in hub.seats_on(day):
                seen += 1
                if rng.random() * (total_seats - seen + 1) >= wanted - chosen:
                    continue
                chosen += 1
                start = opens + seat.start
                if seat.end is None:
                    end = closes
                else:
                    end = min(start + timedelta(minutes=rng.choice((60, 90, 120))), closes)
                member = members[(offset + todays) % len(members)]
                todays += 1
                yield _booking_row(seat, member, start, end, rng, now)


def _booking_row(
    seat: _Seat, member_id: int, start: datetime, end: datetime, rng: random.Random, now: datetime
) -> dict[str, Any]:
    roll = rng.random()
    created = min(start - timedelta(hours=rng.randrange(1, 14 * 24)), now)
    checked_in = completed = cancelled = None
    if end <= now:
        if roll < 0.14:
            status, cancelled = BookingStatus.CANCELLED, created + (start - created) / 2
        elif roll < 0.22:
            status = BookingStatus.NO_SHOW
        else:
            status = BookingStatus.COMPLETED
            checked_in = start + timedelta(minutes=rng.randrange(0, 45))
            completed = end
    elif start <= now:
        if roll < 0.10:
            status, cancelled = BookingStatus.CANCELLED, created + (start - created) / 2
        elif roll < 0.80:
            status = BookingStatus.CHECKED_IN
            checked_in = min(start + timedelta(minutes=rng.randrange(0, 45)), now)
        else:
            status = BookingStatus.CONFIRMED
    elif roll < 0.12:
        status, cancelled = BookingStatus.CANCELLED, created + (now - created) / 2
    else:
        status = BookingStatus.CONFIRMED
    source_roll = rng.random()
    source = (
        BookingSource.WEB
        if source_roll < 0.7
        else BookingSource.FRONT_DESK
        if source_roll < 0.9
        else BookingSource.API
    )
    return dict(
        resource_id=seat.resource_id,
        member_id=member_id,
        start_at=start,
        end_at=end,
        status=status,
        source=source,
        exclusive=seat.exclusive,
        series_id=None,
        created_by_id=None,
        created_at=created,
        updated_at=max(t for t in (created, checked_in, completed, cancelled) if t is not None),
        checked_in_at=checked_in,
        completed_at=completed,
        cancelled_at=cancelled,
    )


# -- writing ---------------------------------------------------------------------------------


_table = table_of
_next_id = next_id


def _insert(table: Table, rows: list[dict[str, Any]], batch_size: int) -> None:
    write_rows(table, rows, batch_size)


def _advance_sequences() -> None:
    advance_sequences(["hubs", "floors", "zones", "resources", "plans", "users", "passes"])
    advance_sequences(PROGRAMME_TABLES)
    analyse()
