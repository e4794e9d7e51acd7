"""Where orders, their history, callback deliveries, webhooks and the shared OAuth tokens live.

SQLAlchemy Core on any URL: a SQLite file (WAL mode) for one host with several workers, PostgreSQL
for several hosts. Every change of an order's status is one compare-and-set on its row (status and
version must still be what the caller read), so exactly one caller wins each transition however
many workers race for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from flexiti_checkout.models import Order, OrderEvent, OrderStatus, Refund, can_move
from flexiti_checkout.store.engine import make_engine
from flexiti_checkout.store.revisions import ready_or_refuse
from flexiti_checkout.store.tables import order_events, order_from_row, orders, storable_key
from flexiti_checkout.store.throttle import lookup_allowed

#: Asked on every callback and page that names an order: built and compiled once.
_BY_MERCHANT_ID = select(orders).where(orders.c.merchant_order_id == bindparam("merchant_order_id"))
#: The ids from Flexiti that name an order, with the column each is looked up in, in order.
_NAMED_BY = (
    ("merchant_order_id", orders.c.merchant_order_id),
    ("merchant_order_id", orders.c.flexiti_merchant_order_id),
    ("online_order_id", orders.c.online_order_id),
    ("transaction_id", orders.c.transaction_id),
)
#: The newest order's merchant order id and status by one of those columns (or the promo id).
_STATUS_BY = {
    column.key: select(orders.c.merchant_order_id, orders.c.status)
    .where(column == bindparam("value"))
    .order_by(orders.c.id.desc())
    .limit(1)
    for column in (*(c for _, c in _NAMED_BY), orders.c.promo_id)
}

log = logging.getLogger(__name__)

#: See ``Store.transition_hooks``.
TransitionHook = Callable[[Connection, Order, Order], Callable[[], None] | None]
#: See ``Store.refund_hooks``.
RefundHook = Callable[[Connection, Order, Refund], Callable[[], None] | None]


class _AbandonedError(Exception):
    """A transition's ``within`` step declined: its transaction rolls back."""


