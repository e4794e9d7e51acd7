"""The admin console's order list at 100,000 orders, on SQLite and on PostgreSQL.

Fills a store with ``--orders`` orders (created over a year, in every status), signs in to the
service's console (Flask's test client, in this process) and times whole pages, rendering
included: the console's home, the order list's first page, each status filter, a search (the
beginning of an order number, one that matches none, a whole order number, a whole Flexiti
order id), the next page, a page half-way back and the oldest page (reached by their links'
cursors), and the way back from it.
Three runs; the figure is the slowest page of a run (goal: under 20 ms). PostgreSQL is a
throwaway cluster (``tests/support/postgres.py``), started from Debian's ``postgresql``.

    .venv/bin/python bench/console.py [--orders 100000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import html
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import ROOT, Figures
from sqlalchemy import insert, select

sys.path.insert(0, str(ROOT / "tests"))  # the throwaway PostgreSQL cluster of the tests

STATUSES = ["approved"] * 6 + ["expired"] * 2 + ["declined", "cancelled", "pending", "refunded"]
EVERY_STATUS = sorted(set(STATUSES) | {"needs_review", "created", "error", "partially_refunded"})
REPEAT = 5
ORDERS = "/flexiti/admin/orders"


def fill(store_url: str, count: int) -> None:
    """``count`` orders over the year before now, in bulk."""
    from flexiti_checkout.store.repository import Store
    from flexiti_checkout.store.tables import orders

    rng = random.Random(7)
    now = time.time()
    store = Store(store_url)
    try:
        with store.begin() as conn:
            for start in range(0, count, 5000):
                rows = []
                for n in range(start, min(count, start + 5000)):
                    at = now - 365 * 86400 * (1 - n / count) + rng.random()
                    rows.append({"merchant_order_id": f"ORD-{n:07d}", "reference_id": f"ref-{n}",
                                 "online_order_id": str(500000 + n), "flow": "buy",
                                 "amount": "499.00", "currency": "CAD", "lang": "en",
                                 "status": rng.choice(STATUSES), "version": 1, "details": {},
                                 "created_at": at, "updated_at": at, "status_at": at})  # fmt: skip
                conn.execute(insert(orders), rows)
            key = select(orders.c.created_at, orders.c.id).order_by(
                orders.c.created_at.desc(), orders.c.id.desc()
            )
            middle = conn.execute(key.offset(count // 2).limit(1)).one()
            last = conn.execute(key.offset(count - 30).limit(1)).one()
    finally:
        store.close()
    fill.cursors = {"half-way back": middle, "the oldest page": last}  # type: ignore[attr-defined]


def signed_in(app):  # type: ignore[no-untyped-def]
    from flexiti_checkout._sandbox_keys import SANDBOX_ADMIN_KEY

    client = app.test_client()
    page = client.get("/flexiti/admin/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    form = {"csrf_token": token, "key": SANDBOX_ADMIN_KEY, "name": "bench"}
    answer = client.post("/flexiti/admin/sign-in", data=form)
    assert answer.status_code == 303, answer.status_code
    return client


def timed_pages(client, count: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Each page's median time (seconds) over ``REPEAT`` views."""
    found = fill.cursors.items()  # type: ignore[attr-defined]
    cursors = {name: f"{at!r}_{ident}" for name, (at, ident) in found}
    first = client.get(ORDERS).get_data(as_text=True)
    assert "ORD-" in first, first[:500]
    following = html.unescape(re.search(r'rel="next" href="([^"]+)"', first)[1])  # type: ignore[index]
    pages = {
        "first page": ORDERS,
        **{f"status {s}": f"{ORDERS}?status={s}" for s in EVERY_STATUS},
        "search, no match": f"{ORDERS}?q=XYZ-404",
        "search, the start of a number": f"{ORDERS}?q=ORD-00{count // 30000}",
        "search, an order number": f"{ORDERS}?q=ORD-{count // 3:07d}",
        "search, a Flexiti order id": f"{ORDERS}?q={500000 + count // 3}",
        "next page": following,
        **{name: f"{ORDERS}?older={c}&page=1000" for name, c in cursors.items()},
        "back from the oldest": f"{ORDERS}?newer={cursors['the oldest page']}&page=1999",
        "the console's home": "/flexiti/admin/",
    }
    times: dict[str, float] = {}
    for name, path in pages.items():
        spent, worked = [], []
        for _ in range(REPEAT):
            began, cpu = time.perf_counter(), time.process_time()
            answer = client.get(path)
            spent.append(time.perf_counter() - began)
            worked.append(time.process_time() - cpu)
            assert answer.status_code == 200, (path, answer.status_code)
        times[name] = statistics.median(spent)
        CPU[name] = statistics.median(worked)
    return times


#: This process's CPU time per page (median), beside the wall-clock figure: on a busy shared
#: machine the page waits for a core longer than it works (a PostgreSQL server's work is not in
#: it).
CPU: dict[str, float] = {}


@contextmanager
def database(name: str, tmp: str) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{Path(tmp) / 'console.sqlite3'}"
        return
    from support.postgres import fresh_schema, throwaway_cluster

    with throwaway_cluster() as server, fresh_schema(server) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()

    from flexiti_checkout.service import create_app

    out = Figures()
    for name in args.databases.split(","):
        with (
            tempfile.TemporaryDirectory(prefix="bench-console-") as tmp,
            database(name, tmp) as url,
        ):
            began = time.perf_counter()
            fill(url, args.orders)
            print(f"  {name}: {args.orders:,} orders stored in {time.perf_counter() - began:.1f} s")
            nowhere = "http://127.0.0.1:9/flexiti/online-api"  # the console never calls it here
            app = create_app({"FLEXITI_STORE_URL": url, "FLEXITI_INSTANCE_PATH": tmp,
                              "FLEXITI_ONLINE_API_URL": nowhere})  # fmt: skip
            client = signed_in(app)
            slowest = []
            for run in range(3):
                times = timed_pages(client, args.orders)
                worst = max(times, key=times.__getitem__)
                slowest.append(times[worst])
                if run == 0:
                    for page, seconds in times.items():
                        print(f"    {page:<30} {seconds * 1000:6.1f} ms "
                              f"(this process's CPU {CPU[page] * 1000:5.1f} ms)")  # fmt: skip
                print(f"    run {run + 1}: slowest {worst}, {times[worst] * 1000:.1f} ms")
            app.extensions["flexiti_checkout"].store.close()
            out.figure(f"console order list at {args.orders:,} orders, {name}: slowest page",
                       [s * 1000 for s in slowest], at_most=20, unit=" ms", digits=1)  # fmt: skip
    sys.exit(out.exit_code())


if __name__ == "__main__":
    main()
