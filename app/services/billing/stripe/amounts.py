"""IDR for Stripe: Ruang keeps whole rupiah, Stripe takes IDR in minor units (times 100: IDR is not
a zero-decimal currency there, Rp 150.000 is amount=15000000). Limits are checked here, before
any call, so an amount Stripe would refuse is a clear domain error and nothing is sent."""

from __future__ import annotations

from app.money import stripe_limits, to_minor, whole_units
from app.services.billing.stripe.errors import AmountOutOfRange

CURRENCY = "IDR"


def to_stripe_amount(amount_idr: int, *, refund: bool = False) -> int:
    """Whole rupiah to Stripe's `amount`, refusing what Stripe would refuse. The minimum is a
    charge's: a refund may be any part of a payment, down to one rupiah."""
    minimum, maximum = stripe_limits(CURRENCY)
    if refund:
        minimum = to_minor(1, CURRENCY)
    minor = to_minor(amount_idr, CURRENCY)
    if not minimum <= minor <= maximum:
        raise AmountOutOfRange(
            f"Rp {amount_idr} is outside Stripe's limits for IDR",
            amount_idr=amount_idr,
            minimum_minor=minimum,
            maximum_minor=maximum - maximum % 100,  # the largest whole rupiah
        )
    return minor


def from_stripe_amount(amount: int, currency: str = CURRENCY) -> int:
    """Stripe's `amount` back to whole rupiah."""
    if currency.upper() != CURRENCY:
        raise ValueError(f"Ruang charges in IDR, not {currency}")
    return whole_units(amount, CURRENCY)
