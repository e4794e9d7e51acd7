"""The documentation's Python examples run, in order, against the sandbox.

Each page's ```` ```python ```` blocks run in one namespace, top to bottom, as a reader would
type them, in a fresh folder with no ``FLEXITI_*`` setting in the environment (sandbox mode).
Hidden blocks (``<!-- python … -->``) define what the example takes from the shop (a cart, an
RMA) and check what it did, so an example that runs but does the wrong thing fails too. An
example that talks to the sandbox on its own port (``http://127.0.0.1:8001``, as ``make demo``
starts it) is pointed at a sandbox the test starts on a free port.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flexiti_checkout.demo.__main__ import reconcile_command
from support.sandbox_server import run_sandbox

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
#: A visible Python block, or a hidden one.
BLOCK = re.compile(r"^```python\n(.*?)^```$|^<!-- python\n(.*?)^-->$", re.S | re.M)
DEMO_SANDBOX = "http://127.0.0.1:8001"


def blocks(page: Path) -> list[str]:
    """The page's Python code, visible and hidden, in the order a reader meets it."""
    return [visible or hidden for visible, hidden in BLOCK.findall(page.read_text())]


@pytest.fixture
def docs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working folder and an environment without FLEXITI_* settings."""
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith("FLEXITI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    os.environ.clear()  # what an example set, as a shop would in its environment
    os.environ.update(saved)


@pytest.mark.parametrize(
    "page", [page for page in PAGES if blocks(page)], ids=lambda page: page.name
)
def test_the_pages_python_examples_run(page: Path, docs_folder: Path) -> None:
    """Every Python block of the page runs, in order, in one namespace."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    code = blocks(page)
    with run_sandbox() as sandbox:
        for number, block in enumerate(code, start=1):
            source = block.replace(DEMO_SANDBOX, sandbox.url)
            exec(compile(source, f"{page.name}, Python block {number}", "exec"), namespace)


def test_there_are_examples_to_run() -> None:
    """The pattern finds the blocks: the README and the Flask page have several each."""
    assert len(blocks(ROOT / "README.md")) >= 2
    assert len(blocks(ROOT / "docs" / "flask.md")) >= 4


def test_the_readme_shows_the_reconcile_command_the_demo_prints() -> None:
    """``make demo`` prints the reconcile command, and the README and the docs show the same."""
    command = reconcile_command(
        f"{DEMO_SANDBOX}/flexiti/online-api", str(ROOT / ".venv" / "bin" / "python"), ROOT
    )
    for page in (ROOT / "README.md", ROOT / "docs" / "getting-started.md"):
        assert command in page.read_text(), page.name
