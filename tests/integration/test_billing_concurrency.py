"""Money under concurrency, on every backend, with real threads and real commits: receipt
numbers gap-free and unique under 20 concurrent payments (some rolled back after taking a number),
refunds never beyond what was paid, one payment per provider event, one attempt per order.

Like test_concurrency, each backend gets a fresh migrated database for the module; every attempt
runs in its own thread, app context, session and connection, released together by a barrier.
The clock is real, so the race hub is open all day every day (sales are for today there).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    BillingInterval,
    Floor,
    Hub,
    Invoice,
    InvoiceStatus,
    Membership,
    Order,
    OrderLine,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    Plan,
    ReceiptCounter,
    Resource,
    Role,
    RoleGrant,
    User,
)
from app.models.spaces import BookingMode, ResourceKind
from app.services.billing import invoices, orders, payments, refunds
from app.services.billing.desk import sell_day_pass
from app.services.billing.orders import DeskPayment
from app.services.billing.providers import REGISTRY_KEY
from app.services.hubs.calendar import set_opening_hours
from config.settings import engine_options
from tests.billing import LedgerProvider
from tests.conftest import make_test_app
from tests.databases import BACKENDS, fresh_database
from tests.integration.test_concurrency import BOOKED, race

PAYMENTS = 20
LOSERS = 5  # extra buyers of desks that PAYMENTS buyers also want: they take a number, then fail
BUYERS = PAYMENTS + LOSERS
CASH = DeskPayment(PaymentMethod.CASH)


@dataclass(frozen=True)
class Shop:
    app: Flask
    hub_id: int
    staff_id: int
    desk_ids: list[int]
    buyer_ids: list[int]
    spare_ids: list[int]  # members for the other races


def open_shop(app: Flask) -> Shop:
    with app.app_context():
        hub = Hub(slug="till-hub", name="Till Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (time(0), time(23, 59)) for weekday in range(7)})
        floor = Floor(name="Floor 1", hub=hub)
        desks = [
            Resource(
                floor=floor,
                name=f"T{n:02d}",
                kind=ResourceKind.DESK,
                booking_mode=BookingMode.WHOLE_DAY,
            )
            for n in range(PAYMENTS + 3)
        ]
        plan = Plan(
            code="day-pass",
            name="Day Pass",
            price_idr=50_000,
            billing_interval=BillingInterval.DAY,
        )

        def person(email: str, role: Role = Role.MEMBER) -> User:
            user = User(email=email, name=email.split("@")[0])
            user.roles = [RoleGrant(role=role, hub=hub if role is not Role.MEMBER else None)]
            return user

        staff = person("till@example.test", Role.FRONTDESK)
        buyers = [person(f"buyer{n:02d}@example.test") for n in range(BUYERS)]
        spares = [person(f"spare{n}@example.test") for n in range(4)]
        db.session.add_all([hub, plan, staff, *buyers, *spares, *desks])
        db.session.commit()
        return Shop(
            app,
            hub.id,
            staff.id,
            [d.id for d in desks],
            [b.id for b in buyers],
            [s.id for s in spares],
        )


@pytest.fixture(scope="module", params=BACKENDS)
def shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"till-{backend}")
    with fresh_database(backend, tmp) as url:
        options = {**engine_options(url), "pool_size": BUYERS, "max_overflow": 5}
        app = make_test_app(url, tmp, SQLALCHEMY_ENGINE_OPTIONS=options)
        try:
            yield open_shop(app)
        finally:
            with app.app_context():
                db.engine.dispose()


def test_receipt_numbers_gap_free_under_concurrent_payments(shop: Shop) -> None:
    # Buyer n wants desk n; the last LOSERS buyers want desks 0..4 too, so exactly one of each
    # pair gets it: the other has already taken a receipt number when its booking fails.
    wanted = shop.desk_ids[:PAYMENTS] + shop.desk_ids[:LOSERS]
    outcomes = race(
        shop.app,
        [
            lambda b=buyer, d=desk: sell_day_pass(shop.hub_id, shop.staff_id, b, d, CASH)
            for buyer, desk in zip(shop.buyer_ids, wanted, strict=True)
        ],
    )
    assert outcomes == {BOOKED: PAYMENTS, "BookingConflict": LOSERS}
    with shop.app.app_context():
        seqs = sorted(
            db.session.scalars(select(Payment.receipt_seq).where(Payment.hub_id == shop.hub_id))
        )
        counter = db.session.scalars(select(ReceiptCounter)).one()
        orders_left = db.session.scalar(select(func.count()).select_from(Order))
    assert seqs == list(range(1, PAYMENTS + 1))  # no gaps, no repeats
    assert counter.last_seq == PAYMENTS
    assert orders_left == PAYMENTS  # the losers' orders rolled back with their numbers


def paid_sale(shop: Shop, member_id: int, desk_id: int) -> int:
    with shop.app.app_context():
        sale = sell_day_pass(shop.hub_id, shop.staff_id, member_id, desk_id, CASH)
        assert sale.payment is not None
        return sale.payment.id


def test_concurrent_refunds_never_exceed_the_payment(shop: Shop) -> None:
    payment_id = paid_sale(shop, shop.spare_ids[0], shop.desk_ids[PAYMENTS])

    def refund(key: str) -> object:
        return refunds.refund_by_staff(
            payment_id, shop.hub_id, shop.staff_id, 20_000, refund_key=key, reason="race"
        )

    # Eight different refunds of Rp 20.000 from a Rp 50.000 payment, and the same form
    # submitted six times: two different ones fit, the repeated form records one refund.
    outcomes = race(
        shop.app,
        [lambda k=f"k{n}": refund(k) for n in range(8)] + [lambda: refund("same")] * 6,
    )
    assert set(outcomes) <= {BOOKED, "RefundTooLarge", "NotRefundable"}  # no crash
    with shop.app.app_context():
        refunded = db.session.execute(
            select(Payment.amount_idr, Payment.refund_key).where(Payment.refund_of_id == payment_id)
        ).all()
    assert [amount for amount, _ in refunded] == [20_000, 20_000]  # never beyond Rp 50.000
    same = [key for _, key in refunded if key == "staff-same"]
    # The repeated form: recorded once, and then its five repeats are answered with it.
    assert outcomes[BOOKED] == (2 + 5 if same else 2)


def test_one_payment_per_provider_event_and_one_attempt_per_order(shop: Shop) -> None:
    stand_in = LedgerProvider()
    shop.app.extensions[REGISTRY_KEY] = {stand_in.name: stand_in}
    try:
        with shop.app.app_context():
            hub = db.session.get(Hub, shop.hub_id)
            member = db.session.get(User, shop.spare_ids[1])
            plan = orders.day_pass_plan(hub)
            assert hub is not None
            assert member is not None
            assert plan is not None
            order = orders.day_pass_order(
                hub,
                member,
                plan,
                hub.today() + timedelta(days=1),
                resource_id=None,
                created_by_id=None,
            )
            db.session.commit()
            charge = payments.charge_for_order(order.id, member.id)

        starts = race(shop.app, [lambda: payments.start_payment(stand_in, charge)] * 10)
        assert starts == {BOOKED: 10}
        (intent,) = stand_in.intents.values()

        def deliver() -> object:
            return payments.provider_payment_succeeded(
                provider="stripe",
                provider_ref=intent.provider_ref,
                reference=charge.reference,
                amount_idr=50_000,
            )

        deliveries = race(shop.app, [deliver] * 10)
        assert deliveries == {BOOKED: 10}
        with shop.app.app_context():
            attempts = db.session.scalar(select(func.count()).select_from(PaymentAttempt))
            recorded = db.session.scalar(
                select(func.count()).select_from(Payment).where(Payment.order_id == order.id)
            )
        assert (attempts, recorded) == (1, 1)
    finally:
        shop.app.extensions[REGISTRY_KEY] = {}


def test_two_workers_renewing_at_once_invoice_once(shop: Shop) -> None:
    with shop.app.app_context():
        hub = db.session.get(Hub, shop.hub_id)
        assert hub is not None
        today = hub.today()
        plan = Plan(code="bulanan", name="Bulanan", price_idr=750_000)
        member = db.session.get(User, shop.spare_ids[2])
        assert member is not None
        paid_to = today + timedelta(days=3)
        membership = Membership(plan=plan, starts_on=paid_to - timedelta(days=30), ends_on=paid_to)
        member.memberships.append(membership)
        db.session.flush()
        db.session.add(
            Invoice(
                membership_id=membership.id,
                member_id=member.id,
                hub_id=hub.id,
                period_start=membership.starts_on,
                period_end=paid_to,
                amount_idr=750_000,
                status=InvoiceStatus.PAID,
                due_on=membership.starts_on,
            )
        )
        db.session.commit()
        membership_id = membership.id

    outcomes = race(shop.app, [invoices.renew] * 4)
    assert outcomes == {BOOKED: 4}
    with shop.app.app_context():
        periods = db.session.scalars(
            select(Invoice.period_start)
            .where(Invoice.membership_id == membership_id)
            .order_by(Invoice.period_start)
        ).all()
    assert periods[1:] == [paid_to]  # one renewal, for the period after the paid one


def test_a_paid_booking_cancelled_twice_at_once_is_refunded_once(shop: Shop) -> None:
    stand_in = LedgerProvider()
    shop.app.extensions[REGISTRY_KEY] = {stand_in.name: stand_in}
    try:
        with shop.app.app_context():
            hub = db.session.get(Hub, shop.hub_id)
            member = db.session.get(User, shop.spare_ids[3])
            plan = orders.day_pass_plan(hub)  # type: ignore[arg-type]
            assert hub is not None
            assert member is not None
            assert plan is not None
            order = orders.day_pass_order(
                hub,
                member,
                plan,
                hub.today() + timedelta(days=3),
                resource_id=shop.desk_ids[PAYMENTS + 1],
                created_by_id=None,
            )
            db.session.commit()
            charge = payments.charge_for_order(order.id, member.id)
            intent = payments.start_payment(stand_in, charge)
            payments.provider_payment_succeeded(
                provider="stripe",
                provider_ref=intent.provider_ref,
                reference=charge.reference,
                amount_idr=50_000,
            )
            booking_id = db.session.scalars(
                select(OrderLine.booking_id).where(OrderLine.order_id == order.id)
            ).one()
            member_id = member.id

        outcomes = race(
            shop.app,
            [lambda: refunds.cancel_with_refund(booking_id, member_id=member_id)] * 6,
        )
        assert outcomes == {BOOKED: 1, "InvalidTransition": 5}
        assert len(stand_in.refunds) == 1
        with shop.app.app_context():
            refunded = db.session.scalars(
                select(Payment.amount_idr).where(
                    Payment.refund_key == f"booking-{booking_id}-cancelled"
                )
            ).all()
        assert refunded == [50_000]
    finally:
        shop.app.extensions[REGISTRY_KEY] = {}
