"""Work after the answer waits for a gap between the requests a process answers."""

from __future__ import annotations

import pytest

from flexiti_checkout.lifecycle.callbacks.foreground import Foreground
from support.clocks import FakeClock


def test_work_starts_at_once_when_no_request_is_being_answered() -> None:
    clock = FakeClock(100.0)
    foreground = Foreground(quiet=0.02, most=1.0, clock=clock, sleep=clock.advance)

    assert foreground.wait_for_gap() == 0.0
    clock.advance(0.5)
    foreground.busy()
    clock.advance(0.05)
    assert foreground.wait_for_gap() == 0.0


def test_work_waits_for_the_quiet_after_a_request() -> None:
    clock = FakeClock(100.0)
    foreground = Foreground(quiet=0.02, most=1.0, clock=clock, sleep=clock.advance)
    foreground.busy()
    clock.advance(0.005)

    assert 0.015 <= foreground.wait_for_gap() <= 0.017  # a nap past it at most


def test_work_is_held_off_at_most_most_seconds_under_a_flood() -> None:
    """Requests that never pause delay work by ``most``, then it goes on."""
    clock = FakeClock(100.0)
    foreground = Foreground(quiet=0.02, most=1.0, clock=clock)

    def another_request_meanwhile(seconds: float) -> None:
        clock.advance(min(seconds, 0.01))
        foreground.busy()

    foreground.sleep = another_request_meanwhile
    foreground.busy()

    assert foreground.wait_for_gap() == pytest.approx(1.0, abs=0.01)
