"""Selling at the front desk: a day pass to a member who is there, paid in cash, by QRIS or
by transfer, recorded with its receipt; the pass and the desk for today come with it. And taking
the desk's payment of an order a member opened (room hours held for payment).

(A walk-in without an account goes through app.services.hubs.frontdesk.register_walk_in,
which takes the same desk payment.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    Hub,
    Membership,
    Order,
    OrderStatus,
    Payment,
    Resource,
    ResourceKind,
    User,
    utcnow,
)
from app.services.billing import orders
from app.services.billing.orders import DeskPayment
from app.services.booking.placement import get_or_404
from app.services.errors import Forbidden, InvalidInput, NoDayPassPlan, NotFound
from app.services.transactions import transaction


@dataclass(frozen=True)
class DaySale:
    order: Order
    payment: Payment | None  # None: the day pass is free at this hub
    membership: Membership
    booking: Booking


def sell_day_pass(
    hub_id: int,
    staff_id: int,
    member_id: int,
    resource_id: int,
    pay: DeskPayment,
    now: datetime | None = None,
) -> DaySale:
    """Sell a member today's day pass at the hub and book them the chosen desk, all or nothing.

    A member who already holds a membership valid here today needs no day pass (InvalidInput).
    """
    now = now or utcnow()
    with transaction():
        staff = get_or_404(User, staff_id)
        if not staff.can_staff(hub_id):
            raise Forbidden("only this hub's staff may sell here")
        order = _today_day_pass_order(hub_id, member_id, resource_id, staff_id, now)
        payment = orders.take_desk_payment(order, staff_id, pay, now)
        orders.fulfil(order, created_by_id=staff_id, now=now, strict=True)
        line = order.lines[0]
        assert line.membership is not None  # granted
        assert line.booking is not None  # strict: placed, or the sale failed
    return DaySale(order, payment, line.membership, line.booking)


def order_day_pass_online(
    hub_id: int, member_id: int, resource_id: int, now: datetime | None = None
) -> Order:
    """A member's own pending order for today's day pass and a desk at the hub, to pay online
    (or at the desk); paid, it grants the pass and books the desk. Refused as at the desk."""
    now = now or utcnow()
    with transaction():
        order = _today_day_pass_order(hub_id, member_id, resource_id, None, now)
    return order


def _today_day_pass_order(
    hub_id: int, member_id: int, resource_id: int, staff_id: int | None, now: datetime
) -> Order:
    """Today's pending day-pass order with its desk, in the caller's transaction; NotFound for a
    desk elsewhere, InvalidInput for a member who needs none."""
    hub = get_or_404(Hub, hub_id)
    member = get_or_404(User, member_id, lock=True)
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.floor.hub_id != hub.id:
        raise NotFound("no such desk at this hub", field="resource_id")
    if resource.kind is not ResourceKind.DESK or not resource.is_whole_day:
        raise InvalidInput("a day pass comes with a desk", field="resource_id")
    plan = orders.day_pass_plan(hub)
    if plan is None:
        raise NoDayPassPlan(f"no day-pass plan is offered at {hub.name}")
    day = hub.today(now)
    current = member.membership_on(day, hub.id)
    if current is not None and not current.plan.is_deleted:
        raise InvalidInput("this member's membership is valid here today", field="member_id")
    return orders.day_pass_order(
        hub, member, plan, day, resource_id=resource_id, created_by_id=staff_id, now=now
    )


def pay_order_at_desk(
    order_id: int, hub_id: int, staff_id: int, pay: DeskPayment, now: datetime | None = None
) -> Payment | None:
    """Take the desk's payment of a member's pending order at this hub (room hours held for
    payment, a day pass ordered online) and give what it bought, audited."""
    now = now or utcnow()
    with transaction():
        staff = get_or_404(User, staff_id)
        if not staff.can_staff(hub_id):
            raise Forbidden("only this hub's staff may take payments here")
        order = get_or_404(Order, order_id, lock=True)
        if order.hub_id != hub_id:
            raise NotFound("no such order at this hub", id=order_id)
        payment = orders.take_desk_payment(order, staff_id, pay, now)
        orders.fulfil(order, created_by_id=staff_id, now=now, strict=True)
    return payment


def pending_orders(hub_id: int) -> list[Order]:
    """The hub's orders waiting for their payment, oldest first."""
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.hub_id == hub_id, Order.status == OrderStatus.PENDING)
            .order_by(Order.created_at, Order.id)
        )
    )
