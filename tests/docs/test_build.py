"""The documentation builds with no warning, and its settings table is the catalogue's."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from flexiti_checkout.signals import NOTIFICATIONS
from flexiti_checkout.web.settings.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built as ``make docs`` builds it (warnings are errors)."""
    out = tmp_path_factory.mktemp("html")
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "--keep-going", "-n", "-b", "html",
         str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return out


def test_every_page_is_built(site: Path) -> None:
    """Each page of docs/ has its HTML, the changelog and the Flexiti contract included."""
    pages = {page.stem for page in (ROOT / "docs").glob("*.md")} | {"api"}
    assert pages <= {page.stem for page in site.glob("*.html")}
    assert "Unreleased" in (site / "changes.html").read_text()


def test_the_settings_table_is_the_catalogue(site: Path) -> None:
    """Every key of the catalogue is in the configuration page, with its default and text."""
    text = unescape(re.sub(r"<[^>]+>", "", (site / "configuration.html").read_text()))
    text = " ".join(text.replace("\u2019", "'").split())  # Sphinx typesets apostrophes
    for entry in CATALOGUE:
        assert entry.key in text
        words = re.sub(r"``|`", "", entry.doc)
        assert " ".join(words.split()[:6]) in text, entry.key


@pytest.mark.parametrize("page", ["flask.html", "service.html"])
def test_the_notifications_tables_are_the_catalogue(site: Path, page: str) -> None:
    """The signals' and the webhooks' pages list every notification: signal and webhook type."""
    html = (site / page).read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    for row in NOTIFICATIONS:
        cells = (
            f'<span class="pre">{row.signal_name}</span>',
            f'<span class="pre">{row.webhook}</span>',
        )
        assert any(all(cell in found for cell in cells) for found in rows), (page, row.webhook)


def test_the_api_reference_documents_the_public_names(site: Path) -> None:
    """Every name of ``flexiti_checkout.__all__`` has its entry in the API reference."""
    import flexiti_checkout

    html = (site / "api.html").read_text()
    missing = [
        name for name in flexiti_checkout.__all__ if f'id="flexiti_checkout.{name}"' not in html
    ]
    assert missing == []


@pytest.mark.browser
def test_the_front_page_reads_in_a_browser(site: Path, chromium, shots) -> None:
    """The built front page opens with its title and links to the other pages."""
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((site / "index.html").as_uri())
        assert "flexiti" in page.title().lower()
        assert page.locator("a[href$='getting-started.html']").count() > 0
        shots.take(page, "docs-front-page")
    finally:
        page.close()
