"""The settings: every ``FLEXITI_*`` key declared once, and how each is read.

``catalogue`` declares each setting (key, default, parser, topic, doc) and loads the validated
``Settings`` record at ``init_app``; ``operations`` declares its operations settings (background
work, retry schedules, metrics); ``values`` holds the parsers; ``environment`` is how the
standalone service reads the same keys from the process environment; ``cookies`` what the
extension needs of the host's session cookie. Nothing else in the package reads configuration.
May import: the core, ``client``, ``lifecycle``, ``storefront`` and ``webhooks``.
"""
