"""A browser journey against localstripe with the real billing domain: a member buys today's
day pass online and ends with a paid order, a desk booking and a pass.

In Chromium: the member logs in, picks a desk on the hub's day-pass page, lands on billing's pay
page, presses "Pay by card" and gets the card page, where Stripe.js (localstripe's stand-in)
mounts its field. localstripe's Stripe.js cannot put a typed card on the PaymentIntent (its
confirmCardPayment only runs 3-D Secure on an intent that has one), so the card is put there
through the API as Stripe.js would, a card that needs 3-D Secure; back in the browser the
member confirms with the bank (localstripe's challenge), the status page waits for localstripe's
own signed webhook to the live server, then shows the receipt; the pass page shows the pass.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import (
    BillingInterval,
    Booking,
    Floor,
    Hub,
    Order,
    OrderStatus,
    Payment,
    Plan,
    Resource,
    Role,
    RoleGrant,
    User,
)
from app.models.spaces import BookingMode, ResourceKind
from app.services.access.keys import generate_key
from app.services.hubs.calendar import set_opening_hours
from app.services.people.accounts import hash_password
from tests.billing_stripe.test_card_journey import browser, screenshot
from tests.conftest import TEST_PASSWORD, make_test_app
from tests.e2e.conftest import PHONE
from tests.stripe import CARD_3DS, LocalStripe, free_port

__all__ = ["browser"]


@pytest.fixture(scope="module")
def shop_app(tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe) -> Flask:
    tmp = tmp_path_factory.mktemp("day-pass-journey")
    app = make_test_app(
        f"sqlite:///{tmp / 'ruang-shop.db'}",
        tmp,
        WTF_CSRF_ENABLED=True,
        RUANG_LOGIN_LIMIT="1000 per minute",
        **localstripe.app_config(),
    )
    with app.app_context():
        hub = Hub(slug="kartu-hub", name="Kartu Hub", timezone="Asia/Jakarta")
        set_opening_hours(hub, {weekday: (time(0), time(23, 59)) for weekday in range(7)})
        floor = Floor(name="Lantai 1", hub=hub)
        desk = Resource(
            floor=floor, name="K01", kind=ResourceKind.DESK, booking_mode=BookingMode.WHOLE_DAY
        )
        plan = Plan(
            code="day-pass",
            name="Day Pass",
            price_idr=50_000,
            billing_interval=BillingInterval.DAY,
        )
        db.session.add_all([hub, floor, desk, plan])
        db.session.commit()
        generate_key(app.extensions["ruang.keyring"])  # passes are signed
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def shop_url(shop_app: Flask, localstripe: LocalStripe) -> Iterator[str]:
    port = free_port()
    server = make_server("127.0.0.1", port, shop_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    localstripe.register_webhook(f"day-pass-{port}", url + "/stripe/webhook")
    yield url
    server.shutdown()


def new_member(app: Flask) -> str:
    email = f"sari-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        db.session.add(
            User(
                email=email,
                name="Sari",
                password_hash=hash_password(TEST_PASSWORD),
                email_verified_at=datetime(2026, 1, 1, tzinfo=UTC),
                roles=[RoleGrant(role=Role.MEMBER)],
            )
        )
        db.session.commit()
        db.session.remove()
    return email


def test_a_member_buys_a_day_pass_online_and_gets_the_desk_and_the_pass(
    browser: Any, shop_app: Flask, shop_url: str, localstripe: LocalStripe
) -> None:
    email = new_member(shop_app)
    context = browser.new_context(viewport=PHONE, base_url=shop_url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()

        page.goto("/hubs/kartu-hub/day-pass")
        page.select_option("#resource_id", label="Lantai 1 · K01")
        page.get_by_role("button", name="Continue to payment").click()
        page.wait_for_url("**/billing/orders/*/pay")
        assert "Rp 50,000" in page.locator("section").inner_text()
        screenshot(page, "day-pass-pay")
        page.get_by_role("button", name="Pay by card").click()
        page.wait_for_url("**/pay/card/pi_*")
        page.locator("#card-element input").first.wait_for()  # Stripe.js mounted its field
        intent_id = page.url.rsplit("/", 1)[1]

        # What Stripe.js does with the typed card (localstripe's cannot): the card goes on the
        # PaymentIntent and is confirmed; this card needs the bank's 3-D Secure check.
        stripe = localstripe.client()
        method = localstripe.card_payment_method(CARD_3DS)
        stripe.v1.payment_intents.update(intent_id, params={"payment_method": method})
        assert stripe.v1.payment_intents.confirm(intent_id).status == "requires_action"

        page.reload()
        page.get_by_role("button", name="Confirm with my bank").click()
        page.get_by_role("button", name="Complete authentication").click()
        page.wait_for_url(f"**/pay/card/{intent_id}/status")
        page.get_by_text("Paid. Thank you!").wait_for()  # after localstripe's signed webhook
        page.get_by_role("link", name="See the receipt").click()
        page.wait_for_url("**/billing/receipts/*")
        receipt_heading = page.locator("h1").inner_text()
        screenshot(page, "day-pass-receipt")

        page.goto("/pass/")
        page.locator("#pass-qr svg").wait_for()
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    with shop_app.app_context():
        member = db.session.scalar(select(User).where(User.email == email))
        assert member is not None
        (order,) = db.session.scalars(select(Order).where(Order.member_id == member.id))
        assert order.status is OrderStatus.PAID
        (payment,) = db.session.scalars(select(Payment).where(Payment.order_id == order.id))
        assert payment.provider_ref == intent_id
        assert payment.receipt_number is not None
        assert payment.receipt_number in receipt_heading
        (booking,) = db.session.scalars(select(Booking).where(Booking.member_id == member.id))
        assert booking.resource.name == "K01"
        db.session.remove()
