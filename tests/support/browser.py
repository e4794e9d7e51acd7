"""Test support for browser tests: Debian's Chromium driven by Playwright, and screenshots.

Playwright must never download a browser of its own: it launches ``/usr/bin/chromium`` (which
``make test`` installs), with the flags that keep it off the network. Screenshots of each step go
to ``test-artifacts/screenshots/`` so a person can look at what the customer saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


_RUNNING: list[Any] = []


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one per process.

    Playwright's sync API runs once per thread, so a second caller (the Oscar integration's
    tests beside the suite's, each with a session fixture) shares the browser of the first.
    """
    if _RUNNING:
        yield _RUNNING[-1]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _RUNNING.append(browser)
        try:
            yield browser
        finally:
            _RUNNING.remove(browser)
            browser.close()


class Screenshots:
    """Numbered screenshots of one test: ``shots.take(page, "modal-open")``."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.prefix}-{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
