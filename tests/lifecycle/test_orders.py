"""The lifecycle rules in isolation: what Flexiti's answer means, and how a refresh asks."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from flexiti_checkout import Order, OrderStatus
from flexiti_checkout.client.results import ApplyDetails, Lookup, PurchaseDetails
from flexiti_checkout.errors import MerchantOrderIdRefusedError, UnavailableError
from flexiti_checkout.lifecycle.outcome import lookup_outcome

# The ``service`` fixture's client (conftest.py) looks orders up here.
NOTIFICATIONS = "https://online.test/flexiti/online-api/online/client-id/cid/notifications"


def order(flow: str = "buy", amount: str = "499.00") -> Order:
    return Order(merchant_order_id="M-1", status=OrderStatus.PENDING, amount=Decimal(amount),
                 flow=flow, lang="en", reference_id="ref-1", online_order_id="131209")  # fmt: skip


def purchase_lookup(status: str, amount: str | None = "499.00", flow: str = "buy") -> Lookup:
    money = Decimal(amount) if amount is not None else None
    return Lookup(transaction_id="131209", flow=flow, apply=None,
                  purchase=PurchaseDetails(status=status, purchase_amount=money, promo_id="9",
                                           plan_id="3", term=12))  # fmt: skip


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        (purchase_lookup("SUCCESS"), OrderStatus.APPROVED),
        (purchase_lookup("APPROVED"), OrderStatus.APPROVED),
        (purchase_lookup("DECLINED"), OrderStatus.DECLINED),
        (purchase_lookup("ERROR"), OrderStatus.DECLINED),
        (purchase_lookup("CANCELLED"), OrderStatus.CANCELLED),
        (purchase_lookup("CANCELED"), OrderStatus.CANCELLED),
        (purchase_lookup("PENDING"), None),
        (purchase_lookup("SOMETHING_NEW"), None),
        (purchase_lookup("SUCCESS", amount="500.00"), OrderStatus.NEEDS_REVIEW),
        (purchase_lookup("SUCCESS", amount="499"), OrderStatus.APPROVED),
        (purchase_lookup("SUCCESS", amount=None), OrderStatus.NEEDS_REVIEW),
        (purchase_lookup("SUCCESS", flow="apply/buy"), OrderStatus.NEEDS_REVIEW),
        (Lookup("131209", "buy", None, None), None),
    ],
)
def test_lookup_outcome_buy_flow(lookup, expected):
    """Flexiti's status maps to ours; SUCCESS for another amount or flow needs a person."""
    assert lookup_outcome(order(), lookup).status is expected


def test_lookup_outcome_apply_flow_keeps_the_customer_id():
    """An approved application is approved, with Flexiti's customer id kept on the order."""
    lookup = Lookup("131209", "apply", None, ApplyDetails("SUCCESS", customer_id="1293836"))
    outcome = lookup_outcome(order(flow="apply"), lookup)
    assert outcome.status is OrderStatus.APPROVED
    assert outcome.details["customer_id"] == "1293836"


def test_lookup_outcome_keeps_the_granted_terms():
    """The purchase's promo, plan and term are kept for the shop."""
    outcome = lookup_outcome(order(), purchase_lookup("SUCCESS"))
    assert outcome.details == {"transaction_id": "131209", "promo_id": "9", "plan_id": "3",
                                "term": 12, "purchase_amount": "499.00"}  # fmt: skip


def pending(service) -> Order:
    created = service.store.insert_order(merchant_order_id="M-1", amount=Decimal("499.00"),
                                         flow="buy", lang="en", reference_id="ref-1",
                                         source="test")  # fmt: skip
    return service.store.transition(created, OrderStatus.PENDING, source="test",
                                    online_order_id="131209",
                                    redirection_url="https://x.flexiti.fi/f")  # fmt: skip


SUCCESS = {"transaction_id": 131209, "flow": "buy",
           "purchase": {"purchase_status": "SUCCESS", "purchase_amount": "499.00"}}  # fmt: skip
OTHER = {"transaction_id": 555, "flow": "buy", "purchase": {"purchase_status": "DECLINED"}}


def test_refresh_falls_back_to_flexiti_order_id(service, mocked):
    """When the merchant-order lookup finds nothing, the Flexiti order id is asked instead."""
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", status=409,
               json={"code": 404, "error": "not_found"})  # fmt: skip
    mocked.get(f"{NOTIFICATIONS}/order-id/131209", json=SUCCESS)
    result = service.refresh_order(pending(service), source="test")
    assert result.changed and result.order.status is OrderStatus.APPROVED
    assert [o.merchant_order_id for o in service.notified] == ["M-1"]
    assert all(c.request.headers["x-reference-id"] == "ref-1" for c in mocked.calls)


