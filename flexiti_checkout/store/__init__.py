"""The store room: where orders, their history, callback deliveries, webhooks and tokens live.

``tables`` is the schema (one module), ``revisions`` creates it or upgrades an older one through
the Alembic ``migrations``, ``engine`` connects to the URL, ``repository`` holds the orders and
their compare-and-set transitions, ``inbox`` the callback deliveries, ``outbox`` the webhook
events, ``tokens`` the shared OAuth tokens. SQLAlchemy Core on any URL; nothing here knows Flask
or Flexiti's API.
May import: the core (``errors``, ``models``) and ``client.tokens`` (the token record).
"""
