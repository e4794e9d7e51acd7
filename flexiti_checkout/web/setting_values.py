"""Validation of the settings for talking to the shop's own servers: API keys and webhooks.

``settings.load_settings`` calls these, so a bad value fails at ``init_app`` naming its key like
every other setting. ``FLEXITI_API_KEYS`` is read by the service's JSON API (``api.py``); the
webhook settings by any app using the extension (``webhooks.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.webhooks.signing import parse_secret

#: Long enough that guessing is hopeless; printable and without separators so it fits a header.
_API_KEY = re.compile(r"[A-Za-z0-9._~+/=-]{16,256}")


def api_keys(value: Any) -> tuple[str, ...]:
    """``FLEXITI_API_KEYS``: a comma-separated string or a list; several keys allow rotation."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        raise ConfigurationError(
            f"FLEXITI_API_KEYS must be a comma-separated string or a list, not "
            f"{type(value).__name__}"
        )
    keys = []
    for position, item in enumerate(items, start=1):
        key = item.strip() if isinstance(item, str) else item
        if key == "":
            continue
        if not (isinstance(key, str) and _API_KEY.fullmatch(key)):
            # The key itself is a secret: say which one is wrong, never what it is.
            raise ConfigurationError(
                f"FLEXITI_API_KEYS entry #{position} must be 16 to 256 letters, digits or "
                "'._~+/=-' (make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )
        keys.append(key)
    return tuple(keys)


def shop_webhook(config: Mapping[str, Any]) -> dict[str, Any]:
    """``FLEXITI_SHOP_WEBHOOK_URL`` and ``FLEXITI_SHOP_WEBHOOK_SECRET``, as ``Settings`` fields.

    Webhooks are off without a URL; with one, the secret is required.
    """
    url = config.get("FLEXITI_SHOP_WEBHOOK_URL")
    raw_secret = config.get("FLEXITI_SHOP_WEBHOOK_SECRET")
    if isinstance(raw_secret, str) and not raw_secret.strip():
        raw_secret = None
    secret = None
    if raw_secret is not None:
        secret = parse_secret("FLEXITI_SHOP_WEBHOOK_SECRET", raw_secret)
    if url is None or (isinstance(url, str) and not url.strip()):
        return {"shop_webhook_url": None, "shop_webhook_secret": secret}
    if not isinstance(url, str) or not _is_http_url(url.strip()):
        raise ConfigurationError(
            "FLEXITI_SHOP_WEBHOOK_URL must be an http(s) URL such as "
            f"https://shop.example/hooks/flexiti, not {url!r}"
        )
    if secret is None:
        raise ConfigurationError(
            "FLEXITI_SHOP_WEBHOOK_SECRET is required when FLEXITI_SHOP_WEBHOOK_URL is set: "
            "webhooks to the shop are always signed"
        )
    return {"shop_webhook_url": url.strip(), "shop_webhook_secret": secret}


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.username
        and not parts.fragment
        and not any(char.isspace() for char in url)
    )
