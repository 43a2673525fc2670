"""Per-call context the cores can read without importing grpc: request id and deadline.

The interceptor sets these for each call; because every call runs in its own asyncio
task, context variables keep concurrent calls apart.
"""

from __future__ import annotations

import contextvars
import time

from services.common.errors import DeadlineExceeded

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# Absolute deadline on the time.monotonic() clock; None when the caller set none.
deadline_var: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "deadline", default=None
)


def time_remaining() -> float | None:
    """Seconds left before the caller's deadline, or None without a deadline."""
    deadline = deadline_var.get()
    return None if deadline is None else deadline - time.monotonic()


def check_deadline() -> None:
    """Raise DeadlineExceeded when the caller's deadline has passed. Long loops (batches,
    simulations) call this between items so that work for an expired call stops."""
    deadline = deadline_var.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise DeadlineExceeded("the call's deadline passed before the work finished")
