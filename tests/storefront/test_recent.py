"""``Recent``: finished badges and answers kept per key for a few seconds, bounded."""

from __future__ import annotations

from flexiti_checkout.storefront.recent import REUSE_SECONDS, Recent
from support.clocks import FakeClock


def test_a_value_is_reused_for_its_seconds_then_forgotten():
    """Within ``REUSE_SECONDS`` the value comes back; from then on it is gone."""
    clock = FakeClock(100.0)
    recent: Recent[str, str] = Recent(clock=clock)
    recent.put("a", "badge")
    clock.advance(REUSE_SECONDS - 0.01)
    assert recent.get("a") == "badge"
    clock.advance(0.01)
    assert recent.get("a") is None


def test_a_value_never_outlives_the_answer_it_was_made_from():
    """``fresh_until`` sooner than the reuse period wins: a stale answer is looked at again."""
    clock = FakeClock(100.0)
    recent: Recent[str, str] = Recent(clock=clock)
    recent.put("a", "badge", fresh_until=101.0)
    clock.advance(0.99)
    assert recent.get("a") == "badge"
    clock.advance(0.01)
    assert recent.get("a") is None
    recent.put("b", "old answer", fresh_until=99.0)  # already stale: not kept at all
    assert recent.get("b") is None


def test_the_oldest_go_first_beyond_max_entries():
    """A bounded number of keys: adding one past the limit drops the least recently put."""
    recent: Recent[int, int] = Recent(max_entries=3, clock=FakeClock())
    for key in (1, 2, 3):
        recent.put(key, key * 10)
    recent.put(1, 11)  # put again: now the newest
    recent.put(4, 40)
    assert [recent.get(key) for key in (1, 2, 3, 4)] == [11, None, 30, 40]
    assert len(recent) == 3
    recent.clear()
    assert len(recent) == 0 and recent.get(4) is None
