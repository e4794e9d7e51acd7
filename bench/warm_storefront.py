"""The warm storefront at full load, each figure beside its ceiling under the same gunicorn.

Starts a sandbox in this process, then on loopback, each under gunicorn with the same workers:

- the checkout service (``wsgi:app``), asked for a price it has answered before, and a bare Flask
  app (``bare_app`` below) whose endpoints return the exact bytes of the service's answers.
  Figures: warm ``GET /flexiti/calculator`` and ``GET /flexiti/availability``, requests per
  second over the bare endpoint's (goal: at least 0.85 each).
- a Flask shop with the extension (``shop_pages.py``): a product page with 4 server-rendered
  badges over the same page without them (goal: at least 0.8), and a category page of 48 badges,
  how much longer it takes than without them (goal: at most 1.5 times).

``wrk`` loads each pair at the same time, three runs (``harness.py``).

    .venv/bin/python bench/warm_storefront.py [--seconds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import requests
from flask import Flask, Response
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

CALCULATOR = "/flexiti/calculator?price=499.00&lang=en"
AVAILABILITY = "/flexiti/availability?amount=499.00"

#: The ceiling: the service's answers, computed by nothing (files written by ``main``, read once).
bare_app = Flask("bare")
_BODIES: dict[str, bytes] = {}


def _body(name: str) -> bytes:
    if name not in _BODIES:
        _BODIES[name] = (Path(os.environ["BENCH_TMP"]) / name).read_bytes()
    return _BODIES[name]


@bare_app.get("/flexiti/calculator")
def bare_calculator() -> Response:
    return Response(_body("calculator.json"), mimetype="application/json")


@bare_app.get("/flexiti/availability")
def bare_availability() -> Response:
    return Response(_body("availability.json"), mimetype="application/json")


def service_figures(env: dict[str, str], workers: Workers, seconds: float, out: Figures) -> None:
    """Warm calculator and availability GETs beside the bare endpoints."""
    with gunicorn("wsgi:app", ROOT, env, workers) as ours:
        wait_up(ours)
        for path, name in ((CALCULATOR, "calculator.json"), (AVAILABILITY, "availability.json")):
            (Path(env["BENCH_TMP"]) / name).write_bytes(warm_answer(ours + path))
        with gunicorn("warm_storefront:bare_app", BENCH_DIR, env, workers) as bare:
            wait_up(bare)
            for path, label in ((CALCULATOR, "calculator GET"), (AVAILABILITY, "availability GET")):
                assert (
                    requests.get(bare + path, timeout=10).content
                    == requests.get(ours + path, timeout=10).content
                )
                loads = side_by_side(
                    {"ours": Target(ours + path), "bare": Target(bare + path)}, seconds=seconds
                )
                print(f"  {label} {path}, {workers}:")
                print_loads(loads, "ours", "bare")
                out.figure(f"warm {label} / bare", ratios(loads, "ours", "bare"), at_least=0.85)


def page_figures(env: dict[str, str], workers: Workers, seconds: float, out: Figures) -> None:
    """Pages with server-rendered badges beside the same pages without, each on a server of its
    own (two servers of the same shop), loaded at the same time."""
    with (
        gunicorn("shop_pages:app", BENCH_DIR, env, workers) as shop,
        gunicorn("shop_pages:app", BENCH_DIR, env, workers) as plain,
    ):
        wait_up(shop)
        wait_up(plain)
        warm_pages(shop, ("/product", "/category"), workers.workers)
        figures = (
            ("/product", "product page, 4 badges / without", 0.8, None),
            ("/category", "category page, 48 badges: time / without", None, 1.5),
        )
        for path, label, at_least, at_most in figures:
            loads = side_by_side(
                {"badges": Target(shop + path), "none": Target(plain + path + "?badges=0")},
                seconds=seconds,
            )
            print(f"  {path}, {workers}:")
            print_loads(loads, "badges", "none")
            if at_least is not None:
                out.figure(label, ratios(loads, "badges", "none"), at_least=at_least)
            else:
                out.figure(label, ratios(loads, "none", "badges"), at_most=at_most)


def warm_answer(url: str, timeout: float = 30.0) -> bytes:
    """The service's answer once it is definitive (its cache has the price)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(url, timeout=30)
        answer.raise_for_status()
        if answer.headers["Cache-Control"] != "no-store":
            return answer.content
        if time.monotonic() > deadline:
            raise SystemExit(f"{url}: no definitive answer after {timeout:g} s")
        time.sleep(0.1)


def warm_pages(shop: str, paths: tuple[str, ...], workers: int, timeout: float = 30.0) -> None:
    """Ask for the pages until every worker renders every badge from its cache."""
    deadline = time.monotonic() + timeout
    for path in paths:
        settled = 0
        while settled < 4 * workers:  # in a row: each worker has answered some of them
            page = requests.get(shop + path, timeout=30).text
            settled = 0 if 'data-flexiti-state="pending"' in page else settled + 1
            if time.monotonic() > deadline:
                raise SystemExit(f"{path}: the badges are still pending after {timeout:g} s")
            time.sleep(0.05 if settled == 0 else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="each wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--parts", default="service,pages")
    args = parser.parse_args()

    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    workers = Workers(workers=args.workers)
    out = Figures()
    sandbox_app = create_sandbox({"LATENCY": 0})
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp, serve(sandbox_app) as server:
        env = service_env(f"http://127.0.0.1:{server.server_port}", tmp, "warm")
        try:
            if "service" in args.parts:
                service_figures(env, workers, args.seconds, out)
            if "pages" in args.parts:
                page_figures(env, workers, args.seconds, out)
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()
    sys.exit(out.exit_code())


if __name__ == "__main__":
    main()
