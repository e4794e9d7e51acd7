"""JSON in and out with exact money.

Flexiti's examples send amounts as JSON numbers with cents (``"amount_requested": 3000.00``).
``json`` would need a float for that; instead ``Decimal`` values are written digit for digit, and
numbers read back become ``Decimal``.

JSON from outside (callbacks, the service's API, the calculator, Flexiti's answers) is read with
limits, so that a small hostile body is a clear refusal rather than a crash or a stalled worker:
at most ``MAX_DEPTH`` levels of nesting, numbers within ``money.MAX_MAGNITUDE``, no ``NaN`` or
``Infinity``, and no key twice in one object (parsers disagree on which one wins, so a body that
says two things is refused rather than read one way here and another way elsewhere).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flexiti_checkout.money import MAX_MAGNITUDE, bounded_decimal

#: The deepest nesting read from outside; Flexiti's documents nest three or four levels.
MAX_DEPTH = 32


class UnreadableJSONError(ValueError):
    """JSON that is refused: not JSON, not UTF-8, nested too deep, or a number out of range.

    ``str()`` says which, to follow "The body" ("is nested deeper than 32 levels").
    """


def dumps(value: Any) -> str:
    """Serialise ``value``, writing each ``Decimal`` as a JSON number with its exact digits."""
    marker = uuid.uuid4().hex
    numbers: list[str] = []

    def swap(item: Any) -> Any:
        if isinstance(item, Decimal):
            if not item.is_finite():
                raise ValueError(f"cannot send the non-finite amount {item} to Flexiti")
            numbers.append(format(item, "f"))
            return f"{marker}{len(numbers) - 1}"
        if isinstance(item, dict):
            return {key: swap(val) for key, val in item.items()}
        if isinstance(item, (list, tuple)):
            return [swap(val) for val in item]
        return item

    text = json.dumps(swap(value), separators=(",", ":"))
    for index in range(len(numbers) - 1, -1, -1):
        text = text.replace(f'"{marker}{index}"', numbers[index])
    return text


def loads(text: str | bytes, *, fraction: Callable[[str], Decimal | float] = Decimal) -> Any:
    """Parse JSON from outside, reading every non-integer number with ``fraction``.

    ``fraction=float`` reads them as ``json`` does, once ``bounded_decimal`` has checked them.

    Raises ``UnreadableJSONError`` (a ``ValueError``) for anything but UTF-8 JSON within the limits.
    """

    def number(text: str) -> Decimal | float:
        try:
            bounded_decimal(text)
        except ValueError as exc:
            raise UnreadableJSONError(f"has a number we refuse: {exc}") from None
        return fraction(text)

    try:
        value = json.loads(
            text,
            parse_float=number,
            parse_int=_integer,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_keys,
        )
    except UnreadableJSONError:
        raise
    except RecursionError:
        raise UnreadableJSONError(f"is nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise UnreadableJSONError("is not UTF-8") from None
    except ValueError as exc:
        raise UnreadableJSONError(f"is not JSON ({exc})") from None
    if not within_depth(value, MAX_DEPTH):
        raise UnreadableJSONError(f"is nested deeper than {MAX_DEPTH} levels")
    return value


def within_depth(value: Any, limit: int) -> bool:
    """Whether lists and dicts nest at most ``limit`` levels in ``value`` (without recursion)."""
    level = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            if isinstance(node, (dict, list, tuple))
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return True
    return not any(isinstance(node, (dict, list, tuple)) for node in level)


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_MAGNITUDE + 1:
        raise UnreadableJSONError(
            f"has a number we refuse: {text[:20]}... is out of range (beyond 1e{MAX_MAGNITUDE})"
        )
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise UnreadableJSONError(f"has the key {key!r} twice in one object")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise UnreadableJSONError(f"has {name}, which is not a JSON number")
