"""One sandbox state for every worker process of a service: a file under a file lock.

The embedded sandbox keeps its orders, tokens, accounts, knobs and logs in memory, so under
gunicorn each worker would have a Flexiti of its own and a customer's modal, served by another
worker than the one that opened the order, would not find it. ``share_state`` wraps the sandbox
app so that every request runs under one lock taken by all processes (``fcntl.flock`` on a lock
file next to the state): it first loads the state the previous request (in any worker) left in
the file when that differs from what this process holds, runs, and writes the state back when
it changed.

Why a file and not a database or a sandbox process of its own: the sandbox stays the same
in-memory code that the single-process tests drive, nothing has to start, find or stop a second
process or port, and callbacks still reach the worker in-process. Sandbox requests are short,
so running them one at a time across workers costs nothing a demo or a test notices; the
``latency`` knob sleeps with the locks let go (``paused``), so it delays only its own request.
The file is a pickle written with mode 0600 in the service's own instance folder, only in
sandbox mode.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from flexiti_checkout.sandbox.state import EXTENSION_KEY, SandboxState

if sys.platform != "win32":  # no fcntl on Windows, where gunicorn does not run either
    import fcntl

SHARED_KEY = EXTENSION_KEY + ".shared"
CONFIGURED = "configured"
log = logging.getLogger(__name__)
#: What the file holds, per part of the state: the attributes that are data (not locks,
#: clocks, threads or HTTP sessions).
SHARED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "": ("settings", "knobs", "rng"),
    "tokens": ("_access", "_refresh"),
    "orders": (
        "_orders",
        "_next_order_id",
        "_next_transaction_id",
        "_next_promo_id",
        "_next_customer_id",
    ),
    "ledger": (
        "online_status",
        "rng",
        "accounts",
        "purchases",
        "_imported",
        "_next_transaction",
        "_next_account",
        "_next_customer",
    ),
    "requests": ("_entries",),
    "callbacks": ("_log",),
}


def _parts(state: SandboxState) -> Iterable[tuple[str, Any]]:
    for name in SHARED_ATTRIBUTES:
        yield name, getattr(state, name) if name else state


def snapshot(state: SandboxState) -> bytes:
    """The state's data as bytes, with the configuration it started from."""
    data: dict[str, Any] = {
        name: {attribute: getattr(part, attribute) for attribute in SHARED_ATTRIBUTES[name]}
        for name, part in _parts(state)
    }
    data[CONFIGURED] = state.initial
    # Delivery threads append to the callback log outside any request: not while it is read.
    with state.callbacks.lock:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def restore(state: SandboxState, blob: bytes) -> bool:
    """Put a ``snapshot`` back into ``state`` (the same objects, so references stay valid).

    False, changing nothing, when the file cannot be read (another version of the package
    wrote it) or was written by a sandbox configured otherwise (other URLs, knobs or plans
    since the service restarted): that state is left behind and this one starts afresh.
    """
    try:
        data = pickle.loads(blob)  # noqa: S301 - our own file, 0600, in our own instance folder
    except Exception:  # any unpickling failure: not ours to read
        log.warning("The shared sandbox state could not be read; starting a fresh one")
        return False
    if not isinstance(data, dict) or data.get(CONFIGURED) != state.initial:
        return False
    with state.callbacks.lock:
        for name, part in _parts(state):
            for attribute, value in data.get(name, {}).items():
                setattr(part, attribute, value)
    return True


class SharedState:
    """The cross-process lock and the file of one sandbox's state."""

    def __init__(self, state: SandboxState, path: Path) -> None:
        self.state = state
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._local = threading.RLock()  # threads of this process, before the file lock
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0
        self._saved: bytes | None = None  # the file as this process last read or wrote it

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block with the latest state, alone among every process, and save it after."""
        with self._local:
            outermost = self._depth == 0
            self._depth += 1
            try:
                if outermost:
                    fd = self._lock_fd()
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    try:
                        self._load()
                        yield
                        self._save()
                    finally:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                else:
                    yield
            finally:
                self._depth -= 1

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Let other requests run during the block (a ``latency`` sleep), then catch up.

        Only the outermost hold pauses: the state is saved, both locks are let go, and once
        they are taken again the state is loaded, since another worker may have changed it.
        """
        with self._local:
            pausing = self._depth == 1
        if not pausing:
            yield
            return
        fd = self._lock_fd()
        self._save()
        self._depth = 0  # the next thread in holds outermost: it takes the file lock and loads
        fcntl.flock(fd, fcntl.LOCK_UN)
        self._local.release()
        try:
            yield
        finally:
            self._local.acquire()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._depth = 1
            self._load()

    def _lock_fd(self) -> int:
        # A worker forked from a process that opened it must not share its open file: flock
        # locks belong to the open file, so each process opens its own.
        if self._fd is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _load(self) -> None:
        # The bytes themselves say whether another process changed the state: a file's inode,
        # size and (coarse) mtime can all repeat when a worker rewrites it within a tick.
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return
        if blob != self._saved and restore(self.state, blob):
            self._saved = blob

    def _save(self) -> None:
        blob = snapshot(self.state)
        if blob == self._saved:
            return
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(blob)
        os.replace(temporary, self.path)
        self._saved = blob


@contextmanager
def paused(app: Flask) -> Iterator[None]:
    """``SharedState.paused`` of ``app``'s shared state; nothing to do when it has none."""
    shared: SharedState | None = app.extensions.get(SHARED_KEY)
    if shared is None:
        yield
    else:
        with shared.paused():
            yield


def share_state(app: Flask, path: Path) -> SharedState | None:
    """Make the sandbox ``app`` keep its state in ``path``, shared by every process using it.

    ``None`` on Windows: no gunicorn workers there, and the one process keeps its own state.
    """
    if sys.platform == "win32":
        return None
    shared = SharedState(app.extensions[EXTENSION_KEY], path)
    inner: Callable[..., Any] = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with shared.held():
            response = inner(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
    app.extensions[SHARED_KEY] = shared
    return shared
