"""The admin console at ``{prefix}/admin/``: staff see orders and act on them.

Orders with filters, search and paging; an order's history, details, address-match scores and the
actions the lifecycle offers, as CSRF-protected forms with a confirmation step, each recorded with
its actor (``store.audit``). Access comes from the host (``FlexitiCheckout(app, admin_access=…)``)
or from keys staff sign in with (``FLEXITI_ADMIN_KEYS``, the service's way); off without either.
Part of the web room: may import every room below it.
"""
