"""Refunds of approved orders: asked for once per idempotency key, settled once.

``service`` records a refund, asks Flexiti's POS API to return the money and settles the refund
from the answer (``RefundService``); ``reconcile`` settles the refunds whose answer never came, from
Flexiti's records of the customer's purchases (``flask flexiti reconcile``).
May import: the core, ``client`` and ``store`` (``store.refunds`` keeps the rows and the rule that
refunds never pass the order's amount); nothing else in ``lifecycle``.
"""
