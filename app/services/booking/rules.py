"""The rules a new booking must pass, each raising its own domain error.

They run inside the booking transaction, after the member and resource rows are locked, so the
counts they read cannot change before the booking is written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Booking, Hub, Membership, Resource, ResourceKind, User
from app.models.base import NaiveDatetimeError, require_aware
from app.models.bookings import (
    ACTIVE_STATUSES,
    QUOTA_STATUSES,
    overlapping_active,
    peak_overlap,
)
from app.services.errors import (
    AlreadyBookedThatDay,
    BeyondAdvanceWindow,
    BookingConflict,
    HubClosed,
    InThePast,
    InvalidDuration,
    InvalidInput,
    MemberSuspended,
    NoActiveMembership,
    NotOnSlotBoundary,
    PlanUnavailable,
    QuotaExceeded,
    ResourceUnavailable,
    TooCloseToAnotherBooking,
)


def check_interval(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Both instants zone-aware (returned in UTC) and end after start."""
    try:
        start, end = require_aware(start, "start"), require_aware(end, "end")
    except NaiveDatetimeError as exc:
        raise InvalidInput(str(exc)) from exc
    if end <= start:
        raise InvalidInput("the end must be after the start", start=start, end=end)
    return start, end


def check_member(member: User) -> None:
    if member.is_suspended:
        raise MemberSuspended("this member is suspended")


def check_resource(resource: Resource) -> None:
    if not resource.active or not resource.hub.active:
        raise ResourceUnavailable(f"{resource.name} cannot be booked at the moment")


def opening_hours(hub: Hub, day: date) -> tuple[datetime, datetime]:
    """The hub's opening hours on local `day` in UTC; HubClosed (with the reason) if closed."""
    closure = hub.closure_on(day)
    if closure is not None:
        raise HubClosed(f"{hub.name} is closed on {day:%Y-%m-%d} ({closure.name})", day=day)
    opening = hub.opening_interval(day)
    if opening is None:
        raise HubClosed(f"{hub.name} is closed on {day:%A}s", day=day)
    return opening


def check_within_opening(
    hub: Hub, day: date, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The booking lies within the hub's opening hours of its local day; returns those hours."""
    opening = opening_hours(hub, day)
    if start < opening[0] or end > opening[1]:
        raise HubClosed(f"{hub.name} is open {_local_span(hub, *opening)} on that day", day=day)
    return opening


def check_shape(
    resource: Resource, opening: tuple[datetime, datetime], start: datetime, end: datetime
) -> None:
    """Whole-day resources take the whole opening day; timed ones whole slots within min/max."""
    if resource.is_whole_day:
        if (start, end) != opening:
            raise InvalidDuration(f"{resource.name} is booked for the whole opening day")
        return
    minutes = (end - start) / timedelta(minutes=1)
    if not resource.min_minutes <= minutes <= resource.max_minutes:
        raise InvalidDuration(
            f"a booking of {resource.name} lasts {resource.min_minutes} to "
            f"{resource.max_minutes} minutes",
            minimum=resource.min_minutes,
            maximum=resource.max_minutes,
        )
    zone = resource.hub.zone
    for instant in (start, end):
        local = instant.astimezone(zone)
        since_midnight = local.hour * 60 + local.minute
        if local.second or local.microsecond or since_midnight % resource.slot_minutes:
            raise NotOnSlotBoundary(
                f"{resource.name} is booked in {resource.slot_minutes}-minute slots",
                slot_minutes=resource.slot_minutes,
            )


def check_not_past(resource: Resource, start: datetime, end: datetime, now: datetime) -> None:
    """Whole-day bookings may be made until the day ends; timed ones up to one slot late."""
    late_allowance = timedelta(minutes=0 if resource.is_whole_day else resource.slot_minutes)
    if end <= now or (not resource.is_whole_day and start + late_allowance <= now):
        raise InThePast("that time has already passed")


def active_membership(member: User, hub: Hub, day: date) -> Membership:
    membership = member.membership_on(day, hub.id)
    if membership is None:
        raise NoActiveMembership(f"no active membership valid at {hub.name} on {day:%Y-%m-%d}")
    if membership.plan.is_deleted:
        raise PlanUnavailable(f"the plan {membership.plan.name} is no longer offered")
    return membership


def check_advance_window(membership: Membership, hub: Hub, day: date, now: datetime) -> None:
    limit = hub.today(now) + timedelta(days=membership.plan.advance_days)
    if day > limit:
        raise BeyondAdvanceWindow(
            f"your plan lets you book up to {membership.plan.advance_days} days ahead",
            advance_days=membership.plan.advance_days,
        )


def check_one_desk_per_day(member: User, resource: Resource, day: date) -> None:
    if resource.kind is not ResourceKind.DESK:
        return
    day_start, day_end = resource.hub.local_day_bounds(day)
    already = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(Resource, Booking.resource_id == Resource.id)
        .where(
            Booking.member_id == member.id,
            Resource.kind == ResourceKind.DESK,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at >= day_start,
            Booking.start_at < day_end,
        )
    )
    if already:
        raise AlreadyBookedThatDay("you already have a desk booked that day", day=day)


