"""Callbacks the sandbox posts to the shop, checked at a real local HTTP receiver."""

from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest

from support.sandbox_server import BUYER

PURCHASE_KEYS = {
    "customer_fname",
    "customer_lname",
    "customer_dob",
    "customer_postal_code",
    "customer_id",
    "purchase_status",
    "purchase_amount",
    "administrative_fee",
    "transaction_total_amount",
    "vcc",
    "plan_id",
    "term",
    "promo_id",
    "customer_comparison_result",
}
APPLY_KEYS = {
    "customer_fname",
    "customer_lname",
    "customer_dob",
    "customer_postal_code",
    "apply_status",
    "customer_id",
    "vcc",
}
TEST_PATH = "/online/client-id/{cid}/notifications/test"


def settle(sandbox_api, outcome="approve", **init):
    order_id = sandbox_api.init(**init).json["online_order_id"]
    assert sandbox_api.settle(order_id, outcome).status_code == 200
    return order_id


def deliveries(sandbox_app, wait: float = 5.0):
    state = sandbox_app.extensions["flexiti_sandbox"]
    assert state.callbacks.wait(wait)
    return state.callbacks.entries()


def test_approved_purchase_notification(sandbox_api, sandbox_app, callback_receiver):
    """An approved buy order posts one JSON notification shaped like the Online API's (no order id,
    only the promo and customer ids), and logs it."""
    order_id = settle(
        sandbox_api,
        merchant_orderid="SHOP-1",
        fname="Tommy",
        lname="Samson",
        dob="06/01/1981",
        **BUYER,
    )
    (body,) = callback_receiver.wait_for(1)
    assert callback_receiver.received[0]["content_type"] == "application/json"
    assert callback_receiver.received[0]["path"] == "/flexiti/callback"
    assert set(body) == {
        "event",
        "notificationType",
        "callback_url",
        "username",
        "client_id",
        "purchase",
    }
    assert body["event"] == "purchase" and body["notificationType"] == "Success"
    assert body["callback_url"] == callback_receiver.url
    assert body["client_id"] == "flexitidemo"
    assert "SHOP-1" not in str(body) and str(order_id) not in str(body)
    purchase = body["purchase"]
    assert set(purchase) == PURCHASE_KEYS
    assert purchase["purchase_status"] == "Success"
    assert purchase["purchase_amount"] == "499.00"
    assert purchase["transaction_total_amount"] == 499.0
    assert purchase["administrative_fee"] == "0.00"
    assert (purchase["plan_id"], purchase["term"], purchase["promo_id"]) == ("3", 12, "382712")
    assert (purchase["customer_fname"], purchase["customer_dob"]) == ("Tommy", "06/01/1981")
    assert purchase["customer_postal_code"] == "M2A2A2"
    (entry,) = deliveries(sandbox_app)
    assert entry["url"] == callback_receiver.url
    assert entry["status"] == 200 and entry["error"] is None and entry["body"] == body


@pytest.mark.parametrize(
    ("outcome", "kind", "status"),
    [("decline", "Error", "Declined"), ("cancel", "Cancelled", "Cancelled")],
)
def test_unsuccessful_purchase_notification(sandbox_api, callback_receiver, outcome, kind, status):
    """Declined and cancelled orders notify Error / Cancelled without a promo id."""
    settle(sandbox_api, outcome)
    (body,) = callback_receiver.wait_for(1)
    assert body["notificationType"] == kind
    assert body["purchase"]["purchase_status"] == status
    assert body["purchase"]["promo_id"] is None


def test_apply_notification_and_defaults(sandbox_api, callback_receiver):
    """An apply flow notifies event apply with an apply section filled with sandbox defaults."""
    started = sandbox_api.post(
        "/online/client-id/{cid}/systems/init",
        {"lang": "fr-CA", "flow": "apply", "amount_requested": 3000},
    ).json
    sandbox_api.settle(started["online_order_id"], "approve")
    (body,) = callback_receiver.wait_for(1)
    assert body["event"] == "apply" and "purchase" not in body
    assert set(body["apply"]) == APPLY_KEYS
    assert body["apply"]["apply_status"] == "Success"
    assert body["apply"]["customer_id"] == 1293835
    assert body["apply"]["customer_fname"] == "Sandy"


