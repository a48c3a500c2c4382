"""Refunds: by staff (full or partial), and of a paid booking cancelled within the hub's
refund policy. Each is recorded once.

The payment's row is locked before what was refunded is summed, so two submits (or two
processes) never return more than was paid; each refund carries a key (the refund form's
one-time token, or the cancelled booking), unique in the ledger, so a repeat finds the refund
the first one recorded instead of writing a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    EntryKind,
    MembershipStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    User,
    utcnow,
)
from app.services.billing import ledger, orders
from app.services.billing.providers import provider_named
from app.services.booking.bookings import get_booking, mark_cancelled
from app.services.booking.placement import get_or_404
from app.services.errors import (
    Forbidden,
    InvalidInput,
    NoPaymentProvider,
    NotFound,
    NotRefundable,
    RefundTooLarge,
)
from app.services.transactions import transaction

MAX_KEY_LENGTH = 100


def refundable_idr(payment: Payment) -> int:
    """What is left to refund of a payment."""
    if payment.is_refund:
        return 0
    return payment.amount_idr - ledger.refunded_idr(payment.id)


def refund_by_staff(
    payment_id: int,
    hub_id: int,
    staff_id: int,
    amount_idr: int,
    *,
    refund_key: str,
    reason: str,
    now: datetime | None = None,
) -> Payment:
    """Refund part or all of a payment at the staff member's hub, audited. The same
    `refund_key` again returns the refund already recorded."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("say why the money goes back", field="reason")
    if not refund_key or len(refund_key) > MAX_KEY_LENGTH:
        raise InvalidInput("the refund form is out of date: open it again", field="refund_key")
    ledger.check_amount(amount_idr)
    with transaction():
        staff = get_or_404(User, staff_id)
        if not staff.can_staff(hub_id):
            raise Forbidden("only this hub's staff may refund here")
        payment = _locked_payment(payment_id)
        if payment.hub_id != hub_id or payment.is_refund:
            raise NotFound("no such payment at this hub", id=payment_id)
        key = f"staff-{refund_key}"
        existing = _refund_by_key(key)
        if existing is not None:
            return existing
        refund = _refund(payment, amount_idr, key, reason, staff_id, now or utcnow())
        orders.audit_payment("refund_recorded", refund, staff_id)
    return refund


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund: Payment | None  # None: nothing was paid, or it is too late for a refund


def cancel_with_refund(
    booking_id: int,
    *,
    member_id: int | None = None,
    staff_id: int | None = None,
    now: datetime | None = None,
) -> Cancellation:
    """Cancel a booking and, if it was paid and the cancellation comes at least the hub's
    refund window before the start, refund it in full, in the same transaction: exactly
    once, as the booking can be cancelled only once. With `member_id` only the member's own
    booking (others are NotFound); staff of the booking's hub override the cut-off."""
    now = now or utcnow()
    with transaction():
        booking = get_booking(booking_id, member_id)
        hub_id = booking.resource.hub.id
        if staff_id is not None and not get_or_404(User, staff_id).can_staff(hub_id):
            raise NotFound("no such booking at this hub", id=booking_id)
        mark_cancelled(booking, now, override_cutoff=staff_id is not None)
        refund = _refund_cancelled(booking, staff_id, now)
    return Cancellation(booking, refund)


def refund_policy_deadline(booking: Booking) -> datetime:
    """The last instant a cancellation of `booking` is refunded."""
    hours = orders.hub_billing(booking.resource.hub.id).refund_hours_before
    return booking.start_at - timedelta(hours=hours)


def paid_line_of(booking_id: int) -> OrderLine | None:
    """The paid order line that bought this booking, if any."""
    return db.session.scalar(
        select(OrderLine)
        .join(Order, OrderLine.order_id == Order.id)
        .where(OrderLine.booking_id == booking_id, Order.status == OrderStatus.PAID)
    )


# -- helpers -----------------------------------------------------------------------------------


def _refund_cancelled(booking: Booking, staff_id: int | None, now: datetime) -> Payment | None:
    line = paid_line_of(booking.id)
    if line is None or line.amount_idr == 0 or now > refund_policy_deadline(booking):
        return None
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.order_id == line.order_id, Payment.kind == EntryKind.PAYMENT)
        .order_by(Payment.id)
        .with_for_update()
    )
    if payment is None:
        return None
    key = f"booking-{booking.id}-cancelled"
    existing = _refund_by_key(key)
    if existing is not None:
        return existing
    amount = min(line.amount_idr, refundable_idr(payment))
    if amount <= 0:
        return None
    if line.membership is not None:  # the day pass goes with the desk it came with
        line.membership.status = MembershipStatus.CANCELLED
    refund = _refund(payment, amount, key, "booking cancelled", staff_id, now)
    orders.audit_payment("refund_recorded", refund, staff_id)
    return refund


def _refund(
    payment: Payment, amount_idr: int, key: str, reason: str, actor_id: int | None, now: datetime
) -> Payment:
    """Check what is left, ask the provider (for card payments), record the refund."""
    left = refundable_idr(payment)
    if left <= 0:
        raise NotRefundable("this payment is refunded in full", id=payment.id)
    if amount_idr > left:
        raise RefundTooLarge("more than is left of the payment", left_idr=left)
    provider_ref = None
    if payment.provider is not None:
        provider = provider_named(payment.provider)
        if provider is None or payment.provider_ref is None:
            raise NoPaymentProvider(f"{payment.provider} is not configured here")
        provider_ref = provider.refund(payment.provider_ref, amount_idr, key)
    return ledger.record_refund(
        payment,
        amount_idr,
        recorded_by_id=actor_id,
        refund_key=key,
        provider_ref=provider_ref,
        note=reason,
        now=now,
    )


def _locked_payment(payment_id: int) -> Payment:
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise NotFound("no such payment", id=payment_id)
    return payment


def _refund_by_key(key: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.refund_key == key))
