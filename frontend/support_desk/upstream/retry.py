"""Which failed calls are retried, and after how long.

UNAVAILABLE (the server is restarting, a connection was reset) is retried with
exponential backoff; RESOURCE_EXHAUSTED (the server is at its concurrency limit) after
a fixed pause. Everything else is final: INVALID_ARGUMENT will fail again, and
DEADLINE_EXCEEDED means the message's budget for this call is spent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_backoff: float = 0.05
    max_backoff: float = 0.5
    resource_exhausted_pause: float = 0.25

    def delay(self, code: grpc.StatusCode | None, attempt: int) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when not to retry."""
        if attempt >= self.max_attempts:
            return None
        if code == grpc.StatusCode.UNAVAILABLE:
            backoff: float = min(self.initial_backoff * 2.0 ** (attempt - 1), self.max_backoff)
            return backoff * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return self.resource_exhausted_pause
        return None
