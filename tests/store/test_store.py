"""Store, Inbox and DatabaseTokenStore on SQLite and PostgreSQL: orders, deliveries, tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from flexiti_checkout.client.tokens import Token, TokenCache
from flexiti_checkout.errors import ConfigurationError, UnavailableError
from flexiti_checkout.models import TRANSITIONS, Order, OrderStatus, utc
from flexiti_checkout.store.inbox import Inbox
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.sweeps import Throttled, throttled_orders
from flexiti_checkout.store.tables import SCHEMA_VERSION, deliveries, meta, tokens
from flexiti_checkout.store.tokens import DatabaseTokenStore
from support.clocks import FakeClock

S = OrderStatus
ALLOWED = [(old, new) for old in S for new in sorted(TRANSITIONS[old])]
REFUSED = [(old, new) for old in S for new in S if new not in TRANSITIONS[old]]


def move_id(pair: tuple[OrderStatus, OrderStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


@pytest.fixture
def db_url(store_url: str) -> str:
    return store_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[..., Store]]:
    """Opens Store objects on the test's database file, as separate workers would."""
    opened: list[Store] = []

    def open_one(**kwargs: Any) -> Store:
        opened.append(Store(db_url, **kwargs))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[..., Store], clock: FakeClock) -> Store:
    return open_store(clock=clock)


def new_order(store: Store, merchant_order_id: str = "A-1", amount: str = "499.10") -> Order:
    order = store.insert_order(
        merchant_order_id=merchant_order_id,
        amount=Decimal(amount),
        flow="buy",
        lang="en",
        reference_id=f"ref-{merchant_order_id}",
        source="checkout",
    )
    assert order is not None
    return order


def route_to(target: OrderStatus) -> list[OrderStatus]:
    """The shortest series of allowed moves from ``created`` to ``target``."""
    routes: dict[OrderStatus, list[OrderStatus]] = {S.CREATED: []}
    queue = [S.CREATED]
    for status in queue:
        for following in sorted(TRANSITIONS[status]):
            if following not in routes:
                routes[following] = [*routes[status], following]
                queue.append(following)
    return routes[target]


def order_in(store: Store, status: OrderStatus, merchant_order_id: str = "A-1") -> Order:
    """A stored order brought to ``status`` through allowed transitions."""
    order = new_order(store, merchant_order_id)
    for step in route_to(status):
        moved = store.transition(order, step, source="test")
        assert moved is not None
        order = moved
    return order


# -- orders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["499.10", "0.01", "19999.99", "100", "1234567.890"])
def test_insert_and_get_keep_the_exact_amount(store: Store, amount: str) -> None:
    """An order's amount comes back as the same Decimal, digits and all, and is stored as text."""
    new_order(store, amount=amount)

    order = store.get_order("A-1")

    assert order is not None
    assert isinstance(order.amount, Decimal)
    assert str(order.amount) == amount
    with store.begin() as conn:
        assert conn.exec_driver_sql("SELECT amount FROM flexiti_orders").scalar() == amount


def test_insert_stores_a_created_order(store: Store, clock: FakeClock) -> None:
    """A new order is ``created`` at version 0 in CAD, with its times set from the store's clock."""
    inserted = new_order(store)

    assert inserted == store.get_order("A-1")
    assert inserted.merchant_order_id == "A-1"
    assert inserted.status is S.CREATED
    assert inserted.version == 0
    assert (inserted.flow, inserted.lang, inserted.currency) == ("buy", "en", "CAD")
    assert inserted.reference_id == "ref-A-1"
    assert inserted.online_order_id is None
    assert inserted.details == {}
    assert inserted.created_at == inserted.updated_at == inserted.status_since == utc(clock.now)
    assert inserted.checked_at is None


def test_duplicate_merchant_order_id_is_refused(store: Store) -> None:
    """Inserting a merchant order id that exists returns None and leaves the first order alone."""
    first = new_order(store, amount="499.10")

    again = store.insert_order(
        merchant_order_id="A-1",
        amount=Decimal("1.00"),
        flow="apply",
        lang="fr",
        reference_id="other",
        source="checkout",
    )

    assert again is None
    assert store.get_order("A-1") == first


