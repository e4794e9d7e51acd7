"""Per-app sandbox state: settings, knobs, tokens, orders and logs, in ``app.extensions``.

Nothing lives in module globals, so two sandboxes in one process (two tests, say) never share
an order or a token.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app

from flexiti_checkout._sandbox_keys import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from flexiti_checkout.sandbox.callbacks import CallbackDispatcher
from flexiti_checkout.sandbox.faults import KNOB_NAMES, FailNext, Knobs
from flexiti_checkout.sandbox.orders import ID_BLOCK, OrderBook
from flexiti_checkout.sandbox.plans import DEFAULT_PLANS, Plan, minimum_amount, parse_plans
from flexiti_checkout.sandbox.pos.ledger import POSTED, Ledger
from flexiti_checkout.sandbox.tokens import TokenBook

EXTENSION_KEY = "flexiti_sandbox"
DEFAULT_CLIENT_ID = SANDBOX_CLIENT_ID
DEFAULT_CLIENT_SECRET = SANDBOX_CLIENT_SECRET
SETTING_KEYS = ("SUCCESS_URL", "ERROR_URL", "CALLBACK_URL", "PUBLIC_URL")
CONFIG_KEYS = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "PLANS",
    "MAX_AMOUNT",
    "CALLBACK_TIMEOUT",
    "CLOCK",
    "SEED",
    "CALLBACK_SESSION",
    "ONLINE_PURCHASES",
    "ID_OFFSET",
    *SETTING_KEYS,
    *(name.upper() for name in KNOB_NAMES),
)
LOG_LIMIT = 10_000


@dataclass(frozen=True)
class Settings:
    """The merchant account the sandbox pretends to be, and where it sends customers."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    plans: tuple[Plan, ...] = DEFAULT_PLANS
    max_amount: Decimal = Decimal("20000")
    success_url: str | None = None
    error_url: str | None = None
    callback_url: str | None = None
    public_url: str | None = None
    callback_timeout: float = 5.0

    @property
    def min_amount(self) -> Decimal:
        return minimum_amount(self.plans)

    def in_range(self, amount: Decimal) -> bool:
        return self.min_amount <= amount <= self.max_amount

    def urls(self) -> dict[str, str | None]:
        return {
            "success_url": self.success_url,
            "error_url": self.error_url,
            "callback_url": self.callback_url,
            "public_url": self.public_url,
        }


