"""``flask flexiti webhooks``: what the shop has not received yet, and sending it again."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click
from flask.cli import with_appcontext

from flexiti_checkout.store.outbox import DELIVERED, FAILED, PENDING, STATES, Outbox, OutboxEvent
from flexiti_checkout.web.state import flexiti_state


@click.command("webhooks")
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATES),
    multiple=True,
    help="Only these statuses (repeatable). Default: pending and failed.",
)
@click.option("--replay", "replay_ids", multiple=True, metavar="ID",
              help="Send this event again now (row id or webhook-id; repeatable).")  # fmt: skip
@click.option("--replay-failed", is_flag=True, help="Send every failed event again now.")
@click.option("--limit", default=100, show_default=True)
@with_appcontext
def webhooks_command(
    statuses: tuple[str, ...], replay_ids: tuple[str, ...], replay_failed: bool, limit: int
) -> None:
    """List webhook events the shop has not acknowledged; --replay sends them again."""
    state = flexiti_state()
    if not (replay_ids or replay_failed):
        outbox = state.webhooks.outbox if state.webhooks else Outbox(state.store)
        if state.webhooks is None:
            click.echo("Webhooks are off (FLEXITI_SHOP_WEBHOOK_URL is not set).")
        _list(outbox.events(statuses or (PENDING, FAILED), limit=limit))
        return
    webhooks = state.webhooks
    if webhooks is None:
        raise click.ClickException(
            "Webhooks are off: set FLEXITI_SHOP_WEBHOOK_URL and FLEXITI_SHOP_WEBHOOK_SECRET."
        )
    targets: list[OutboxEvent] = []
    for ident in replay_ids:
        event = webhooks.outbox.get(ident)
        if event is None:
            raise click.ClickException(f"No webhook event {ident!r}.")
        targets.append(event)
    if replay_failed:
        targets += webhooks.outbox.events((FAILED,), limit=limit)
    left = 0
    for event in targets:
        attempt = webhooks.replay(event)
        if attempt is None:
            click.echo(f"busy       {event.event_id}: a worker is sending it right now")
            continue
        mark = "delivered" if attempt.delivered else "failed   "
        left += not attempt.delivered
        click.echo(f"{mark}  {event.event_id} ({event.event_type}, order "
                   f"{event.merchant_order_id}): {attempt.result}")  # fmt: skip
    click.echo(f"Replayed {len(targets)} events; {left} not delivered.")
    if left:
        sys.exit(2)  # like replay and reconcile: a job runner sees that work is left


def _list(events: list[OutboxEvent]) -> None:
    if not events:
        click.echo("No webhook events.")
        return
    header = ("id", "webhook-id", "type", "merchant order", "status", "tries", "last result",
              "next try")  # fmt: skip
    click.echo("{:>5}  {:<36} {:<20} {:<20} {:<9} {:>5}  {:<16} {}".format(*header))
    for event in events:
        next_try = _when(event.next_attempt_at) if event.status == PENDING else ""
        if event.status == DELIVERED:
            next_try = f"delivered {_when(event.delivered_at)}"
        click.echo(
            f"{event.id:>5}  {event.event_id:<36} {event.event_type:<20} "
            f"{event.merchant_order_id:<20} {event.status:<9} {event.attempts:>5}  "
            f"{event.last_result or '':<16} {next_try}"
        )


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")
