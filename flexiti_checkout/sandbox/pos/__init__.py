"""The sandbox's POS API: Flexiti's merchant back office and in-store calls, on its own paths.

``login`` serves the token call and merchant login, ``customers`` the customer and account
verification routes, ``applications`` applications and reference data, ``transactions`` purchases
and their post, cancel and return, ``deprecated`` the endpoints Flexiti still serves; each on the
API version Flexiti's pages write for it. ``ledger`` keeps the accounts and purchases they act on,
``rules`` what the routes share (finding accounts, refusals), ``reference`` the option lists, and
``control`` shows and steers the ledger under ``/_sandbox/pos``.
May import: the rest of the sandbox, ``client`` and the core.
"""
