"""IDR for Stripe: whole rupiah times 100, Stripe's limits checked before any call."""

from __future__ import annotations

import pytest

from app.money import stripe_limits, whole_units
from app.services.billing.stripe.amounts import from_stripe_amount, to_stripe_amount
from app.services.billing.stripe.errors import AmountOutOfRange


def test_rupiah_are_sent_in_minor_units() -> None:
    assert to_stripe_amount(150_000) == 15_000_000  # the issue's own example
    assert from_stripe_amount(15_000_000) == 150_000
    assert from_stripe_amount(15_000_000, "idr") == 150_000


def test_the_limits_are_stripes() -> None:
    minimum, maximum = stripe_limits("IDR")
    assert to_stripe_amount(10_000) == minimum
    assert to_stripe_amount(9_999_999_999) == maximum - 99  # the largest whole rupiah
    assert stripe_limits("USD") == (50, 99_999_999)


@pytest.mark.parametrize("amount_idr", [-1, 0, 1, 9_999, 10_000_000_000])
def test_outside_the_limits_is_a_domain_error(amount_idr: int) -> None:
    with pytest.raises(AmountOutOfRange) as refused:
        to_stripe_amount(amount_idr)
    assert refused.value.details == {
        "amount_idr": amount_idr,
        "minimum_minor": 1_000_000,
        "maximum_minor": 999_999_999_900,
    }


def test_back_from_stripe_only_whole_rupiah_in_idr() -> None:
    with pytest.raises(ValueError, match="not a whole amount"):
        whole_units(15_000_050, "IDR")
    with pytest.raises(ValueError, match="IDR"):
        from_stripe_amount(1500, "usd")


def test_a_refund_may_be_below_the_minimum_charge() -> None:
    assert to_stripe_amount(5_000, refund=True) == 500_000
    with pytest.raises(AmountOutOfRange):
        to_stripe_amount(0, refund=True)
    with pytest.raises(AmountOutOfRange):
        to_stripe_amount(10_000_000_000, refund=True)
