"""JSON from outside: exact numbers, and limits that turn hostile bodies into clear refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout._json import MAX_DEPTH, UnreadableJSONError, dumps, loads, within_depth


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_numbers_are_exact() -> None:
    """Fractions come back as Decimal digit for digit, and go out the same way."""
    value = loads('{"amount": 3000.00, "n": 3, "score": 0.33}')
    assert value == {"amount": Decimal("3000.00"), "n": 3, "score": Decimal("0.33")}
    assert dumps(value) == '{"amount":3000.00,"n":3,"score":0.33}'


@pytest.mark.parametrize("shape", [nested_lists, nested_objects])
def test_nesting_up_to_the_limit_is_read(shape) -> None:
    """MAX_DEPTH levels of lists or objects are still JSON we read."""
    assert within_depth(loads(shape(MAX_DEPTH)), MAX_DEPTH)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 5_000, 100_000])
@pytest.mark.parametrize("shape", [nested_lists, nested_objects])
def test_deeper_nesting_is_refused_at_any_depth(shape, depth: int) -> None:
    """One level past MAX_DEPTH and far past Python's recursion limit are the same refusal."""
    with pytest.raises(UnreadableJSONError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(shape(depth))


@pytest.mark.parametrize(
    "text",
    [
        '{"amount": 1e999999999}',
        '{"online_order_id": 1e28}',
        '{"amount": 1E-999999999}',
        '{"amount": 0e-999999999}',
        '{"id": 12345678901234567890123456}',
        '{"amount": 1' + "0" * 5000 + "}",
        '{"amount": NaN}',
        '{"amount": -Infinity}',
    ],
)
def test_numbers_out_of_range_are_refused_before_any_arithmetic(text: str) -> None:
    """Huge or tiny exponents, very long numbers and NaN/Infinity are refused while parsing."""
    with pytest.raises(UnreadableJSONError, match="number"):
        loads(text)


@pytest.mark.parametrize(
    ("text", "reason"), [(b"\xff\xfe{", "not UTF-8"), ("{not json", "is not JSON")]
)
def test_other_unreadable_bodies_say_why(text: str | bytes, reason: str) -> None:
    """Bytes that are not UTF-8 JSON raise UnreadableJSONError (a ValueError) naming the problem."""
    with pytest.raises(ValueError, match=reason):
        loads(text)
