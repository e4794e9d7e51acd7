"""``flask flexiti …``: what each command does and prints against a live sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import update

from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import SCHEMA_VERSION, meta
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.sandbox_server import SandboxServer
from support.shop_server import Shop, make_shop_app

HOUR = 3600.0


def flexiti(shop: Shop, *args: str) -> Result:
    """Run ``flask flexiti ARGS`` on the shop's app."""
    return shop.app.test_cli_runner().invoke(args=["flexiti", *args])


@contextmanager
def store_clock_behind(shop: Shop, seconds: float) -> Iterator[None]:
    """Orders stored in this block look ``seconds`` older than they are."""
    store = shop.state.store
    real_clock = store.clock
    store.clock = lambda: real_clock() - seconds
    try:
        yield
    finally:
        store.clock = real_clock


def start_long_ago(shop: Shop, merchant_order_id: str, seconds: float = HOUR):
    """Start a checkout whose order has been pending for ``seconds``."""
    with store_clock_behind(shop, seconds):
        return shop.start(merchant_order_id)


def summary(checked: int, settled: int, expired: int, pending: int, failed: int) -> str:
    return (
        f"Checked {checked} pending orders: {settled} settled, {expired} expired, "
        f"{pending} still pending, {failed} could not be checked (Flexiti unavailable)."
    )


def dropped_notification(shop: Shop) -> dict:
    """The (documented-shape, order-id-less) callback the sandbox dropped last."""
    for entry in reversed(shop.wait_for_callbacks()):
        if entry["dropped"]:
            return entry["body"]
    raise AssertionError("no dropped callback")


# -- orders --------------------------------------------------------------------------------------


def listed(result: Result) -> list[tuple[str, ...]]:
    """(merchant order, status, amount, flow, Flexiti order) of each row ``orders`` printed."""
    lines = result.output.splitlines()
    assert lines[0].startswith("merchant order ")
    return [tuple(line.split()[:5]) for line in lines[1:]]


def test_orders_with_none(shop: Shop) -> None:
    """``orders`` on an empty store says so."""
    result = flexiti(shop, "orders")

    assert (result.exit_code, result.output) == (0, "No orders.\n")


def test_orders_lists_and_filters(shop: Shop) -> None:
    """``orders`` lists every order, oldest status change first; ``--status`` keeps one status."""
    approved = shop.start("A-1", amount="125.50")
    pending = shop.start("A-2")
    shop.settle(approved.online_order_id, "approve")
    shop.wait_for_callbacks()
    assert shop.order("A-1").status is OrderStatus.APPROVED

    everything = flexiti(shop, "orders")
    only_pending = flexiti(shop, "orders", "--status", "pending")
    none_expired = flexiti(shop, "orders", "--status", "expired")

    assert everything.exit_code == 0
    waiting = ("A-2", "pending", "499.00", "apply/buy", pending.online_order_id)
    assert listed(everything) == [
        waiting,
        ("A-1", "approved", "125.50", "apply/buy", approved.online_order_id),
    ]
    assert listed(only_pending) == [waiting]
    assert none_expired.output == "No orders.\n"


def test_orders_refuses_an_unknown_status(shop: Shop) -> None:
    """``--status`` takes only the statuses an order can have."""
    result = flexiti(shop, "orders", "--status", "paid")

    assert result.exit_code == 2
    assert "'paid' is not one of 'created', 'pending'" in result.output


