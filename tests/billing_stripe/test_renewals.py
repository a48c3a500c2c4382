"""Off-session renewals through the worker's charge-renewals job: each due renewal is charged to
the saved card once, also when several workers run the job at the same moment; a declined card
leaves the invoice open for its grace period and is not charged again.

Real threads and real commits on a fresh migrated database per backend (as
tests/integration/test_billing_concurrency.py), Stripe is localstripe. localstripe ignores
idempotency keys, so a second charge would show there: the claim in Ruang's database is what
is proved."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import (
    BillingInterval,
    Hub,
    Invoice,
    InvoiceStatus,
    Membership,
    Payment,
    PaymentMethod,
    Plan,
    Role,
    RoleGrant,
    User,
)
from app.services.billing import invoices, payments
from app.services.billing.orders import DeskPayment
from app.services.billing.stripe.client import stripe_provider
from app.services.billing.stripe.customers import ensure_customer
from app.services.billing.stripe.renewals import RenewalRun, charge_due_renewals, claim
from app.worker import JOBS
from config.settings import engine_options
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database
from tests.integration.test_concurrency import BOOKED, race
from tests.stripe import CARD_DECLINED, CARD_OK, LocalStripe

WORKERS = 4
DEC_1 = date(2026, 12, 1)


@dataclass(frozen=True)
class Shop:
    app: Flask
    hub_id: int
    plan_id: int
    staff_id: int


@pytest.fixture(scope="module", params=BACKENDS)
def shop(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    localstripe: LocalStripe,
) -> Iterator[Shop]:
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"renewals-{backend}")
    with fresh_database(backend, tmp) as url:
        options = {**engine_options(url), "pool_size": WORKERS + 2, "max_overflow": 2}
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=options, **localstripe.app_config())
        with app.app_context():
            hub = Hub(slug="renew-hub", name="Renew Hub", timezone="Asia/Jakarta")
            plan = Plan(
                code="bulanan",
                name="Bulanan",
                price_idr=750_000,
                billing_interval=BillingInterval.MONTH,
            )
            staff = User(email="kasir@example.test", name="Kasir")
            staff.roles = [RoleGrant(role=Role.FRONTDESK, hub=hub)]
            db.session.add_all([hub, plan, staff])
            db.session.commit()
            made = Shop(app, hub.id, plan.id, staff.id)
        try:
            yield made
        finally:
            with app.app_context():
                db.engine.dispose()


def renewal_due(shop: Shop, localstripe: LocalStripe, name: str, card: str) -> tuple[int, str]:
    """A member whose December was paid at the desk, with `card` saved at Stripe; the clock is
    then at 1 January, when their renewal invoice is due. Returns the invoice's id and the
    member's Stripe customer (references repeat across backends; customers do not)."""
    with shop.app.app_context():
        member = User(email=f"{name}@example.test", name=name)
        member.roles = [RoleGrant(role=Role.MEMBER)]
        db.session.add(member)
        db.session.commit()
        first = invoices.start_billed_membership(
            member.id, shop.plan_id, shop.hub_id, DEC_1, shop.staff_id
        )
        invoices.pay_invoice_at_desk(
            first.id, shop.hub_id, shop.staff_id, DeskPayment(PaymentMethod.CASH)
        )
        provider = stripe_provider()
        assert provider is not None
        customer = ensure_customer(provider.client, member.id, member.email)
        localstripe.save_card(customer, card)
        (renewal,) = invoices.renew(now=datetime(2026, 12, 25, 3, tzinfo=UTC))
        return renewal, customer


def run_workers(shop: Shop) -> list[RenewalRun]:
    runs: list[RenewalRun] = []

    def worker() -> None:
        provider = stripe_provider()
        assert provider is not None
        runs.append(charge_due_renewals(provider))

    assert race(shop.app, [worker] * WORKERS) == {BOOKED: WORKERS}
    return runs


def intents_at_stripe(localstripe: LocalStripe, customer: str) -> int:
    listed = localstripe.client().v1.payment_intents.list(params={"limit": 100})
    return sum(1 for intent in listed.auto_paging_iter() if intent.customer == customer)


def test_workers_at_once_charge_a_due_renewal_once(
    shop: Shop, localstripe: LocalStripe, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 11, 30, 20, tzinfo=UTC), tick=False)
    invoice_id, customer = renewal_due(shop, localstripe, "sekali", CARD_OK)
    time_machine.move_to(datetime(2027, 1, 1, 3, tzinfo=UTC), tick=False)  # 10:00 WIB

    runs = run_workers(shop)

    reference = f"invoice-{invoice_id}"
    assert sorted(len(run.charged) for run in runs) == [0] * (WORKERS - 1) + [1]
    assert intents_at_stripe(localstripe, customer) == 1
    with shop.app.app_context():
        assert db.session.get(Invoice, invoice_id).status is InvoiceStatus.PAID
        (payment,) = db.session.scalars(select(Payment).where(Payment.reference == reference))
        assert (payment.method, payment.provider) == (PaymentMethod.CARD, "stripe")
        assert payment.receipt_number is not None
        assert invoices.renewal_charges_due() == []


def test_a_declined_renewal_stays_open_for_its_grace_and_is_not_charged_again(
    shop: Shop, localstripe: LocalStripe, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(datetime(2026, 11, 30, 20, tzinfo=UTC), tick=False)
    invoice_id, customer = renewal_due(shop, localstripe, "ditolak", CARD_DECLINED)
    time_machine.move_to(datetime(2027, 1, 1, 3, tzinfo=UTC), tick=False)

    runs = run_workers(shop)
    assert sum(len(run.open) for run in runs) == 1
    assert all(not run.charged for run in runs)
    (job,) = [job for job in JOBS if job.name == "charge-renewals"]
    with shop.app.app_context():
        again = job.run()  # the worker's next round
        assert isinstance(again, RenewalRun)
        assert again == RenewalRun()
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status is InvoiceStatus.OPEN
        membership = db.session.get(Membership, invoice.membership_id)
        assert membership.ends_on > date(2027, 1, 1)  # in its grace: still a member
        attempt = invoices.renewal_charges_due()
        assert attempt == []
    assert intents_at_stripe(localstripe, customer) == 1


def test_of_workers_claiming_one_renewal_at_once_one_wins(
    shop: Shop, localstripe: LocalStripe, time_machine: time_machine.TimeMachineFixture
) -> None:
    """The claim itself, every worker past the list of due renewals at the same moment (the
    job's list may be read by all before any claim commits)."""
    time_machine.move_to(datetime(2026, 11, 30, 20, tzinfo=UTC), tick=False)
    invoice_id, _ = renewal_due(shop, localstripe, "rebutan", CARD_OK)
    with shop.app.app_context():
        charge = payments.charge_for_invoice(invoice_id)
    won: list[bool] = []
    assert race(shop.app, [lambda: won.append(claim(charge))] * WORKERS) == {BOOKED: WORKERS}
    assert sorted(won) == [False] * (WORKERS - 1) + [True]
