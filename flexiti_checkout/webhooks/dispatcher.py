"""Webhooks to the shop: one signed event per notification (``signals``), delivered at least once.

The event is written to the outbox by a store hook, inside the transaction of the transition it
announces, so a committed transition always has its event and a lost compare-and-set never does.
Right after the commit, a dispatcher thread in the same process (started lazily, one per worker;
or in the worker process, ``flask flexiti worker``) tries to deliver it; failures are retried
after the waits of ``FLEXITI_WEBHOOK_RETRY_SCHEDULE`` (10 s, 1 min, 5 min, 30 min, 2 h, then
every 6 h) until ``FLEXITI_WEBHOOK_GIVE_UP_AFTER`` (a day) has passed, then the event is marked
failed for ``flask flexiti webhooks --replay``. No process has to stay alive for this: an event
left behind by a process that stopped is picked up by any worker's next poll.

Logs name the event id, type and HTTP status, never the body or the secret.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import requests
from sqlalchemy.engine import Connection

from flexiti_checkout.metrics import WEBHOOKS_DELIVERED, WEBHOOKS_FAILED
from flexiti_checkout.models import Order, Refund, RefundStatus, utc
from flexiti_checkout.signals import notification
from flexiti_checkout.store.outbox import FAILED, PENDING, Outbox, OutboxEvent
from flexiti_checkout.store.polling import PollingThreads
from flexiti_checkout.store.refunds import refunds_on
from flexiti_checkout.store.repository import Store
from flexiti_checkout.webhooks.events import event_body
from flexiti_checkout.webhooks.signing import signature_headers

log = logging.getLogger(__name__)

#: Waits after each failed attempt; the last one repeats until ``GIVE_UP_AFTER``
#: (``FLEXITI_WEBHOOK_RETRY_SCHEDULE``).
RETRY_DELAYS: tuple[float, ...] = (10, 60, 300, 1800, 7200, 21600)
#: How long an event is tried before it is marked failed (a last attempt happens at this age;
#: ``FLEXITI_WEBHOOK_GIVE_UP_AFTER``).
GIVE_UP_AFTER = 24 * 3600.0
#: Connect and read timeouts of one attempt; the shop should answer 2xx at once and work later.
TIMEOUT = (3.05, 10.0)
#: A lease outlives the longest attempt, so a live worker never loses the event it is sending.
LEASE = 60.0
POLL_INTERVAL = 5.0
USER_AGENT = "flexiti-checkout-webhooks"


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt did."""

    event: OutboxEvent
    delivered: bool
    result: str  # "HTTP 204", or the name of the network error


