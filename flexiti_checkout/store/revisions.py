"""The store's revisions: create a new database at the newest one, upgrade an older one.

A brand-new empty database is created by the store itself at the newest revision and stamped
with it, so a shop (or a test) starts without running a command. A database created by an older
flexiti-checkout is *behind*: the store refuses it, naming ``flask flexiti db upgrade``, which
applies the Alembic revisions shipped in ``store/migrations``. A store made before migrations
existed (tables but no ``alembic_version``) is at revision ``0001``, the first release.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Engine, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from flexiti_checkout.errors import SchemaBehindError, StoreSchemaError
from flexiti_checkout.store.tables import SCHEMA_VERSION, meta, metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The revision of a store created before migrations existed (the first release's schema).
FIRST_RELEASE = "0001"
UPGRADE_COMMAND = "flask flexiti db upgrade"
_VERSION_ROW = select(meta.c.value).where(meta.c.key == "schema_version")
#: How often creating a new database is tried when other workers race to create it too.
_CREATE_ATTEMPTS = 5


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (``None`` when empty) and the newest one known."""

    current: str | None
    head: str
    #: Tables but no ``alembic_version``: made by a flexiti-checkout from before migrations.
    unversioned: bool = False
    #: The ``schema_version`` row (``None`` when there is none), a number once checked.
    version: int | None = None

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head and not self.newer

    @property
    def newer(self) -> bool:
        """Whether a newer flexiti-checkout wrote the store (a revision or version unknown here)."""
        return not self.known or (self.version is not None and self.version > SCHEMA_VERSION)

    @property
    def known(self) -> bool:
        """Whether this flexiti-checkout knows the revision (a newer one wrote it otherwise)."""
        if self.current is None:
            return True
        try:
            return _scripts().get_revision(self.current) is not None
        except (RevisionError, CommandError):
            return False


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """The shipped revisions, read once per process (Alembic compiles every file it reads)."""
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision this flexiti-checkout ships."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def schema_state(conn: Connection) -> SchemaState:
    """Where the database behind ``conn`` stands."""
    # A store made before migrations has its ``schema_version`` row and no revision. One made
    # now commits that row with its revision, so tables without either are a creation under
    # way elsewhere (or cut short), which creating again completes. The row is read first: a
    # creation committing between the two reads then shows its revision, not an old store.
    row = conn.execute(_VERSION_ROW).first() if inspect(conn).has_table(meta.name) else None
    version = None if row is None else _number(row[0])
    heads = MigrationContext.configure(conn).get_current_heads()
    head = head_revision()
    if heads:
        return SchemaState(heads[0], head, version=version)
    if row is not None:
        return SchemaState(FIRST_RELEASE, head, unversioned=True, version=version)
    return SchemaState(None, head)


def _number(value: object) -> int:
    """The ``schema_version`` row as a number; anything else was not written by us."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise StoreSchemaError(
            f"The Flexiti store at FLEXITI_STORE_URL has the schema version {str(value)[:40]!r}, "
            "which is not a number: its flexiti_meta table was changed by something other than "
            "flexiti-checkout"
        )
    return int(text)


def ready_or_refuse(engine: Engine) -> None:
    """Create an empty database at the head; refuse one that is behind or newer than this code."""
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            with engine.begin() as conn:
                state = schema_state(conn)
                if state.current is None:
                    _create_at_head(conn)
                    return
            break
        except (OperationalError, ProgrammingError, IntegrityError):
            # Workers starting together on a new database all find it empty and all but one
            # fail to create what another made first; on the next try they find it made.
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    if state.newer:
        raise _newer(state)
    if state.up_to_date:
        return
    raise SchemaBehindError(
        f"The Flexiti store at FLEXITI_STORE_URL has schema revision {state.current}; this "
        f"flexiti-checkout needs {state.head}"
    )


def _newer(state: SchemaState) -> StoreSchemaError:
    what = (
        f"schema revision {state.current}" if not state.known else f"schema version {state.version}"
    )
    return StoreSchemaError(
        f"The Flexiti store at FLEXITI_STORE_URL has {what}, newer than this flexiti-checkout "
        f"(revision {state.head}, schema version {SCHEMA_VERSION}) understands"
    )


def _create_at_head(conn: Connection) -> None:
    metadata.create_all(conn)
    MigrationContext.configure(conn).stamp(_scripts(), "head")
    conn.execute(insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns the revisions before and after."""
    with engine.begin() as conn:
        state = schema_state(conn)
        if state.current is None:
            _create_at_head(conn)
            return None, state.head
        if state.newer:
            raise _newer(state)
        if state.unversioned:
            MigrationContext.configure(conn).stamp(_scripts(), FIRST_RELEASE)
        command.upgrade(_config(conn), "head")
    return state.current, state.head


def current(engine: Engine) -> SchemaState:
    """Where the database stands, without changing it."""
    with engine.connect() as conn:
        return schema_state(conn)
