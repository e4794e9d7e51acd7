"""The service in sandbox mode under gunicorn with four workers, started as the README says.

No ``FLEXITI_ONLINE_API_URL``: every worker embeds the sandbox, and they must all see one. Each
checkout is started through the API by whichever worker takes it; its customer opens the hosted
page, approves and comes back, each request landing on any worker.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from support.gunicorn import run_gunicorn
from support.shop_server import checkout_request

pytestmark = pytest.mark.slow

WORKERS = 4
ORDERS = 12
API = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
RETURN_LINK = re.compile(r'<a href="([^"]+)" id="sandbox-return"')


def sandbox_service_env(workdir: Path, store_url: str) -> dict[str, str]:
    """The README's sandbox-mode service: no Flexiti URL, no keys, only where the store is."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    env.update(
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_STORE_URL=store_url,
        FLEXITI_INSTANCE_PATH=str(workdir / "instance"),
        FLEXITI_LOOKUP_INTERVAL="10ms",
    )
    return env


def customer_approves(url: str, merchant_order_id: str) -> tuple[int, str, str]:
    """Start a checkout through the API, then approve it as its customer in a browser would.

    Returns the hosted page's status, the page the customer lands on and the order's status.
    """
    started = requests.post(
        f"{url}/flexiti/api/checkouts",
        json=checkout_request(merchant_order_id),
        headers=API,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    browser = requests.Session()  # the customer's cookies
    hosted = browser.get(started.json()["redirect_url"], timeout=30)
    if hosted.status_code != 200:
        return hosted.status_code, "", ""
    assert 'name="outcome"' in hosted.text
    # The form posts to the page's own URL, which any worker may serve.
    result = browser.post(hosted.url, data={"outcome": "approve"}, timeout=30)
    assert result.status_code == 200, result.text
    target = RETURN_LINK.search(result.text)
    assert target is not None, result.text
    landed = browser.get(urljoin(result.url, html.unescape(target.group(1))), timeout=30)
    if 'data-status-url="' in landed.text:
        # "Confirming…": Flexiti's callback is being looked up by another worker right now.
        # The page polls the order's status, as here, and moves on once it has an outcome.
        landed = browser.get(urljoin(landed.url, wait_for_outcome(browser, url)), timeout=30)
    order = requests.get(f"{url}/flexiti/api/orders/{merchant_order_id}", headers=API, timeout=30)
    return hosted.status_code, landed.text, order.json()["status"]


def wait_until_up(url: str) -> None:
    """Until a worker answers the health check (the others may still be booting)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/flexiti/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or busy booting the others
            pass
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)


def wait_for_outcome(browser: requests.Session, url: str, timeout: float = 30.0) -> str:
    """What confirming.js does: poll the session's order status until it says where to go."""
    deadline = time.monotonic() + timeout
    while True:
        status = browser.get(f"{url}/flexiti/status", timeout=30).json()
        if status["next_url"]:
            return str(status["next_url"])
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def test_every_checkout_opens_and_settles_whichever_worker_serves_it(
    tmp_path: Path, store_url: str
) -> None:
    """Four workers, one sandbox: every hosted page opens and approving settles each order."""
    env = sandbox_service_env(tmp_path, store_url)
    module = "flexiti_checkout.service:create_app()"
    with run_gunicorn(module, env, tmp_path, workers=WORKERS) as url:
        wait_until_up(url)
        ids = [f"S-{n:03d}" for n in range(ORDERS)]
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda m: customer_approves(url, m), ids))
    assert [hosted for hosted, _, _ in results] == [200] * ORDERS
    assert [status for _, _, status in results] == ["approved"] * ORDERS
    # The service's own page, not a demo shop's: it names the order and says it is approved.
    for merchant_order_id, (_, page, _) in zip(ids, results, strict=True):
        assert "Your Flexiti financing is approved" in page
        assert f"Order {merchant_order_id}" in page


def test_reconcile_from_another_terminal_sees_the_workers_sandbox(
    tmp_path: Path, store_url: str
) -> None:
    """``flask flexiti reconcile`` settles an order whose callback the workers' sandbox dropped."""
    env = sandbox_service_env(tmp_path, store_url)
    with run_gunicorn("flexiti_checkout.service:create_app()", env, tmp_path) as url:
        wait_until_up(url)
        sandbox = f"{url}/flexiti-sandbox/_sandbox"
        requests.patch(f"{sandbox}/faults", json={"callback_mode": "drop"}, timeout=30)
        started = requests.post(
            f"{url}/flexiti/api/checkouts", json=checkout_request("R-1"), headers=API, timeout=30
        )
        online_order_id = started.json()["online_order_id"]
        settled = requests.post(
            f"{sandbox}/orders/{online_order_id}/settle", json={"outcome": "approve"}, timeout=30
        )
        assert settled.status_code == 200
        order_url = f"{url}/flexiti/api/orders/R-1"
        assert requests.get(order_url, headers=API, timeout=30).json()["status"] == "pending"
        flask = Path(sys.executable).with_name("flask")
        reconcile = subprocess.run(
            [str(flask), "--app", "flexiti_checkout.service:create_app()", "flexiti", "reconcile"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
        assert "1 settled" in reconcile.stdout
        assert requests.get(order_url, headers=API, timeout=30).json()["status"] == "approved"