class Webhooks(PollingThreads):
    """The outbox hook and the dispatcher of one app (one thread per process).

    ``retry_delays`` are the waits after each failed attempt (the last repeats) until
    ``give_up_after`` seconds have passed since the event; ``clock``, ``poll_interval`` and
    ``autostart`` are there for tests and the worker process; ``session`` is the
    ``requests.Session`` attempts go through.
    """

    name = "flexiti-webhooks"

    def __init__(
        self,
        store: Store,
        url: str,
        secret: bytes,
        *,
        session: requests.Session | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        give_up_after: float = GIVE_UP_AFTER,
        timeout: tuple[float, float] = TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        clock: Callable[[], float] = time.time,
        autostart: bool = True,
    ) -> None:
        super().__init__(threads=1, poll_interval=poll_interval, clock=clock, autostart=autostart)
        self.outbox = Outbox(store)
        self.url = url
        self._secret = secret
        self._session = session or requests.Session()
        self.retry_delays = tuple(retry_delays)
        self.give_up_after = give_up_after
        self.timeout = timeout
        #: Events this process wrote and has not finished trying (see ``finish``).
        self._unsent: set[str] = set()
        store.transition_hooks.append(self._on_transition)
        store.refund_hooks.append(self._on_refund)

    def __repr__(self) -> str:  # the secret stays out of reprs and logs
        return f"Webhooks(url={self.url!r})"

    # -- writing events ------------------------------------------------------------------------

    def _on_transition(
        self, conn: Connection, before: Order, after: Order
    ) -> Callable[[], None] | None:
        """Store hook: add the event of this transition to the outbox, in its transaction."""
        row = notification(after)
        if row is None:
            return None
        assert after.id is not None
        found = refunds_on(conn, after.id)
        refund = None
        if row.carries_refund:  # the refund this transition settled: the latest succeeded
            done = [r for r in found if r.status is RefundStatus.SUCCEEDED]
            refund = max(done, key=lambda r: (r.settled_at or utc(0), r.id), default=None)
        body = event_body(row, before.status, after, found, refund=refund)
        return self._add(conn, row.webhook, after, body)

    def _on_refund(
        self, conn: Connection, order: Order, refund: Refund
    ) -> Callable[[], None] | None:
        """Store hook: the event of a refund settled without moving its order (``refund.failed``),
        in the transaction that settles it."""
        row = notification(order, refund)
        if row is None:
            return None
        assert order.id is not None
        found = refunds_on(conn, order.id)
        body = event_body(row, order.status, order, found, refund=refund, at=refund.settled_at)
        return self._add(conn, row.webhook, order, body)

    def _add(self, conn: Connection, kind: str, order: Order, body: str) -> Callable[[], None]:
        assert order.id is not None
        event_id = f"msg_{uuid.uuid4().hex}"
        self.outbox.add(
            conn,
            event_id=event_id,
            event_type=kind,
            order_id=order.id,
            merchant_order_id=order.merchant_order_id,
            body=body,
            now=self.clock(),
        )
        first = not self._unsent
        self._unsent.add(event_id)
        if first:
            self.on_work()
        return self.kick

    # -- the dispatcher ------------------------------------------------------------------------

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the dispatcher thread and close its connections (tests, app teardown)."""
        self.stop_threads(timeout)
        self._session.close()

    def finish(self) -> None:
        """Before a process that wrote events exits (a ``flask flexiti reconcile`` run), let its
        thread finish the attempt it is making, then try what it has not: otherwise the event
        would wait for its lease to run out and another worker's poll. Stops the thread."""
        self.stop_threads(sum(self.timeout) + 1)
        try:
            if self._unsent:
                self.run_due()
        except Exception:
            log.exception("Sending webhooks before exit failed; a worker will send them")
        finally:
            self._session.close()

    def next_due(self) -> float | None:
        return self.outbox.next_due()

    def run_due(self, limit: int = 20) -> int:
        """Attempt every due event this worker can lease (up to ``limit``); how many it tried."""
        owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        events = self.outbox.claim_due(owner, now=self.clock(), lease=LEASE, limit=limit)
        for event in events:
            self._attempt(event, owner)
        return len(events)

    def replay(self, event: OutboxEvent) -> Attempt | None:
        """Send ``event`` again now, whatever its status; ``None`` if a worker is sending it.

        A failed event stays failed if this attempt fails too; a pending one keeps its schedule.
        """
        owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        if not self.outbox.claim(event, owner, now=self.clock(), lease=LEASE):
            return None
        return self._attempt(event, owner, keep_failed=event.status != PENDING)

    def _attempt(self, event: OutboxEvent, owner: str, *, keep_failed: bool = False) -> Attempt:
        delivered, result = self._send(event)
        now = self.clock()
        retry_at = None if delivered or keep_failed else self._retry_at(event, now)
        self.outbox.finish(
            event, owner, now=now, result=result, delivered=delivered, retry_at=retry_at
        )
        self._unsent.discard(event.event_id)
        (WEBHOOKS_DELIVERED if delivered else WEBHOOKS_FAILED).inc()
        attempt_no = event.attempts + 1
        if delivered:
            log.info("Webhook %s (%s) delivered on attempt %d: %s",
                     event.event_id, event.event_type, attempt_no, result)  # fmt: skip
        elif retry_at is None:
            log.error("Webhook %s (%s) failed on attempt %d (%s); it is marked %s: "
                      "`flask flexiti webhooks --replay %s` sends it again",
                      event.event_id, event.event_type, attempt_no, result, FAILED,
                      event.event_id)  # fmt: skip
        else:
            log.warning("Webhook %s (%s) failed on attempt %d (%s); next try in %.0f s",
                        event.event_id, event.event_type, attempt_no, result,
                        retry_at - now)  # fmt: skip
        return Attempt(event, delivered, result)

    def _retry_at(self, event: OutboxEvent, now: float) -> float | None:
        """When to try again after a failed attempt; ``None`` once ``give_up_after`` passed."""
        deadline = event.created_at + self.give_up_after
        if now >= deadline:
            return None
        index = min(event.attempts, len(self.retry_delays) - 1)
        return min(now + self.retry_delays[index], deadline)

    def _send(self, event: OutboxEvent) -> tuple[bool, str]:
        body = event.body.encode("utf-8")
        headers = signature_headers(self._secret, event.event_id, int(self.clock()), body)
        headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
        try:
            response = self._session.post(
                self.url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            # The name only: the message may carry the URL, and the URL may carry a token.
            return False, type(exc).__name__
        with response:
            return 200 <= response.status_code < 300, f"HTTP {response.status_code}"


__all__ = ["FAILED", "PENDING", "Attempt", "Webhooks"]
