"""Fixtures of the Oscar integration's tests: the test shop's database, Django, the servers.

Django is set up in this process only when a test here asks for it (``shop_db``), so the rest
of the suite never runs under Django settings. The shop's database is made once per process
(tables straight from the models, then the catalogue) and shared by every test here: each test
works on baskets and orders of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oscar_shop.stack import Stack, run_stack, shop_env
from support.browser import launch_chromium
from support.postgres import fresh_schema, postgres_server


@pytest.fixture(scope="session")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test shop's SQLite database, ready; Django set up in this process to use it."""
    db = tmp_path_factory.mktemp("oscar") / "shop.sqlite3"
    env = shop_env(db, "http://flexiti.test")  # the service this process's tests fake
    for key in ("DJANGO_SETTINGS_MODULE", "OSCAR_SHOP_DB", "OSCAR_SHOP_SKIP_MIGRATIONS",
                "FLEXITI_SERVICE_URL", "FLEXITI_API_KEY", "FLEXITI_WEBHOOK_SECRET"):  # fmt: skip
        os.environ[key] = env[key]
    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain
    # blocking reads of the shop's database, which Django would otherwise refuse next to a loop.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # the test client's host, emails kept in memory
    call_command("migrate", run_syncdb=True, verbosity=0)
    call_command("seed_shop", domain="127.0.0.1", verbosity=0)
    return db


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the service's store (the suite's throwaway cluster machinery)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shop_db: Path
) -> Iterator[Stack]:
    """The shop and the service under gunicorn, the service's store on SQLite or PostgreSQL.

    The shop uses ``shop_db``, the database this process's Django reads, so a test can look
    at the orders the shop made.
    """
    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    (workdir / "shop.sqlite3").symlink_to(shop_db)
    if request.param == "sqlite":
        with run_stack(workdir) as running:
            yield running
        return
    with (
        fresh_schema(request.getfixturevalue("postgres_url")) as store,
        run_stack(workdir, service_store=store) as running,
    ):
        yield running


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright."""
    with launch_chromium() as browser:
        yield browser
