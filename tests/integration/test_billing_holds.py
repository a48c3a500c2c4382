"""Room hours beyond the plan's quota: held PENDING_PAYMENT (blocking the slot in the
database), confirmed when paid, released by the worker when not; on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    BookingStatus,
    HubBilling,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Role,
)
from app.services.access import pass_pages
from app.services.access.pass_pages import PassUnavailable
from app.services.billing import desk, holds, payments
from app.services.billing.orders import DeskPayment
from app.services.booking import bookings
from app.services.errors import BookingConflict, InvalidInput, InvalidTransition, OrderNotPayable
from app.worker import JOBS
from tests.conftest import TUESDAY, hub_time


@pytest.fixture
def priced(a_hub):
    db.session.add(
        HubBilling(
            hub_id=a_hub.id, room_hour_price_idr=75_000, refund_hours_before=24, hold_minutes=15
        )
    )
    db.session.commit()


@pytest.fixture
def one_hour_member(make_member, make_plan):
    return make_member(plan=make_plan(room_hours_per_month=1), name="Rina")


def hold(member, room, hour=10, hours=2):
    start = hub_time(room.hub, TUESDAY, hour)
    return holds.hold_room_for_payment(member.id, room.id, start, start + timedelta(hours=hours))


def test_beyond_quota_the_room_is_held_and_blocks_others(
    clock, a_hub, a_room, priced, one_hour_member, a_member
) -> None:
    start = hub_time(a_hub, TUESDAY, 8)
    bookings.book(one_hour_member.id, a_room.id, start, start + timedelta(hours=1))
    order = hold(one_hour_member, a_room)

    assert (order.status, order.total_idr) == (OrderStatus.PENDING, 150_000)
    assert order.expires_at == hub_time(a_hub, TUESDAY.replace(day=23), 8) + timedelta(minutes=15)
    held = order.lines[0].booking
    assert held.status is BookingStatus.PENDING_PAYMENT
    with pytest.raises(BookingConflict):  # the held slot is taken, in the database too
        bookings.book(a_member.id, a_room.id, held.start_at, held.end_at)


def test_the_database_refuses_an_overlap_with_a_held_booking(
    clock, a_hub, a_room, priced, one_hour_member, a_member, backend
) -> None:
    if backend != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite writers are serialised")
    from sqlalchemy.exc import IntegrityError

    held = hold(one_hour_member, a_room, hours=2).lines[0].booking
    twin = Booking(
        resource_id=a_room.id,
        member_id=a_member.id,
        start_at=held.start_at,
        end_at=held.end_at,
        status=BookingStatus.CONFIRMED,
        exclusive=True,
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError, match="ex_bookings_no_overlap"):
        db.session.flush()
    db.session.rollback()


def test_paid_at_the_desk_the_hold_is_confirmed(
    clock, a_hub, a_room, priced, one_hour_member, make_member
) -> None:
    staff = make_member(plan=None, roles=[(Role.FRONTDESK, a_hub)])
    order = hold(one_hour_member, a_room, hours=2)
    assert [o.id for o in desk.pending_orders(a_hub.id)] == [order.id]
    payment = desk.pay_order_at_desk(
        order.id, a_hub.id, staff.id, DeskPayment(PaymentMethod.QRIS, "RRN-1")
    )
    db.session.expire_all()
    assert payment.amount_idr == 75_000  # the plan's one hour covers the first of the two
    assert payment.receipt_number is not None
    assert db.session.get(Order, order.id).status is OrderStatus.PAID
    assert db.session.get(Booking, order.lines[0].booking_id).status is BookingStatus.CONFIRMED
    with pytest.raises(OrderNotPayable):
        desk.pay_order_at_desk(order.id, a_hub.id, staff.id, DeskPayment(PaymentMethod.CASH))
    assert desk.pending_orders(a_hub.id) == []


def test_unpaid_holds_are_released_once_and_a_late_payment_is_kept_for_refund(
    clock, a_hub, a_room, priced, one_hour_member, a_member
) -> None:
    order = hold(one_hour_member, a_room)
    booking_id = order.lines[0].booking_id
    assert holds.release_unpaid_holds() == []  # not expired yet
    clock(order.expires_at + timedelta(seconds=1))
    assert holds.release_unpaid_holds() == [order.id]
    assert holds.release_unpaid_holds() == []

    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.CANCELLED
    freed = db.session.get(Booking, booking_id)
    assert freed.status is BookingStatus.CANCELLED
    bookings.book(a_member.id, a_room.id, freed.start_at, freed.end_at)  # the slot is free again

    late = payments.provider_payment_succeeded(
        provider="stripe", provider_ref="pi_late", reference=order.reference, amount_idr=150_000
    )
    assert late.note == "not applied: check and refund"
    assert db.session.get(Booking, booking_id).status is BookingStatus.CANCELLED


def test_a_held_booking_has_no_pass_until_paid(
    app, clock, a_hub, a_room, priced, one_hour_member
) -> None:
    held = hold(one_hour_member, a_room, hour=8).lines[0].booking
    assert not held.is_active
    with pytest.raises(PassUnavailable):
        pass_pages.booking_pass(app.extensions["ruang.keyring"], one_hour_member.id, held.id)


def test_holds_only_beyond_the_quota_and_where_sold(
    clock, a_hub, a_room, make_resource, priced, one_hour_member
) -> None:
    with pytest.raises(InvalidInput):  # an hour is still in the plan: book it as usual
        hold(one_hour_member, a_room, hours=1)
    desk_resource = make_resource(a_hub, name="D1")
    start = hub_time(a_hub, TUESDAY, 8)
    with pytest.raises(InvalidInput):
        holds.hold_room_for_payment(
            one_hour_member.id, desk_resource.id, start, start + timedelta(hours=9)
        )
    assert db.session.scalars(select(Order)).all() == []


def test_hubs_that_sell_no_extra_hours_refuse(clock, a_room, one_hour_member) -> None:
    with pytest.raises(holds.PaidHoursUnavailable):
        hold(one_hour_member, a_room)


def test_the_worker_runs_the_release(clock) -> None:
    assert "release-unpaid-holds" in {job.name for job in JOBS}


def test_paying_a_released_hold_at_the_desk_is_refused(
    clock, a_hub, a_room, priced, one_hour_member, make_member
) -> None:
    staff = make_member(plan=None, roles=[(Role.FRONTDESK, a_hub)])
    order = hold(one_hour_member, a_room)
    clock(order.expires_at + timedelta(minutes=1))
    holds.release_unpaid_holds()
    with pytest.raises((OrderNotPayable, InvalidTransition)):
        desk.pay_order_at_desk(order.id, a_hub.id, staff.id, DeskPayment(PaymentMethod.CASH))
    assert db.session.scalars(select(Payment)).all() == []
