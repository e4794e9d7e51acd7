"""Test support for the sandbox: a live server on a free port, a callback receiver, a fake clock
and a small Flexiti-speaking wrapper around Flask's test client.

Imported by ``conftest.py`` and the tests as ``support.sandbox_server`` (``tests/`` is on
``sys.path``, see ``pythonpath`` in pyproject.toml). Everything here shuts down cleanly so
``filterwarnings = error`` stays quiet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flexiti_checkout.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from flexiti_checkout.sandbox.server import serve

ONLINE_API = "/flexiti/online-api"
POS_API = "/flexiti/pos-api/v2.5"
ADDRESS = {
    "first_name": "Tom",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "address_2": "",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M2A2A2",
}
#: What a ``buy`` init needs besides the purchase (Online API, widget init: ``customer_id`` or
#: ``vcc``): the customer id of Flexiti's examples.
BUYER = {"flow": "buy", "customer_id": "1293835"}


class SandboxServer:
    """A running sandbox: its URLs, its Flask app (for state) and a control API helper."""

    def __init__(self, app: Flask, url: str) -> None:
        self.app = app
        self.url = url
        self.online_api_url = url + ONLINE_API
        self.pos_api_url = url + POS_API
        self.client_id = DEFAULT_CLIENT_ID
        self.client_secret = DEFAULT_CLIENT_SECRET
        self._session = requests.Session()

    @property
    def state(self) -> Any:
        return self.app.extensions["flexiti_sandbox"]

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (``path`` relative to ``/_sandbox``); the decoded JSON answer."""
        if not path.startswith("/_sandbox"):
            path = "/_sandbox/" + path.lstrip("/")
        response = self._session.request(method, self.url + path, json=json, timeout=10)
        response.raise_for_status()
        return response.json()

    def transaction_id(self, online_order_id: Any) -> str:
        """The transaction id the sandbox gave the order widget init answered as
        ``online_order_id`` (what the lookups and the POS API call it)."""
        return str(self.control("GET", f"orders/{online_order_id}")["transaction_id"])

    def close(self) -> None:
        self._session.close()


@contextmanager
def run_sandbox(config: Mapping[str, Any] | None = None) -> Iterator[SandboxServer]:
    """A sandbox app on a real localhost port, for as long as the ``with`` block lasts."""
    app = create_app(dict(config or {}))
    with serve(app) as server:
        sandbox = SandboxServer(app, f"http://127.0.0.1:{server.server_port}")
        try:
            yield sandbox
        finally:
            sandbox.close()
            sandbox.state.callbacks.stop()


class CallbackReceiver:
    """A shop's callback endpoint: records every POST and answers ``status``."""

    def __init__(self) -> None:
        self.url = ""
        self.status = 200
        self.received: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        record = {
            "path": environ.get("PATH_INFO"),
            "content_type": environ.get("CONTENT_TYPE"),
            "raw": raw,
            "json": body,
        }
        with self._cond:
            self.received.append(record)
            self._cond.notify_all()
        start_response(f"{self.status} Status", [("Content-Type", "text/plain")])
        return [b"ok"]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The bodies received once at least ``count`` arrived (or the timeout passed)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return [record["json"] for record in self.received]


@contextmanager
def run_receiver() -> Iterator[CallbackReceiver]:
    """A callback receiver on a real localhost port."""
    receiver = CallbackReceiver()
    with serve(receiver) as server:
        receiver.url = f"http://127.0.0.1:{server.server_port}/flexiti/callback"
        yield receiver


class SandboxApi:
    """Speaks Flexiti to a sandbox app through Flask's test client, the way a client would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.reference_id = "0b7f2a4e-test-reference"
        self._tokens: dict[str, str] = {}

    def request_token(self, headers: Mapping[str, str] | None = None, **form: str) -> TestResponse:
        """``POST /oauth/token`` with the sandbox credentials, overridable field by field."""
        fields = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
        fields.update(form)
        base = fields.pop("base", ONLINE_API)
        return self.client.post(
            base + "/oauth/token",
            data={k: v for k, v in fields.items() if v is not None},
            headers=dict({"x-reference-id": self.reference_id}, **(headers or {})),
        )

    def token(self, scope: str = "merchant") -> str:
        if scope not in self._tokens:
            response = self.request_token(scope=scope)
            assert response.status_code == 200, response.json
            self._tokens[scope] = response.json["access_token"]
        return self._tokens[scope]

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        scope: str = "merchant",
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        base: str = ONLINE_API,
    ) -> TestResponse:
        """Call an API path (``{cid}`` is the sandbox client id) with a token and reference id."""
        sent = {
            "x-reference-id": self.reference_id,
            "Authorization": f"Bearer {token or self.token(scope)}",
        }
        sent.update(headers or {})
        url = base + path.format(cid=DEFAULT_CLIENT_ID)
        return self.client.open(url, method=method, json=json, headers=sent)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, json=json, **kwargs)

    def init(self, **overrides: Any) -> TestResponse:
        """Start a valid purchase (``apply/buy``) for 499.00; keyword arguments replace body
        fields."""
        body = buy_body(**overrides)
        path = "/online/client-id/{cid}/systems/init"
        if body.get("flow") != "apply":
            path = "/online/v2/client-id/{cid}/systems/init"
        return self.post(path, body)

    def settle(self, online_order_id: int, outcome: str) -> TestResponse:
        return self.client.post(
            f"/_sandbox/orders/{online_order_id}/settle", json={"outcome": outcome}
        )

    def transaction_id(self, online_order_id: Any) -> int:
        """The transaction id the sandbox gave the order widget init answered as
        ``online_order_id`` (what the lookups and the POS API call it)."""
        return self.client.get(f"/_sandbox/orders/{online_order_id}").json["transaction_id"]

    def knobs(self, **changes: Any) -> dict[str, Any]:
        response = self.client.patch("/_sandbox/faults", json=changes)
        assert response.status_code == 200, response.json
        return response.json


def buy_body(**overrides: Any) -> dict[str, Any]:
    """A valid widget init body for a purchase (``apply/buy``, the flow that needs no Flexiti
    customer; ``**BUYER`` makes it ``buy``); ``None`` in overrides removes a field."""
    body: dict[str, Any] = {
        "lang": "en-CA",
        "flow": "apply/buy",
        "amount_requested": 499,
        "merchant_orderid": "ORDER-1",
        "billing_information": dict(ADDRESS),
        "shipping_information": dict(ADDRESS),
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}
