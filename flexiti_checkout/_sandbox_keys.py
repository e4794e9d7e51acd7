"""The public keys sandbox mode uses when nothing is set: the one place that says so.

In sandbox mode with nothing set, these public keys are used, so the demo and a first try of the
service need no set-up:

- every app (a Flask shop or the service) talks to the sandbox with the sandbox's own client
  credentials, the example credentials of Flexiti's documentation and the only ones the sandbox
  accepts;
- the standalone service also signs with ``SANDBOX_SIGNING_KEY``, its JSON API accepts
  ``SANDBOX_API_KEY`` and its staff console ``SANDBOX_ADMIN_KEY``, and says so in the log.

They are printed in the documentation, so they protect nothing: outside sandbox mode nothing
falls back to them, and the service refuses to start without keys of its own.
``web.settings.catalogue`` applies them; the sandbox reads its credentials from here.
"""

from __future__ import annotations

SANDBOX_CLIENT_ID = "flexitidemo"
SANDBOX_CLIENT_SECRET = "77fde15a-9d33-4e15-930a-76e4b3ae33e9"  # noqa: S105 - public demo credential
SANDBOX_SIGNING_KEY = "flexiti-checkout-sandbox-only-signing-key"
SANDBOX_API_KEY = "flexiti-sandbox-api-key"
SANDBOX_ADMIN_KEY = "flexiti-sandbox-admin-key"

#: The settings every app falls back to in sandbox mode, by key.
APP_FALLBACKS = {
    "FLEXITI_CLIENT_ID": SANDBOX_CLIENT_ID,
    "FLEXITI_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
}
#: The settings the standalone service alone falls back to in sandbox mode, by key: a Flask shop
#: brings its own ``SECRET_KEY``, and its console lets in whom its ``admin_access`` says.
SERVICE_FALLBACKS = {
    "FLEXITI_SIGNING_KEY": SANDBOX_SIGNING_KEY,
    "FLEXITI_API_KEYS": SANDBOX_API_KEY,
    "FLEXITI_ADMIN_KEYS": SANDBOX_ADMIN_KEY,
}
