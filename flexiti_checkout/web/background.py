"""What runs in a worker process besides its requests: every thread and pool, owned here.

One ``BackgroundWork`` per app knows each part below, in the order it stops in. It starts them
(in a web process on its first request; in the worker process, ``flask flexiti worker``, all at
once), logs one line naming them when it does, reports each (name, state, live threads, queued
work) to ``/healthz``, and stops them in order: on ``FlexitiCheckout.close`` and when the process
exits (then the callback workers get ``EXIT_WAIT`` to finish their deliveries, and the webhook
dispatcher sends what this process wrote). The parts, first stopped first:

=================== =================================== ======================================
part                threads                             what it does
=================== =================================== ======================================
foreground gate     none: it holds the others back      work starts once requests leave a gap
callback workers    2 (``CallbackWorkers``)             settle the orders of stored callbacks
callback search     a pool of 12 (``search_pool``)      a callback search's parallel lookups
background lookups  a pool of 4 (``OrderService``)      a return's or a status poll's lookup
                                                        that outlasted its request's budget
storefront calls    ``FLEXITI_STOREFRONT_WORKERS``      availability and calculator calls
reconcile sweeps    1, in the worker process only       settle forgotten orders and refunds
webhook dispatcher  1 (``Webhooks``)                    sends webhook events, retries them
token renewal       1 per token being renewed           renews OAuth tokens ahead of expiry
health probe        1 at a time (``FlexitiProbe``)      asks Flexiti whether it answers
=================== =================================== ======================================

With ``FLEXITI_BACKGROUND_WORK=worker`` the web processes run neither the callback workers nor the
webhook dispatcher, and renew no token ahead: a worker process does (``run_worker``). The pools
stay in web processes, where a request waits on them; the search pool follows the callback workers.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.lifecycle.background import Background
from flexiti_checkout.lifecycle.callbacks.foreground import Foreground
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from flexiti_checkout.store.polling import PollingThreads
from flexiti_checkout.store.tokens import TokenRenewal
from flexiti_checkout.storefront.cache import Pool
from flexiti_checkout.web.probe import FlexitiProbe
from flexiti_checkout.webhooks.dispatcher import Webhooks

log = logging.getLogger(__name__)

#: How long an exiting process (a restart) lets the callback workers finish the deliveries they
#: are on, instead of leaving them leased; within gunicorn's graceful timeout (30 s).
EXIT_WAIT = 20.0
#: How long ``close`` waits for each part.
CLOSE_WAIT = 5.0

State = Literal["off", "idle", "running", "stopped"]


@dataclass(frozen=True)
class PartReport:
    """One part as ``/healthz`` shows it.

    ``state``: ``running`` (threads alive), ``idle`` (none now: it starts on first use),
    ``off`` (another process does this work) or ``stopped``.
    """

    name: str
    state: State
    threads: int
    queued: int

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "threads": self.threads,
                "queued": self.queued}  # fmt: skip


@dataclass(frozen=True)
class Part:
    """One mechanism: how many threads it has alive, what waits for it, how it stops.

    ``start`` is for a part that runs from the process's start rather than on first use, and
    ``worker_start`` for one that does so in the worker process only; ``exit`` is what an
    exiting process does instead of ``stop``. ``split`` parts run in the worker process when
    there is one (``FLEXITI_BACKGROUND_WORK=worker``); ``worker_only`` parts nowhere else.
    """

    name: str
    size: str
    alive: Callable[[], int]
    queued: Callable[[], int]
    stop: Callable[[float], None]
    start: Callable[[], None] | None = None
    worker_start: Callable[[], None] | None = None
    exit: Callable[[float], None] | None = None
    split: bool = False
    worker_only: bool = False


def pool_part(name: str, pool: Background | Pool) -> Part:
    """A part that is a pool started on first use."""
    return Part(name, f"a pool of {pool.workers}", pool.alive, pool.queued,
                lambda _timeout: pool.shutdown())  # fmt: skip


class BackgroundWork:
    """Every thread and pool of one app in this process: started, reported, stopped together.

    ``in_web``: whether the web processes do the background work (``FLEXITI_BACKGROUND_WORK``
    is ``web``) rather than a worker process.
    """

    def __init__(self, parts: list[Part], *, in_web: bool = True) -> None:
        self.parts = parts
        self.in_web = in_web
        self._worker = False
        self._lock = threading.Lock()
        self._exit_lock = threading.Lock()  # a part that starts arms the exit: another lock
        self._started_in: int | None = None
        self._exit_armed_in: int | None = None
        self._stopped = False

    def start(self) -> None:
        """Start what runs from this process's start, once per process (before each request:
        cheap); the first time, log one line naming every part."""
        if self._started_in == os.getpid() or self._stopped:
            return
        with self._lock:
            if self._started_in == os.getpid():
                return
            self._started_in = os.getpid()
            for part in self.parts:
                if not self._runs(part):
                    continue
                if part.start is not None:
                    part.start()
                if self._worker and part.worker_start is not None:
                    part.worker_start()
        parts = "; ".join(f"{part.name} ({self._describe(part)})" for part in self.parts)
        role = "worker" if self._worker else "web"
        log.info("Flexiti background work in process %d (%s): %s", os.getpid(), role, parts)
        self.arm_exit()

    def run_worker(self) -> None:
        """Be the worker process: start every part a web process may leave to it, now."""
        self._worker = True
        self.start()

    def arm_exit(self) -> None:
        """Have this process stop the parts in order when it exits (once per process)."""
        with self._exit_lock:
            if self._exit_armed_in == os.getpid():
                return
            self._exit_armed_in = os.getpid()
        atexit.register(self.stop, EXIT_WAIT, exiting=True)

    def stop(self, timeout: float = CLOSE_WAIT, *, exiting: bool = False) -> None:
        """Stop every part, in order, each within ``timeout`` seconds; at exit (``exiting``),
        unless stopped already, what a part does then instead (finish its work under way)."""
        if exiting and self._stopped:
            return
        self._stopped = True
        for part in self.parts:
            finish = exiting and part.exit is not None and self._runs(part)
            try:
                (part.exit if finish and part.exit is not None else part.stop)(timeout)
            except Exception:  # one part failing to stop must not keep the others running
                log.exception("Stopping %s failed", part.name)

    def report(self) -> list[PartReport]:
        """Each part's state, live threads and queued work, in order."""
        return [self._report(part) for part in self.parts]

    def _runs(self, part: Part) -> bool:
        """Whether ``part`` runs in this process."""
        if part.worker_only:
            return self._worker
        return self._worker or self.in_web or not part.split

    def _report(self, part: Part) -> PartReport:
        alive, queued = part.alive(), part.queued()
        state: State
        if self._stopped and not alive:
            state = "stopped"
        elif alive:
            state = "running"
        else:
            state = "idle" if self._runs(part) else "off"
        return PartReport(part.name, state, alive, queued)

    def _describe(self, part: Part) -> str:
        if not self._runs(part):
            return "off: the worker process does it"
        started = part.start or (part.worker_start if self._worker else None)
        when = "started" if started is not None else "on first use"
        return f"{part.size}, {when}"


