"""``flask flexiti prune``: what has done its work goes, order history and pending work stay."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.store.tables import (
    deliveries,
    order_events,
    orders,
    storefront_cache,
    tokens,
    webhook_outbox,
)
from flexiti_checkout.web.state import flexiti_state

DAY = 86400.0


def ago(days: float) -> float:
    return time.time() - days * DAY


@pytest.fixture
def app(store_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """A shop on the test's store; ``@pytest.mark.shop_config`` adds settings."""
    app = Flask("shop")
    app.config.update(SECRET_KEY="k" * 32, FLEXITI_STORE_URL=store_url)
    for marker in request.node.iter_markers("shop_config"):
        app.config.update(*marker.args)
    flexiti = FlexitiCheckout(app)
    yield app
    flexiti.close(app)


def fill(app: Flask) -> None:
    """Old and recent rows of every kind, written as the store writes them."""
    old = ago(200)
    with flexiti_state(app).store.begin() as conn:
        conn.execute(insert(orders).values(
            id=1, merchant_order_id="OLD-1", reference_id="r", flow="buy", amount="1.00",
            currency="CAD", lang="en", status="approved", version=2, details={},
            created_at=old, updated_at=old, status_at=old,
        ))  # fmt: skip
        conn.execute(insert(order_events).values(
            order_id=1, at=old, from_status=None, to_status="created", source="checkout", note="",
        ))  # fmt: skip
        for n, (processed, received) in enumerate([(ago(100), old), (ago(10), old), (None, old)]):
            conn.execute(insert(deliveries).values(
                id=n + 1, received_at=received, method="POST", payload={}, identifiers={},
                attempts=1, processed_at=processed,
            ))  # fmt: skip
        for n, (status, delivered) in enumerate(
            [("delivered", ago(100)), ("delivered", ago(1)), ("failed", None), ("pending", None)]
        ):
            conn.execute(insert(webhook_outbox).values(
                id=n + 1, event_id=f"msg_{n}", event_type="order.approved", order_id=1,
                merchant_order_id="OLD-1", body="{}", created_at=old, status=status, attempts=1,
                delivered_at=delivered,
            ))  # fmt: skip
        for key, access_token, expires_at, lease_until in [
            ("expired", "a", ago(100), None),
            ("valid", "b", time.time() + 600, None),
            ("renewing", "c", ago(100), time.time() + 30),
            ("discarded", None, None, None),
        ]:
            conn.execute(insert(tokens).values(
                key=key, access_token=access_token, expires_at=expires_at,
                lease_owner=lease_until and "w", lease_until=lease_until,
            ))  # fmt: skip
        for key, updated_at, claim_until in [
            ("gate:100", ago(100), None),  # a price no page shows any more
            ("gate:200", ago(100), time.time() + 30),  # a worker is asking Flexiti right now
            ("gate:300", ago(1), None),
        ]:
            conn.execute(insert(storefront_cache).values(
                key=key, value={"ok": True}, fresh_until=updated_at + 300, updated_at=updated_at,
                claim_owner=claim_until and "w", claim_until=claim_until,
            ))  # fmt: skip


def ids(app: Flask) -> dict[str, Any]:
    with flexiti_state(app).store.begin() as conn:
        return {
            "deliveries": conn.execute(select(deliveries.c.id).order_by("id")).scalars().all(),
            "events": conn.execute(select(webhook_outbox.c.id).order_by("id")).scalars().all(),
            "tokens": sorted(conn.execute(select(tokens.c.key)).scalars().all()),
            "answers": sorted(conn.execute(select(storefront_cache.c.key)).scalars().all()),
            "orders": conn.execute(select(func.count()).select_from(orders)).scalar(),
            "history": conn.execute(select(func.count()).select_from(order_events)).scalar(),
        }


def prune(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["flexiti", "prune", *args])


def test_prune_deletes_finished_work_and_keeps_order_history(app: Flask) -> None:
    """Processed deliveries, delivered events and dead tokens past the age go; orders, history,
    unprocessed deliveries, undelivered events and live or leased tokens stay."""
    fill(app)

    result = prune(app, "--older-than", "90d")

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deleted 1 processed callback deliveries, 1 delivered webhook events, 2 expired "
        "tokens and 1 cached storefront answers older than 90 days. Orders and their history "
        "are kept.\n"
    )
    assert ids(app) == {
        "deliveries": [2, 3], "events": [2, 3, 4], "tokens": ["renewing", "valid"],
        "answers": ["gate:200", "gate:300"], "orders": 1, "history": 1,
    }  # fmt: skip
    assert prune(app, "--older-than", "90d").output.startswith("Deleted 0 processed")


def test_a_dry_run_counts_and_deletes_nothing(app: Flask) -> None:
    """``--dry-run`` says what a prune would delete and leaves every row in place."""
    fill(app)
    before = ids(app)

    result = prune(app, "--older-than", "90d", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Would delete 1 processed callback deliveries, 1 delivered webhook events, 2 expired "
        "tokens and 1 cached storefront answers"
    )
    assert ids(app) == before


@pytest.mark.shop_config({"FLEXITI_RETENTION": "5d"})
def test_without_older_than_the_retention_setting_decides(app: Flask) -> None:
    """With no ``--older-than``, FLEXITI_RETENTION (here 5 days) is the age, for cron."""
    fill(app)

    result = prune(app)

    assert "Deleted 2 processed callback deliveries, 1 delivered webhook events" in result.output
    assert "older than 5 days" in result.output
    assert ids(app)["deliveries"] == [3]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("older_than", ["0", "-1d", "soon", "nan"])
def test_a_bad_age_is_refused(app: Flask, older_than: str) -> None:
    """An age that is not a positive duration is refused with a message, and nothing goes."""
    fill(app)
    result = prune(app, "--older-than", older_than)

    assert result.exit_code == 2
    assert "is not a duration such as 90d" in result.output
    assert ids(app)["deliveries"] == [1, 2, 3]