def test_hosted_page_settle_sends_callback(sandbox_api, sandbox_client, callback_receiver):
    """Approving on the hosted page delivers the callback too."""
    url = sandbox_api.init().json["redirection_url"]
    sandbox_client.post(url.removeprefix("http://localhost"), data={"outcome": "approve"})
    assert callback_receiver.wait_for(1)[0]["notificationType"] == "Success"


@pytest.mark.parametrize(
    ("config", "copies"),
    [
        ({"CALLBACK_MODE": "duplicate"}, 2),
        ({"CALLBACK_MODE": "duplicate", "CALLBACK_COPIES": 3}, 3),
    ],
)
def test_duplicate_mode(sandbox_api, sandbox_app, callback_receiver, config, copies):
    """duplicate mode posts CALLBACK_COPIES identical notifications."""
    sandbox_api.knobs(**config)
    settle(sandbox_api)
    assert len(deliveries(sandbox_app)) == copies
    bodies = callback_receiver.wait_for(copies)
    assert len(bodies) == copies and all(body == bodies[0] for body in bodies)


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_drop_mode(sandbox_api, sandbox_app, callback_receiver):
    """drop mode sends nothing and logs the notification as dropped."""
    settle(sandbox_api)
    (entry,) = deliveries(sandbox_app)
    assert entry["dropped"] is True and entry["status"] is None
    assert entry["body"]["notificationType"] == "Success"
    assert callback_receiver.received == []


@pytest.mark.sandbox_config({"CALLBACK_MODE": "delay", "CALLBACK_DELAY": 0.3})
def test_delay_mode(sandbox_api, sandbox_app, callback_receiver):
    """delay mode posts the notification only after CALLBACK_DELAY seconds."""
    started = time.monotonic()
    settle(sandbox_api)
    time.sleep(0.1)
    assert callback_receiver.received == []
    assert callback_receiver.wait_for(1)
    assert time.monotonic() - started >= 0.3
    assert len(deliveries(sandbox_app)) == 1


@pytest.mark.sandbox_config({"CALLBACK_MODE": "out_of_order", "CALLBACK_WITH_IDS": True})
@pytest.mark.parametrize(
    ("outcome", "stale_kind", "stale_status"),
    [("approve", "Error", "Declined"), ("decline", "Success", "Success")],
)
def test_out_of_order_mode(sandbox_api, callback_receiver, outcome, stale_kind, stale_status):
    """out_of_order mode follows the real notification with a contradicting stale one."""
    order_id = settle(sandbox_api, outcome)
    real, stale = callback_receiver.wait_for(2)
    assert real["purchase"]["purchase_status"] != stale_status
    assert stale["notificationType"] == stale_kind
    assert stale["purchase"]["purchase_status"] == stale_status
    assert real["online_order_id"] == stale["online_order_id"] == order_id


@pytest.mark.sandbox_config({"CALLBACK_WITH_IDS": True})
def test_callbacks_with_ids(sandbox_api, callback_receiver):
    """CALLBACK_WITH_IDS adds our merchant and online order ids to the documented shape."""
    order_id = settle(sandbox_api, merchant_orderid="SHOP-2")
    (body,) = callback_receiver.wait_for(1)
    assert (body["merchant_orderid"], body["online_order_id"]) == ("SHOP-2", order_id)
    assert body["purchase"]["promo_id"] == "382712"
    assert body["purchase"]["purchase_status"] == "Success"


@pytest.mark.sandbox_config({"APPROVED_AMOUNT_DELTA": "1.00"})
def test_approved_amount_delta(sandbox_api, callback_receiver):
    """APPROVED_AMOUNT_DELTA changes the approved amounts the callback reports."""
    settle(sandbox_api, amount_requested="499.00")
    (body,) = callback_receiver.wait_for(1)
    assert body["purchase"]["purchase_amount"] == "500.00"
    assert body["purchase"]["transaction_total_amount"] == 500.0


def test_failing_shop_is_logged(sandbox_api, sandbox_app, callback_receiver):
    """A shop answering 500 is logged once with that status (the sandbox does not retry)."""
    callback_receiver.status = 500
    settle(sandbox_api)
    (entry,) = deliveries(sandbox_app)
    assert entry["status"] == 500


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/callback"


