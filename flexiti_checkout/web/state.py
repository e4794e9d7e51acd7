"""The extension's per-app state, and how a view or command finds it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.lifecycle.callbacks import CallbackProcessor
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.store.repository import Store
from flexiti_checkout.storefront.plans import Storefront
from flexiti_checkout.web.settings import Settings
from flexiti_checkout.web.signing import Signer
from flexiti_checkout.webhooks.dispatcher import Webhooks

EXTENSION_KEY = "flexiti_checkout"
#: The signed token in the customer's session that names their order on the way back.
RETURN_SESSION_KEY = "flexiti_checkout.order"


@dataclass(frozen=True)
class FlexitiState:
    """Everything the extension holds for one app."""

    settings: Settings
    url_prefix: str
    store: Store
    client: FlexitiClient
    orders: OrderService
    callbacks: CallbackProcessor
    return_signer: Signer
    modal_signer: Signer
    sandbox_app: Flask | None
    #: Signed webhooks to the shop; ``None`` unless ``FLEXITI_SHOP_WEBHOOK_URL`` is set.
    webhooks: Webhooks | None = None
    #: The availability gate, the calculator and their caches (built by ``init_app``).
    storefront: Storefront | None = None


def flexiti_state(app: Flask | None = None) -> FlexitiState:
    """The extension's state for ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    try:
        state: FlexitiState = target.extensions[EXTENSION_KEY]
        return state
    except KeyError:
        raise RuntimeError(
            "FlexitiCheckout is not set up on this app: call FlexitiCheckout(app) or init_app(app)"
        ) from None
