"""The card pay page and its status page: the member's own payment only, Stripe.js from its
setting under a policy extended for that page alone, and the state read back."""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.headers import CONTENT_SECURITY_POLICY
from app.models import User
from app.services.billing.providers import Charge, ProviderIntent
from app.services.billing.stripe.client import stripe_provider
from tests.stripe import LocalStripe, RecordingPayments, payment_intent_event, signed_headers


def start_payment(member: User, amount_idr: int = 150_000) -> ProviderIntent:
    provider = stripe_provider()
    assert provider is not None
    return provider.start(
        Charge(
            reference=f"order-{uuid.uuid4().hex[:8]}",
            amount_idr=amount_idr,
            description="Day pass",
            member_id=member.id,
            customer_email=member.email,
        )
    )


def test_the_pay_page_mounts_stripe_js_with_the_client_secret(
    client: FlaskClient,
    session: Session,
    a_member: User,
    login: Callable[[User], FlaskClient],
    localstripe: LocalStripe,
) -> None:
    intent = start_payment(a_member, 150_000)
    login(a_member)
    response = client.get(f"/pay/card/{intent.provider_ref}")
    assert response.status_code == 200
    page = response.text
    assert f'data-client-secret="{intent.client_secret}"' in page
    assert f'<script src="{localstripe.js_url}"></script>' in page
    assert "/static/card-payment.js" in page
    assert "Rp 150,000" in page
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert f"script-src 'self' {localstripe.url}" in policy
    assert f"frame-src 'self' {localstripe.url}" in policy
    assert localstripe.url in policy.split("connect-src")[1]
    # Every other page keeps the strict policy.
    assert client.get("/pass/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert localstripe.url not in CONTENT_SECURITY_POLICY


def test_localstripe_serves_its_stand_in_for_stripe_js(localstripe: LocalStripe) -> None:
    with urllib.request.urlopen(localstripe.js_url, timeout=10) as response:
        script = response.read().decode()
    assert "confirmCardPayment" in script
    assert response.headers["Content-Type"].startswith("application/javascript")


def test_another_members_payment_is_not_found(
    client: FlaskClient,
    session: Session,
    a_member: User,
    make_member: Callable[..., User],
    login: Callable[[User], FlaskClient],
) -> None:
    intent = start_payment(a_member)
    other = make_member()
    start_payment(other)  # the other member is a Stripe customer too
    login(other)
    for path in ("", "/status", "/status.json"):
        assert client.get(f"/pay/card/{intent.provider_ref}{path}").status_code == 404


@pytest.mark.parametrize("intent_id", ["pi_doesnotexist", "nope", "pi_" + "x" * 300, "pi_a%00b"])
def test_unknown_or_malformed_ids_are_not_found(
    client: FlaskClient,
    session: Session,
    a_member: User,
    login: Callable[[User], FlaskClient],
    intent_id: str,
) -> None:
    start_payment(a_member)
    login(a_member)
    assert client.get(f"/pay/card/{intent_id}").status_code in (400, 404)


def test_the_pages_need_a_login(client: FlaskClient, session: Session, a_member: User) -> None:
    intent = start_payment(a_member)
    response = client.get(f"/pay/card/{intent.provider_ref}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_status_page_reads_what_ruang_recorded(
    client: FlaskClient,
    session: Session,
    a_member: User,
    login: Callable[[User], FlaskClient],
    payments: RecordingPayments,
    localstripe: LocalStripe,
) -> None:
    intent = start_payment(a_member)
    login(a_member)
    waiting = client.get(f"/pay/card/{intent.provider_ref}/status")
    assert "not finished yet" in waiting.text
    assert client.get(f"/pay/card/{intent.provider_ref}/status.json").get_json() == {
        "status": "requires_payment_method",
        "recorded": False,
        "final": False,
    }
    # The browser paid (here: as Stripe.js would, confirming with a card) and Stripe said so.
    localstripe.client().v1.payment_intents.update(
        intent.provider_ref, params={"payment_method": localstripe.card_payment_method()}
    )
    localstripe.client().v1.payment_intents.confirm(intent.provider_ref)
    body = payment_intent_event("payment_intent.succeeded", intent.provider_ref, "order-x")
    assert (
        client.post("/stripe/webhook", data=body, headers=signed_headers(body)).status_code == 200
    )
    paid = client.get(f"/pay/card/{intent.provider_ref}/status")
    assert "Paid. Thank you!" in paid.text
    assert client.get(f"/pay/card/{intent.provider_ref}/status.json").get_json() == {
        "status": "succeeded",
        "recorded": True,
        "final": True,
    }
    # A paid intent has nothing left to pay: the pay page sends the member to its status.
    again = client.get(f"/pay/card/{intent.provider_ref}")
    assert again.status_code == 302
    assert again.headers["Location"].endswith("/status")
