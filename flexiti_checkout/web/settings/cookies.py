"""The host's session cookie: what the extension sets on it, and whether it carries Secure.

The cookie is the host's (Flask's ``SESSION_COOKIE_*``), not a ``FLEXITI_*`` setting, but the
checkout depends on it: it remembers each customer's Flexiti order between the shop's pages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["secure_session_cookie", "session_cookie_is_secure"]

log = logging.getLogger(__name__)


def secure_session_cookie(config: MutableMapping[str, Any], environment: str) -> None:
    """SameSite=Lax unless the host chose otherwise (Flexiti's return is a top-level GET, which
    carries Lax cookies); a warning when real credentials meet a session cookie without Secure."""
    if config.get("SESSION_COOKIE_SAMESITE") is None:
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if environment != "sandbox" and not session_cookie_is_secure(config):
        log.warning(
            "SESSION_COOKIE_SECURE is off with FLEXITI_ENVIRONMENT=%s: the session cookie that "
            "remembers each customer's Flexiti order may travel over plain http; set it to True",
            environment,
        )


def session_cookie_is_secure(config: Mapping[str, Any]) -> bool:
    """Whether the host's session cookie carries Secure (the go-live doctor checks it)."""
    return bool(config.get("SESSION_COOKIE_SECURE"))
