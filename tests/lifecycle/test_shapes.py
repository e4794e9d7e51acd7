"""Settlement against every shape Flexiti documents: a shop on a real port, the sandbox on another.

The sandbox speaks Flexiti's documented shapes by default (callbacks without order ids, lookups
in the table spelling, returns with ``orderId`` and ``auth_token``); each knob switches one
shape to the other spelling, and every combination must settle an order exactly once.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from flexiti_checkout import OrderStatus
from flexiti_checkout.lifecycle.outcome import LATE_APPROVAL_NOTE
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.store.tables import webhook_outbox

KNOBS = [
    {"CALLBACK_WITH_IDS": with_ids, "LOOKUP_STYLE": style, "RETURN_STYLE": returned}
    for with_ids, style, returned in itertools.product(
        (False, True), ("table", "example"), ("flexiti", "ids")
    )
]


def knob_id(config: dict) -> str:
    ids = "ids" if config["CALLBACK_WITH_IDS"] else "no-ids"
    return f"{ids}-{config['LOOKUP_STYLE']}-return-{config['RETURN_STYLE']}"


def decide_in_browser(shop, merchant_order_id: str, outcome: str) -> tuple[requests.Session, str]:
    """A customer starts a checkout and decides on the hosted page; returns the browser and the
    URL the sandbox sends them back to."""
    browser = requests.Session()
    started = browser.post(f"{shop.url}/pay/{merchant_order_id}?mode=redirect",
                           allow_redirects=False)  # fmt: skip
    assert started.status_code == 303, started.text
    page = browser.post(started.headers["Location"], data={"outcome": outcome})
    assert page.status_code == 200
    found = re.search(r"var target = (.*?);\n", page.text)
    target = json.loads(found[1]) if found else None
    assert target, "the sandbox's result page names no return URL"
    return browser, target


@pytest.mark.parametrize("sandbox_config", KNOBS, ids=knob_id, indirect=True)
@pytest.mark.parametrize("outcome", ["approve", "decline"])
def test_every_knob_combination_settles_once(shop, sandbox_config, outcome):
    """Callback and return, in every spelling the knobs select, settle the order once."""
    browser, target = decide_in_browser(shop, "KNOB-1", outcome)
    shop.wait_for_callbacks()
    back = browser.get(target, allow_redirects=False)
    assert back.status_code == 303
    expected = OrderStatus.APPROVED if outcome == "approve" else OrderStatus.DECLINED
    assert shop.order("KNOB-1").status is expected
    assert shop.signals.names("KNOB-1") == [f"order_{expected.value}"]
    query = dict(parse_qsl(urlsplit(target).query))
    if sandbox_config["RETURN_STYLE"] == "flexiti":
        assert set(query) == {"orderId", "auth_token"}
    else:
        assert set(query) == {"online_order_id", "merchant_orderid"}


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.parametrize("style", ["flexiti", "ids"])
def test_return_without_a_session_settles_by_the_ids_it_carries(shop, style):
    """A return in another browser (no session) still refreshes the order its ids name
    (``orderId`` by default), and shows only the neutral page."""
    shop.sandbox.control("PATCH", "faults", {"return_style": style})
    _, target = decide_in_browser(shop, "NOSESSION-1", "approve")
    page = requests.get(target, timeout=10)
    assert page.status_code == 200 and 'data-status="unknown"' in page.text
    assert shop.order("NOSESSION-1").status is OrderStatus.APPROVED


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_the_oldest_of_three_hundred_pending_settles_with_two_lookups(shop):
    """With 300 newer pending orders, a documented-shape callback (no order id) for the oldest
    settles it with two lookups (its promo id's, which points at it by amount, then its own),
    and a repeat of it costs none. A walk newest first would never have reached it."""
    session = shop.start("OLDEST-1", amount="612.34")
    for number in range(300):
        shop.start(f"NEW-{number}")
    shop.settle(session.online_order_id, "approve")
    (dropped,) = [e["body"] for e in shop.wait_for_callbacks() if e["dropped"]]
    assert "online_order_id" not in dropped and "merchant_orderid" not in dropped
    shop.sandbox.control("DELETE", "requests")

    first = requests.post(f"{shop.url}/flexiti/callback", json=dropped, timeout=30)
    processed = shop.delivery(first.json()["delivery_id"])
    lookups = [e for e in shop.sandbox.control("GET", "requests")["requests"]
               if "/notifications/" in e["path"]]  # fmt: skip
    repeat = requests.post(f"{shop.url}/flexiti/callback", json=dropped, timeout=30)
    after = [e for e in shop.sandbox.control("GET", "requests")["requests"]
             if "/notifications/" in e["path"]]  # fmt: skip

    assert first.json()["outcome"] == "queued"
    assert processed.outcome and processed.outcome.startswith("order OLDEST-1: approved")
    assert shop.order("OLDEST-1").status is OrderStatus.APPROVED
    assert [e["path"].split("/")[-2] for e in lookups] == ["promo-id", "merchant-order-id"]
    assert repeat.json()["outcome"] == "order OLDEST-1: approved already"
    assert len(after) == 2
    assert shop.order("OLDEST-1").details["promo_id"] == dropped["purchase"]["promo_id"]
    assert shop.order("NEW-0").status is OrderStatus.PENDING
    assert shop.state.callbacks.inbox.deliveries(unprocessed_only=True) == []


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_callback_for_no_known_order_stays_unprocessed(shop):
    """A documented callback whose promo id no pending order's lookup carries is kept for
    replay, never marked processed."""
    shop.start("OTHER-1")
    stranger = {"event": "purchase", "notificationType": "Success",
                "purchase": {"purchase_status": "Success", "promo_id": 999999}}  # fmt: skip
    answer = requests.post(f"{shop.url}/flexiti/callback", json=stranger, timeout=10)
    tried = shop.delivery(answer.json()["delivery_id"])
    assert tried.outcome and "no order found by promo id 999999" in tried.outcome
    (kept,) = shop.state.callbacks.inbox.deliveries(unprocessed_only=True)
    assert kept.id == tried.id and kept.next_attempt_at is not None  # tried again later
    assert shop.order("OTHER-1").status is OrderStatus.PENDING


WEBHOOKS = {
    "FLEXITI_PENDING_EXPIRY": "0.3s",
    "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/hooks",
    "FLEXITI_SHOP_WEBHOOK_SECRET": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg=",
}


def expire(shop, merchant_order_id: str) -> None:
    """Start an order and let the reconciler expire it (no outcome at Flexiti yet)."""
    shop.start(merchant_order_id)
    threading.Event().wait(0.4)
    with shop.app.app_context():
        reconcile(shop.state.orders, unsettled_orders(shop.state.orders))
    assert shop.order(merchant_order_id).status is OrderStatus.EXPIRED


def needs_review_events(shop) -> list:
    with shop.state.store.begin() as conn:
        rows = conn.execute(webhook_outbox.select()).all()
    return [row for row in rows if row.event_type == "order.needs_review"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config(WEBHOOKS)
def test_expired_then_approved_needs_review_once_under_racing_callbacks(shop):
    """Flexiti approving an order we expired moves it to needs_review exactly once (one signal,
    one webhook, Flexiti's note), however many documented callbacks race."""
    expire(shop, "LATE-1")
    shop.settle(shop.order("LATE-1").online_order_id, "approve")
    (dropped,) = [e["body"] for e in shop.wait_for_callbacks() if e["dropped"]]
    barrier = threading.Barrier(12)

    def post() -> int:
        with requests.Session() as http:
            barrier.wait()
            return http.post(f"{shop.url}/flexiti/callback", json=dropped, timeout=30).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(lambda _: post(), range(12)))
    assert codes == [200] * 12
    shop.wait_for_inbox()
    order = shop.order("LATE-1")
    assert order.status is OrderStatus.NEEDS_REVIEW
    assert shop.signals.names("LATE-1") == ["order_expired", "order_needs_review"]
    history = shop.state.store.history(order)
    assert [e.to_status for e in history].count(OrderStatus.NEEDS_REVIEW) == 1
    assert history[-1].note == LATE_APPROVAL_NOTE
    assert history[-1].from_status is OrderStatus.EXPIRED
    assert len(needs_review_events(shop)) == 1


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop", "CALLBACK_WITH_IDS": True})
@pytest.mark.shop_config(WEBHOOKS)
@pytest.mark.parametrize("outcome", ["decline", "cancel"])
def test_decline_or_cancel_after_expiry_changes_nothing(shop, outcome):
    """A decline or cancellation arriving after we expired the order leaves it expired."""
    expire(shop, "LATE-2")
    shop.settle(shop.order("LATE-2").online_order_id, outcome)
    (dropped,) = [e["body"] for e in shop.wait_for_callbacks() if e["dropped"]]
    answer = requests.post(f"{shop.url}/flexiti/callback", json=dropped, timeout=10)
    assert shop.delivery(answer.json()["delivery_id"]).outcome == "order LATE-2: expired"
    assert shop.order("LATE-2").status is OrderStatus.EXPIRED
    assert shop.signals.names("LATE-2") == ["order_expired"]
    assert needs_review_events(shop) == []


def test_auth_token_is_in_no_log_line_stored_delivery_or_page(shop, tmp_path: Path, caplog):
    """Flexiti's auth_token on the return (and in a callback) is never logged, stored or shown."""
    with caplog.at_level(logging.DEBUG):
        browser, target = decide_in_browser(shop, "TOKEN-1", "approve")
        token = dict(parse_qsl(urlsplit(target).query))["auth_token"]
        shop.wait_for_callbacks()
        pages = [browser.get(target), requests.get(target, timeout=10)]
        pages.append(browser.get(target, headers={"Sec-Fetch-Dest": "iframe"}))
        pages.append(requests.post(f"{shop.url}/flexiti/callback", timeout=10, data={
            "orderId": dict(parse_qsl(urlsplit(target).query))["orderId"],
            "auth_token": token, "access_token": token + "-a", "token": token + "-t"}))  # fmt: skip
        shop.wait_for_inbox()
    assert shop.order("TOKEN-1").status is OrderStatus.APPROVED
    assert "/flexiti/return/success?orderId=" in pages[2].text  # the breakout page, sans token
    shop.state.store.engine.dispose()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("flexiti.sqlite3*"))
    # urllib3 logs the requests this test's own browser makes; everything else is the shop's.
    shop_records = [r for r in caplog.records if not r.name.startswith("urllib3")]
    logged = "\n".join(record.getMessage() for record in shop_records)
    assert any(r.name.startswith("flexiti_checkout") for r in shop_records)
    assert token.encode() not in stored
    assert token not in logged
    for page in pages:
        for answer in (*page.history, page):
            assert token not in answer.text
            assert token not in answer.headers.get("Location", "")
