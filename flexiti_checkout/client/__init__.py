"""The client room: ``FlexitiClient``, everything about talking to Flexiti's APIs.

It owns the transport (timeouts, retries, parsing, logs), tokens per scope, the caller that sends
each call with its token, the Online API (``flexiti``), the POS API (``pos/``), the response schemas
and the typed results. It knows neither Flask nor the store (a ``TokenStore`` is passed in).
May import: the core (``errors``, ``money``, ``_json``).
"""

from flexiti_checkout.client.flexiti import ENVIRONMENTS, FlexitiClient
from flexiti_checkout.client.tokens import MemoryTokenStore, Token, TokenStore

__all__ = [
    "ENVIRONMENTS",
    "FlexitiClient",
    "MemoryTokenStore",
    "Token",
    "TokenStore",
]
