"""Plan periods on every backend: the first period paid at the desk, the renewal invoiced a
week ahead (once), the grace period, the lapse the booking rules see at once, and a renewal paid
through a provider."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.extensions import db
from app.models import (
    BillingInterval,
    Invoice,
    InvoiceStatus,
    Membership,
    MembershipStatus,
    PaymentMethod,
)
from app.services.billing import invoices, payments
from app.services.billing.orders import DeskPayment
from app.services.booking import bookings
from app.services.errors import InvalidInput, NoActiveMembership, NotFound, OrderNotPayable
from app.worker import JOBS

CASH = DeskPayment(PaymentMethod.CASH)
DEC_1 = date(2026, 12, 1)


@pytest.fixture
def monthly(make_plan):
    return make_plan(
        code="bulanan", name="Bulanan", price_idr=750_000, billing_interval=BillingInterval.MONTH
    )


@pytest.fixture
def billed(clock, a_hub, staff, buyer, monthly):
    """Budi's monthly plan from 1 December, first period paid in cash at the desk."""
    clock(DEC_1, time(9), a_hub)
    first = invoices.start_billed_membership(buyer.id, monthly.id, a_hub.id, DEC_1, staff.id)
    invoices.pay_invoice_at_desk(first.id, a_hub.id, staff.id, CASH)
    db.session.expire_all()
    return db.session.get(Invoice, first.id).membership


def membership(m: Membership) -> Membership:
    db.session.expire_all()
    return db.session.get(Membership, m.id)


def test_first_period_paid_then_the_membership_runs_to_its_end(
    clock, a_hub, staff, buyer, monthly, a_desk
) -> None:
    clock(DEC_1, time(9), a_hub)
    first = invoices.start_billed_membership(buyer.id, monthly.id, a_hub.id, DEC_1, staff.id)
    assert (first.period_start, first.period_end, first.amount_idr) == (
        DEC_1,
        date(2027, 1, 1),
        750_000,
    )
    with pytest.raises(NoActiveMembership):  # entitlements follow payment
        bookings.book_whole_day(buyer.id, a_desk.id, date(2026, 12, 2))
    payment = invoices.pay_invoice_at_desk(first.id, a_hub.id, staff.id, CASH)
    assert payment.invoice_id == first.id
    assert payment.receipt_number is not None
    with pytest.raises(OrderNotPayable):
        invoices.pay_invoice_at_desk(first.id, a_hub.id, staff.id, CASH)
    m = membership(first.membership)
    assert (m.status, m.ends_on) == (MembershipStatus.ACTIVE, date(2027, 1, 1))
    bookings.book_whole_day(buyer.id, a_desk.id, date(2026, 12, 2))


def test_free_plans_are_not_billed(clock, a_hub, staff, buyer, make_plan) -> None:
    free = make_plan(price_idr=0)
    with pytest.raises(InvalidInput):
        invoices.start_billed_membership(buyer.id, free.id, a_hub.id, DEC_1, staff.id)


def test_renewal_invoiced_a_week_ahead_once_with_grace(clock, a_hub, billed) -> None:
    clock(date(2026, 12, 24), time(10), a_hub)
    assert invoices.renew() == []  # 8 days ahead: not yet
    clock(date(2026, 12, 25), time(10), a_hub)
    (created,) = invoices.renew()
    assert invoices.renew() == []  # a second run (or worker) invoices nothing more
    renewal = db.session.get(Invoice, created)
    assert (renewal.period_start, renewal.period_end) == (date(2027, 1, 1), date(2027, 2, 1))
    assert renewal.status is InvoiceStatus.OPEN
    assert membership(billed).ends_on == date(2027, 1, 1) + invoices.GRACE


