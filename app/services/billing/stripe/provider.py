"""StripeProvider: the PaymentProvider that charges through Stripe PaymentIntents.

Every create call carries an idempotency key derived from Ruang's own reference ("order-12"),
so a double-click, a retried request or two web processes get the same PaymentIntent from
Stripe; the billing domain's own row (one payment per order) is the guard in Ruang's database.
The reference also travels in the PaymentIntent's metadata: webhooks map it back to the order.
"""

from __future__ import annotations

from typing import Any

import stripe

from app.services.billing.providers import Charge, ProviderIntent
from app.services.billing.stripe.amounts import CURRENCY, to_stripe_amount
from app.services.billing.stripe.client import StripeConfig
from app.services.billing.stripe.customers import customer_for, ensure_customer
from app.services.billing.stripe.errors import CardDeclined, provider_errors
from app.services.errors import DomainError

PROVIDER = "stripe"

#: Stripe's PaymentIntent statuses as billing's (providers.INTENT_STATUSES): everything
#: still open on Stripe's side is one of the first three; a cancelled intent is as good as
#: failed to an order.
STATUSES = {
    "requires_payment_method": "requires_payment_method",
    "requires_confirmation": "requires_payment_method",
    "requires_action": "requires_action",
    "processing": "processing",
    "requires_capture": "processing",
    "succeeded": "succeeded",
    "canceled": "failed",
}


class NoSavedCard(DomainError):
    """A renewal was to be charged to a saved card, and the member has none."""

    code = "no_saved_card"
    http_status = 422


class StripeProvider:
    name = PROVIDER

    def __init__(self, client: stripe.StripeClient, config: StripeConfig) -> None:
        self.client = client
        self.config = config

    def start(self, charge: Charge) -> ProviderIntent:
        """A PaymentIntent for `charge`, confirmed later in the browser with its client secret."""
        params = self._intent_params(charge)
        params["payment_method_types"] = list(self.config.payment_method_types)
        if self.config.save_cards:
            params["setup_future_usage"] = "off_session"  # a card kept for renewals
        with provider_errors():
            intent = self.client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key(charge.reference, "payment")},
            )
        return provider_intent(intent)

    def charge_saved_card(self, charge: Charge) -> ProviderIntent:
        """Charge the member's saved card with nobody present (a plan renewal). A card that
        needs 3-D Secure gives `requires_action` (the member finishes on the pay page); a
        decline gives `failed`. Both carry the PaymentIntent, which webhooks report too."""
        customer = customer_for(charge.member_id)
        method = self._saved_card(customer) if customer is not None else None
        if customer is None or method is None:
            raise NoSavedCard("no saved card", member_id=charge.member_id)
        params = self._intent_params(charge, customer)
        params.update(payment_method=method, off_session=True, confirm=True)
        with provider_errors():
            try:
                intent = self.client.v1.payment_intents.create(
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": idempotency_key(charge.reference, "renewal")},
                )
            except stripe.CardError as declined:
                return self._declined(declined)
        return provider_intent(intent)

    def refund(self, provider_ref: str, amount_idr: int, reference: str) -> str:
        """Refund `amount_idr` of the PaymentIntent; the key makes a retried refund one refund."""
        with provider_errors():
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": provider_ref,
                    "amount": to_stripe_amount(amount_idr, refund=True),
                    "metadata": {"reference": reference},
                },
                options={"idempotency_key": idempotency_key(reference, "refund")},
            )
        return str(refund.id)

    def retrieve(self, provider_ref: str) -> ProviderIntent:
        """The PaymentIntent as Stripe has it now (webhooks ask when an event may be stale)."""
        with provider_errors():
            return provider_intent(self.client.v1.payment_intents.retrieve(provider_ref))

    def _intent_params(self, charge: Charge, customer: str | None = None) -> dict[str, Any]:
        return {
            "amount": to_stripe_amount(charge.amount_idr),
            "currency": CURRENCY.lower(),
            "customer": customer
            or ensure_customer(self.client, charge.member_id, charge.customer_email),
            # The description rides in the metadata: localstripe refuses the field itself.
            "metadata": {
                "reference": charge.reference,
                "member_id": str(charge.member_id),
                "description": charge.description[:500],
            },
        }

    def _declined(self, error: stripe.CardError) -> ProviderIntent:
        """What a refused off-session charge left: Stripe's error names its PaymentIntent (or
        only the failed charge, as localstripe does: the charge names the intent then)."""
        details = error.error
        intent = details.payment_intent if details is not None else None
        if intent is None and details is not None and details.charge:
            charge = self.client.v1.charges.retrieve(details.charge)
            if charge.payment_intent:
                intent = self.client.v1.payment_intents.retrieve(str(charge.payment_intent))
        if intent is None:
            raise CardDeclined("the card was declined", stripe_code=error.code)
        status = "requires_action" if error.code == "authentication_required" else "failed"
        return ProviderIntent(
            provider=PROVIDER,
            provider_ref=str(intent.id),
            status=status,
            client_secret=intent.client_secret,
        )

    def _saved_card(self, customer: str) -> str | None:
        with provider_errors():
            methods = self.client.v1.payment_methods.list(
                params={"customer": customer, "type": "card"}
            )
        return str(methods.data[0].id) if methods.data else None


def idempotency_key(reference: str, purpose: str) -> str:
    """The same key for the same Ruang reference and purpose, in every process."""
    return f"ruang:{reference}:{purpose}"


def provider_intent(intent: stripe.PaymentIntent) -> ProviderIntent:
    return ProviderIntent(
        provider=PROVIDER,
        provider_ref=str(intent.id),
        status=STATUSES.get(str(intent.status), "failed"),
        client_secret=intent.client_secret,
    )
