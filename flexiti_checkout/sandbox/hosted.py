"""The hosted pages: the flow where a person approves, declines or cancels, and learn-more.

These pages stand in for Flexiti's widget, so the fault knobs and bearer tokens do not apply:
only the API misbehaves on purpose. They work standalone and inside a shop's iframe.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.money import format_money
from flexiti_checkout.sandbox import notify, plans
from flexiti_checkout.sandbox.orders import OUTCOMES, AlreadySettledError, Order
from flexiti_checkout.sandbox.state import SandboxState, get_state
from flexiti_checkout.sandbox.validation import LANG_CODES, parse_amount, parse_lang

bp = Blueprint("sandbox_hosted", __name__, url_prefix="/sandbox")
TEMPLATES = "flexiti_checkout/sandbox"
EVENT_TYPES = {"approve": "flx-success", "decline": "flx-failure", "cancel": "flx-cancel"}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "brand": "Flexiti financing",
        "sandbox_note": "Sandbox: no credit check happens and no money moves.",
        "flow_title": "Finance your purchase",
        "apply_title": "Apply for Flexiti credit",
        "amount_purchase": "Purchase amount",
        "amount_apply": "Credit requested",
        "merchant_order": "Merchant order",
        "flexiti_order": "Flexiti order",
        "none": "none",
        "choose_plan": "Choose a plan",
        "plans_available": "Plans this amount qualifies for",
        "per_month": "{payment}/month",
        "decision": "Simulate the customer's decision",
        "approve": "Approve",
        "approve_application": "Approve application",
        "decline": "Decline",
        "cancel": "Cancel",
        "result_approve": "Your financing is approved.",
        "result_decline": "Your application was declined.",
        "result_cancel": "You cancelled the financing.",
        "return": "Return to the store",
        "returning": "Taking you back to the store…",
        "already": "This order is already settled ({status}). Nothing was changed.",
        "not_found": "This financing session does not exist or has ended.",
        "bad_outcome": "Choose Approve, Decline or Cancel.",
        "bad_plan": "Choose one of the plans shown.",
        "learn_title": "Pay over time with Flexiti",
        "learn_intro": "Equal monthly payments. Plans available at this store:",
        "learn_amount": "For a purchase of {amount}:",
        "from_amount": "from {amount}",
        "plan": "Plan",
        "minimum": "Minimum purchase",
        "payment": "Monthly payment",
        "cost": "Total cost of borrowing",
        "no_cost": "none (no interest)",
        "not_eligible": "not available for this amount",
        "status_SUCCESS": "approved",
        "status_DECLINED": "declined",
        "status_CANCELLED": "cancelled",
    },
    "fr": {
        "brand": "Financement Flexiti",
        "sandbox_note": (
            "Bac à sable\u00a0: aucune vérification de crédit, aucun argent ne circule."
        ),
        "flow_title": "Financez votre achat",
        "apply_title": "Demandez un crédit Flexiti",
        "amount_purchase": "Montant de l'achat",
        "amount_apply": "Crédit demandé",
        "merchant_order": "Commande du marchand",
        "flexiti_order": "Commande Flexiti",
        "none": "aucune",
        "choose_plan": "Choisissez un plan",
        "plans_available": "Plans offerts pour ce montant",
        "per_month": "{payment}/mois",
        "decision": "Simuler la décision du client",
        "approve": "Approuver",
        "approve_application": "Approuver la demande",
        "decline": "Refuser",
        "cancel": "Annuler",
        "result_approve": "Votre financement est approuvé.",
        "result_decline": "Votre demande a été refusée.",
        "result_cancel": "Vous avez annulé le financement.",
        "return": "Retourner au magasin",
        "returning": "Retour au magasin…",
        "already": "Cette commande est déjà réglée ({status}). Rien n'a changé.",
        "not_found": "Cette session de financement n'existe pas ou est terminée.",
        "bad_outcome": "Choisissez Approuver, Refuser ou Annuler.",
        "bad_plan": "Choisissez un des plans affichés.",
        "learn_title": "Payez au fil du temps avec Flexiti",
        "learn_intro": "Paiements mensuels égaux. Plans offerts dans ce magasin :",
        "learn_amount": "Pour un achat de {amount} :",
        "from_amount": "à partir de {amount}",
        "plan": "Plan",
        "minimum": "Achat minimum",
        "payment": "Paiement mensuel",
        "cost": "Coût total d'emprunt",
        "no_cost": "aucun (sans intérêt)",
        "not_eligible": "non offert pour ce montant",
        "status_SUCCESS": "approuvée",
        "status_DECLINED": "refusée",
        "status_CANCELLED": "annulée",
    },
}


class InvalidPlanError(ValueError):
    """The chosen plan is not one the order's amount qualifies for."""


def settle_order(
    state: SandboxState,
    online_order_id: int,
    outcome: str,
    plan_id: str | None = None,
    term: object = None,
) -> Order:
    """Settle an order as its customer would, then send the callback as the knobs say.

    ``plan_id`` may carry its term (``"4:18"``, what the hosted page posts); without a term the
    plan's longest one the amount reaches is taken.
    Raises KeyError (unknown order), AlreadySettledError, or InvalidPlanError.
    """
    order = state.orders.get(online_order_id)
    if order is None:
        raise KeyError(online_order_id)
    plan = None
    if outcome == "approve" and order.is_purchase:
        choices = plans.qualifying(state.settings.plans, order.amount)
        if plan_id in (None, ""):
            plan = choices[-1] if choices else None
        else:
            wanted, _, months = str(plan_id).partition(":")
            months = months or ("" if term in (None, "") else str(term))
            terms = [p for p in choices if p.plan_id == wanted]
            if months:
                plan = next((p for p in terms if str(p.months) == months), None)
            else:
                plan = terms[-1] if terms else None
            if plan is None:
                raise InvalidPlanError(f"plan {plan_id!r} is not available for this order")
    settled = state.orders.settle(
        online_order_id,
        outcome,
        plan=plan,
        amount_delta=state.knobs.approved_amount_delta,
        now=state.clock(),
    )
    notify.notify_settled(state, settled)
    return settled