# -- reconcile -----------------------------------------------------------------------------------


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_reconcile_settles_an_order_whose_callback_was_dropped(shop: Shop) -> None:
    """An order approved at Flexiti whose callback never came is approved by reconcile, once."""
    session = shop.start("A-1")
    shop.settle(session.online_order_id, "approve")
    assert shop.order("A-1").status is OrderStatus.PENDING

    first = flexiti(shop, "reconcile")
    second = flexiti(shop, "reconcile")

    assert first.exit_code == 0, first.output
    assert first.stdout == summary(checked=1, settled=1, expired=0, pending=0, failed=0) + "\n"
    assert shop.order("A-1").status is OrderStatus.APPROVED
    assert second.stdout.startswith(summary(checked=0, settled=0, expired=0, pending=0, failed=0))
    assert shop.signals.names("A-1") == ["order_approved"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
@pytest.mark.shop_config({"FLEXITI_PENDING_EXPIRY": "10m"})
def test_reconcile_expires_orders_past_the_pending_expiry(shop: Shop) -> None:
    """Orders pending past FLEXITI_PENDING_EXPIRY with no outcome expire; others do not."""
    start_long_ago(shop, "OLD")
    decided = start_long_ago(shop, "OLD-APPROVED")
    shop.start("YOUNG")
    shop.settle(decided.online_order_id, "approve")

    result = flexiti(shop, "reconcile")

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(checked=3, settled=1, expired=1, pending=1, failed=0) + "\n"
    assert shop.order("OLD").status is OrderStatus.EXPIRED
    assert shop.order("OLD-APPROVED").status is OrderStatus.APPROVED
    assert shop.order("YOUNG").status is OrderStatus.PENDING
    assert shop.signals.names("OLD") == ["order_expired"]
    assert shop.signals.names("YOUNG") == []
    last = shop.state.store.history(shop.order("OLD"))[-1]
    assert (last.from_status, last.to_status, last.source) == (
        OrderStatus.PENDING,
        OrderStatus.EXPIRED,
        "reconcile",
    )


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_reconcile_older_than_skips_young_orders(shop: Shop) -> None:
    """``--older-than 10m`` neither looks up nor settles orders pending for less than that."""
    start_long_ago(shop, "OLD", seconds=HOUR)
    young = shop.start("YOUNG")
    shop.settle(young.online_order_id, "approve")

    result = flexiti(shop, "reconcile", "--older-than", "10m")

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(checked=1, settled=0, expired=0, pending=1, failed=0) + "\n"
    assert shop.order("OLD").checked_at is not None
    assert shop.order("YOUNG").status is OrderStatus.PENDING
    assert shop.order("YOUNG").checked_at is None


@pytest.mark.parametrize("older_than", ["0", "0s", "0m", "90s"])
def test_reconcile_accepts_durations(shop: Shop, older_than: str) -> None:
    """``--older-than`` takes any duration, zero included."""
    result = flexiti(shop, "reconcile", "--older-than", older_than)

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("older_than", ["soon", "-5m", "10 weeks"])
def test_reconcile_refuses_a_malformed_older_than(shop: Shop, older_than: str) -> None:
    """A malformed ``--older-than`` is a usage error naming the option."""
    result = flexiti(shop, "reconcile", "--older-than", older_than)

    assert result.exit_code == 2
    assert f"Error: Invalid value for '--older-than': {older_than!r} is not a duration" in (
        result.output
    )


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_reconcile_one_order(shop: Shop) -> None:
    """``--order ID`` reconciles that order and leaves the others alone."""
    for merchant_order_id in ("A-1", "A-2"):
        shop.settle(shop.start(merchant_order_id).online_order_id, "decline")

    result = flexiti(shop, "reconcile", "--order", "A-1")

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(checked=1, settled=1, expired=0, pending=0, failed=0) + "\n"
    assert shop.order("A-1").status is OrderStatus.DECLINED
    assert shop.order("A-2").status is OrderStatus.PENDING


def test_reconcile_an_unknown_order_fails(shop: Shop) -> None:
    """``--order`` with an id the store does not know fails with a message naming it."""
    result = flexiti(shop, "reconcile", "--order", "NOPE")

    assert result.exit_code == 1
    assert result.output == "Error: No order with merchant order id 'NOPE'.\n"


@pytest.mark.shop_config({"FLEXITI_PENDING_EXPIRY": "10m"})
def test_reconcile_when_flexiti_is_down_expires_nothing(shop: Shop) -> None:
    """With Flexiti down, reconcile counts the orders it could not check, exits 2, expires none."""
    start_long_ago(shop, "OLD")
    shop.start("YOUNG")
    shop.sandbox.control("PATCH", "faults", {"error_rate": 1.0})

    result = flexiti(shop, "reconcile")

    assert result.exit_code == 2
    assert result.stdout == (
        summary(checked=2, settled=0, expired=0, pending=2, failed=2)
        + "\nLeft for the next run: 2 orders.\n"
    )
    assert shop.order("OLD").status is OrderStatus.PENDING
    assert shop.order("YOUNG").status is OrderStatus.PENDING
    assert shop.signals.names("OLD") == []


def test_reconcile_marks_starts_that_never_finished(shop: Shop) -> None:
    """An order stuck in ``created`` for minutes (its worker died) is marked error."""
    store = shop.state.store
    with store_clock_behind(shop, HOUR):
        store.insert_order(
            merchant_order_id="STUCK", amount=Decimal("10.00"), flow="buy", lang="en",
            reference_id="ref", source="checkout",
        )  # fmt: skip
    store.insert_order(
        merchant_order_id="STARTING", amount=Decimal("10.00"), flow="buy", lang="en",
        reference_id="ref", source="checkout",
    )  # fmt: skip

    result = flexiti(shop, "reconcile")

    assert result.exit_code == 0, result.output
    assert "1 checkouts that never finished starting were marked error." in result.stdout
    assert shop.order("STUCK").status is OrderStatus.ERROR
    assert shop.order("STARTING").status is OrderStatus.CREATED


# -- replay --------------------------------------------------------------------------------------


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_replay_processes_a_stored_delivery(shop: Shop) -> None:
    """A delivery stored but never processed settles its order on ``replay``, once."""
    session = shop.start("A-1")
    shop.settle(session.online_order_id, "approve")
    delivery = flexiti_state(shop.app).callbacks.receive(
        dropped_notification(shop),
        method="POST",
        remote_addr="203.0.113.9",
        content_type="application/json",
    )
    assert shop.order("A-1").status is OrderStatus.PENDING

    first = flexiti(shop, "replay")
    again = flexiti(shop, "replay")

    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"done  delivery {delivery.id}: order A-1: approved "
        "(found by promo id 382712 after 2 lookups)\n"
        "Replayed 1 deliveries; 0 still need another try.\n"
    )
    assert shop.order("A-1").status is OrderStatus.APPROVED
    assert again.stdout == "Replayed 0 deliveries; 0 still need another try.\n"
    assert shop.signals.names("A-1") == ["order_approved"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_replay_all_includes_processed_deliveries(shop: Shop) -> None:
    """``replay --all`` goes through processed deliveries too, without settling anything twice."""
    session = shop.start("A-1")
    shop.settle(session.online_order_id, "approve")
    callbacks = flexiti_state(shop.app).callbacks
    delivery = callbacks.receive(
        dropped_notification(shop),
        method="POST",
        remote_addr="203.0.113.9",
        content_type="application/json",
    )
    callbacks.process(delivery)

    unprocessed = flexiti(shop, "replay")
    everything = flexiti(shop, "replay", "--all")

    assert unprocessed.stdout == "Replayed 0 deliveries; 0 still need another try.\n"
    assert everything.stdout == (
        f"done  delivery {delivery.id}: order A-1: approved\n"
        "Replayed 1 deliveries; 0 still need another try.\n"
    )
    assert shop.signals.names("A-1") == ["order_approved"]


@pytest.mark.sandbox_config({"CALLBACK_MODE": "drop"})
def test_replay_with_flexiti_down_keeps_the_delivery(shop: Shop) -> None:
    """A replay whose lookup fails keeps the delivery for later and exits 2."""
    session = shop.start("A-1")
    shop.settle(session.online_order_id, "approve")
    delivery = flexiti_state(shop.app).callbacks.receive(
        dropped_notification(shop),
        method="POST",
        remote_addr="203.0.113.9",
        content_type="application/json",
    )
    shop.sandbox.control("PATCH", "faults", {"error_rate": 1.0})

    down = flexiti(shop, "replay")
    shop.sandbox.control("PATCH", "faults", {"error_rate": 0.0})
    time.sleep(0.25)  # past the test shop's FLEXITI_LOOKUP_INTERVAL of 0.2 s
    back = flexiti(shop, "replay")

    assert down.exit_code == 2
    assert down.stdout == (
        f"retry delivery {delivery.id}: no order found by promo id 382712 after 2 lookups of "
        "1 recent orders; kept for replay\n"
        "Replayed 1 deliveries; 1 still need another try.\n"
    )
    assert back.exit_code == 0, back.output
    assert back.stdout.startswith(f"done  delivery {delivery.id}: order A-1: approved (found")
    assert shop.signals.names("A-1") == ["order_approved"]


# -- check ---------------------------------------------------------------------------------------


def test_check_against_the_sandbox(shop: Shop) -> None:
    """``check`` prints the settings and portal URLs and proves the customer token, the Online
    API's merchant token (order lookups) and the POS merchant login."""
    result = flexiti(shop, "check")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "Environment:     sandbox",
        "Client id:       flexitidemo",
        f"Online API:      {shop.sandbox.online_api_url}",
    ]
    assert lines[4:] == [
        "Enter these in Flexiti's developer portal, after your shop's origin (https://…):",
        "  Success redirection URL:  /flexiti/return/success",
        "  Error redirection URL:    /flexiti/return/error",
        "  Callback URL:             /flexiti/callback",
        "Store reachable: yes",
        "OK    customer credentials (payment availability)",
        "OK    merchant credentials (Online API lookups)",
        "OK    merchant credentials (POS merchant login)",
    ]


