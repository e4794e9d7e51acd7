"""The sandbox's fault knobs and its control API."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from support.sandbox_server import ONLINE_API, buy_body

CALC = "/online/v2/client-id/{cid}/systems/payment-calculator?price=499"
AVAILABILITY = "/online/client-id/{cid}/merchants/payment-availability"
SECRET = "77fde15a-9d33-4e15-930a-76e4b3ae33e9"


def test_fault_knob_defaults(sandbox_client):
    """GET /_sandbox/faults lists every knob with its default."""
    assert sandbox_client.get("/_sandbox/faults").json == {
        "latency": 0.0,
        "error_rate": 0.0,
        "html_errors": False,
        "malformed_json_rate": 0.0,
        "fail_next": None,
        "token_lifetime": 1200.0,
        "callback_mode": "normal",
        "callback_copies": 2,
        "callback_delay": 1.0,
        "callback_with_ids": False,
        "approved_amount_delta": "0",
        "lookup_style": "table",
        "return_style": "flexiti",
        "online_field_errors": False,
        "numeric_merchant_order_ids": False,
        "same_transaction_id": False,
        "reference_id_everywhere": False,
        "unlimited_bypass": False,
        "apply_address_1_required": False,
        "merchant_override": False,
    }


@pytest.mark.sandbox_config({"ERROR_RATE": 0.25, "CALLBACK_MODE": "drop", "SEED": 3})
def test_knobs_from_config(sandbox_client):
    """Upper-case knob names in create_app config set the starting values."""
    knobs = sandbox_client.get("/_sandbox/faults").json
    assert knobs["error_rate"] == 0.25 and knobs["callback_mode"] == "drop"


def test_patch_knobs_case_insensitive(sandbox_client):
    """PATCH changes only the named knobs, whatever their case, and answers them all."""
    response = sandbox_client.patch(
        "/_sandbox/faults", json={"LATENCY": 0.5, "approved_amount_delta": "1.50"}
    )
    assert response.status_code == 200
    assert response.json["latency"] == 0.5
    assert response.json["approved_amount_delta"] == "1.50"
    assert response.json["error_rate"] == 0.0


@pytest.mark.parametrize(
    "changes",
    [
        {"no_such_knob": 1},
        {"error_rate": 1.5},
        {"error_rate": "lots"},
        {"latency": -1},
        {"html_errors": "yes"},
        {"callback_mode": "sometimes"},
        {"callback_copies": 0},
        {"token_lifetime": 0},
        {"approved_amount_delta": "abc"},
        {"fail_next": {"count": 1, "body": "xml"}},
        {"fail_next": {"count": 1, "status": 99}},
        {"fail_next": {"count": 1, "retry_after": 1.5}},
        {"fail_next": {"count": 1, "colour": "red"}},
        {"fail_next": 3},
    ],
)
def test_patch_rejects_bad_knobs(sandbox_client, changes):
    """A bad knob name or value is 400 and changes nothing."""
    before = sandbox_client.get("/_sandbox/faults").json
    response = sandbox_client.patch("/_sandbox/faults", json=changes)
    assert response.status_code == 400
    assert response.json["error"]
    assert sandbox_client.get("/_sandbox/faults").json == before


def test_latency_delays_api_only(sandbox_api, sandbox_client):
    """LATENCY slows API answers (token call included) but not hosted pages or the control API."""
    sandbox_api.token()
    sandbox_api.knobs(latency=0.2)
    started = time.monotonic()
    sandbox_api.get(CALC)
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    sandbox_client.get("/sandbox/learn-more")
    sandbox_client.get("/_sandbox/faults")
    assert time.monotonic() - started < 0.2


def test_error_rate_one_answers_500_json(sandbox_api):
    """ERROR_RATE=1 answers every API call 500 with a Flexiti-shaped JSON body."""
    sandbox_api.token()
    sandbox_api.knobs(error_rate=1.0)
    response = sandbox_api.get(CALC)
    assert response.status_code == 500
    assert response.json["code"] == 500 and response.json["error"] == "server_error"
    assert sandbox_api.request_token().status_code == 500


def test_html_errors(sandbox_api):
    """With HTML_ERRORS the injected failures are a 502 Bad Gateway HTML page."""
    sandbox_api.token()
    sandbox_api.knobs(error_rate=1.0, html_errors=True)
    response = sandbox_api.get(CALC)
    assert response.status_code == 502
    assert response.mimetype == "text/html"
    assert "502 Bad Gateway" in response.get_data(as_text=True)


@pytest.mark.sandbox_config({"SEED": 42, "ERROR_RATE": 0.5})
def test_error_rate_is_seeded(sandbox_api, sandbox_client):
    """A fraction of calls fail and SEED makes the pattern repeat after a reset."""

    def pattern() -> list[int]:
        return [
            sandbox_api.client.post(
                ONLINE_API + "/oauth/token", headers={"x-reference-id": "r"}, data={}
            ).status_code
            for _ in range(40)
        ]

    first = pattern()
    sandbox_client.post("/_sandbox/reset")
    assert pattern() == first
    assert 5 < first.count(500) < 35
    assert set(first) == {400, 500}


def test_faults_skip_hosted_and_control(sandbox_api, sandbox_client):
    """Fault knobs never touch the hosted pages or the control API."""
    path = sandbox_api.init().json["redirection_url"].removeprefix("http://localhost")
    sandbox_api.knobs(error_rate=1.0, malformed_json_rate=1.0, fail_next={"count": 5})
    assert sandbox_client.get(path).status_code == 200
    assert sandbox_client.get("/sandbox/learn-more").status_code == 200
    assert sandbox_client.get("/_sandbox/orders").json["orders"][0]["online_order_id"] == 131209


def test_malformed_json(sandbox_api):
    """MALFORMED_JSON_RATE=1 keeps the status but cuts every JSON body so it no longer parses."""
    token = sandbox_api.token()
    sandbox_api.knobs(malformed_json_rate=1.0)
    response = sandbox_api.get(CALC, token=token)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.get_data(as_text=True))
    token_response = sandbox_api.request_token()
    assert token_response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(token_response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("body", "mimetype", "check"),
    [
        ("json", "application/json", lambda text: json.loads(text)["code"] == 503),
        ("html", "text/html", lambda text: "503 Service Unavailable" in text),
        ("empty", None, lambda text: text == ""),
        ("malformed", "application/json", lambda text: text.startswith("{")),
    ],
)
def test_fail_next_exact_count_and_body(sandbox_api, body, mimetype, check):
    """FAIL_NEXT fails exactly the next N API calls, with the chosen body and Retry-After."""
    sandbox_api.token()
    sandbox_api.knobs(fail_next={"count": 3, "status": 503, "body": body, "retry_after": 7})
    statuses = []
    for _ in range(5):
        response = sandbox_api.get(CALC)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "7"
            assert response.mimetype == mimetype
            assert check(response.get_data(as_text=True))
    assert statuses == [503, 503, 503, 200, 200]
    assert sandbox_api.client.get("/_sandbox/faults").json["fail_next"] is None


def test_fail_next_path_filter(sandbox_api):
    """With paths, only matching API calls consume FAIL_NEXT; others pass untouched."""
    sandbox_api.token()
    sandbox_api.knobs(fail_next={"count": 2, "status": 500, "paths": "payment-availability"})
    assert sandbox_api.get(CALC).status_code == 200
    amount = {"amount_requested": 400}
    assert sandbox_api.post(AVAILABILITY, amount).status_code == 500
    assert sandbox_api.get(CALC).status_code == 200
    assert sandbox_api.client.get("/_sandbox/faults").json["fail_next"]["count"] == 1
    assert sandbox_api.post(AVAILABILITY, amount).status_code == 500
    assert sandbox_api.post(AVAILABILITY, amount).status_code == 200


def test_fail_next_strikes_before_auth(sandbox_client):
    """FAIL_NEXT answers even calls that would fail auth, like a gateway in front of Flexiti."""
    sandbox_client.patch("/_sandbox/faults", json={"fail_next": {"count": 1, "status": 502}})
    path = ONLINE_API + "/online/client-id/x/notifications/order-id/1"
    assert sandbox_client.get(path).status_code == 502
    assert sandbox_client.get(path).status_code == 400


def test_fail_next_is_exact_under_concurrency(sandbox):
    """Thirty concurrent API calls against a live sandbox with FAIL_NEXT count 7: exactly 7 fail."""
    sandbox.control("PATCH", "/faults", {"fail_next": {"count": 7, "status": 503}})
    url = sandbox.online_api_url + "/oauth/token"
    form = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret}

    def call(i: int) -> int:
        response = requests.post(url, data=form, headers={"x-reference-id": f"r-{i}"}, timeout=10)
        return response.status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(call, range(30)))
    assert statuses.count(503) == 7
    assert statuses.count(200) == 23


@pytest.mark.sandbox_config({"TOKEN_LIFETIME": 60})
def test_token_lifetime_knob_applies_to_new_tokens(sandbox_api, sandbox_clock):
    """Changing TOKEN_LIFETIME affects tokens issued afterwards."""
    first = sandbox_api.request_token().json
    sandbox_api.knobs(token_lifetime=5)
    second = sandbox_api.request_token().json
    assert (first["expires_in"], second["expires_in"]) == (60, 5)
    sandbox_clock.advance(5)
    assert sandbox_api.get(CALC, token=second["access_token"]).status_code == 401
    assert sandbox_api.get(CALC, token=first["access_token"]).status_code == 200


# --- control API -------------------------------------------------------------------------------


def test_request_log_records_calls_without_secrets(sandbox_api, sandbox_client):
    """The request log has method, path, status, reference id and scope, never secrets or tokens."""
    token = sandbox_api.request_token(scope="customer").json["access_token"]
    sandbox_api.get(CALC, token=token)
    sandbox_api.get(CALC, token=token, headers={"x-reference-id": "other-ref"})
    sandbox_api.request_token(client_secret="wrong")
    sandbox_client.get("/sandbox/learn-more")
    log = sandbox_client.get("/_sandbox/requests").json["requests"]
    assert [(e["method"], e["status"], e["reference_id"]) for e in log] == [
        ("POST", 200, sandbox_api.reference_id),
        ("GET", 200, sandbox_api.reference_id),
        ("GET", 200, "other-ref"),
        ("POST", 400, sandbox_api.reference_id),
    ]
    assert log[0]["path"] == ONLINE_API + "/oauth/token"
    assert (log[0]["grant_type"], log[0]["scope"]) == ("client_credentials", "customer")
    assert log[1]["scope"] == "customer" and log[1]["query"] == "price=499"
    dumped = json.dumps(log)
    assert SECRET not in dumped and token not in dumped and "wrong" not in dumped
    assert sandbox_client.delete("/_sandbox/requests").json == {"requests": []}
    assert sandbox_client.get("/_sandbox/requests").json["requests"] == []


def test_request_log_marks_faults(sandbox_api, sandbox_client):
    """Injected failures are logged with the fault that produced them."""
    sandbox_api.knobs(fail_next={"count": 1})
    sandbox_api.request_token()
    assert sandbox_client.get("/_sandbox/requests").json["requests"][0]["fault"] == "fail_next"


def test_control_orders_and_settle(sandbox_api, sandbox_client):
    """Orders are listed, settled once by the control API, and unknown ones are 404."""
    order_id = sandbox_api.init(merchant_orderid="C-1").json["online_order_id"]
    listed = sandbox_client.get("/_sandbox/orders").json["orders"]
    assert [(o["online_order_id"], o["merchant_orderid"], o["status"]) for o in listed] == [
        (order_id, "C-1", "PENDING")
    ]
    assert listed[0]["amount"] == "499.00" and listed[0]["flow_path"].startswith("/sandbox/flow/")
    settled = sandbox_api.settle(order_id, "approve")
    assert settled.status_code == 200
    assert settled.json["status"] == "SUCCESS" and settled.json["promo_id"] == "382712"
    again = sandbox_api.settle(order_id, "decline")
    assert again.status_code == 409 and again.json["order"]["status"] == "SUCCESS"
    assert sandbox_api.settle(999, "approve").status_code == 404
    assert sandbox_api.settle(order_id, "maybe").status_code == 400


def test_control_settings(sandbox_api, sandbox_client):
    """PATCH /_sandbox/settings changes the URLs the hosted flow sends customers to."""
    response = sandbox_client.patch(
        "/_sandbox/settings", json={"success_url": "https://shop.example/thanks"}
    )
    assert response.json["success_url"] == "https://shop.example/thanks"
    path = sandbox_api.init().json["redirection_url"].removeprefix("http://localhost")
    html = sandbox_client.post(path, data={"outcome": "approve"}).get_data(as_text=True)
    assert "https://shop.example/thanks?orderId=131209&amp;auth_token=" in html
    assert sandbox_client.patch("/_sandbox/settings", json={"colour": "x"}).status_code == 400


@pytest.mark.sandbox_config({"LATENCY": 0.0, "CALLBACK_MODE": "drop"})
def test_reset_restores_the_start(sandbox_api, sandbox_client):
    """Reset forgets orders, tokens and logs and puts knobs and URLs back to their start values."""
    token = sandbox_api.token()
    sandbox_api.init()
    sandbox_api.knobs(callback_mode="duplicate", error_rate=0.5)
    sandbox_client.patch("/_sandbox/settings", json={"error_url": "https://x.example"})
    assert sandbox_client.post("/_sandbox/reset").json == {"reset": True}
    assert sandbox_client.get("/_sandbox/orders").json == {"orders": []}
    assert sandbox_client.get("/_sandbox/requests").json == {"requests": []}
    knobs = sandbox_client.get("/_sandbox/faults").json
    assert (knobs["callback_mode"], knobs["error_rate"]) == ("drop", 0.0)
    assert sandbox_client.get("/_sandbox/settings").json["error_url"] is None
    assert sandbox_api.get(CALC, token=token).status_code == 401
    sandbox_api._tokens.clear()
    assert sandbox_api.init().json["online_order_id"] == 131209


def test_live_server_round_trip(sandbox):
    """Over real HTTP: token, init, the hosted page's form post, then a SUCCESS lookup."""
    with requests.Session() as http:
        http.headers["x-reference-id"] = "live-1"
        token = http.post(
            sandbox.online_api_url + "/oauth/token",
            data={"client_id": sandbox.client_id, "client_secret": sandbox.client_secret},
            timeout=10,
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        started = http.post(
            sandbox.online_api_url + "/online/v2/client-id/flexitidemo/systems/init",
            json=buy_body(merchant_orderid="LIVE-1"),
            timeout=10,
        ).json()
        assert started["redirection_url"].startswith(sandbox.url + "/sandbox/flow/")
        page = http.post(started["redirection_url"], data={"outcome": "approve"}, timeout=10)
        assert page.status_code == 200
        found = http.get(
            sandbox.online_api_url
            + "/online/client-id/flexitidemo/notifications/merchant-order-id/LIVE-1",
            timeout=10,
        ).json()
    assert found["purchase"]["status"] == "Success"
    assert sandbox.control("GET", "orders")["orders"][0]["status"] == "SUCCESS"
