"""Hostile JSON bodies on every sandbox endpoint that reads JSON: a 400 saying why, never a 500.

The endpoints are read from the app's URL map, so a new one is covered without editing this.
"""

from __future__ import annotations

import pytest
from flask import Flask

from flexiti_checkout._json import MAX_DEPTH
from flexiti_checkout.sandbox import create_app
from flexiti_checkout.sandbox.app import is_api_path
from support.sandbox_server import DEFAULT_CLIENT_ID, SandboxApi

#: Endpoints that take form fields or no body at all (their body is never read).
NOT_JSON = {
    "sandbox_pos_transactions_v2.post",
    "sandbox_pos_transactions_v2.cancel",
    "sandbox_online.token",
    "sandbox_pos.token",
    "sandbox_hosted.submit",
    "sandbox_home.try_flow",
    "sandbox_control.reset",
    "sandbox_control.revoke_tokens",
    "sandbox_control.clear_requests",
}
#: Widget init and learn more take a customer-scope token; the rest a merchant one.
CUSTOMER_SCOPE = {"sandbox_online.init_apply", "sandbox_online.init_purchase",
                  "sandbox_online.learn_more"}  # fmt: skip

HOSTILE = {
    "a list nested 5000 deep": (b"[" * 5000 + b"]" * 5000, "nested deeper than"),
    "an object nested 5000 deep": (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested deeper than"),
    "one level too deep": (
        b'{"amount":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}",
        "nested deeper than",
    ),
    "a huge exponent": (b'{"amount_requested": 1e999999999, "amount": 1}', "number we refuse"),
    "a huge integer": (b'{"amount": ' + b"9" * 5000 + b"}", "number we refuse"),
    "NaN": (b'{"amount": NaN}', "not a JSON number"),
    "a NUL in a string": (b'{"merchant_orderid": "A\\u0000B", "outcome": "approve"}', "NUL"),
    "a NUL in a key": (b'{"merchant_\\u0000orderid": "A-1"}', "NUL"),
    "raw NUL bytes": (b"\x00\x00\x00\x00", "is not JSON"),
    "bytes that are not UTF-8": (b'{"first_name": "\xe9"}', "is not"),
}


def json_endpoints(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every route that reads a JSON body, path arguments filled."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_JSON or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            path = rule.rule
            for argument in rule.arguments:
                value = DEFAULT_CLIENT_ID if argument == "cid" else "1"
                path = path.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
            found.append((rule.endpoint, method, path))
    return sorted(found)


ENDPOINTS = json_endpoints(create_app())


def test_every_json_endpoint_is_probed():
    """The probe reaches the Online API, the POS API and the control API."""
    paths = [path for _, _, path in ENDPOINTS]
    assert len(ENDPOINTS) >= 20
    assert any(p.startswith("/flexiti/online-api/") for p in paths)
    assert any(p.startswith("/flexiti/pos-api/v2/") for p in paths)
    assert any(p.startswith("/_sandbox/") for p in paths)


@pytest.mark.parametrize("body", HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_body_is_a_400_in_the_documented_shape(sandbox_client, body):
    """Each JSON endpoint answers a body nested too deep, a number out of range, NaN, a NUL or
    bytes that are not UTF-8 with 400 saying what is wrong: Flexiti's ``{"code", "error",
    "error_description"}`` on the APIs, ``{"error"}`` on the control API."""
    text, reason = body
    api = SandboxApi(sandbox_client)
    tokens = {scope: api.token(scope) for scope in ("merchant", "customer")}
    for endpoint, method, path in ENDPOINTS:
        scope = "customer" if endpoint in CUSTOMER_SCOPE else "merchant"
        answer = sandbox_client.open(path, method=method, data=text, headers={
            "Content-Type": "application/json", "x-reference-id": api.reference_id,
            "Authorization": f"Bearer {tokens[scope]}",
        })  # fmt: skip
        where = f"{method} {path}: {answer.status_code} {answer.get_data()[:200]!r}"
        assert answer.status_code == 400, where
        if is_api_path(path):
            assert answer.json["code"] == 400, where
            assert answer.json["error"] == "invalid_request", where
            message = answer.json["error_description"]
        else:
            message = answer.json["error"]
        assert message.startswith("The request body "), where
        assert reason in message, where
