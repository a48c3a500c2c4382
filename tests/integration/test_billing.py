"""Billing services on every backend: desk sales with receipts, provider payments recorded
once, refunds never beyond what was paid, refunds of cancelled bookings exactly once, cash-ups
and revenue."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    CashUp,
    HubBilling,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    ReceiptCounter,
    Role,
)
from app.services.billing import cashup, orders, payments, receipts, refunds, revenue
from app.services.billing.desk import sell_day_pass
from app.services.billing.orders import DeskPayment
from app.services.booking.bookings import book_whole_day
from app.services.errors import (
    CashUpRecorded,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OrderNotPayable,
    RefundTooLarge,
)
from tests.conftest import MONDAY, WEDNESDAY, hub_time

CASH = DeskPayment(PaymentMethod.CASH)


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- selling at the desk -----------------------------------------------------------------------


def test_desk_sale_pays_then_grants_pass_and_desk(
    clock, a_hub, a_desk, staff, day_pass, buyer
) -> None:
    sale = sell_day_pass(
        a_hub.id, staff.id, buyer.id, a_desk.id, DeskPayment(PaymentMethod.QRIS, "RRN-778899")
    )

    db.session.expire_all()
    payment = db.session.get(Payment, sale.payment.id)
    assert (payment.amount_idr, payment.method, payment.reference) == (
        50_000,
        PaymentMethod.QRIS,
        "RRN-778899",
    )
    assert payment.receipt_number == f"2026-{a_hub.id:03d}-000001"
    assert payment.recorded_by_id == staff.id
    assert payment.order.status is OrderStatus.PAID
    membership = db.session.get(Membership, sale.membership.id)
    assert (membership.starts_on, membership.plan_id) == (MONDAY, day_pass.id)
    assert membership.covers(MONDAY)
    assert not membership.covers(MONDAY.replace(day=24))
    booking = db.session.get(Booking, sale.booking.id)
    assert (booking.member_id, booking.resource_id) == (buyer.id, a_desk.id)
    assert booking.start_at == hub_time(a_hub, MONDAY, 8)
    assert actions() == ["payment_recorded"]
    entry = db.session.scalar(select(AuditEntry))
    assert entry.actor_id == staff.id
    assert entry.hub_id == a_hub.id
    assert entry.after["receipt_number"] == payment.receipt_number
    assert entry.after["amount_idr"] == 50_000


def test_receipt_numbers_run_per_hub_and_a_refused_sale_takes_none(
    clock, a_hub, make_hub, make_resource, make_member, staff, day_pass, buyer
) -> None:
    desks = [make_resource(a_hub, name=f"D{n}") for n in range(3)]
    other_hub = make_hub(name="Makassar", timezone="Asia/Makassar")
    other_desk = make_resource(other_hub, name="M1")
    other_staff = make_member(plan=None, roles=[(Role.FRONTDESK, other_hub)])
    second, third = make_member(plan=None), make_member(plan=None)

    first = sell_day_pass(a_hub.id, staff.id, buyer.id, desks[0].id, CASH)
    with pytest.raises(InvalidInput):  # a transfer needs its reference: nothing is recorded
        sell_day_pass(
            a_hub.id, staff.id, second.id, desks[1].id, DeskPayment(PaymentMethod.TRANSFER)
        )
    assert count(Order) == 1
    assert count(Payment) == 1
    assert db.session.get(ReceiptCounter, (a_hub.id, 2026)).last_seq == 1
    then = sell_day_pass(a_hub.id, staff.id, second.id, desks[1].id, CASH)
    elsewhere = sell_day_pass(other_hub.id, other_staff.id, third.id, other_desk.id, CASH)

    assert [first.payment.receipt_seq, then.payment.receipt_seq] == [1, 2]
    assert elsewhere.payment.receipt_number == f"2026-{other_hub.id:03d}-000001"


def test_desk_sale_refusals_change_nothing(
    clock, a_hub, a_desk, make_hub, make_resource, make_member, staff, day_pass, buyer, a_member
) -> None:
    other_desk = make_resource(make_hub(name="Elsewhere"), name="X1")
    stranger = make_member(plan=None, roles=[(Role.FRONTDESK, make_hub())])
    with pytest.raises(Forbidden):
        sell_day_pass(a_hub.id, stranger.id, buyer.id, a_desk.id, CASH)
    with pytest.raises(NotFound):
        sell_day_pass(a_hub.id, staff.id, buyer.id, other_desk.id, CASH)
    with pytest.raises(InvalidInput) as held:  # Siti's plan is valid here today already
        sell_day_pass(a_hub.id, staff.id, a_member.id, a_desk.id, CASH)
    assert held.value.details["field"] == "member_id"
    with pytest.raises(InvalidInput):
        sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, DeskPayment(PaymentMethod.CARD))
    assert (count(Order), count(Payment), count(Booking), count(AuditEntry)) == (0, 0, 0, 0)


def test_hub_price_overrides_the_plan_price(clock, a_hub, a_desk, staff, day_pass, buyer) -> None:
    admin = staff
    admin.roles[0].role = Role.HUB_ADMIN
    db.session.commit()
    orders.update_hub_billing(a_hub.id, admin.id, orders.BillingTerms(35_000, 24, 15))
    sale = sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, CASH)
    assert sale.payment.amount_idr == 35_000
    assert sale.order.lines[0].unit_price_idr == 35_000
    assert "hub_billing_updated" in actions()
    with pytest.raises(InvalidInput):
        orders.update_hub_billing(a_hub.id, admin.id, orders.BillingTerms(-1, 24, 15))


# -- payments through a provider ---------------------------------------------------------------


def online_order(a_hub, buyer, day_pass, desk_id, day=WEDNESDAY) -> Order:
    order = orders.day_pass_order(
        a_hub, buyer, day_pass, day, resource_id=desk_id, created_by_id=None
    )
    db.session.commit()
    return order


def test_one_attempt_per_order_and_success_recorded_once(
    clock, a_hub, a_desk, day_pass, buyer, provider
) -> None:
    order = online_order(a_hub, buyer, day_pass, a_desk.id)
    charge = payments.charge_for_order(order.id, buyer.id)
    assert (charge.reference, charge.amount_idr) == (f"order-{order.id}", 50_000)

    first = payments.start_payment(provider, charge)
    again = payments.start_payment(provider, charge)  # a double-click
    assert first == again
    assert count(PaymentAttempt) == 1

    kwargs = dict(provider="stripe", provider_ref=first.provider_ref, reference=charge.reference)
    paid = payments.provider_payment_succeeded(**kwargs, amount_idr=50_000)
    replayed = payments.provider_payment_succeeded(**kwargs, amount_idr=50_000)
    payments.provider_payment_failed(**kwargs, reason="late, out-of-order event")

    assert replayed.id == paid.id
    assert count(Payment) == 1
    db.session.expire_all()
    attempt = db.session.scalar(select(PaymentAttempt))
    assert (attempt.status, attempt.failure_reason) == ("succeeded", "")
    assert db.session.get(Order, order.id).status is OrderStatus.PAID
    booking = db.session.scalar(select(Booking).where(Booking.member_id == buyer.id))
    assert booking.start_at == hub_time(a_hub, WEDNESDAY, 8)
    assert paid.method is PaymentMethod.CARD
    assert paid.recorded_by_id is None
    with pytest.raises(OrderNotPayable):
        payments.charge_for_order(order.id, buyer.id)


def test_failed_charge_keeps_the_order_payable(clock, a_hub, a_desk, day_pass, buyer, provider):
    order = online_order(a_hub, buyer, day_pass, a_desk.id)
    charge = payments.charge_for_order(order.id, buyer.id)
    intent = payments.start_payment(provider, charge)
    payments.provider_payment_failed(
        provider="stripe",
        provider_ref=intent.provider_ref,
        reference=charge.reference,
        reason="card_declined",
    )
    db.session.expire_all()
    assert db.session.scalar(select(PaymentAttempt)).failure_reason == "card_declined"
    assert db.session.get(Order, order.id).status is OrderStatus.PENDING
    assert count(Payment) == 0
    assert count(Booking) == 0
    payments.start_payment(provider, charge)  # the member tries another card
    db.session.expire_all()
    assert db.session.scalar(select(PaymentAttempt)).status == "requires_payment_method"


def test_provider_reports_for_unknown_references_are_refused(clock, buyer) -> None:
    with pytest.raises(InvalidInput):
        payments.provider_payment_succeeded(
            provider="stripe", provider_ref="pi_1", reference="order-1; DROP", amount_idr=1
        )
    with pytest.raises(NotFound):
        payments.provider_payment_succeeded(
            provider="stripe", provider_ref="pi_1", reference="order-999999", amount_idr=1
        )
    assert count(Payment) == 0


def test_other_members_order_is_not_found(clock, a_hub, a_desk, day_pass, buyer, a_member):
    order = online_order(a_hub, buyer, day_pass, a_desk.id)
    with pytest.raises(NotFound):
        payments.charge_for_order(order.id, a_member.id)


# -- refunds -----------------------------------------------------------------------------------


def test_staff_refunds_partially_then_the_rest_never_more(
    clock, a_hub, a_desk, staff, day_pass, buyer
) -> None:
    sale = sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, CASH)
    pid = sale.payment.id

    part = refunds.refund_by_staff(pid, a_hub.id, staff.id, 20_000, refund_key="k1", reason="x")
    again = refunds.refund_by_staff(pid, a_hub.id, staff.id, 20_000, refund_key="k1", reason="x")
    assert again.id == part.id  # the same form submitted twice
    with pytest.raises(RefundTooLarge) as too_much:
        refunds.refund_by_staff(pid, a_hub.id, staff.id, 30_001, refund_key="k2", reason="x")
    assert too_much.value.details["left_idr"] == 30_000
    rest = refunds.refund_by_staff(pid, a_hub.id, staff.id, 30_000, refund_key="k3", reason="y")

    assert (part.amount_idr, rest.amount_idr) == (20_000, 30_000)
    assert rest.refund_of_id == pid
    assert rest.signed_idr == -30_000
    assert rest.receipt_number is None
    assert rest.reference == sale.payment.receipt_number
    assert refunds.refundable_idr(db.session.get(Payment, pid)) == 0
    assert actions().count("refund_recorded") == 2


def test_refund_refusals(clock, a_hub, a_desk, make_hub, make_member, staff, day_pass, buyer):
    sale = sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, CASH)
    other_hub = make_hub()
    other_staff = make_member(plan=None, roles=[(Role.FRONTDESK, other_hub)])
    pid = sale.payment.id
    with pytest.raises(NotFound):  # another hub's payment, as that hub's staff
        refunds.refund_by_staff(pid, other_hub.id, other_staff.id, 1, refund_key="a", reason="x")
    with pytest.raises(Forbidden):
        refunds.refund_by_staff(pid, a_hub.id, other_staff.id, 1, refund_key="a", reason="x")
    with pytest.raises(InvalidInput):
        refunds.refund_by_staff(pid, a_hub.id, staff.id, 0, refund_key="a", reason="x")
    with pytest.raises(InvalidInput):
        refunds.refund_by_staff(pid, a_hub.id, staff.id, 1, refund_key="a", reason=" ")
    assert count(Payment) == 1


def test_cancelled_paid_booking_is_refunded_once_through_the_provider(
    clock, a_hub, a_desk, day_pass, buyer, provider
) -> None:
    order = online_order(a_hub, buyer, day_pass, a_desk.id)
    charge = payments.charge_for_order(order.id, buyer.id)
    intent = payments.start_payment(provider, charge)
    payments.provider_payment_succeeded(
        provider="stripe",
        provider_ref=intent.provider_ref,
        reference=charge.reference,
        amount_idr=50_000,
    )
    booking = db.session.scalar(select(Booking).where(Booking.member_id == buyer.id))

    cancelled = refunds.cancel_with_refund(booking.id, member_id=buyer.id)
    with pytest.raises(InvalidTransition):
        refunds.cancel_with_refund(booking.id, member_id=buyer.id)

    assert cancelled.refund is not None
    assert cancelled.refund.amount_idr == 50_000
    assert provider.refunds == [(intent.provider_ref, 50_000, f"booking-{booking.id}-cancelled")]
    assert cancelled.refund.provider_ref == "re_0001"
    db.session.expire_all()
    assert count(Payment) == 2
    assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED
    day_membership = order.lines[0].membership
    assert db.session.get(Membership, day_membership.id).status is MembershipStatus.CANCELLED


def test_cancellation_inside_the_refund_window_keeps_the_money(
    clock, a_hub, a_desk, make_member, day_pass, buyer, provider
) -> None:
    order = online_order(a_hub, buyer, day_pass, a_desk.id, day=MONDAY.replace(day=24))
    charge = payments.charge_for_order(order.id, buyer.id)
    intent = payments.start_payment(provider, charge)
    payments.provider_payment_succeeded(
        provider="stripe",
        provider_ref=intent.provider_ref,
        reference=charge.reference,
        amount_idr=50_000,
    )
    booking = db.session.scalar(select(Booking).where(Booking.member_id == buyer.id))
    # Tuesday 08:00 is 24 hours away: the default window is "at least 24 hours before".
    clock(MONDAY, time(8, 1), a_hub)
    result = refunds.cancel_with_refund(booking.id, member_id=buyer.id)
    assert result.refund is None
    assert provider.refunds == []
    assert count(Payment) == 1


def test_staff_cancellation_of_a_desk_sale_refunds_cash_within_policy(
    clock, a_hub, a_desk, staff, day_pass, buyer
) -> None:
    db.session.add(HubBilling(hub_id=a_hub.id, refund_hours_before=0, hold_minutes=15))
    db.session.commit()
    clock(MONDAY, time(7, 30), a_hub)
    sale = sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, CASH)
    with pytest.raises(NotFound):  # another member cannot cancel it
        refunds.cancel_with_refund(sale.booking.id, member_id=staff.id)
    result = refunds.cancel_with_refund(sale.booking.id, staff_id=staff.id)
    assert result.refund is not None
    assert (result.refund.method, result.refund.amount_idr) == (PaymentMethod.CASH, 50_000)
    assert result.refund.recorded_by_id == staff.id


def test_plain_cancel_still_works_for_unpaid_bookings(clock, a_member, a_desk) -> None:
    booking = book_whole_day(a_member.id, a_desk.id, WEDNESDAY)
    result = refunds.cancel_with_refund(booking.id, member_id=a_member.id)
    assert result.refund is None
    assert result.booking.status is BookingStatus.CANCELLED


# -- cash-up and revenue -----------------------------------------------------------------------


def test_cash_up_expects_cash_less_cash_refunds_and_records_once(
    clock, a_hub, make_resource, make_member, staff, day_pass
) -> None:
    desks = [make_resource(a_hub, name=f"C{n}") for n in range(3)]
    members = [make_member(plan=None) for _ in range(3)]
    one = sell_day_pass(a_hub.id, staff.id, members[0].id, desks[0].id, CASH)
    sell_day_pass(a_hub.id, staff.id, members[1].id, desks[1].id, CASH)
    sell_day_pass(
        a_hub.id, staff.id, members[2].id, desks[2].id, DeskPayment(PaymentMethod.QRIS, "R1")
    )
    refunds.refund_by_staff(one.payment.id, a_hub.id, staff.id, 10_000, refund_key="r", reason="x")

    state = cashup.cash_day(a_hub.id, MONDAY)
    assert state.expected_idr == 90_000
    assert len(state.entries) == 3
    recorded = cashup.record_cash_up(a_hub.id, staff.id, MONDAY, 85_000, "short")
    assert (recorded.expected_idr, recorded.difference_idr) == (90_000, -5_000)
    with pytest.raises(CashUpRecorded):
        cashup.record_cash_up(a_hub.id, staff.id, MONDAY, 90_000)
    with pytest.raises(InvalidInput):
        cashup.record_cash_up(a_hub.id, staff.id, WEDNESDAY, 0)
    assert count(CashUp) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cash_up_recorded"))
    assert entry.after["difference_idr"] == -5_000


def test_revenue_per_month_and_csv(clock, a_hub, a_desk, staff, day_pass, buyer) -> None:
    sale = sell_day_pass(
        a_hub.id, staff.id, buyer.id, a_desk.id, DeskPayment(PaymentMethod.TRANSFER, "=HYPERLINK")
    )
    refunds.refund_by_staff(sale.payment.id, a_hub.id, staff.id, 5_000, refund_key="r", reason="x")
    month = revenue.month_revenue(a_hub, revenue.parse_month("2026-11", MONDAY))
    assert (month.total.paid_idr, month.total.refunded_idr, month.total.net_idr) == (
        50_000,
        5_000,
        45_000,
    )
    assert [m.method for m in month.by_method] == [PaymentMethod.TRANSFER]
    text = revenue.revenue_csv(month)
    rows = text.splitlines()
    assert rows[0].startswith("recorded_at_local,receipt_number,kind")
    assert "2026-11-23T08:00:00+07:00" in rows[1]
    assert ",50000,50000," in rows[1]
    assert ",-5000," in rows[2]
    assert "'=HYPERLINK" in rows[1]  # no formula reaches a spreadsheet
    december = revenue.month_revenue(a_hub, revenue.parse_month("2026-12", MONDAY))
    assert december.entries == []
    with pytest.raises(InvalidInput):
        revenue.parse_month("November", MONDAY)


# -- receipts ----------------------------------------------------------------------------------


def test_receipt_visible_to_its_member_and_the_hubs_staff_only(
    clock, a_hub, a_desk, make_hub, make_member, staff, day_pass, buyer, a_member
) -> None:
    sale = sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, CASH)
    assert receipts.receipt(sale.payment.id, buyer).payment.id == sale.payment.id
    assert receipts.receipt(sale.payment.id, staff).hub.id == a_hub.id
    other_staff = make_member(plan=None, roles=[(Role.FRONTDESK, make_hub())])
    for outsider in (a_member, other_staff):
        with pytest.raises(NotFound):
            receipts.receipt(sale.payment.id, outsider)


def test_receipt_mail_in_the_members_language(
    app, clock, a_hub, a_desk, staff, day_pass, make_member, outbox
) -> None:
    member = make_member(plan=None, email="ani@example.com", locale="id")
    sale = sell_day_pass(a_hub.id, staff.id, member.id, a_desk.id, CASH)
    assert receipts.mail_receipt(app.extensions["ruang.mailer"], sale.payment.id)
    (mail,) = outbox.to("ani@example.com")
    body = outbox.body(mail)
    assert sale.payment.receipt_number in mail["Subject"]
    assert "Terima kasih" in body
    assert "Tunai" in body
    assert "Rp 50.000" in body
    assert "08:00 WIB" in body
