"""Waits with a budget: the embedded sandbox keeps to the client's read timeout."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask

from flexiti_checkout import FlexitiCheckout, OrderStatus
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.web.state import flexiti_state
from support.shop_server import checkout_request


@pytest.mark.one_database
@pytest.mark.parametrize("latency", [30, 3600])
def test_the_embedded_sandbox_keeps_to_flexiti_timeout(tmp_path, store_url, latency):
    """A slow embedded sandbox times the call out at FLEXITI_TIMEOUT, not at its latency; the
    order is kept and starts once the sandbox answers again."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef", FLEXITI_STORE_URL=store_url,
        FLEXITI_TIMEOUT="1", FLEXITI_MAX_RETRIES="0",
    )  # fmt: skip
    flexiti = FlexitiCheckout(app)
    client = app.test_client()
    faults = client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": latency})
    assert faults.status_code == 200

    began = time.monotonic()
    with app.test_request_context(), pytest.raises(UnavailableError):
        flexiti.start_checkout(checkout_request("SLOW-1"))
    waited = time.monotonic() - began

    assert 1 <= waited < 5
    kept = flexiti_state(app).store.get_order("SLOW-1")
    assert kept is not None and kept.status in (OrderStatus.CREATED, OrderStatus.ERROR)
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": 0})
    with app.test_request_context():
        flexiti.start_checkout(checkout_request("SLOW-1"))
    assert flexiti_state(app).store.get_order("SLOW-1").status is OrderStatus.PENDING
    flexiti.close(app)


def test_a_checkout_slower_than_the_budget_answers_202_and_starts_once(tmp_path, store_url):
    """The service answers within FLEXITI_REQUEST_BUDGET (202, Retry-After); the start goes on,
    and the same checkout sent again gets it (200) without a second Flexiti order."""
    from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
    from flexiti_checkout.service.app import create_app
    from support.apps import close_app

    service = create_app({
        "FLEXITI_ENVIRONMENT": "sandbox", "FLEXITI_STORE_URL": store_url,
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"), "FLEXITI_REQUEST_BUDGET": "1s",
        "FLEXITI_TIMEOUT": "20", "FLEXITI_MAX_RETRIES": "0",
    })  # fmt: skip
    client = service.test_client()
    bearer = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"latency": 1.5})

    began = time.monotonic()
    first = client.post("/flexiti/api/checkouts", json=checkout_request("BUDGET-1"), headers=bearer)
    assert time.monotonic() - began < 2.5
    assert first.status_code == 202 and first.json["error"] == "checkout_in_progress"
    assert int(first.headers["Retry-After"]) >= 1
    answers = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        again = client.post(
            "/flexiti/api/checkouts", json=checkout_request("BUDGET-1"), headers=bearer
        )
        answers.append(again.status_code)
        if again.status_code == 200:
            break
        time.sleep(0.5)
    assert answers[-1] == 200 and set(answers) <= {202, 409, 200}, answers
    order = flexiti_state(service).store.get_order("BUDGET-1")
    history = flexiti_state(service).store.history(order)
    assert [event.to_status for event in history].count(OrderStatus.PENDING) == 1
    assert again.json["online_order_id"] == order.online_order_id
    close_app(service)


# -- refunds, cancellations, review decisions, the console and the shop's checkout --------------

SANDBOX = "/flexiti-sandbox/_sandbox"
BUDGET = {"FLEXITI_REQUEST_BUDGET": "1s", "FLEXITI_TIMEOUT": "20", "FLEXITI_MAX_RETRIES": "0"}
#: Flexiti's latency in these tests: three times the budget.
SLOW = 3


def flexiti_calls(client, ending: str) -> list[dict]:
    """The POST calls the embedded sandbox received whose path ends with ``ending``."""
    log = client.get(f"{SANDBOX}/requests").json["requests"]
    return [e for e in log if e["method"] == "POST" and e["path"].endswith(ending)]


def settled_order(
    app, client, merchant_order_id: str, *, delta: str = "0", held: bool = True
) -> None:
    """An order whose customer the sandbox approved, its purchase held (Flexiti would cancel it)
    or posted (only returned); approved for ``delta`` more: the order needs review."""
    client.patch(f"{SANDBOX}/pos", json={"online_purchases": "held" if held else "posted"})
    client.patch(f"{SANDBOX}/faults", json={"approved_amount_delta": delta})
    state = flexiti_state(app)
    with app.test_request_context():
        started = state.orders.start(checkout_request(merchant_order_id, "200.00"))
    client.post(f"{SANDBOX}/orders/{started.online_order_id}/settle", json={"outcome": "approve"})
    with app.app_context():
        state.orders.refresh(merchant_order_id, source="shop", force=True)
    client.patch(f"{SANDBOX}/faults", json={"approved_amount_delta": "0"})


