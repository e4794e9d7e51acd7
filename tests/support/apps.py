"""Closing an app a test made: its threads and pools (``web.background``), then its store.

Closing only the store leaves the app's worker threads polling a database the test is about to
drop; their connections then surface as warnings in some later test.
"""

from __future__ import annotations

from flask import Flask

from flexiti_checkout.web.state import flexiti_state


def close_app(app: Flask) -> None:
    """What ``FlexitiCheckout.close(app)`` does, for apps a factory built (the service)."""
    state = flexiti_state(app)
    state.background.stop()
    state.store.close()
