"""Callback acknowledgement at full load, beside a bare endpoint and a one-row-commit ceiling.

Starts a sandbox in this process, settles some orders there, then on loopback three servers
under the same gunicorn settings: the checkout service (``wsgi:app``, a SQLite store), a bare
Flask endpoint that reads the body and answers (``bare_app``), and one that also commits one row
to a SQLite store of the same settings beside ours before answering (``commit_app``): a callback
is stored before it is answered, so that is its fair ceiling. ``wrk`` posts Flexiti-shaped
notifications naming the settled orders (most of them repeats) to ours and to each ceiling at
the same time, three runs. Figure: callbacks acknowledged per CPU-second over the one-row-commit
endpoint's (goal: at least 0.7); the ratio to the bare endpoint is printed too.

    .venv/bin/python bench/callback_ack.py [--seconds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping

import requests
from flask import Flask, jsonify, request
from harness import (
    BENCH_DIR,
    ROOT,
    Figures,
    Target,
    Workers,
    gunicorn,
    print_loads,
    ratios,
    side_by_side,
    wait_up,
)
from sandbox_service import service_env
from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table, Text, insert

# Imported with the module, when gunicorn boots a worker, not by its first request: on a busy
# machine that import took the ceiling's whole first run.
from flexiti_checkout.store.engine import make_engine

CALLBACK_PATH = "/flexiti/callback"

#: The ceilings: read the callback and answer; and the same after committing one row.
bare_app = Flask("bare")
commit_app = Flask("commit")
_rows = Table(
    "bench_callbacks",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("received_at", Float),
    Column("body", Text),
)
_ADD = insert(_rows)
_engine: Engine | None = None


@bare_app.post(CALLBACK_PATH)
def bare_callback() -> object:
    request.get_data()
    return jsonify(received=True)


@commit_app.post(CALLBACK_PATH)
def commit_callback() -> object:
    global _engine
    if _engine is None:  # in the worker, after the fork; the store's own engine settings
        _engine = make_engine(commit_store(os.environ))
    body = request.get_data(as_text=True)
    with _engine.begin() as conn:
        conn.execute(_ADD, {"received_at": time.time(), "body": body})
    return jsonify(received=True)


def commit_store(env: Mapping[str, str]) -> str:
    """The one-row-commit ceiling's store: a SQLite file of its own beside ours, with the same
    settings. (Loaded at the same time, two servers writing to one SQLite file would measure
    each other's waits for its lock.)"""
    return env["FLEXITI_STORE_URL"].replace(".sqlite3", "-commit.sqlite3")


def create_commit_table(env: Mapping[str, str]) -> None:
    """The ceiling's table, made before its workers start (two racing to make it would wait)."""
    engine = make_engine(commit_store(env))
    with engine.begin() as conn:
        _rows.create(conn, checkfirst=True)
    engine.dispose()


def settled_bodies(env: dict[str, str], sandbox: str, count: int = 20) -> list[bytes]:
    """Notifications for ``count`` orders started here and approved at the sandbox."""
    from callbacks import create_orders, notification

    online_ids = create_orders(env, count, 4)
    with requests.Session() as control:
        for online_id in online_ids.values():
            control.post(f"{sandbox}/_sandbox/orders/{online_id}/settle",
                         json={"outcome": "approve"}, timeout=10).raise_for_status()  # fmt: skip
    return [json.dumps(notification(m, o, "approve")).encode() for m, o in online_ids.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    args = parser.parse_args()

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    workers = Workers(workers=args.workers)
    out = Figures()
    sandbox_app = create_sandbox({"LATENCY": 0})
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp, serve(sandbox_app) as server:
        sandbox = f"http://127.0.0.1:{server.server_port}"
        # Measured, not refused: the anonymous cap's count query still runs on each callback.
        env = service_env(sandbox, tmp, "ack", FLEXITI_ANONYMOUS_CALLBACK_LIMIT="1000000/1m")
        bodies = settled_bodies(env, sandbox)
        create_commit_table(env)
        try:
            with (
                gunicorn("wsgi:app", ROOT, env, workers) as ours,
                gunicorn("callback_ack:bare_app", BENCH_DIR, env, workers) as bare,
                gunicorn("callback_ack:commit_app", BENCH_DIR, env, workers) as commit,
            ):
                for url in (ours, bare, commit):
                    wait_up(url)
                targets = {
                    name: Target(url + CALLBACK_PATH, "POST", bodies)
                    for name, url in (("ours", ours), ("commit", commit), ("bare", bare))
                }
                for ceiling in ("commit", "bare"):
                    pair = {"ours": targets["ours"], ceiling: targets[ceiling]}
                    loads = side_by_side(pair, seconds=args.seconds)
                    print(f"  POST {CALLBACK_PATH}, {workers}:")
                    print_loads(loads, "ours", ceiling)
                    goal = 0.7 if ceiling == "commit" else 0.0
                    name = "one-row commit" if ceiling == "commit" else "bare endpoint"
                    out.figure(f"callback acknowledgement / {name}", ratios(loads, "ours", ceiling),
                               at_least=goal)  # fmt: skip
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
    sys.exit(out.exit_code())


if __name__ == "__main__":
    main()
