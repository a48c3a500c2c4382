"""Read queries for a member's own pages: where to book, the booking window, my bookings and
my waitlist. Nothing here writes; bookings are made and cancelled by booking.bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.extensions import db
from app.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingMode,
    BookingSource,
    BookingStatus,
    Floor,
    Hub,
    Membership,
    Resource,
    User,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from app.services.booking.availability import FloorDay, ResourceDay
from app.services.booking.bookings import can_check_in, check_in_opens
from app.services.booking.placement import get_or_404
from app.services.errors import NotFound

#: How many past bookings "My bookings" lists.
PAST_LIMIT = 50


@dataclass(frozen=True)
class CityHubs:
    city: str
    hubs: list[Hub]


@dataclass(frozen=True)
class BookingWindow:
    """The dates a member may book at a hub: today (hub zone) up to the plan's advance days."""

    today: date
    last: date
    membership: Membership | None

    def contains(self, day: date) -> bool:
        return self.today <= day <= self.last


@dataclass(frozen=True)
class BookingLine:
    """One of my bookings, with its hub, the last moment it may be cancelled, whether it has a
    pass, and when it may be checked in (the booking service's rule)."""

    booking: Booking
    hub: Hub
    cancel_deadline: datetime
    cancellable: bool
    has_pass: bool
    check_in_opens: datetime
    can_check_in: bool


@dataclass(frozen=True)
class MyBookings:
    upcoming: list[BookingLine]
    past: list[BookingLine]
    waiting: list[WaitlistEntry]


@dataclass(frozen=True)
class TimelineSlot:
    """One slot of a room's day: free, taken, mine or past."""

    start: datetime
    end: datetime
    state: str
    seats_free: int


def hubs_by_city() -> list[CityHubs]:
    """Active hubs grouped by city (cities and hubs by name)."""
    hubs = db.session.scalars(select(Hub).where(Hub.active).order_by(Hub.city, Hub.name)).all()
    return [CityHubs(city, list(group)) for city, group in groupby(hubs, key=lambda hub: hub.city)]


def active_hub(slug: str) -> Hub:
    """The active hub with this slug, or NotFound."""
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug, Hub.active))
    if hub is None:
        raise NotFound("no such hub", slug=slug)
    return hub


def floor_at_hub(hub: Hub, floor_id: int | None) -> Floor | None:
    """The hub's floor `floor_id` (NotFound if it is another hub's), else its lowest floor."""
    if floor_id is None:
        return hub.floors[0] if hub.floors else None
    floor = db.session.get(Floor, floor_id)
    if floor is None or floor.hub_id != hub.id:
        raise NotFound("no such floor", id=floor_id)
    return floor


def resource_at_hub(hub: Hub, resource_id: int) -> Resource:
    """The hub's resource `resource_id`; NotFound for another hub's."""
    resource = db.session.scalar(
        select(Resource)
        .join(Resource.floor)
        .where(Resource.id == resource_id, Floor.hub_id == hub.id)
        .options(contains_eager(Resource.floor))
    )
    if resource is None:
        raise NotFound("no such resource", id=resource_id)
    return resource


def booking_window(member: User, hub: Hub, now: datetime | None = None) -> BookingWindow:
    """Today at the hub up to the last day the member's plan lets them book."""
    today = hub.today(now)
    membership = member.membership_on(today, hub.id)
    days = membership.plan.advance_days if membership is not None else 0
    return BookingWindow(today, today + timedelta(days=days), membership)


def my_bookings(member_id: int, now: datetime | None = None) -> MyBookings:
    """Upcoming bookings (soonest first), recent past ones (latest first), waitlist entries."""
    now = now or utcnow()
    load = joinedload(Booking.resource).joinedload(Resource.floor).joinedload(Floor.hub)
    # An event's hold on its room is the event's, not its creator's: changed with the event.
    mine = (
        select(Booking)
        .options(load)
        .where(Booking.member_id == member_id, Booking.source != BookingSource.EVENT)
    )
    is_upcoming = (Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now)
    upcoming = db.session.scalars(mine.where(*is_upcoming).order_by(Booking.start_at)).all()
    past = db.session.scalars(
        mine.where(or_(Booking.status.not_in(ACTIVE_STATUSES), Booking.end_at <= now))
        .order_by(Booking.start_at.desc())
        .limit(PAST_LIMIT)
    ).all()
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .options(joinedload(WaitlistEntry.resource).joinedload(Resource.floor))
        .where(
            WaitlistEntry.member_id == member_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.end_at > now,
        )
        .order_by(WaitlistEntry.start_at)
    ).all()
    return MyBookings(
        [_line(b, now) for b in upcoming], [_line(b, now) for b in past], list(waiting)
    )


def my_booking(member_id: int, booking_id: int, now: datetime | None = None) -> BookingLine:
    """One of the member's bookings; another member's is NotFound, never revealed."""
    booking = get_or_404(Booking, booking_id)
    if booking.member_id != member_id:
        raise NotFound("no such booking", id=booking_id)
    return _line(booking, now or utcnow())


def _line(booking: Booking, now: datetime) -> BookingLine:
    hub = booking.resource.floor.hub
    deadline = booking.start_at - timedelta(minutes=hub.cancel_cutoff_minutes)
    cancellable = booking.status is BookingStatus.CONFIRMED and now <= deadline
    return BookingLine(
        booking,
        hub,
        deadline,
        cancellable,
        has_pass=booking.is_upcoming(now),
        check_in_opens=check_in_opens(booking),
        can_check_in=can_check_in(booking, now),
    )


def room_timeline(
    day_view: ResourceDay,
    opening: tuple[datetime, datetime] | None,
    slot_minutes: int,
    now: datetime | None = None,
) -> list[TimelineSlot]:
    """Every slot of a timed resource's opening day with its state for the viewer."""
    if opening is None:
        return []
    now = now or utcnow()
    free = {slot.start: slot.seats_free for slot in day_view.slots}
    step = timedelta(minutes=slot_minutes)
    timeline = []
    start = opening[0]
    while start + step <= opening[1]:
        end = start + step
        if any(s < end and start < e for s, e in day_view.mine):
            state = "mine"
        elif end <= now:
            state = "past"
        elif start in free:
            state = "free"
        else:
            state = "taken"
        timeline.append(TimelineSlot(start, end, state, free.get(start, 0)))
        start = end
    return timeline


def floor_timelines(view: FloorDay, now: datetime | None = None) -> dict[int, list[TimelineSlot]]:
    """The day's slots of every timed resource on the floor, by resource id."""
    return {
        r.resource_id: room_timeline(r, view.opening, r.slot_minutes, now)
        for r in view.resources
        if r.booking_mode is not BookingMode.WHOLE_DAY
    }
