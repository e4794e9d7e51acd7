"""The README's sandbox-mode service under gunicorn with four workers, in a real browser.

Checkouts start through the API; the customer opens each ``modal_url`` (the service's page that
frames the embedded sandbox), approves inside the frame and lands on the service's own page,
whichever workers serve those requests.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from support.gunicorn import run_gunicorn
from support.shop_server import checkout_request

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORKERS = 4
CHECKOUTS = 6
API = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/flexiti/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or busy booting the others
            pass
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)


def test_every_modal_opens_and_approving_lands_on_the_approved_page(
    chromium, tmp_path: Path, store_url: str, shots
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    env.update(
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_STORE_URL=store_url,
        FLEXITI_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    with run_gunicorn(
        "flexiti_checkout.service:create_app()", env, tmp_path, workers=WORKERS
    ) as url:
        wait_until_up(url)
        for n in range(CHECKOUTS):
            merchant_order_id = f"B-{n:03d}"
            lang = "fr" if n % 2 else "en"
            started = requests.post(
                f"{url}/flexiti/api/checkouts",
                json=checkout_request(merchant_order_id, lang=lang),
                headers=API,
                timeout=30,
            )
            assert started.status_code == 201, started.text
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            try:
                page.goto(started.json()["modal_url"])
                approve = page.frame_locator("#flexiti-frame").locator("#sandbox-approve")
                approve.click(timeout=20000)  # the hosted page opened, whichever worker served it
                page.wait_for_url(f"{url}/flexiti/outcome", timeout=30000)
                outcome = page.locator("#flexiti-outcome")
                assert outcome.get_attribute("data-status") == "approved"
                order = page.locator("#flexiti-outcome-order").inner_text()
                if lang == "fr":
                    assert "Votre financement Flexiti est approuvé" in outcome.inner_text()
                    assert order == f"Commande {merchant_order_id}"
                else:
                    assert "Your Flexiti financing is approved" in outcome.inner_text()
                    assert order == f"Order {merchant_order_id}"
                if n < 2:
                    shots.take(page, f"service-outcome-{lang}")
            finally:
                context.close()
            answer = requests.get(
                f"{url}/flexiti/api/orders/{merchant_order_id}", headers=API, timeout=30
            )
            assert answer.json()["status"] == "approved"