def test_check_fails_when_lookups_are_refused(shop: Shop) -> None:
    """A merchant token refused on order lookups fails check even though POS login works."""
    fail = {"count": 1, "status": 403, "body": "json", "paths": ["notifications"]}
    shop.sandbox.control("PATCH", "faults", {"fail_next": fail})

    result = flexiti(shop, "check")

    assert result.exit_code == 1
    verdicts = [
        line.split(":")[0] for line in result.output.splitlines() if line[:4] in ("OK  ", "FAIL")
    ]
    assert verdicts == [
        "OK    customer credentials (payment availability)",
        "FAIL  merchant credentials (Online API lookups)",
        "OK    merchant credentials (POS merchant login)",
    ]


def newer_schema(path: Path) -> str:
    """A store written by a newer flexiti-checkout."""
    url = f"sqlite:///{path}"
    store = Store(url)
    with store.begin() as conn:
        conn.execute(update(meta).values(value=str(SCHEMA_VERSION + 1)))
    store.close()
    return url


@pytest.mark.parametrize(
    ("make_url", "problem"),
    [
        (lambda tmp_path: f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}", "does not answer"),
        (lambda tmp_path: newer_schema(tmp_path / "newer.sqlite3"), "newer than"),
    ],
    ids=["unreachable", "newer-schema"],
)
def test_check_fails_when_the_store_is_unusable(
    sandbox: SandboxServer, tmp_path, make_url: Callable[[Path], str], problem: str
) -> None:
    """A store that does not answer or is from a newer version fails ``check`` with exit 1."""
    app, _ = make_shop_app(sandbox, tmp_path, FLEXITI_STORE_URL=make_url(tmp_path))

    result = app.test_cli_runner().invoke(args=["flexiti", "check"])

    assert result.exit_code == 1, result.output
    store_line, fail_line = result.output.splitlines()[-2:]
    assert store_line.startswith("Store reachable: NO (") and problem in store_line
    assert fail_line == "FAIL  store: fix FLEXITI_STORE_URL first; credentials not tested"
    close_app(app)


