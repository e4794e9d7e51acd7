"""The service room: the standalone checkout service (``gunicorn wsgi:app``).

``app.create_app`` builds a Flask app around the extension from environment variables; ``api``
is its JSON API, ``schemas`` the API's shapes and ``openapi`` its OpenAPI document.
May import: ``web`` and every room below it.
"""

from flexiti_checkout.service.app import create_app

__all__ = ["create_app"]
