"""Stripe's exceptions turned into Ruang's domain errors at one place."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import stripe

from app.services.errors import PaymentProviderError

log = logging.getLogger(__name__)


@contextmanager
def provider_errors() -> Iterator[None]:
    """Run a Stripe call; a failure of Stripe or of the network is a PaymentProviderError."""
    try:
        yield
    except stripe.StripeError as error:
        log.warning("Stripe call failed: %s (%s)", error.user_message or error, error.code)
        raise PaymentProviderError(
            "Stripe refused or could not be reached", stripe_code=error.code
        ) from error
