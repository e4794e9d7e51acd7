"""The service under gunicorn: two worker processes on one SQLite store share one token per scope.

Gunicorn runs ``tests/worker_app.py`` (the service plus a route that starts checkouts) as a real
subprocess, pointed at a sandbox on its own port, so the only thing the workers share is the
database file, as in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from sandbox_server import SandboxServer

pytestmark = pytest.mark.slow

TESTS_DIR = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
ORDERS = 40
CLIENTS = 8
LOOKUP_INTERVAL = 0.01
T = TypeVar("T")


@contextmanager
def run_gunicorn(
    module: str, env: Mapping[str, str], workdir: Path, *, workers: int = 2
) -> Iterator[str]:
    """Gunicorn serving ``module`` from ``tests/`` on a free loopback port; yields its base URL.

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
                "--worker-class", "sync",
                "--bind", f"fd://{listener.fileno()}",
                "--pythonpath", str(TESTS_DIR),
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


def service_env(sandbox: SandboxServer, workdir: Path) -> dict[str, str]:
    """The environment of the service: sandbox credentials, the sandbox's URL, one SQLite file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    env.update(
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_ONLINE_API_URL=sandbox.online_api_url,
        FLEXITI_STORE_URL=f"sqlite:///{workdir / 'flexiti.sqlite3'}",
        FLEXITI_INSTANCE_PATH=str(workdir / "instance"),
        FLEXITI_SIGNING_KEY="test-workers-signing-key-0123456789",
        FLEXITI_LOOKUP_INTERVAL=f"{LOOKUP_INTERVAL * 1000:g}ms",
        FLEXITI_MAX_RETRIES="0",  # a retried token call would look like a second token request
    )
    return env


def wait_for_workers(url: str, count: int, timeout: float = 15.0) -> set[int]:
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
                except requests.ConnectionError:
                    time.sleep(0.1)
    return seen


def in_parallel(calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` from a pool of client threads; results in order."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda call: call(), calls))


def post_callback(url: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}/flexiti/callback", json=body, timeout=15)


def early_notification(merchant_order_id: str, online_order_id: str) -> dict[str, Any]:
    """A "Success" notification for an order nobody settled: a hint, not a decision."""
    return {
        "event": "purchase",
        "notificationType": "Success",
        "client_id": "flexitidemo",
        "merchant_orderid": merchant_order_id,
        "online_order_id": online_order_id,
        "purchase": {"purchase_status": "SUCCESS", "purchase_amount": "499.00"},
    }


def test_two_workers_share_one_token_per_scope(sandbox: SandboxServer, tmp_path: Path) -> None:
    """Two gunicorn workers on one SQLite store ask Flexiti for one token per scope in all."""
    with run_gunicorn("worker_app:app", service_env(sandbox, tmp_path), tmp_path) as url:
        workers = wait_for_workers(url, 2)
        sandbox.control("PATCH", "settings", {"callback_url": f"{url}/flexiti/callback"})
        ids = [f"W-{n:03d}" for n in range(ORDERS)]

        # Checkouts (customer scope), started by both workers at once.
        started = in_parallel(
            [lambda m=m: requests.post(f"{url}/start/{m}", timeout=15) for m in ids]
        )
        assert [r.status_code for r in started] == [200] * ORDERS, started[0].text
        online_ids = {m: r.json()["online_order_id"] for m, r in zip(ids, started, strict=True)}
        assert {r.json()["status"] for r in started} == {"pending"}
        assert {r.json()["pid"] for r in started} == workers

        # One early callback per order: each is a lookup (merchant scope) by whichever worker
        # took it, and none settles anything.
        early = in_parallel(
            [lambda m=m: post_callback(url, early_notification(m, online_ids[m])) for m in ids]
        )
        assert [r.status_code for r in early] == [200] * ORDERS
        assert {r.json()["outcome"] for r in early} == {f"order {m}: pending" for m in ids}
        assert {int(r.headers["X-Worker-Pid"]) for r in early} == workers

        # Customers decide a third of the orders; the sandbox posts its notifications to us.
        outcomes = {m: ("approve" if n % 2 else "decline") for n, m in enumerate(ids[::3])}
        for m, outcome in outcomes.items():
            sandbox.control("POST", f"orders/{online_ids[m]}/settle", {"outcome": outcome})
        sent = sandbox.control("GET", "callbacks?wait=10")
        assert sent["pending"] == 0
        assert [c["status"] for c in sent["callbacks"]] == [200] * len(outcomes)

        # Flexiti repeats itself: every notification three more times, all at once.
        time.sleep(LOOKUP_INTERVAL * 2)
        repeats = in_parallel(
            [lambda b=c["body"]: post_callback(url, b) for c in sent["callbacks"] * 3]
        )
        assert [r.status_code for r in repeats] == [200] * len(repeats)

        expected = {"approve": "approved", "decline": "declined"}
        statuses = {m: requests.get(f"{url}/order/{m}", timeout=10).json()["status"] for m in ids}
        assert statuses == {m: expected.get(outcomes.get(m, ""), "pending") for m in ids}

    log = sandbox.control("GET", "requests")["requests"]
    token_requests = [entry for entry in log if entry["path"].endswith("/oauth/token")]
    assert Counter(entry["scope"] for entry in token_requests) == {"customer": 1, "merchant": 1}
    assert [entry["status"] for entry in token_requests] == [200, 200]
    calls = Counter(
        (entry["scope"], "init" if entry["path"].endswith("/init") else "lookup")
        for entry in log
        if entry not in token_requests
    )
    assert calls[("customer", "init")] == ORDERS
    assert calls[("merchant", "lookup")] >= ORDERS + len(outcomes)
    assert set(calls) == {("customer", "init"), ("merchant", "lookup")}


def test_cold_store(sandbox: SandboxServer, tmp_path: Path) -> None:
    """Two fresh workers' first requests, racing to create the store's tables, all succeed."""
    with run_gunicorn("worker_app:app", service_env(sandbox, tmp_path), tmp_path) as url:
        wait_for_workers(url, 2)
        started = in_parallel(
            [lambda n=n: requests.post(f"{url}/start/C-{n}", timeout=15) for n in range(CLIENTS)]
        )
        assert [r.status_code for r in started] == [200] * CLIENTS  # failing shows gunicorn's log
