"""The order lifecycle end to end: a shop on a real port, the sandbox on another.

Three inputs learn an outcome (the customer's return, Flexiti's callback, the reconciler); each
only triggers a lookup, and exactly one caller wins each transition and sends its signal.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from flexiti_checkout import OrderStatus
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import metadata
from support.shop_server import checkout_request

OUTCOMES = {
    "approve": (OrderStatus.APPROVED, "order_approved"),
    "decline": (OrderStatus.DECLINED, "order_declined"),
    "cancel": (OrderStatus.CANCELLED, "order_cancelled"),
}
#: The customer's data as the shop and the sandbox spell it. The birth date is looked for whole
#: (both spellings): a bare "1981" also turns up inside timestamps and ids in the store's file.
PERSONAL = ("Tommy", "Samson", "1981-06-01", "06/01/1981", "01/06/1981", "tommy@example.com", "M5V")


def browser_checkout(shop, merchant_order_id: str, outcome: str) -> requests.Session:
    """A customer starts a checkout in the shop and decides on the sandbox's hosted page."""
    browser = requests.Session()
    started = browser.post(f"{shop.url}/pay/{merchant_order_id}?mode=redirect",
                           allow_redirects=False)  # fmt: skip
    assert started.status_code == 303, started.text
    flow_url = started.headers["Location"]
    assert browser.get(flow_url).status_code == 200
    decided = browser.post(flow_url, data={"outcome": outcome})
    assert decided.status_code == 200
    return browser


def customer_returns(shop, browser: requests.Session, outcome: str) -> requests.Response:
    """The browser follows the sandbox's redirect back to the shop's return URL."""
    path = "success" if outcome == "approve" else "error"
    return browser.get(f"{shop.url}/flexiti/return/{path}", allow_redirects=False)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_outcome_through_the_callback(shop, outcome):
    """Flexiti's callback alone settles the order, and its signal is sent once."""
    session = shop.start("CB-1")
    shop.settle(session.online_order_id, outcome)
    shop.wait_for_callbacks()
    status, signal = OUTCOMES[outcome]
    assert shop.order("CB-1").status is status
    assert shop.signals.names("CB-1") == [signal]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_outcome_through_the_return(shop, outcome):
    """With no callback at all, the customer's return settles the order and moves them on."""
    browser = browser_checkout(shop, "RT-1", outcome)
    back = customer_returns(shop, browser, outcome)
    assert back.status_code == 303
    assert back.headers["Location"].endswith("/flexiti/outcome")
    status, signal = OUTCOMES[outcome]
    assert shop.order("RT-1").status is status
    assert shop.signals.names("RT-1") == [signal]
    page = browser.get(f"{shop.url}/flexiti/outcome").text
    assert f'data-status="{status.value}"' in page


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_return_and_callback_racing(shop, outcome):
    """Return and callback arriving together still make one transition and one signal."""
    browser = browser_checkout(shop, "RACE-1", outcome)
    with ThreadPoolExecutor(4) as pool:
        returns = [pool.submit(customer_returns, shop, browser, outcome) for _ in range(3)]
        shop.wait_for_callbacks()
        assert all(r.result().status_code in (200, 303) for r in returns)
    status, signal = OUTCOMES[outcome]
    assert shop.order("RACE-1").status is status
    assert shop.signals.names("RACE-1") == [signal]


def test_fifty_duplicate_callbacks_make_one_transition(shop):
    """Fifty copies of one callback at once: all stored, all 200, one transition, one signal."""
    session = shop.start("DUP-1")
    shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    shop.settle(session.online_order_id, "approve")
    body = {"event": "purchase", "notificationType": "Success", "merchant_orderid": "DUP-1",
            "purchase": {"purchase_status": "SUCCESS", "customer_fname": "Tommy"}}  # fmt: skip
    barrier = threading.Barrier(50)

    def post() -> int:
        with requests.Session() as http:
            barrier.wait()
            return http.post(f"{shop.url}/flexiti/callback", json=body, timeout=30).status_code

    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(lambda _: post(), range(50)))
    assert codes == [200] * 50
    shop.wait_for_inbox()
    assert shop.order("DUP-1").status is OrderStatus.APPROVED
    assert shop.signals.names("DUP-1") == ["order_approved"]
    assert shop.state.callbacks.inbox.count_deliveries() == 50
    history = [e.to_status for e in shop.state.store.history(shop.order("DUP-1"))]
    assert history.count(OrderStatus.APPROVED) == 1
    lookups = [e for e in shop.sandbox.control("GET", "requests")["requests"]
               if "merchant-order-id/DUP-1" in e["path"]]  # fmt: skip
    assert 1 <= len(lookups) <= 5  # coalesced and throttled, not one per callback


