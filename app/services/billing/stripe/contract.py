"""The payment-provider contract, as the billing domain defines it.

This file MIRRORS app/services/billing/providers.py (Charge, ProviderIntent, PaymentProvider)
and the two functions of app/services/billing/payments.py that webhooks call, so the Stripe
package could be built and tested before the billing domain landed. At the merge it is deleted
and its importers import from providers.py / payments.py instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Charge:
    reference: str  # "order-<id>" / "invoice-<id>"; root of the idempotency key
    amount_idr: int  # whole rupiah
    description: str
    member_id: int
    customer_email: str


@dataclass(frozen=True)
class ProviderIntent:
    provider: str  # "stripe"
    provider_ref: str  # PaymentIntent id
    # "requires_payment_method" | "requires_action" | "processing" | "succeeded" | "failed"
    status: str
    client_secret: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start(self, charge: Charge) -> ProviderIntent: ...

    def refund(self, provider_ref: str, amount_idr: int, reference: str) -> str: ...


class PaymentRecorder(Protocol):
    """app.services.billing.payments: each call owns its transaction and is idempotent per
    provider_ref."""

    def provider_payment_succeeded(
        self, *, provider: str, provider_ref: str, reference: str, amount_idr: int
    ) -> Any: ...

    def provider_payment_failed(
        self, *, provider: str, provider_ref: str, reference: str, reason: str
    ) -> None: ...
