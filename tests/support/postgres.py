"""A throwaway PostgreSQL cluster for the tests, and one fresh schema per test on it.

``make test`` installs Debian's ``postgresql`` when it is missing; the session then runs
``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` into a temporary folder on a free
loopback port, as the ``postgres`` user when the tests run as root (``initdb`` refuses root),
and stops it at the end. ``FLEXITI_TEST_STORE_URL`` points the suite at an existing server
instead (a ``postgresql+psycopg://`` URL to a database the tests may create schemas in).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

#: Set to a server URL to run the PostgreSQL half of the suite there instead of a throwaway one.
URL_VARIABLE = "FLEXITI_TEST_STORE_URL"
#: Durability is of no use to a cluster that is thrown away; speed is.
_FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300")


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(
            f"PostgreSQL's {name} was not found: run `make test` (it installs Debian's "
            f"postgresql) or set {URL_VARIABLE} to a server the tests may use"
        )
    return found[-1]


def _as_cluster_owner() -> dict[str, object]:
    """Popen arguments that run a PostgreSQL program as a user it accepts."""
    if os.geteuid() != 0:
        return {}
    owner = pwd.getpwnam("postgres")
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a PostgreSQL cluster in a temporary folder; yield its URL; stop and remove it."""
    folder = Path(tempfile.mkdtemp(prefix="flexiti-pg-"))
    data = folder / "data"
    runner = _as_cluster_owner()
    if runner:
        os.chown(folder, int(runner["user"]), int(runner["group"]))  # type: ignore[call-overload]
    port = _free_port()
    options = " ".join(
        [f"-c {setting}" for setting in _FAST]
        + [f"-c port={port}", "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''"]
    )
    log = folder / "postgres.log"
    try:
        subprocess.run(
            [_bin("initdb"), "-D", str(data), "-U", "flexiti", "--auth=trust", "-E", "UTF8",
             "--no-sync", "--locale=C"],
            check=True, capture_output=True, cwd=folder, **runner,  # type: ignore[arg-type]
        )  # fmt: skip
        subprocess.run(
            [_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
            check=True, capture_output=True, cwd=folder, **runner,  # type: ignore[arg-type]
        )  # fmt: skip
        try:
            yield f"postgresql+psycopg://flexiti@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                check=False, capture_output=True, cwd=folder, **runner,  # type: ignore[arg-type]
            )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace")
        if log.exists():
            detail += log.read_text(errors="replace")
        raise RuntimeError(f"the test PostgreSQL cluster did not start:\n{detail}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server of the PostgreSQL half of the suite: ``FLEXITI_TEST_STORE_URL`` or our own."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        yield given
        return
    with throwaway_cluster() as url:
        yield url


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A new, empty schema on ``server_url``; yields a URL whose connections work inside it."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            # Anything a test left connected is cut off, so the schema can go.
            conn.execute(text("SET lock_timeout = '5s'"))
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    finally:
        admin.dispose()


__all__ = ["URL_VARIABLE", "fresh_schema", "postgres_server", "throwaway_cluster"]
