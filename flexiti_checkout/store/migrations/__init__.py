"""The store's schema migrations (Alembic), shipped in the wheel.

``versions/`` holds one module per revision: ``0001`` is the schema of the first release, exactly
as it was; each later revision changes it. ``flask flexiti db upgrade`` applies them, and the
store refuses to run on a database that is behind. A new revision: write
``versions/NNNN_what_it_does.py`` by hand (``script.py.mako`` is its shape), with
``down_revision`` the current head, and change ``store/tables.py`` to match.
"""
