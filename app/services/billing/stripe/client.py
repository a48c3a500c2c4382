"""The Stripe SDK client for one app, built from its settings (a StripeClient object, never the
SDK's module globals, so two apps in one process keep their own keys and addresses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import stripe
from flask import Flask, current_app
from stripe._base_address import BaseAddresses

from app.services.billing.providers import register_provider

if TYPE_CHECKING:
    from app.services.billing.stripe.provider import StripeProvider
    from app.services.billing.stripe.webhooks import PaymentRecorder

#: The SDK retries network failures and 409/5xx answers; every create call carries an
#: idempotency key, so a retry never charges twice.
NETWORK_RETRIES = 2


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    publishable_key: str | None
    webhook_secret: str | None
    api_version: str
    api_base: str | None
    js_url: str
    payment_method_types: tuple[str, ...]
    save_cards: bool  # ask Stripe to keep the card for off-session renewals

    @classmethod
    def from_app_config(cls, config: Mapping[str, Any]) -> StripeConfig | None:
        """The app's Stripe settings, or None when no secret key is set (manual payments only)."""
        secret_key = config.get("STRIPE_SECRET_KEY")
        if not secret_key:
            return None
        return cls(
            secret_key=secret_key,
            publishable_key=config.get("STRIPE_PUBLISHABLE_KEY"),
            webhook_secret=config.get("STRIPE_WEBHOOK_SECRET"),
            api_version=config["STRIPE_API_VERSION"],
            api_base=config.get("STRIPE_API_BASE"),
            js_url=config["STRIPE_JS_URL"],
            payment_method_types=tuple(config["STRIPE_PAYMENT_METHOD_TYPES"]),
            save_cards=bool(config.get("STRIPE_SAVE_CARDS", True)),
        )

    @property
    def js_origin(self) -> str:
        """Where Stripe.js comes from, for the Content-Security-Policy."""
        return origin(self.js_url)

    def content_security_sources(self) -> dict[str, list[str]]:
        """What a page running Stripe.js must allow beyond our own origin: the script, its
        frames (the card field, 3-D Secure) and the API it talks to."""
        frames = [self.js_origin]
        if self.js_origin == origin(stripe.DEFAULT_API_BASE).replace("api.", "js."):
            frames.append(STRIPE_HOOKS_ORIGIN)  # 3-D Secure challenges come from there
        return {
            "script-src": [self.js_origin],
            "frame-src": frames,
            "connect-src": sorted(
                {origin(self.api_base or stripe.DEFAULT_API_BASE), self.js_origin}
            ),
        }


STRIPE_HOOKS_ORIGIN = "https://hooks.stripe.com"


def origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def make_client(config: StripeConfig) -> stripe.StripeClient:
    base_addresses: BaseAddresses = {"api": config.api_base} if config.api_base else {}
    return stripe.StripeClient(
        config.secret_key,
        stripe_version=config.api_version,
        base_addresses=base_addresses,
        max_network_retries=NETWORK_RETRIES,
    )


PROVIDER_KEY = "ruang.stripe"
#: Where a test may put a stand-in for billing's payments module (a PaymentRecorder); without
#: one the webhooks call app.services.billing.payments itself.
PAYMENTS_KEY = "ruang.stripe.payments"


def init_stripe(app: Flask) -> None:
    """Give `app` its StripeProvider, registered with billing's providers, or None when no
    secret key is set (manual payments only)."""
    from app.services.billing.stripe.provider import StripeProvider

    config = StripeConfig.from_app_config(app.config)
    provider = StripeProvider(make_client(config), config) if config is not None else None
    app.extensions[PROVIDER_KEY] = provider
    if provider is not None:
        register_provider(app, provider)


def stripe_provider() -> StripeProvider | None:
    """This app's StripeProvider, None where the app takes manual payments only."""
    return cast("StripeProvider | None", current_app.extensions.get(PROVIDER_KEY))


def stripe_payments() -> PaymentRecorder:
    """Billing's payments module, or the stand-in a test installed."""
    from app.services.billing import payments

    override = current_app.extensions.get(PAYMENTS_KEY)
    return cast("PaymentRecorder", override if override is not None else payments)
