"""Test support: a shop app with the extension, on a real port, wired to a live sandbox.

The sandbox's success, error and callback URLs point at the shop, as a merchant would set them in
Flexiti's portal, so a settled order returns the browser and posts a callback for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from flexiti_checkout import FlexitiCheckout, Order
from flexiti_checkout import signals as flexiti_signals
from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.signals import NOTIFICATIONS
from flexiti_checkout.store.inbox import Delivery
from flexiti_checkout.web.state import FlexitiState, flexiti_state
from support.sandbox_server import SandboxServer

ADDRESS = {
    "first_name": "Tommy",
    "last_name": "Samson",
    "address_1": "123 Any Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V 2T6",
}


def checkout_request(
    merchant_order_id: str, amount: str = "499.00", flow: str = "apply/buy", lang: str = "en"
) -> dict:
    """A valid checkout request with personal data a test can look for afterwards."""
    request: dict[str, Any] = {
        "merchant_order_id": merchant_order_id,
        "amount": amount,
        "flow": flow,
        "lang": lang,
        "first_name": "Tommy",
        "last_name": "Samson",
        "date_of_birth": "1981-06-01",
        "email": "tommy@example.com",
    }
    if flow != "apply":
        request["billing"] = dict(ADDRESS)
        request["shipping"] = dict(ADDRESS)
    return request


@dataclass
class SignalLog:
    """Every signal the extension sent, as (signal name, merchant order id)."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str):
        def receiver(sender: Any, order: Order, **extra: Any) -> None:
            with self._lock:
                self.sent.append((name, order.merchant_order_id))

        return receiver

    def names(self, merchant_order_id: str) -> list[str]:
        with self._lock:
            return [name for name, order_id in self.sent if order_id == merchant_order_id]


class Shop:
    """A running shop: its app, URL, extension, the sandbox it talks to, and what it signalled."""

    def __init__(
        self,
        app: Flask,
        url: str,
        flexiti: FlexitiCheckout,
        sandbox: SandboxServer,
        signals: SignalLog,
    ) -> None:
        self.app = app
        self.url = url
        self.flexiti = flexiti
        self.sandbox = sandbox
        self.signals = signals

    @property
    def state(self) -> FlexitiState:
        return flexiti_state(self.app)

    def start(self, merchant_order_id: str, amount: str = "499.00", flow: str = "apply/buy"):
        """Start a checkout from Python (no browser); returns the CheckoutSession."""
        with self.app.app_context():
            return self.flexiti.start_checkout(checkout_request(merchant_order_id, amount, flow))

    def order(self, merchant_order_id: str) -> Order:
        with self.app.app_context():
            order = self.flexiti.get_order(merchant_order_id)
        assert order is not None, merchant_order_id
        return order

    def browser(self) -> requests.Session:
        """A customer's browser: keeps the shop's session cookie."""
        return requests.Session()

    def settle(self, online_order_id: str, outcome: str) -> dict:
        """The customer decides in Flexiti's hosted flow (through the sandbox's control API)."""
        return self.sandbox.control(
            "POST", f"orders/{online_order_id}/settle", {"outcome": outcome}
        )

    def wait_for_callbacks(self, timeout: float = 5.0) -> list[dict]:
        """The sandbox's callbacks once sent, and once the shop's workers took every one."""
        sent = self.sandbox.control("GET", f"callbacks?wait={timeout}")["callbacks"]
        self.wait_for_inbox()
        return sent

    def wait_for_inbox(self, timeout: float = 15.0) -> None:
        """Wait (a bounded poll of the store) until no delivery is being processed or due within
        a second (a throttled one is due again after the shop's 0.2 s lookup interval; one that
        failed upstream only after seconds)."""
        workers = self.state.callback_workers
        assert workers.wait_idle(timeout, within=1.0), "deliveries are still waiting"

    def delivery(self, delivery_id: int, timeout: float = 15.0) -> Delivery:
        """The delivery once a worker has tried it (a bounded poll of the store)."""
        inbox = self.state.callbacks.inbox
        deadline = time.monotonic() + timeout
        while (found := inbox.get(delivery_id)).attempts == 0 or found.lease_owner:
            assert time.monotonic() < deadline, f"delivery {delivery_id} was never processed"
            time.sleep(0.02)
        return found


def make_shop_app(
    sandbox: SandboxServer, tmp_path: Path, **config: Any
) -> tuple[Flask, FlexitiCheckout]:
    """A Flask shop with the extension pointed at ``sandbox`` and a SQLite store in ``tmp_path``."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_ONLINE_API_URL=sandbox.online_api_url,
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        FLEXITI_LOOKUP_INTERVAL="0.2s",
        FLEXITI_MAX_RETRIES=0,
    )
    app.config.update(config)
    flexiti = FlexitiCheckout(app)

    @app.post("/pay/<merchant_order_id>")
    def pay(merchant_order_id: str):
        from flask import request

        mode = request.args.get("mode", "modal")
        amount = request.args.get("amount", "499.00")
        flow = request.args.get("flow", "apply/buy")
        lang = request.args.get("lang", "en")
        return flexiti.checkout(checkout_request(merchant_order_id, amount, flow, lang), mode=mode)

    return app, flexiti


@contextmanager
def run_shop(sandbox: SandboxServer, tmp_path: Path, **config: Any) -> Iterator[Shop]:
    """A shop on a real port; the sandbox sends its customers and callbacks there."""
    app, flexiti = make_shop_app(sandbox, tmp_path, **config)
    log = SignalLog()
    names = tuple(dict.fromkeys(row.signal_name for row in NOTIFICATIONS))
    receivers = []
    for name in names:
        receiver = log.record(name)
        receivers.append(receiver)  # blinker holds receivers weakly
        getattr(flexiti_signals, name).connect(receiver, app)
    with serve(app) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        secret = config.get("FLEXITI_CALLBACK_SECRET")
        callback = f"{url}/flexiti/callback" + (f"/{secret}" if secret else "")
        sandbox.control("PATCH", "settings", {
            "success_url": f"{url}/flexiti/return/success",
            "error_url": f"{url}/flexiti/return/error",
            "callback_url": callback,
        })  # fmt: skip
        try:
            yield Shop(app, url, flexiti, sandbox, log)
        finally:
            sandbox.state.callbacks.stop()
            for name, receiver in zip(names, receivers, strict=True):
                getattr(flexiti_signals, name).disconnect(receiver, app)
            flexiti.close(app)


__all__ = ["ADDRESS", "Decimal", "Shop", "checkout_request", "make_shop_app", "run_shop"]
