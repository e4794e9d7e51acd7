"""What shoppers see before a checkout: the payment-availability gate and the payment calculator.

Both answer on every product and category page, so they are cached (``AnswerCache``), fail
closed (a slow or failing Flexiti hides the option instead of slowing the page) and are bounded
by a time budget per shop request (``FLEXITI_STOREFRONT_BUDGET``, in all). A price gets a plan
only if the gate says the merchant finances it and the calculator answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from flask import g, has_app_context
from markupsafe import Markup

from flexiti_checkout.client.flexiti import FlexitiClient
from flexiti_checkout.money import (
    AmountError,
    Lang,
    cents,
    format_money,
    format_percent,
    from_cents,
    parse_amount,
)
from flexiti_checkout.storefront.apr import implied_apr
from flexiti_checkout.storefront.cache import Answer, AnswerCache, Breaker, Pool
from flexiti_checkout.storefront.sanitize import sanitize_html
from flexiti_checkout.texts import texts

Reason = Literal["not_eligible", "unavailable"]
#: Calls that may wait in the pool's queue; beyond this a price answers "not available".
MAX_QUEUED = 1000
_DEADLINE_KEY = "_flexiti_storefront_deadline"


@dataclass(frozen=True)
class StorefrontSettings:
    """The settings of the gate, the calculator and the badges (read by ``web.settings``)."""

    cache_ttl: float = 600.0
    budget: float = 1.5
    failure_ttl: float = 30.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    workers: int = 16
    max_entries: int = 10_000


@dataclass(frozen=True)
class Plan:
    """What a price costs a month, in the shopper's language, ready for a page.

    ``text`` is the sentence a badge shows, with the rate beside the payment; ``label`` what a
    screen reader reads for the badge's link; ``html`` Flexiti's own rendering, sanitised;
    ``apr`` the annual percentage rate in percent (``None`` when no rate explains the payment).
    """

    price: Decimal
    monthly_payment: Decimal
    months: int
    lang: Lang
    text: str
    label: str
    more: str
    payment_text: str
    html: Markup
    apr: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "price": str(self.price),
            "eligible": True,
            "monthly_payment": str(self.monthly_payment),
            "months": self.months,
            "apr": None if self.apr is None else str(self.apr),
            "lang": self.lang,
            "text": self.text,
            "label": self.label,
            "more": self.more,
            "html": str(self.html),
        }


@dataclass(frozen=True)
class PlanResult:
    """One price's answer: a plan, or why there is none (``not_eligible`` or ``unavailable``)."""

    price: Decimal
    plan: Plan | None
    reason: Reason | None = None

    def as_json(self) -> dict[str, Any]:
        if self.plan is not None:
            return self.plan.as_json()
        return {"price": str(self.price), "eligible": False, "reason": self.reason}


