"""The one fake clock the tests share: it moves only when a test says so."""

from __future__ import annotations

from typing import Any


class FakeClock:
    """A callable clock (``time.time``'s shape) that a test moves by hand.

    Extra call arguments are ignored, so it can also stand in for a method such as
    ``TimestampSigner.get_timestamp``.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self, *_ignored: Any) -> Any:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