def test_forged_success_callback_changes_nothing(shop):
    """A callback claiming success while Flexiti says pending leaves the order pending."""
    shop.start("FORGED-1")
    forged = {"event": "purchase", "notificationType": "Success", "merchant_orderid": "FORGED-1",
              "purchase": {"purchase_status": "SUCCESS", "purchase_amount": "499.00"}}  # fmt: skip
    answer = requests.post(f"{shop.url}/flexiti/callback", json=forged, timeout=10)
    assert answer.status_code == 200
    assert shop.delivery(answer.json()["delivery_id"]).outcome == "order FORGED-1: pending"
    assert shop.order("FORGED-1").status is OrderStatus.PENDING
    assert shop.signals.names("FORGED-1") == []


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config({"FLEXITI_PENDING_EXPIRY": "0.5s"})
def test_reconciler_settles_dropped_callbacks_and_expires_the_rest(shop):
    """With every callback dropped, a reconcile sweep settles decided orders, expires the rest."""
    decided = {"REC-A": "approve", "REC-D": "decline", "REC-C": "cancel"}
    for merchant_order_id, outcome in decided.items():
        shop.settle(shop.start(merchant_order_id).online_order_id, outcome)
    shop.start("REC-NONE")
    assert all(shop.order(m).status is OrderStatus.PENDING for m in [*decided, "REC-NONE"])
    with shop.app.app_context():
        service = shop.state.orders
        threading.Event().wait(0.6)  # let REC-NONE pass FLEXITI_PENDING_EXPIRY
        summary = reconcile(service, unsettled_orders(service))
    assert shop.order("REC-A").status is OrderStatus.APPROVED
    assert shop.order("REC-D").status is OrderStatus.DECLINED
    assert shop.order("REC-C").status is OrderStatus.CANCELLED
    assert shop.order("REC-NONE").status is OrderStatus.EXPIRED
    assert (summary.checked, summary.settled, summary.expired) == (4, 3, 1)
    assert shop.signals.names("REC-NONE") == ["order_expired"]
    assert shop.signals.names("REC-A") == ["order_approved"]


@pytest.mark.sandbox_config({"APPROVED_AMOUNT_DELTA": "1.00"})
def test_different_approved_amount_needs_review(shop):
    """Flexiti approving another amount puts the order in needs_review, never approved."""
    session = shop.start("AMT-1")
    shop.settle(session.online_order_id, "approve")
    shop.wait_for_callbacks()
    order = shop.order("AMT-1")
    assert order.status is OrderStatus.NEEDS_REVIEW
    assert shop.signals.names("AMT-1") == ["order_needs_review"]
    history = shop.state.store.history(order)
    assert "approved 500.00, the order is for 499.00" in history[-1].note


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_replay_finishes_a_delivery_stored_before_a_crash(shop):
    """A delivery stored but never processed (the worker died) is finished by replay."""
    session = shop.start("CRASH-1")
    shop.settle(session.online_order_id, "approve")
    shop.state.callback_workers.stop()  # no worker left in this process to take it
    callbacks = shop.state.callbacks
    delivery = callbacks.receive({"merchant_orderid": "CRASH-1", "notificationType": "Success"},
                                 method="POST", remote_addr="127.0.0.1",
                                 content_type="application/json")  # fmt: skip
    assert shop.order("CRASH-1").status is OrderStatus.PENDING
    with shop.app.app_context():
        replayed = callbacks.replay()
    assert [(d.id, r.retry) for d, r in replayed] == [(delivery.id, False)]
    assert shop.order("CRASH-1").status is OrderStatus.APPROVED
    assert callbacks.inbox.deliveries(unprocessed_only=True) == []


def test_callback_without_identifiers_still_settles(shop):
    """The documented callback (no order id, only a promo id) settles the newest pending order
    that carries the promo id, and no other."""
    shop.start("OTHER-1")
    session = shop.start("NOID-1")
    shop.settle(session.online_order_id, "approve")
    shop.wait_for_callbacks()
    assert shop.order("NOID-1").status is OrderStatus.APPROVED
    assert shop.order("OTHER-1").status is OrderStatus.PENDING
    assert shop.signals.names("NOID-1") == ["order_approved"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "out_of_order"})
