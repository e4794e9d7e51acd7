"""The ``flexiti`` blueprint: where the shipped templates and static files are served from.

Templates are named ``flexiti_checkout/…`` so a host app can override any of them with a file of
the same name in its own templates folder (the app's folder is searched before a blueprint's).
Static files are served under ``{prefix}/static/flexiti_checkout/…``.
"""

from __future__ import annotations

from flask import Blueprint

from flexiti_checkout._resources import STATIC_DIR, TEMPLATE_DIR


def make_blueprint() -> Blueprint:
    """A fresh ``flexiti`` blueprint with the package's templates and static files."""
    return Blueprint(
        "flexiti",
        __name__,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
