"""Money pages: selling a day pass at the desk, receipts (who may see them, both languages),
billing history, refunds, the cash-up, prices, revenue and its CSV, and the pay page without
a payment provider."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Payment, PaymentMethod, Role
from app.services.billing.desk import sell_day_pass
from app.services.billing.orders import DeskPayment, day_pass_order
from tests.conftest import MONDAY


@pytest.fixture
def desk_client(client, login, staff):
    return login(staff)


@pytest.fixture
def sold(clock, a_hub, a_desk, staff, day_pass, buyer):
    """Budi's day pass, paid in cash at the desk."""
    return sell_day_pass(a_hub.id, staff.id, buyer.id, a_desk.id, DeskPayment(PaymentMethod.CASH))


def payments_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Payment)) or 0)


def test_sell_a_day_pass_at_the_desk_then_print_the_receipt(
    clock, desk_client, a_hub, a_desk, day_pass, buyer, outbox
) -> None:
    page = desk_client.get(f"/frontdesk/{a_hub.slug}/sell-day-pass")
    assert page.status_code == 200
    assert "Rp 50,000" in page.text
    assert "A01" in page.text

    response = desk_client.post(
        f"/frontdesk/{a_hub.slug}/sell-day-pass",
        data={
            "email": "budi@example.com",
            "resource_id": a_desk.id,
            "payment_method": "transfer",
            "reference": "BCA 123456",
        },
    )
    assert response.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert response.headers["Location"].endswith(f"/billing/receipts/{payment.id}")
    receipt = desk_client.get(response.headers["Location"]).text
    assert payment.receipt_number in receipt
    assert "Rp 50,000" in receipt
    assert "Bank transfer" in receipt
    assert "BCA 123456" in receipt
    assert "08:00 WIB" in receipt
    assert "Budi" in receipt
    (mail,) = outbox.to("budi@example.com")
    assert payment.receipt_number in mail["Subject"]


def test_sale_refusals_say_why_and_change_nothing(
    clock, desk_client, a_hub, a_desk, day_pass, buyer, a_member
) -> None:
    url = f"/frontdesk/{a_hub.slug}/sell-day-pass"
    base = {"email": "budi@example.com", "resource_id": a_desk.id, "payment_method": "qris"}
    assert "Give the QRIS RRN" in desk_client.post(url, data=base).text
    unknown = desk_client.post(url, data={**base, "email": "nobody@example.com", "reference": "R"})
    assert "No member has that email address." in unknown.text
    member = desk_client.post(url, data={**base, "email": a_member.email, "reference": "R"})
    assert "no day pass is needed" in member.text
    assert payments_count() == 0


def test_staff_of_another_hub_cannot_sell_or_see(
    clock, client, login, make_hub, make_member, a_hub, sold
) -> None:
    other = make_hub(name="Other")
    login(make_member(plan=None, roles=[(Role.FRONTDESK, other)]))
    assert client.get(f"/frontdesk/{a_hub.slug}/sell-day-pass").status_code == 403
    assert client.get(f"/frontdesk/{a_hub.slug}/payments").status_code == 403
    assert client.get(f"/billing/receipts/{sold.payment.id}").status_code == 404
    refund_url = f"/frontdesk/{other.slug}/payments/{sold.payment.id}/refund"
    assert client.get(refund_url).status_code == 404


def test_member_sees_own_receipt_and_history_in_indonesian(
    client, login, buyer, a_member, sold
) -> None:
    login(buyer)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    receipt = client.get(f"/billing/receipts/{sold.payment.id}").text
    assert "Rp 50.000" in receipt
    assert "Tunai" in receipt
    assert "Kuitansi" in receipt
    history = client.get("/billing/").text
    assert sold.payment.receipt_number in history
    assert "Rp 50.000" in history
    login(a_member)
    assert client.get(f"/billing/receipts/{sold.payment.id}").status_code == 404
    assert sold.payment.receipt_number not in client.get("/billing/").text


def test_refund_form_submitted_twice_refunds_once(clock, desk_client, a_hub, sold) -> None:
    url = f"/frontdesk/{a_hub.slug}/payments/{sold.payment.id}/refund"
    form = desk_client.get(url).text
    key = re.search(r'name="refund_key" type="hidden" value="([^"]+)"', form).group(1)
    data = {"amount_idr": "20000", "reason": "left early", "refund_key": key}
    first = desk_client.post(url, data=data)
    second = desk_client.post(url, data=data)
    assert first.status_code == second.status_code == 302
    refunds = db.session.scalars(select(Payment).where(Payment.refund_of_id == sold.payment.id))
    assert [r.amount_idr for r in refunds] == [20_000]
    too_much = desk_client.post(url, data={**data, "amount_idr": "40000", "refund_key": "other"})
    assert "more than is left to refund (Rp 30,000)" in too_much.text
    day = desk_client.get(f"/frontdesk/{a_hub.slug}/payments").text
    assert "-Rp 20,000" in day
    assert "Rp 30,000" in day


