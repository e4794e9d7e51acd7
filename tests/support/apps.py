"""Closing an app a test made: its callback workers, its webhook dispatcher, then its store.

Closing only the store leaves the app's worker threads polling a database the test is about to
drop; their connections then surface as warnings in some later test.
"""

from __future__ import annotations

from flask import Flask

from flexiti_checkout.web.state import flexiti_state


def close_app(app: Flask) -> None:
    """What ``FlexitiCheckout.close(app)`` does, for apps a factory built (the service)."""
    state = flexiti_state(app)
    state.callback_workers.stop()
    if state.webhooks is not None:
        state.webhooks.stop()
    state.store.close()
