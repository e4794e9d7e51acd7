"""The admin console at ``{prefix}/admin/``: staff see orders and act on them.

A home page of what needs attention (``attention``) with a CSV export for accounting
(``export``); orders with filters, search and paging; an order's history, details, address
verdicts and the actions that can succeed now (``actions``), as CSRF-protected forms with a
confirmation step, each recorded with its actor (``store.audit``). Every value is written for
staff in English or French by ``present`` from the one catalogue of names in ``labels``.
Access comes from the host (``FlexitiCheckout(app, admin_access=…)``) or from keys staff sign in
with (``FLEXITI_ADMIN_KEYS``, the service's way); off without either.
Part of the web room: may import every room below it.
"""
