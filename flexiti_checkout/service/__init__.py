"""The service room: the standalone checkout service (``gunicorn wsgi:app``)."""

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The service app (see ``service.app.create_app``)."""
    from flexiti_checkout.service.app import create_app as create

    return create(*args, **kwargs)