def test_unpaid_renewal_lapses_after_the_grace(clock, a_hub, a_desk, billed) -> None:
    clock(date(2026, 12, 25), time(10), a_hub)
    (created,) = invoices.renew()
    bookings.book_whole_day(billed.user_id, a_desk.id, date(2027, 1, 1))  # in the grace
    with pytest.raises(NoActiveMembership):  # past it: the rules see the lapse at once
        bookings.book_whole_day(billed.user_id, a_desk.id, date(2027, 1, 4))
    clock(date(2027, 1, 4), time(10), a_hub)
    lapsed = invoices.void_lapsed()
    assert [entry.invoice_id for entry in lapsed] == [created]
    assert db.session.get(Invoice, created).status is InvoiceStatus.VOID
    assert invoices.void_lapsed() == []
    assert not membership(billed).covers(date(2027, 1, 4))


def test_renewal_paid_through_a_provider(clock, a_hub, billed, provider) -> None:
    clock(date(2026, 12, 25), time(10), a_hub)
    (created,) = invoices.renew()
    clock(date(2027, 1, 1), time(1), a_hub)
    assert invoices.renewal_charges_due() == [created]
    charge = payments.charge_for_invoice(created)
    intent = payments.start_payment(provider, charge)
    assert invoices.renewal_charges_due() == []
    payments.provider_payment_succeeded(
        provider="stripe",
        provider_ref=intent.provider_ref,
        reference=charge.reference,
        amount_idr=750_000,
    )
    assert membership(billed).ends_on == date(2027, 2, 1)
    assert db.session.get(Invoice, created).status is InvoiceStatus.PAID


def test_month_ends_clamp() -> None:
    assert invoices.next_month(date(2027, 1, 31)) == date(2027, 2, 28)
    assert invoices.next_month(date(2026, 12, 15)) == date(2027, 1, 15)


def test_the_worker_renews_and_voids(clock) -> None:
    assert {"renew", "void-lapsed-renewals"} <= {job.name for job in JOBS}


def test_renewal_is_mailed_once_in_the_members_language(app, clock, a_hub, billed, outbox) -> None:
    billed.user.locale = "id"
    db.session.commit()
    clock(date(2026, 12, 25), time(10), a_hub)
    mailer = app.extensions["ruang.mailer"]
    assert len(invoices.renew(mailer=mailer)) == 1
    assert invoices.renew(mailer=mailer) == []
    (mail,) = outbox.to(billed.user.email)
    body = outbox.body(mail)
    assert "Rp 750.000" in body
    assert "1 Jan 2027" in body
    assert "Bayar" in body


def test_cancel_at_period_end_stops_renewing_and_voids_an_open_renewal(
    clock, a_hub, billed, buyer
) -> None:
    clock(date(2026, 12, 25), time(10), a_hub)
    (renewal,) = invoices.renew()
    invoices.cancel_at_period_end(buyer.id, billed.id)
    m = membership(billed)
    assert (m.renews, m.ends_on) == (False, date(2027, 1, 1))  # no grace: nothing is owed
    assert db.session.get(Invoice, renewal).status is InvoiceStatus.VOID
    clock(date(2027, 1, 28), time(10), a_hub)
    assert invoices.renew() == []


def test_change_of_plan_from_the_next_period(clock, a_hub, billed, buyer, make_plan, a_member):
    bigger = make_plan(
        code="premium", name="Premium", price_idr=1_200_000, billing_interval=BillingInterval.MONTH
    )
    with pytest.raises(NotFound):  # someone else's membership
        invoices.change_plan_next_period(a_member.id, billed.id, bigger.id)
    invoices.change_plan_next_period(buyer.id, billed.id, bigger.id)
    clock(date(2026, 12, 25), time(10), a_hub)
    (first,) = invoices.renew()
    new = db.session.get(Invoice, first)
    assert (new.amount_idr, new.period_start) == (1_200_000, date(2027, 1, 1))
    assert new.membership.plan_id == bigger.id
    assert new.membership.status is MembershipStatus.PENDING
    old = membership(billed)
    assert (old.renews, old.ends_on) == (False, date(2027, 1, 1) + invoices.GRACE)
    with pytest.raises(InvalidInput):  # the next period is invoiced: too late to change
        invoices.change_plan_next_period(buyer.id, billed.id, bigger.id)
