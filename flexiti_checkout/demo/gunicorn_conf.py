"""gunicorn's configuration for the demo's shop (``-c`` with this file's path, so gunicorn's
master reads it without importing the package).

On Ctrl+C (SIGINT, or the SIGQUIT of the master's quick shutdown) a worker leaves at once.
Python's own exit would first unload the hundreds of modules the app imported, over a second of
CPU on a busy machine: longer than the master's graceful timeout, which then SIGKILLs the worker.
Nothing is lost by leaving: the quick shutdown cuts requests short anyway, and the store is a
database that survives a process ending at any point.
"""

import os
import sys
from typing import Any


def worker_int(worker: Any) -> None:
    """Called by the worker on SIGINT or SIGQUIT, before it would exit the slow way."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