def test_unknown_orders_are_none(store: Store) -> None:
    """Looking up an id nobody stored gives None, by merchant order id or Flexiti's id."""
    new_order(store)

    assert store.get_order("nope") is None
    assert store.get_order_by_online_id("131209") is None


def test_get_by_online_order_id(store: Store) -> None:
    """An order is found by the Flexiti order id its widget init returned."""
    pending = store.transition(
        new_order(store), S.PENDING, source="checkout", online_order_id="131209"
    )

    assert store.get_order_by_online_id("131209") == pending


# -- transitions ---------------------------------------------------------------------------------


def test_transition_applies_the_change_and_bumps_the_version(
    store: Store, clock: FakeClock
) -> None:
    """A won transition sets the status, the given fields and the time, at version + 1."""
    order = new_order(store)
    clock.advance(5)

    moved = store.transition(
        order,
        S.PENDING,
        source="checkout",
        online_order_id="131209",
        redirection_url="https://flexiti.example/flow/1",
        details={"plan_id": "12"},
    )

    assert moved is not None
    assert moved.status is S.PENDING
    assert moved.version == order.version + 1
    assert moved.online_order_id == "131209"
    assert moved.redirection_url == "https://flexiti.example/flow/1"
    assert moved.details == {"plan_id": "12"}
    assert moved.status_since == moved.updated_at == utc(clock.now)
    assert moved.created_at == order.created_at


def test_transition_refuses_fields_it_may_not_change(store: Store) -> None:
    """Amount, flow and the like never change through a transition."""
    order = new_order(store)

    with pytest.raises(TypeError, match="amount, flow"):
        store.transition(order, S.PENDING, source="test", amount=Decimal(1), flow="apply")

    assert store.get_order("A-1") == order


def test_two_callers_who_read_the_same_version_one_wins(store: Store) -> None:
    """Of two callers holding the same read of an order, only the first transition applies."""
    read = order_in(store, S.PENDING)

    first = store.transition(read, S.APPROVED, source="callback")
    second = store.transition(read, S.DECLINED, source="return")

    assert first is not None and first.status is S.APPROVED
    assert second is None
    assert store.get_order("A-1") == first
    assert [e.to_status for e in store.history(read)][-1] is S.APPROVED
    assert len(store.history(read)) == 3


def test_a_late_event_never_moves_a_settled_order(store: Store) -> None:
    """A caller holding a stale pending copy cannot move an order that has since settled."""
    stale = order_in(store, S.PENDING)
    approved = store.transition(stale, S.APPROVED, source="callback")

    assert store.transition(stale, S.CANCELLED, source="return") is None
    assert store.transition(stale, S.EXPIRED, source="reconcile") is None
    assert store.get_order("A-1") == approved


def test_twenty_threads_in_two_workers_race_one_winner(open_store: Callable[..., Store]) -> None:
    """Twenty threads across two Store objects on one file move one order: exactly one wins."""
    first, second = open_store(), open_store()
    read = order_in(first, S.PENDING)
    second.ensure_schema()
    targets = [S.APPROVED, S.DECLINED, S.CANCELLED, S.EXPIRED, S.NEEDS_REVIEW]
    start = threading.Barrier(20)
    results: list[Order | None] = []

    def race(worker: Store, target: OrderStatus) -> None:
        start.wait()
        results.append(worker.transition(read, target, source="race"))

    threads = [
        threading.Thread(target=race, args=((first, second)[i % 2], targets[i % len(targets)]))
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [result for result in results if result is not None]
    assert len(results) == 20
    assert len(winners) == 1
    assert first.get_order("A-1") == winners[0]
    assert len(first.history(read)) == 3


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=move_id)
def test_allowed_transitions_apply(store: Store, old: OrderStatus, new: OrderStatus) -> None:
    """Every move in the transition table applies and is recorded."""
    order = order_in(store, old)

    moved = store.transition(order, new, source="test")

    assert moved is not None and moved.status is new
    assert store.history(order)[-1].from_status is old


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=move_id)
def test_disallowed_transitions_raise(store: Store, old: OrderStatus, new: OrderStatus) -> None:
    """A move outside the table raises and changes nothing: settled orders never move."""
    order = order_in(store, old)
    history = store.history(order)

    with pytest.raises(ValueError, match=f"cannot move from {old} to {new}"):
        store.transition(order, new, source="test")

    assert store.get_order("A-1") == order
    assert store.history(order) == history


