"""A small pool of long-lived worker processes (one pool per translation direction).

Workers are created on demand up to ``size``, lent to one caller at a time, and thrown
away (killed) when a caller reports them broken; the next lease starts a fresh one. A
worker retired in good health (it has served its quota) is replaced in the background,
so no caller waits for the restart. A caller waits for a free worker no longer than its
deadline.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)


class Worker(Protocol):
    def alive(self) -> bool: ...

    def kill(self) -> None: ...


W = TypeVar("W", bound=Worker)


class PoolTimeout(Exception):
    """No worker became free before the deadline."""


class Lease(Generic[W]):
    """A borrowed worker; ``discard()`` it when broken, ``retire()`` it when worn out."""

    def __init__(self, worker: W) -> None:
        self.worker = worker
        self.broken = False
        self.retired = False

    def discard(self) -> None:
        self.broken = True

    def retire(self) -> None:
        self.retired = True


class ProcessPool(Generic[W]):
    def __init__(self, factory: Callable[[], W], size: int) -> None:
        if size < 1:
            raise ValueError("pool size must be at least 1")
        self._factory = factory
        self._size = size
        self._idle: collections.deque[W] = collections.deque()
        self._count = 0
        self._closed = False
        self._cond = threading.Condition()
        self.started = 0
        """How many workers were ever started: restarts show up here."""

    def prestart(self) -> None:
        """Start one worker now, so that the first call does not pay for it."""
        with self.lease(time.monotonic() + 60):
            pass

    @contextlib.contextmanager
    def lease(self, deadline: float) -> Iterator[Lease[W]]:
        worker = self._acquire(deadline)
        lease = Lease(worker)
        try:
            yield lease
        except BaseException:
            lease.broken = True
            raise
        finally:
            self._release(lease)

    def _acquire(self, deadline: float) -> W:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("pool is closed")
                while self._idle:
                    worker = self._idle.pop()  # the most recently used is the warmest
                    if worker.alive():
                        return worker
                    self._count -= 1
                    worker.kill()
                if self._count < self._size:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                timed_out = remaining <= 0 or not self._cond.wait(remaining)
                if timed_out and not self._idle and self._count >= self._size:
                    raise PoolTimeout("no free worker before the deadline")
        try:
            worker = self._factory()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self.started += 1
        return worker

    def _release(self, lease: Lease[W]) -> None:
        worker = lease.worker
        keep = not lease.broken and not lease.retired and worker.alive()
        with self._cond:
            if keep and not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._count -= 1
            replace = lease.retired and not lease.broken and not self._closed
            if replace:
                self._count += 1  # reserve the slot for the replacement
            self._cond.notify()
        worker.kill()
        if replace:
            threading.Thread(target=self._replace, name="pool-replace", daemon=True).start()

    def _replace(self) -> None:
        try:
            worker = self._factory()
        except BaseException as exc:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            if isinstance(exc, OSError):
                # The next lease will try again and report the failure to its caller.
                log.warning("could not start a replacement worker: %s", exc)
                return
            raise
        with self._cond:
            self.started += 1
            if self._closed:
                self._count -= 1
            else:
                self._idle.append(worker)
                self._cond.notify()
                return
        worker.kill()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = list(self._idle), collections.deque()
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
