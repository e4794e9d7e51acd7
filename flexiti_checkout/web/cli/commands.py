"""``flask flexiti …``: the commands an engineer on call runs.

``check`` proves the settings and credentials work, ``reconcile`` settles orders whose outcome
never arrived (run it from cron), ``replay`` finishes stored callbacks that were not processed,
``orders`` lists orders, ``test-notification`` asks Flexiti for a test callback, ``sandbox``
runs the local Flexiti, and ``worker`` runs the background work outside the web processes.
"""

from __future__ import annotations

import sys
import uuid
from decimal import Decimal

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from flexiti_checkout.client import FlexitiClient
from flexiti_checkout.errors import ConfigurationError, FlexitiError, NotFoundError
from flexiti_checkout.lifecycle.reconcile import reconcile, unsettled_orders
from flexiti_checkout.lifecycle.refunds.reconcile import settle_unknown_refunds
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.store import revisions
from flexiti_checkout.store.sweeps import prune
from flexiti_checkout.web.cli.actions import ORDER_COMMANDS
from flexiti_checkout.web.cli.webhooks import webhooks_command
from flexiti_checkout.web.cli.worker import worker_command
from flexiti_checkout.web.doctor import Options, diagnose, parse_flows
from flexiti_checkout.web.settings.catalogue import parse_duration
from flexiti_checkout.web.state import flexiti_state


@click.group("flexiti", help="Flexiti checkout: settings, orders and callbacks.")
def flexiti_commands() -> None:
    """The ``flask flexiti`` command group."""


flexiti_commands.add_command(webhooks_command)
flexiti_commands.add_command(worker_command)
for _command in ORDER_COMMANDS:
    flexiti_commands.add_command(_command)


@flexiti_commands.command("check")
@with_appcontext
def check() -> None:
    """Show the settings and the URLs to enter in Flexiti's portal; test the credentials live."""
    state = flexiti_state()
    settings = state.settings
    click.echo(f"Environment:     {settings.environment}")
    click.echo(f"Client id:       {settings.client_id}")
    click.echo(f"Online API:      {state.client.online_api_url}")
    click.echo(f"Store:           {make_url(state.store.url).render_as_string(hide_password=True)}")
    with current_app.test_request_context():
        prefix = url_for("flexiti.return_success").removesuffix("/return/success")
    callback = f"{prefix}/callback" + (
        "/<FLEXITI_CALLBACK_SECRET>" if settings.callback_secret else ""
    )
    click.echo("Enter these in Flexiti's developer portal, after your shop's origin (https://…):")
    click.echo(f"  Success redirection URL:  {prefix}/return/success")
    click.echo(f"  Error redirection URL:    {prefix}/return/error")
    click.echo(f"  Callback URL:             {callback}")
    try:
        problem = None if state.store.ping() else "the database does not answer"
    except ConfigurationError as exc:  # a database from a newer flexiti-checkout
        problem = exc.message
    if problem is not None:
        click.echo(f"Store reachable: NO ({problem})")
        # The client keeps its OAuth tokens in the store, so the credentials cannot be tried.
        click.echo("FAIL  store: fix FLEXITI_STORE_URL first; credentials not tested")
        sys.exit(1)
    click.echo("Store reachable: yes")
    failures = 0
    for name, call in (
        (
            "customer credentials (payment availability)",
            lambda: state.client.payment_availability(Decimal(100)),
        ),
        ("merchant credentials (Online API lookups)", lambda: _lookup_probe(state.client)),
        ("merchant credentials (POS merchant login)", lambda: state.client.merchant_login()),
    ):
        try:
            call()
            click.echo(f"OK    {name}")
        except FlexitiError as exc:
            failures += 1
            click.echo(f"FAIL  {name}: {exc}")
    if failures:
        sys.exit(1)


