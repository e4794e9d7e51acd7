"""Refunds of approved orders: recorded first, sent to Flexiti once, settled once.

A refund is written to the store as ``requested`` (``store.refunds`` checks, under the order's
lock, that the live refunds never pass the order's amount), then Flexiti is asked to return the
money (POS ``transactions/{id}/return``). Its answer settles the refund:

- returned: ``succeeded``, committed together with the order's move to ``partially_refunded`` or
  ``refunded``; the one caller that made that move announces it (``order_refunded``);
- refused (a 4xx, or a request that certainly never left): ``failed`` with Flexiti's reason; the
  one caller that settled it announces it (``refund_failed``, the ``refund.failed`` webhook);
- no answer after the request was sent (a timeout, a 5xx, a garbled body): ``unknown``. It is
  never sent again: ``flask flexiti reconcile`` settles it from Flexiti's records, or a person
  does (``flask flexiti refund-outcome``).

With a ``budget`` the caller waits for Flexiti at most that long (``Background.within``): a
slower answer leaves the refund ``requested`` in the caller's hands while it is settled in the
background; the same idempotency key then finds it, as it is now, and never sends it again.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from flexiti_checkout.errors import (
    FlexitiError,
    OrderActionError,
    RateLimitedError,
    UnavailableError,
)
from flexiti_checkout.lifecycle.background import Background
from flexiti_checkout.models import (
    REFUNDABLE,
    Order,
    OrderStatus,
    Refund,
    RefundStatus,
    can_move,
)
from flexiti_checkout.money import AmountError, parse_amount
from flexiti_checkout.store.refunds import RefundStore
from flexiti_checkout.store.repository import Store

log = logging.getLogger(__name__)

#: Called once per refund settled, by the caller that settled it, after commit: a succeeded one
#: with its order as the refund moved it, any other with its order as it is. Not called for a
#: succeeded refund whose order could not move (already refunded or cancelled).
NotifyRefund = Callable[[Order, Refund], None]
MAX_KEY = 255
MAX_REASON = 500
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces (an HTTP header value)
#: How often a succeeded refund retries the order's compare-and-set when other refunds race it.
_CAS_ATTEMPTS = 50


class BackOffice(Protocol):
    """The POS API calls refunds, cancellations (and whether one can succeed) and their
    reconciliation need."""

    def return_transaction(
        self, transaction_id: str, amount: Decimal | None = None, *, reference_id: str | None = None
    ) -> Any: ...

    def cancel_transaction(
        self, transaction_id: str, *, reference_id: str | None = None
    ) -> Any: ...

    def customer_transactions(
        self, customer_id: str, *, reference_id: str | None = None
    ) -> list[Any]: ...

    def authorized_transactions(self, *, reference_id: str | None = None) -> list[Any]: ...


@dataclass(frozen=True)
class RefundResult:
    """A refund as it is now, and whether this call created it (false: the key's earlier one)."""

    refund: Refund
    created: bool
    order: Order


class RefundService:
    """Refunds orders exactly once per idempotency key, never past the order's amount."""

    def __init__(
        self,
        store: Store,
        client: BackOffice,
        *,
        notify_refund: NotifyRefund,
        refunds: RefundStore | None = None,
        background: Background | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.refunds = refunds or RefundStore(store)
        self._notify_refund = notify_refund
        self.background = background or Background()

    def refund(
        self,
        merchant_order_id: str,
        amount: Any = None,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        actor: str = "shop",
        allowed: Iterable[OrderStatus] = REFUNDABLE,
        budget: float | None = None,
    ) -> RefundResult:
        """Refund ``amount`` (``None``: all that remains) of an order, once per key.

        Raises ``RefundTooLargeError`` naming what remains, ``IdempotencyKeyReusedError``,
        ``OrderStateError``, ``UnknownOrderError`` or ``OrderActionError`` for bad input. Flexiti's
        refusals do not raise: the refund comes back ``failed`` (or ``unknown``) with the reason.
        Flexiti slower than ``budget`` seconds: the refund comes back ``requested`` and is
        settled in the background.
        """
        parsed = None if amount is None else _amount(amount)
        key = _idempotency_key(idempotency_key)
        requested = self.refunds.request(
            merchant_order_id,
            amount=parsed,
            idempotency_key=key,
            reason=(reason or "").strip()[:MAX_REASON],
            actor=(actor or "shop")[:MAX_REASON],
            reference_id=str(uuid.uuid4()),
            allowed=allowed,
        )
        if not requested.created:
            return RefundResult(requested.refund, False, requested.order)
        send = partial(self._send, requested.order, requested.refund)
        if budget is None:
            refund = send()
        else:
            sent = self.background.within(send, budget, inline_when_full=True)
            refund = sent if sent is not None else requested.refund
        order = self.store.get_order(merchant_order_id) or requested.order
        return RefundResult(refund, True, order)

    def _send(self, order: Order, refund: Refund) -> Refund:
        """Ask Flexiti to return ``refund`` and settle it from the answer (once, never again)."""
        transaction_id = transaction_of(order)
        if transaction_id is None:
            return self._fail(refund, {}, "Flexiti has no purchase for this order to return")
        try:
            result = self.client.return_transaction(
                transaction_id,
                None if refund.full else refund.amount,
                reference_id=refund.reference_id,
            )
        except UnavailableError as exc:
            if exc.never_sent or isinstance(exc, RateLimitedError):
                return self._fail(refund, flexiti_error(exc), f"Flexiti was not reached: {exc}")
            log.error(
                "Refund %s of order %s: no answer from Flexiti after sending (%r); it is unknown "
                "until `flask flexiti reconcile` or a person settles it",
                refund.id, order.merchant_order_id, exc,
            )  # fmt: skip
            return self.settle(
                refund, RefundStatus.UNKNOWN, answer=flexiti_error(exc), error=str(exc)
            )
        except FlexitiError as exc:
            return self._fail(refund, flexiti_error(exc), str(exc))
        answer = getattr(result, "answer", None)
        return self.succeed(refund, answer=answer if isinstance(answer, dict) else {})

    def _fail(self, refund: Refund, answer: dict[str, Any], reason: str) -> Refund:
        log.warning("Refund %s of order %s failed: %s", refund.id, refund.merchant_order_id, reason)
        return self.settle(refund, RefundStatus.FAILED, answer=answer, error=reason)

    def settle(
        self,
        refund: Refund,
        status: RefundStatus,
        *,
        answer: dict[str, Any] | None = None,
        error: str | None = None,
        from_statuses: tuple[RefundStatus, ...] = (RefundStatus.REQUESTED,),
    ) -> Refund:
        """Mark ``refund`` failed or unknown (its order does not move); if this call settled it,
        announce it. Returns the refund as it is now."""
        won = self.refunds.settle(
            refund, status, answer=answer, error=error, from_statuses=from_statuses
        )
        settled = self.refunds.get(refund.id) or refund
        if won:
            self._announce(settled)
        return settled

    def _announce(self, refund: Refund, order: Order | None = None) -> None:
        order = order or self.store.get_order(refund.merchant_order_id)
        if order is None:
            return
        try:
            self._notify_refund(order, refund)
        except Exception:  # a shop's receiver must not undo a committed refund
            log.exception("A receiver of the news of refund %s of order %s failed",
                          refund.id, order.merchant_order_id)  # fmt: skip

    def succeed(
        self,
        refund: Refund,
        *,
        answer: dict[str, Any],
        note: str = "",
        from_statuses: tuple[RefundStatus, ...] = (RefundStatus.REQUESTED,),
    ) -> Refund:
        """Mark ``refund`` succeeded, with the order's move, in one transaction; announce it."""
        answer = _plain(answer)
        for _attempt in range(_CAS_ATTEMPTS):
            order = self.store.get_order(refund.merchant_order_id)
            assert order is not None
            target = self._target(order, refund)
            if target is None or not can_move(order.status, target):
                self.refunds.settle(
                    refund, RefundStatus.SUCCEEDED, answer=answer, from_statuses=from_statuses
                )
                break

            def mark(conn: Any) -> bool:
                return self.refunds.mark(
                    conn, refund, RefundStatus.SUCCEEDED, answer=answer,
                    from_statuses=from_statuses,
                )  # fmt: skip

            text = note or f"refund {refund.id} of {refund.amount} ({refund.actor})"
            won = self.store.transition(order, target, source="refund", note=text, within=mark)
            if won is not None:
                settled = self.refunds.get(refund.id) or refund
                self._announce(settled, won)
                return settled
            current = self.refunds.get(refund.id)
            if current is None or current.status not in from_statuses:
                return current or refund  # settled by someone else meanwhile
        return self.refunds.get(refund.id) or refund

    def _target(self, order: Order, refund: Refund) -> OrderStatus | None:
        """The status the order moves to when ``refund`` succeeds."""
        if order.status is OrderStatus.NEEDS_REVIEW:
            return OrderStatus.REFUNDED
        if order.status not in REFUNDABLE:
            return None
        others = sum(
            (
                r.amount
                for r in self.refunds.for_order(order.merchant_order_id)
                if r.status is RefundStatus.SUCCEEDED and r.id != refund.id
            ),
            Decimal("0.00"),
        )
        done = refund.full or others + refund.amount >= order.amount
        return OrderStatus.REFUNDED if done else OrderStatus.PARTIALLY_REFUNDED

    def decide_unknown(self, refund_id: int, *, succeeded: bool, note: str, actor: str) -> Refund:
        """A person settles a refund whose outcome is unknown, from what Flexiti told them."""
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise OrderActionError(f"No refund has id {refund_id}")
        if refund.status is not RefundStatus.UNKNOWN:
            raise OrderActionError(
                f"Refund {refund_id} is {refund.status}: only an unknown outcome can be decided"
            )
        why = f"decided by {actor}: {note}".strip().rstrip(":")
        if succeeded:
            return self.succeed(
                refund, answer=refund.answer, note=why, from_statuses=(RefundStatus.UNKNOWN,)
            )
        return self.settle(
            refund, RefundStatus.FAILED, error=why, from_statuses=(RefundStatus.UNKNOWN,)
        )


def transaction_of(order: Order) -> str | None:
    """Flexiti's transaction id of the order's purchase (what POS back-office calls take): the
    lookup's ``transaction_id``, never widget init's ``online_order_id``, which is another id."""
    found = order.transaction_id or order.details.get("transaction_id")
    return str(found) if found else None


def flexiti_error(exc: FlexitiError) -> dict[str, Any]:
    """What to keep of a Flexiti error: codes and description, never a body or personal data."""
    kept = {
        "http_status": exc.status,
        "error": exc.code,
        "error_description": exc.description,
        "reference_id": exc.reference_id,
        "kind": type(exc).__name__,
    }
    return {key: value for key, value in kept.items() if value is not None}


def _plain(answer: dict[str, Any]) -> dict[str, Any]:
    """Flexiti's answer to a return (``{}`` as documented), scalars only, for the record."""
    return {
        str(key): value if isinstance(value, (str, int, bool)) or value is None else str(value)
        for key, value in answer.items()
        if not isinstance(value, (dict, list))
    }


def _amount(value: Any) -> Decimal:
    try:
        return parse_amount(value, "amount")
    except AmountError as exc:
        raise OrderActionError(f"The refund {exc}") from None


def _idempotency_key(value: str | None) -> str:
    if value is None:
        return f"auto-{uuid.uuid4()}"
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise OrderActionError(
            f"The idempotency key must be 1 to {MAX_KEY} printable characters without spaces"
        )
    return value