def test_late_contradicting_callback_does_not_move_a_settled_order(shop):
    """A stale callback after the outcome cannot move a settled order back."""
    session = shop.start("LATE-1")
    shop.settle(session.online_order_id, "approve")
    delivered = shop.wait_for_callbacks()
    assert len(delivered) == 2
    assert shop.order("LATE-1").status is OrderStatus.APPROVED
    assert shop.signals.names("LATE-1") == ["order_approved"]


def test_apply_flow_sends_application_approved(shop):
    """An approved application sends application_approved with Flexiti's customer id."""
    received = []
    from flexiti_checkout.signals import application_approved

    def on_application(sender, order, customer_id=None, **extra):
        received.append((order.merchant_order_id, customer_id))

    application_approved.connect(on_application, shop.app)
    try:
        session = shop.start("APPLY-1", flow="apply")
        shop.settle(session.online_order_id, "approve")
        shop.wait_for_callbacks()
    finally:
        application_approved.disconnect(on_application, shop.app)
    assert shop.order("APPLY-1").status is OrderStatus.APPROVED
    assert len(received) == 1 and received[0][0] == "APPLY-1" and received[0][1]


def everything_stored(store: Store, tmp_path: Path) -> bytes:
    """The bytes of a SQLite store's files (free pages and WAL too), or every row PostgreSQL has."""
    if store.engine.dialect.name == "sqlite":
        store.close()
        return b"".join(p.read_bytes() for p in tmp_path.glob("flexiti.sqlite3*"))
    with store.begin() as conn:
        rows = [conn.execute(select(table)).all() for table in metadata.sorted_tables]
    return repr(rows).encode()


def test_no_personal_data_in_the_store_or_the_logs(shop, tmp_path: Path, caplog):
    """The customer's name, birth date, email and postal code reach neither database nor logs."""
    with caplog.at_level(logging.DEBUG):
        browser = browser_checkout(shop, "PII-1", "approve")
        shop.wait_for_callbacks()
        customer_returns(shop, browser, "approve")
        requests.post(f"{shop.url}/flexiti/callback", timeout=10, data={
            "merchant_orderid": "PII-1", "customer_fname": "Tommy", "customer_dob": "06/01/1981",
            "message": "card 4111 1111 1111 1111"})  # fmt: skip
        shop.wait_for_inbox()
    assert shop.order("PII-1").status is OrderStatus.APPROVED
    delivered = shop.wait_for_callbacks()
    assert "Tommy" in str(delivered)  # the sandbox did send personal data…
    stored = everything_stored(shop.state.store, tmp_path)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (*PERSONAL, "4111 1111 1111 1111"):  # …and none of it was kept
        assert secret.encode() not in stored, secret
        assert secret not in logged, secret
    assert re.search(rb"\[redacted\]", stored)


def test_checkout_twice_reuses_the_pending_flexiti_order(shop):
    """A double click or a back button reuses the pending Flexiti order instead of a second one."""
    first = shop.start("TWICE-1")
    second = shop.start("TWICE-1")
    assert second == first
    inits = [e for e in shop.sandbox.control("GET", "requests")["requests"]
             if e["path"].endswith("/systems/init")]  # fmt: skip
    assert len(inits) == 1


def test_concurrent_starts_open_one_flexiti_order(shop):
    """Ten simultaneous starts of one merchant order open exactly one Flexiti order: those that
    find it starting are told at once to retry, and their retry gets the same Flexiti order."""
    from flexiti_checkout import CheckoutInProgressError

    def start_or_busy(_: int):
        try:
            return shop.start("CONC-1")
        except CheckoutInProgressError as busy:
            assert busy.retry_after is not None and busy.retry_after >= 1
            return None

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(start_or_busy, range(10)))
    sessions = [a if a is not None else shop.start("CONC-1") for a in answers]
    assert len({s.online_order_id for s in sessions}) == 1
    orders = shop.sandbox.control("GET", "orders")["orders"]
    assert len([o for o in orders if o["merchant_orderid"] == "CONC-1"]) == 1


def test_checkout_request_is_validated(shop):
    """Bad input names each bad field and opens nothing at Flexiti."""
    from flexiti_checkout import InvalidCheckoutError

    bad = checkout_request("BAD-1", amount="4.999")
    bad["billing"]["postal_code"] = "12345"
    with shop.app.app_context(), pytest.raises(InvalidCheckoutError) as caught:
        shop.flexiti.start_checkout(bad)
    assert set(caught.value.errors) == {"amount", "billing.postal_code"}
    assert shop.sandbox.control("GET", "orders")["orders"] == []
