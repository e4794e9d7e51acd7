"""What shoppers see before a checkout: the payment-availability gate and the payment calculator.

Both answer on every product and category page, so they are cached (``AnswerCache``, shared by
every worker through the store when there is one), fail closed (a failing Flexiti hides the
option instead of slowing the page; a stale good answer is still shown) and are bounded by a
time budget per shop request (``FLEXITI_STOREFRONT_BUDGET``, in all). A price gets a plan only
if the gate says the merchant finances it and the calculator answers. A price whose answer has
not arrived within the budget is ``pending``: the call goes on, and the page asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from flask import g, has_app_context
from markupsafe import Markup

from flexiti_checkout.borrowing import Terms
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
from flexiti_checkout.storefront.recent import Recent
from flexiti_checkout.storefront.sanitize import sanitize_html
from flexiti_checkout.storefront.shared import SharedStore, Sharing
from flexiti_checkout.storefront.terms import OfferedPlan, badge_terms
from flexiti_checkout.texts import texts

#: ``pending``: Flexiti has not answered yet (ask again shortly); ``unavailable``: it failed.
Reason = Literal["not_eligible", "unavailable", "pending"]
#: Calls that may wait in the pool's queue; beyond this a price answers "not available".
MAX_QUEUED = 1000
_DEADLINE_KEY = "_flexiti_storefront_deadline"


@dataclass(frozen=True)
class StorefrontSettings:
    """The settings of the gate, the calculator and the badges (``web.settings.catalogue``)."""

    cache_ttl: float = 600.0
    budget: float = 1.5
    failure_ttl: float = 30.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    workers: int = 48
    max_entries: int = 10_000
    #: How long past its TTL a good answer is still shown while Flexiti is slow or failing.
    max_stale: float = 86400.0
    #: The shop's plans (``FLEXITI_PLANS``) and which a badge advertises (``FLEXITI_BADGE_PLAN``);
    #: without plans a badge shows the calculator's answer as it is.
    plans: tuple[OfferedPlan, ...] = ()
    badge_plan: str = "prefer_zero"


@dataclass(frozen=True)
class Plan:
    """What a price costs a month, in the shopper's language, ready for a page.

    ``text`` is the sentence a badge shows, with the rate beside the payment; ``label`` what a
    screen reader reads for the badge's link; ``html`` Flexiti's own rendering, sanitised;
    ``apr`` the annual percentage rate in percent (``None`` when no rate explains the payment).
    ``cost_of_borrowing`` is what the payments add to the price (``0.00`` at 0 %, ``None``
    without a rate); ``cost_text`` says it ("total cost of borrowing $139.56") and
    ``cost_label`` is ``label`` with it, for a badge at checkout (both ``None`` at 0 %).
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
    cost_of_borrowing: Decimal | None = None
    cost_text: str | None = None
    cost_label: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "price": str(self.price),
            "eligible": True,
            "monthly_payment": str(self.monthly_payment),
            "months": self.months,
            "apr": _text_or_none(self.apr),
            "lang": self.lang,
            "text": self.text,
            "label": self.label,
            "more": self.more,
            "html": str(self.html),
            "total_cost_of_borrowing": _text_or_none(self.cost_of_borrowing),
            "cost_text": self.cost_text,
            "cost_label": self.cost_label,
        }


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class PlanResult:
    """One price's answer: a plan, or why there is none (``not_eligible``, ``unavailable`` or
    ``pending``)."""

    price: Decimal
    plan: Plan | None
    reason: Reason | None = None
    #: Until when (on the storefront's clock) the answer behind this result is fresh: what is
    #: made of it may be reused until then (``recent``). 0: not at all.
    fresh_until: float = field(default=0.0, compare=False)

    @property
    def definitive(self) -> bool:
        """Whether this answer may be kept (by a browser): not a failure or a wait."""
        return self.reason not in ("unavailable", "pending")

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
        shared: SharedStore | None = None,
        wall: Callable[[], float] = time.time,
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
            "max_stale": settings.max_stale,
            "clock": clock,
        }
        gate_sharing = calc_sharing = None
        if shared is not None:
            gate_sharing = Sharing(shared, _gate_name, bool, _gate_value, wall=wall)
            calc_sharing = Sharing(shared, _plan_name, _plan_json, _plan_from_json, wall=wall)
        #: Finished badges and encoded HTTP answers, reused for a few seconds (``recent``).
        self.recent_badges: Recent[Hashable, Markup] = Recent(clock=clock)
        self.recent_answers: Recent[Hashable, Any] = Recent(clock=clock)
        self.gate: AnswerCache[int, bool] = AnswerCache(
            "payment availability",
            self._fetch_gate,
            on_refusal=lambda exc: False,
            sharing=gate_sharing,
            **common,
        )
        self.calculator: AnswerCache[tuple[int, Lang], Plan | None] = AnswerCache(
            "payment calculator",
            self._fetch_plan,
            on_refusal=lambda exc: None,
            sharing=calc_sharing,
            **common,
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
        answer = self.gate_answer(amount, deadline=deadline)
        return bool(answer.value) if answer is not None and answer.ok else None

    def gate_answer(self, amount: Decimal, *, deadline: float | None = None) -> Answer[bool] | None:
        """The gate's answer for a parsed amount (``None``: none in time), with its freshness."""
        return self.gate.get(cents(amount), _remaining(deadline or self.deadline()))

    def plans(
        self, prices: Sequence[Decimal], lang: Lang, *, deadline: float | None = None
    ) -> list[PlanResult]:
        """One result per parsed price, in order; missing answers are fetched concurrently.

        Waits for Flexiti up to the budget in all; what has not arrived by then is
        ``pending`` for this call and fills the cache when it does arrive.
        """
        keys = list(dict.fromkeys(cents(price) for price in prices))
        started = {key: self._start(key, lang) for key in keys}
        pending = [future for _, _, future in started.values() if future is not None]
        if pending:
            wait(pending, timeout=_remaining(deadline or self.deadline()))
        results = {key: _combine(key, *state) for key, state in started.items()}
        return [results[cents(price)] for price in prices]

    def cached_plan(self, price: Decimal, lang: Lang) -> PlanResult | None:
        """The result for ``price`` if known now, without waiting; otherwise starts fetching it."""
        key = cents(price)
        gate, calc, future = self._start(key, lang)
        if gate is None and calc is None:
            return None
        return _combine(key, gate, calc, future)

    def _start(
        self, key: int, lang: Lang
    ) -> tuple[Answer[bool] | None, Answer[Plan | None] | None, Future[Answer[Any]] | None]:
        """What is known about ``key`` in ``lang`` now, and the call to wait for, if any.

        The calculator's answer settles a badge alone: Flexiti computes a plan only for a price
        within the merchant's plan ranges, which is what availability answers. So a cold price
        costs one call, and availability is honoured only when already known (a "no" spares the
        calculator call); it is asked by those who need it alone (the gate).
        """
        gate = self.gate.known(key)
        if gate is not None and gate.ok and not gate.value:
            return gate, None, None
        calc, future = self.calculator.start((key, lang))
        return None, calc, future

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
        self.recent_badges.clear()
        self.recent_answers.clear()

    @property
    def pool(self) -> Pool:
        """The threads the storefront's calls to Flexiti run on."""
        return self._pool

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
        html = sanitize_html(answer.html)
        chosen = badge_terms(price, self.settings.plans, self.settings.badge_plan)
        if chosen is not None:  # the shop's plans say which one the badge advertises
            return describe_plan(price, lang, chosen.monthly_payment, chosen.months, chosen.apr,
                                 html)  # fmt: skip
        apr = implied_apr(price, answer.months, answer.monthly_payment, answer.html)
        return describe_plan(price, lang, answer.monthly_payment, answer.months, apr, html)


def describe_plan(
    price: Decimal, lang: Lang, payment: Decimal, months: int, apr: Decimal | None, html: Markup
) -> Plan:
    """The plan's sentences in ``lang``, from Flexiti's numbers (and the rate they imply)."""
    t = texts(lang)
    payment_text = format_money(payment, lang)
    words = {"payment": payment_text, "months": months}
    if apr is None:
        text = t["badge_text_no_apr"].format(**words)
    else:
        text = t["badge_text"].format(apr=format_percent(apr, lang), **words)
    terms = None if apr is None else Terms(price, months, apr, payment)
    cost_text = None if terms is None else terms.cost_text(lang)
    cost_label = None if cost_text is None else t["badge_label"].format(text=f"{text}; {cost_text}")
    return Plan(
        price=price,
        monthly_payment=payment,
        months=months,
        lang=lang,
        text=text,
        label=t["badge_label"].format(text=text),  # the visible words first (label in name)
        more=t["badge_more"],
        payment_text=payment_text,
        html=html,
        apr=apr,
        cost_of_borrowing=None if terms is None else terms.cost_of_borrowing,
        cost_text=cost_text,
        cost_label=cost_label,
    )


# -- the shared store's keys and values (numbers as text: exact, and JSON on every database) ---


def _gate_name(key: int) -> str:
    return f"gate:{key}"


def _gate_value(key: int, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"a stored availability is true or false, not {value!r}")
    return value


def _plan_name(key: tuple[int, Lang]) -> str:
    return f"calculator:{key[0]}:{key[1]}"


def _plan_json(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    apr = _text_or_none(plan.apr)
    return {"payment": str(plan.monthly_payment), "months": plan.months, "apr": apr,
            "html": str(plan.html)}  # fmt: skip


def _plan_from_json(key: tuple[int, Lang], value: Any) -> Plan | None:
    """A plan another worker saved; its sentences are written here, in this release's words."""
    if value is None:
        return None
    apr = None if value["apr"] is None else Decimal(value["apr"])
    payment, months = Decimal(value["payment"]), int(value["months"])
    if months < 1 or not payment.is_finite() or payment <= 0:
        raise ValueError("a stored plan has no payment")
    html = Markup(value["html"])  # noqa: S704 - sanitised before it was saved
    return describe_plan(from_cents(key[0]), key[1], payment, months, apr, html)


def _combine(
    key: int,
    gate: Answer[bool] | None,
    calc: Answer[Plan | None] | None,
    future: Future[Answer[Plan | None]] | None,
) -> PlanResult:
    price = from_cents(key)
    if gate is not None:  # known, and "no": the calculator was not asked
        return PlanResult(price, None, "not_eligible", gate.fresh_until)
    if calc is None and future is not None and future.done():
        calc = future.result()
    if calc is None or calc.pending:
        return PlanResult(price, None, "pending")
    if not calc.ok:
        return PlanResult(price, None, "unavailable")
    if calc.value is None:
        return PlanResult(price, None, "not_eligible", calc.fresh_until)
    return PlanResult(price, calc.value, None, calc.fresh_until)


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
