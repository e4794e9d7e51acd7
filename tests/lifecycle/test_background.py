"""The bounded pool that lets a request stop waiting while the lifecycle work goes on."""

from __future__ import annotations

import threading

from flexiti_checkout.lifecycle.background import Background


def test_work_that_ends_within_the_budget_gives_its_result():
    pool = Background(workers=1, max_queued=0)
    assert pool.within(lambda: 42, budget=5) == 42
    pool.shutdown()


def test_slow_work_goes_on_after_the_budget():
    """The caller gets None at the budget; the work still finishes."""
    pool = Background(workers=1, max_queued=0)
    release, finished = threading.Event(), threading.Event()

    def slow() -> str:
        release.wait(5)
        finished.set()
        return "done"

    assert pool.within(slow, budget=0.05) is None
    release.set()
    assert finished.wait(5)
    pool.shutdown()


def test_a_full_pool_and_queue_refuse_instead_of_queueing_without_bound():
    """One worker, one queued: the third piece of work is refused at once, not queued."""
    pool = Background(workers=1, max_queued=1)
    release = threading.Event()
    assert pool.submit(lambda: release.wait(5)) is not None
    assert pool.submit(lambda: release.wait(5)) is not None
    assert pool.submit(lambda: None) is None
    release.set()
    pool.shutdown()
    assert pool.submit(lambda: 1) is not None  # slots come back once work ends
    pool.shutdown()
