"""What reaches the store from outside is storable on SQLite and PostgreSQL alike.

PostgreSQL enforces column lengths and refuses NUL characters; neither database can encode a lone
UTF-16 surrogate. Describing values are made to fit, identifiers that no row can hold find
nothing, and the store's connections close cleanly.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from decimal import Decimal

import pytest

from flexiti_checkout.client.tokens import Token
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.outbox import Outbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import storable
from flexiti_checkout.store.tokens import DatabaseTokenStore

UNSTORABLE = ["nul\x00inside", "lone \ud800 high", "lone \udfff low", "\x00"]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    yield store
    store.close()


def pending(store: Store, merchant_order_id: str = "S-1"):
    order = store.insert_order(
        merchant_order_id=merchant_order_id, amount=Decimal("499.00"), flow="buy", lang="en",
        reference_id="ref", source="checkout",
    )  # fmt: skip
    assert order is not None
    order = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id="77")
    assert order is not None
    return order


@pytest.mark.parametrize("text", UNSTORABLE)
def test_storable_replaces_what_no_database_takes(text: str) -> None:
    """NUL and lone surrogates become U+FFFD; the text is otherwise kept, and encodes as UTF-8."""
    cleaned = storable(text)
    assert "\x00" not in cleaned and "\ufffd" in cleaned
    assert len(cleaned) == len(text)
    cleaned.encode("utf-8")


def test_a_long_flexiti_status_is_kept_cut_to_its_column(store: Store) -> None:
    """A status word longer than its column is recorded (cut), on a check and a transition."""
    order = pending(store)
    word = "SUCCESS_BUT_SOMETHING_FLEXITI_NEVER_DOCUMENTED_" * 3

    store.record_check(order, word)
    checked = store.get_order("S-1")
    assert checked is not None and checked.flexiti_status is not None
    assert len(checked.flexiti_status) == 32 and word.startswith(checked.flexiti_status[:-1])

    moved = store.transition(checked, OrderStatus.APPROVED, source="x" * 80, flexiti_status=word)
    assert moved is not None and moved.status is OrderStatus.APPROVED
    assert moved.flexiti_status == checked.flexiti_status
    assert store.history(moved)[-1].source.endswith("…")


def test_a_token_with_a_long_scope_is_shared(store: Store) -> None:
    """A token whose scope is longer than its column is saved and loaded, its secret exact."""
    tokens = DatabaseTokenStore(store)
    scope = "merchant customer read:orders write:refunds"
    tokens.save("online:merchant", Token("access-\x00", "refresh", scope, 2000.0, 1900.0))

    loaded = tokens.load("online:merchant")

    assert loaded is not None
    assert loaded.access_token == "access-\ufffd" and loaded.refresh_token == "refresh"
    assert len(loaded.scope) == 16 and scope.startswith(loaded.scope[:-1])


@pytest.mark.parametrize("text", UNSTORABLE)
def test_a_delivery_with_unstorable_text_is_stored(store: Store, text: str) -> None:
    """NUL and lone surrogates in a delivery's payload, keys, identifiers and headers are stored
    as U+FFFD; nothing else of the delivery changes."""
    inbox = Inbox(store)
    delivery = inbox.add_delivery(
        method=f"P{text}" * 5,
        remote_addr=f"203.0.113.9{text}" * 10,
        content_type=f"application/json; charset={text}" * 10,
        payload={"message": text, f"key{text}": [text, 1], "nested": {"deep": text}},
        identifiers={"merchant_order_id": text},
    )
    inbox.finish_delivery(delivery.id, outcome=f"order {text}", error=f"failed {text}")

    stored = inbox.get(delivery.id)
    clean = storable(text)
    assert stored.payload == {
        "message": clean,
        f"key{clean}": [clean, 1],
        "nested": {"deep": clean},
    }
    assert stored.identifiers == {"merchant_order_id": clean}
    assert (stored.outcome, stored.last_error) == (f"order {clean}", f"failed {clean}")
    assert len(stored.method) <= 8 and stored.method.startswith("P")
    assert stored.remote_addr is not None and len(stored.remote_addr) <= 64
    assert stored.remote_addr.startswith("203.0.113.9")


def test_an_escaped_backslash_is_not_taken_for_an_escape(store: Store) -> None:
    """Text that only looks like an escape of NUL (a backslash, then ``u0000``) is kept as is."""
    inbox = Inbox(store)
    payload = {"a": "\\u0000", "b": "\\\\ud800", "c": "\U0001f600", "d": "\\\x00"}

    stored = inbox.get(
        inbox.add_delivery(
            method="POST", remote_addr=None, content_type=None, payload=payload, identifiers={}
        ).id
    )

    assert stored.payload == {"a": "\\u0000", "b": "\\\\ud800", "c": "\U0001f600", "d": "\\\ufffd"}


@pytest.mark.parametrize("ident", [*UNSTORABLE, "x" * 65, "S-1\x00"])
def test_an_identifier_no_row_can_hold_finds_nothing(store: Store, ident: str) -> None:
    """Looking up an id with NUL, a lone surrogate or too many characters finds no order, no
    event, and raises nothing."""
    pending(store)

    assert store.get_order(ident) is None
    assert store.get_order_by_online_id(ident) is None
    assert Outbox(store).get(ident) is None


def test_close_releases_every_connection_without_a_warning(store_url: str) -> None:
    """A closed store holds no connection, warns of none, and opens new ones when used again."""
    store = Store(store_url)
    pending(store)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.close()
        assert store.engine.pool.checkedin() == 0
        assert store.get_order("S-1") is not None
        store.close()
