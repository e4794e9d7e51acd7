"""A process that takes one due callback delivery and processes it, for a test to kill midway.

Run as ``python callback_worker_process.py LEASE`` with the shop's ``FLEXITI_*`` settings and
``SECRET_KEY`` in the environment; it prints ``ready`` once its app is built. With ``exit`` after
the lease the app's workers run as in a server, and the process exits as soon as one has taken
the delivery (a restart): the app's ``BackgroundWork`` then lets it finish.
"""

from __future__ import annotations

import os
import sys
import time

from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.web.state import flexiti_state

app = Flask("worker")
app.config.update({k: v for k, v in os.environ.items() if k.startswith(("FLEXITI_", "SECRET"))})
FlexitiCheckout(app)
server = sys.argv[2:] == ["exit"]
worker = flexiti_state(app).callback_workers
worker.lease, worker.autostart = float(sys.argv[1]), server
print("ready", flush=True)
if not server:
    worker.run_due()
    sys.exit(0)
inbox = worker.inbox
worker.kick()
while not any(d.lease_owner for d in inbox.deliveries()):
    time.sleep(0.02)
