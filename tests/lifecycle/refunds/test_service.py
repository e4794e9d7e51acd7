"""Refunds: recorded first, sent once per key, never past the order; a real store, a fake back
office (tests/support/back_office.py)."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from flexiti_checkout.errors import (
    IdempotencyKeyReusedError,
    OrderActionError,
    OrderStateError,
    RefundTooLargeError,
    UnavailableError,
    UnknownOrderError,
)
from flexiti_checkout.models import OrderStatus, RefundStatus
from support.back_office import settled


def test_partial_then_rest_moves_the_order_and_announces_each(store, flexiti, refunds, announced):
    """A partial refund makes it partially_refunded, the rest refunded; each announced once."""
    settled(store, flexiti)
    first = refunds.refund("A-1", "30.00", reason="damaged", idempotency_key="k1", actor="ann")
    assert first.created and first.refund.status is RefundStatus.SUCCEEDED
    assert first.order.status is OrderStatus.PARTIALLY_REFUNDED
    rest = refunds.refund("A-1", None, idempotency_key="k2")
    assert rest.refund.amount == Decimal("70.00") and rest.refund.full
    assert rest.order.status is OrderStatus.REFUNDED
    assert flexiti.calls == [("return", "T-A-1", Decimal("30.00")), ("return", "T-A-1", None)]
    assert [(o.status, r.id) for o, r in announced] == [
        (OrderStatus.PARTIALLY_REFUNDED, first.refund.id),
        (OrderStatus.REFUNDED, rest.refund.id),
    ]
    assert first.refund.actor == "ann" and first.refund.reason == "damaged"


def test_refund_over_what_remains_is_refused_naming_it(store, flexiti, refunds):
    """More than remains raises RefundTooLargeError with the remainder, and calls nobody."""
    settled(store, flexiti)
    refunds.refund("A-1", "60.00", idempotency_key="k1")
    with pytest.raises(RefundTooLargeError, match=r"40\.00 left") as caught:
        refunds.refund("A-1", "40.01", idempotency_key="k2")
    assert caught.value.remaining == Decimal("40.00")
    assert flexiti.count("return") == 1


@pytest.mark.parametrize("amount", [0.5, "1e2", "-3", "0", "1.234", "abc"])
def test_refund_amounts_must_be_exact_positive_cents(store, flexiti, refunds, amount):
    """Floats, exponents, zero, negatives and sub-cents are refused before anything is stored."""
    settled(store, flexiti)
    with pytest.raises(OrderActionError, match="refund amount"):
        refunds.refund("A-1", amount)
    assert refunds.refunds.for_order("A-1") == [] and flexiti.calls == []


def test_same_key_returns_the_same_refund_and_another_amount_is_an_error(store, flexiti, refunds):
    """A repeated idempotency key finds its refund; the same key for another amount is refused."""
    settled(store, flexiti)
    first = refunds.refund("A-1", "10.00", idempotency_key="click-1")
    again = refunds.refund("A-1", "10.00", idempotency_key="click-1")
    assert not again.created and again.refund.id == first.refund.id
    with pytest.raises(IdempotencyKeyReusedError, match="click-1"):
        refunds.refund("A-1", "11.00", idempotency_key="click-1")
    assert flexiti.count("return") == 1


@pytest.mark.parametrize(
    "status", [OrderStatus.DECLINED, OrderStatus.CANCELLED, OrderStatus.NEEDS_REVIEW]
)
def test_only_approved_orders_refund(store, flexiti, refunds, status):
    """Orders that were not approved cannot be refunded (needs_review is decided first)."""
    settled(store, flexiti, status=status)
    with pytest.raises(OrderStateError, match=str(status)):
        refunds.refund("A-1", "1.00")
    with pytest.raises(UnknownOrderError):
        refunds.refund("nope", "1.00")


def test_flexiti_refusal_fails_the_refund_with_its_reason(store, flexiti, refunds):
    """A 409 from Flexiti leaves the refund failed with Flexiti's reason; the order is unchanged."""
    settled(store, flexiti)
    flexiti.purchases["T-A-1"]["balance"] = Decimal("5.00")  # returned elsewhere, say by phone
    result = refunds.refund("A-1", "10.00")
    assert result.refund.status is RefundStatus.FAILED
    assert "Exceeds Amount" in (result.refund.error or "")
    assert result.refund.answer["error"] == "refund_exceeds_amount"
    assert result.order.status is OrderStatus.APPROVED
    assert refunds.refund("A-1", "100.00").refund.status is RefundStatus.FAILED  # not live: fits


def test_never_sent_is_failed_and_a_person_can_decide_an_unknown(store, flexiti, refunds):
    """A call that never left fails at once; an unknown one can be decided by a person."""
    settled(store, flexiti)
    flexiti.fail_next("return", UnavailableError("refused", never_sent=True))
    assert refunds.refund("A-1", "10.00").refund.status is RefundStatus.FAILED
    flexiti.fail_next("return", UnavailableError("timeout"), after_doing_it=True)
    unknown = refunds.refund("A-1", "10.00").refund
    decided = refunds.decide_unknown(unknown.id, succeeded=True, note="on the portal", actor="bo")
    assert decided.status is RefundStatus.SUCCEEDED
    assert store.get_order("A-1").status is OrderStatus.PARTIALLY_REFUNDED
    with pytest.raises(OrderActionError, match="only an unknown"):
        refunds.decide_unknown(unknown.id, succeeded=False, note="", actor="bo")


def test_twenty_keys_race_for_a_tenth_each_and_exactly_ten_win(store, flexiti, refunds):
    """20 threads, 20 keys, amount/10 each: exactly 10 refunds, the total is the amount."""
    settled(store, flexiti, amount="123.40")
    flexiti.delay = 0.01
    outcomes = _race(20, lambda i: refunds.refund("A-1", "12.34", idempotency_key=f"k{i}"))
    won = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, RefundTooLargeError)]
    assert len(won) == 10 and len(refused) == 10
    done = [r for r in refunds.refunds.for_order("A-1") if r.status is RefundStatus.SUCCEEDED]
    assert sum((r.amount for r in done), Decimal(0)) == Decimal("123.40")
    assert flexiti.count("return") == 10 and flexiti.purchases["T-A-1"]["balance"] == 0
    assert store.get_order("A-1").status is OrderStatus.REFUNDED


def test_twenty_threads_with_one_key_make_one_refund_and_one_call(store, flexiti, refunds):
    """20 threads with one key: one refund row, one call to Flexiti, all see the same refund."""
    settled(store, flexiti)
    flexiti.delay = 0.01
    outcomes = _race(20, lambda i: refunds.refund("A-1", "10.00", idempotency_key="same"))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert {o.refund.id for o in outcomes} == {outcomes[0].refund.id}
    assert sum(o.created for o in outcomes) == 1
    assert len(refunds.refunds.for_order("A-1")) == 1 and flexiti.count("return") == 1


def _race(count: int, work) -> list[Any]:
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:  # collected: the test counts each kind
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
