"""What Chromium does with hostile back-links and redirect targets, against what we accept.

Browsers drop tabs and newlines and read ``\\`` as ``/``; ``urllib`` does neither. These tests
ask Chromium itself how it reads each URL, so the checks are proven against a real browser.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from flexiti_checkout.errors import RedirectRefusedError
from flexiti_checkout.lifecycle.redirects import FLEXITI_DOMAINS, redirect_checker

pytestmark = pytest.mark.browser

HOSTILE_URLS = [
    "https://evil.example\\@flexiti.com/",
    "https://evil.example@flexiti.com/",
    "https://flexiti.com\\.evil.example/",
    "https://flexiti.com\\@evil.example/",
    "https://flexiti.com\t.evil.example/",
    "https://evil.example%2f@flexiti.com/",
    "https://evil.example#@flexiti.com/",
    "https://evil.example?@flexiti.com/",
    "https://evil.example\\\\flexiti.com/",
    "https:\\\\evil.example\\flexiti.com",
    "https:/\\evil.example/?flexiti.com",
    " https://evil.example/.flexiti.com",
    "https://flexiti.com/",
    "https://secure.flexiti.fi/flow?x=1",
]
HOSTILE_RETURNS = [
    "/\t/evil.example/",
    "/\r\n/evil.example/",
    "\t//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    " //evil.example/",
    "//evil.example/",
    "https://evil.example/",
]


def chromium_host(page, url: str) -> str | None:
    """The host Chromium reads in ``url`` (None if it is no URL to Chromium)."""
    return page.evaluate(
        "u => { try { return new URL(u).hostname } catch (e) { return null } }", url
    )


def test_the_redirect_check_accepts_only_what_chromium_reads_as_flexiti(page) -> None:
    """Every URL the check lets through is a Flexiti host to Chromium too; the tricks are not."""
    check = redirect_checker([])
    readings = {}
    for url in HOSTILE_URLS:
        host = chromium_host(page, url)
        try:
            check(url)
        except RedirectRefusedError:
            continue
        readings[url] = host
        assert host is not None and any(
            host == domain or host.endswith("." + domain) for domain in FLEXITI_DOMAINS
        ), (url, host)
    assert set(readings) == {"https://flexiti.com/", "https://secure.flexiti.fi/flow?x=1"}
    # The trick itself: urllib and Chromium disagree about this URL's host.
    trick = "https://evil.example\\@flexiti.com/"
    assert urlsplit(trick).hostname == "flexiti.com"
    assert chromium_host(page, trick) == "evil.example"


def test_learn_mores_way_back_stays_on_the_shop_in_chromium(shop, page, shots) -> None:
    """Whatever return_to says, Chromium resolves "return to the store" to the shop's origin."""
    for target in HOSTILE_RETURNS:
        page.goto(f"{shop.url}/flexiti/learn-more?amount=499.00&return_to={quote(target)}")
        close = page.eval_on_selector("#flexiti-close", "a => a.href")
        success = page.eval_on_selector(
            "script[data-success-url]", "s => new URL(s.dataset.successUrl, location.href).href"
        )
        assert urlsplit(close).netloc == urlsplit(shop.url).netloc, (target, close)
        assert urlsplit(success).netloc == urlsplit(shop.url).netloc, (target, success)
    page.goto(
        f"{shop.url}/flexiti/learn-more?amount=499.00&return_to={quote('/%09/evil.example/')}"
    )
    shots.take(page, "learn-more")
    page.click("#flexiti-close")
    page.wait_for_load_state()
    assert urlsplit(page.url).netloc == urlsplit(shop.url).netloc
