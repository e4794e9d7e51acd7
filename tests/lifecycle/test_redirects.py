"""Where the customer's browser may be sent: Flexiti's hosts, listed hosts, the sandbox."""

from __future__ import annotations

import pytest

from flexiti_checkout.errors import RedirectRefusedError
from flexiti_checkout.lifecycle.redirects import redirect_checker

check = redirect_checker(
    ["127.0.0.1:8001", "flow.partner.example"], local_prefix="/flexiti-sandbox"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://flexiti.com/flow/1",
        "https://secure.flexiti.fi/flow?id=1",
        "http://127.0.0.1:8001/sandbox/flow/1",
        "https://flow.partner.example/x",
        "/flexiti-sandbox/sandbox/flow/1",
    ],
)
def test_flexiti_listed_hosts_and_the_embedded_sandbox_are_allowed(url: str) -> None:
    """Flexiti over https, a listed host, and a path under the embedded sandbox pass."""
    check(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@flexiti.com/",
        "https://evil.example@flexiti.com/",
        "https://flexiti.com\\.evil.example/",
        "https://flexiti.com%2eevil.example/",
        "https://flexiti.com\t.evil.example/",
        "http://flexiti.com/flow",
        "https://evilflexiti.com/",
        "https://127.0.0.1:8002/",
        "/flexiti-sandbox/\\evil.example/",
        "/flexiti-sandbox\\/evil.example/",
        "//evil.example/flexiti-sandbox/",
        "/elsewhere/flow",
    ],
)
def test_urls_a_browser_reads_elsewhere_are_refused(url: str) -> None:
    """Whatever a browser could read as another host than Flexiti's is refused."""
    with pytest.raises(RedirectRefusedError):
        check(url)
