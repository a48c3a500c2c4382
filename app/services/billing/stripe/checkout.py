"""What the card pay page and its status page show: a member's own PaymentIntent, as Stripe
has it now and as far as Ruang has processed it (its succeeded webhook)."""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from sqlalchemy import select

from app.extensions import db
from app.models import Payment, StripeEvent, StripeEventOutcome
from app.services.billing.stripe.amounts import from_stripe_amount
from app.services.billing.stripe.customers import customer_for
from app.services.billing.stripe.errors import provider_errors
from app.services.billing.stripe.provider import PROVIDER, STATUSES, StripeProvider
from app.services.errors import NotFound

#: Statuses in which the member still has something to do on the pay page.
PAYABLE = {"requires_payment_method", "requires_action"}


@dataclass(frozen=True)
class CardPayment:
    intent_id: str
    status: str  # one of billing's providers.INTENT_STATUSES
    amount_idr: int
    reference: str
    client_secret: str | None
    recorded: bool  # Ruang has processed Stripe's succeeded event for it
    receipt_id: int | None = None  # billing's payment for it, whose receipt the member sees

    @property
    def payable(self) -> bool:
        return self.status in PAYABLE

    @property
    def final(self) -> bool:
        """Nothing more will change without the member: paid and recorded, or failed."""
        return self.recorded or self.status == "failed"


def card_payment(provider: StripeProvider, intent_id: str, member_id: int) -> CardPayment:
    """The member's PaymentIntent; NotFound for an unknown one or another member's."""
    customer = customer_for(member_id)
    if customer is None:
        raise NotFound("no such payment")
    with provider_errors():
        try:
            intent = provider.client.v1.payment_intents.retrieve(intent_id)
        except stripe.InvalidRequestError as missing:
            raise NotFound("no such payment") from missing
    if intent.customer != customer:
        raise NotFound("no such payment")
    metadata = intent.metadata.to_dict() if intent.metadata else {}
    return CardPayment(
        intent_id=str(intent.id),
        status=STATUSES.get(str(intent.status), "failed"),
        amount_idr=from_stripe_amount(int(intent.amount), str(intent.currency)),
        reference=str(metadata.get("reference", "")),
        client_secret=intent.client_secret,
        recorded=recorded(str(intent.id)),
        receipt_id=payment_id(str(intent.id)),
    )


def payment_id(intent_id: str) -> int | None:
    """Billing's ledger payment of the PaymentIntent, once recorded."""
    return db.session.scalar(
        select(Payment.id).where(Payment.provider == PROVIDER, Payment.provider_ref == intent_id)
    )


def recorded(intent_id: str) -> bool:
    return (
        db.session.scalar(
            select(StripeEvent.id).where(
                StripeEvent.object_id == intent_id,
                StripeEvent.outcome == StripeEventOutcome.SUCCEEDED,
            )
        )
        is not None
    )