def check_quota(membership: Membership, resource: Resource, start: datetime, end: datetime) -> None:
    """Monthly desk days and room hours, counted across every hub, month in the hub's zone."""
    plan = membership.plan
    month_start, month_end = _month_bounds(resource.hub, resource.hub.local_date(start))
    used_intervals = db.session.execute(
        select(Booking.start_at, Booking.end_at)
        .join(Resource, Booking.resource_id == Resource.id)
        .where(
            Booking.member_id == membership.user_id,
            Booking.status.in_(QUOTA_STATUSES),
            Booking.start_at >= month_start,
            Booking.start_at < month_end,
            (Resource.kind == ResourceKind.DESK)
            if resource.kind is ResourceKind.DESK
            else (Resource.kind != ResourceKind.DESK),
        )
    ).all()
    if resource.kind is ResourceKind.DESK:
        if plan.desk_days_per_month is not None and len(used_intervals) >= plan.desk_days_per_month:
            raise QuotaExceeded(
                f"your plan includes {plan.desk_days_per_month} desk days a month; all are used",
                quota=plan.desk_days_per_month,
                used=len(used_intervals),
            )
        return
    if plan.room_hours_per_month is None:
        return
    used = sum(((e - s) for s, e in used_intervals), timedelta(0))
    if used + (end - start) > timedelta(hours=plan.room_hours_per_month):
        left = max(timedelta(hours=plan.room_hours_per_month) - used, timedelta(0))
        raise QuotaExceeded(
            f"your plan includes {plan.room_hours_per_month} room hours a month; "
            f"{left / timedelta(hours=1):g} h left",
            quota=plan.room_hours_per_month,
            used_hours=used / timedelta(hours=1),
        )


def check_capacity(resource: Resource, start: datetime, end: datetime) -> None:
    """Room buffers for exclusive resources; peak overlap below capacity for pools."""
    hub = resource.hub
    buffer = timedelta(
        minutes=hub.room_buffer_minutes if resource.kind is not ResourceKind.DESK else 0
    )
    nearby = db.session.scalars(overlapping_active(resource.id, start, end, buffer)).all()
    overlapping = [b for b in nearby if b.overlaps(start, end)]
    if resource.is_pool:
        intervals = [(b.start_at, b.end_at) for b in overlapping] + [(start, end)]
        if peak_overlap(intervals) > resource.capacity:
            raise BookingConflict(
                f"{resource.name} is full at that time", capacity=resource.capacity
            )
        return
    if overlapping:
        raise BookingConflict(f"{resource.name} is already booked at that time")
    if nearby:
        raise TooCloseToAnotherBooking(
            f"{resource.name} needs {hub.room_buffer_minutes} minutes between bookings",
            buffer_minutes=hub.room_buffer_minutes,
        )


def _month_bounds(hub: Hub, day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return hub.local_day_bounds(first)[0], hub.local_day_bounds(following)[0]


def _local_span(hub: Hub, start: datetime, end: datetime) -> str:
    zone = hub.zone
    return f"{start.astimezone(zone):%H:%M}-{end.astimezone(zone):%H:%M} {hub.zone_label}"