def test_an_online_order_id_two_orders_share_is_not_looked_up(service, mocked, caplog):
    """A Flexiti order id that another order here also carries (written by another Flexiti
    environment) names someone else's purchase: an expired order must not take its approval."""
    expired = service.store.transition(pending(service), OrderStatus.EXPIRED, source="test")
    other = service.store.insert_order(merchant_order_id="M-2", amount=Decimal("499.00"),
                                       flow="buy", lang="en", reference_id="ref-2",
                                       source="test")  # fmt: skip
    service.store.transition(other, OrderStatus.PENDING, source="test", online_order_id="131209",
                             redirection_url="https://x.flexiti.fi/f")  # fmt: skip
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", status=409,
               json={"code": 404, "error": "not_found"})  # fmt: skip
    by_online_id = mocked.get(f"{NOTIFICATIONS}/order-id/131209", json=SUCCESS)
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout"):
        result = service.refresh_order(expired, source="callback", force=True)
    assert result.order.status is OrderStatus.EXPIRED and service.notified == []
    assert by_online_id.call_count == 0
    assert "shares Flexiti order id 131209" in caplog.text


def test_a_transaction_id_unlike_the_online_order_id_settles_in_one_lookup(service, mocked):
    """The lookup's transaction_id is another id than widget init's online_order_id (Online API:
    131221 and 131209): the order settles from the one lookup and keeps both ids."""
    by_merchant = mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1",
                             json={**SUCCESS, "transaction_id": 131221})  # fmt: skip
    by_online_id = mocked.get(f"{NOTIFICATIONS}/order-id/131209", json=SUCCESS)
    settled = service.refresh_order(pending(service), source="test").order
    assert settled.status is OrderStatus.APPROVED
    assert (settled.online_order_id, settled.transaction_id) == ("131209", "131221")
    assert (by_merchant.call_count, by_online_id.call_count) == (1, 0)
    assert service.store.find_named_order({"transaction_id": "131221"}) == settled


REFUSED = {"code": 400, "error": "invalid_request",
           "error_description": "merchantOrderId must be an integer."}  # fmt: skip


def test_a_merchant_order_id_refused_for_its_form_falls_back_to_flexitis_id(
    service, mocked, caplog
):
    """A lookup refused for the merchant order id's form is said to be that (not an outage),
    and the order is looked up by widget init's id instead."""
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", status=400, json=REFUSED)
    mocked.get(f"{NOTIFICATIONS}/order-id/131209", json=SUCCESS)
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout"):
        result = service.refresh_order(pending(service), source="test")
    assert result.order.status is OrderStatus.APPROVED and result.error is None
    assert "refused the merchant order id 'M-1' as an identifier" in caplog.text
    assert "FLEXITI_NUMERIC_ORDER_IDS" in caplog.text


def test_a_refused_merchant_order_id_without_flexitis_id_is_reported_as_such(service, mocked):
    """With no Flexiti order id to fall back on, the refusal comes back as
    MerchantOrderIdRefusedError, an InvalidRequestError: never as Flexiti being unavailable."""
    created = service.store.insert_order(merchant_order_id="M-1", amount=Decimal("499.00"),
                                         flow="buy", lang="en", reference_id="ref-1",
                                         source="test")  # fmt: skip
    expired = service.store.transition(
        service.store.transition(created, OrderStatus.PENDING, source="test",
                                 redirection_url="https://x.flexiti.fi/f"),
        OrderStatus.EXPIRED, source="test",
    )  # fmt: skip
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", status=400, json=REFUSED)
    result = service.refresh_order(expired, source="test", force=True)
    assert isinstance(result.error, MerchantOrderIdRefusedError)
    assert not isinstance(result.error, UnavailableError)
    assert "FLEXITI_NUMERIC_ORDER_IDS" in str(result.error)


def test_unknown_everywhere_stays_pending(service, mocked):
    """Flexiti knowing nothing yet is no news: the order stays pending."""
    for path in ("merchant-order-id/M-1", "order-id/131209"):
        mocked.get(f"{NOTIFICATIONS}/{path}", status=409, json={"code": 404, "error": "not_found"})
    result = service.refresh_order(pending(service), source="test")
    assert result.looked_up and not result.changed and result.error is None
    assert result.order.status is OrderStatus.PENDING


def test_upstream_failure_is_returned_not_raised(service, mocked, caplog):
    """A Flexiti outage during a refresh comes back in Refresh.error; the order is unchanged."""
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", status=503, json={})
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout.lifecycle.orders"):
        result = service.refresh_order(pending(service), source="test")
    assert result.error is not None and result.order.status is OrderStatus.PENDING
    assert "stays pending" in caplog.text


def test_lookups_are_throttled_but_news_gets_through(service, mocked, clock):
    """A second refresh inside the interval is absorbed, unless it brings news."""
    lookup = mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1",
                        json={"transaction_id": 131209, "flow": "buy",
                              "purchase": {"purchase_status": "PENDING"}})  # fmt: skip
    first = pending(service)
    assert service.refresh_order(first, source="poll").looked_up
    clock.now += 1
    assert service.refresh_order(first, source="poll").throttled
    assert service.refresh_order(first, source="callback", news_since=clock.now - 2).throttled
    assert service.refresh_order(first, source="callback", news_since=clock.now).looked_up
    clock.now += 6
    assert service.refresh_order(first, source="poll").looked_up
    assert lookup.call_count == 3


