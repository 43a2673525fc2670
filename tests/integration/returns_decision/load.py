"""Calls made continuously from several threads while a test changes the server (a policy
reload, a model promotion), recording every answer and every failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc


@dataclass
class Calls:
    answers: list[str] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)

    def wait_for(self, answer: str, timeout: float = 20.0) -> None:
        """Until the latest answer is `answer`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers and self.answers[-1] == answer:
                return
            time.sleep(0.05)
        raise AssertionError(f"{answer!r} was never answered; last: {self.answers[-1:]}")


@contextmanager
def calling(call: Callable[[], str], threads: int = 3) -> Iterator[Calls]:
    """Run `call` in a loop on `threads` threads until the block ends."""
    calls = Calls()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                calls.answers.append(call())
            except grpc.RpcError as error:
                calls.failures.append(error)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.3)
        yield calls
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
