"""The demo as ``make demo`` starts it, on free ports, for the browser tests of tests/flows.

``python -m flexiti_checkout.demo`` serves the demo shop under gunicorn with the sandbox on its own
port; a webhook receiver on a third port verifies every signature the Standard Webhooks way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, func, select

from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.store.engine import default_sqlite_url
from flexiti_checkout.store.outbox import PENDING
from flexiti_checkout.store.tables import webhook_outbox

API_KEY = "e2e-api-key-0123456789"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"e2e-webhook-secret-0123456789ab").decode()


@dataclass
class WebhookReceiver:
    """A shop's webhook endpoint that checks each signature before it accepts an event."""

    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        webhook_id = environ.get("HTTP_WEBHOOK_ID", "")
        timestamp = environ.get("HTTP_WEBHOOK_TIMESTAMP", "")
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [
            part.partition(",")[2] for part in environ.get("HTTP_WEBHOOK_SIGNATURE", "").split()
        ]
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        with self.lock:
            if fresh and any(hmac.compare_digest(expected, sig) for sig in offered):
                self.events.append({"id": webhook_id, **json.loads(body)})
                status = "204 No Content"
            else:
                self.bad_signatures += 1
                status = "400 Bad Request"
        start_response(status, [("Content-Length", "0")])
        return [b""]

    def for_order(self, merchant_order_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if merchant_order_id in json.dumps(e)]


@dataclass
class Demo:
    """The running demo: the shop's URL, the sandbox's, the receiver and the environment."""

    url: str
    sandbox_url: str
    webhooks: WebhookReceiver
    env: dict[str, str]

    def sandbox(self, method: str, path: str, body: Any = None) -> Any:
        answer = requests.request(
            method, f"{self.sandbox_url}/_sandbox/{path}", json=body, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def api_order(self, merchant_order_id: str) -> requests.Response:
        return requests.get(f"{self.url}/flexiti/api/orders/{merchant_order_id}", timeout=10,
                            headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip

    def wait_for_webhooks(self, merchant_order_id: str, count: int = 1) -> list[dict[str, Any]]:
        """The order's events the shop received, once ``count`` arrived and the service has none
        of the order's left to send: a duplicate would be here by then (no sleeping and counting).
        """
        deadline = time.monotonic() + 15
        while (
            time.monotonic() < deadline and len(self.webhooks.for_order(merchant_order_id)) < count
        ):
            time.sleep(0.1)
        url = self.env.get("FLEXITI_STORE_URL") or default_sqlite_url(
            self.env["FLEXITI_INSTANCE_PATH"]
        )
        engine = create_engine(url)
        unsent = select(func.count()).where(
            webhook_outbox.c.merchant_order_id == merchant_order_id,
            webhook_outbox.c.status == PENDING,
        )
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    if not conn.execute(unsent).scalar_one():
                        break
                time.sleep(0.05)
        finally:
            engine.dispose()
        return self.webhooks.for_order(merchant_order_id)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def run_demo(workdir: Path, **settings: str) -> Iterator[Demo]:
    """The demo service under gunicorn on free ports, as ``make demo`` starts it.

    ``settings`` are extra ``FLEXITI_*`` environment variables of the service.
    """
    receiver = WebhookReceiver()
    with serve(receiver) as server:
        receiver.url = f"http://127.0.0.1:{server.server_port}/webhooks"
        port, sandbox_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "FLEXITI_INSTANCE_PATH": str(workdir / "instance"),
            "FLEXITI_SHOP_WEBHOOK_URL": receiver.url,
            "FLEXITI_SHOP_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "FLEXITI_API_KEYS": API_KEY,
            "FLEXITI_SIGNING_KEY": "e2e-signing-key-0123456789abcdef",
            "FLEXITI_ONLINE_API_URL": f"http://127.0.0.1:{sandbox_port}/flexiti/online-api",
            **settings,
        }
        log = open(workdir / "demo.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "flexiti_checkout.demo", "--port", str(port),
             "--sandbox-port", str(sandbox_port), "--workers", "2"],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 40
            while "Demo shop:" not in (workdir / "demo.log").read_text(errors="replace"):
                assert process.poll() is None, (workdir / "demo.log").read_text(errors="replace")
                assert time.monotonic() < deadline, "the demo did not start in time"
                time.sleep(0.2)
            yield Demo(url, f"http://127.0.0.1:{sandbox_port}", receiver, env)
        finally:
            process.terminate()  # the launcher stops the sandbox and gunicorn on SIGTERM
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything left in its session
            log.close()


def flexiti_frame(page: Any) -> Any:
    """Flexiti's hosted page inside the dialog flexiti.js draws over the shop's page."""
    return page.frame_locator("#flexiti-overlay-frame").frame_locator("#flexiti-frame")


def buy(
    page: Any, demo: Demo, shots: Any, product: str = "espresso-machine", mode: str = "modal"
) -> str:
    """Put a product in the cart and start a Flexiti checkout; returns the merchant order id."""
    page.goto(f"{demo.url}/")
    shots.take(page, "catalogue")
    page.goto(f"{demo.url}/products/{product}")
    shots.take(page, "product")
    page.click("#demo-add")
    page.wait_for_url(f"{demo.url}/cart")
    page.click("#demo-checkout")
    page.wait_for_url(f"{demo.url}/checkout")
    shots.take(page, "checkout")
    if mode == "redirect":
        page.check("#demo-mode-redirect")
    page.click("#demo-place-order")
    if mode == "modal":
        flexiti_frame(page).locator("#sandbox-approve").wait_for()
    else:
        page.wait_for_url(f"{demo.sandbox_url}/sandbox/flow/**")
    shots.take(page, "flexiti")
    pending = [o for o in requests.get(f"{demo.url}/orders.json", timeout=10).json()["orders"]
               if o["status"] == "pending"]  # fmt: skip
    return str(pending[0]["merchant_order_id"])


def decide(page: Any, decision: str, mode: str = "modal") -> None:
    root = flexiti_frame(page) if mode == "modal" else page
    root.locator(f"#sandbox-{decision}").click()
