"""The go-live doctor: what a merchant needs before the first real order, checked one by one.

Each check answers ok or not, what it saw, and what to do when it failed. ``flask flexiti
doctor``, the service's same command and the console's ``/doctor`` page all run ``diagnose``.
Only the widget-init check opens anything at Flexiti: one order per flow, never shown to anyone.
"""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, url_for
from sqlalchemy.engine import make_url

from flexiti_checkout.errors import ConfigurationError, FlexitiError, NotFoundError
from flexiti_checkout.lifecycle.checkout import DEFAULT_FLOW
from flexiti_checkout.lifecycle.starts import numeric_order_id
from flexiti_checkout.models import FLOWS, PURCHASE_FLOWS
from flexiti_checkout.store.revisions import current
from flexiti_checkout.web.settings.cookies import session_cookie_is_secure
from flexiti_checkout.web.state import FlexitiState, flexiti_state

__all__ = ["Check", "Options", "diagnose", "parse_flows"]

#: The amount of the widget inits the doctor opens, and of its calculator and availability calls.
PROBE_AMOUNT = Decimal("100.00")
#: How far our clock may be from Flexiti's: signed tokens and token lifetimes are in minutes.
MAX_CLOCK_SKEW = 60.0
#: Shorter signing keys are guessable.
MIN_KEY_LENGTH = 16
#: The address of the doctor's widget inits (Flexiti's own example address).
_PROBE_ADDRESS = {"first_name": "Tom", "last_name": "Samson", "address_1": "123 Any Street",
                  "address_2": "", "city": "Toronto", "province": "ON",
                  "postal_code": "M2A2A2"}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One line of the checklist: ``advice`` says what to do when ``ok`` is false."""

    name: str
    ok: bool
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Options:
    """What the doctor cannot read from settings: the shop's public address, its flows, hosts."""

    public_url: str | None = None
    flows: tuple[str, ...] = (DEFAULT_FLOW,)
    hosts: int = 1
    customer_id: str | None = None


def diagnose(app: Flask, options: Options | None = None) -> list[Check]:
    """Every check, in the order a merchant would fix them; needs ``app``'s context."""
    options = options or Options()
    state = flexiti_state(app)
    checks = [
        _store_schema(state),
        _shared_sqlite(state, options.hosts),
        _keys(state),
        _session_cookie(app, state),
        _callback_secret(state),
        _callback_url(app, state, options.public_url),
        _clock(state),
        _scope(state, "customer", "payment availability",
               lambda: state.client.payment_availability(PROBE_AMOUNT)),
        _scope(state, "merchant", "order lookup", lambda: _lookup(state)),
        _scope(state, "customer", "payment calculator",
               lambda: state.client.payment_calculator(PROBE_AMOUNT, "en")),
    ]  # fmt: skip
    checks.extend(_widget_init(state, flow, options.customer_id) for flow in options.flows)
    return checks


def _check(name: str, problem: str | None, ok_detail: str, advice: str) -> Check:
    if problem is None:
        return Check(name, True, ok_detail)
    return Check(name, False, problem, advice)


def _store_schema(state: FlexitiState) -> Check:
    try:
        where = current(state.store.engine)
    except Exception as exc:  # any database failure is the answer here
        return Check("store schema", False, f"the store does not answer ({type(exc).__name__})",
                     "Check FLEXITI_STORE_URL and that the database is up.")  # fmt: skip
    if where.current is None:
        return Check("store schema", True, f"empty; created at revision {where.head} on first use")
    return _check(
        "store schema",
        None if where.current == where.head else f"at revision {where.current}, needs {where.head}",
        f"revision {where.current} (up to date)",
        "Back the database up, then run `flask flexiti db upgrade`.",
    )


def _shared_sqlite(state: FlexitiState, hosts: int) -> Check:
    url = make_url(state.store.url)
    sqlite = url.get_backend_name() == "sqlite"
    problem = None
    if sqlite and hosts > 1:
        problem = f"SQLite serves {hosts} hosts: each would have its own orders and tokens"
    elif sqlite and url.database in (None, "", ":memory:"):
        problem = "an in-memory SQLite store loses every order when the process ends"
    return _check(
        "store shared by every host",
        problem,
        f"{url.get_backend_name()} for {hosts} host{'s' if hosts > 1 else ''}",
        "Point FLEXITI_STORE_URL at PostgreSQL when more than one host runs the shop.",
    )


def _keys(state: FlexitiState) -> Check:
    keys = state.settings.signing_keys
    problem = None
    if state.settings.environment != "sandbox":
        from flexiti_checkout._sandbox_keys import SANDBOX_SIGNING_KEY  # only when diagnosing

        if not keys or SANDBOX_SIGNING_KEY in keys:
            problem = "no signing key of your own"
        elif len(keys[0]) < MIN_KEY_LENGTH:
            problem = f"the signing key has fewer than {MIN_KEY_LENGTH} characters"
    return _check(
        "secret key",
        problem,
        f"{len(keys)} signing key{'s' if len(keys) != 1 else ''} set",
        "Set SECRET_KEY (or FLEXITI_SIGNING_KEY) to a long random string, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`.",
    )


