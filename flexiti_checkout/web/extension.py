"""``FlexitiCheckout``: the Flask extension that wires the lifecycle into a shop.

It reads the ``FLEXITI_*`` settings once, builds the store, the client and the order service for
each app, registers the ``flexiti`` blueprint and the ``flask flexiti`` commands, and sends the
signals. All per-app state lives in ``app.extensions["flexiti_checkout"]``; one extension object
may serve several apps.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import Flask, Response, jsonify, redirect, render_template, session
from flask import request as current_request

from flexiti_checkout._app import EXTENSION_KEY
from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.errors import FlexitiError, InvalidCheckoutError
from flexiti_checkout.http_errors import as_http_error
from flexiti_checkout.lifecycle.actions import OrderActions
from flexiti_checkout.lifecycle.callbacks.limit import AnonymousCallbackLimit
from flexiti_checkout.lifecycle.callbacks.processor import CallbackProcessor
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from flexiti_checkout.lifecycle.checkout import CheckoutRequest
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.models import CheckoutSession, Order, OrderEvent, OrderStatus, Refund
from flexiti_checkout.signals import STATUS_SIGNALS, application_approved, order_refunded
from flexiti_checkout.store.answers import DatabaseAnswerStore
from flexiti_checkout.store.audit import AuditLog
from flexiti_checkout.store.engine import default_sqlite_url
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tokens import DatabaseTokenStore
from flexiti_checkout.storefront import badges
from flexiti_checkout.storefront.origins import AllowedOrigins
from flexiti_checkout.storefront.plans import Plan
from flexiti_checkout.web import views
from flexiti_checkout.web.admin.access import AdminAccess, AdminConsole
from flexiti_checkout.web.admin.views import make_admin_blueprint
from flexiti_checkout.web.cli.commands import flexiti_commands
from flexiti_checkout.web.probe import FlexitiProbe
from flexiti_checkout.web.settings.catalogue import load_settings
from flexiti_checkout.web.settings.cookies import secure_session_cookie
from flexiti_checkout.web.signing import Signer
from flexiti_checkout.web.state import RETURN_SESSION_KEY, FlexitiState, flexiti_state
from flexiti_checkout.web.wiring import (
    build_client,
    build_redirect_checker,
    build_storefront,
    embed_sandbox,
)
from flexiti_checkout.webhooks.dispatcher import install_webhooks

#: The amount the health probe asks payment availability for.
_PROBE_AMOUNT = Decimal(100)


class FlexitiCheckout:
    """Flexiti financing for a Flask shop.

    ``FlexitiCheckout(app)`` or ``FlexitiCheckout()`` then ``init_app(app)``. ``url_prefix`` is
    where the blueprint's routes live; ``client`` replaces the ``FlexitiClient`` built from
    settings (tests, or a client with custom options). ``admin_access`` turns on the admin
    console at ``{url_prefix}/admin/``: a callable that returns the signed-in staff member's name
    (or ``True``) when the current request may use it, and ``None``/``False`` otherwise.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        url_prefix: str = "/flexiti",
        client: FlexitiClient | None = None,
        admin_access: AdminAccess | None = None,
    ) -> None:
        self.url_prefix = "/" + url_prefix.strip("/") if url_prefix.strip("/") else ""
        self._client = client
        self._admin_access = admin_access
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the settings and wire the extension into ``app`` (once per app)."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("FlexitiCheckout is already set up on this app; call init_app once")
        settings = load_settings(app.config)
        secure_session_cookie(app.config, settings.environment)
        store = Store(settings.store_url or default_sqlite_url(app.instance_path))
        token_store = DatabaseTokenStore(store)
        sandbox_app = None
        client = self._client
        if client is None:
            if settings.embedded_sandbox:
                sandbox_app = embed_sandbox(app, settings, self.url_prefix)
            client = build_client(settings, token_store, sandbox_app)
        check_redirect = build_redirect_checker(settings, sandbox_app)
        orders = OrderService(
            store,
            client,
            notify=lambda order: _send_signal(app, order),
            check_redirect=check_redirect,
            pending_expiry=settings.pending_expiry,
            lookup_interval=settings.lookup_interval,
            numeric_order_ids=settings.numeric_order_ids,
        )
        probe_client = client
        webhooks = install_webhooks(
            app, store, settings.shop_webhook_url, settings.shop_webhook_secret
        )
        refunds = RefundService(
            store,
            client,
            notify_refund=lambda order, refund: _send_refunded(app, order, refund),
        )
        if webhooks is not None:
            refunds.refunds.failed_hooks.append(webhooks.on_refund_failed)
        admin = None
        if self._admin_access is not None or settings.admin_keys:
            admin = AdminConsole(
                AuditLog(store), access=self._admin_access, keys=settings.admin_keys
            )
        inbox = Inbox(store)
        anonymous = settings.callback_secret is None
        callbacks = CallbackProcessor(inbox, orders, trust_news=not anonymous)
        # Started by the first callback a process stores; they then also take what others left.
        callback_workers = CallbackWorkers(callbacks)
        app.extensions[EXTENSION_KEY] = FlexitiState(
            settings=settings,
            url_prefix=self.url_prefix,
            store=store,
            client=client,
            orders=orders,
            callbacks=callbacks,
            callback_workers=callback_workers,
            callback_limit=AnonymousCallbackLimit(inbox, *settings.anonymous_callback_limit)
            if anonymous
            else None,
            return_signer=Signer(settings.signing_keys, salt="flexiti-checkout.return"),
            modal_signer=Signer(settings.signing_keys, salt="flexiti-checkout.modal"),
            check_redirect=check_redirect,
            storefront=build_storefront(
                settings,
                client,
                # our own client: the storefront gets a budgeted one sharing its tokens
                token_store=token_store if self._client is None else None,
                sandbox_app=sandbox_app,
                check_redirect=check_redirect,
                shared=DatabaseAnswerStore(store),
            ),
            allowed_origins=AllowedOrigins(settings.allowed_origins),
            probe=FlexitiProbe(lambda: probe_client.payment_availability(_PROBE_AMOUNT)),
            refunds=refunds,
            actions=OrderActions(orders, refunds),
            sandbox_app=sandbox_app,
            webhooks=webhooks,
            admin=admin,
        )
        app.register_blueprint(views.flexiti_blueprint(), url_prefix=self.url_prefix)
        if admin is not None:
            app.register_blueprint(make_admin_blueprint(), url_prefix=f"{self.url_prefix}/admin")
        badges.register_badges(app)
        app.cli.add_command(flexiti_commands)

    # -- the Python API --------------------------------------------------------------------------

    def start_checkout(self, request: CheckoutRequest | dict[str, Any]) -> CheckoutSession:
        """Store the order, open Flexiti's hosted flow, and return where to send the customer.

        Starting the same pending merchant order again returns the same Flexiti order.
        """
        return flexiti_state().orders.start(request)

    def checkout(
        self,
        request: CheckoutRequest | dict[str, Any],
        mode: Literal["modal", "redirect"] = "modal",
    ) -> Response:
        """Start a checkout and answer the customer's browser: Flexiti in a modal, or a redirect.

        A request that accepts JSON first (``flexiti.js`` posting a form marked
        ``data-flexiti-checkout``) gets ``{"merchant_order_id", "modal_url", "redirect_url"}`` in
        modal mode, and the script opens the dialog over the shop's page.

        Failures become werkzeug HTTP errors (``flexiti_checkout.http_errors``) that render a
        page the customer can read; restyle them with ``@app.errorhandler``.
        """
        if mode not in ("modal", "redirect"):
            raise ValueError(f"mode must be 'modal' or 'redirect', not {mode!r}")
        state = flexiti_state()
        try:
            started = state.orders.start(request)
        except (FlexitiError, InvalidCheckoutError) as exc:
            raise as_http_error(exc) from exc
        session[RETURN_SESSION_KEY] = state.return_signer.dumps({"m": started.merchant_order_id})
        if mode == "redirect":
            return redirect(started.redirection_url, code=303)  # type: ignore[return-value]
        if current_request.accept_mimetypes.best == "application/json":
            # flexiti.js posted a form marked data-flexiti-checkout: it opens the dialog itself.
            return jsonify(views.modal_urls(started.merchant_order_id))
        return Response(
            render_template("flexiti_checkout/modal.html", **views.modal_context(started))
        )

    def get_order(self, merchant_order_id: str) -> Order | None:
        """The order as the store knows it, or ``None``."""
        return flexiti_state().store.get_order(merchant_order_id)

    def order_history(self, order: Order) -> list[OrderEvent]:
        """Every transition of ``order``, oldest first."""
        return flexiti_state().store.history(order)

    def refresh_order(self, merchant_order_id: str) -> Order | None:
        """Ask Flexiti about the order now (throttled) and apply the answer."""
        result = flexiti_state().orders.refresh(merchant_order_id, source="shop")
        return None if result is None else result.order

    def orders(self, status: OrderStatus | str | None = None, *, limit: int = 100) -> list[Order]:
        """The most recent orders (in ``status`` if given), newest first."""
        statuses = None if status is None else (OrderStatus(status),)
        return flexiti_state().store.orders_in(statuses, limit=limit, newest_first=True)

    def close(self, app: Flask | None = None) -> None:
        """Stop the callback workers, the webhook dispatcher and the storefront's calls (after
        those in flight) and close the store's connections (app shutdown, tests).

        The app keeps working: the store opens new connections when it is used again.
        """
        state = flexiti_state(app)
        state.callback_workers.stop()
        state.storefront.close()
        if state.webhooks is not None:
            state.webhooks.stop()
        state.store.close()

    def refund(
        self,
        merchant_order_id: str,
        amount: Any = None,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        actor: str = "shop",
    ) -> Refund:
        """Refund ``amount`` (a ``Decimal`` or ``"12.34"``; ``None``: all that remains) at Flexiti.

        The refund is recorded before Flexiti is called, and the same ``idempotency_key`` never
        refunds twice (it returns the first refund). Raises ``RefundTooLargeError`` (naming what
        remains), ``IdempotencyKeyReusedError``, ``OrderStateError`` or ``UnknownOrderError``.
        Flexiti's refusal comes back as a ``failed`` refund with its reason; no answer as an
        ``unknown`` one, which ``flask flexiti reconcile`` settles.
        """
        return (
            flexiti_state()
            .refunds.refund(
                merchant_order_id, amount, reason=reason, idempotency_key=idempotency_key,
                actor=actor,
            )
            .refund
        )  # fmt: skip

    def refunds(self, merchant_order_id: str) -> list[Refund]:
        """The refunds of an order, oldest first."""
        return flexiti_state().refunds.refunds.for_order(merchant_order_id)

    def cancel_order(
        self, merchant_order_id: str, *, reason: str | None = None, actor: str = "shop"
    ) -> Order:
        """Cancel an approved order's purchase at Flexiti; the order becomes ``cancelled``."""
        return flexiti_state().actions.cancel(merchant_order_id, reason=reason, actor=actor)

    def resolve_review(
        self, merchant_order_id: str, decision: str, *, note: str, actor: str
    ) -> Order:
        """Decide a ``needs_review`` order: ``"approve"`` or ``"reject"`` (cancel or return)."""
        return flexiti_state().actions.resolve_review(
            merchant_order_id, decision, note=note, actor=actor
        )

    def is_available(self, amount: Any) -> bool:
        """Whether to offer Flexiti for ``amount``: cached, ``False`` if Flexiti is slow or down."""
        return badges.is_available(amount)

    def payment_plan(self, price: Any, lang: str | None = None) -> Plan | None:
        """What ``price`` costs a month in the shopper's language, or ``None`` (no plan now)."""
        return badges.payment_plan(price, lang)


def _send_refunded(app: Flask, order: Order, refund: Refund) -> None:
    order_refunded.send(app, order=order, refund=refund)


def _send_signal(app: Flask, order: Order) -> None:
    if order.flow == "apply" and order.status is OrderStatus.APPROVED:
        application_approved.send(app, order=order, customer_id=order.details.get("customer_id"))
        return
    signal = STATUS_SIGNALS.get(order.status)
    if signal is not None:
        signal.send(app, order=order)
