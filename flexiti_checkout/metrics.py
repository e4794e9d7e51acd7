"""The package's metrics for Prometheus, each declared once; every room counts through these.

These are events a process sees (a callback stored, a lookup answered, a webhook delivered), so
each process counts its own; under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` makes
``prometheus_client`` keep them in files every worker's scrape adds up. Facts of the store (the
callback backlog, pending webhooks, refunds and orders by state) are not counted here: they are
read from the store when scraped (``store.metrics``), so every process and host agrees.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CALLBACKS_STORED = Counter(
    "flexiti_callbacks_stored", "Callback deliveries from Flexiti written to the store"
)
CALLBACKS_PROCESSED = Counter(
    "flexiti_callbacks_processed", "Stored callback deliveries processed to an outcome"
)
CALLBACKS_FAILED = Counter(
    "flexiti_callbacks_failed",
    "Attempts at a stored callback that did not finish it: its lookup failed or was throttled "
    "(tried again later, or by replay)",
)
LOOKUPS = Counter(
    "flexiti_lookups",
    "Refreshes of an order from Flexiti by outcome: changed (the order moved), unchanged, "
    "throttled (no lookup: one ran lately), failed (no answer), unreadable",
    ["outcome"],
)
FLEXITI_SECONDS = Histogram(
    "flexiti_api_request_seconds",
    "Time of each HTTP call to Flexiti, by endpoint",
    ["endpoint"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FLEXITI_ERRORS = Counter(
    "flexiti_api_errors",
    "Calls to Flexiti that failed, by endpoint and kind: unavailable (no answer, 5xx), refused",
    ["endpoint", "kind"],
)
WEBHOOKS_DELIVERED = Counter("flexiti_webhooks_delivered", "Webhook events the shop acknowledged")
WEBHOOKS_FAILED = Counter(
    "flexiti_webhook_attempts_failed", "Webhook attempts the shop did not acknowledge with a 2xx"
)
TOKEN_RENEWALS = Counter(
    "flexiti_token_renewals",
    "OAuth tokens asked of Flexiti (the first and each renewal), by outcome: ok, failed",
    ["outcome"],
)