class BoundedLog:
    """An append-only, thread-safe log that keeps the latest ``LOG_LIMIT`` entries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class SandboxState:
    """Everything one sandbox app knows; ``lock`` guards ``settings`` and ``knobs`` swaps."""

    def __init__(
        self,
        settings: Settings,
        knobs: Knobs,
        *,
        clock: Callable[[], float] = time.time,
        seed: Any = None,
        callback_session: Any = None,
        online_purchases: str = POSTED,
        id_offset: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.settings = settings
        self.knobs = knobs
        self.initial = (settings, knobs, seed)
        self.rng = random.Random(seed)  # noqa: S311 - fault simulation, not security
        self.tokens = TokenBook(clock)
        self.orders = OrderBook(id_offset)
        self.ledger = Ledger(seed, online_status=online_purchases, id_offset=id_offset)
        self.requests = BoundedLog()
        self.callbacks = CallbackDispatcher(clock, session=callback_session)

    def take_fail_next(self, path: str) -> FailNext | None:
        """Consume one ``FAIL_NEXT`` failure if it applies to ``path``."""
        with self.lock:
            failure = self.knobs.fail_next
            if failure is None or not failure.matches(path):
                return None
            left = replace(failure, count=failure.count - 1) if failure.count > 1 else None
            self.knobs = replace(self.knobs, fail_next=left)
            return failure

    def chance(self, rate: float) -> bool:
        """True with probability ``rate``, drawn from the seeded generator."""
        if rate <= 0:
            return False
        with self.lock:
            return self.rng.random() < rate

    def update_settings(self, changes: Mapping[str, Any]) -> Settings:
        """Change the redirect and callback URLs (``None`` or ``""`` clears one)."""
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name.upper() not in SETTING_KEYS:
                known = ", ".join(key.lower() for key in SETTING_KEYS)
                raise ValueError(f"unknown setting {name!r}; known settings: {known}")
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a URL string or null")
            if value and name.upper() == "PUBLIC_URL":
                value = value.rstrip("/")
            values[name.lower()] = value or None
        with self.lock:
            self.settings = replace(self.settings, **values)
            return self.settings

    def reset(self) -> None:
        """Back to the state at start: no orders, tokens or logs, knobs and URLs as configured."""
        settings, knobs, seed = self.initial
        with self.lock:
            self.settings = settings
            self.knobs = knobs
            self.rng.seed(seed)
        self.tokens.revoke_all()
        self.orders.clear()
        self.ledger.clear()
        self.requests.clear()
        self.callbacks.clear()


def get_state() -> SandboxState:
    """The state of the sandbox app handling the current request."""
    state: SandboxState = current_app.extensions[EXTENSION_KEY]
    return state


def state_from_config(config: Mapping[str, Any]) -> tuple[SandboxState, dict[str, Any]]:
    """Build the state from ``create_app`` config; other keys are returned for ``app.config``."""
    own = {key: value for key, value in config.items() if key in CONFIG_KEYS}
    passthrough = {key: value for key, value in config.items() if key not in CONFIG_KEYS}
    plans = parse_plans(own.get("PLANS", DEFAULT_PLANS))
    try:
        max_amount = Decimal(str(own.get("MAX_AMOUNT", "20000")))
    except InvalidOperation as exc:
        raise ValueError(f"MAX_AMOUNT must be a number, not {own['MAX_AMOUNT']!r}") from exc
    if max_amount < minimum_amount(plans):
        raise ValueError("MAX_AMOUNT must not be below the lowest plan minimum")
    public_url = own.get("PUBLIC_URL")
    settings = Settings(
        client_id=str(own.get("CLIENT_ID", DEFAULT_CLIENT_ID)),
        client_secret=str(own.get("CLIENT_SECRET", DEFAULT_CLIENT_SECRET)),
        plans=plans,
        max_amount=max_amount,
        success_url=own.get("SUCCESS_URL") or None,
        error_url=own.get("ERROR_URL") or None,
        callback_url=own.get("CALLBACK_URL") or None,
        public_url=public_url.rstrip("/") if public_url else None,
        callback_timeout=float(own.get("CALLBACK_TIMEOUT", 5.0)),
    )
    knob_values = {key.lower(): own[key] for key in own if key.lower() in KNOB_NAMES}
    knobs = Knobs().updated(knob_values)
    clock = own.get("CLOCK", time.time)
    if not callable(clock):
        raise ValueError("CLOCK must be a callable returning epoch seconds")
    state = SandboxState(
        settings,
        knobs,
        clock=clock,
        seed=own.get("SEED"),
        callback_session=own.get("CALLBACK_SESSION"),
        online_purchases=str(own.get("ONLINE_PURCHASES", POSTED)),
        id_offset=parse_id_offset(own.get("ID_OFFSET", 0)),
    )
    return state, passthrough


def parse_id_offset(value: Any) -> int:
    """``ID_OFFSET``: a whole number of ``ID_BLOCK``s (0, 1000000, 2000000…) up to 1000 of them."""
    text = str(value).strip()
    if not text.isdigit() or int(text) % ID_BLOCK or int(text) > 1000 * ID_BLOCK:
        raise ValueError(
            f"ID_OFFSET must be a multiple of {ID_BLOCK} from 0 to {1000 * ID_BLOCK} "
            f"(such as 9000000), not {value!r}"
        )
    return int(text)