def test_history_lists_every_transition_in_order(store: Store, clock: FakeClock) -> None:
    """History has one row per transition, oldest first, with its time, source and note."""
    order = new_order(store)
    created_at = clock.now
    clock.advance(2)
    pending = store.transition(order, S.PENDING, source="checkout")
    assert pending is not None
    clock.advance(30)
    store.transition(pending, S.APPROVED, source="callback", note="Flexiti status SUCCESS")

    events = store.history(order)

    assert [(e.at, e.from_status, e.to_status, e.source, e.note) for e in events] == [
        (utc(created_at), None, S.CREATED, "checkout", ""),
        (utc(created_at + 2), S.CREATED, S.PENDING, "checkout", ""),
        (utc(created_at + 32), S.PENDING, S.APPROVED, "callback", "Flexiti status SUCCESS"),
    ]


def test_history_is_per_order(store: Store) -> None:
    """One order's history holds none of another's transitions."""
    first = order_in(store, S.APPROVED, "A-1")
    second = new_order(store, "A-2")

    assert len(store.history(first)) == 3
    assert [e.to_status for e in store.history(second)] == [S.CREATED]


# -- lookups: throttle and record ----------------------------------------------------------------


def test_claim_lookup_throttles_per_order(store: Store, clock: FakeClock) -> None:
    """A second claim within the interval is refused; at the interval's end it is granted again."""
    order = order_in(store, S.PENDING, "A-1")
    other = order_in(store, S.PENDING, "A-2")

    assert store.claim_lookup(order, 2.0)
    clock.advance(1)
    assert not store.claim_lookup(order, 2.0)
    assert store.claim_lookup(other, 2.0)
    clock.advance(1)
    assert store.claim_lookup(order, 2.0)
    assert not store.claim_lookup(order, 2.0)


def test_news_without_a_secret_gets_through_only_after_the_spacing(
    store: Store, clock: FakeClock
) -> None:
    """News no secret vouches for lets a lookup through early, but never sooner than
    ``news_spacing`` after the last one, however many callbacks bring it."""
    order = order_in(store, S.PENDING, "A-1")
    assert store.claim_lookup(order, 2.0)
    clock.advance(0.125)
    news = clock.now
    assert not store.claim_lookup(order, 2.0, news_since=news, news_spacing=0.5)
    clock.advance(0.25)  # 0.375 s after the lookup
    assert not store.claim_lookup(order, 2.0, news_since=news, news_spacing=0.5)
    clock.advance(0.125)  # 0.5 s after the lookup: the news gets its lookup, once
    assert store.claim_lookup(order, 2.0, news_since=news, news_spacing=0.5)
    assert not store.claim_lookup(order, 2.0, news_since=news, news_spacing=0.5)
    clock.advance(0.5)  # newer news, which the last lookup has not seen: once more
    assert store.claim_lookup(order, 2.0, news_since=clock.now - 0.125, news_spacing=0.5)


def test_throttled_orders_say_when_the_first_opens(store: Store, clock: FakeClock) -> None:
    """A search learns how many orders the throttle held back and when the first one opens:
    after the spacing for news no lookup has seen, soon after a lookup under way has seen it."""
    first = order_in(store, S.PENDING, "A-1")
    second = order_in(store, S.PENDING, "A-2")
    assert store.claim_lookup(first, 2.0)
    clock.advance(0.25)
    news = clock.now
    assert store.claim_lookup(second, 2.0)  # started after the news: it has seen it

    def held(spacing: float, recheck: float) -> Throttled:
        return throttled_orders(store, (S.PENDING,), entered_after=0.0, now=clock.now,
                                news_since=news, news_spacing=spacing, recheck=recheck)  # fmt: skip

    assert held(0.5, 0.375) == Throttled(2, news - 0.25 + 0.5)
    assert held(0.5, 0.125) == Throttled(2, news + 0.125)
    assert held(0.0, 0.125) == Throttled(1, news + 0.125)  # no spacing: the first gets through
    plain = throttled_orders(store, (S.PENDING,), entered_after=0.0, now=clock.now)
    assert plain == Throttled(2, news - 0.25 + 2.0)
    clock.advance(1.0)  # a slow Flexiti: the lookup since the news is still under way
    assert held(0.5, 0.125) == Throttled(1, clock.now + 0.0625)
    store.record_check(second, "PENDING")  # it finished: it saw the news, the throttle rules
    assert held(0.5, 0.125) == Throttled(1, news + 2.0)


