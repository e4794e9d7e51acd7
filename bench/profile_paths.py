"""Where a warm request's time goes: the service's hot paths under ``cProfile``, in this process.

A diagnosis beside the figures of ``warm_storefront.py`` and ``callback_ack.py``, not a figure
of its own: it calls the service's WSGI app directly (no server, no sockets), so what it shows
is the service's own work per request. It builds the service against a sandbox in this process
(a SQLite store in a temporary folder), warms the path, then prints the microseconds per request
of the path and of a bare Flask endpoint answering the same bytes, and the profile's top
functions by cumulative time.

    .venv/bin/python bench/profile_paths.py [--path calculator|availability|callback]
        [--requests 5000] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response
from sandbox_service import service_env
from werkzeug.test import EnvironBuilder

PATHS = {
    "calculator": "/flexiti/calculator?price=499.00&lang=en",
    "availability": "/flexiti/availability?amount=499.00",
    "callback": "/flexiti/callback",
}


def _environs(path: str, bodies: list[bytes]) -> Iterator[dict[str, Any]]:
    """WSGI environs for ``path``: a GET, or POSTs of ``bodies`` in turn."""
    n = 0
    while True:
        if bodies:
            body = bodies[n % len(bodies)]
            builder = EnvironBuilder(path=path, method="POST", data=body,
                                     content_type="application/json")  # fmt: skip
        else:
            builder = EnvironBuilder(path=path)
        environ = builder.get_environ()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        n += 1
        yield environ


def _call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return status[0], body


def per_request(app: Callable[..., Any], environs: list[dict[str, Any]]) -> tuple[float, float]:
    """Seconds of CPU per request over ``environs`` (each used once): the requests' own thread,
    and the whole process (its background threads too, which serve the requests' work)."""
    began, process = time.thread_time(), time.process_time()
    for environ in environs:
        _call(app, environ)
    count = len(environs)
    return (time.thread_time() - began) / count, (time.process_time() - process) / count


def bare_app(body: bytes, path: str) -> Flask:
    bare = Flask("bare")
    answer = lambda: Response(body, mimetype="application/json")  # noqa: E731
    bare.add_url_rule(path.split("?")[0], "bare", answer, methods=["GET", "POST"])
    return bare


@contextmanager
def service(tmp: str) -> Iterator[tuple[Flask, str]]:
    """The service app against a sandbox in this process, and the sandbox's URL."""
    from flexiti_checkout.sandbox import create_app as create_sandbox
    from flexiti_checkout.sandbox.server import serve

    sandbox_app = create_sandbox({"LATENCY": 0})
    with serve(sandbox_app) as server:
        sandbox = f"http://127.0.0.1:{server.server_port}"
        env = service_env(sandbox, tmp, "profile", FLEXITI_ANONYMOUS_CALLBACK_LIMIT="1000000/1m")
        os.environ.clear()
        os.environ.update(env)
        from flexiti_checkout.service import create_app

        try:
            yield create_app(), sandbox
        finally:
            sandbox_app.extensions["flexiti_sandbox"].callbacks.stop()


def warm(app: Flask, path: str, timeout: float = 30.0) -> bytes:
    """The path's definitive answer (the service's cache has the price)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = app.test_client().get(path)
        if answer.headers.get("Cache-Control") != "no-store":
            return answer.data
        if time.monotonic() > deadline:
            raise SystemExit(f"{path}: no definitive answer after {timeout:g} s")
        time.sleep(0.1)


def callback_bodies(sandbox: str, count: int = 20) -> list[bytes]:
    """Notifications for ``count`` orders started by the service and approved at the sandbox."""
    from callback_ack import settled_bodies

    return settled_bodies(dict(os.environ), sandbox, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=sorted(PATHS), default="calculator")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    path = PATHS[args.path]

    with (
        tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp,
        service(tmp) as (app, sandbox),
    ):
        if args.path == "callback":
            bodies = callback_bodies(sandbox)
            body = b'{"received": true}'
        else:
            bodies = []
            body = warm(app, path)
        sources = _environs(path, bodies)
        take = [next(sources) for _ in range(args.requests)]
        status, _ = _call(app, take[0])
        assert status.startswith("200"), status
        per_request(app, take[: args.requests // 10])  # warm-up, unmeasured
        if bodies:  # the first deliveries of each order settle it: measured are the repeats
            from flexiti_checkout.web.state import flexiti_state

            flexiti_state(app).callback_workers.wait_idle(30.0)
        ours, whole = per_request(app, [next(sources) for _ in range(args.requests)])
        bare = bare_app(body, path)
        bare_cost, _ = per_request(bare, [next(sources) for _ in range(args.requests)])
        print(f"{args.path}: ours {ours * 1e6:.0f} us/request ({whole * 1e6:.0f} with the "
              f"process's other threads), bare Flask {bare_cost * 1e6:.0f} us/request, "
              f"bare / ours {bare_cost / ours:.2f}")  # fmt: skip
        profiler = cProfile.Profile()
        profiler.enable()
        for environ in take:
            _call(app, environ)
        profiler.disable()
        shown = io.StringIO()
        pstats.Stats(profiler, stream=shown).strip_dirs().sort_stats(args.sort).print_stats(
            args.top
        )
        print(shown.getvalue())
    sys.exit(0)


if __name__ == "__main__":
    main()
