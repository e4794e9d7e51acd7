"""A local Flexiti: both APIs on Flexiti's own paths, a hosted flow page and fault knobs.

Point a client at ``{sandbox}/flexiti/online-api`` and ``{sandbox}/flexiti/pos-api/v2.5``
instead of the Flexiti hosts; nothing else changes. Run it with
``python -m flexiti_checkout.sandbox``.
"""

from flexiti_checkout.sandbox.app import create_app
from flexiti_checkout.sandbox.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "create_app"]
