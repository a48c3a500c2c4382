"""What is free: every resource of a floor on one local day, and one resource over a range.

Read-only. Floor availability is two indexed queries (resources of the floor, then the day's
active bookings joined to them) and a pass in Python; benchmarks in scripts/bench/.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import HOLDING_STATUSES, Booking, BookingMode, Floor, Hub, Resource, ResourceKind
from app.models.base import utcnow
from app.models.bookings import MAX_BOOKING_LENGTH, peak_overlap
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput

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
    opening = hub.opening_interval(day)
    day_start, day_end = _day_window(hub, day, opening)
    resources = (
        db.session.execute(
            select(Resource).where(Resource.floor_id == floor_id).order_by(Resource.name)
        )
        .scalars()
        .all()
    )
    held = _held_by_resource(
        select(Booking.resource_id, Booking.member_id, Booking.start_at, Booking.end_at)
        .join(Resource, Booking.resource_id == Resource.id)
        .where(Resource.floor_id == floor_id),
        day_start,
        day_end,
    )
    states = [
        _resource_day(hub, resource, opening, held.get(resource.id, []), viewer_id, now)
        for resource in resources
    ]
    return FloorDay(floor.id, hub.id, day, opening, states)


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
    day = first
    while day <= last:
        opening = hub.opening_interval(day)
        bounds = _day_window(hub, day, opening)
        todays = [h for h in held if h.start < bounds[1] and h.end > bounds[0]]
        days.append(_resource_day(hub, resource, opening, todays, viewer_id, now))
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


def _held_by_resource(base: object, start: datetime, end: datetime) -> dict[int, list[_Held]]:
    stmt = base.where(  # type: ignore[attr-defined]
        Booking.status.in_(HOLDING_STATUSES),
        Booking.start_at >= start - MAX_BOOKING_LENGTH,
        Booking.start_at < end,
        Booking.end_at > start,
    )
    held: dict[int, list[_Held]] = defaultdict(list)
    for resource_id, member_id, b_start, b_end in db.session.execute(stmt):
        held[resource_id].append(_Held(member_id, b_start, b_end))
    return held


def _resource_day(
    hub: Hub,
    resource: Resource,
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
    elif resource.is_whole_day:
        state = SeatState.FREE if seats_free else SeatState.TAKEN
    else:
        slots = _free_slots(resource, opening, busy, now)
        state = SeatState.FREE if slots else SeatState.TAKEN
    if resource.booking_mode is BookingMode.TIMED and state is SeatState.MINE and opening:
        slots = _free_slots(resource, opening, busy, now)
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
    resource: Resource,
    opening: tuple[datetime, datetime],
    busy: tuple[tuple[datetime, datetime], ...],
    now: datetime,
) -> tuple[Slot, ...]:
    """Slots of the opening day with a free seat, not yet over, respecting room buffers."""
    step = timedelta(minutes=resource.slot_minutes)
    buffer = timedelta(
        minutes=resource.hub.room_buffer_minutes if resource.kind is not ResourceKind.DESK else 0
    )
    free = []
    # Slots sit on the same local boundaries the booking rules check (multiples of the slot
    # length since local midnight), even when the hub opens between two of them.
    local_open = opening[0].astimezone(resource.hub.zone)
    past_boundary = (local_open.hour * 60 + local_open.minute) % resource.slot_minutes
    slot_start = opening[0].replace(second=0, microsecond=0)
    if past_boundary or opening[0] != slot_start:
        slot_start += timedelta(minutes=resource.slot_minutes - past_boundary)
    while slot_start + step <= opening[1]:
        slot_end = slot_start + step
        if slot_end > now:
            margin = timedelta(0) if resource.is_pool else buffer
            taken = [(s, e) for s, e in busy if s < slot_end + margin and e > slot_start - margin]
            seats = resource.capacity - peak_overlap(taken)
            if seats > 0:
                free.append(Slot(slot_start, slot_end, seats))
        slot_start = slot_end
    return tuple(free)
