"""A process that takes one due callback delivery and processes it, for a test to kill midway.

Run as ``python callback_worker_process.py LEASE`` with the shop's ``FLEXITI_*`` settings and
``SECRET_KEY`` in the environment; it prints ``ready`` once its app is built. With ``exit`` after
the lease its workers run as in a server, and the process exits as soon as one has taken the
delivery (a restart).
"""

from __future__ import annotations

import os
import sys
import time

from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from flexiti_checkout.web.state import flexiti_state

app = Flask("worker")
app.config.update({k: v for k, v in os.environ.items() if k.startswith(("FLEXITI_", "SECRET"))})
FlexitiCheckout(app)
server = sys.argv[2:] == ["exit"]
worker = CallbackWorkers(flexiti_state(app).callbacks, lease=float(sys.argv[1]), autostart=server)
print("ready", flush=True)
if not server:
    worker.run_due()
    sys.exit(0)
inbox = worker.inbox
worker.kick()
while not any(d.lease_owner for d in inbox.deliveries()):
    time.sleep(0.02)
