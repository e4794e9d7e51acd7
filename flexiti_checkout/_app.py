"""Where an app keeps the extension's per-app state, for rooms that must not import ``web``.

``FlexitiCheckout.init_app`` stores one ``FlexitiState`` (``web.state``) under ``EXTENSION_KEY``
in ``app.extensions``. The web room reads it whole (``web.state.flexiti_state``); a room below it
reads only the part it owns, typed by its own class (``extension_part("storefront",
Storefront)``), so data still flows one way: web → rooms → core.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, current_app

EXTENSION_KEY = "flexiti_checkout"

T = TypeVar("T")


def extension_state(kind: type[T], app: Flask | None = None) -> T:
    """The extension's state for ``app`` (default: the current app), checked to be a ``kind``."""
    target = app if app is not None else current_app
    try:
        state = target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "FlexitiCheckout is not set up on this app: call FlexitiCheckout(app) or init_app(app)"
        ) from None
    if not isinstance(state, kind):
        raise TypeError(f"app.extensions[{EXTENSION_KEY!r}] is not a {kind.__name__}")
    return state


def extension_part(name: str, kind: type[T], app: Flask | None = None) -> T:
    """The part ``name`` of the extension's state for ``app``, checked to be a ``kind``."""
    part = getattr(extension_state(object, app), name)
    if not isinstance(part, kind):
        raise TypeError(f"The extension's {name} is a {type(part).__name__}, not {kind.__name__}")
    return part
