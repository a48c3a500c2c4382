"""Room hours beyond the plan's quota: the booking is held PENDING_PAYMENT for the hub's hold
minutes (it blocks the slot in the database like any booking), confirmed when its order is
paid, and released by the worker when it is not.

Payment and release both lock the order row first, so a payment arriving as the hold expires
either confirms the booking or finds the order cancelled (the money is then recorded with a
note for staff to refund: it is never lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Hub,
    LineKind,
    Order,
    OrderLine,
    OrderStatus,
    ResourceKind,
    utcnow,
)
from app.services.billing.orders import hub_billing
from app.services.booking import rules
from app.services.booking.placement import get_or_404, lock_for_booking, place_locked
from app.services.booking.waitlist import offer_freed_seat
from app.services.errors import DomainError, InvalidInput, QuotaExceeded
from app.services.transactions import transaction


class PaidHoursUnavailable(DomainError):
    """The hub sells no room hours beyond a plan's quota."""

    code = "paid_hours_unavailable"
    http_status = 422


def hours_price_idr(price_per_hour: int, minutes: int) -> int:
    """What `minutes` of a room cost at `price_per_hour`, rounded up to the rupiah."""
    return -(-price_per_hour * minutes // 60)


@dataclass(frozen=True)
class PaidHoursOffer:
    """What the room page offers when the plan's hours are used up."""

    start: str  # ISO instant, for the form
    minutes: int
    price: int
    hold_minutes: int


def beyond_quota_minutes(refusal: QuotaExceeded, minutes: int) -> int:
    """How many of a room booking's `minutes` the plan's room hours do not cover (what the
    member pays for), from the quota check's refusal."""
    quota, used = (cast(float, refusal.details[key]) for key in ("quota", "used_hours"))
    left_hours = quota - used
    return max(0, minutes - max(0, round(left_hours * 60)))


def paid_hours_offer(
    hub: Hub, start: datetime, length: timedelta, refusal: DomainError
) -> PaidHoursOffer | None:
    """The price of the hours the quota does not cover, if the hub sells them."""
    settings = hub_billing(hub.id)
    minutes = int(length / timedelta(minutes=1))
    if not settings.room_hour_price_idr or not isinstance(refusal, QuotaExceeded):
        return None
    if "used_hours" not in refusal.details or minutes <= 0:
        return None  # a desk-days refusal: no hours to pay for
    price = hours_price_idr(settings.room_hour_price_idr, beyond_quota_minutes(refusal, minutes))
    return PaidHoursOffer(start.isoformat(), minutes, price, settings.hold_minutes)


def hold_room_for_payment(
    member_id: int,
    resource_id: int,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> Order:
    """Hold a room beyond the member's quota and open the order that pays for it.

    Every booking rule but the quota applies; within the quota the member books as usual
    (InvalidInput), so nobody pays for hours their plan includes.
    """
    now = now or utcnow()
    start, end = rules.check_interval(start, end)
    with transaction():
        member, resource = lock_for_booking(member_id, resource_id)
        hub = resource.hub
        if resource.kind is ResourceKind.DESK:
            raise InvalidInput("extra hours are sold for rooms", field="resource_id")
        settings = hub_billing(hub.id)
        if not settings.room_hour_price_idr:
            raise PaidHoursUnavailable(f"{hub.name} sells no extra room hours")
        membership = rules.active_membership(member, hub, hub.opening_day(start))
        try:
            rules.check_quota(membership, resource, start, end)
        except QuotaExceeded as refusal:
            minutes = int((end - start) / timedelta(minutes=1))
            beyond = beyond_quota_minutes(refusal, minutes)
        else:
            raise InvalidInput("these hours are within your plan: book them", field="quota")
        booking = place_locked(
            member, resource, start, end, source=BookingSource.WEB, now=now, held_for_payment=True
        )
        amount = hours_price_idr(settings.room_hour_price_idr, beyond)
        order = Order(
            hub_id=hub.id,
            member_id=member.id,
            status=OrderStatus.PENDING,
            total_idr=amount,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.hold_minutes),
        )
        local = start.astimezone(hub.zone)
        order.lines.append(
            OrderLine(
                kind=LineKind.ROOM_HOURS,
                description=f"{resource.name} {local:%Y-%m-%d %H:%M} {hub.zone_label}, "
                f"{beyond} of {minutes} min",
                quantity=1,
                unit_price_idr=amount,
                amount_idr=amount,
                resource_id=resource.id,
                booking=booking,
            )
        )
        db.session.add(order)
        db.session.flush()
    return order


def release_unpaid_holds(now: datetime | None = None) -> list[int]:
    """Cancel pending orders past their hold and free their rooms (the worker runs this).
    Safe from several workers at once: each order is locked and re-checked. Returns the
    order ids released."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Order.id).where(Order.status == OrderStatus.PENDING, Order.expires_at <= now)
    ).all()
    db.session.rollback()  # end the read: each release is its own transaction
    released = []
    for order_id in due:
        with transaction():
            order = get_or_404(Order, order_id, lock=True)
            db.session.refresh(order)
            if order.status is not OrderStatus.PENDING or order.expires_at is None:
                continue
            if order.expires_at > now:
                continue
            order.status = OrderStatus.CANCELLED
            for booking in _held_bookings(order):
                booking.status = BookingStatus.CANCELLED
                booking.cancelled_at = now
                db.session.flush()
                offer_freed_seat(booking.resource_id, booking.start_at, booking.end_at, now)
            released.append(order.id)
    return released


def pending_order_of(booking_id: int) -> Order | None:
    """The pending order that would confirm this held booking, if any."""
    return db.session.scalar(
        select(Order)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.booking_id == booking_id, Order.status == OrderStatus.PENDING)
    )


def _held_bookings(order: Order) -> list[Booking]:
    return [
        line.booking
        for line in order.lines
        if line.booking is not None and line.booking.status is BookingStatus.PENDING_PAYMENT
    ]
