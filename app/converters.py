"""Integers from the outside, bounded to what the database columns hold.

Ids and counts are `Integer` columns: 32-bit on PostgreSQL (SQLite holds 64). A larger number in a
URL or a form would reach the driver and fail there as a 500; here it is a 404 or a form error.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

#: The largest value an `Integer` column holds on PostgreSQL, the smaller of our databases.
DATABASE_INT_MAX = 2**31 - 1
DATABASE_INT_MIN = -(2**31)


def fits_database(value: int) -> bool:
    return DATABASE_INT_MIN <= value <= DATABASE_INT_MAX


def digits_up_to(limit: int) -> str:
    """A regular expression for the digit strings of the numbers 0 to `limit`."""
    digits = str(limit)
    shorter = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    same_length = [
        f"{digits[:i]}[0-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if d != "0"
    ]
    return "(?:" + "|".join([*shorter, *same_length, digits]) + ")"


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in every route: digits only (no sign), no larger than an id column holds.

    The bound is in the pattern, not only in the conversion: a path with a larger number then
    matches no route at all (404), where a failed conversion would leave a sibling route of
    another method matching (405, as for GET and POST .../cancel)."""

    regex = digits_up_to(DATABASE_INT_MAX)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_converters(app: Flask) -> None:
    """Replace werkzeug's unbounded `int` before any route is registered."""
    app.url_map.converters["int"] = DatabaseIntConverter


def storable_int(value: str) -> int:
    """`int(value)`, refusing (ValueError) what no integer column holds: for `request.args.get(
    name, type=storable_int)`, which then gives None as for any other bad number."""
    number = int(value)
    if not fits_database(number):
        raise ValueError(value)
    return number
