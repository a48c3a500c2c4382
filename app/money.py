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


#: Stripe's charge limits in minor units, per its currencies guide. Minimum: US$0.50 or the
#: equivalent in the charge currency (Rp 10.000 keeps a margin over the exchange rate's swings).
#: Maximum: eight digits for most currencies, twelve for IDR (999999999999 = Rp 9.999.999.999,99).
STRIPE_MINIMUM_MINOR = {"IDR": 10_000 * 100}
STRIPE_MAXIMUM_MINOR = {"IDR": 999_999_999_999}
STRIPE_DEFAULT_MAXIMUM_MINOR = 99_999_999


def stripe_limits(currency: str = "IDR") -> tuple[int, int]:
    """The smallest and largest amount Stripe takes in `currency`, in minor units."""
    currency = currency.upper()
    return (
        STRIPE_MINIMUM_MINOR.get(currency, 50),
        STRIPE_MAXIMUM_MINOR.get(currency, STRIPE_DEFAULT_MAXIMUM_MINOR),
    )


def whole_units(amount_minor: int, currency: str = "IDR") -> int:
    """Minor units back to whole units (15_000_000 -> Rp 150.000); refuses a fraction, which a
    rupiah amount from Stripe never has when Ruang sent it."""
    whole, rest = divmod(amount_minor, minor_per_unit(currency))
    if rest:
        raise ValueError(f"{amount_minor} {currency} minor units is not a whole amount")
    return whole
