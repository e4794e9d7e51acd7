"""Refunds whose outcome is unknown, settled from Flexiti's records without sending them again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout.errors import RefundTooLargeError, UnavailableError
from flexiti_checkout.lifecycle.refunds.reconcile import settle_unknown_refunds
from flexiti_checkout.models import OrderStatus, RefundStatus
from support.back_office import settled


def test_timeout_after_sending_is_unknown_and_reconcile_settles_it_without_resending(
    store, flexiti, refunds
):
    """No answer after sending leaves unknown; reconcile reads Flexiti's records, sends nothing."""
    settled(store, flexiti)
    flexiti.fail_next("return", UnavailableError("read timed out"), after_doing_it=True)
    result = refunds.refund("A-1", "25.00", idempotency_key="k1")
    assert result.refund.status is RefundStatus.UNKNOWN
    assert result.order.status is OrderStatus.APPROVED
    assert refunds.refund("A-1", "25.00", idempotency_key="k1").refund.status is (
        RefundStatus.UNKNOWN
    )  # the same key does not send it again
    with pytest.raises(RefundTooLargeError):
        refunds.refund("A-1", "75.01")  # the unknown one still counts
    sweep = settle_unknown_refunds(refunds)
    assert (sweep.succeeded, sweep.failed, sweep.left) == (1, 0, 0)
    assert flexiti.count("return") == 1 and flexiti.count("transactions") == 1
    refund = refunds.refunds.for_order("A-1")[0]
    assert refund.status is RefundStatus.SUCCEEDED
    assert store.get_order("A-1").status is OrderStatus.PARTIALLY_REFUNDED


def test_reconcile_fails_an_unknown_refund_flexiti_never_made(store, flexiti, refunds):
    """When Flexiti's balance is unchanged, the unknown refund failed and its amount is freed."""
    settled(store, flexiti)
    flexiti.fail_next("return", UnavailableError("server error 502", status=502))
    assert refunds.refund("A-1", "25.00").refund.status is RefundStatus.UNKNOWN
    sweep = settle_unknown_refunds(refunds)
    assert (sweep.succeeded, sweep.failed) == (0, 1)
    assert refunds.refund("A-1", "100.00").refund.status is RefundStatus.SUCCEEDED
    assert flexiti.count("return") == 2


def test_a_refund_left_requested_by_a_dead_process_is_swept_as_unknown(store, flexiti, refunds):
    """A refund still requested after ten minutes is treated as unknown and settled the same way."""
    settled(store, flexiti)
    written = refunds.refunds.request(
        "A-1", amount=Decimal("5.00"), idempotency_key="k", reason="", actor="shop",
        reference_id="r", allowed=(OrderStatus.APPROVED,),
    ).refund  # fmt: skip
    assert settle_unknown_refunds(refunds).succeeded == 0  # fresh: someone is still asking
    assert refunds.refunds.get(written.id).status is RefundStatus.REQUESTED
    real_clock = store.clock
    store.clock = lambda: real_clock() + 601
    sweep = settle_unknown_refunds(refunds)
    assert (sweep.succeeded, sweep.failed) == (0, 1)  # Flexiti's balance never moved
    assert refunds.refunds.get(written.id).status is RefundStatus.FAILED
    assert flexiti.count("return") == 0


def test_reconcile_reads_no_returns_found_as_a_full_return(store, flexiti, refunds):
    """A full return whose answer was lost: Flexiti has nothing left to return, so it happened."""
    settled(store, flexiti)
    flexiti.fail_next("return", UnavailableError("timeout"), after_doing_it=True)
    assert refunds.refund("A-1").refund.status is RefundStatus.UNKNOWN
    assert settle_unknown_refunds(refunds).succeeded == 1
    assert store.get_order("A-1").status is OrderStatus.REFUNDED
    assert flexiti.count("return") == 1
