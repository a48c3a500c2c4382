"""Money in Stripe minor units, shown as `Rp 50.000`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.money import format_money, from_minor, to_minor


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (5_000_000, "IDR", "id", "Rp 50.000"),
        (5_000_000, "IDR", "en", "Rp 50,000"),
        (75_000_000, "IDR", "id", "Rp 750.000"),
        (0, "IDR", "id", "Rp 0"),
        (-1_500_000, "IDR", "id", "-Rp 15.000"),
        (1234, "USD", "en", "US$ 12.34"),
        (500, "JPY", "en", "JPY 500"),
    ],
)
def test_format_money(minor: int, currency: str, locale: str, shown: str) -> None:
    assert format_money(minor, currency, locale) == shown


def test_idr_has_two_decimals_at_stripe() -> None:
    assert to_minor(50_000, "IDR") == 5_000_000
    assert from_minor(5_000_000, "IDR") == Decimal(50_000)
    assert to_minor(500, "JPY") == 500
