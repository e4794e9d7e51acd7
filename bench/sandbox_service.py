"""The environment of the checkout service under gunicorn, against a sandbox, for the benchmarks.

One place for it, so every benchmark measures the same service: a SQLite store and instance
folder in the benchmark's temporary directory, and no ``FLEXITI_*`` from the caller's shell.
"""

from __future__ import annotations

import os
from pathlib import Path


def service_env(sandbox_url: str, tmp: str, name: str, **extra: str) -> dict[str, str]:
    """The process environment for ``wsgi:app`` reaching the sandbox at ``sandbox_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEXITI_")}
    env.update(
        BENCH_TMP=tmp,
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_ONLINE_API_URL=sandbox_url + "/flexiti/online-api",
        FLEXITI_STORE_URL=f"sqlite:///{Path(tmp) / 'flexiti.sqlite3'}",
        FLEXITI_INSTANCE_PATH=str(Path(tmp) / "instance"),
        FLEXITI_SIGNING_KEY=f"bench-{name}-signing-key-0123456789",
        **extra,
    )
    return env