@bp.get("/flow/<token>")
def flow(token: str) -> ResponseReturnValue:
    """The customer's page: the order, its plans and the three decisions."""
    order = get_state().orders.by_flow_token(token)
    if order is None:
        return _message("en", "not_found", 404)
    if order.is_settled:
        return _message(order.lang, "already", 200, order_status=order.status)
    return _flow_page(order)


@bp.post("/flow/<token>")
def submit(token: str) -> ResponseReturnValue:
    """Settle the order once with the button pressed, then send the customer back."""
    state = get_state()
    order = state.orders.by_flow_token(token)
    if order is None:
        return _message("en", "not_found", 404)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        return _flow_page(order, error="bad_outcome", status=400)
    try:
        settled = settle_order(state, order.online_order_id, outcome, request.form.get("plan_id"))
    except AlreadySettledError as exc:
        return _message(order.lang, "already", 409, order_status=exc.order.status)
    except InvalidPlanError:
        return _flow_page(order, error="bad_plan", status=400)
    return _result_page(state, settled, outcome)


@bp.get("/learn-more")
def learn_more() -> ResponseReturnValue:
    """The informational page: every plan, with payments when an amount is given."""
    lang = parse_lang(request.args.get("lang")) or "en"
    amount, _ = parse_amount(request.args.get("amount"))
    settings = get_state().settings
    rows = []
    for plan in plans.online(settings.plans):
        row = {"label": plan.label(lang), "minimum": format_money(plan.min_amount, lang)}
        if amount is not None and amount >= plan.min_amount:
            terms = plan.terms(amount)
            row["payment"] = format_money(terms.monthly_payment, lang)
            # The figure alone in a column of figures; the page says "none" at 0 %.
            if terms.interest_bearing:
                row["cost_amount"] = format_money(terms.cost_of_borrowing, lang)
        rows.append(row)
    return render_template(
        f"{TEMPLATES}/learn_more.html",
        **page_context(lang),
        rows=rows,
        amount=format_money(amount, lang) if amount is not None else None,
    )


def _flow_page(order: Order, *, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    lang = order.lang
    choices = plans.qualifying(get_state().settings.plans, order.amount)
    default = choices[-1].key if choices else None
    text = TEXT[lang]
    options = []
    for plan in choices:
        terms = plan.terms(order.amount)
        payment = text["per_month"].format(payment=format_money(terms.monthly_payment, lang))
        options.append(
            {
                "key": plan.key,
                "label": plan.label(lang),
                "payment": payment,
                "cost": terms.cost_text(lang),  # None for an interest-free plan
                "checked": plan.key == default,
            }
        )
    body = render_template(
        f"{TEMPLATES}/flow.html",
        **page_context(lang),
        order=order,
        amount=format_money(order.amount, lang),
        options=options,
        error=text[error] if error else None,
    )
    return body, status


def _result_page(state: SandboxState, order: Order, outcome: str) -> ResponseReturnValue:
    settings, knobs = state.settings, state.knobs
    base = settings.success_url if outcome == "approve" else settings.error_url
    target = _return_url(base, order, knobs.return_style) if base else base
    event = {
        "eventType": EVENT_TYPES[outcome],
        "eventData": {
            "online_order_id": order.online_order_id,
            "merchant_orderid": order.merchant_orderid,
        },
    }
    return render_template(
        f"{TEMPLATES}/result.html",
        **page_context(order.lang),
        outcome=outcome,
        message=TEXT[order.lang][f"result_{outcome}"],
        event=event,
        target=target,
    )


def _message(
    lang: str, key: str, http_status: int, *, order_status: str | None = None
) -> ResponseReturnValue:
    text = TEXT[lang]
    status_name = text.get(f"status_{order_status}", order_status or "")
    message = text[key].format(status=status_name)
    return render_template(
        f"{TEMPLATES}/message.html", **page_context(lang), message=message
    ), http_status


def page_context(lang: str) -> dict[str, Any]:
    """What every sandbox page template needs: its text, language and ``lang`` attribute."""
    return {"t": TEXT[lang], "lang": lang, "html_lang": LANG_CODES[lang]}


def _return_url(url: str, order: Order, style: str) -> str:
    """The success or error URL with what ``RETURN_STYLE`` appends.

    "flexiti": ``orderId`` and an ``auth_token``, as Flexiti's own proof of concept reads them
    (the token is a secret the shop must never log, store or echo); "ids": our
    ``online_order_id`` and ``merchant_orderid``; "none": the bare URL.
    """
    ids: dict[str, str] = {}
    if style == "flexiti":
        ids = {"orderId": str(order.online_order_id), "auth_token": secrets.token_urlsafe(24)}
    elif style == "ids":
        ids = {"online_order_id": str(order.online_order_id)}
        if order.merchant_orderid is not None:
            ids["merchant_orderid"] = order.merchant_orderid
    if not ids:
        return url
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(ids)) if part)
    return urlunsplit(parts._replace(query=query))
