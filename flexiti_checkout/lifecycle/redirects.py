"""Where the shop may send its customer's browser: only to Flexiti (or the configured sandbox).

Widget init answers with a ``redirection_url``; a compromised or misconfigured upstream must not
be able to send shoppers to another site, so every URL is checked before a page frames it or a
redirect points at it. URLs are read as a browser reads them (``flexiti_checkout._urls``): a
URL that a browser could read as another host than ``urllib`` does is refused outright.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flexiti_checkout._urls import local_path, web_origin
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
        # A plain path (read alike by everyone) under the embedded sandbox's prefix.
        under_prefix = local_prefix and url.startswith(local_prefix.rstrip("/") + "/")
        if under_prefix and url == local_path(url):
            return
        origin = web_origin(url)
        if origin is None:
            raise RedirectRefusedError(
                f"Flexiti's redirection URL {url[:200]!r} is not a plain http(s) URL (a browser "
                "could read its host differently); the customer was not sent there"
            )
        host, host_port = origin.host, origin.host_port
        if origin.scheme == "https" and any(
            host == domain or host.endswith("." + domain) for domain in FLEXITI_DOMAINS
        ):
            return
        if host in allowed or host_port in allowed:
            return
        raise RedirectRefusedError(
            f"Flexiti's redirection URL points at {host_port}, which is not a Flexiti "
            "host; the customer was not sent there"
        )

    return check
