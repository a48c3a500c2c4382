"""The Stripe package's domain errors, and Stripe's exceptions turned into them at one place."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import stripe

from app.services.errors import DomainError, InvalidInput

log = logging.getLogger(__name__)


class AmountOutOfRange(InvalidInput):
    """The amount is below Stripe's minimum charge or above its maximum: nothing was sent."""

    code = "amount_out_of_range"


class PaymentProviderError(DomainError):
    """Stripe refused or could not be reached; nothing was charged by Ruang."""

    code = "payment_provider_error"
    http_status = 502


class CardDeclined(DomainError):
    code = "card_declined"
    http_status = 402


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
