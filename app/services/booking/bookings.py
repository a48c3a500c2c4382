"""Booking use cases: book, cancel, check in, complete, and the no-show sweep.

Every public function owns its transaction. On SQLite every transaction is BEGIN IMMEDIATE, which
serialises writers; on PostgreSQL row locks serialise bookings of one resource and the exclusion
constraint backs them up (see placement.place_booking).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingSource, BookingStatus, Floor, Hub, Resource, utcnow
from app.services.access.passes import revoke_passes_of
from app.services.booking import rules
from app.services.booking.placement import (
    get_or_404,
    lock_for_booking,
    place_booking,
    place_locked,
)
from app.services.booking.waitlist import offer_freed_seat
from app.services.errors import CancellationTooLate, InvalidTransition, NotFound
from app.services.integrations import webhooks
from app.services.notifications import booking_mail
from app.services.transactions import transaction

#: How early before its start a booking may be checked in.
CHECK_IN_EARLY = timedelta(minutes=60)


def book(
    member_id: int,
    resource_id: int,
    start: datetime,
    end: datetime,
    *,
    source: BookingSource = BookingSource.WEB,
    created_by_id: int | None = None,
) -> Booking:
    """Book `resource_id` for the member over [start, end), enforcing every rule."""
    with transaction():
        booking = place_booking(
            member_id, resource_id, start, end, source=source, created_by_id=created_by_id
        )
        booking_mail.booking_confirmed(booking)
        _booking_event("booking.created", booking)
    return booking


def book_whole_day(
    member_id: int,
    resource_id: int,
    day: date,
    *,
    source: BookingSource = BookingSource.WEB,
    created_by_id: int | None = None,
) -> Booking:
    """Book a whole-day resource for the hub's opening hours on local `day`."""
    with transaction():
        member, resource = lock_for_booking(member_id, resource_id)
        opening = rules.opening_hours(resource.hub, day)
        booking = place_locked(
            member, resource, *opening, source=source, created_by_id=created_by_id
        )
        booking_mail.booking_confirmed(booking)
        _booking_event("booking.created", booking)
    return booking


def cancel_booking(
    booking_id: int, *, member_id: int | None = None, override_cutoff: bool = False
) -> Booking:
    """Cancel a confirmed booking and hand its seat to the waitlist.

    With `member_id`, only that member's booking can be cancelled (others are NotFound) and the
    hub's cut-off applies; staff pass `override_cutoff=True`.
    """
    with transaction():
        booking = get_booking(booking_id, member_id)
        mark_cancelled(booking, utcnow(), override_cutoff=override_cutoff)
    return booking


def mark_cancelled(booking: Booking, now: datetime, *, override_cutoff: bool = False) -> None:
    """CONFIRMED -> CANCELLED (the caller holds the booking's lock): its passes revoked, its
    seat offered to the waitlist. Billing reuses it to refund a paid booking in the same
    transaction."""
    if booking.status is not BookingStatus.CONFIRMED:
        raise InvalidTransition(f"a {booking.status.value} booking cannot be cancelled")
    if booking.source is BookingSource.EVENT:
        raise InvalidTransition("this room is held for an event: move or cancel the event")
    cutoff = booking.start_at - timedelta(minutes=booking.resource.hub.cancel_cutoff_minutes)
    if not override_cutoff and now > cutoff:
        raise CancellationTooLate(
            "it is too late to cancel this booking",
            cutoff_minutes=booking.resource.hub.cancel_cutoff_minutes,
        )
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    revoke_passes_of(booking_id=booking.id, reason="booking cancelled")
    booking_mail.booking_cancelled(booking)
    _booking_event("booking.cancelled", booking)
    db.session.flush()
    offer_freed_seat(booking.resource_id, max(booking.start_at, now), booking.end_at, now)


def check_in(booking_id: int, *, member_id: int | None = None) -> Booking:
    """Mark the member as arrived: from CHECK_IN_EARLY before the start until the end."""
    with transaction():
        booking = get_booking(booking_id, member_id)
        mark_checked_in(booking, utcnow())
    return booking


def complete_booking(booking_id: int, *, member_id: int | None = None) -> Booking:
    """Check out: a checked-in booking is completed."""
    with transaction():
        booking = get_booking(booking_id, member_id)
        mark_completed(booking, utcnow())
    return booking


def release_no_shows(now: datetime | None = None) -> list[int]:
    """Mark bookings not checked in within the hub's no-show window as no_show; free their seats.

    Returns the ids released. Safe to run from several workers: rows are locked and re-checked.
    """
    now = now or utcnow()
    with transaction():
        released = [
            booking.id
            for hub in db.session.scalars(select(Hub).where(Hub.active)).all()
            for booking in release_late_bookings(hub, now)
        ]
    return released


# -- transitions inside the caller's transaction (for services that record more with them) --


def check_in_opens(booking: Booking) -> datetime:
    """When the booking may first be checked in: CHECK_IN_EARLY before its start."""
    return booking.start_at - CHECK_IN_EARLY


def can_check_in(booking: Booking, now: datetime) -> bool:
    """The check-in rule: a confirmed booking, from check_in_opens until its end."""
    return (
        booking.status is BookingStatus.CONFIRMED
        and check_in_opens(booking) <= now < booking.end_at
    )


def mark_checked_in(booking: Booking, now: datetime) -> None:
    if booking.status is not BookingStatus.CONFIRMED:
        raise InvalidTransition(f"a {booking.status.value} booking cannot be checked in")
    if not can_check_in(booking, now):
        raise InvalidTransition("check-in opens an hour before the booking starts")
    booking.status = BookingStatus.CHECKED_IN
    booking.checked_in_at = now
    _booking_event("checkin.created", booking)


def _booking_event(event_type: str, booking: Booking) -> None:
    """Queue the webhook event of `booking`'s change in the caller's transaction."""
    webhooks.emit(event_type, booking.resource.floor.hub_id, webhooks.booking_data(booking))


def mark_completed(booking: Booking, now: datetime) -> None:
    if booking.status is not BookingStatus.CHECKED_IN:
        raise InvalidTransition(f"a {booking.status.value} booking cannot be completed")
    booking.status = BookingStatus.COMPLETED
    booking.completed_at = now


def release_late_bookings(hub: Hub, now: datetime) -> list[Booking]:
    """The hub's bookings not checked in within its no-show window become no_show, and their
    seats go to the waitlist (an event's hold on its room is not released). Rows being changed
    by another worker are skipped, not waited for."""
    deadline = now - timedelta(minutes=hub.no_show_minutes)
    late = db.session.scalars(
        select(Booking)
        .join(Resource, Booking.resource_id == Resource.id)
        .join(Floor, Resource.floor_id == Floor.id)
        .where(
            Floor.hub_id == hub.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.start_at <= deadline,
            Booking.source != BookingSource.EVENT,  # an event holds its room, scanned or not
        )
        .order_by(Booking.start_at)
        .with_for_update(of=Booking, skip_locked=True)
    ).all()
    for booking in late:
        booking.status = BookingStatus.NO_SHOW
        booking_mail.booking_no_show(booking)
    db.session.flush()
    for booking in late:
        if booking.end_at > now:
            offer_freed_seat(booking.resource_id, now, booking.end_at, now)
    return list(late)


def get_booking(booking_id: int, member_id: int | None) -> Booking:
    """The booking, locked; with `member_id`, only that member's (others are NotFound)."""
    booking = get_or_404(Booking, booking_id, lock=True)
    if member_id is not None and booking.member_id != member_id:
        raise NotFound("no such booking", id=booking_id)  # never reveal others' bookings
    return booking