def test_cash_up_page_records_the_difference_once(clock, desk_client, a_hub, sold) -> None:
    url = f"/frontdesk/{a_hub.slug}/cash-up"
    page = desk_client.get(url).text
    assert "Cash expected from the ledger: Rp 50,000" in page
    response = desk_client.post(url, data={"day": MONDAY.isoformat(), "counted_idr": "45000"})
    assert response.status_code == 302
    shown = desk_client.get(response.headers["Location"]).text
    assert "-Rp 5,000" in shown
    again = desk_client.post(url, data={"day": MONDAY.isoformat(), "counted_idr": "50000"})
    assert "recorded already" in again.text
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "cash_up_recorded")
        )
        == 1
    )


def test_admin_sets_prices_and_reads_revenue_csv(
    clock, client, login, make_member, a_hub, sold
) -> None:
    login(make_member(plan=None, roles=[(Role.HUB_ADMIN, a_hub)]))
    saved = client.post(
        f"/admin/hubs/{a_hub.slug}/prices",
        data={"day_pass_price_idr": "40000", "refund_hours_before": "12", "hold_minutes": "10"},
    )
    assert saved.status_code == 302
    page = client.get(f"/admin/hubs/{a_hub.slug}/revenue?month=2026-11").text
    assert "Rp 50,000" in page
    assert sold.payment.receipt_number in page
    csv = client.get(f"/admin/hubs/{a_hub.slug}/revenue.csv?month=2026-11")
    assert csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"]
    assert sold.payment.receipt_number in csv.text
    assert client.get(f"/admin/hubs/{a_hub.slug}/revenue?month=garbage").status_code == 200


def test_frontdesk_staff_are_not_admins_of_prices(clock, desk_client, a_hub) -> None:
    assert desk_client.get(f"/admin/hubs/{a_hub.slug}/prices").status_code == 403
    assert desk_client.get(f"/admin/hubs/{a_hub.slug}/revenue.csv").status_code == 403


def test_pay_page_without_a_provider_sends_members_to_the_desk(
    clock, client, login, a_hub, a_desk, day_pass, buyer, a_member
) -> None:
    order = day_pass_order(
        a_hub, buyer, day_pass, MONDAY, resource_id=a_desk.id, created_by_id=None
    )
    db.session.commit()
    login(buyer)
    page = client.get(f"/billing/orders/{order.id}/pay").text
    assert "Online payment is not available" in page
    assert "Rp 50,000" in page
    login(a_member)
    assert client.get(f"/billing/orders/{order.id}/pay").status_code == 404


def test_room_beyond_quota_is_offered_held_and_paid_at_the_desk(
    clock, client, login, a_hub, a_room, make_member, make_plan, staff
) -> None:
    from app.models import Booking, BookingStatus, HubBilling
    from tests.conftest import TUESDAY

    db.session.add(
        HubBilling(
            hub_id=a_hub.id, room_hour_price_idr=60_000, refund_hours_before=24, hold_minutes=20
        )
    )
    db.session.commit()
    rina = make_member(plan=make_plan(room_hours_per_month=1), name="Rina")
    login(rina)
    room_url = f"/m/{a_hub.slug}/room/{a_room.id}?day={TUESDAY.isoformat()}"
    page = client.post(room_url, data={"start": "10:00", "minutes": "120"})
    assert "allowance for this is used up" in page.text
    # Rina's plan still covers one of the two hours: she pays for the other.
    assert "Rp 60,000" in page.text
    assert "Hold the room and pay" in page.text
    start = re.search(r'name="start" value="([^"]+)"', page.text).group(1)

    held = client.post(f"/billing/rooms/{a_room.id}/hold", data={"start": start, "minutes": "120"})
    assert held.status_code == 302
    assert "/pay" in held.headers["Location"]
    pay_page = client.get(held.headers["Location"]).text
    assert "held for you until 08:20 WIB" in pay_page
    assert "Online payment is not available" in pay_page
    booking = db.session.scalar(select(Booking).where(Booking.member_id == rina.id))
    assert booking.status is BookingStatus.PENDING_PAYMENT
    mine = client.get(f"/m/bookings/{booking.id}").text
    assert "Awaiting payment" in mine
    assert held.headers["Location"].endswith(re.search(r'href="([^"]+/pay)"', mine).group(1))

    login(staff)
    desk_page = client.get(f"/frontdesk/{a_hub.slug}/payments").text
    assert "Waiting for payment" in desk_page
    assert "Rina" in desk_page
    order_id = re.search(r"/orders/(\d+)/pay", desk_page).group(1)
    paid = client.post(
        f"/frontdesk/{a_hub.slug}/orders/{order_id}/pay", data={"payment_method": "cash"}
    )
    assert paid.status_code == 302
    assert "/billing/receipts/" in paid.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED


