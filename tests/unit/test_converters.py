"""The id pattern matches exactly the numbers an id column holds (0 to 2**31 - 1)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.converters import DATABASE_INT_MAX, digits_up_to

PATTERN = re.compile(digits_up_to(DATABASE_INT_MAX) + r"\Z")


@given(st.integers(min_value=0, max_value=10**12))
def test_pattern_matches_exactly_the_storable_numbers(number: int) -> None:
    assert bool(PATTERN.match(str(number))) == (number <= DATABASE_INT_MAX)


def test_the_edges() -> None:
    assert PATTERN.match(str(DATABASE_INT_MAX))
    assert not PATTERN.match(str(DATABASE_INT_MAX + 1))
    assert not PATTERN.match("9" * 40)
    assert not PATTERN.match("-1")


@given(st.integers(min_value=0, max_value=99_999))
def test_small_limits_too(limit: int) -> None:
    pattern = re.compile(digits_up_to(limit) + r"\Z")
    for number in {0, limit, limit + 1, limit // 2, limit * 10}:
        assert bool(pattern.match(str(number))) == (number <= limit), (limit, number)