def test_claim_lookup_is_shared_between_workers(
    open_store: Callable[..., Store], clock: FakeClock
) -> None:
    """A lookup claimed through one Store object throttles the same order in another."""
    first, second = open_store(clock=clock), open_store(clock=clock)
    order = order_in(first, S.PENDING)

    assert first.claim_lookup(order, 2.0)
    assert not second.claim_lookup(order, 2.0)


def test_record_check_notes_the_lookup_without_moving_the_order(
    store: Store, clock: FakeClock
) -> None:
    """record_check sets when Flexiti was asked and what it said; status and version stay."""
    order = order_in(store, S.PENDING)
    clock.advance(7)

    store.record_check(order, "PENDING")

    checked = store.get_order("A-1")
    assert checked is not None
    assert checked.checked_at == utc(clock.now)
    assert checked.flexiti_status == "PENDING"
    assert (checked.status, checked.version) == (order.status, order.version)
    assert len(store.history(checked)) == 2


# -- orders_in -----------------------------------------------------------------------------------


@pytest.fixture
def three_orders(store: Store, clock: FakeClock) -> Store:
    """B pending since 1100, C created at 1200, A pending at 1000 then approved at 1300."""
    clock.now = 1000.0
    a = order_in(store, S.PENDING, "A")
    clock.now = 1100.0
    order_in(store, S.PENDING, "B")
    clock.now = 1200.0
    new_order(store, "C")
    clock.now = 1300.0
    store.transition(a, S.APPROVED, source="callback")
    return store


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, ["B", "C", "A"]),
        ({"statuses": (S.PENDING,)}, ["B"]),
        ({"statuses": (S.PENDING, S.CREATED)}, ["B", "C"]),
        ({"statuses": (S.EXPIRED,)}, []),
        ({"entered_before": 1200.0}, ["B", "C"]),
        ({"entered_before": 1099.0}, []),
        ({"entered_after": 1200.0}, ["C", "A"]),
        ({"entered_after": 1150.0, "entered_before": 1250.0}, ["C"]),
        ({"statuses": (S.PENDING, S.CREATED), "entered_after": 1150.0}, ["C"]),
        ({"limit": 2}, ["B", "C"]),
    ],
)
def test_orders_in_filters(three_orders: Store, arguments: dict, expected: list[str]) -> None:
    """orders_in filters by status and by when the status was entered, oldest first."""
    arguments = dict(arguments)  # the table is shared by both databases' runs
    statuses = arguments.pop("statuses", None)

    found = three_orders.orders_in(statuses, **arguments)

    assert [order.merchant_order_id for order in found] == expected


# -- schema --------------------------------------------------------------------------------------


def test_a_new_database_records_the_schema_version(store: Store) -> None:
    """The first use of a database creates the tables and writes SCHEMA_VERSION."""
    assert store.ping()

    with store.begin() as conn:
        found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()

    assert found == str(SCHEMA_VERSION)


def set_schema_version(store: Store, version: int) -> None:
    with store.begin() as conn:
        conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(version)))


def test_a_database_from_a_newer_version_is_refused(
    store: Store, open_store: Callable[..., Store]
) -> None:
    """A database from a newer version is refused, on every use, with a message saying why."""
    new_order(store)
    set_schema_version(store, SCHEMA_VERSION + 1)
    older_code = open_store()

    for _ in range(2):
        with pytest.raises(ConfigurationError) as caught:
            older_code.get_order("A-1")
        assert f"schema version {SCHEMA_VERSION + 1}" in str(caught.value)
        assert "Upgrade flexiti-checkout" in str(caught.value)


