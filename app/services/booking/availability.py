"""What is free: every resource of a floor on one local day, and one resource over a range.

Read-only. Floor availability is two indexed queries (the columns of the floor's resources, then
the day's active bookings joined to them) and a pass in Python over plain rows: no ORM entity is
built, because the floor page reads every resource of the floor on every view (benchmarks in
scripts/bench/, docs/benchmarks.md).
"""

from __future__ import annotations

import enum
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import HOLDING_STATUSES, Booking, BookingMode, Floor, Hub, Resource, ResourceKind
from app.models.base import utcnow
from app.models.bookings import MAX_BOOKING_LENGTH, peak_overlap
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput
from app.services.hubs.calendar import calendar_of

MAX_RANGE_DAYS = 62


class SeatState(enum.StrEnum):
    FREE = "free"
    TAKEN = "taken"
    MINE = "mine"
    NOT_BOOKABLE = "not_bookable"


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    seats_free: int


@dataclass(frozen=True)
class ResourceDay:
    """One resource on one local day: its state for the viewer, and free slots if timed."""

    resource_id: int
    name: str
    kind: ResourceKind
    booking_mode: BookingMode
    capacity: int
    x: int
    y: int
    width: int
    height: int
    state: SeatState
    seats_free: int
    slot_minutes: int = 30
    mine: tuple[tuple[datetime, datetime], ...] = ()
    busy: tuple[tuple[datetime, datetime], ...] = ()
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class FloorDay:
    floor_id: int
    hub_id: int
    day: date
    opening: tuple[datetime, datetime] | None
    resources: list[ResourceDay] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.opening is not None


class _ResourceFacts(Protocol):
    """What the availability pass reads of a resource: a Resource, or a row of its columns."""

    id: int
    name: str
    kind: ResourceKind
    booking_mode: BookingMode
    capacity: int
    slot_minutes: int
    x: int
    y: int
    width: int
    height: int
    active: bool


_RESOURCE_COLUMNS = (
    Resource.id,
    Resource.name,
    Resource.kind,
    Resource.booking_mode,
    Resource.capacity,
    Resource.slot_minutes,
    Resource.x,
    Resource.y,
    Resource.width,
    Resource.height,
    Resource.active,
)


@dataclass(frozen=True)
class _HubFacts:
    """What the pass reads of the hub, read once per call."""

    zone: ZoneInfo
    room_buffer: timedelta

    @classmethod
    def of(cls, hub: Hub) -> _HubFacts:
        return cls(hub.zone, timedelta(minutes=hub.room_buffer_minutes))


@dataclass(frozen=True)
class _Held:
    member_id: int
    start: datetime
    end: datetime


def floor_day(
    floor_id: int, day: date, viewer_id: int | None = None, now: datetime | None = None
) -> FloorDay:
    """Every resource of the floor on local `day`, as the viewer sees it."""
    now = now or utcnow()
    floor = get_or_404(Floor, floor_id)
    hub = floor.hub
    opening = calendar_of(hub).opening_interval(day)
    day_start, day_end = _day_window(hub, day, opening)
    resources = db.session.execute(
        select(*_RESOURCE_COLUMNS).where(Resource.floor_id == floor_id).order_by(Resource.name)
    ).all()
    held = _active_between(
        select(Booking.resource_id, Booking.member_id, Booking.start_at, Booking.end_at)
        .join(Resource, Booking.resource_id == Resource.id)
        .where(Resource.floor_id == floor_id),
        day_start,
        day_end,
    )
    # A viewer who holds nothing here sees what every such viewer sees: they share one pass.
    if not any(member_id == viewer_id for _, member_id, _, _ in held):
        viewer_id = None
    states = _floor_pass(
        _HubFacts.of(hub), tuple(resources), tuple(held), opening, viewer_id, _as_of(now, opening)
    )
    return FloorDay(floor.id, hub.id, day, opening, list(states))


@functools.lru_cache(maxsize=128)
def _floor_pass(
    hub: _HubFacts,
    resources: tuple[_ResourceFacts, ...],
    held_rows: tuple[tuple[int, int, datetime, datetime], ...],
    opening: tuple[datetime, datetime] | None,
    viewer_id: int | None,
    now: datetime,
) -> tuple[ResourceDay, ...]:
    """The floor's resources as the viewer sees them, from the rows just read. A pure function
    of its arguments, so while neither the rows nor the minute change (every member opening the
    floor page when the booking window opens), the pass is made once per process and reused."""
    held: dict[int, list[_Held]] = defaultdict(list)
    for resource_id, member_id, start, end in held_rows:
        held[resource_id].append(_Held(member_id, start, end))
    return tuple(
        _resource_day(hub, resource, opening, held.get(resource.id, []), viewer_id, now)
        for resource in resources
    )


def _as_of(now: datetime, opening: tuple[datetime, datetime] | None) -> datetime:
    """`now` to the minute, which the pass cannot tell apart from `now`: every instant it
    compares with it (the closing time, slot ends) falls on a whole minute. A closing time set
    to the second (never from the admin forms) keeps `now` exact."""
    if opening is not None and (opening[1].second or opening[1].microsecond):
        return now
    return now.replace(second=0, microsecond=0)


