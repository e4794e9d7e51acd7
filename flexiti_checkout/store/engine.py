"""The engine that reaches the store: any SQLAlchemy URL, SQLite tuned for several workers.

The default store is a SQLite file in the app's instance folder (WAL mode, a generous busy
timeout, foreign keys on); any other URL (PostgreSQL for several hosts) gets a pool that checks
its connections before use. JSON columns are written by ``tables.storable_json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.store.tables import storable_json


def default_sqlite_url(instance_path: str) -> str:
    """The default store: a SQLite file in the app's instance folder."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'flexiti.sqlite3'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode and a generous busy timeout for workers."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"FLEXITI_STORE_URL is not a database URL: {exc}") from exc
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, json_serializer=storable_json)
    engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=storable_json)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if parsed.database and parsed.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
