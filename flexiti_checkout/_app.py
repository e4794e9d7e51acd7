"""Where an app keeps the extension's per-app state, for rooms that must not import ``web``.

``FlexitiCheckout.init_app`` stores one ``FlexitiState`` (``web.state``) under ``EXTENSION_KEY``
in ``app.extensions``. The storefront's views and the webhook command read their part of it
through ``extension_state`` (by attribute), so data still flows one way: web → rooms → core.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "flexiti_checkout"


def extension_state(app: Flask | None = None) -> Any:
    """The extension's state for ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    try:
        return target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "FlexitiCheckout is not set up on this app: call FlexitiCheckout(app) or init_app(app)"
        ) from None
