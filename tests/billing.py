"""Billing test helpers: the day-pass plan, front-desk staff, and an in-memory payment
provider that keeps its own state like a real one (the Stripe engineer's tests run the real
Stripe client against localstripe)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask

from app.models import BillingInterval, Hub, Plan, Role, User
from app.services.billing.providers import REGISTRY_KEY, Charge, ProviderIntent


@dataclass
class LedgerProvider:
    """A provider that answers like Stripe does: one intent per idempotency key (the
    reference), refunds only of what it collected."""

    name: str = "stripe"
    intents: dict[str, ProviderIntent] = field(default_factory=dict)
    starts: list[Charge] = field(default_factory=list)
    refunds: list[tuple[str, int, str]] = field(default_factory=list)

    def start(self, charge: Charge) -> ProviderIntent:
        self.starts.append(charge)
        if charge.reference not in self.intents:
            ref = f"pi_{secrets.token_hex(8)}"  # unique like Stripe's, across test providers
            self.intents[charge.reference] = ProviderIntent(
                self.name, ref, "requires_payment_method", f"{ref}_secret"
            )
        return self.intents[charge.reference]

    def refund(self, provider_ref: str, amount_idr: int, reference: str) -> str:
        assert provider_ref in {i.provider_ref for i in self.intents.values()}
        self.refunds.append((provider_ref, amount_idr, reference))
        return f"re_{len(self.refunds):04d}"


@pytest.fixture
def provider(app: Flask) -> Iterator[LedgerProvider]:
    """A provider registered on the app for this test only."""
    stand_in = LedgerProvider()
    app.extensions[REGISTRY_KEY] = {stand_in.name: stand_in}
    yield stand_in
    app.extensions[REGISTRY_KEY] = {}


@pytest.fixture
def day_pass(make_plan: Callable[..., Plan]) -> Plan:
    return make_plan(
        code="day-pass", name="Day Pass", price_idr=50_000, billing_interval=BillingInterval.DAY
    )


@pytest.fixture
def staff(make_member: Callable[..., User], a_hub: Hub) -> User:
    return make_member(plan=None, name="Dewi Staff", roles=[(Role.FRONTDESK, a_hub)])


@pytest.fixture
def buyer(make_member: Callable[..., User]) -> User:
    """A member without a membership: they need a day pass."""
    return make_member(plan=None, name="Budi", email="budi@example.com")
