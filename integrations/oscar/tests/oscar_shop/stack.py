"""The Oscar shop and the checkout service, wired to each other, each under gunicorn.

The service runs in sandbox mode (its own Flexiti simulator, no credentials) and sends the
customer back to the shop's return URL and its signed webhooks to the shop's webhook URL; the
shop's pages load the service's ``flexiti.js``, which the service allows for the shop's origin
only (``FLEXITI_ALLOWED_ORIGINS``). The end-to-end tests and ``make demo-oscar`` both use it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

TESTS_DIR = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
#: For tests and the demo only: a real shop makes its own (``whsec_`` + base64 of 32 bytes).
WEBHOOK_SECRET = "whsec_b3NjYXItc2hvcC1kZW1vLW9ubHktd2ViaG9vay1zZWNyZXQ="
API_KEY = "flexiti-sandbox-api-key"  # the service's public key in sandbox mode
STAFF_EMAIL, STAFF_PASSWORD = "staff@example.com", "flexiti-demo-staff"


@dataclass(frozen=True)
class Stack:
    """Where the shop and the service answer, and the shop's environment (its database)."""

    shop: str
    service: str
    shop_env: Mapping[str, str]


def shop_env(db: Path, service: str) -> dict[str, str]:
    """The shop's settings (``oscar_shop.settings`` reads them from the environment)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEXITI_")}
    env.update(
        DJANGO_SETTINGS_MODULE="oscar_shop.settings",
        PYTHONPATH=os.pathsep.join([str(TESTS_DIR), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        OSCAR_SHOP_DB=str(db),
        OSCAR_SHOP_SKIP_MIGRATIONS="1",
        FLEXITI_SERVICE_URL=f"{service}/flexiti",
        FLEXITI_API_KEY=API_KEY,
        FLEXITI_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    return env


def prepare_database(env: Mapping[str, str], domain: str) -> None:
    """The shop's tables, catalogue and staff user, once (an existing database is kept)."""
    if Path(env["OSCAR_SHOP_DB"]).exists():
        return
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "--run-syncdb", "-v0"], env=env, check=True)
    subprocess.run([*django, "seed_shop", "--domain", domain], env=env, check=True)


@contextmanager
def run_stack(
    workdir: Path,
    *,
    service_store: str | None = None,
    shop_port: int = 0,
    service_port: int = 0,
    service_settings: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Both servers on loopback ports (free ones by default); stopped on the way out.

    Each listening socket is bound here and handed to gunicorn, so the two know each other's
    URL before either starts. Logs are ``workdir/shop.log`` and ``workdir/service.log``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        shop_socket = stack.enter_context(socket.create_server(("127.0.0.1", shop_port)))
        service_socket = stack.enter_context(socket.create_server(("127.0.0.1", service_port)))
        shop = f"http://127.0.0.1:{shop_socket.getsockname()[1]}"
        service = f"http://127.0.0.1:{service_socket.getsockname()[1]}"
        env = shop_env(workdir / "shop.sqlite3", service)
        prepare_database(env, shop.removeprefix("http://"))
        service_env = {key: value for key, value in env.items() if not key.startswith("OSCAR_")}
        service_env.update(
            FLEXITI_ENVIRONMENT="sandbox",
            FLEXITI_INSTANCE_PATH=str(workdir / "instance"),
            FLEXITI_STORE_URL=service_store or f"sqlite:///{workdir / 'service.sqlite3'}",
            FLEXITI_SUCCESS_ENDPOINT=f"{shop}/flexiti/return/",
            FLEXITI_FAILURE_ENDPOINT=f"{shop}/flexiti/return/?left=1",
            FLEXITI_SHOP_WEBHOOK_URL=f"{shop}/flexiti/webhook/",
            FLEXITI_SHOP_WEBHOOK_SECRET=WEBHOOK_SECRET,
            FLEXITI_ALLOWED_ORIGINS=shop,
            **(service_settings or {}),
        )
        _gunicorn(stack, service_socket, "flexiti_checkout.service:create_app()", service_env,
                  workdir / "service.log")  # fmt: skip
        _gunicorn(stack, shop_socket, "oscar_shop.wsgi", env, workdir / "shop.log")
        _wait_until_up(f"{service}/flexiti/healthz", workdir / "service.log")
        _wait_until_up(f"{shop}/", workdir / "shop.log")
        yield Stack(shop, service, env)


def _gunicorn(
    stack: ExitStack, listener: socket.socket, app: str, env: Mapping[str, str], log: Path
) -> None:
    """One worker with threads: the return and the webhook still race, at a quarter of the
    start-up time of several workers."""
    output = stack.enter_context(open(log, "wb"))  # noqa: SIM115 - the ExitStack closes it
    process = subprocess.Popen(
        [str(GUNICORN), "--workers", "1", "--worker-class", "gthread", "--threads", "8",
         "--bind", f"fd://{listener.fileno()}", "--log-level", "warning", app],
        pass_fds=(listener.fileno(),), stdout=output, stderr=subprocess.STDOUT, env=dict(env),
    )  # fmt: skip
    stack.callback(_stop, process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: nothing here must finish
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(url: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # still booting
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in {timeout:.0f} s:\n{log.read_text()}")
        time.sleep(0.2)
