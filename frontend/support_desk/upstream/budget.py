"""One deadline budget per customer message, split across the stages of its calls."""

from __future__ import annotations

import time
from collections.abc import Callable

# Each stage may run until this share of the budget has elapsed; what a stage leaves
# unused passes to the next one.
TRIAGE_STAGE = 0.4  # triage and language detection, concurrently
DECISION_STAGE = 0.7  # the return decision and the inbound translation, concurrently
REPLY_STAGE = 1.0  # the reply's translation (and the agent summary's)


class Budget:
    """A total time for one message, measured from its creation."""

    def __init__(self, total_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total_seconds
        self._clock = clock
        self.start = clock()

    def deadline(self, stage: float) -> float:
        """The monotonic instant at which the stage ending at this share must be done."""
        return self.start + self.total * min(max(stage, 0.0), 1.0)

    def remaining(self, stage: float = 1.0) -> float:
        return max(0.0, self.deadline(stage) - self._clock())

    def now(self) -> float:
        return self._clock()
