"""The lifecycle room: an order from checkout request to settlement.

Checkout requests and their validation (``checkout``, ``validation``), starting a checkout
(``starts``), the order service that refreshes an order from Flexiti (``orders``) with the one
mapping from Flexiti's lookup to a status (``outcome``), the reconciler (``reconcile``), staff
actions on a settled order (``actions``), refunds (``refunds/``), Flexiti's callbacks
(``callbacks/``), redaction of personal data and the redirect check.
Nothing here knows Flask; the web room wires it to an app.
May import: the core, ``client`` and ``store``.
"""