@pytest.mark.sandbox_config({"CALLBACK_TIMEOUT": 2})
def test_unreachable_shop_does_not_break_the_sandbox(sandbox_api, sandbox_app):
    """A refused connection is logged as an error and the sandbox keeps answering."""
    sandbox_api.client.patch("/_sandbox/settings", json={"callback_url": closed_port_url()})
    settle(sandbox_api)
    (entry,) = deliveries(sandbox_app)
    assert entry["status"] is None and "ConnectionError" in entry["error"]
    assert sandbox_api.init().status_code == 200


def test_no_callback_url_sends_nothing(sandbox_api, sandbox_app):
    """Without CALLBACK_URL nothing is sent or logged."""
    settle(sandbox_api)
    assert deliveries(sandbox_app) == []


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.parametrize(
    ("event", "kind", "notification_type", "status"),
    [
        ("purchase", "success", "Success", "Success"),
        ("Purchase", "Error", "Error", "Declined"),
        ("apply", "cancelled", "Cancelled", "Cancelled"),
    ],
)
@pytest.mark.parametrize("keys", [("Event", "Notification_type"), ("event", "notification_type")])
def test_test_notification(
    sandbox_api, callback_receiver, event, kind, notification_type, status, keys
):
    """notifications/test (the Online API's Event/Notification_type, any casing) returns a sample
    notification and delivers it once, knobs aside."""
    response = sandbox_api.post(TEST_PATH, {keys[0]: event, keys[1]: kind})
    assert response.status_code == 200
    body = response.json
    assert body["notificationType"] == notification_type
    assert body["event"] == event.lower()
    section = body["purchase"] if event.lower() == "purchase" else body["apply"]
    assert section.get("purchase_status", section.get("apply_status")) == status
    assert "online_order_id" not in body and "merchant_orderid" not in body
    assert callback_receiver.wait_for(1) == [body]


def test_test_notification_field_errors(sandbox_api):
    """Bad Event or Notification_type are refused in the Online API's failure shape, each
    problem named in the description."""
    response = sandbox_api.post(TEST_PATH, {"Event": "refund", "Notification_type": "maybe"})
    assert (response.status_code, response.json["error"]) == (400, "invalid_request")
    assert "Event must be one of" in response.json["error_description"]
    assert "Notification_type must be one of" in response.json["error_description"]


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
def test_test_notification_field_errors_by_field(sandbox_api):
    """With ONLINE_FIELD_ERRORS, bad Event or Notification_type are 409 wrong_inputs field
    errors, each named."""
    response = sandbox_api.post(TEST_PATH, {"Event": "refund", "Notification_type": "maybe"})
    assert response.status_code == 409 and response.json["error"] == "wrong_inputs"
    params = [item["param"] for item in response.json["field_errors"]]
    assert params == ["Event", "Notification_type"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "delay", "CALLBACK_DELAY": 5})
def test_reset_abandons_pending_callbacks(sandbox_api, sandbox_app, callback_receiver):
    """A reset forgets delayed callbacks still waiting, so they never reach the fresh log."""
    settle(sandbox_api)
    state = sandbox_app.extensions["flexiti_sandbox"]
    assert state.callbacks.pending() == 1
    sandbox_api.client.post("/_sandbox/reset")
    state.callbacks.stop(timeout=2)
    assert state.callbacks.entries() == [] and callback_receiver.received == []


def test_callback_log_via_control_api(sandbox, callback_receiver):
    """GET /_sandbox/callbacks?wait= waits for in-flight deliveries and lists them."""
    sandbox.control("PATCH", "settings", {"callback_url": callback_receiver.url})
    state = sandbox.state
    order = state.orders.create(
        flow="buy",
        lang="en",
        amount=Decimal("499"),
        merchant_orderid="LOG-1",
        client_id="flexitidemo",
        details={},
        now=0.0,
    )
    sandbox.control("POST", f"orders/{order.online_order_id}/settle", {"outcome": "cancel"})
    log = sandbox.control("GET", "callbacks?wait=5")
    assert log["pending"] == 0
    assert [entry["body"]["notificationType"] for entry in log["callbacks"]] == ["Cancelled"]
