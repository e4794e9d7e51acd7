"""The client room: ``FlexitiClient``, everything about talking to Flexiti's APIs.

It owns the transport (timeouts, retries, parsing, logs), tokens per scope, the response schemas
and the typed results. It knows neither Flask nor the store (a ``TokenStore`` is passed in).
May import: the core (``errors``, ``money``, ``_json``).
"""