def test_a_database_from_this_version_is_used(
    store: Store, open_store: Callable[..., Store]
) -> None:
    """A database written by this version (or an older one) opens and keeps its orders."""
    new_order(store)
    set_schema_version(store, SCHEMA_VERSION - 1)

    assert open_store().get_order("A-1") is not None


def set_up_together(workers: list[Store]) -> list[Exception]:
    """Run ensure_schema in every worker at the same moment; the exceptions raised."""
    start = threading.Barrier(len(workers))
    failures: list[Exception] = []

    def set_up(worker: Store) -> None:
        start.wait()
        try:
            worker.ensure_schema()
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=set_up, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.parametrize("database", range(3))
def test_workers_starting_together_on_a_new_database_all_start(
    store_url: str, database: int
) -> None:
    """Several workers creating the tables of one new database at once all succeed."""
    workers = [Store(store_url) for _ in range(4)]
    try:
        assert set_up_together(workers) == []
    finally:
        for worker in workers:
            worker.close()


# -- the callback inbox --------------------------------------------------------------------------


def add(inbox: Inbox, payload: Any, **identifiers: str) -> int:
    return inbox.add_delivery(
        method="POST",
        remote_addr="203.0.113.9",
        content_type="application/json",
        payload=payload,
        identifiers=identifiers,
    ).id


def test_delivery_about_a_settled_order_is_stored_processed(store: Store) -> None:
    """A delivery stored with a settled outcome is processed already, in one write."""
    inbox = Inbox(store)
    delivery = inbox.add_delivery(
        method="POST",
        remote_addr=None,
        content_type=None,
        payload={},
        identifiers={},
        settled_outcome="order A: approved already",
    )
    stored = inbox.get(delivery.id)
    assert stored.processed_at is not None and stored.outcome == "order A: approved already"
    assert inbox.deliveries(unprocessed_only=True) == []


def test_inbox_stores_a_delivery(store: Store, clock: FakeClock) -> None:
    """A stored delivery keeps its payload, identifiers and arrival, unprocessed, no attempts."""
    inbox = Inbox(store)

    delivery_id = add(
        inbox, {"notificationType": "Success", "amount": "499.10"}, merchant_order_id="A-1"
    )

    delivery = inbox.get(delivery_id)
    assert delivery.payload == {"notificationType": "Success", "amount": "499.10"}
    assert delivery.identifiers == {"merchant_order_id": "A-1"}
    assert (delivery.method, delivery.remote_addr) == ("POST", "203.0.113.9")
    assert delivery.received_at == clock.now
    assert (delivery.processed_at, delivery.attempts, delivery.outcome) == (None, 0, None)


def test_inbox_lists_unprocessed_and_marks_processed_or_failed(
    store: Store, clock: FakeClock
) -> None:
    """A failed attempt leaves a delivery unprocessed with its error; a success processes it."""
    inbox = Inbox(store)
    first, second, third = (add(inbox, {"n": n}) for n in range(3))

    inbox.finish_delivery(first, outcome="order A-1: lookup failed", error="lookup failed")
    clock.advance(3)
    inbox.finish_delivery(second, outcome="order A-2: approved")

    assert [d.id for d in inbox.deliveries()] == [first, third]
    assert [d.id for d in inbox.deliveries(unprocessed_only=False)] == [first, second, third]
    failed, processed = inbox.get(first), inbox.get(second)
    assert (failed.processed_at, failed.attempts, failed.last_error) == (None, 1, "lookup failed")
    assert failed.outcome == "order A-1: lookup failed"
    assert (processed.processed_at, processed.attempts, processed.last_error) == (
        clock.now,
        1,
        None,
    )
    assert inbox.count_deliveries() == 3


def test_inbox_counts_attempts_until_processed(store: Store) -> None:
    """Each attempt counts; the error of a failed attempt is cleared by a later success."""
    inbox = Inbox(store)
    delivery_id = add(inbox, {})

    inbox.finish_delivery(delivery_id, outcome="lookup failed", error="lookup failed")
    inbox.finish_delivery(delivery_id, outcome="approved")

    delivery = inbox.get(delivery_id)
    assert (delivery.attempts, delivery.last_error, delivery.outcome) == (2, None, "approved")
    assert delivery.processed_at is not None
    assert inbox.deliveries() == []


