"""Gunicorn serving ``support/worker_app.py`` on a free port, for the multi-worker tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from support.sandbox_server import SandboxServer

SUPPORT_DIR = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
LOOKUP_INTERVAL = 0.01


@contextmanager
def run_gunicorn(
    module: str,
    env: Mapping[str, str],
    workdir: Path,
    *,
    workers: int = 2,
    worker_class: str = "sync",
    threads: int = 1,
) -> Iterator[str]:
    """Gunicorn serving ``module`` from ``tests/support/`` on a free loopback port; yields its URL.

    The listening socket is bound here and handed over by file descriptor, so there is no race
    for the port; gunicorn is always stopped and reaped on the way out. Its log is in
    ``workdir/gunicorn.log``.
    """
    log_path = workdir / "gunicorn.log"
    with (
        socket.create_server(("127.0.0.1", 0), backlog=128) as listener,
        open(log_path, "wb") as log,
    ):
        port = listener.getsockname()[1]
        proc = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers", str(workers),
                "--worker-class", worker_class,
                "--threads", str(threads),
                "--bind", f"fd://{listener.fileno()}",
                "--pythonpath", str(SUPPORT_DIR),
                "--graceful-timeout", "5",
                "--log-level", "warning",
                module,
            ],
            pass_fds=(listener.fileno(),),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=workdir,
        )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}"
    except BaseException:
        print(log_path.read_text(errors="replace"), file=sys.stderr)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def service_env(sandbox: SandboxServer, workdir: Path, store_url: str) -> dict[str, str]:
    """The environment of the service: sandbox credentials, the sandbox's URL, ``store_url``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    env.update(
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_ONLINE_API_URL=sandbox.online_api_url,
        FLEXITI_STORE_URL=store_url,
        FLEXITI_INSTANCE_PATH=str(workdir / "instance"),
        FLEXITI_SIGNING_KEY="test-workers-signing-key-0123456789",
        FLEXITI_LOOKUP_INTERVAL=f"{LOOKUP_INTERVAL * 1000:g}ms",
        FLEXITI_MAX_RETRIES="0",  # a retried token call would look like a second token request
    )
    return env


def wait_for_workers(url: str, count: int, timeout: float = 60.0) -> set[int]:
    """Pids of the workers once ``count`` of them answered (requests held briefly to spread)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(count * 2) as pool:
        while len(seen) < count:
            assert time.monotonic() < deadline, f"only workers {seen} answered in {timeout} s"
            futures = [
                pool.submit(requests.get, f"{url}/pid", params={"hold": 0.05}, timeout=10)
                for _ in range(count * 2)
            ]
            for future in futures:
                try:
                    seen.add(future.result().json()["pid"])
                except (requests.ConnectionError, requests.Timeout):  # a worker still booting
                    time.sleep(0.1)
    return seen
