"""A browser journey against localstripe: a plan renewal charged off-session needs 3-D Secure;
the member opens the pay page, Stripe.js (localstripe's stand-in, served from STRIPE_JS_URL)
runs the bank's check, and the status page shows the payment once Stripe's signed webhook
(sent by localstripe itself) has been processed.

localstripe's Stripe.js only finishes intents that already carry a card (its
confirmCardPayment runs 3-D Secure and nothing else), so this is the 3-D Secure journey; the
card-field journey needs real Stripe.js. Playwright + Debian's Chromium; skipped without them.
Not under tests/e2e: that package may move the process clock to the demo hub's opening hours,
and Stripe's signatures are checked against the real clock."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Role, RoleGrant, User
from app.services.billing.providers import Charge
from app.services.billing.stripe.client import PAYMENTS_KEY, stripe_provider
from app.services.billing.stripe.customers import ensure_customer
from app.services.people.accounts import hash_password
from tests.conftest import TEST_PASSWORD, make_test_app
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOTS
from tests.stripe import CARD_3DS, LocalStripe, RecordingPayments, effects, free_port


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pay_app(tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe) -> Flask:
    tmp = tmp_path_factory.mktemp("card-journey")
    app = make_test_app(
        f"sqlite:///{tmp / 'ruang-pay.db'}",
        tmp,
        WTF_CSRF_ENABLED=True,
        RUANG_LOGIN_LIMIT="1000 per minute",
        **localstripe.app_config(),
    )
    app.extensions[PAYMENTS_KEY] = RecordingPayments()
    return app


@pytest.fixture(scope="module")
def pay_url(pay_app: Flask, localstripe: LocalStripe) -> Iterator[str]:
    port = free_port()
    server = make_server("127.0.0.1", port, pay_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    localstripe.register_webhook(f"journey-{port}", url + "/stripe/webhook")
    yield url
    server.shutdown()


def screenshot(page: Any, name: str) -> None:
    """Into docs/screenshots when RUANG_SCREENSHOTS=1, as the e2e journeys do."""
    if os.environ.get("RUANG_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def renewal_waiting_for_3ds(app: Flask, localstripe: LocalStripe) -> tuple[str, str, str]:
    """A member whose saved card needs 3-D Secure, and the renewal charged to it."""
    email = f"renew-{uuid.uuid4().hex[:8]}@example.com"
    reference = f"invoice-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        user = User(
            email=email,
            name="Dewi",
            password_hash=hash_password(TEST_PASSWORD),
            email_verified_at=datetime(2026, 1, 1, tzinfo=UTC),
            roles=[RoleGrant(role=Role.MEMBER)],
        )
        db.session.add(user)
        db.session.commit()
        provider = stripe_provider()
        assert provider is not None
        customer = ensure_customer(provider.client, user.id, email)
        card = localstripe.card_payment_method(CARD_3DS)
        localstripe.client().v1.payment_methods.attach(card, params={"customer": customer})
        intent = provider.charge_saved_card(
            Charge(reference, 350_000, "Monthly plan", user.id, email)
        )
        db.session.remove()
    assert intent.status == "requires_action"
    return email, reference, intent.provider_ref


def test_a_member_finishes_a_renewal_with_3d_secure(
    browser: Any, pay_app: Flask, pay_url: str, localstripe: LocalStripe
) -> None:
    email, reference, intent_id = renewal_waiting_for_3ds(pay_app, localstripe)
    context = browser.new_context(viewport=PHONE, base_url=pay_url, locale="id-ID")
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

        page.goto(f"/pay/card/{intent_id}")
        assert page.locator("h1").inner_text() == "Bayar dengan kartu"
        assert "Rp 350.000" in page.locator(".amount").inner_text()
        confirm = page.get_by_role("button", name="Konfirmasi dengan bank saya")
        confirm.wait_for()
        screenshot(page, "card-pay-3ds")
        confirm.click()
        # The bank's 3-D Secure step (localstripe's stand-in for the challenge).
        page.get_by_role("button", name="Complete authentication").click()
        page.wait_for_url(f"**/pay/card/{intent_id}/status")
        # The status page asks until Stripe's webhook has been processed, then shows it.
        page.get_by_text("Lunas. Terima kasih!").wait_for()
        screenshot(page, "card-pay-paid")
    finally:
        context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    with pay_app.app_context():
        assert effects(reference) == 1
        db.session.remove()


def test_the_card_field_is_mounted_by_stripe_js(
    browser: Any, pay_app: Flask, pay_url: str, localstripe: LocalStripe
) -> None:
    """A new payment: Stripe.js (allowed by the page's policy) mounts its card field and the
    pay button comes alive; with localstripe the field is its stand-in's plain inputs."""
    email, _, _ = renewal_waiting_for_3ds(pay_app, localstripe)
    with pay_app.app_context():
        provider = stripe_provider()
        assert provider is not None
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert user is not None
        intent = provider.start(Charge("order-field", 50_000, "Day pass", user.id, email))
        db.session.remove()
    context = browser.new_context(viewport=PHONE, base_url=pay_url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", TEST_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        page.goto(f"/pay/card/{intent.provider_ref}")
        page.locator("#card-element input").first.wait_for()
        pay = page.get_by_role("button", name="Pay Rp 50,000")
        assert pay.is_enabled()
        assert page.locator("#card-errors").is_hidden()
        screenshot(page, "card-pay-field")
    finally:
        context.close()