# -- the shared token store ----------------------------------------------------------------------

KEY = "online:customer"


def a_token(access_token: str = "access-1", *, renew_at: float = 940.0) -> Token:
    return Token(access_token, "refresh-1", "customer", renew_at + 60, renew_at)


def test_token_store_saves_and_loads(store: Store, open_store: Callable[..., Store]) -> None:
    """A saved token loads back whole, in any worker, per key; saving again replaces it."""
    tokens_here = DatabaseTokenStore(store)
    tokens_there = DatabaseTokenStore(open_store())

    assert tokens_here.load(KEY) is None
    tokens_here.save(KEY, a_token("access-1"))
    assert tokens_there.load(KEY) == a_token("access-1")
    tokens_there.save(KEY, a_token("access-2", renew_at=2000.0))
    assert tokens_here.load(KEY) == a_token("access-2", renew_at=2000.0)
    assert tokens_here.load("online:merchant") is None


def test_token_store_discards_only_the_refused_token(store: Store) -> None:
    """Discard forgets the token only if it is still the one refused, not a newer one."""
    token_store = DatabaseTokenStore(store)
    token_store.save(KEY, a_token("access-2"))

    token_store.discard(KEY, "access-1")
    assert token_store.load(KEY) == a_token("access-2")

    token_store.discard(KEY, "access-2")
    assert token_store.load(KEY) is None

    token_store.save(KEY, a_token("access-3"))
    assert token_store.load(KEY) == a_token("access-3")


class CountingIssuer:
    """Flexiti's token endpoint: counts calls, takes ``delay`` seconds, optionally fails."""

    def __init__(self, delay: float = 0.05, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, refresh_token: str | None) -> dict:
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.delay)
        if self.fail:
            raise UnavailableError("Flexiti's token endpoint is down")
        return {"access_token": f"access-{number}", "expires_in": 1200, "scope": "customer"}


