"""Schema migrations: a store of the first release upgrades intact; a store behind is refused.

Each test runs on SQLite and PostgreSQL. The first release's tables come frozen from
``support/released_schema.py``; the store's own tables and the shipped revisions must agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import VARCHAR, String, create_engine, insert, inspect, select, text
from sqlalchemy.engine import Engine

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.errors import ConfigurationError, StoreSchemaError
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.service.app import create_app
from flexiti_checkout.store import revisions
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.outbox import DELIVERED, PENDING, Outbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import SCHEMA_VERSION, metadata
from flexiti_checkout.store.tokens import DatabaseTokenStore
from support import released_schema as released
from support.apps import close_app

T = released.metadata.tables


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = create_engine(store_url)
    yield engine
    engine.dispose()


def order_row(n: int, status: str) -> dict[str, Any]:
    return {
        "id": n, "merchant_order_id": f"R-{n}", "online_order_id": str(1000 + n),
        "reference_id": f"ref-{n}", "flow": "buy", "amount": f"{n}99.10", "currency": "CAD",
        "lang": "fr", "status": status, "version": 2, "redirection_url": "https://x.example/f",
        "flexiti_status": "SUCCESS",
        "details": {"promo_id": f"P{n}", "term": 12, "transaction_id": 131220 + n},
        "error": None, "created_at": 1000.0 + n, "updated_at": 2000.0 + n,
        "status_at": 2000.0 + n, "checked_at": 2000.5, "lookup_after": None,
        "lookup_claimed_at": None,
    }  # fmt: skip


def fill_released_store(engine: Engine) -> None:
    """A store as the first release made and filled it: orders, history, deliveries, events."""
    released.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(T["flexiti_meta"]).values(key="schema_version", value="1"))
        for n, status in enumerate(("approved", "pending", "declined"), start=1):
            conn.execute(insert(T["flexiti_orders"]).values(**order_row(n, status)))
            for at, (old, new) in enumerate([(None, "created"), ("created", "pending")]):
                conn.execute(insert(T["flexiti_order_events"]).values(
                    order_id=n, at=1000.0 + at, from_status=old, to_status=new,
                    source="checkout", note="",
                ))  # fmt: skip
            conn.execute(insert(T["flexiti_callback_deliveries"]).values(
                received_at=1500.0 + n, method="POST", remote_addr="203.0.113.9",
                content_type="application/json", payload={"merchant_orderid": f"R-{n}"},
                identifiers={"merchant_order_id": f"R-{n}"}, attempts=1,
                processed_at=None if n == 2 else 1600.0, outcome=f"order R-{n}", last_error=None,
            ))  # fmt: skip
            conn.execute(insert(T["flexiti_webhook_outbox"]).values(
                event_id=f"msg_{n}", event_type=f"order.{status}", order_id=n,
                merchant_order_id=f"R-{n}", body='{"type": "x"}', created_at=2000.0,
                status="delivered" if n == 1 else "pending", attempts=1, next_attempt_at=None,
            ))  # fmt: skip
        conn.execute(insert(T["flexiti_tokens"]).values(
            key="online:merchant", access_token="a", refresh_token="r", scope="merchant",
            expires_at=9e9, renew_at=9e9,
        ))  # fmt: skip
        conn.execute(insert(T["flexiti_admin_actions"]).values(
            at=2100.0, actor="Ann", action="refresh", merchant_order_id="R-2", outcome="pending",
        ))  # fmt: skip


def every_row(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the first release's tables, in key order."""
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for name, table in T.items()
            if name != "flexiti_meta"
        }


def open_and_close(store_url: str) -> None:
    """Use a new store once, as a first worker would, and close it."""
    store = Store(store_url)
    store.ensure_schema()
    store.close()


def shop_app(store_url: str) -> Flask:
    app = Flask("shop")
    app.config.update(SECRET_KEY="k" * 32, FLEXITI_STORE_URL=store_url)
    FlexitiCheckout(app)
    return app


