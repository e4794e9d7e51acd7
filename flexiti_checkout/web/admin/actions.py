"""What staff may do to an order, when each is offered, and what each outcome tells them.

Each action is offered only when it can succeed: a cancellation only while Flexiti still holds
the purchase (``OrderActions.cancellable``), a refund while money remains. An outcome is either
done (``ok``) or not, with what to do next (a key of the console's texts); the console shows a
refusal as an error, never as a success. An action that calls Flexiti waits for it at most
``FLEXITI_REQUEST_BUDGET``: a slower one goes on and its outcome is ``in_progress``, shown on the
order page (a refund ``requested``, a cancellation or review decision under way) until it lands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flexiti_checkout.errors import (
    ActionInProgressError,
    FlexitiError,
    OrderActionError,
    OrderStateError,
    RefundTooLargeError,
    UnknownOrderError,
)
from flexiti_checkout.http_errors import error_answer
from flexiti_checkout.lifecycle.actions import NOT_CANCELLABLE, Cancellable
from flexiti_checkout.models import REFUNDABLE, Order, OrderStatus, RefundStatus
from flexiti_checkout.store.claims import claim_of
from flexiti_checkout.web.state import FlexitiState


@dataclass(frozen=True)
class Outcome:
    """What an action did: ``text`` (English, kept in the staff actions' record) and, when it did
    not do what was asked, ``todo``: the key of the console's text saying what to do instead."""

    ok: bool
    text: str
    todo: str | None = None
    reference_id: str | None = None
    #: Flexiti is slower than the budget: the action goes on, the order page shows its outcome.
    in_progress: bool = False


@dataclass(frozen=True)
class Action:
    """Something staff may do to an order, shown as a form when ``available`` says so."""

    label: str  # a key of the console's texts
    question: str  # the confirmation, a key of the texts taking {order}
    available: Callable[[FlexitiState, Order], bool]
    #: (state, order, actor, the confirmed form) -> outcome; a refusal or a failure raises
    #: FlexitiError (``failed`` says what it means for staff)
    run: Callable[[FlexitiState, Order, str, Mapping[str, str]], Outcome]
    #: The confirmation page, when the action takes fields (confirm_<name>.html)
    form: str = "confirm.html"


def failed(name: str, exc: FlexitiError) -> Outcome:
    """A refusal (by Flexiti or by the order's state) or a failure, and what to do about it."""
    if isinstance(exc, ActionInProgressError):
        return Outcome(False, f"in progress: {exc.message}", None, exc.reference_id, True)
    refused = error_answer(exc).refused
    text = f"{'refused' if refused else 'failed'}: {exc.message}"
    if name == "cancel_order" and isinstance(exc, NOT_CANCELLABLE):
        todo = "todo_posted"
    elif isinstance(exc, RefundTooLargeError):
        todo = "todo_too_large"
    elif isinstance(exc, OrderStateError):
        todo = "todo_state"
    elif isinstance(exc, OrderActionError):
        todo = "todo_form"
    else:
        todo = "todo_refused" if refused else "todo_failed"
    return Outcome(False, text, todo, exc.reference_id)


def _recheck(state: FlexitiState, order: Order, actor: str, form: Mapping[str, str]) -> Outcome:
    result = state.orders.refresh(
        order.merchant_order_id, source="admin", force=True, budget=state.settings.request_budget
    )
    if result is None:
        raise UnknownOrderError(f"No order has merchant order id {order.merchant_order_id!r}")
    if result.in_progress:
        return Outcome(False, "in progress: Flexiti is slow; the recheck goes on",
                       in_progress=True)  # fmt: skip
    if result.error is not None:
        return Outcome(False, f"Flexiti could not be asked; still {order.status}", "todo_failed")
    return Outcome(True, f"now {result.order.status}" if result.changed
                   else f"still {result.order.status}")  # fmt: skip


def _refund(state: FlexitiState, order: Order, actor: str, form: Mapping[str, str]) -> Outcome:
    refund = state.refunds.refund(
        order.merchant_order_id, form.get("amount", "").strip() or None,
        reason=form.get("reason", ""), idempotency_key=form.get("key") or None, actor=actor,
        budget=state.settings.request_budget,
    ).refund  # fmt: skip
    text = f"refund {refund.id} of {refund.amount}: {refund.status}"
    if refund.status is RefundStatus.REQUESTED:
        return Outcome(False, text, in_progress=True)
    if refund.status is RefundStatus.FAILED:
        return Outcome(False, f"{text} ({refund.error})", "todo_refund_failed")
    if refund.status is RefundStatus.UNKNOWN:
        return Outcome(False, text, "todo_refund_unknown")
    return Outcome(True, text)


def _cancel(state: FlexitiState, order: Order, actor: str, form: Mapping[str, str]) -> Outcome:
    done = state.actions.cancel(
        order.merchant_order_id, reason=form.get("reason"), actor=actor,
        budget=state.settings.request_budget,
    )  # fmt: skip
    return Outcome(True, f"now {done.status}")


def _review(state: FlexitiState, order: Order, actor: str, form: Mapping[str, str]) -> Outcome:
    decision, note = form.get("decision", ""), form.get("note", "")
    done = state.actions.resolve_review(
        order.merchant_order_id, decision, note=note, actor=actor,
        budget=state.settings.request_budget,
    )  # fmt: skip
    return Outcome(True, f"now {done.status}")


def _refund_outcome(
    state: FlexitiState, order: Order, actor: str, form: Mapping[str, str]
) -> Outcome:
    refund_id = whole(form.get("refund_id"), 0)
    mine = {r.id for r in state.refunds.refunds.for_order(order.merchant_order_id)}
    if refund_id not in mine or form.get("outcome") not in ("succeeded", "failed"):
        raise OrderActionError("Choose one of this order's unknown refunds and what Flexiti says")
    refund = state.refunds.decide_unknown(
        refund_id, succeeded=form["outcome"] == "succeeded", note=form.get("note", ""), actor=actor
    )
    return Outcome(True, f"refund {refund.id}: {refund.status}")


def unknown_refunds(state: FlexitiState, order: Order) -> list[Any]:
    found = state.refunds.refunds.for_order(order.merchant_order_id)
    return [r for r in found if r.status is RefundStatus.UNKNOWN]


def whole(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


#: The actions that claim their order while Flexiti is asked (``OrderActions``).
CLAIMED = ("cancel_order", "review")

ACTIONS: dict[str, Action] = {
    "recheck": Action(
        "recheck", "recheck_confirm", lambda _, order: order.status is OrderStatus.PENDING,
        _recheck,
    ),
    "refund": Action(
        "refund", "refund_confirm", lambda _, order: order.status in REFUNDABLE, _refund,
        "confirm_refund.html",
    ),
    "cancel_order": Action(
        "cancel_order", "cancel_order_confirm",
        lambda state, order: state.actions.may_cancel(order), _cancel,
        "confirm_cancel_order.html",
    ),
    "review": Action(
        "review", "review_confirm", lambda _, order: order.status is OrderStatus.NEEDS_REVIEW,
        _review, "confirm_review.html",
    ),
    "refund_outcome": Action(
        "refund_outcome", "refund_outcome_confirm",
        lambda state, order: bool(unknown_refunds(state, order)), _refund_outcome,
        "confirm_refund_outcome.html",
    ),
}  # fmt: skip


def offered(state: FlexitiState, order: Order) -> tuple[list[str], Cancellable]:
    """The actions the order page offers, and whether Flexiti would cancel the purchase (asked
    once per page, within the budget: the cancellation is offered exactly when the page says it
    can be done). A confirmed cancellation checks only the order's state (``may_cancel``):
    Flexiti's answer to it says the rest."""
    cancellable = state.actions.cancellable(order, state.settings.request_budget)
    names = [
        name for name, action in ACTIONS.items()
        if (cancellable is Cancellable.YES if name == "cancel_order"
            else action.available(state, order))
    ]  # fmt: skip
    if claim_of(order, state.store.clock()) is not None:  # under way: its outcome comes first
        names = [name for name in names if name not in CLAIMED]
    return names, cancellable