def app_parts(
    *,
    foreground: Foreground,
    callback_workers: CallbackWorkers,
    search: Background,
    lookups: Background,
    storefront: Pool,
    webhooks: Webhooks | None,
    clients: list[FlexitiClient],
    token_renewal: TokenRenewal,
    sweeps: PollingThreads,
    probe: FlexitiProbe,
) -> list[Part]:
    """The parts of one app, in the order they stop: what produces work before what it feeds."""
    caches = [client.tokens for client in dict.fromkeys(clients)]

    def renewals_alive() -> int:
        return token_renewal.alive() + sum(cache.alive() for cache in caches)

    def stop_renewals(timeout: float) -> None:
        token_renewal.stop(timeout)
        for cache in caches:
            cache.wait_renewals(timeout)

    workers = callback_workers
    parts = [
        Part("foreground gate", "no thread", lambda: 0, foreground.waiting,
             lambda _timeout: foreground.stop()),
        Part("callback workers", f"{workers.threads} threads", workers.alive, workers.queued,
             workers.stop, worker_start=workers.start, split=True,
             exit=lambda _timeout: workers.stop(EXIT_WAIT)),
        pool_part("callback search", search),
        pool_part("background lookups", lookups),
        pool_part("storefront calls", storefront),
        Part("reconcile sweeps", "1 thread", sweeps.alive, lambda: 0, sweeps.stop_threads,
             worker_start=sweeps.start, worker_only=True),
    ]  # fmt: skip
    if webhooks is not None:
        parts.append(Part("webhook dispatcher", "1 thread", webhooks.alive, webhooks.queued,
                          webhooks.stop, start=webhooks.start, split=True,
                          exit=lambda _timeout: webhooks.finish()))  # fmt: skip
    parts += [
        Part("token renewal", "1 thread per token being renewed", renewals_alive, lambda: 0,
             stop_renewals, worker_start=token_renewal.start, split=True),
        Part("health probe", "1 thread at a time", probe.alive, lambda: 0, probe.stop),
    ]  # fmt: skip
    return parts
