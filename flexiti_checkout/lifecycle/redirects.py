"""Where the shop may send its customer's browser: only to Flexiti (or the configured sandbox).

Widget init answers with a ``redirection_url``; a compromised or misconfigured upstream must not
be able to send shoppers to another site, so every URL is checked before a page frames it or a
redirect points at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flexiti_checkout.errors import RedirectRefusedError

#: Flexiti's own domains; any host under them is Flexiti's (https only).
FLEXITI_DOMAINS = ("flexiti.fi", "flexiti.com")


def redirect_checker(
    allowed_hosts: Iterable[str], *, local_prefix: str | None = None
) -> Callable[[str], None]:
    """A function that raises ``RedirectRefusedError`` for a URL the browser must not go to.

    ``allowed_hosts`` (``host`` or ``host:port``) are accepted over http too: the sandbox and
    hosts the merchant listed in ``FLEXITI_ALLOWED_REDIRECT_HOSTS``. ``local_prefix`` accepts
    same-origin paths under it (the sandbox an app embeds).
    """
    allowed = {host.lower() for host in allowed_hosts}

    def check(url: str) -> None:
        parts = urlsplit(url)
        same_origin = not parts.scheme and not parts.netloc
        if local_prefix and same_origin and parts.path.startswith(local_prefix.rstrip("/") + "/"):
            return
        host = (parts.hostname or "").lower()
        host_port = f"{host}:{parts.port}" if parts.port else host
        if parts.scheme == "https" and any(
            host == domain or host.endswith("." + domain) for domain in FLEXITI_DOMAINS
        ):
            return
        if parts.scheme in ("http", "https") and (host in allowed or host_port in allowed):
            return
        raise RedirectRefusedError(
            f"Flexiti's redirection URL points at {host_port or url!r}, which is not a Flexiti "
            "host; the customer was not sent there"
        )

    return check
