"""A process that takes one due callback delivery and processes it, for a test to kill midway.

Run as ``python callback_worker_process.py LEASE`` with the shop's ``FLEXITI_*`` settings and
``SECRET_KEY`` in the environment; it prints ``ready`` once its app is built.
"""

from __future__ import annotations

import os
import sys

from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.lifecycle.callback_worker import CallbackWorkers
from flexiti_checkout.web.state import flexiti_state

app = Flask("worker")
app.config.update({k: v for k, v in os.environ.items() if k.startswith(("FLEXITI_", "SECRET"))})
FlexitiCheckout(app)
worker = CallbackWorkers(flexiti_state(app).callbacks, lease=float(sys.argv[1]), autostart=False)
print("ready", flush=True)
worker.run_due()
