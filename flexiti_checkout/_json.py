"""JSON in and out with exact money.

Flexiti's examples send amounts as JSON numbers with cents (``"amount_requested": 3000.00``).
``json`` would need a float for that; instead ``Decimal`` values are written digit for digit, and
numbers read back become ``Decimal``.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any


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


def loads(text: str | bytes) -> Any:
    """Parse JSON, reading every non-integer number as ``Decimal``."""
    return json.loads(text, parse_float=Decimal)