def until(read, done, seconds: float = 40.0):
    """``read()`` again until ``done`` says its answer is final; that answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = read()
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


@pytest.fixture
def service(tmp_path, store_url):
    from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
    from flexiti_checkout.service.app import create_app
    from support.apps import close_app

    app = create_app({
        "FLEXITI_ENVIRONMENT": "sandbox", "FLEXITI_STORE_URL": store_url,
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"), **BUDGET,
    })  # fmt: skip
    app.config["TEST_BEARER"] = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
    yield app
    close_app(app)


def test_a_refund_slower_than_the_budget_answers_202_and_returns_once(service):
    """202 with the refund still requested, in time; the same key finds it settled later, and
    Flexiti was asked to return the money once."""
    client, bearer = service.test_client(), service.config["TEST_BEARER"]
    settled_order(service, client, "RB-1", held=False)
    client.patch(f"{SANDBOX}/faults", json={"latency": SLOW})
    path, key = "/flexiti/api/orders/RB-1/refunds", {"Idempotency-Key": "rb-1-chair"}

    began = time.monotonic()
    first = client.post(path, json={"amount": "50.00"}, headers={**bearer, **key})
    assert time.monotonic() - began < SLOW - 0.5
    assert first.status_code == 202 and first.json["status"] == "requested"
    assert int(first.headers["Retry-After"]) >= 1 and first.headers["Location"].endswith(path)
    last = until(
        lambda: client.post(path, json={"amount": "50.00"}, headers={**bearer, **key}),
        lambda answer: answer.status_code != 202,
    )
    assert (last.status_code, last.json["status"]) == (200, "succeeded")
    assert last.json["id"] == first.json["id"] and last.json["order_status"] == "partially_refunded"
    client.patch(f"{SANDBOX}/faults", json={"latency": 0})
    assert len(flexiti_calls(client, "/return")) == 1


@pytest.mark.parametrize(
    ("delta", "path", "body", "ends"),
    [
        ("0", "cancel", {"reason": "out of stock"}, "cancelled"),
        ("1.00", "review", {"decision": "reject", "note": "approved for more"}, "cancelled"),
    ],
    ids=["cancel", "review"],
)
def test_an_action_slower_than_the_budget_answers_202_and_reaches_flexiti_once(
    service, delta, path, body, ends
):
    """202 action_in_progress in time, with the order's URL; asking again meanwhile answers the
    same without calling Flexiti; the order shows the action under way, then its outcome."""
    client, bearer = service.test_client(), service.config["TEST_BEARER"]
    settled_order(service, client, "AB-1", delta=delta)
    client.patch(f"{SANDBOX}/faults", json={"latency": SLOW})
    url = f"/flexiti/api/orders/AB-1/{path}"

    began = time.monotonic()
    first = client.post(url, json=body, headers=bearer)
    assert time.monotonic() - began < SLOW - 0.5
    assert (first.status_code, first.json["error"]) == (202, "action_in_progress")
    assert first.headers["Location"].endswith("/flexiti/api/orders/AB-1")
    again = client.post(url, json=body, headers=bearer)
    assert (again.status_code, again.json["error"]) == (202, "action_in_progress")
    under_way = client.get("/flexiti/api/orders/AB-1", headers=bearer).json
    assert under_way["details"]["action_in_progress"]["actor"] == "api"
    done = until(
        lambda: client.get("/flexiti/api/orders/AB-1", headers=bearer).json,
        lambda order: order["status"] == ends,
    )
    assert done["status"] == ends and "action_in_progress" not in done["details"]
    client.patch(f"{SANDBOX}/faults", json={"latency": 0})
    assert len(flexiti_calls(client, "/cancel")) == 1


@pytest.fixture
def shop(tmp_path, store_url):
    from flexiti_checkout.models import CheckoutSession  # noqa: F401 - the shop's view returns it

    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test-secret-key-0123456789abcdef", FLEXITI_STORE_URL=store_url,
                      **BUDGET)  # fmt: skip
    flexiti = FlexitiCheckout(app, admin_access=lambda: "Alex")

    @app.post("/pay/<merchant_order_id>")
    def pay(merchant_order_id: str):
        return flexiti.checkout(checkout_request(merchant_order_id, "200.00"))

    yield app
    flexiti.close(app)


@pytest.mark.parametrize(
    ("action", "fields", "held", "under_way", "ends"),
    [
        (
            "cancel_order",
            {"reason": "out of stock"},
            True,
            "A cancellation asked by Alex",
            "cancelled",
        ),
        (
            "refund",
            {"amount": "50.00", "key": "admin-rb-2"},
            False,
            "Requested",
            "partially_refunded",
        ),
    ],
    ids=["cancel", "refund"],
)
def test_a_console_action_slower_than_the_budget_says_it_goes_on(
    shop, action, fields, held, under_way, ends
):
    """The console answers in time with "in progress"; the order page shows the action under
    way, then its outcome; Flexiti is asked once."""
    client = shop.test_client()
    settled_order(shop, client, "CB-1", held=held)
    order_page = "/flexiti/admin/orders/CB-1"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(order_page).text)[1]
    client.patch(f"{SANDBOX}/faults", json={"latency": SLOW})

    began = time.monotonic()
    done = client.post(f"{order_page}/actions/{action}",
                       data={"csrf_token": token, "confirm": "yes", **fields})  # fmt: skip
    assert time.monotonic() - began < SLOW - 0.5 and done.status_code == 303
    page = client.get(order_page).text
    assert 'role="status">In progress: ' in page and under_way in page
    until(lambda: flexiti_state(shop).store.get_order("CB-1").status.value, lambda s: s == ends)
    client.patch(f"{SANDBOX}/faults", json={"latency": 0})
    settled = client.get(order_page).text
    assert flexiti_state(shop).store.get_order("CB-1").status.value == ends
    assert 'id="flx-under-way"' not in settled
    calls = flexiti_calls(client, "/cancel" if action == "cancel_order" else "/return")
    assert len(calls) == 1


def test_the_shops_checkout_slower_than_the_budget_says_it_is_still_starting(shop):
    """FlexitiCheckout.checkout answers in time with a 202 "still starting" page; sent again, it
    answers the started checkout, and Flexiti opened one order."""
    client = shop.test_client()
    client.patch(f"{SANDBOX}/faults", json={"latency": 1.5})

    began = time.monotonic()
    first = client.post("/pay/SB-1", headers={"Accept": "application/json"})
    assert time.monotonic() - began < 1.4
    assert first.status_code == 202 and first.json["error"] == "CheckoutStillStarting"
    assert "still starting" in first.json["message"] and int(first.headers["Retry-After"]) >= 1
    last = until(
        lambda: client.post("/pay/SB-1", headers={"Accept": "application/json"}),
        lambda answer: answer.status_code not in (202, 409),
    )
    assert last.status_code == 200 and "modal_url" in last.json
    order = flexiti_state(shop).store.get_order("SB-1")
    history = flexiti_state(shop).store.history(order)
    assert [event.to_status for event in history].count(OrderStatus.PENDING) == 1
    client.patch(f"{SANDBOX}/faults", json={"latency": 0})


def test_the_python_api_waits_at_most_its_budget(shop):
    """``refund(..., budget=)`` returns the refund still requested in time and the same key
    finds it settled; ``cancel_order(..., budget=)`` raises ActionInProgressError in time, and
    the cancellation reaches Flexiti once."""
    from flexiti_checkout import ActionInProgressError, RefundStatus

    flexiti = FlexitiCheckout()  # its methods act on the current app: the shop's
    client = shop.test_client()
    settled_order(shop, client, "PB-1", held=False)
    settled_order(shop, client, "PB-2", held=True)
    client.patch(f"{SANDBOX}/faults", json={"latency": SLOW})
    with shop.app_context():
        began = time.monotonic()
        refund = flexiti.refund("PB-1", "50.00", idempotency_key="pb-1", budget=1.0)
        assert time.monotonic() - began < SLOW - 0.5 and refund.status is RefundStatus.REQUESTED
        began = time.monotonic()
        with pytest.raises(ActionInProgressError):
            flexiti.cancel_order("PB-2", reason="out of stock", budget=1.0)
        assert time.monotonic() - began < SLOW - 0.5
        again = until(
            lambda: flexiti.refund("PB-1", "50.00", idempotency_key="pb-1", budget=1.0),
            lambda found: found.status is not RefundStatus.REQUESTED,
        )
        assert again.id == refund.id and again.status is RefundStatus.SUCCEEDED
        until(
            lambda: flexiti_state(shop).store.get_order("PB-2").status.value,
            lambda status: status == "cancelled",
        )
    client.patch(f"{SANDBOX}/faults", json={"latency": 0})
    assert flexiti_state(shop).store.get_order("PB-2").status.value == "cancelled"
    assert len(flexiti_calls(client, "/cancel")) == 1 and len(flexiti_calls(client, "/return")) == 1
