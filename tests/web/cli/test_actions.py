"""``flask flexiti refund | refunds | cancel | review | refund-outcome`` and reconcile's refunds.

The shop settles orders through a live sandbox; Flexiti's back office is ``FakeBackOffice``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import Result

from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.models import OrderStatus, RefundStatus
from support.back_office import FakeBackOffice
from support.shop_server import Shop


def flexiti(shop: Shop, *args: str, answer: str | None = None) -> Result:
    return shop.app.test_cli_runner().invoke(args=["flexiti", *args], input=answer)


@pytest.fixture
def back_office(shop: Shop) -> FakeBackOffice:
    fake = FakeBackOffice()
    shop.state.refunds.client = fake
    return fake


def approved(shop: Shop, back_office: FakeBackOffice, merchant_order_id: str = "C-1", *,
             amount: str = "120.00", posted: bool = True):  # fmt: skip
    started = shop.start(merchant_order_id, amount)
    shop.settle(started.online_order_id, "approve")
    with shop.app.app_context():
        order = shop.state.orders.refresh(merchant_order_id, source="shop", force=True).order
    assert order.status is OrderStatus.APPROVED
    back_office.add_purchase(
        order.details["transaction_id"], Decimal(amount), posted=posted,
        customer_id=order.details["customer_id"],
    )  # fmt: skip
    return order


def test_refund_asks_first_and_says_what_is_left(shop, back_office):
    """refund asks for confirmation (no: nothing happens), then refunds and prints what is left."""
    approved(shop, back_office)
    declined = flexiti(shop, "refund", "C-1", "--amount", "20.00", answer="n\n")
    assert declined.exit_code == 1 and "Refund 20.00 of order C-1" in declined.output
    assert back_office.calls == []
    done = flexiti(shop, "refund", "C-1", "--amount", "20.00", "--reason", "box", "--actor", "ann",
                   answer="y\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "succeeded" in done.output and "100.00 left to refund" in done.output
    assert shop.order("C-1").status is OrderStatus.PARTIALLY_REFUNDED
    assert shop.signals.names("C-1").count("order_refunded") == 1
    listed = flexiti(shop, "refunds", "C-1")
    assert (
        "ann" in listed.output and "box" in listed.output and "100.00 refundable" in listed.output
    )


def test_refund_too_much_is_refused_naming_what_remains(shop, back_office):
    """More than remains is an error that names the remainder; nothing is sent."""
    approved(shop, back_office)
    result = flexiti(shop, "refund", "C-1", "--amount", "120.01", "--yes")
    assert result.exit_code == 1 and "120.00 left to refund" in result.output
    assert back_office.calls == []


def test_unknown_refund_then_reconcile_then_a_person(shop, back_office):
    """A timeout leaves unknown (exit 2); reconcile settles it from Flexiti's records."""
    approved(shop, back_office)
    back_office.fail_next("return", UnavailableError("read timed out"), after_doing_it=True)
    result = flexiti(shop, "refund", "C-1", "--amount", "20.00", "--yes")
    assert result.exit_code == 2 and "unknown" in result.output
    swept = flexiti(shop, "reconcile")
    assert "Unknown refunds: 1 succeeded and 0 failed" in swept.output and swept.exit_code == 0
    assert back_office.count("return") == 1
    with shop.app.app_context():
        [refund] = shop.flexiti.refunds("C-1")
    assert refund.status is RefundStatus.SUCCEEDED
    outcome = flexiti(shop, "refund-outcome", str(refund.id), "--failed", "--note", "x", "--yes")
    assert outcome.exit_code == 1 and "only an unknown outcome" in outcome.output


def test_refund_outcome_by_a_person(shop, back_office):
    """An unknown refund that Flexiti's records cannot decide is settled by a person."""
    order = approved(shop, back_office)
    back_office.fail_next("return", UnavailableError("read timed out"))
    flexiti(shop, "refund", "C-1", "--amount", "20.00", "--yes")
    back_office.purchases[order.details["transaction_id"]]["balance"] = Decimal("1.00")
    swept = flexiti(shop, "reconcile")
    assert "1 need a person" in swept.output and swept.exit_code == 3
    with shop.app.app_context():
        [refund] = shop.flexiti.refunds("C-1")
    result = flexiti(shop, "refund-outcome", str(refund.id), "--succeeded", "--note", "phoned",
                     "--actor", "bo", "--yes")  # fmt: skip
    assert result.exit_code == 0 and "succeeded" in result.output
    assert shop.order("C-1").status is OrderStatus.PARTIALLY_REFUNDED


def test_reconcile_exits_2_while_a_refund_is_still_requested(shop, back_office):
    """A refund whose process is still asking Flexiti is work a next run sweeps: exit 2."""
    order = approved(shop, back_office)
    with shop.app.app_context():
        shop.state.refunds.refunds.request(
            order.merchant_order_id, amount=Decimal("5.00"), idempotency_key="in-flight",
            reason="", actor="ann", reference_id="r-1", allowed=[OrderStatus.APPROVED],
        )  # fmt: skip
    swept = flexiti(shop, "reconcile")
    assert swept.exit_code == 2 and "1 refunds are still requested" in swept.output


def test_cancel_and_review_from_the_cli(shop, back_office):
    """cancel cancels an unposted purchase; review needs --approve or --reject and a note."""
    approved(shop, back_office, posted=False)
    result = flexiti(shop, "cancel", "C-1", "--reason", "no stock", "--yes")
    assert result.exit_code == 0 and "is cancelled" in result.output
    assert back_office.count("cancel") == 1
    again = flexiti(shop, "cancel", "C-1", "--yes")
    assert again.exit_code == 1 and "only an approved order" in again.output
    no_choice = flexiti(shop, "review", "C-1", "--note", "x", "--yes")
    assert no_choice.exit_code == 2 and "--approve or --reject" in no_choice.output
    wrong = flexiti(shop, "review", "C-1", "--approve", "--note", "x", "--yes")
    assert wrong.exit_code == 1 and "only an order that needs review" in wrong.output
