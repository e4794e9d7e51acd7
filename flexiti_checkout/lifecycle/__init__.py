"""The lifecycle room: an order from checkout request to settlement.

Checkout requests and their validation, the order service (start, refresh, decide), the
callback inbox processing, the reconciler, redaction of personal data and the redirect check.
Nothing here knows Flask; the web room wires it to an app.
May import: the core, ``client`` and ``store``.
"""
