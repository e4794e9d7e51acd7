"""``flask flexiti worker``: the background work in a process of its own, outside the web tier.

With ``FLEXITI_BACKGROUND_WORK=worker`` the web processes only store callbacks and write webhook
events; one or more worker processes (any host, any number: every piece of work is leased in the
store) settle the callbacks, send the webhooks, renew tokens ahead of expiry and sweep forgotten
orders and refunds. The command runs until SIGTERM or Ctrl-C, then stops its parts in order,
letting the callbacks and webhooks under way finish (``web.background``). A worker killed outright
loses nothing: what it held is taken by another once its lease runs out.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask.cli import with_appcontext

from flexiti_checkout.web.background import EXIT_WAIT
from flexiti_checkout.web.state import flexiti_state


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Settle callbacks, send webhooks, renew tokens and sweep orders until stopped."""
    state = flexiti_state()
    if state.settings.background_work == "web":
        message = (
            "FLEXITI_BACKGROUND_WORK is 'web': the web processes do this work too; set "
            "it to 'worker' for every web process to leave the work to worker processes."
        )
        click.echo(message, err=True)
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, stop)
    state.background.run_worker()
    click.echo(f"Flexiti worker running ({', '.join(p.name for p in state.background.parts)}); "
               "SIGTERM or Ctrl-C stops it.", err=True)  # fmt: skip
    try:
        while not stopping.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        click.echo("Stopping: finishing the callbacks and webhooks under way…", err=True)
        state.background.stop(EXIT_WAIT, exiting=True)
        state.store.close()