def _session_cookie(app: Flask, state: FlexitiState) -> Check:
    secure = session_cookie_is_secure(app.config)
    needed = state.settings.environment != "sandbox"
    return _check(
        "session cookie",
        "SESSION_COOKIE_SECURE is off" if needed and not secure else None,
        "Secure" if secure else "not Secure (fine in sandbox mode)",
        "Set SESSION_COOKIE_SECURE = True: the cookie that remembers each customer's Flexiti "
        "order must not travel over plain http.",
    )


def _callback_secret(state: FlexitiState) -> Check:
    needed = state.settings.environment != "sandbox"
    secret = state.settings.callback_secret
    return _check(
        "callback secret",
        "FLEXITI_CALLBACK_SECRET is not set" if needed and not secret else None,
        "set" if secret else "not set (fine in sandbox mode)",
        "Set FLEXITI_CALLBACK_SECRET (16 to 128 letters, digits, - or _) and give Flexiti the "
        "callback URL with it.",
    )


def _callback_url(app: Flask, state: FlexitiState, public_url: str | None) -> Check:
    secret = state.settings.callback_secret
    with app.test_request_context(base_url=public_url or "http://localhost/"):
        path = url_for("flexiti.callback", secret=secret) if secret else url_for("flexiti.callback")
    shown = path.replace(secret, "<FLEXITI_CALLBACK_SECRET>") if secret else path
    advice = (
        "Run the doctor with --url https://your-shop.example (your shop's public origin), and "
        "give Flexiti that origin's callback URL."
    )
    if public_url is None:
        return Check("callback URL", False, f"{shown}: which host Flexiti reaches is unknown",
                     advice)  # fmt: skip
    parts = urlsplit(public_url)
    url = f"{public_url.rstrip('/')}{shown}"
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = f"{url} is not an absolute http(s) URL"
    elif parts.scheme != "https" and state.settings.environment != "sandbox":
        problem = f"{url} is not https"
    elif state.settings.environment != "sandbox" and _private(parts.hostname):
        problem = f"{url} is a loopback or private address Flexiti cannot reach"
    return _check("callback URL", problem, url, advice)


def _private(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _clock(state: FlexitiState) -> Check:
    theirs = state.client.server_time()
    if theirs is None:
        return Check("clock", True, "Flexiti's host sent no date to compare with")
    skew = time.time() - theirs
    return _check(
        "clock",
        f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} Flexiti's"
        if abs(skew) > MAX_CLOCK_SKEW
        else None,
        f"within {abs(skew):.0f} s of Flexiti's",
        "Synchronise this host's clock (NTP): tokens and signed links are timed.",
    )


def _lookup(state: FlexitiState) -> None:
    # No such order is the expected answer: the token and the call were accepted.
    with suppress(NotFoundError):
        state.client.order_by_merchant_order_id(numeric_order_id())


def _scope(state: FlexitiState, scope: str, what: str, call: Callable[[], object]) -> Check:
    name = f"{scope} credentials ({what})"
    try:
        call()
    except FlexitiError as exc:
        return Check(name, False, str(exc), exc.advice)
    return Check(name, True, "answered and read")


def _widget_init(state: FlexitiState, flow: str, customer_id: str | None) -> Check:
    name = f"widget init ({flow})"
    fields: dict[str, Any] = {}
    if flow in PURCHASE_FLOWS:
        fields["billing_information"] = fields["shipping_information"] = dict(_PROBE_ADDRESS)
    if flow == "buy":
        if not customer_id:
            return Check(name, False, "the buy flow needs a Flexiti customer id or card number",
                         "Run the doctor with --customer-id of a test customer, or use the "
                         "apply/buy flow.")  # fmt: skip
        fields["customer_id"] = customer_id
    merchant_order_id = (
        numeric_order_id() if state.settings.numeric_order_ids else f"doctor-{uuid.uuid4().hex}"
    )
    try:
        widget = state.client.widget_init(
            flow, PROBE_AMOUNT, "en-CA", merchant_order_id=merchant_order_id, **fields
        )
    except FlexitiError as exc:
        advice = exc.advice
        if exc.status in (400, 409) and not state.settings.numeric_order_ids:
            advice += " If Flexiti refused the merchant order id, set FLEXITI_NUMERIC_ORDER_IDS."
        return Check(name, False, str(exc), advice)
    return Check(name, True, f"order {widget.online_order_id} opened for {PROBE_AMOUNT}")


def parse_flows(values: Iterable[str]) -> tuple[str, ...]:
    """The ``--flow`` options, checked; the default flow when none is given."""
    flows = tuple(dict.fromkeys(value.strip().lower() for value in values)) or (DEFAULT_FLOW,)
    unknown = [flow for flow in flows if flow not in FLOWS]
    if unknown:
        raise ConfigurationError(f"unknown flow {unknown[0]!r}; use one of {', '.join(FLOWS)}")
    return flows
