"""``flask flexiti refund | refunds | cancel | review | refund-outcome``: acts on one order.

Each asks for confirmation unless ``--yes``, and records who asked (``--actor``, by default the
signed-in user's name).
"""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import with_appcontext

from flexiti_checkout.errors import FlexitiError, OrderActionError
from flexiti_checkout.models import Order, Refund, RefundStatus
from flexiti_checkout.store.refunds import refundable
from flexiti_checkout.web.state import flexiti_state


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in this environment (a container): still say it was the CLI
        return "cli"


_ACTOR = click.option("--actor", default=_default_actor, help="Who asks, for the record.")
_YES = click.option("--yes", is_flag=True, help="Do not ask for confirmation.")


def _order(merchant_order_id: str) -> Order:
    found = flexiti_state().store.get_order(merchant_order_id)
    if found is None:
        raise click.ClickException(f"No order with merchant order id {merchant_order_id!r}.")
    return found


def _remaining(order: Order) -> str:
    found = flexiti_state().refunds.refunds.for_order(order.merchant_order_id)
    return format(refundable(order, found), "f")


def _describe(refund: Refund) -> str:
    what = "all that remained" if refund.full else "part"
    line = f"Refund {refund.id} of order {refund.merchant_order_id} ({refund.amount}, {what}): "
    line += refund.status.value
    return line + (f" ({refund.error})" if refund.error else "")


@click.command("refund")
@click.argument("merchant_order_id")
@click.option("--amount", help="Dollars, e.g. 12.34; without it, all that remains.")
@click.option("--reason", default="", help="Why, for the record.")
@click.option("--key", "idempotency_key", help="Idempotency key: the same key never refunds twice.")
@_ACTOR
@_YES
@with_appcontext
def refund_command(
    merchant_order_id: str,
    amount: str | None,
    reason: str,
    idempotency_key: str | None,
    actor: str,
    yes: bool,
) -> None:
    """Refund an approved order at Flexiti, in part (--amount) or all that remains."""
    order = _order(merchant_order_id)
    left = _remaining(order)
    what = amount if amount is not None else f"all that remains ({left})"
    if not yes:
        click.confirm(
            f"Refund {what} of order {merchant_order_id} ({order.status}, {order.amount}; "
            f"{left} refundable)?",
            abort=True,
        )
    try:
        result = flexiti_state().refunds.refund(
            merchant_order_id, amount, reason=reason, idempotency_key=idempotency_key,
            actor=actor,
        )  # fmt: skip
    except OrderActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_describe(result.refund) + ("" if result.created else " (already made)"))
    click.echo(
        f"Order {merchant_order_id} is {result.order.status}; {_remaining(result.order)} left "
        "to refund."
    )
    if result.refund.status is RefundStatus.FAILED:
        sys.exit(1)
    if result.refund.status is RefundStatus.UNKNOWN:
        click.echo(
            "Flexiti did not answer after the return was sent: it will not be sent again. "
            "`flask flexiti reconcile` settles it from Flexiti's records."
        )
        sys.exit(2)


@click.command("refunds")
@click.argument("merchant_order_id")
@with_appcontext
def refunds_command(merchant_order_id: str) -> None:
    """List an order's refunds and what remains refundable."""
    order = _order(merchant_order_id)
    found = flexiti_state().refunds.refunds.for_order(merchant_order_id)
    for refund in found:
        when = refund.created_at.isoformat(timespec="seconds") if refund.created_at else ""
        click.echo(
            f"{refund.id:>5}  {refund.status.value:<9} {refund.amount:>10}  {when}  "
            f"{refund.actor}  {refund.reason}" + (f"  [{refund.error}]" if refund.error else "")
        )
    click.echo(f"Order {merchant_order_id} is {order.status}; {_remaining(order)} refundable.")


@click.command("cancel")
@click.argument("merchant_order_id")
@click.option("--reason", default="", help="Why, for the record.")
@_ACTOR
@_YES
@with_appcontext
def cancel_command(merchant_order_id: str, reason: str, actor: str, yes: bool) -> None:
    """Cancel an approved order's purchase at Flexiti."""
    order = _order(merchant_order_id)
    if not yes:
        click.confirm(
            f"Cancel order {merchant_order_id} ({order.status}, {order.amount}) at Flexiti?",
            abort=True,
        )
    try:
        done = flexiti_state().actions.cancel(merchant_order_id, reason=reason, actor=actor)
    except FlexitiError as exc:  # OrderActionError included
        raise click.ClickException(str(exc)) from None
    click.echo(f"Order {merchant_order_id} is {done.status}.")


@click.command("review")
@click.argument("merchant_order_id")
@click.option("--approve/--reject", "approve", default=None, help="The decision.")
@click.option("--note", required=True, help="Why: kept in the order's history.")
@_ACTOR
@_YES
@with_appcontext
def review_command(
    merchant_order_id: str, approve: bool | None, note: str, actor: str, yes: bool
) -> None:
    """Decide an order that needs review: approve it, or reject it (cancel or return)."""
    if approve is None:
        raise click.UsageError("Say --approve or --reject.")
    decision = "approve" if approve else "reject"
    order = _order(merchant_order_id)
    if not yes:
        click.confirm(
            f"{decision.capitalize()} order {merchant_order_id} ({order.status}, {order.amount})?",
            abort=True,
        )
    try:
        done = flexiti_state().actions.resolve_review(
            merchant_order_id, decision, note=note, actor=actor
        )
    except FlexitiError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Order {merchant_order_id} is {done.status}.")


@click.command("refund-outcome")
@click.argument("refund_id", type=int)
@click.option("--succeeded/--failed", "succeeded", default=None, help="What Flexiti says happened.")
@click.option("--note", required=True, help="How you know (who at Flexiti, when).")
@_ACTOR
@_YES
@with_appcontext
def refund_outcome_command(
    refund_id: int, succeeded: bool | None, note: str, actor: str, yes: bool
) -> None:
    """Settle a refund whose outcome is unknown, after checking with Flexiti."""
    if succeeded is None:
        raise click.UsageError("Say --succeeded or --failed.")
    refunds = flexiti_state().refunds
    found = refunds.refunds.get(refund_id)
    if found is None:
        raise click.ClickException(f"No refund with id {refund_id}.")
    outcome = "succeeded" if succeeded else "failed"
    if not yes:
        click.confirm(f"{_describe(found)}. Mark it {outcome}?", abort=True)
    try:
        done = refunds.decide_unknown(refund_id, succeeded=succeeded, note=note, actor=actor)
    except OrderActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_describe(done))


ORDER_COMMANDS = (
    refund_command,
    refunds_command,
    cancel_command,
    review_command,
    refund_outcome_command,
)
