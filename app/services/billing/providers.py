"""Payment providers behind one small interface, and the app's registry of them.

A provider collects a Charge and can refund what it collected; Ruang keeps the order, the
invoice and the ledger itself. With no Stripe key the registry is empty and only the manual
methods (cash, QRIS at the desk, transfer, recorded by staff) are offered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

REGISTRY_KEY = "ruang.payment_providers"

#: ProviderIntent.status values; "succeeded" and "failed" are final.
INTENT_STATUSES = (
    "requires_payment_method",
    "requires_action",
    "processing",
    "succeeded",
    "failed",
)


@dataclass(frozen=True)
class Charge:
    """What Ruang asks a provider to collect."""

    reference: str  # Ruang's own id, "order-<id>" or "invoice-<id>"; root of the idempotency key
    amount_idr: int  # whole rupiah (Rp 150.000 -> 150000)
    description: str
    member_id: int
    customer_email: str


@dataclass(frozen=True)
class ProviderIntent:
    """What the provider answered."""

    provider: str  # "stripe"
    provider_ref: str  # e.g. the PaymentIntent id
    status: str  # one of INTENT_STATUSES
    client_secret: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start(self, charge: Charge) -> ProviderIntent: ...

    def refund(self, provider_ref: str, amount_idr: int, reference: str) -> str:
        """Refund part or all of a collected charge; returns the provider's refund id."""
        ...


def init_providers(app: Flask, providers: Mapping[str, PaymentProvider] | None = None) -> None:
    """Give the app its providers (none by default: a hub network without Stripe)."""
    app.extensions[REGISTRY_KEY] = dict(providers or {})


def register_provider(app: Flask, provider: PaymentProvider) -> None:
    """Add a provider (the Stripe integration calls this when a key is configured)."""
    app.extensions.setdefault(REGISTRY_KEY, {})[provider.name] = provider


def payment_providers() -> dict[str, PaymentProvider]:
    """The current app's providers by name; empty when none is configured."""
    registry: dict[str, Any] = current_app.extensions.get(REGISTRY_KEY, {})
    return registry


def provider_named(name: str) -> PaymentProvider | None:
    return payment_providers().get(name)


def online_payment_available() -> bool:
    return bool(payment_providers())