class Storefront:
    """The gate and the calculator of one app, with their caches, pool and breaker."""

    def __init__(
        self,
        client: FlexitiClient,
        settings: StorefrontSettings | None = None,
        *,
        default_lang: Lang = "en",
        check_redirect: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.settings = settings = settings or StorefrontSettings()
        self.default_lang = default_lang
        self.check_redirect = check_redirect
        self.breaker = Breaker(settings.breaker_threshold, settings.breaker_cooldown, clock)
        self._pool = Pool(settings.workers, MAX_QUEUED)
        common: dict[str, Any] = {
            "pool": self._pool,
            "breaker": self.breaker,
            "ttl": settings.cache_ttl,
            "failure_ttl": settings.failure_ttl,
            "max_entries": settings.max_entries,
            "clock": clock,
        }
        self.gate: AnswerCache[int, bool] = AnswerCache(
            "payment availability", self._fetch_gate, on_refusal=lambda exc: False, **common
        )
        self.calculator: AnswerCache[tuple[int, Lang], Plan | None] = AnswerCache(
            "payment calculator", self._fetch_plan, on_refusal=lambda exc: None, **common
        )

    # -- the Python API -------------------------------------------------------------------------

    def is_available(self, amount: Any, *, deadline: float | None = None) -> bool:
        """Whether Flexiti finances ``amount``; ``False`` when unsure (invalid, slow, down)."""
        try:
            key = cents(parse_amount(amount))
        except AmountError:
            return False
        answer = self.gate.get(key, _remaining(deadline or self.deadline()))
        return answer is not None and answer.ok and bool(answer.value)

    def payment_plan(self, price: Any, lang: Lang, *, deadline: float | None = None) -> Plan | None:
        """The plan for ``price``, or ``None`` (invalid, not financeable, slow or down)."""
        try:
            amount = parse_amount(price, "price")
        except AmountError:
            return None
        return self.plans([amount], lang, deadline=deadline)[0].plan

    def availability(self, amount: Decimal, *, deadline: float | None = None) -> bool | None:
        """The gate for a parsed amount: ``None`` when Flexiti did not answer in time or failed."""
        answer = self.gate.get(cents(amount), _remaining(deadline or self.deadline()))
        return bool(answer.value) if answer is not None and answer.ok else None

    def plans(
        self, prices: Sequence[Decimal], lang: Lang, *, deadline: float | None = None
    ) -> list[PlanResult]:
        """One result per parsed price, in order; missing answers are fetched concurrently.

        Waits for Flexiti up to the budget in all; what has not arrived by then is
        ``unavailable`` for this call and fills the cache when it does arrive.
        """
        keys = list(dict.fromkeys(cents(price) for price in prices))
        gates = {key: self.gate.start(key) for key in keys}
        calcs = {
            key: self.calculator.start((key, lang))
            for key, (known, _) in gates.items()
            if known is None or (known.ok and known.value)
        }
        pending: list[Future[Any]] = [
            f for _, f in (*gates.values(), *calcs.values()) if f is not None
        ]
        if pending:
            wait(pending, timeout=_remaining(deadline or self.deadline()))
        results = {key: _combine(key, gates[key], calcs.get(key)) for key in keys}
        return [results[cents(price)] for price in prices]

    def cached_plan(self, price: Decimal, lang: Lang) -> PlanResult | None:
        """The result for ``price`` if known now, without waiting; otherwise starts fetching it."""
        key = cents(price)
        gate = self.gate.peek(key)
        if gate is not None and not (gate.ok and gate.value):
            return _combine(key, (gate, None), None)
        calc = self.calculator.peek((key, lang))
        if gate is None or calc is None:
            return None
        return _combine(key, (gate, None), (calc, None))

    def deadline(self) -> float:
        """When the current shop request stops waiting for Flexiti (one budget per request)."""
        if not has_app_context():
            return time.monotonic() + self.settings.budget
        deadline = g.get(_DEADLINE_KEY)
        if deadline is None:
            deadline = time.monotonic() + self.settings.budget
            setattr(g, _DEADLINE_KEY, deadline)
        return float(deadline)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait for the calls in flight (tests; a late answer lands in the cache)."""
        self.gate.wait_idle(timeout)
        self.calculator.wait_idle(timeout)

    def clear(self) -> None:
        """Forget every cached answer (the next page asks Flexiti again)."""
        self.gate.clear()
        self.calculator.clear()

    def close(self) -> None:
        """Stop the pool's threads after the calls in flight."""
        self._pool.shutdown()

    # -- calls to Flexiti (on the pool) ---------------------------------------------------------

    def _fetch_gate(self, key: int) -> bool:
        return self.client.payment_availability(from_cents(key))

    def _fetch_plan(self, key: tuple[int, Lang]) -> Plan | None:
        price, lang = from_cents(key[0]), key[1]
        answer = self.client.payment_calculator(price, lang)
        if answer.months < 1 or answer.monthly_payment <= 0:
            return None
        t = texts(lang)
        payment = format_money(answer.monthly_payment, lang)
        apr = implied_apr(price, answer.months, answer.monthly_payment, answer.html)
        words = {"payment": payment, "months": answer.months}
        if apr is None:
            text = t["badge_text_no_apr"].format(**words)
        else:
            text = t["badge_text"].format(apr=format_percent(apr, lang), **words)
        return Plan(
            price=price,
            monthly_payment=answer.monthly_payment,
            months=answer.months,
            lang=lang,
            text=text,
            label=t["badge_label"].format(text=text),  # the visible words first (label in name)
            more=t["badge_more"],
            payment_text=payment,
            html=sanitize_html(answer.html),
            apr=apr,
        )


def _settled(state: tuple[Answer[Any] | None, Future[Answer[Any]] | None]) -> Answer[Any] | None:
    answer, future = state
    if answer is not None:
        return answer
    return future.result() if future is not None and future.done() else None


def _combine(
    key: int,
    gate: tuple[Answer[bool] | None, Future[Answer[bool]] | None],
    calc: tuple[Answer[Plan | None] | None, Future[Answer[Plan | None]] | None] | None,
) -> PlanResult:
    price = from_cents(key)
    allowed = _settled(gate)
    if allowed is None or not allowed.ok:
        return PlanResult(price, None, "unavailable")
    if not allowed.value:
        return PlanResult(price, None, "not_eligible")
    plan = _settled(calc) if calc is not None else None
    if plan is None or not plan.ok:
        return PlanResult(price, None, "unavailable")
    if plan.value is None:
        return PlanResult(price, None, "not_eligible")
    return PlanResult(price, plan.value)


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
