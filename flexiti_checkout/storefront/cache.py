"""Answers from Flexiti kept per key: one call per key at a time, stale served while refreshed.

Product and category pages ask the same questions (is $499 financeable? what does it cost a
month?) thousands of times; Flexiti should hear each once per TTL. ``AnswerCache`` runs calls on a
small bounded thread pool so a shopper's request only ever *waits* for an answer (up to its
budget) and a late answer still fills the cache. Failures are remembered briefly, and a
``Breaker`` stops calling Flexiti for a cool-down after several failures in a row, so a Flexiti
outage costs shop pages nothing. A good answer past its TTL is still served (up to ``max_stale``
beyond it) while it is refreshed, and when the refresh fails: a stale plan beats no badge.
With a ``Sharing`` the cache reads through to a store shared by every worker (``shared``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from flexiti_checkout.errors import AuthenticationError, FlexitiError, UnavailableError
from flexiti_checkout.storefront.shared import Sharing, SharingError

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


#: How soon a key whose answer another worker is fetching is looked at again.
PENDING_RETRY = 1.0


@dataclass(frozen=True)
class Answer(Generic[V]):
    """What we know for a key: Flexiti's ``value``, or a failure (``ok`` false) kept briefly.

    A good answer is served stale after ``fresh_until`` until ``usable_until``, refreshed no
    sooner than ``retry_at``. ``pending``: no answer yet, and no failure either (another worker
    is asking Flexiti, or the call is still out): nothing to remember.
    """

    value: V | None
    ok: bool
    fresh_until: float
    usable_until: float = 0.0
    retry_at: float = 0.0
    pending: bool = False


class Breaker:
    """Opens after ``threshold`` failures in a row; after ``cooldown`` lets one probe through."""

    def __init__(self, threshold: int, cooldown: float, clock: Callable[[], float]) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go to Flexiti now (half-open: only the first caller, as a probe)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._probing or self._clock() < self._opened_at + self.cooldown:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("Flexiti answers again; the storefront calls it again")
            self._failures, self._opened_at, self._probing = 0, None, False

    def cancel_probe(self) -> None:
        """The call ``allow`` let through never went out; let the next caller probe instead."""
        with self._lock:
            self._probing = False

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            reopen = self._probing
            self._probing = False
            if reopen or (self._opened_at is None and self._failures >= self.threshold):
                self._opened_at = self._clock()
                log.warning(
                    "Flexiti failed %d times in a row; badges and the gate stay hidden "
                    "without calling it for %.0f s",
                    self._failures,
                    self.cooldown,
                )


class Pool:
    """A bounded thread pool, created lazily in the process that uses it (safe with pre-fork)."""

    def __init__(self, workers: int, max_queued: int) -> None:
        self.workers = workers
        self.max_queued = max_queued
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._queued = 0

    def submit(self, task: Callable[[], None]) -> bool:
        """Run ``task`` in the pool; ``False`` (task not run) when too much is queued already."""
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(self.workers, "flexiti-storefront")
                self._pid, self._queued = os.getpid(), 0
            if self._queued >= self.max_queued:
                return False
            self._queued += 1
            executor = self._executor

        def run() -> None:
            try:
                task()
            finally:
                with self._lock:
                    self._queued -= 1

        executor.submit(run)
        return True

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


class AnswerCache(Generic[K, V]):
    """Flexiti's answers per key, with single flight and stale-while-revalidate.

    ``fetch(key)`` asks Flexiti. ``definitive`` errors (a 4xx that answers the question, such as
    "amount out of range") are turned into a value by ``on_refusal`` and cached like one; any
    other error is a failure: kept ``failure_ttl`` seconds and counted by the breaker.
    """

    def __init__(
        self,
        name: str,
        fetch: Callable[[K], V],
        *,
        pool: Pool,
        breaker: Breaker,
        ttl: float,
        failure_ttl: float,
        max_entries: int,
        clock: Callable[[], float],
        on_refusal: Callable[[FlexitiError], V] | None = None,
        max_stale: float = 0.0,
        sharing: Sharing[K, V] | None = None,
    ) -> None:
        self.name = name
        self._fetch = fetch
        self._pool = pool
        self._breaker = breaker
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._max_entries = max_entries
        self._clock = clock
        self._on_refusal = on_refusal
        self._max_stale = max_stale
        self._sharing = sharing
        self._lock = threading.Lock()
        self._answers: OrderedDict[K, Answer[V]] = OrderedDict()
        self._inflight: dict[K, Future[Answer[V]]] = {}
        self._pid = os.getpid()

    def known(self, key: K) -> Answer[V] | None:
        """The answer this process holds for ``key`` if it may be shown now; never calls."""
        now = self._clock()
        answer = self._answers.get(key)  # one dict read: atomic, no lock needed
        if answer is None:
            return None
        usable = now < answer.fresh_until or (answer.ok and now < answer.usable_until)
        return answer if usable else None

    def start(self, key: K) -> tuple[Answer[V] | None, Future[Answer[V]] | None]:
        """What is known now, and the call to wait for when nothing usable is known.

        A fresh answer comes with no future. A stale good answer is returned while a refresh
        runs in the background (or, after a failed one, until it is due again). With nothing
        usable, the future of the (one) call for ``key``.
        """
        now = self._clock()
        with self._lock:
            if self._pid != os.getpid():  # a forked worker: the parent's calls never finish here
                self._inflight.clear()
                self._pid = os.getpid()
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                if now < answer.fresh_until:
                    return answer, None
                if answer.ok and now < answer.usable_until:
                    if now >= answer.retry_at and key not in self._inflight:
                        self._launch(key, answer)
                    return answer, None  # stale-while-revalidate
            future = self._inflight.get(key)
            if future is None:
                future = self._launch(key)
        return None, future

    def get(self, key: K, timeout: float) -> Answer[V] | None:
        """The answer for ``key``, waiting at most ``timeout`` seconds; ``None`` if still out."""
        answer, future = self.start(key)
        if future is None:
            return answer
        done, _ = wait([future], timeout=max(0.0, timeout))
        return future.result() if done else None

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait for the calls in flight (tests, and shutting down cleanly)."""
        with self._lock:
            pending: Iterable[Future[Answer[V]]] = list(self._inflight.values())
        wait(pending, timeout=timeout)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
        if self._sharing is not None:
            try:
                self._sharing.clear()
            except SharingError as exc:
                log.warning("The shared storefront cache could not be cleared (%s)", exc)

    def _launch(self, key: K, stale: Answer[V] | None = None) -> Future[Answer[V]]:
        """Start the call for ``key`` (the lock is held); a refused call fails at once, uncached.

        With a ``stale`` good answer, a refusal keeps it (not asked again for ``failure_ttl``).
        """
        future: Future[Answer[V]] = Future()
        now = self._clock()
        if not self._breaker.allow():
            # While Flexiti is down nothing is asked; a stale good answer is still shown.
            kept: Answer[V] = (
                replace(stale, retry_at=now + self._failure_ttl)
                if stale is not None
                else Answer(None, False, now + self._failure_ttl)
            )
            self._answers[key] = kept
            future.set_result(kept)
            return future
        self._inflight[key] = future
        if not self._pool.submit(lambda: self._run(key, future)):
            del self._inflight[key]
            self._breaker.cancel_probe()
            log.warning("Too many Flexiti %s calls queued; answering 'not available'", self.name)
            if stale is not None:  # shown meanwhile; the queue is asked again a little later
                stale = self._answers[key] = replace(stale, retry_at=now + PENDING_RETRY)
            future.set_result(stale or Answer(None, False, now))
        return future

    def _run(self, key: K, future: Future[Answer[V]]) -> None:
        try:
            answer = self._ask(key)
        except Exception:  # a bug must not leave callers waiting: fail closed, loudly
            log.exception("Flexiti %s crashed for %s", self.name, key)
            answer = Answer(None, False, self._clock() + self._failure_ttl)
        now = self._clock()
        with self._lock:
            current = self._answers.get(key)
            usable = current is not None and current.ok and now < current.usable_until
            if not answer.ok and usable:  # a stale good answer beats hiding the badge
                assert current is not None
                wait = PENDING_RETRY if answer.pending else self._failure_ttl
                answer = replace(current, retry_at=now + wait)
            if not answer.pending:
                self._answers[key] = answer
                self._answers.move_to_end(key)
                while len(self._answers) > self._max_entries:
                    self._answers.popitem(last=False)
            self._inflight.pop(key, None)
        future.set_result(answer)

    def _ask(self, key: K) -> Answer[V]:
        """Flexiti's answer for ``key``, through the shared store when there is one."""
        if self._sharing is None:
            return self._call(key)
        try:
            found = self._sharing.find_or_claim(key)
        except SharingError as exc:
            log.warning("The shared storefront cache failed (%s); asking Flexiti directly", exc)
            return self._call(key)
        if found.answer is not None or not found.claimed:
            self._breaker.cancel_probe()  # Flexiti was not called: let another probe
            if found.answer is not None:
                return self._local(found.answer, found.fresh_in)
            # Another worker is asking Flexiti and has not answered yet: nothing to remember.
            return self._local(found.stale, found.fresh_in, retry=PENDING_RETRY)
        answer = self._call(key)
        try:
            if answer.ok:
                self._sharing.save(key, answer.value, self._ttl)  # type: ignore[arg-type]
            else:
                self._sharing.release(key)
        except SharingError as exc:
            log.warning("The shared storefront cache failed (%s)", exc)
        if not answer.ok and found.stale is not None:  # another worker's stale answer
            return self._local(found.stale, found.fresh_in, retry=self._failure_ttl)
        return answer

    def _local(self, value: tuple[V] | None, fresh_in: float, *, retry: float = 0) -> Answer[V]:
        """A shared answer (``(value,)``, fresh ``fresh_in`` seconds more) as this process keeps
        it; pending when there is none, or when it is too stale to show."""
        now = self._clock()
        fresh_until = now + fresh_in
        usable_until = fresh_until + self._max_stale
        if value is None or now >= usable_until:
            return Answer(None, False, now, pending=True)
        return Answer(value[0], True, fresh_until, usable_until, now + retry)

    def _call(self, key: K) -> Answer[V]:
        """Ask Flexiti, counting the outcome on the breaker."""
        try:
            value = self._fetch(key)
            self._breaker.succeeded()
            return self._good(value)
        except FlexitiError as exc:
            if self._on_refusal is not None and _definitive(exc):
                self._breaker.succeeded()
                return self._good(self._on_refusal(exc))
            log.warning("Flexiti %s failed for %s: %s", self.name, key, exc)
        except Exception:  # a bug must not leave callers waiting: fail closed, loudly
            log.exception("Flexiti %s crashed for %s", self.name, key)
        self._breaker.failed()
        return Answer(None, False, self._clock() + self._failure_ttl)

    def _good(self, value: V) -> Answer[V]:
        fresh_until = self._clock() + self._ttl
        return Answer(value, True, fresh_until, fresh_until + self._max_stale)


def _definitive(exc: FlexitiError) -> bool:
    """A refusal that answers the question (4xx) rather than an outage or a credentials problem."""
    return not isinstance(exc, (UnavailableError, AuthenticationError))
