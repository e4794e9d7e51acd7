"""The storefront room: what shoppers see before a checkout.

The payment-availability gate and the payment calculator (``plans``), their caches, breaker and
pool (``cache``), the cache shared by every worker through a store it is given (``shared``),
the badges' Jinja side (``badges``), their HTTP views (``views``) and the
sanitising of Flexiti's HTML (``sanitize``).
May import: the core and ``client``. It reaches the app's ``Storefront`` through the extension's
per-app state by key (``flexiti_checkout._app``), never by importing the web room.
"""
