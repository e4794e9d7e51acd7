"""Refunds, cancellations and reviews round trip: a shop, its real client, a live sandbox.

The sandbox keeps Flexiti's ledger: an order approved in the hosted flow is a posted purchase
under its transaction id, returns reduce what can still be returned, and a return past that is
refused with "Refund - Exceeds Amount".
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from flexiti_checkout import FlexitiError, NotFoundError, OrderStatus, RefundStatus
from support.shop_server import Shop


def approved(shop: Shop, merchant_order_id: str, amount: str = "300.00") -> None:
    started = shop.start(merchant_order_id, amount)
    shop.settle(started.online_order_id, "approve")
    with shop.app.app_context():
        order = shop.state.orders.refresh(merchant_order_id, source="shop", force=True).order
    assert order.status is OrderStatus.APPROVED


def returns_sent(shop: Shop) -> list[dict]:
    entries = shop.sandbox.control("GET", "requests")["requests"]
    return [e for e in entries if e["method"] == "POST" and e["path"].endswith("/return")]


def balance(shop: Shop, merchant_order_id: str) -> Decimal | None:
    """What Flexiti says can still be returned on the order's purchase (None: nothing)."""
    order = shop.order(merchant_order_id)
    try:
        found = shop.state.client.customer_transactions(order.details["customer_id"])
    except NotFoundError:  # no_returns_found: the purchase is fully returned
        return None
    tid = order.details["transaction_id"]
    return next((t.balance for t in found if t.transaction_id == tid), None)


def test_partial_then_full_refund_at_the_sandbox(shop):
    """A part, then the rest: Flexiti's balance follows; the order ends refunded."""
    approved(shop, "S-1")
    with shop.app.app_context():
        part = shop.flexiti.refund("S-1", Decimal("120.50"), reason="one chair back")
    assert part.status is RefundStatus.SUCCEEDED
    assert balance(shop, "S-1") == Decimal("179.50")
    with shop.app.app_context():
        rest = shop.flexiti.refund("S-1")
    assert rest.status is RefundStatus.SUCCEEDED and rest.amount == Decimal("179.50")
    assert balance(shop, "S-1") is None
    assert shop.order("S-1").status is OrderStatus.REFUNDED
    assert shop.signals.names("S-1").count("order_refunded") == 2
    sent = returns_sent(shop)
    assert len(sent) == 2 and all(e["status"] == 200 for e in sent)


def test_flexiti_refusing_the_amount_fails_the_refund(shop):
    """Returned elsewhere (the portal, say): Flexiti refuses more; the refund fails, saying why."""
    approved(shop, "S-2")
    order = shop.order("S-2")
    shop.state.client.return_transaction(order.details["transaction_id"], Decimal("250.00"))
    with shop.app.app_context():
        refund = shop.flexiti.refund("S-2", Decimal("100.00"))
    assert refund.status is RefundStatus.FAILED
    assert "exceed" in (refund.error or "").lower()
    assert shop.order("S-2").status is OrderStatus.APPROVED


@pytest.mark.shop_config({"FLEXITI_TIMEOUT": "1"})
def test_a_timeout_after_sending_is_settled_by_reconcile_without_a_second_return(shop):
    """Flexiti returns the money but answers too late: unknown, then reconcile finds the return."""
    approved(shop, "S-3")
    with shop.app.app_context():
        shop.flexiti.refund("S-3", Decimal("10.00"))  # the POS token is fetched, fast
    shop.sandbox.control("PATCH", "faults", {"latency": 2.5})
    try:
        with shop.app.app_context():
            refund = shop.flexiti.refund("S-3", Decimal("40.00"), idempotency_key="late")
    finally:
        shop.sandbox.control("PATCH", "faults", {"latency": 0})
    assert refund.status is RefundStatus.UNKNOWN
    deadline = time.monotonic() + 10
    while len(returns_sent(shop)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the sandbox finishes the return after the client gave up
    result = shop.app.test_cli_runner().invoke(args=["flexiti", "reconcile"])
    assert "Unknown refunds: 1 succeeded and 0 failed" in result.output, result.output
    assert len(returns_sent(shop)) == 2
    assert balance(shop, "S-3") == Decimal("250.00")
    with shop.app.app_context():
        [_, late] = shop.flexiti.refunds("S-3")
    assert late.status is RefundStatus.SUCCEEDED


def test_a_request_that_failed_at_flexiti_is_settled_as_failed(shop):
    """Flexiti answered 502 without returning anything: unknown, then reconcile says failed."""
    approved(shop, "S-4")
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 1, "status": 502,
                                                           "paths": ["/return"]}})  # fmt: skip
    with shop.app.app_context():
        refund = shop.flexiti.refund("S-4", Decimal("40.00"))
    assert refund.status is RefundStatus.UNKNOWN
    result = shop.app.test_cli_runner().invoke(args=["flexiti", "reconcile"])
    assert "0 succeeded and 1 failed" in result.output, result.output
    assert balance(shop, "S-4") == Decimal("300.00")


def test_rejecting_a_review_returns_the_posted_purchase(shop):
    """Flexiti will not cancel a posted purchase, so a rejected review returns it in full."""
    shop.sandbox.control("PATCH", "faults", {"approved_amount_delta": "1.00"})
    started = shop.start("S-5", "300.00")
    shop.settle(started.online_order_id, "approve")
    with shop.app.app_context():
        order = shop.state.orders.refresh("S-5", source="shop", force=True).order
        assert order.status is OrderStatus.NEEDS_REVIEW
        done = shop.flexiti.resolve_review("S-5", "reject", note="not ours", actor="ann")
    assert done.status is OrderStatus.REFUNDED
    assert balance(shop, "S-5") is None
    shop.sandbox.control("PATCH", "faults", {"approved_amount_delta": "0"})
    approved(shop, "S-6")
    with shop.app.app_context(), pytest.raises(FlexitiError, match="posted"):
        shop.flexiti.cancel_order("S-6")
    assert shop.order("S-6").status is OrderStatus.APPROVED
