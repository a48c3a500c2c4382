"""Orders: a hub's prices and money policy, creating orders, and what a paid order gives.

Entitlements follow payment: a day-pass order grants its day-pass membership (and books its
desk) in the same transaction that records the payment, never before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Hub,
    HubBilling,
    LineKind,
    Membership,
    MembershipStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Plan,
    User,
    utcnow,
)
from app.models.billing import DEFAULT_HOLD_MINUTES, DEFAULT_REFUND_HOURS, MANUAL_METHODS
from app.services import audit
from app.services.billing import ledger
from app.services.booking import rules
from app.services.booking.placement import get_or_404, place_booking
from app.services.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NoDayPassPlan,
    NotFound,
    OrderNotPayable,
)
from app.services.transactions import savepoint, transaction

#: The plan sold as a day pass, at the desk and online; hub admins create it (the seed does).
DAY_PASS_PLAN_CODE = "day-pass"  # noqa: S105 (a plan code, not a secret)
BILLING_FIELDS = (
    "day_pass_price_idr",
    "room_hour_price_idr",
    "refund_hours_before",
    "hold_minutes",
)
MAX_REFUND_HOURS = 24 * 30
MAX_HOLD_MINUTES = 24 * 60


# -- a hub's prices and policy -----------------------------------------------------------------


def hub_billing(hub_id: int) -> HubBilling:
    """The hub's billing settings; the defaults (not saved) if an admin never set them."""
    settings = db.session.get(HubBilling, hub_id)
    if settings is None:
        settings = HubBilling(
            hub_id=hub_id,
            day_pass_price_idr=None,
            room_hour_price_idr=None,
            refund_hours_before=DEFAULT_REFUND_HOURS,
            hold_minutes=DEFAULT_HOLD_MINUTES,
        )
    return settings


@dataclass(frozen=True)
class BillingTerms:
    day_pass_price_idr: int | None
    refund_hours_before: int
    hold_minutes: int
    room_hour_price_idr: int | None = None


def update_hub_billing(hub_id: int, admin_id: int, terms: BillingTerms) -> HubBilling:
    """Save a hub's prices and policy (hub admins of that hub only), audited."""
    if terms.day_pass_price_idr is not None and not 0 <= terms.day_pass_price_idr <= 10_000_000:
        raise InvalidInput("day-pass price out of range", field="day_pass_price_idr")
    if terms.room_hour_price_idr is not None and not 0 <= terms.room_hour_price_idr <= 10_000_000:
        raise InvalidInput("room-hour price out of range", field="room_hour_price_idr")
    if not 0 <= terms.refund_hours_before <= MAX_REFUND_HOURS:
        raise InvalidInput("refund window out of range", field="refund_hours_before")
    if not 0 < terms.hold_minutes <= MAX_HOLD_MINUTES:
        raise InvalidInput("hold out of range", field="hold_minutes")
    with transaction():
        admin = get_or_404(User, admin_id)
        if not admin.can_administer(hub_id):
            raise Forbidden("only this hub's admins may change its prices")
        settings = db.session.get(HubBilling, hub_id, with_for_update=True)
        if settings is None:
            settings = hub_billing(hub_id)
            db.session.add(settings)
            db.session.flush()
        with audit.audited_change(
            "hub_billing_updated", settings, BILLING_FIELDS, actor_id=admin_id, hub_id=hub_id
        ):
            settings.day_pass_price_idr = terms.day_pass_price_idr
            settings.room_hour_price_idr = terms.room_hour_price_idr
            settings.refund_hours_before = terms.refund_hours_before
            settings.hold_minutes = terms.hold_minutes
    return settings


def day_pass_price(hub: Hub, plan: Plan) -> int:
    """What a day pass costs at `hub`: the hub's own price, else the day-pass plan's."""
    own = hub_billing(hub.id).day_pass_price_idr
    return plan.price_idr if own is None else own


def day_pass_plan(hub: Hub) -> Plan | None:
    """The day-pass plan, if it is offered at `hub`."""
    plan = db.session.scalar(
        select(Plan).where(Plan.code == DAY_PASS_PLAN_CODE, Plan.deleted_at.is_(None))
    )
    return plan if plan is not None and plan.allows_hub(hub.id) else None


# -- orders ------------------------------------------------------------------------------------


def day_pass_order(
    hub: Hub,
    member: User,
    plan: Plan,
    day: date,
    *,
    resource_id: int | None,
    created_by_id: int | None,
    now: datetime | None = None,
) -> Order:
    """A pending order for a day pass at `hub` on `day`, in the caller's transaction."""
    price = day_pass_price(hub, plan)
    order = Order(
        hub_id=hub.id,
        member_id=member.id,
        status=OrderStatus.PENDING,
        total_idr=price,
        created_by_id=created_by_id,
        created_at=now or utcnow(),
    )
    order.lines.append(
        OrderLine(
            kind=LineKind.DAY_PASS,
            description=f"{plan.name} {day.isoformat()}",  # the kind is translated when shown
            quantity=1,
            unit_price_idr=price,
            amount_idr=price,
            day=day,
            resource_id=resource_id,
        )
    )
    db.session.add(order)
    db.session.flush()
    return order


