"""URLs as a browser reads them: local back-links and the origin of redirect targets."""

from __future__ import annotations

import pytest

from flexiti_checkout._urls import WebOrigin, local_path, origin_text, web_origin


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/products/7?lang=fr", "/products/7?lang=fr"),
        ("/", "/"),
        ("/search?q=//x", "/search?q=//x"),
        ("/%09/evil.example/", "/%09/evil.example/"),  # undecoded: a path segment named %09
        (" /products/7 ", "/products/7"),
    ],
)
def test_local_paths_are_kept(target: str, expected: str) -> None:
    """A path that starts with a single slash, as the browser reads it, is this site's."""
    assert local_path(target) == expected


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\t/evil.example/",
        "/\r\n/evil.example/",
        "\t//evil.example/",
        " //evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "\\/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_paths_a_browser_reads_as_another_site_are_refused(target: str) -> None:
    """Tabs and newlines vanish and backslashes are slashes to a browser: these all leave."""
    assert local_path(target) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://secure.flexiti.com/flow?x=1", WebOrigin("https", "secure.flexiti.com", None)),
        ("HTTPS://Flexiti.COM/", WebOrigin("https", "flexiti.com", None)),
        ("http://127.0.0.1:8001/a", WebOrigin("http", "127.0.0.1", 8001)),
    ],
)
def test_plain_urls_have_an_origin(url: str, expected: WebOrigin) -> None:
    """A plain http(s) URL's scheme, lower-case host and port."""
    assert web_origin(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://secure.flexiti.com/flow?x=1", "https://secure.flexiti.com"),
        ("HTTPS://Flexiti.COM/", "https://flexiti.com"),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001"),
        ("/flexiti/sandbox/flow/1", ""),  # a path on this site: the page's own origin
        ("https://evil.example\\@flexiti.com/", ""),  # read otherwise by a browser: no origin
    ],
)
def test_a_urls_origin_is_spelled_as_a_browser_compares_it(url: str, expected: str) -> None:
    """What the modal's ``postMessage`` trusts and a frame may post to: one spelling."""
    assert origin_text(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@flexiti.com/",
        "https://evil.example@flexiti.com/",
        "https://user:pass@flexiti.com/",
        "https://flexiti.com\\.evil.example/",
        "https://flexiti.com\t.evil.example/",
        "https://flexiti.com%2eevil.example/",
        "https://flexiti.com:99999/",
        "https://flexiti.com:x/",
        "https://[::1]/",
        "https://fléxiti.com/",
        "https:flexiti.com",
        "https:///flexiti.com",
        " https://flexiti.com/",
        "https://flexiti.com/\x00",
        "ftp://flexiti.com/",
        "/flexiti.com",
    ],
)
def test_urls_a_browser_could_read_otherwise_have_no_origin(url: str) -> None:
    """Backslashes, userinfo, escapes, controls and odd hosts or ports are refused outright."""
    assert web_origin(url) is None
