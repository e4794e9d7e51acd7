"""Claims on an order for an action at Flexiti (a cancellation, a review decision): one at a time.

An action that calls Flexiti claims its order first, under the order row's write lock (as a
refund is recorded): the claim is kept in the order's ``details`` as ``action_in_progress`` (the
action, who asked, since and until when), so every worker on every host, the API's order and
the console's order page see it. A second request meets the claim instead of calling Flexiti
again; the claim ends with the action, or at its ``until`` when the process doing it died.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from flexiti_checkout.errors import ActionInProgressError, UnknownOrderError
from flexiti_checkout.models import Order
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import order_from_row, orders, storable_key

#: The key of an order's ``details`` that holds its claim.
CLAIM_KEY = "action_in_progress"


@dataclass(frozen=True)
class Claim:
    """An action under way on an order: what, who asked, since and until when (epoch seconds)."""

    action: str
    actor: str
    since: float
    until: float

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "actor": self.actor, "since": self.since,
                "until": self.until}  # fmt: skip


def claim_of(order: Order, now: float) -> Claim | None:
    """The live claim on ``order`` at ``now``, if any (one whose ``until`` passed is none)."""
    found = order.details.get(CLAIM_KEY)
    if not isinstance(found, dict):
        return None
    try:
        claim = Claim(str(found["action"]), str(found["actor"]), float(found["since"]),
                      float(found["until"]))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None
    return claim if claim.until > now else None


def without_claim(details: dict[str, Any]) -> dict[str, Any]:
    """``details`` as Flexiti granted them, without a claim."""
    return {key: value for key, value in details.items() if key != CLAIM_KEY}


class OrderClaims:
    """Takes and ends the claims on orders."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, merchant_order_id: str, *, action: str, actor: str, lease: float) -> Order:
        """Claim the order for ``action`` for at most ``lease`` seconds; the order as it is now.

        Raises ``ActionInProgressError`` while another live claim holds it, and
        ``UnknownOrderError``.
        """
        if not storable_key(merchant_order_id):
            raise UnknownOrderError(f"No order has merchant order id {merchant_order_id!r}")
        now = self.store.clock()
        with self.store.begin() as conn:
            order = self._locked(conn, merchant_order_id)
            held = claim_of(order, now)
            if held is not None:
                raise ActionInProgressError(
                    f"Order {merchant_order_id}: a {held.action.replace('_', ' ')} asked by "
                    f"{held.actor} is under way at Flexiti",
                    reference_id=order.reference_id,
                    retry_after=2.0,
                )
            claim = Claim(action, actor, now, now + lease)
            details = {**order.details, CLAIM_KEY: claim.to_dict()}
            conn.execute(update(orders).where(orders.c.id == order.id).values(details=details))
        return self.store.get_order(merchant_order_id) or order

    def end(self, claimed: Order) -> None:
        """End the claim ``claimed`` carries, unless another one replaced it meanwhile."""
        mine = claimed.details.get(CLAIM_KEY)
        with self.store.begin() as conn:
            order = self._locked(conn, claimed.merchant_order_id)
            if mine is None or order.details.get(CLAIM_KEY) != mine:
                return
            conn.execute(
                update(orders)
                .where(orders.c.id == order.id)
                .values(details=without_claim(order.details))
            )

    @staticmethod
    def _locked(conn: Any, merchant_order_id: str) -> Order:
        """The order, read after taking its row's write lock (an UPDATE that changes nothing)."""
        locked = conn.execute(
            update(orders)
            .where(orders.c.merchant_order_id == merchant_order_id)
            .values(version=orders.c.version)
        ).rowcount
        if locked != 1:
            raise UnknownOrderError(f"No order has merchant order id {merchant_order_id!r}")
        row = conn.execute(select(orders).where(orders.c.merchant_order_id == merchant_order_id))
        order = order_from_row(row.first())
        assert order is not None
        return order
