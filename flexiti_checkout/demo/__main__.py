"""``python -m flexiti_checkout.demo``: the demo shop and the Flexiti sandbox, ready to use.

What ``make demo`` runs. The sandbox gets a port of its own, next to the shop's, so the shop's
gunicorn workers never wait on themselves, every worker sees the same sandbox, and
``flask flexiti reconcile`` from another terminal does too. The demo keeps its store in
``instance/demo`` (``DEMO_INSTANCE``), apart from the service's ``instance``, and its sandbox
hands out ids from a range of its own (``DEMO_ID_OFFSET``), so the two commands started from one
clone never share orders or Flexiti ids. Ctrl+C stops both processes at once, as a terminal's
Ctrl+C would (``QUICK_STOP``); whatever is left after ``STOP_WITHIN`` seconds is killed. The
shop runs under gunicorn as the README tells a merchant to run the service, with the demo's
pages added (``service.app:create_demo_app``): the service alone never mounts them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from flexiti_checkout._sandbox_keys import SERVICE_FALLBACKS

#: The demo's instance folder, relative to where it starts (the service's is ``instance``).
DEMO_INSTANCE = Path("instance") / "demo"
#: The demo's sandbox hands out ids from its own range (``ID_OFFSET``): 9131209 and up, where
#: the service's embedded sandbox starts at the Online API examples' 131209.
DEMO_ID_OFFSET = 9_000_000
#: Seconds Ctrl+C waits for the shop and the sandbox before killing them.
STOP_WITHIN = 1.0
#: The shop's gunicorn hooks: its workers leave at once on Ctrl+C.
GUNICORN_CONF = Path(__file__).with_name("gunicorn_conf.py")
#: How each child is stopped at once: gunicorn's quick shutdown (SIGINT: the master stops its
#: workers with SIGQUIT, ``GUNICORN_CONF`` makes them leave at once, and it reaps them), where
#: SIGTERM's graceful one waits on each gthread worker's one-second poll and the graceful
#: timeout; the sandbox holds nothing to finish, so SIGTERM ends it before any clean-up.
QUICK_STOP = {"shop": signal.SIGINT, "sandbox": signal.SIGTERM}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flexiti_checkout.demo",
        description="Run the demo shop with the Flexiti sandbox.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="the shop's port (default 8000)")
    parser.add_argument("--sandbox-port", type=int, help="the sandbox's port (default: port + 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    return parser


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # `kill`, systemd and test fixtures send SIGTERM: stop the children as Ctrl+C would.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    sandbox_port = args.sandbox_port or args.port + 1
    shop = f"http://{args.host}:{args.port}"
    sandbox = f"http://{args.host}:{sandbox_port}"
    python = sys.executable
    gunicorn = str(Path(python).with_name("gunicorn"))
    env = dict(os.environ)
    env.setdefault("FLEXITI_ENVIRONMENT", "sandbox")
    env.setdefault("FLEXITI_ONLINE_API_URL", f"{sandbox}/flexiti/online-api")
    env.setdefault("FLEXITI_INSTANCE_PATH", str(Path.cwd() / DEMO_INSTANCE))
    for key, public in SERVICE_FALLBACKS.items():  # said once below, not by every worker
        env.setdefault(key, public)
    callback = f"{shop}{env.get('FLEXITI_URL_PREFIX', '/flexiti')}/callback"
    if env.get("FLEXITI_CALLBACK_SECRET"):
        callback += "/" + env["FLEXITI_CALLBACK_SECRET"]
    prefix = env.get("FLEXITI_URL_PREFIX", "/flexiti")
    processes = {
        "sandbox": subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            sandbox_command(python, args.host, sandbox_port, f"{shop}{prefix}", callback),
            env=env, stdout=subprocess.DEVNULL,
        ),
        "shop": subprocess.Popen([  # noqa: S603
            gunicorn, "--workers", str(args.workers), "--worker-class", "gthread", "--threads",
            "4", "--bind", f"{args.host}:{args.port}", "--access-logfile", "-",
            "--graceful-timeout", str(int(STOP_WITHIN)), "--config", str(GUNICORN_CONF),
            "flexiti_checkout.service.app:create_demo_app()",
        ], env=env),
    }  # fmt: skip
    try:
        if not _wait_until_up([f"{sandbox}/", f"{shop}/"], list(processes.values())):
            print("The demo did not start; see the messages above.", file=sys.stderr)
            return 1
        reconcile = reconcile_command(env["FLEXITI_ONLINE_API_URL"], python)
        print(
            f"\n  Demo shop:        {shop}/\n  Flexiti sandbox:  {sandbox}/\n"
            f"  Staff console:    {shop}{prefix}/admin/ (key {env['FLEXITI_ADMIN_KEYS']})\n"
            f"  Settle orders whose outcome never came (from this folder):\n    {reconcile}\n"
            "  Stop with Ctrl+C.\n",
            flush=True,
        )
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Each its ``QUICK_STOP`` signal, then SIGKILL to what is left after ``STOP_WITHIN``
    seconds in all."""
    for name, process in processes.items():
        if process.poll() is None:
            process.send_signal(QUICK_STOP[name])
    deadline = time.monotonic() + STOP_WITHIN + 0.25
    for process in processes.values():
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sandbox_command(python: str, host: str, port: int, checkout: str, callback: str) -> list[str]:
    """The demo's sandbox process: sends customers back to ``checkout`` (the service's pages),
    callbacks to ``callback``, and hands out ids from the demo's range."""
    return [
        python, "-m", "flexiti_checkout.sandbox", "--host", host, "--port", str(port),
        "--success-url", f"{checkout}/return/success", "--error-url", f"{checkout}/return/error",
        "--callback-url", callback, "--id-offset", str(DEMO_ID_OFFSET),
    ]  # fmt: skip


def reconcile_command(online_api_url: str, python: str, cwd: Path | None = None) -> str:
    """The command that settles the demo's orders whose outcome never came, as the README and
    the docs show it: the service's app, against the demo's sandbox, from the same folder."""
    flask = Path(python).with_name("flask")
    here = cwd or Path.cwd()
    shown = flask.relative_to(here) if flask.is_relative_to(here) else flask
    return (
        f"FLEXITI_INSTANCE_PATH={DEMO_INSTANCE} FLEXITI_ONLINE_API_URL={online_api_url} {shown} "
        "--app 'flexiti_checkout.service:create_app()' flexiti reconcile"
    )


def _wait_until_up(urls: list[str], processes: list[subprocess.Popen[bytes]]) -> bool:
    deadline = time.monotonic() + 30
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            return False
        try:
            requests.get(pending[0], timeout=1)
            pending.pop(0)
        except requests.RequestException:
            time.sleep(0.2)
    return not pending


def _exit(code: int) -> None:
    """Leave without Python's teardown once the children are stopped: this process holds
    nothing to clean up, and unloading the hundreds of modules ``python -m`` imported with the
    package takes over a second of CPU, longer than the rest of Ctrl+C on a busy machine."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