@flexiti_commands.command("doctor")
@click.option("--url", "public_url", help="Your shop's public origin, e.g. https://shop.example.")
@click.option(
    "--flow",
    "flows",
    multiple=True,
    help="A flow your shop starts (apply, buy, apply/buy); repeat for several. Default: apply/buy.",
)
@click.option(
    "--hosts", type=click.IntRange(min=1), default=1, show_default=True,
    help="How many hosts run the shop.",
)  # fmt: skip
@click.option("--customer-id", help="A test customer's Flexiti id, for the buy flow's init.")
@with_appcontext
def doctor_command(
    public_url: str | None, flows: tuple[str, ...], hosts: int, customer_id: str | None
) -> None:
    """Check what going live needs (settings, credentials, Flexiti's answers, the callback URL,
    the store, the clock) and say what to do for each failure. Exits 1 if any check fails."""
    try:
        options = Options(public_url, parse_flows(flows), hosts, customer_id)
    except ConfigurationError as exc:
        raise click.BadParameter(exc.message, param_hint="--flow") from None
    checks = diagnose(current_app._get_current_object(), options)  # type: ignore[attr-defined]
    for check in checks:
        click.echo(f"{'OK  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        if not check.ok:
            click.echo(f"      → {check.advice}")
    failed = sum(not check.ok for check in checks)
    click.echo(f"{len(checks) - failed} of {len(checks)} checks passed.")
    if failed:
        sys.exit(1)


@flexiti_commands.command("reconcile")
@click.option("--order", "merchant_order_id", help="Only this merchant order id.")
@click.option(
    "--older-than",
    default="0s",
    show_default=True,
    help="Only orders pending at least this long (e.g. 10m, 2h).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Check at most this many orders, newest first; exit 2 if others were left.",
)
@with_appcontext
def reconcile_command(merchant_order_id: str | None, older_than: str, limit: int | None) -> None:
    """Ask Flexiti about pending orders, newest first; expire those pending past
    FLEXITI_PENDING_EXPIRY; settle refunds whose outcome is unknown from Flexiti's records. Exits
    2 when some were left for the next run."""
    try:
        age = parse_duration("--older-than", older_than, allow_zero=True)
    except ConfigurationError:
        # Not str(exc): its advice is about settings, and click names the option itself.
        raise click.BadParameter(
            f"{older_than!r} is not a duration such as 600, 10m or 2h", param_hint="'--older-than'"
        ) from None
    service = flexiti_state().orders
    targets = unsettled_orders(service, older_than=age, merchant_order_id=merchant_order_id)
    if merchant_order_id is not None and not targets:
        raise click.ClickException(f"No order with merchant order id {merchant_order_id!r}.")
    length = len(targets) if limit is None else min(limit, len(targets))
    with click.progressbar(length=length, label="Reconciling", file=sys.stderr) as bar:
        summary = reconcile(
            service,
            targets,
            progress=lambda _order: bar.update(1),
            limit=limit,
            concurrency=flexiti_state().settings.reconcile_concurrency,
        )
    click.echo(
        f"Checked {summary.checked} pending orders: {summary.settled} settled, "
        f"{summary.expired} expired, {summary.still_pending} still pending, "
        f"{summary.failed} could not be checked (Flexiti unavailable)."
    )
    if summary.unreadable:
        click.echo(
            f"{summary.unreadable} answers from Flexiti could not be read (see the log); those "
            "past FLEXITI_PENDING_EXPIRY went to needs_review."
        )
    if summary.abandoned_starts:
        click.echo(
            f"{summary.abandoned_starts} checkouts that never finished starting were marked error."
        )
    if summary.not_reached:
        click.echo(f"{summary.not_reached} orders were not reached (--limit {limit}).")
    if summary.left_undone:
        click.echo(f"Left for the next run: {summary.left_undone} orders.")
    refunds = settle_unknown_refunds(flexiti_state().refunds)
    if refunds.succeeded or refunds.failed or refunds.left or refunds.unreachable:
        click.echo(
            f"Unknown refunds: {refunds.succeeded} succeeded and {refunds.failed} failed by "
            f"Flexiti's records, {refunds.left} need a person (`flask flexiti refund-outcome`), "
            f"{refunds.unreachable} could not be checked."
        )
    if summary.left_undone or refunds.unreachable:
        sys.exit(2)


@flexiti_commands.command("replay")
@click.option(
    "--all",
    "include_processed",
    is_flag=True,
    help="Also process deliveries that were processed already.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Process at most this many deliveries, newest first; exit 2 if others were left.",
)
@with_appcontext
def replay(include_processed: bool, limit: int | None) -> None:
    """Process stored callback deliveries again, newest first (by default only unprocessed
    ones). Exits 2 when some still need another try or were left for the next run."""
    callbacks = flexiti_state().callbacks
    total = callbacks.replay_count(include_processed=include_processed)
    done = retry = 0
    length = total if limit is None else min(limit, total)
    with click.progressbar(length=length, label="Replaying", file=sys.stderr) as bar:
        for delivery, result in callbacks.each_replayed(
            include_processed=include_processed, limit=limit
        ):
            done += 1
            retry += result.retry
            mark = "retry" if result.retry else "done "
            click.echo(f"{mark} delivery {delivery.id}: {result.outcome}")
            bar.update(1)
    not_reached = max(total - done, 0) if limit is not None and done == limit else 0
    click.echo(f"Replayed {done} deliveries; {retry} still need another try.")
    if not_reached:
        click.echo(f"{not_reached} deliveries were not reached (--limit {limit}).")
    if retry or not_reached:
        sys.exit(2)  # like reconcile: a job runner sees that work is left for the next run


@flexiti_commands.group("db")
def db_commands() -> None:
    """The store's schema: where it stands, and upgrading it after a new flexiti-checkout."""


@db_commands.command("current")
@with_appcontext
def db_current() -> None:
    """Show the store's schema revision and the one this flexiti-checkout needs."""
    state = revisions.current(flexiti_state().store.engine)
    if state.current is None:
        click.echo(f"Store: empty (created at revision {state.head} on first use)")
    elif state.up_to_date:
        click.echo(f"Store: revision {state.current} (up to date)")
    elif not state.known:
        click.echo(f"Store: revision {state.current}, newer than this flexiti-checkout knows")
        sys.exit(1)
    else:
        click.echo(
            f"Store: revision {state.current}; this flexiti-checkout needs {state.head}. "
            f"Back the database up, then run `{revisions.UPGRADE_COMMAND}`."
        )
        sys.exit(1)


@db_commands.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply the schema migrations the store does not have yet (back it up first)."""
    store = flexiti_state().store
    try:
        before, after = revisions.upgrade(store.engine)
    except ConfigurationError as exc:
        raise click.ClickException(exc.message) from exc
    if before is None:
        click.echo(f"Created the store at revision {after}.")
    elif before == after:
        click.echo(f"The store is at revision {after} already.")
    else:
        click.echo(f"Upgraded the store from revision {before} to {after}.")


@flexiti_commands.command("prune")
@click.option(
    "--older-than",
    help="Delete what finished longer ago than this (e.g. 90d); default FLEXITI_RETENTION.",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@with_appcontext
def prune_command(older_than: str | None, dry_run: bool) -> None:
    """Delete processed callback deliveries, delivered webhook events, dead token rows and
    storefront answers cached for prices no page asked about since.

    Orders and their history are kept. Run it from cron, like reconcile.
    """
    state = flexiti_state()
    age = state.settings.retention
    if older_than is not None:
        try:
            age = parse_duration("--older-than", older_than)
        except ConfigurationError:
            raise click.BadParameter(
                f"{older_than!r} is not a duration such as 90d, 12h or 3600",
                param_hint="'--older-than'",
            ) from None
    pruned = prune(state.store, before=state.store.clock() - age, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} {pruned.deliveries} processed callback deliveries, {pruned.webhook_events} "
        f"delivered webhook events, {pruned.tokens} expired tokens and "
        f"{pruned.storefront_answers} cached storefront answers older than {_days(age)}. "
        "Orders and their history are kept."
    )


def _days(seconds: float) -> str:
    return f"{seconds / 86400:g} days" if seconds >= 86400 else f"{seconds:g} s"


@flexiti_commands.command("orders")
@click.option(
    "--status", type=click.Choice([s.value for s in OrderStatus]), help="Only this status."
)
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def orders_command(status: str | None, limit: int) -> None:
    """List orders, oldest status change first."""
    statuses = (OrderStatus(status),) if status else None
    found = flexiti_state().store.orders_in(statuses, limit=limit)
    if not found:
        click.echo("No orders.")
        return
    header = ("merchant order", "status", "amount", "flow", "Flexiti order", "since")
    click.echo("{:<24} {:<13} {:>10}  {:<9} {:<14} {}".format(*header))
    for order in found:
        since = order.status_since.isoformat(timespec="seconds") if order.status_since else ""
        click.echo(
            f"{order.merchant_order_id:<24} {order.status.value:<13} {order.amount:>10}  "
            f"{order.flow:<9} {order.online_order_id or '':<14} {since}"
        )


@flexiti_commands.command("test-notification")
@click.option(
    "--event", type=click.Choice(["purchase", "apply"]), default="purchase", show_default=True
)
@click.option(
    "--type",
    "notification_type",
    type=click.Choice(["success", "error", "cancelled"]),
    default="success",
    show_default=True,
)
@with_appcontext
def test_notification(event: str, notification_type: str) -> None:
    """Ask Flexiti (or the sandbox) to send a test callback to the configured callback URL."""
    try:
        answer = flexiti_state().client.send_test_notification(event, notification_type)
    except FlexitiError as exc:
        raise click.ClickException(str(exc)) from exc
    kind = str(answer.get("notificationType") or notification_type).lower()
    click.echo(f"Flexiti sent a test {event} notification of type {kind!r}.")


@flexiti_commands.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
def sandbox(host: str, port: int) -> None:
    """Run the local Flexiti sandbox on its own port."""
    from flexiti_checkout.sandbox.__main__ import main

    sys.exit(main(["--host", host, "--port", str(port)]))


def _lookup_probe(client: FlexitiClient) -> None:
    """Look up an order nobody made: "not found" proves the Online API's merchant-scope token.

    Order lookups (and so every settlement) depend on that token, which merchants/login, on the
    POS API, does not prove.
    """
    try:
        client.order_by_merchant_order_id(f"flexiti-check-{uuid.uuid4().hex}")
    except NotFoundError:
        return
