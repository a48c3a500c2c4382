"""StripeProvider against localstripe: customers, PaymentIntents in IDR, renewals, refunds."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import StripeCustomer, User
from app.services.billing.providers import Charge
from app.services.billing.stripe.client import stripe_provider
from app.services.billing.stripe.errors import AmountOutOfRange
from app.services.billing.stripe.provider import NoSavedCard, StripeProvider, idempotency_key
from tests.stripe import CARD_3DS, CARD_DECLINED, CARD_OK, LocalStripe


@pytest.fixture
def provider(session: Session) -> StripeProvider:
    provider = stripe_provider()
    assert provider is not None
    return provider


def charge_for(member: User, amount_idr: int = 150_000, reference: str | None = None) -> Charge:
    return Charge(
        reference=reference or f"order-{uuid.uuid4().hex[:8]}",
        amount_idr=amount_idr,
        description="Day pass, Test Hub",
        member_id=member.id,
        customer_email=member.email,
    )


def customers_of(session: Session, member: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(StripeCustomer)
            .where(StripeCustomer.member_id == member.id)
        )
        or 0
    )


def save_card(localstripe: LocalStripe, member: User, number: str) -> None:
    """The member's card kept at Stripe, as a first payment with setup_future_usage leaves it."""
    from app.services.billing.stripe.customers import customer_for

    customer = customer_for(member.id)
    assert customer is not None
    method = localstripe.card_payment_method(number)
    localstripe.client().v1.payment_methods.attach(method, params={"customer": customer})


def test_start_creates_an_idr_payment_intent_for_the_member(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User, session: Session
) -> None:
    charge = charge_for(a_member, 150_000)
    intent = provider.start(charge)
    assert intent.provider == "stripe"
    assert intent.status == "requires_payment_method"
    assert intent.client_secret
    assert intent.client_secret.startswith(intent.provider_ref)

    at_stripe = localstripe.client().v1.payment_intents.retrieve(intent.provider_ref)
    assert at_stripe.amount == 15_000_000  # Rp 150.000 in Stripe's minor units
    assert at_stripe.currency == "idr"
    assert at_stripe.metadata["reference"] == charge.reference
    customer = localstripe.client().v1.customers.retrieve(str(at_stripe.customer))
    assert customer.email == a_member.email
    assert customers_of(session, a_member) == 1


def test_one_stripe_customer_per_member(
    provider: StripeProvider, a_member: User, session: Session
) -> None:
    first = provider.start(charge_for(a_member))
    second = provider.start(charge_for(a_member))
    assert first.provider_ref != second.provider_ref
    assert customers_of(session, a_member) == 1


@pytest.mark.parametrize("amount_idr", [0, 9_999, 10_000_000_000])
def test_amounts_outside_stripes_limits_are_refused_before_any_call(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User, amount_idr: int
) -> None:
    before = len(localstripe.client().v1.payment_intents.list(params={"limit": 100}).data)
    with pytest.raises(AmountOutOfRange) as refused:
        provider.start(charge_for(a_member, amount_idr))
    assert refused.value.details["minimum_minor"] == 1_000_000
    assert len(localstripe.client().v1.payment_intents.list(params={"limit": 100}).data) == before


def test_the_idempotency_key_comes_from_ruangs_reference() -> None:
    assert idempotency_key("order-12", "payment") == idempotency_key("order-12", "payment")
    assert idempotency_key("order-12", "payment") != idempotency_key("order-13", "payment")
    assert idempotency_key("order-12", "payment") != idempotency_key("order-12", "refund")


def test_a_renewal_charges_the_saved_card_off_session(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User
) -> None:
    provider.start(charge_for(a_member))  # the first period: the member becomes a customer
    save_card(localstripe, a_member, CARD_OK)
    renewal = charge_for(a_member, 500_000, reference="invoice-7")
    intent = provider.charge_saved_card(renewal)
    assert intent.status == "succeeded"
    at_stripe = localstripe.client().v1.payment_intents.retrieve(intent.provider_ref)
    assert at_stripe.amount == 50_000_000
    assert at_stripe.metadata["reference"] == "invoice-7"


def test_a_renewal_on_a_card_that_needs_3d_secure_waits_for_the_member(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User
) -> None:
    provider.start(charge_for(a_member))
    save_card(localstripe, a_member, CARD_3DS)
    intent = provider.charge_saved_card(charge_for(a_member))
    assert intent.status == "requires_action"
    assert intent.client_secret  # the pay page finishes it with Stripe.js


def test_a_declined_renewal_is_failed_not_an_exception(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User
) -> None:
    provider.start(charge_for(a_member))
    save_card(localstripe, a_member, CARD_DECLINED)
    intent = provider.charge_saved_card(charge_for(a_member))
    assert intent.status == "failed"
    assert intent.provider_ref.startswith("pi_")


def test_a_renewal_without_a_saved_card_is_a_domain_error(
    provider: StripeProvider, make_member: Callable[..., User]
) -> None:
    with pytest.raises(NoSavedCard):
        provider.charge_saved_card(charge_for(make_member()))


def test_refund_part_of_a_payment(
    provider: StripeProvider, localstripe: LocalStripe, a_member: User
) -> None:
    provider.start(charge_for(a_member))
    save_card(localstripe, a_member, CARD_OK)
    paid = provider.charge_saved_card(charge_for(a_member, 200_000, reference="order-91"))
    refund_id = provider.refund(paid.provider_ref, 50_000, "refund-order-91")
    refund = localstripe.client().v1.refunds.retrieve(refund_id)
    assert refund.amount == 5_000_000
    assert refund.payment_intent == paid.provider_ref
    # A refund may be smaller than the smallest charge.
    small = provider.refund(paid.provider_ref, 5_000, "refund-order-91-b")
    assert localstripe.client().v1.refunds.retrieve(small).amount == 500_000