def test_sell_a_monthly_plan_at_the_desk_and_pay_its_renewal(
    clock, client, login, a_hub, staff, buyer, make_plan
) -> None:
    from datetime import date, time

    from app.models import BillingInterval, Invoice, InvoiceStatus
    from app.services.billing import invoices

    plan = make_plan(name="Bulanan", price_idr=750_000, billing_interval=BillingInterval.MONTH)
    clock(date(2026, 12, 1), time(9), a_hub)
    login(staff)
    page = client.get(f"/frontdesk/{a_hub.slug}/sell-plan").text
    assert "Bulanan · Rp 750,000" in page
    sold = client.post(
        f"/frontdesk/{a_hub.slug}/sell-plan",
        data={"email": buyer.email, "plan_id": plan.id, "payment_method": "cash"},
    )
    assert sold.status_code == 302
    receipt = client.get(sold.headers["Location"]).text
    assert "Bulanan from Dec 1, 2026 to Jan 1, 2027" in receipt
    assert "Rp 750,000" in receipt

    clock(date(2026, 12, 25), time(10), a_hub)
    (renewal_id,) = invoices.renew()
    login(buyer)
    history = client.get("/billing/").text
    assert "To pay" in history
    assert f"/billing/invoices/{renewal_id}/pay" in history
    pay_page = client.get(f"/billing/invoices/{renewal_id}/pay").text
    assert "Bulanan from Jan 1, 2027 to Feb 1, 2027" in pay_page
    assert "Online payment is not available" in pay_page

    login(staff)
    desk_page = client.get(f"/frontdesk/{a_hub.slug}/payments").text
    assert "Plan periods to pay" in desk_page
    paid = client.post(
        f"/frontdesk/{a_hub.slug}/invoices/{renewal_id}/pay",
        data={"payment_method": "transfer", "reference": "BRI 42"},
    )
    assert paid.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invoice, renewal_id).status is InvoiceStatus.PAID


def test_other_members_invoices_are_not_found(
    clock, client, login, a_hub, staff, buyer, a_member, make_plan
):
    from app.models import BillingInterval
    from app.services.billing import invoices

    plan = make_plan(price_idr=500_000, billing_interval=BillingInterval.MONTH)
    invoice = invoices.start_billed_membership(buyer.id, plan.id, a_hub.id, MONDAY, staff.id)
    login(a_member)
    assert client.get(f"/billing/invoices/{invoice.id}/pay").status_code == 404
    login(buyer)
    assert client.get(f"/billing/invoices/{invoice.id}/pay").status_code == 200


def test_member_changes_then_cancels_a_billed_plan(
    clock, client, login, a_hub, staff, buyer, a_member, make_plan
) -> None:
    from app.models import BillingInterval, Membership
    from app.services.billing import invoices

    monthly = make_plan(name="Bulanan", price_idr=750_000, billing_interval=BillingInterval.MONTH)
    premium = make_plan(name="Premium", price_idr=900_000, billing_interval=BillingInterval.MONTH)
    payment = invoices.sell_plan_at_desk(
        a_hub.id, staff.id, buyer.id, monthly.id, DeskPayment(PaymentMethod.CASH)
    )
    membership_id = payment.invoice.membership_id
    login(a_member)
    assert client.post(f"/billing/memberships/{membership_id}/cancel-renewal").status_code == 404
    login(buyer)
    page = client.get("/billing/").text
    assert "it renews each month" in page
    assert "Premium · Rp 900,000" in page
    client.post(f"/billing/memberships/{membership_id}/next-plan", data={"plan_id": premium.id})
    assert "From the next period: Premium." in client.get("/billing/").text
    client.post(f"/billing/memberships/{membership_id}/cancel-renewal")
    db.session.expire_all()
    m = db.session.get(Membership, membership_id)
    assert (m.renews, m.next_plan_id) == (False, None)
    assert "it does not renew" in client.get("/billing/").text
