"""The per-order lookup throttle: when Flexiti may be asked about an order again.

Lookups per order are throttled across every worker and host by two columns of the order:
``lookup_after`` (no lookup before it) and ``lookup_claimed_at`` (when the last one started).
News, a callback received after the last lookup started, lets a lookup through early: at once
when a secret vouches for the callback, ``news_spacing`` seconds after the last lookup when not.
``Store.claim_lookup`` takes the right atomically; these say which orders it would let through,
and when it opens for the others, so that searches skip them and know when to try again.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from flexiti_checkout.store.tables import orders


def lookup_allowed(
    now: float, news_since: float | None, news_spacing: float = 0.0
) -> ColumnElement[bool]:
    """Orders whose throttle lets a lookup through at ``now`` (see ``Store.claim_lookup``)."""
    allowed = orders.c.lookup_after.is_(None) | (orders.c.lookup_after <= now)
    if news_since is None:
        return allowed
    claimed = orders.c.lookup_claimed_at
    unseen = claimed.is_(None) | (claimed < news_since)
    if news_spacing > 0:
        unseen = unseen & (claimed.is_(None) | (claimed <= now - news_spacing))
    return allowed | unseen


def lookup_allowed_from(
    lookup_after: float | None,
    claimed_at: float | None,
    news_since: float | None,
    news_spacing: float = 0.0,
) -> float:
    """When ``lookup_allowed`` lets a lookup of an order with these throttle columns through."""
    at = lookup_after if lookup_after is not None else 0.0
    if news_since is not None and (claimed_at is None or claimed_at < news_since):
        at = min(at, (claimed_at or 0.0) + news_spacing)
    return at
