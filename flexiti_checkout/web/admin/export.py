"""The console's CSV export of orders and refunds for a period, for the shop's accounting.

Days are the store's (``FLEXITI_TIME_ZONE``), both ends included, at most ``MAX_DAYS`` apart.
Amounts are written exactly as the store keeps them (``Decimal``, a dot, two decimals), times
both in the store's zone and in UTC. A cell that a spreadsheet would read as a formula (it
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written after a quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flexiti_checkout.models import Order, Refund
from flexiti_checkout.store.periods import orders_between, refunds_between
from flexiti_checkout.store.repository import Store

MAX_DAYS = 366
KINDS = ("orders", "refunds")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ORDER_COLUMNS = (
    "merchant_order_id", "created_local", "created_utc", "status", "amount", "currency", "flow",
    "flexiti_order_id", "flexiti_transaction_id", "promo_id", "plan_id", "term",
    "status_since_utc",
)  # fmt: skip
REFUND_COLUMNS = (
    "refund_id", "merchant_order_id", "created_local", "created_utc", "amount", "full", "status",
    "settled_utc", "actor", "reason", "error",
)  # fmt: skip


class PeriodError(ValueError):
    """The dates asked for are not a period the export can write."""


def period(start: str | None, end: str | None, zone: str) -> tuple[datetime, datetime]:
    """The instants that begin ``start``'s day and end ``end``'s day in ``zone``."""
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        raise PeriodError("dates must be YYYY-MM-DD") from None
    if last < first or (last - first).days >= MAX_DAYS:
        raise PeriodError(f"the end must follow the start, at most {MAX_DAYS} days later")
    tz = ZoneInfo(zone)
    return (datetime.combine(first, time(), tz),
            datetime.combine(last + timedelta(days=1), time(), tz))  # fmt: skip


def safe(value: Any) -> str:
    """``value`` as a cell no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _order_row(order: Order, zone: ZoneInfo) -> tuple[Any, ...]:
    details = order.details
    return (
        order.merchant_order_id, _local(order.created_at, zone), _utc(order.created_at),
        order.status.value, format(order.amount, "f"), order.currency, order.flow,
        order.online_order_id, order.transaction_id or details.get("transaction_id"),
        details.get("promo_id"), details.get("plan_id"), details.get("term"),
        _utc(order.status_since),
    )  # fmt: skip


def _refund_row(refund: Refund, zone: ZoneInfo) -> tuple[Any, ...]:
    return (
        refund.id, refund.merchant_order_id, _local(refund.created_at, zone),
        _utc(refund.created_at), format(refund.amount, "f"), "yes" if refund.full else "no",
        refund.status.value, _utc(refund.settled_at), refund.actor, refund.reason, refund.error,
    )  # fmt: skip


def export_csv(store: Store, kind: str, start: datetime, end: datetime, zone: str) -> Iterator[str]:
    """The CSV text of ``kind`` (orders or refunds) made in [``start``, ``end``), in pieces."""
    tz = ZoneInfo(zone)
    rows: Iterable[tuple[Any, ...]]
    header: tuple[str, ...]
    begin, until = start.timestamp(), end.timestamp()
    if kind == "orders":
        header = ORDER_COLUMNS
        rows = (_order_row(order, tz) for order in orders_between(store, begin, until))
    else:
        header = REFUND_COLUMNS
        rows = (_refund_row(refund, tz) for refund in refunds_between(store, begin, until))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe(cell) for cell in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
