"""URLs as a browser reads them, for every check of where a browser is sent.

``urllib.parse`` and browsers (the WHATWG URL standard) disagree on hostile URLs: a browser drops
tabs and newlines anywhere, strips leading and trailing control characters and spaces, and
reads ``\\`` as ``/`` in http(s) URLs, so ``/\\t/evil.example/`` is ``//evil.example/`` to it and
``https://evil.example\\@flexiti.com/`` is a URL on ``evil.example``, where ``urlsplit`` sees
``flexiti.com``. These checks accept only what both read the same way, and refuse the rest.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = ["WebOrigin", "browser_normalised", "local_path", "origin_text", "web_origin"]

# What a browser removes before parsing: tab, LF and CR anywhere; C0 controls and space at the ends.
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
# A host both parsers read alike: ASCII letters, digits, dots and hyphens (no IDNA, no %, no IPv6).
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")


class WebOrigin(NamedTuple):
    """The scheme, lower-case host and port (``None`` when not written) of an http(s) URL."""

    scheme: str
    host: str
    port: int | None

    @property
    def host_port(self) -> str:
        """``host`` or ``host:port``, as written."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def serialised(self) -> str:
        """``scheme://host[:port]``: what a page's ``postMessage`` and CSP compare origins with."""
        return f"{self.scheme}://{self.host_port}"


def browser_normalised(url: str) -> str:
    """``url`` after the clean-up a browser does before parsing it (tabs, newlines, ends)."""
    return _TAB_OR_NEWLINE.sub("", url).strip(_C0_OR_SPACE)


def local_path(target: str) -> str | None:
    """``target`` as a browser reads it, if that is a path on this site; else ``None``.

    Only a path that starts with a single ``/`` once tabs and newlines are gone and ``\\`` is
    ``/`` stays on the site: ``//host``, ``/\\host`` and ``/\\t/host`` all leave it.
    """
    path = browser_normalised(target).replace("\\", "/")
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path


def web_origin(url: str) -> WebOrigin | None:
    """Where an absolute http(s) URL leads, or ``None`` if a browser might read it otherwise.

    Refused: any control character, space or ``\\`` anywhere, userinfo (``user@``), a host that
    is not plain ASCII letters, digits, dots and hyphens (percent-escapes, IDNA, IPv6), a port
    that is not a number, and anything but ``scheme://host[:port]`` at the start.
    """
    if url != url.strip() or any(ord(char) < 0x21 or char in "\\\x7f" for char in url):
        return None
    match = re.match(r"(?i)(https?)://([^/?#]*)", url)
    if match is None:
        return None
    scheme, authority = match[1].lower(), match[2]
    host, _, port = authority.partition(":") if authority.count(":") <= 1 else ("", "", "")
    host = host.lower()
    if "@" in authority or not _HOST.fullmatch(host) or (port and not _PORT.fullmatch(port)):
        return None
    if port and not 0 < int(port) < 65536:
        return None
    parts = urlsplit(url)  # must agree, or one of the two readers is being fooled
    if (parts.hostname or "") != host or (parts.port or None) != (int(port) if port else None):
        return None
    return WebOrigin(scheme, host, int(port) if port else None)


def origin_text(url: str) -> str:
    """The origin of ``url`` (``https://secure.flexiti.com``), or ``""`` for a path on this site
    or a URL a browser might read otherwise: the page's own origin, to a ``postMessage``."""
    origin = web_origin(url)
    return "" if origin is None else origin.serialised
