"""The waitlist for a full pool or a taken desk-day.

Policy (documented in docs/booking.md): when a seat frees, the earliest waiting member whose
booking passes every rule gets it booked automatically (source "waitlist"); nobody has to
accept an offer before the seat is theirs. Members who would break a rule (quota used up,
another desk that day) are skipped and keep waiting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Booking,
    BookingSource,
    Resource,
    User,
    WaitlistEntry,
    WaitlistStatus,
    utcnow,
)
from app.models.bookings import overlapping_active, peak_overlap
from app.services.booking import rules
from app.services.booking.placement import get_or_404, place_booking
from app.services.errors import DomainError, InvalidInput, NotFound
from app.services.notifications import booking_mail
from app.services.transactions import savepoint, transaction


def join_waitlist(
    member_id: int, resource_id: int, start: datetime, end: datetime
) -> WaitlistEntry:
    """Wait for a seat on `resource_id` over [start, end). Only a full slot can be waited for."""
    start, end = rules.check_interval(start, end)
    with transaction():
        member = get_or_404(User, member_id, lock=True)  # member, then resource: as in booking
        resource = get_or_404(Resource, resource_id, lock=True)
        if end <= utcnow():
            raise InvalidInput("that time has already passed")
        taken = db.session.scalars(overlapping_active(resource.id, start, end)).all()
        if peak_overlap([(b.start_at, b.end_at) for b in taken]) < resource.capacity:
            raise InvalidInput(f"{resource.name} has a free seat at that time: book it instead")
        duplicate = db.session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(
                WaitlistEntry.member_id == member.id,
                WaitlistEntry.resource_id == resource.id,
                WaitlistEntry.start_at == start,
                WaitlistEntry.status == WaitlistStatus.WAITING,
            )
        )
        if duplicate:
            raise InvalidInput("you are already on the waitlist for that time")
        entry = WaitlistEntry(
            member_id=member.id, resource_id=resource.id, start_at=start, end_at=end
        )
        db.session.add(entry)
    return entry


def join_waitlist_for_day(member_id: int, resource_id: int, day: date) -> WaitlistEntry:
    """Wait for a whole-day seat on local `day`."""
    resource = get_or_404(Resource, resource_id)
    return join_waitlist(member_id, resource_id, *rules.opening_hours(resource.hub, day))


def leave_waitlist(entry_id: int, *, member_id: int | None = None) -> WaitlistEntry:
    with transaction():
        entry = get_or_404(WaitlistEntry, entry_id, lock=True)
        if member_id is not None and entry.member_id != member_id:
            raise NotFound("no such waitlist entry", id=entry_id)
        if entry.status is not WaitlistStatus.WAITING:
            raise InvalidInput("you are no longer waiting for this seat")
        entry.status = WaitlistStatus.CANCELLED
    return entry


def offer_freed_seat(
    resource_id: int, start: datetime, end: datetime, now: datetime | None = None
) -> list[Booking]:
    """Give freed capacity on [start, end) to waiting members, first come first served.

    Runs inside the caller's transaction (the one that freed the seat), so the seat never
    appears free to anyone else in between. Returns the bookings made.
    """
    now = now or utcnow()
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.resource_id == resource_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.start_at < end,
            WaitlistEntry.end_at > start,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    placed: list[Booking] = []
    for entry in waiting:
        if entry.end_at <= now:
            entry.status = WaitlistStatus.CANCELLED  # the slot it waited for is over
            continue
        try:
            with savepoint():
                booking = place_booking(
                    entry.member_id,
                    resource_id,
                    _claimable_start(entry.resource, entry.start_at, now),
                    entry.end_at,
                    source=BookingSource.WAITLIST,
                    now=now,
                )
        except DomainError:
            continue  # still full, or this member cannot take it: the next in line may
        entry.status = WaitlistStatus.FULFILLED
        entry.booking = booking
        booking_mail.waitlist_placed(booking)
        placed.append(booking)
    return placed


def _claimable_start(resource: Resource, start: datetime, now: datetime) -> datetime:
    """Where a waiting member's booking can start: `start`, or for a timed resource whose
    slot at `start` is over (a no-show found mid-booking), the slot running now."""
    slot = timedelta(minutes=resource.slot_minutes)
    if resource.is_whole_day or start + slot > now:
        return start
    local = now.astimezone(resource.hub.zone)
    into_slot = (local.hour * 60 + local.minute) % resource.slot_minutes
    return (local.replace(second=0, microsecond=0) - timedelta(minutes=into_slot)).astimezone(UTC)