@dataclass(frozen=True)
class DeskPayment:
    """A payment taken at the front desk. QRIS and transfers need their reference."""

    method: PaymentMethod
    reference: str = ""
    note: str = ""


def take_desk_payment(
    order: Order, staff_id: int, pay: DeskPayment, now: datetime
) -> Payment | None:
    """Record the desk's payment of `order` in full (None for a free order), mark it paid and
    audit it, in the caller's transaction."""
    check_desk_method(pay)
    mark_paid(order, now)
    if order.total_idr == 0:
        return None
    payment = ledger.record_payment(
        hub=order.hub,
        member_id=order.member_id,
        amount_idr=order.total_idr,
        method=pay.method,
        recorded_by_id=staff_id,
        order=order,
        reference=pay.reference,
        note=pay.note,
        now=now,
    )
    audit_payment("payment_recorded", payment, staff_id)
    return payment


def check_desk_method(pay: DeskPayment) -> PaymentMethod:
    """A method the desk takes by hand, with its reference where it has one."""
    reference = pay.reference.strip()
    if pay.method not in MANUAL_METHODS:
        raise InvalidInput("the desk takes cash, QRIS or transfer", field="payment_method")
    if pay.method is not PaymentMethod.CASH and not reference:
        raise InvalidInput("give the QRIS or transfer reference", field="reference")
    if len(reference) > 100 or len(pay.note) > 500:
        raise InvalidInput("reference or note too long", field="reference")
    return pay.method


def audit_payment(action: str, payment: Payment, actor_id: int | None) -> None:
    """The audit entry of a money action: what was recorded, by whom, at which hub."""
    audit.record(
        action,
        payment,
        actor_id=actor_id,
        hub_id=payment.hub_id,
        after={
            **audit.snapshot(
                payment,
                ("kind", "amount_idr", "method", "reference", "order_id", "invoice_id"),
            ),
            "receipt_number": payment.receipt_number,
            "refund_of_id": payment.refund_of_id,
            "member_id": payment.member_id,
        },
    )


def mark_paid(order: Order, now: datetime) -> None:
    """PENDING -> PAID (the caller holds the order's lock)."""
    if order.status is not OrderStatus.PENDING:
        raise OrderNotPayable(f"order {order.id} is {order.status.value}", order_id=order.id)
    order.status = OrderStatus.PAID
    order.paid_at = now


def grant_day_pass(member: User, plan: Plan, day: date) -> Membership:
    """The day-pass membership for local `day` (valid that day only), in the caller's
    transaction."""
    membership = Membership(
        plan=plan, starts_on=day, ends_on=day + timedelta(days=1), status=MembershipStatus.ACTIVE
    )
    member.memberships.append(membership)
    db.session.flush()
    return membership


def fulfil(order: Order, *, created_by_id: int | None, now: datetime, strict: bool = False) -> None:
    """Give what a paid order bought (in the caller's transaction, which holds its lock).

    A room-hours line confirms its held booking. A day-pass line grants its membership and,
    when it names a desk, books the desk for the day: paid online and the desk taken
    meanwhile, the pass stays and the member books another desk with it; `strict` (the desk,
    choosing with the member there) fails the whole sale instead.
    """
    for line in order.lines:
        if line.kind is LineKind.ROOM_HOURS:
            _confirm_held(line)
            continue
        if line.kind is not LineKind.DAY_PASS or line.day is None or line.membership_id:
            continue
        plan = day_pass_plan(order.hub)
        if plan is None:
            raise NoDayPassPlan(f"no day-pass plan is offered at {order.hub.name}")
        line.membership = grant_day_pass(order.member, plan, line.day)
        if line.resource_id is None:
            continue
        if strict:
            line.booking = _book_day(order, line.resource_id, line.day, created_by_id, now)
            continue
        try:
            with savepoint():
                line.booking = _book_day(order, line.resource_id, line.day, created_by_id, now)
        except DomainError:
            line.booking = None


def _confirm_held(line: OrderLine) -> None:
    """PENDING_PAYMENT -> CONFIRMED for a paid room-hours line."""
    booking = line.booking
    if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
        raise InvalidTransition("this hold was released", order_id=line.order_id)
    booking.status = BookingStatus.CONFIRMED


def _book_day(
    order: Order, resource_id: int, day: date, created_by_id: int | None, now: datetime
) -> Booking:
    return place_booking(
        order.member_id,
        resource_id,
        *rules.opening_hours(order.hub, day),
        source=BookingSource.FRONT_DESK if created_by_id else BookingSource.WEB,
        created_by_id=created_by_id,
        now=now,
    )


def order_of_member(order_id: int, member_id: int) -> Order:
    """The member's own order; another member's is NotFound."""
    order = get_or_404(Order, order_id)
    if order.member_id != member_id:
        raise NotFound("no such order", id=order_id)
    return order
