"""The catalogue's operations settings: where background work runs, retry schedules, metrics.

They are fields of ``Settings`` like every other (``Settings`` extends ``OperationsSettings``);
they live here because they say how the package runs in production rather than what it does
for a shop, and read alike: both retry schedules are lists of durations (``values.durations``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flexiti_checkout.lifecycle.callbacks.processor import RETRY_DELAYS as CALLBACK_RETRIES
from flexiti_checkout.web.settings import values as value
from flexiti_checkout.web.settings.values import OPERATIONS, setting
from flexiti_checkout.webhooks.dispatcher import GIVE_UP_AFTER
from flexiti_checkout.webhooks.dispatcher import RETRY_DELAYS as WEBHOOK_RETRIES

#: Where the background work runs: the web processes themselves, or a worker process.
BACKGROUND_WORK = ("web", "worker")


@dataclass(frozen=True)
class OperationsSettings:
    """Where background work runs, how failures are retried, who may read the metrics."""

    background_work: str = setting(
        "FLEXITI_BACKGROUND_WORK", "web", value.one_of(*BACKGROUND_WORK), OPERATIONS, "worker",
        """``web``: each web process settles the callbacks it stores, sends webhooks and renews
        tokens ahead of expiry on threads of its own (enough for a small shop). ``worker``: web
        processes only store and answer; ``flask flexiti worker`` processes (one or more per
        host) do that work, and sweep forgotten orders and refunds.""",
    )  # fmt: skip
    worker_poll_interval: float = setting(
        "FLEXITI_WORKER_POLL_INTERVAL", 1, value.parse_duration, OPERATIONS, "250ms",
        """How often a worker process looks for stored callbacks and webhook events when it has
        none to do: about the longest a callback waits before its lookup starts.""",
        shown="``1s``",
    )  # fmt: skip
    sweep_interval: float = setting(
        "FLEXITI_SWEEP_INTERVAL", "5m", value.duration_or_zero, OPERATIONS, "10m",
        """How often a worker process runs what ``flask flexiti reconcile --older-than 10m``
        does: orders whose callback never came and refunds whose outcome is unknown (``0``:
        never; run the command from cron instead).""",
    )  # fmt: skip
    reconcile_concurrency: int = setting(
        "FLEXITI_RECONCILE_CONCURRENCY", 8, value.whole(1, 64), OPERATIONS, "4",
        """How many orders a reconcile (the command or a worker's sweep) looks up at once, on
        one connection pool and one token: enough to hide Flexiti's latency, few enough to be
        polite (1 to 64).""",
    )  # fmt: skip
    callback_retry_schedule: tuple[float, ...] = setting(
        "FLEXITI_CALLBACK_RETRY_SCHEDULE", CALLBACK_RETRIES, value.durations, OPERATIONS,
        "1s,5s,30s,2m,10m,1h",
        """The waits before each new try of a stored callback whose lookup failed (Flexiti
        down); after the last, only ``flask flexiti replay`` and the reconciler try it.""",
        shown=f"``{value.format_durations(CALLBACK_RETRIES)}``",
    )  # fmt: skip
    webhook_retry_schedule: tuple[float, ...] = setting(
        "FLEXITI_WEBHOOK_RETRY_SCHEDULE", WEBHOOK_RETRIES, value.durations, OPERATIONS,
        "30s,5m,1h",
        """The waits after each failed webhook attempt; the last repeats until
        ``FLEXITI_WEBHOOK_GIVE_UP_AFTER``.""",
        shown=f"``{value.format_durations(WEBHOOK_RETRIES)}``",
    )  # fmt: skip
    webhook_give_up_after: float = setting(
        "FLEXITI_WEBHOOK_GIVE_UP_AFTER", GIVE_UP_AFTER, value.parse_duration, OPERATIONS, "3d",
        """How long after an event its webhook is retried (a last attempt happens then); then
        it is marked failed for ``flask flexiti webhooks --replay``.""",
        shown=f"``{value.format_duration(GIVE_UP_AFTER)}``",
    )  # fmt: skip
    metrics_keys: tuple[str, ...] = setting(
        "FLEXITI_METRICS_KEYS", (), value.api_keys, OPERATIONS, "scraper-key-0123456789abcdef",
        """Bearer keys Prometheus scrapes ``{prefix}/metrics`` with, comma-separated or a list,
        16 to 256 characters each. Staff signed in to the console may read it too; with
        neither, the endpoint answers 404.""",
        shown="none",
    )  # fmt: skip