def test_a_store_of_the_first_release_is_refused_then_upgraded_intact(
    store_url: str, engine: Engine
) -> None:
    """The store refuses a first-release database, naming the command; ``db upgrade`` brings it
    to the head with every order, history row, delivery, event, token and action intact."""
    fill_released_store(engine)
    before = every_row(engine)
    refused = Store(store_url)
    with pytest.raises(ConfigurationError, match="flask flexiti db upgrade"):
        refused.get_order("R-1")
    refused.close()
    app = shop_app(store_url)

    result = app.test_cli_runner().invoke(args=["flexiti", "db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Upgraded the store from revision 0001 to {revisions.head_revision()}.\n"
    )
    assert every_row(engine) == before
    store = Store(store_url)
    try:
        order = store.get_order("R-1")
        assert order is not None and order.status is OrderStatus.APPROVED
        assert (str(order.amount), order.details, order.lang) == (
            "199.10",
            order_row(1, "")["details"],
            "fr",
        )
        assert [e.to_status for e in store.history(order)] == [
            OrderStatus.CREATED,
            OrderStatus.PENDING,
        ]
        # The delivery left unprocessed is due at once: a worker takes it (revision 0004).
        assert [(d.id, d.next_attempt_at) for d in Inbox(store).deliveries()] == [(2, 1502.0)]
        (due,) = Inbox(store).claim_due("worker", now=2000.0, lease=60)
        assert due.id == 2
        assert [e.event_id for e in Outbox(store).events((PENDING,))] == ["msg_2", "msg_3"]
        assert [e.event_id for e in Outbox(store).events((DELIVERED,))] == ["msg_1"]
        assert DatabaseTokenStore(store).load("online:merchant") is not None
        # Each order's promo id is copied to its own column, found by index (revision 0006).
        found = [store.get_order_by_promo_id(f"P{n}") for n in (1, 2, 3)]
        assert [o.merchant_order_id for o in found if o] == ["R-1", "R-2", "R-3"]
        # And its transaction id, which refunds take, to a column of its own (revision 0008).
        assert [o.transaction_id for o in found if o] == ["131221", "131222", "131223"]
        moved = store.transition(store.get_order("R-2"), OrderStatus.APPROVED, source="test")
        assert moved is not None and moved.version == 3
    finally:
        store.close()
        app.extensions["flexiti_checkout"].store.close()


def _differ(context, inspected, metadata_column, inspected_type, metadata_type):
    """SQLite keeps no VARCHAR length: there a length-only change is no change."""
    if context.dialect.name == "sqlite" and {type(inspected_type), type(metadata_type)} <= {
        String,
        VARCHAR,
    }:
        return False
    return None  # Alembic's own comparison


LENGTHLESS_ON_SQLITE = {"compare_type": _differ}


def test_the_revisions_build_exactly_the_store_tables(engine: Engine) -> None:
    """Running every revision on an empty database gives the tables the store itself creates,
    and the first revision alone gives the first release's tables."""
    with engine.begin() as conn:
        command.upgrade(revisions._config(conn), revisions.FIRST_RELEASE)
        assert compare_metadata(MigrationContext.configure(conn), released.metadata) == []
        command.upgrade(revisions._config(conn), "head")
        assert (
            compare_metadata(MigrationContext.configure(conn, opts=LENGTHLESS_ON_SQLITE), metadata)
            == []
        )
        assert (
            conn.execute(text("select value from flexiti_meta")).scalar()
            == str(SCHEMA_VERSION)
            == "9"
        )


def test_a_new_store_is_created_at_the_head(store_url: str, engine: Engine) -> None:
    """An empty database is created on first use at the newest revision, nothing to run."""
    store = Store(store_url)
    assert store.get_order("none") is None
    store.close()

    state = revisions.current(engine)

    assert state.up_to_date and state.current == revisions.head_revision()


@pytest.mark.parametrize(
    ("prepare", "output", "code"),
    [
        (lambda url, engine: None, "Store: empty (created at revision 0009 on first use)\n", 0),
        (lambda url, engine: open_and_close(url), "Store: revision 0009 (up to date)\n", 0),
        (
            lambda url, engine: fill_released_store(engine),
            "Store: revision 0001; this flexiti-checkout needs 0009. Back the database up, "
            "then run `flask flexiti db upgrade`.\n",
            1,
        ),
        (
            lambda url, engine: set_schema_version(url, engine, "99"),
            "Store: revision 0009, schema version 99: newer than this flexiti-checkout "
            f"(revision 0009, schema version {SCHEMA_VERSION}). Upgrade flexiti-checkout.\n",
            1,
        ),
        (
            lambda url, engine: set_schema_version(url, engine, "eight"),
            "Error: The Flexiti store at FLEXITI_STORE_URL has the schema version 'eight', which "
            "is not a number: its flexiti_meta table was changed by something other than "
            "flexiti-checkout. Upgrade flexiti-checkout, or point FLEXITI_STORE_URL at this "
            "version's store.\n",
            1,
        ),
    ],
    ids=["empty", "up-to-date", "behind", "newer-version", "not-a-number"],
)
def test_db_current_says_where_the_store_stands(
    store_url: str, engine: Engine, prepare: Any, output: str, code: int
) -> None:
    """``db current`` shows the revision and, when the store is behind, the command to run."""
    prepare(store_url, engine)
    app = shop_app(store_url)

    result = app.test_cli_runner().invoke(args=["flexiti", "db", "current"])

    assert (result.output, result.exit_code) == (output, code)
    app.extensions["flexiti_checkout"].store.close()


def set_schema_version(store_url: str, engine: Engine, value: str) -> None:
    """A store at the head whose ``schema_version`` row says ``value``."""
    open_and_close(store_url)
    with engine.begin() as conn:
        conn.execute(text("update flexiti_meta set value = :v"), {"v": value})


@pytest.mark.parametrize(
    ("value", "message"), [("eight", "is not a number"), ("99", "schema version 99, newer than")]
)
def test_a_schema_version_not_ours_is_a_clear_error(store_url, engine, value, message):
    """A schema version that is not a number, or is newer than this code, is named as such."""
    set_schema_version(store_url, engine, value)
    store = Store(store_url)
    with pytest.raises(StoreSchemaError, match=message):
        store.get_order("X-1")
    store.close()


def test_a_store_behind_is_named_by_health_and_the_api(store_url, engine, tmp_path):
    """/healthz says the schema is behind and what to run; the API answers 503 schema_behind."""
    fill_released_store(engine)
    key = "migrations-key-0123456789abcdef"
    service = create_app({
        "FLEXITI_ENVIRONMENT": "sandbox", "FLEXITI_STORE_URL": store_url,
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"), "FLEXITI_API_KEYS": key,
        "FLEXITI_SIGNING_KEY": "test-api-signing-key-0123456789",
    })  # fmt: skip
    client = service.test_client()

    health = client.get("/flexiti/healthz")
    read = client.get("/flexiti/api/orders/R-1", headers={"Authorization": f"Bearer {key}"})

    assert health.status_code == 503
    assert health.json["store"] == "schema behind, run flask flexiti db upgrade"
    assert read.status_code == 503 and read.json["error"] == "schema_behind"
    assert "flask flexiti db upgrade" in read.json["message"]
    close_app(service)


def test_the_inbox_lease_revision_downgrades_and_upgrades_again(engine: Engine) -> None:
    """Revision 0004 can be undone (its columns and indexes go) and applied again."""
    with engine.begin() as conn:
        command.upgrade(revisions._config(conn), "head")
        command.downgrade(revisions._config(conn), "0003")
        columns = {c["name"] for c in inspect(conn).get_columns("flexiti_callback_deliveries")}
        assert not columns & {"next_attempt_at", "lease_owner", "lease_until"}
        assert conn.execute(text("select value from flexiti_meta")).scalar() == "3"
        command.upgrade(revisions._config(conn), "head")
        assert (
            compare_metadata(MigrationContext.configure(conn, opts=LENGTHLESS_ON_SQLITE), metadata)
            == []
        )


def test_a_store_from_a_newer_release_is_refused(store_url: str, engine: Engine) -> None:
    """A revision this flexiti-checkout does not know is refused by the store and by upgrade."""
    open_and_close(store_url)
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999'"))
    store = Store(store_url)
    with pytest.raises(ConfigurationError, match="revision 9999, newer than"):
        store.ensure_schema()
    store.close()
    app = shop_app(store_url)

    result = app.test_cli_runner().invoke(args=["flexiti", "db", "upgrade"])

    assert result.exit_code == 1 and "newer than" in result.output
    app.extensions["flexiti_checkout"].store.close()