def test_failing_signal_receiver_does_not_undo_the_transition(service, mocked, caplog):
    """A shop's receiver that raises is logged; the order stays approved."""

    def broken(_order: Order) -> None:
        raise RuntimeError("shop bug")

    service._notify = broken
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", json=SUCCESS)
    with caplog.at_level(logging.ERROR, logger="flexiti_checkout.lifecycle.orders"):
        result = service.refresh_order(pending(service), source="test")
    assert result.order.status is OrderStatus.APPROVED
    assert service.store.get_order("M-1").status is OrderStatus.APPROVED
    assert "receiver" in caplog.text


def test_settled_orders_are_not_looked_up(service, mocked):
    """Refreshing a settled order asks Flexiti nothing and changes nothing."""
    lookup = mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", json=SUCCESS)
    approved = service.refresh_order(pending(service), source="test").order
    again = service.refresh_order(approved, source="test", force=True)
    assert again.order.status is OrderStatus.APPROVED and not again.looked_up
    assert lookup.call_count == 1


UNREADABLE_ANSWER = {"transaction_id": 131209, "flow": "buy", "purchase": {"state": "Success"}}


def test_unreadable_answer_is_logged_once_and_flagged_when_due(service, mocked, clock, caplog):
    """A lookup answer without a status is logged once with its reference id, leaves the order
    pending, and the reconciler sends it to needs_review once it is due to expire."""
    from flexiti_checkout.errors import UnreadableAnswerError
    from flexiti_checkout.lifecycle.reconcile import reconcile

    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1", json=UNREADABLE_ANSWER)
    with caplog.at_level(logging.WARNING, logger="flexiti_checkout.lifecycle.orders"):
        first = service.refresh_order(pending(service), source="test", force=True)
        clock.now += 60
        early = reconcile(service, [service.store.get_order("M-1")])
    assert isinstance(first.error, UnreadableAnswerError)
    assert first.order.status is OrderStatus.PENDING
    assert (early.unreadable, early.failed, early.expired) == (1, 0, 0)
    warnings = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(warnings) == 1 and "ref-1" in warnings[0]
    clock.now += 3600
    due = reconcile(service, [service.store.get_order("M-1")])
    flagged = service.store.get_order("M-1")
    assert flagged.status is OrderStatus.NEEDS_REVIEW
    assert due.unreadable == 1 and due.expired == 0
    assert "could not be read (reference id ref-1)" in service.store.history(flagged)[-1].note
    assert [o.status for o in service.notified] == [OrderStatus.NEEDS_REVIEW]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"purchase": {"status": "Success", "purchase_amount": 499, "promo_id": 7}},
         OrderStatus.NEEDS_REVIEW),
        ({"purchase": {"status": "Declined"}}, OrderStatus.EXPIRED),
        ({"purchase": {"status": "Cancelled"}}, OrderStatus.EXPIRED),
        ({"purchase": {"status": "Pending"}}, OrderStatus.EXPIRED),
    ],
)  # fmt: skip
def test_expired_order_moves_only_on_a_late_approval(service, mocked, answer, expected):
    """Flexiti approving an order we expired sends it to needs_review with the late note;
    anything else leaves it expired."""
    from flexiti_checkout.lifecycle.outcome import LATE_APPROVAL_NOTE

    expired = service.store.transition(pending(service), OrderStatus.EXPIRED, source="test")
    mocked.get(f"{NOTIFICATIONS}/merchant-order-id/M-1",
               json={"transaction_id": 131209, "flow": "buy", **answer})  # fmt: skip
    result = service.refresh_order(expired, source="callback", force=True)
    assert result.looked_up and result.order.status is expected
    if expected is OrderStatus.NEEDS_REVIEW:
        assert service.store.history(result.order)[-1].note == LATE_APPROVAL_NOTE
        assert result.order.details["promo_id"] == "7"
        assert [o.status for o in service.notified] == [OrderStatus.NEEDS_REVIEW]
    else:
        assert service.notified == []


def test_long_flexiti_status_fits_the_store(service, mocked):
    """A status longer than the store's column is kept cut short; the order stays pending."""
    status = "Awaiting additional verification of the applicant's identity documents"
    mocked.get(
        f"{NOTIFICATIONS}/merchant-order-id/M-1",
        json={"transaction_id": 131209, "flow": "buy", "purchase": {"status": status}},
    )
    result = service.refresh_order(pending(service), source="test", force=True)
    assert result.order.status is OrderStatus.PENDING
    assert result.order.flexiti_status == status.upper()[:32]
