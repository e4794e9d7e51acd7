"""The running demo shared by the browser flows (started once per session: it takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.demo_server import Demo, run_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo service under gunicorn on free ports, as ``make demo`` starts it."""
    with run_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running
