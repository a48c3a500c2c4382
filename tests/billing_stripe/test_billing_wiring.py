"""Stripe wired into the real billing domain: a webhook for an order's or invoice's
PaymentIntent records one payment with its receipt number and gives what was bought (the day
pass and its desk, the held room, the plan period); "Pay by card" on the pay page; a refund of a
card payment goes back through Stripe. localstripe is Stripe; webhooks are signed deliveries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    BillingInterval,
    Booking,
    BookingStatus,
    Hub,
    HubBilling,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    Plan,
    Resource,
    User,
)
from app.services.billing import desk, holds, invoices, payments, refunds
from app.services.billing.orders import DeskPayment
from app.services.billing.stripe.client import stripe_provider
from app.services.billing.stripe.provider import StripeProvider
from app.services.booking import bookings
from tests.conftest import TUESDAY, hub_time
from tests.stripe import LocalStripe, payment_intent_event, signed_headers

URL = "/stripe/webhook"


@pytest.fixture
def card(session: Session) -> StripeProvider:
    provider = stripe_provider()
    assert provider is not None
    return provider


def deliver(client: FlaskClient, intent_id: str, reference: str, amount_idr: int) -> str:
    body = payment_intent_event("payment_intent.succeeded", intent_id, reference, amount_idr)
    response = client.post(URL, data=body, headers=signed_headers(body))
    assert response.status_code == 200, response.text
    return str(response.get_json()["outcome"])


def payments_of(reference: str) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.reference == reference)))


def test_an_orders_webhook_records_one_payment_and_gives_the_day_pass_and_desk(
    clock, client, card, a_hub: Hub, a_desk: Resource, day_pass: Plan, buyer: User
) -> None:
    order = desk.order_day_pass_online(a_hub.id, buyer.id, a_desk.id)
    intent = payments.start_payment(card, payments.charge_for_order(order.id, buyer.id))
    assert intent.provider_ref.startswith("pi_")
    assert deliver(client, intent.provider_ref, order.reference, 50_000) == "payment_succeeded"
    # Stripe delivers again (a retry, as its own event): still one payment.
    assert deliver(client, intent.provider_ref, order.reference, 50_000) == "payment_succeeded"

    (payment,) = payments_of(order.reference)
    assert (payment.method, payment.provider, payment.provider_ref) == (
        PaymentMethod.CARD,
        "stripe",
        intent.provider_ref,
    )
    assert payment.receipt_number is not None
    assert payment.amount_idr == 50_000
    db.session.expire_all()
    paid = db.session.get(Order, order.id)
    assert paid.status is OrderStatus.PAID
    line = paid.lines[0]
    assert line.membership is not None
    assert line.membership.plan_id == day_pass.id
    assert line.booking is not None
    assert line.booking.resource_id == a_desk.id
    attempt = payments.attempt_of(order.reference)
    assert attempt is not None
    assert attempt.status == "succeeded"


def test_a_held_rooms_webhook_confirms_the_room(
    clock, client, card, a_hub: Hub, a_room: Resource, make_member, make_plan
) -> None:
    db.session.add(HubBilling(hub_id=a_hub.id, room_hour_price_idr=75_000, hold_minutes=15))
    member = make_member(plan=make_plan(room_hours_per_month=1), name="Rina")
    start = hub_time(a_hub, TUESDAY, 8)
    bookings.book(member.id, a_room.id, start, start + timedelta(hours=1))
    later = hub_time(a_hub, TUESDAY, 10)
    order = holds.hold_room_for_payment(member.id, a_room.id, later, later + timedelta(hours=2))
    intent = payments.start_payment(card, payments.charge_for_order(order.id, member.id))
    deliver(client, intent.provider_ref, order.reference, order.total_idr)

    db.session.expire_all()
    held = db.session.scalars(select(Booking).where(Booking.start_at == later)).one()
    assert held.status is BookingStatus.CONFIRMED
    assert len(payments_of(order.reference)) == 1


def test_an_invoices_webhook_pays_the_plan_period(
    clock, client, card, a_hub: Hub, staff: User, buyer: User, make_plan
) -> None:
    monthly = make_plan(code="bulanan", price_idr=750_000, billing_interval=BillingInterval.MONTH)
    clock(date(2026, 12, 1), time(9), a_hub)
    invoice = invoices.start_billed_membership(
        buyer.id, monthly.id, a_hub.id, date(2026, 12, 1), staff.id
    )
    intent = payments.start_payment(card, payments.charge_for_invoice(invoice.id))
    deliver(client, intent.provider_ref, invoice.reference, 750_000)

    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.PAID
    (payment,) = payments_of(invoice.reference)
    assert payment.invoice_id == invoice.id
    assert payment.receipt_number is not None


def test_pay_by_card_on_the_pay_page_then_the_status_page_shows_the_receipt(
    clock,
    client: FlaskClient,
    login: Callable[[User], FlaskClient],
    localstripe: LocalStripe,
    a_hub: Hub,
    a_desk: Resource,
    day_pass: Plan,
    buyer: User,
) -> None:
    login(buyer)
    page = client.get(f"/hubs/{a_hub.slug}/day-pass")
    assert page.status_code == 200
    assert a_desk.name in page.text
    chosen = client.post(f"/hubs/{a_hub.slug}/day-pass", data={"resource_id": a_desk.id})
    assert chosen.status_code == 302
    pay_page = client.get(chosen.location)
    assert "Pay by card" in pay_page.text
    order = db.session.scalars(select(Order).where(Order.member_id == buyer.id)).one()

    started = client.post(f"/pay/card/orders/{order.id}")
    assert started.status_code == 302
    intent_id = started.location.rsplit("/", 1)[1]
    assert started.location.endswith(f"/pay/card/{intent_id}")
    again = client.post(f"/pay/card/orders/{order.id}")  # a second click: the same intent
    assert again.location == started.location
    assert client.get(started.location).status_code == 200  # the card field

    assert localstripe.pay(intent_id) == "succeeded"  # what Stripe.js does in the browser
    deliver(client, intent_id, order.reference, 50_000)
    status = client.get(f"/pay/card/{intent_id}/status")
    (payment,) = payments_of(order.reference)
    assert "Paid. Thank you!" in status.text
    assert f"/billing/receipts/{payment.id}" in status.text
    receipt = client.get(f"/billing/receipts/{payment.id}")
    assert payment.receipt_number in receipt.text
    assert client.post(f"/pay/card/orders/{order.id}").status_code == 302  # paid: back to pay
    assert db.session.scalar(select(func.count()).select_from(PaymentAttempt)) == 1


def test_pay_by_card_is_for_the_members_own_order_and_needs_the_csrf_token(
    clock, app, client, login, a_hub, a_desk, day_pass, buyer, a_member
) -> None:
    order = desk.order_day_pass_online(a_hub.id, buyer.id, a_desk.id)
    login(a_member)
    assert client.post(f"/pay/card/orders/{order.id}").status_code == 404
    login(buyer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/pay/card/orders/{order.id}").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert payments.attempt_of(order.reference) is None


def test_a_refund_of_a_card_payment_goes_back_through_stripe(
    clock, client, card, localstripe: LocalStripe, a_hub, a_desk, staff, day_pass, buyer
) -> None:
    order = desk.order_day_pass_online(a_hub.id, buyer.id, a_desk.id)
    intent = payments.start_payment(card, payments.charge_for_order(order.id, buyer.id))
    assert localstripe.pay(intent.provider_ref) == "succeeded"
    deliver(client, intent.provider_ref, order.reference, 50_000)
    (payment,) = payments_of(order.reference)

    first = refunds.refund_by_staff(
        payment.id, a_hub.id, staff.id, 20_000, refund_key="k1", reason="x"
    )
    again = refunds.refund_by_staff(
        payment.id, a_hub.id, staff.id, 20_000, refund_key="k1", reason="x"
    )
    assert again.id == first.id  # the same form twice: one refund, one call to Stripe
    assert first.provider_ref is not None
    assert first.provider_ref.startswith("re_")
    at_stripe = localstripe.client().v1.refunds.retrieve(first.provider_ref)
    assert at_stripe.amount == 2_000_000  # Rp 20.000 in Stripe's minor units
    assert at_stripe.payment_intent == intent.provider_ref
    assert at_stripe.metadata["reference"] == first.refund_key
    assert refunds.refundable_idr(payment) == 30_000


def test_desk_payment_of_an_online_order_still_works(
    clock, a_hub, a_desk, staff, day_pass, buyer
) -> None:
    order = desk.order_day_pass_online(a_hub.id, buyer.id, a_desk.id)
    paid = desk.pay_order_at_desk(order.id, a_hub.id, staff.id, DeskPayment(PaymentMethod.CASH))
    assert paid is not None
    assert paid.receipt_number is not None
