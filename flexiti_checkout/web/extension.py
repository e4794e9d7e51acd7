"""``FlexitiCheckout``: the Flask extension that wires the lifecycle into a shop.

It reads the ``FLEXITI_*`` settings once, builds the store, the client and the order service for
each app, registers the ``flexiti`` blueprint and the ``flask flexiti`` commands, and sends the
signals. All per-app state lives in ``app.extensions["flexiti_checkout"]``; one extension object
may serve several apps.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any, Literal

from flask import Flask, Response, has_app_context, jsonify, redirect, render_template, session
from flask import request as current_request

from flexiti_checkout._app import EXTENSION_KEY
from flexiti_checkout.borrowing import Terms
from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.errors import FlexitiError, InvalidCheckoutError
from flexiti_checkout.http_errors import as_http_error
from flexiti_checkout.lifecycle.actions import OrderActions
from flexiti_checkout.lifecycle.callbacks.limit import AnonymousCallbackLimit
from flexiti_checkout.lifecycle.callbacks.processor import CallbackProcessor
from flexiti_checkout.lifecycle.callbacks.worker import CallbackWorkers
from flexiti_checkout.lifecycle.checkout import CheckoutRequest
from flexiti_checkout.lifecycle.orders import OrderService
from flexiti_checkout.lifecycle.redact import customer_name_key
from flexiti_checkout.lifecycle.refunds.service import RefundService
from flexiti_checkout.lifecycle.sweeper import ReconcileSweeps
from flexiti_checkout.models import CheckoutSession, Order, OrderEvent, OrderStatus, Refund
from flexiti_checkout.signals import notification
from flexiti_checkout.store.answers import DatabaseAnswerStore
from flexiti_checkout.store.audit import AuditLog
from flexiti_checkout.store.engine import default_sqlite_url
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.staff import SignInLimit, StaffSessions
from flexiti_checkout.store.tokens import DatabaseTokenStore, TokenRenewal
from flexiti_checkout.storefront import badges
from flexiti_checkout.storefront.origins import AllowedOrigins
from flexiti_checkout.storefront.plans import Plan
from flexiti_checkout.storefront.terms import agreed_terms
from flexiti_checkout.web import views
from flexiti_checkout.web.admin.access import AdminAccess, AdminConsole
from flexiti_checkout.web.admin.views import make_admin_blueprint
from flexiti_checkout.web.background import BackgroundWork, app_parts
from flexiti_checkout.web.cli.commands import flexiti_commands
from flexiti_checkout.web.probe import FlexitiProbe
from flexiti_checkout.web.settings.catalogue import Settings, load_settings
from flexiti_checkout.web.settings.cookies import secure_session_cookie
from flexiti_checkout.web.signing import Signer
from flexiti_checkout.web.state import RETURN_SESSION_KEY, FlexitiState, flexiti_state
from flexiti_checkout.web.wiring import (
    build_client,
    build_redirect_checker,
    build_storefront,
    embed_sandbox,
)
from flexiti_checkout.webhooks.dispatcher import Webhooks

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
            notify=lambda order: _notify(app, order),
            check_redirect=check_redirect,
            pending_expiry=settings.pending_expiry,
            lookup_interval=settings.lookup_interval,
            numeric_order_ids=settings.numeric_order_ids,
            name_key=partial(customer_name_key, settings.signing_keys[0]),
        )
        in_web = settings.background_work == "web"
        webhooks = None
        if settings.shop_webhook_url is not None and settings.shop_webhook_secret is not None:
            webhooks = Webhooks(
                store, settings.shop_webhook_url, settings.shop_webhook_secret,
                retry_delays=settings.webhook_retry_schedule,
                give_up_after=settings.webhook_give_up_after,
                **_polling(settings),
            )  # fmt: skip
        refunds = RefundService(
            store,
            client,
            notify_refund=lambda order, refund: _notify(app, order, refund),
            background=orders.background,
        )
        admin = None
        if self._admin_access is not None or settings.admin_keys:
            admin = AdminConsole(
                AuditLog(store),
                StaffSessions(store, idle_timeout=settings.admin_idle_timeout),
                SignInLimit(store),
                access=self._admin_access,
                keys=settings.admin_keys,
            )
        inbox = Inbox(store)
        anonymous = settings.callback_secret is None
        callbacks = CallbackProcessor(
            inbox, orders, trust_news=not anonymous, retry_delays=settings.callback_retry_schedule
        )
        # In a web process, started by the first callback it stores; they then also take what
        # others left. With a worker process, only there.
        callback_workers = CallbackWorkers(callbacks, **_polling(settings))
        storefront = build_storefront(
            settings,
            client,
            # our own client: the storefront gets a budgeted one sharing its tokens
            token_store=token_store if self._client is None else None,
            sandbox_app=sandbox_app,
            check_redirect=check_redirect,
            shared=DatabaseAnswerStore(store),
        )
        probe_client = client
        probe = FlexitiProbe(lambda: probe_client.payment_availability(_PROBE_AMOUNT))
        for each in (client, storefront.client):
            each.tokens.renews_ahead = in_web  # else the worker process renews them
        background = BackgroundWork(
            app_parts(
                foreground=callbacks.foreground,
                callback_workers=callback_workers,
                search=callbacks.search_pool,
                lookups=orders.background,
                storefront=storefront.pool,
                webhooks=webhooks,
                clients=[client, storefront.client],
                token_renewal=TokenRenewal(token_store, client.renew_due_tokens),
                sweeps=ReconcileSweeps(
                    orders,
                    refunds,
                    interval=settings.sweep_interval,
                    concurrency=settings.reconcile_concurrency,
                ),
                probe=probe,
            ),
            in_web=in_web,
        )
        for threads in (callback_workers, webhooks):
            if threads is not None:  # work written by a process with no request (a command)
                threads.on_work = background.arm_exit
        app.extensions[EXTENSION_KEY] = FlexitiState(
            settings=settings,
            url_prefix=self.url_prefix,
            store=store,
            client=client,
            orders=orders,
            callbacks=callbacks,
            callback_workers=callback_workers,
            background=background,
            callback_limit=AnonymousCallbackLimit(inbox, *settings.anonymous_callback_limit)
            if anonymous
            else None,
            return_signer=Signer(settings.signing_keys, salt="flexiti-checkout.return"),
            modal_signer=Signer(settings.signing_keys, salt="flexiti-checkout.modal"),
            check_redirect=check_redirect,
            storefront=storefront,
            allowed_origins=AllowedOrigins(settings.allowed_origins),
            probe=probe,
            refunds=refunds,
            actions=OrderActions(orders, refunds),
            sandbox_app=sandbox_app,
            webhooks=webhooks,
            admin=admin,
        )
        # Each process starts its background work with its first request (a fork starts its own).
        app.before_request(background.start)
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
        page the customer can read; restyle them with ``@app.errorhandler``. Flexiti slower
        than ``FLEXITI_REQUEST_BUDGET`` is one of them: ``CheckoutConflictHTTPError`` (409)
        whose ``original`` is a ``CheckoutStillStartingError`` (a ``CheckoutInProgressError``
        with ``retry_after``), "still starting, wait a moment"; the start goes on, and the same
        checkout sent again gets it.
        """
        if mode not in ("modal", "redirect"):
            raise ValueError(f"mode must be 'modal' or 'redirect', not {mode!r}")
        state = flexiti_state()
        try:
            started = state.orders.start_within(request, state.settings.request_budget)
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

    def agreed_terms(self, order: Order) -> Terms | None:
        """What the customer agreed to (monthly payment, months, APR, total cost of borrowing),
        for the shop's thank-you page; ``None`` before Flexiti granted it or when the plan is not
        one of ``FLEXITI_PLANS``. ``terms.sentence(lang)`` says it in the customer's words."""
        return agreed_terms(order.details, flexiti_state().settings.plans)

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
        """Stop every thread and pool of the app in this process, in order
        (``web.background``), and close the store's connections (app shutdown, tests).

        The app keeps working: the store opens new connections when it is used again.
        """
        state = flexiti_state(app)
        state.background.stop()
        state.store.close()

    def refund(
        self,
        merchant_order_id: str,
        amount: Any = None,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        actor: str = "shop",
        budget: float | None = None,
    ) -> Refund:
        """Refund ``amount`` (a ``Decimal`` or ``"12.34"``; ``None``: all that remains) at Flexiti.

        The refund is recorded before Flexiti is called, and the same ``idempotency_key`` never
        refunds twice (it returns the first refund). Raises ``RefundTooLargeError`` (naming what
        remains), ``IdempotencyKeyReusedError``, ``OrderStateError`` or ``UnknownOrderError``.
        Flexiti's refusal comes back as a ``failed`` refund with its reason; no answer as an
        ``unknown`` one, which ``flask flexiti reconcile`` settles. With a ``budget`` (seconds; a
        page a person waits on passes ``FLEXITI_REQUEST_BUDGET``), a slower Flexiti leaves the
        refund ``requested`` while it is settled in the background; the same key then finds it.
        """
        return (
            flexiti_state()
            .refunds.refund(
                merchant_order_id, amount, reason=reason, idempotency_key=idempotency_key,
                actor=actor, budget=budget,
            )
            .refund
        )  # fmt: skip

    def refunds(self, merchant_order_id: str) -> list[Refund]:
        """The refunds of an order, oldest first."""
        return flexiti_state().refunds.refunds.for_order(merchant_order_id)

    def cancel_order(
        self,
        merchant_order_id: str,
        *,
        reason: str | None = None,
        actor: str = "shop",
        budget: float | None = None,
    ) -> Order:
        """Cancel an approved order's purchase at Flexiti; the order becomes ``cancelled``.

        With a ``budget`` (seconds), a slower Flexiti raises ``ActionInProgressError`` while the
        cancellation goes on in the background (asking again meanwhile raises it too)."""
        return flexiti_state().actions.cancel(
            merchant_order_id, reason=reason, actor=actor, budget=budget
        )

    def resolve_review(
        self,
        merchant_order_id: str,
        decision: str,
        *,
        note: str,
        actor: str,
        budget: float | None = None,
    ) -> Order:
        """Decide a ``needs_review`` order: ``"approve"`` or ``"reject"`` (cancel or return).

        ``budget`` as for :meth:`cancel_order`."""
        return flexiti_state().actions.resolve_review(
            merchant_order_id, decision, note=note, actor=actor, budget=budget
        )

    def is_available(self, amount: Any) -> bool:
        """Whether to offer Flexiti for ``amount``: cached, ``False`` if Flexiti is slow or down."""
        return badges.is_available(amount)

    def payment_plan(self, price: Any, lang: str | None = None) -> Plan | None:
        """What ``price`` costs a month in the shopper's language, or ``None`` (no plan now)."""
        return badges.payment_plan(price, lang)


def _notify(app: Flask, order: Order, refund: Refund | None = None) -> None:
    """Send the signal the notifications catalogue names for what just happened, if any.

    Receivers always run inside the app's context, also when the news comes from a background
    thread or a reconcile pool thread (they may use ``current_app`` and the shop's database).
    """
    row = notification(order, refund)
    if row is None:
        return
    if has_app_context():
        row.send(app, order, refund)
        return
    with app.app_context():
        row.send(app, order, refund)


def _polling(settings: Settings) -> dict[str, Any]:
    """Threads that take work from the store: in the web processes, started there on first
    use; with a worker process, there only, polling every ``FLEXITI_WORKER_POLL_INTERVAL``."""
    if settings.background_work == "web":
        return {}
    return {"autostart": False, "poll_interval": settings.worker_poll_interval}