def resource_days(
    resource_id: int,
    first: date,
    last: date,
    viewer_id: int | None = None,
    now: datetime | None = None,
) -> list[ResourceDay]:
    """One resource for each local day in [first, last]."""
    if last < first:
        raise InvalidInput("the range must end on or after its first day")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput(f"ask for at most {MAX_RANGE_DAYS} days at a time")
    now = now or utcnow()
    resource = get_or_404(Resource, resource_id)
    hub = resource.hub
    range_start = hub.local_day_bounds(first)[0]
    range_end = _day_window(hub, last, hub.opening_interval(last))[1]
    held = _held_by_resource(
        select(Booking.resource_id, Booking.member_id, Booking.start_at, Booking.end_at).where(
            Booking.resource_id == resource_id
        ),
        range_start,
        range_end,
    ).get(resource_id, [])
    days = []
    facts = _HubFacts.of(hub)
    day = first
    while day <= last:
        opening = hub.opening_interval(day)
        bounds = _day_window(hub, day, opening)
        todays = [h for h in held if h.start < bounds[1] and h.end > bounds[0]]
        days.append(_resource_day(facts, resource, opening, todays, viewer_id, now))
        day += timedelta(days=1)
    return days


def _day_window(
    hub: Hub, day: date, opening: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime]:
    """The local calendar day, stretched to the day's opening when it runs past midnight."""
    day_start, day_end = hub.local_day_bounds(day)
    if opening is None:
        return day_start, day_end
    return min(day_start, opening[0]), max(day_end, opening[1])


def _active_between(base: object, start: datetime, end: datetime) -> list[Any]:
    """(resource id, member id, start, end) of the active bookings of `base` in [start, end)."""
    stmt = base.where(  # type: ignore[attr-defined]
        Booking.status.in_(HOLDING_STATUSES),
        Booking.start_at >= start - MAX_BOOKING_LENGTH,
        Booking.start_at < end,
        Booking.end_at > start,
    )
    return list(db.session.execute(stmt))


def _held_by_resource(base: object, start: datetime, end: datetime) -> dict[int, list[_Held]]:
    held: dict[int, list[_Held]] = defaultdict(list)
    for resource_id, member_id, b_start, b_end in _active_between(base, start, end):
        held[resource_id].append(_Held(member_id, b_start, b_end))
    return held


def _resource_day(
    hub: _HubFacts,
    resource: _ResourceFacts,
    opening: tuple[datetime, datetime] | None,
    held: list[_Held],
    viewer_id: int | None,
    now: datetime,
) -> ResourceDay:
    mine = tuple((h.start, h.end) for h in held if h.member_id == viewer_id)
    busy = tuple(sorted((h.start, h.end) for h in held))
    seats_free = max(resource.capacity - peak_overlap(list(busy)), 0)
    slots: tuple[Slot, ...] = ()
    if not resource.active or opening is None or opening[1] <= now:
        state = SeatState.NOT_BOOKABLE
    elif mine:
        state = SeatState.MINE
    elif resource.booking_mode is BookingMode.WHOLE_DAY:
        state = SeatState.FREE if seats_free else SeatState.TAKEN
    else:
        slots = _free_slots(hub, resource, opening, busy, now)
        state = SeatState.FREE if slots else SeatState.TAKEN
    if resource.booking_mode is BookingMode.TIMED and state is SeatState.MINE and opening:
        slots = _free_slots(hub, resource, opening, busy, now)
    return ResourceDay(
        resource_id=resource.id,
        name=resource.name,
        kind=resource.kind,
        booking_mode=resource.booking_mode,
        capacity=resource.capacity,
        x=resource.x,
        y=resource.y,
        width=resource.width,
        height=resource.height,
        state=state,
        seats_free=seats_free if state is not SeatState.NOT_BOOKABLE else 0,
        slot_minutes=resource.slot_minutes,
        mine=mine,
        busy=busy,
        slots=slots,
    )


def _free_slots(
    hub: _HubFacts,
    resource: _ResourceFacts,
    opening: tuple[datetime, datetime],
    busy: tuple[tuple[datetime, datetime], ...],
    now: datetime,
) -> tuple[Slot, ...]:
    """Slots of the opening day with a free seat, not yet over, respecting room buffers."""
    minutes, capacity = resource.slot_minutes, resource.capacity
    step = timedelta(minutes=minutes)
    # A pool's seats are shared back to back; a room needs its buffer between two bookings.
    pooled = capacity > 1 or resource.kind is ResourceKind.DESK
    margin = timedelta(0) if pooled else hub.room_buffer
    free = []
    # Slots sit on the same local boundaries the booking rules check (multiples of the slot
    # length since local midnight), even when the hub opens between two of them.
    local_open = opening[0].astimezone(hub.zone)
    past_boundary = (local_open.hour * 60 + local_open.minute) % minutes
    slot_start = opening[0].replace(second=0, microsecond=0)
    if past_boundary or opening[0] != slot_start:
        slot_start += timedelta(minutes=minutes - past_boundary)
    while slot_start + step <= opening[1]:
        slot_end = slot_start + step
        if slot_end > now:
            reach_start, reach_end = slot_start - margin, slot_end + margin
            taken = [(s, e) for s, e in busy if s < reach_end and e > reach_start]
            # No booking within reach: every seat is free, no need to count overlaps.
            seats = capacity - peak_overlap(taken) if taken else capacity
            if seats > 0:
                free.append(Slot(slot_start, slot_end, seats))
        slot_start = slot_end
    return tuple(free)
