"""What the sandbox sends to ``CALLBACK_URL`` when an order settles, as the callback knobs say."""

from __future__ import annotations

from typing import Any

from flexiti_checkout.sandbox import payloads
from flexiti_checkout.sandbox.orders import Order
from flexiti_checkout.sandbox.state import SandboxState


def notify_settled(state: SandboxState, order: Order) -> None:
    """Send the settled order's notification to CALLBACK_URL as the callback knobs say."""
    settings, knobs = state.settings, state.knobs
    url = settings.callback_url
    if not url:
        return
    body = payloads.notification(order, client_id=settings.client_id, callback_url=url)
    bodies = [("notification", body)]
    if knobs.callback_mode == "duplicate":
        bodies += [("duplicate", body)] * (knobs.callback_copies - 1)
    elif knobs.callback_mode == "out_of_order":
        stale = payloads.stale_notification(order, client_id=settings.client_id, callback_url=url)
        bodies.append(("stale", stale))
    if knobs.callback_with_ids:
        bodies = [(kind, payloads.with_ids(item, order)) for kind, item in bodies]
    if knobs.callback_mode == "drop":
        for kind, item in bodies:
            state.callbacks.record_dropped(url, kind, item)
        return
    delay = knobs.callback_delay if knobs.callback_mode == "delay" else 0.0
    state.callbacks.schedule(url, bodies, delay=delay, timeout=settings.callback_timeout)


def send_sample(state: SandboxState, body: dict[str, Any]) -> None:
    """Deliver a ``notifications/test`` body once, now; the callback knobs do not apply."""
    url = state.settings.callback_url
    if url:
        state.callbacks.schedule(url, [("test", body)], timeout=state.settings.callback_timeout)
