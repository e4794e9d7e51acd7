"""The annual percentage rate behind a monthly payment, from Flexiti's calculator answer.

Flexiti's payment calculator gives the price, the monthly payment (to the cent) and the number of
months, plus its own HTML rendering; it has no rate field. The rate follows from the three
numbers (equal payments, interest compounded monthly): every rate whose payment rounds to the
same cent is consistent with the answer. A rate that Flexiti's rendering states and that lies in
that range is the one shown, exactly as Flexiti wrote it; otherwise the middle of the range,
rounded to a hundredth of a percent. A payment no rate explains (below price / months) has no
rate: the badge then shows the payment alone rather than a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flexiti_checkout.borrowing import payment_at

HALF_CENT = Decimal("0.005")
HUNDREDTH = Decimal("0.01")
MAX_APR = Decimal(100)
#: A percentage in Flexiti's rendering: "9.99%", "9,99 %", "0 %".
_PERCENT = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,3})?)\s*%")


def _rate_for(price: Decimal, months: int, payment: Decimal) -> Decimal:
    """The APR whose exact payment is ``payment`` (bisection; the payment grows with the rate)."""
    low, high = Decimal(0), MAX_APR
    for _ in range(60):
        middle = (low + high) / 2
        if payment_at(price, months, middle) < payment:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def stated_rates(html: str) -> list[Decimal]:
    """The percentages Flexiti's rendering states, in order."""
    return [Decimal(found.replace(",", ".")) for found in _PERCENT.findall(html or "")]


def implied_apr(price: Decimal, months: int, payment: Decimal, html: str = "") -> Decimal | None:
    """The APR of a calculator answer, or ``None`` when no rate explains the payment."""
    if price <= 0 or months < 1 or payment <= 0:
        return None
    lowest, highest = payment - HALF_CENT, payment + HALF_CENT
    if payment_at(price, months, Decimal(0)) >= highest:
        return None  # less than an interest-free split: not an equal-payment plan we can explain
    if payment_at(price, months, MAX_APR) < lowest:
        return None
    low = Decimal(0)
    if payment_at(price, months, low) < lowest:
        low = _rate_for(price, months, lowest)
    high = _rate_for(price, months, highest)
    for stated in stated_rates(html):
        if low <= stated <= high:
            return stated
    if low == 0:
        return Decimal(0)
    return ((low + high) / 2).quantize(HUNDREDTH)