@pytest.mark.shop_config({"FLEXITI_CALLBACK_SECRET": "cb-secret-0123456789abcdef"})
def test_check_hides_the_callback_secret(shop: Shop) -> None:
    """With a callback secret, ``check`` shows where it goes in the URL, never its value."""
    result = flexiti(shop, "check")

    assert "  Callback URL:             /flexiti/callback/<FLEXITI_CALLBACK_SECRET>" in (
        result.output.splitlines()
    )
    assert "cb-secret-0123456789abcdef" not in result.output


@pytest.mark.shop_config({"FLEXITI_CLIENT_SECRET": "not-the-sandbox-secret"})
def test_check_with_a_wrong_secret_fails(shop: Shop) -> None:
    """With a wrong client secret both credential checks FAIL, check exits 1, the secret unsaid."""
    result = flexiti(shop, "check")

    assert result.exit_code == 1
    fails = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in fails] == [
        "FAIL  customer credentials (payment availability)",
        "FAIL  merchant credentials (Online API lookups)",
        "FAIL  merchant credentials (POS merchant login)",
    ]
    assert "OK " not in result.output
    assert "not-the-sandbox-secret" not in result.output


# -- test-notification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ((), "Flexiti sent a test purchase notification of type 'success'."),
        (
            ("--event", "apply", "--type", "cancelled"),
            "Flexiti sent a test apply notification of type 'cancelled'.",
        ),
    ],
)
def test_test_notification_reaches_the_shop(shop: Shop, arguments: tuple, said: str) -> None:
    """``test-notification`` has the sandbox post a sample callback, which the shop stores."""
    result = flexiti(shop, "test-notification", *arguments)

    assert (result.exit_code, result.output) == (0, said + "\n")
    sent = shop.wait_for_callbacks()
    assert [(entry["kind"], entry["status"]) for entry in sent] == [("test", 200)]
    assert sent[0]["url"] == f"{shop.url}/flexiti/callback"
    assert flexiti_state(shop.app).callbacks.inbox.count_deliveries() == 1


def test_test_notification_when_flexiti_refuses(shop: Shop) -> None:
    """When Flexiti fails the request, ``test-notification`` exits 1 with Flexiti's reason."""
    shop.sandbox.control(
        "PATCH", "faults", {"fail_next": {"count": 1, "status": 503, "paths": "notifications"}}
    )

    result = flexiti(shop, "test-notification")

    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert shop.wait_for_callbacks() == []