def test_token_renewal_is_single_flight_across_workers(open_store: Callable[..., Store]) -> None:
    """Twenty threads in two workers needing a token at once cause exactly one token request."""
    workers = [open_store(), open_store()]
    for worker in workers:
        worker.ensure_schema()
    caches = [TokenCache(DatabaseTokenStore(worker), clock=time.time) for worker in workers]
    issue = CountingIssuer(delay=0.05)
    start = threading.Barrier(20)
    handed_out: list[str] = []

    def need_token(cache: TokenCache) -> None:
        start.wait()
        handed_out.append(cache.get(KEY, issue).access_token)

    threads = [threading.Thread(target=need_token, args=(caches[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert issue.calls == 1
    assert handed_out == ["access-1"] * 20


def lease_left_by_a_dead_worker(store: Store, until: float) -> None:
    with store.begin() as conn:
        conn.execute(insert(tokens).values(key=KEY, lease_owner="dead-worker", lease_until=until))


def test_a_dead_workers_lease_expires(store: Store, open_store: Callable[..., Store]) -> None:
    """A renewal lease whose holder died is taken over once it runs out, and the token renewed."""
    started = time.monotonic()
    lease_left_by_a_dead_worker(store, until=time.time() + 0.3)
    cache = TokenCache(
        DatabaseTokenStore(open_store(), lease_seconds=0.3, poll=0.02), clock=time.time
    )
    issue = CountingIssuer(delay=0)

    token = cache.get(KEY, issue)

    assert time.monotonic() - started >= 0.25
    assert (token.access_token, issue.calls) == ("access-1", 1)


def test_a_live_lease_is_not_taken_over(store: Store) -> None:
    """While another worker's lease runs, renewal waits, and gives up after two lease lengths."""
    lease_left_by_a_dead_worker(store, until=time.time() + 60)
    token_store = DatabaseTokenStore(store, lease_seconds=0.1, poll=0.02)

    with pytest.raises(TimeoutError, match="online:customer"), token_store.renewal_lock(KEY):
        pytest.fail("the lease of another worker was taken")


def test_a_failed_renewal_releases_its_lease(store: Store) -> None:
    """When Flexiti fails to issue a token, the lease is released for the next caller."""
    cache = TokenCache(DatabaseTokenStore(store), clock=time.time)

    with pytest.raises(UnavailableError):
        cache.get(KEY, CountingIssuer(delay=0, fail=True))

    with store.begin() as conn:
        row = conn.execute(select(tokens).where(tokens.c.key == KEY)).one()
    assert (row.lease_owner, row.lease_until, row.access_token) == (None, None, None)
    assert cache.get(KEY, CountingIssuer(delay=0)).access_token == "access-1"


def test_a_long_search_keeps_its_lease_on_the_delivery(store: Store, clock: FakeClock) -> None:
    """A worker whose search outlasts half its lease extends it, so no other worker takes the
    delivery meanwhile; a worker whose lease another took is told so."""
    inbox = Inbox(store)
    delivery = inbox.add_delivery(method="POST", remote_addr=None, content_type=None,
                                  payload={}, identifiers={})  # fmt: skip
    (taken,) = inbox.claim_due("searcher", now=clock.now, lease=10.0)
    keeper = inbox.keeper(taken.id, "searcher", 10.0)

    def lease_until() -> float:
        with store.begin() as conn:
            return conn.execute(select(deliveries.c.lease_until)).scalar_one()

    clock.advance(4)
    assert keeper.keep() and lease_until() == clock.now + 6  # not half gone yet
    clock.advance(2)
    assert keeper.keep() and lease_until() == clock.now + 10
    clock.advance(8)  # past the first lease's end, within the renewed one
    assert inbox.claim_due("another", now=clock.now, lease=10.0) == []

    clock.advance(20)  # the searcher stalled: its lease ran out and another took the delivery
    assert [d.id for d in inbox.claim_due("another", now=clock.now, lease=10.0)] == [delivery.id]
    assert not keeper.keep()
    assert inbox.get(delivery.id).lease_owner == "another"


@pytest.fixture
def named_orders(store: Store) -> Store:
    """A-1 pending (Flexiti order 131209), A-2 approved (transaction 77, promo id P7), A-3 pending
    with the same Flexiti order id as A-1 but newer."""
    store.transition(new_order(store, "A-1"), S.PENDING, source="test", online_order_id="131209")
    pending = store.transition(new_order(store, "A-2"), S.PENDING, source="test",
                               online_order_id="131210")  # fmt: skip
    assert pending is not None
    granted = {"transaction_id": "77", "promo_id": "P7"}
    store.transition(pending, S.APPROVED, source="test", details=granted)
    store.transition(new_order(store, "A-3"), S.PENDING, source="test", online_order_id="131209")
    return store


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ({"merchant_order_id": "A-1"}, ("A-1", S.PENDING)),
        ({"merchant_order_id": "A-2", "online_order_id": "131209"}, ("A-2", S.APPROVED)),
        ({"merchant_order_id": "nope", "online_order_id": "131209"}, ("A-3", S.PENDING)),
        ({"transaction_id": "77"}, ("A-2", S.APPROVED)),
        ({"promo_id": "P7"}, ("A-2", S.APPROVED)),
        ({"merchant_order_id": "A-1", "promo_id": "P7"}, ("A-1", S.PENDING)),  # ids come first
        ({"merchant_order_id": "nope", "promo_id": "P0"}, None),
        ({"merchant_order_id": "A-\x00"}, None),  # no row can hold it
        ({}, None),
    ],
)
def test_the_status_a_callback_names_is_the_named_orders(
    named_orders: Store, named: dict[str, str], expected: tuple[str, OrderStatus] | None
) -> None:
    """``named_order_status`` finds what ``find_named_order`` (then the promo id) finds."""
    assert named_orders.named_order_status(named) == expected
    order = named_orders.find_named_order(named)
    if order is None and named.get("promo_id"):
        order = named_orders.get_order_by_promo_id(named["promo_id"])
    assert (None if order is None else (order.merchant_order_id, order.status)) == expected
