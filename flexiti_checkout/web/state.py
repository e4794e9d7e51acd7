"""The extension's per-app state, and how a view or command finds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from flexiti_checkout._app import extension_state
from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.lifecycle.actions import OrderActions
from flexiti_checkout.lifecycle.callbacks.limit import AnonymousCallbackLimit
from flexiti_checkout.lifecycle.callbacks.processor import CallbackProcessor
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.store.repository import Store
from flexiti_checkout.storefront.origins import AllowedOrigins
from flexiti_checkout.storefront.plans import Storefront
from flexiti_checkout.web.admin.access import AdminConsole
from flexiti_checkout.web.probe import FlexitiProbe
from flexiti_checkout.web.settings.catalogue import Settings
from flexiti_checkout.web.signing import Signer
from flexiti_checkout.webhooks.dispatcher import Webhooks

#: The signed token in the customer's session that names their order on the way back.
RETURN_SESSION_KEY = "flexiti_checkout.order"


@dataclass(frozen=True)
class FlexitiState:
    """Everything the extension holds for one app; nothing else keeps per-app state."""

    settings: Settings
    url_prefix: str
    store: Store
    client: FlexitiClient
    orders: OrderService
    callbacks: CallbackProcessor
    #: This process's threads that process stored deliveries after the callback is answered.
    callback_workers: CallbackWorkers
    return_signer: Signer
    modal_signer: Signer
    #: Raises ``RedirectRefusedError`` for a URL the customer's browser must not be sent to.
    check_redirect: Callable[[str], None]
    #: The availability gate, the calculator and their caches.
    storefront: Storefront
    #: Which shops' pages may call the storefront and frame the checkout page.
    allowed_origins: AllowedOrigins
    #: Whether Flexiti answers, asked at most every 30 s (the health check).
    probe: FlexitiProbe
    #: Refunds (recorded first, once per key).
    refunds: RefundService
    #: Staff actions on a settled order: cancellations and review decisions.
    actions: OrderActions
    sandbox_app: Flask | None = None
    #: The cap on callbacks without ``FLEXITI_CALLBACK_SECRET``; ``None`` with one.
    callback_limit: AnonymousCallbackLimit | None = None
    #: Signed webhooks to the shop; ``None`` unless ``FLEXITI_SHOP_WEBHOOK_URL`` is set.
    webhooks: Webhooks | None = None
    #: The admin console; ``None`` (off) without ``admin_access`` or ``FLEXITI_ADMIN_KEYS``.
    admin: AdminConsole | None = None


def flexiti_state(app: Flask | None = None) -> FlexitiState:
    """The extension's state for ``app`` (default: the current app)."""
    return extension_state(FlexitiState, app)
