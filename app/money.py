"""Money: integer minor units per Stripe's rules, shown the Indonesian way (`Rp 50.000`)."""

from __future__ import annotations

from decimal import Decimal

# Stripe's exponents: most currencies have two decimals (IDR included); these have none.
ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
SYMBOLS = {"IDR": "Rp", "USD": "US$", "SGD": "S$"}
# Rupiah is priced in whole rupiah: the cents exist for Stripe, never on a price tag.
SHOWN_DECIMALS = {"IDR": 0}


def minor_per_unit(currency: str) -> int:
    return 1 if currency.upper() in ZERO_DECIMAL else 100


def to_minor(amount: Decimal | int, currency: str = "IDR") -> int:
    """Whole or decimal currency units to Stripe minor units (Rp 50.000 -> 5_000_000)."""
    return int(Decimal(amount) * minor_per_unit(currency))


def from_minor(amount_minor: int, currency: str = "IDR") -> Decimal:
    return Decimal(amount_minor) / minor_per_unit(currency)


def format_rupiah(amount_idr: int, locale: str = "id") -> str:
    """Whole rupiah as shown: `Rp 150.000` (id), `Rp 150,000` (en). Every stored amount is this."""
    return format_money(to_minor(amount_idr, "IDR"), "IDR", locale)


def format_money(amount_minor: int, currency: str = "IDR", locale: str = "id") -> str:
    """`Rp 50.000` in Indonesian, `Rp 50,000` in English; decimals only where they are used."""
    currency = currency.upper()
    value = from_minor(amount_minor, currency)
    decimals = SHOWN_DECIMALS.get(currency, 0 if currency in ZERO_DECIMAL else 2)
    text = f"{abs(value):,.{decimals}f}"
    if locale.startswith("id"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    sign = "-" if value < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency)} {text}"