class Store:
    """Every read and write the lifecycle needs, as short transactions."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.clock = clock
        self._ready = False
        self._ready_lock = threading.Lock()
        #: Called inside each winning transition's transaction with (connection, order before,
        #: order after); what one returns, if anything, is called once the transaction commits.
        self.transition_hooks: list[TransitionHook] = []
        #: Called inside the transaction that settles a refund without moving its order (failed,
        #: unknown) with (connection, order, refund as settled); the same follow-up rule.
        self.refund_hooks: list[RefundHook] = []

    def close(self) -> None:
        """Close the store's pooled connections; it opens new ones if it is used again."""
        self.engine.dispose()

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create an empty database at the newest schema on first use; refuse one that is behind
        (naming ``flask flexiti db upgrade``) or newer than this flexiti-checkout."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                ready_or_refuse(self.engine)
                self._ready = True

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction on the store, with the tables created first if need be."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            yield conn

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self.begin() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    # -- orders ------------------------------------------------------------------------------

    def insert_order(
        self,
        *,
        merchant_order_id: str,
        amount: Decimal,
        flow: str,
        lang: str,
        reference_id: str,
        source: str,
        flexiti_merchant_order_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Order | None:
        """Store a new order as ``created``; ``None`` if its merchant order id (or the rare
        ``flexiti_merchant_order_id`` drawn twice) is taken."""
        now = self.clock()
        try:
            with self.begin() as conn:
                order_id = new_id(
                    conn.execute(
                        insert(orders).values(
                            merchant_order_id=merchant_order_id,
                            flexiti_merchant_order_id=flexiti_merchant_order_id,
                            reference_id=reference_id,
                            flow=flow,
                            amount=amount,
                            currency="CAD",
                            lang=lang,
                            status=OrderStatus.CREATED.value,
                            version=0,
                            details=dict(details or {}),
                            created_at=now,
                            updated_at=now,
                            status_at=now,
                        )
                    )
                )
                conn.execute(
                    insert(order_events).values(
                        order_id=order_id, at=now, from_status=None,
                        to_status=OrderStatus.CREATED.value, source=source, note="",
                    )
                )  # fmt: skip
        except IntegrityError:
            return None
        return self.get_order(merchant_order_id)

    def get_order(self, merchant_order_id: str) -> Order | None:
        """The order with this merchant order id, if any."""
        if not storable_key(merchant_order_id):
            return None  # no row can hold it, and PostgreSQL would refuse to compare it
        with self.begin() as conn:
            row = conn.execute(_BY_MERCHANT_ID, {"merchant_order_id": merchant_order_id}).first()
        return None if row is None else order_from_row(row)

    def get_order_by_online_id(self, online_order_id: str) -> Order | None:
        """The newest order whose widget init answered this ``online_order_id``, if any."""
        return self._newest_where(orders.c.online_order_id, online_order_id)

    def find_named_order(self, named: Mapping[str, str]) -> Order | None:
        """The order ids from Flexiti name (a callback, a return): by ``merchant_order_id`` (the
        shop's own or the numeric one Flexiti was given), ``online_order_id``, then
        ``transaction_id``; the first found wins."""
        for kind, column in _NAMED_BY:
            found = self._newest_where(column, named[kind]) if named.get(kind) else None
            if found is not None:
                return found
        return None

    def named_order_status(self, named: Mapping[str, str]) -> tuple[str, OrderStatus] | None:
        """The merchant order id and status of the order ``find_named_order`` finds, else of the
        newest with ``named["promo_id"]``: all a callback needs before it is stored."""
        with self.begin() as conn:
            for kind, column in (*_NAMED_BY, ("promo_id", orders.c.promo_id)):
                value = named.get(kind)
                if not value or not storable_key(value):
                    continue
                row = conn.execute(_STATUS_BY[column.key], {"value": value}).first()
                if row is not None:
                    return row.merchant_order_id, OrderStatus(row.status)
        return None

    def _newest_where(self, column: Any, value: str) -> Order | None:
        if not storable_key(value):
            return None  # no row can hold it, and PostgreSQL would refuse to compare it
        with self.begin() as conn:
            row = conn.execute(
                select(orders).where(column == value).order_by(orders.c.id.desc())
            ).first()
        return None if row is None else order_from_row(row)

    def online_id_is_unique(self, order: Order) -> bool:
        """Whether no other order here carries ``order``'s Flexiti order id.

        Flexiti never issues one id twice, so a second order with it came from elsewhere (another
        Flexiti environment or account writing to this store): its lookups are not ours to apply.
        """
        if order.online_order_id is None:
            return False
        with self.begin() as conn:
            other = conn.execute(
                select(orders.c.id)
                .where(orders.c.online_order_id == order.online_order_id, orders.c.id != order.id)
                .limit(1)
            ).first()
        return other is None

    def get_order_by_promo_id(self, promo_id: str) -> Order | None:
        """The newest order whose settlement recorded Flexiti's ``promo_id`` (an index lookup)."""
        return self._newest_where(orders.c.promo_id, promo_id)

    def transition(
        self,
        order: Order,
        new_status: OrderStatus,
        *,
        source: str,
        note: str = "",
        within: Callable[[Connection], bool] | None = None,
        **changes: Any,
    ) -> Order | None:
        """Move ``order`` to ``new_status`` if nobody moved it since it was read.

        One compare-and-set on status and version; the transition and its history row commit
        together. Returns the updated order to the one caller that won, ``None`` to the others.
        ``within(conn)`` commits with it (a refund marked succeeded); false rolls both back.
        """
        if not can_move(order.status, new_status):
            raise ValueError(f"an order cannot move from {order.status} to {new_status}")
        unknown = set(changes) - {
            "online_order_id", "redirection_url", "flexiti_status", "details", "error",
            "reference_id",
        }  # fmt: skip
        if unknown:
            raise TypeError(f"transition cannot change {', '.join(sorted(unknown))}")
        granted = changes.get("details") or {}
        for column in ("promo_id", "transaction_id"):  # the columns callbacks find orders by
            if granted.get(column) not in (None, ""):
                changes[column] = str(granted[column])
        now = self.clock()
        try:
            with self.begin() as conn:
                won = conn.execute(
                    update(orders)
                    .where(
                        orders.c.id == order.id,
                        orders.c.version == order.version,
                        orders.c.status == order.status.value,
                    )
                    .values(
                        status=new_status.value,
                        version=orders.c.version + 1,
                        updated_at=now,
                        status_at=now,
                        **changes,
                    )
                ).rowcount
                if won != 1:
                    return None
                conn.execute(
                    insert(order_events).values(
                        order_id=order.id, at=now, from_status=order.status.value,
                        to_status=new_status.value, source=source, note=note,
                    )
                )  # fmt: skip
                if within is not None and not within(conn):
                    raise _AbandonedError
                follow_ups = self._run_transition_hooks(conn, order)
        except _AbandonedError:
            return None
        for follow_up in follow_ups:
            try:
                follow_up()
            except Exception:  # the transition is committed: its winner must still hear so
                log.exception("A step after the transition of order %s failed",
                              order.merchant_order_id)  # fmt: skip
        return self.get_order(order.merchant_order_id)

    def _run_transition_hooks(self, conn: Connection, before: Order) -> list[Callable[[], None]]:
        if not self.transition_hooks:
            return []
        after = order_from_row(conn.execute(select(orders).where(orders.c.id == before.id)).first())
        assert after is not None
        found = (hook(conn, before, after) for hook in self.transition_hooks)
        return [follow_up for follow_up in found if follow_up is not None]

    def claim_lookup(
        self,
        order: Order,
        interval: float,
        *,
        news_since: float | None = None,
        news_spacing: float = 0.0,
    ) -> bool:
        """Take the right to look ``order`` up now; false if that would only repeat a lookup.

        Lookups per order are throttled across every worker to one per ``interval``. A caller
        with news (a callback received at ``news_since``) still gets its lookup unless one has
        started since that news arrived: duplicates are absorbed, fresh news never is. News no
        secret vouches for passes the throttle only ``news_spacing`` seconds after the last
        lookup, so a stranger's callbacks cannot drive lookups faster than that.
        """
        now = self.clock()
        allowed = lookup_allowed(now, news_since, news_spacing)
        with self.begin() as conn:
            claimed = conn.execute(
                update(orders)
                .where(orders.c.id == order.id, allowed)
                .values(lookup_after=now + interval, lookup_claimed_at=now)
            ).rowcount
        return claimed == 1

    def record_check(self, order: Order, flexiti_status: str | None) -> None:
        """Note that Flexiti was asked about ``order`` and what it said (no status change)."""
        with self.begin() as conn:
            conn.execute(
                update(orders)
                .where(orders.c.id == order.id)
                .values(checked_at=self.clock(), flexiti_status=flexiti_status)
            )

    def orders_in(
        self,
        statuses: tuple[OrderStatus, ...] | None = None,
        *,
        entered_before: float | None = None,
        entered_after: float | None = None,
        limit: int = 1000,
        newest_first: bool = False,
        lookup_allowed_at: float | None = None,
        news_since: float | None = None,
        news_spacing: float = 0.0,
        amount: Decimal | None = None,
        name_key: str | None = None,
    ) -> list[Order]:
        """Orders with one of ``statuses``, oldest first, optionally by when they entered it, of
        ``amount``, whose details keep ``name_key``, and only those ``claim_lookup`` would let a
        lookup through at ``lookup_allowed_at``."""
        keys = (orders.c.status_at, orders.c.id)
        query = select(orders).order_by(*(key.desc() if newest_first else key for key in keys))
        query = orders_where(query.limit(limit), statuses, entered_before, entered_after)
        if amount is not None:
            query = query.where(orders.c.amount == amount)
        if name_key is not None:
            query = query.where(orders.c.details["name_key"].as_string() == name_key)
        if lookup_allowed_at is not None:
            query = query.where(lookup_allowed(lookup_allowed_at, news_since, news_spacing))
        with self.begin() as conn:
            rows = conn.execute(query).all()
        return [order_from_row(row) for row in rows]

    def history(self, order: Order) -> list[OrderEvent]:
        """Every transition of ``order``, oldest first."""
        with self.begin() as conn:
            rows = conn.execute(
                select(order_events)
                .where(order_events.c.order_id == order.id)
                .order_by(order_events.c.id)
            ).all()
        return [
            OrderEvent(
                at=datetime.fromtimestamp(row.at, tz=timezone.utc),
                from_status=OrderStatus(row.from_status) if row.from_status else None,
                to_status=OrderStatus(row.to_status),
                source=row.source,
                note=row.note,
            )
            for row in rows
        ]


def new_id(result: Any) -> int:
    """The primary key an INSERT created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def orders_where(
    query: Any,
    statuses: tuple[OrderStatus, ...] | None,
    entered_before: float | None,
    entered_after: float | None,
) -> Any:
    """``query`` kept to orders in one of ``statuses`` that entered it within the bounds given."""
    if statuses:
        query = query.where(orders.c.status.in_([s.value for s in statuses]))
    if entered_before is not None:
        query = query.where(orders.c.status_at <= entered_before)
    if entered_after is not None:
        query = query.where(orders.c.status_at >= entered_after)
    return query
