"""The decision log's writer: a bounded queue on the request path, one thread behind it.

``record`` (the request path) only puts a reference on the queue, and drops the record,
counted, when the queue is full: a slow disk never slows or fails a decision. The writer
thread takes what is queued every ``poll_seconds``, indexes the records' lines in SQLite,
buffers their rows as Arrow tables (converted a few records at a time, releasing the GIL
in between), and writes the buffer as one Parquet file when the flush interval
passes, when it holds ``max_file_records`` rows, when the day changes (files are
partitioned by day) and at close. Memory stays bounded by the queue and the buffer.

RecordOutcomes runs on the same thread, after every record queued before it has been
indexed, so an outcome sent right after its decision finds it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from services.returns_decision.core.decisions import Decision
from services.returns_decision.core.outcomes import ReturnOutcome
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment
from services.returns_decision.engines.decision_log.index import LogIndex
from services.returns_decision.engines.decision_log.records import (
    DecisionRecord,
    index_keys,
    rows,
    to_table,
)
from services.returns_decision.engines.decision_log.schema import (
    INDEX_FILE,
    partition_dir,
)

log = logging.getLogger("services.returns_decision.decision_log")

T = TypeVar("T")

_CHUNK_RECORDS = 16  # records turned into rows and Arrow between two releases of the GIL


@dataclass
class LogCounters:
    """Where the writer reports what it does (Prometheus metrics in the service)."""

    written: Callable[[int], None] = lambda n: None  # decision records written to Parquet
    dropped: Callable[[], None] = lambda: None  # records dropped: the queue was full
    depth: Callable[[int], None] = lambda n: None  # records waiting in the queue
    errors: Callable[[], None] = lambda: None  # failed writes (Parquet or index)
    # The rows taken in one batch, for the drift metrics (called on the writer thread).
    rows: Callable[[list[tuple[Any, ...]]], None] = lambda rows: None


class DecisionLogWriter:
    """Satisfies the core's ``DecisionLog``. Start with ``start()``, stop with ``close()``."""

    def __init__(
        self,
        directory: Path,
        *,
        queue_size: int = 10_000,
        flush_seconds: float = 60.0,
        max_file_records: int = 10_000,
        counters: LogCounters | None = None,
        poll_seconds: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.flush_seconds = flush_seconds
        self.max_file_records = max_file_records
        self.counters = counters or LogCounters()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._queue: queue.Queue[DecisionRecord] = queue.Queue(maxsize=queue_size)
        self._wakeup = threading.Event()
        self._commands: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]]
        self._commands = queue.SimpleQueue()
        self._pending: list[tuple[Any, ...]] = []  # rows not yet turned into Arrow
        self._tables: list[Any] = []  # Arrow tables waiting for the next flush
        self._rows = 0  # rows in _pending and _tables
        self._records = 0
        self._day: date | None = None
        self._sequence = itertools.count()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="decision-log", daemon=True)
        self._started = threading.Event()
        self._index: LogIndex | None = None
        self._open_error: Exception | None = None

    def start(self) -> None:
        """Starts the thread; raises OSError when the index cannot be opened."""
        self._thread.start()
        self._started.wait()
        if self._index is None:
            raise OSError(f"cannot open {self.directory / INDEX_FILE}: {self._open_error}")

    # --- the request path -------------------------------------------------------------

    def record(
        self, request: ReturnRequest, decision: Decision, items: Sequence[RiskAssessment]
    ) -> None:
        try:
            self._queue.put_nowait(DecisionRecord(request, decision, items, self.clock()))
        except queue.Full:
            self.counters.dropped()

    async def record_outcomes(
        self, tenant_id: str, outcomes: Sequence[ReturnOutcome]
    ) -> list[ReturnOutcome | None]:
        return await asyncio.wrap_future(
            self.submit(
                lambda: self._require_index().record_outcomes(tenant_id, outcomes, self.clock())
            )
        )

    # --- control ----------------------------------------------------------------------

    def submit(self, job: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Runs ``job`` on the writer thread once every record queued before it is indexed."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._stopping or not self._thread.is_alive():
            future.set_exception(RuntimeError("the decision log is closed"))
            return future
        self._commands.put((job, future))
        self._wakeup.set()
        return future

    def flush(self) -> concurrent.futures.Future[None]:
        """Writes what is buffered now (tests; the thread flushes on its own otherwise)."""
        return self.submit(self._flush)

    async def close(self) -> None:
        """Writes what is queued and buffered, then stops the thread."""
        if not self._thread.is_alive():
            return
        done = self.submit(self._stop)
        self._stopping = True
        await asyncio.wrap_future(done)
        await asyncio.to_thread(self._thread.join)

    # --- the writer thread ------------------------------------------------------------

    def _require_index(self) -> LogIndex:
        assert self._index is not None
        return self._index

    def _run(self) -> None:
        try:
            self._index = LogIndex(self.directory / INDEX_FILE)
        except Exception as exc:  # noqa: BLE001 - sqlite3.Error or OSError: start() reports it
            self._open_error = exc
            self._started.set()
            return
        self._started.set()
        next_flush = time.monotonic() + self.flush_seconds
        try:
            while True:
                # Polled, not woken per record: waking this thread for each decision would
                # contend for the GIL with the event loop on every call.
                self._wakeup.wait(max(min(self.poll_seconds, next_flush - time.monotonic()), 0))
                self._wakeup.clear()
                self._take()
                if not self._run_commands():
                    return
                if time.monotonic() >= next_flush:
                    self._flush()
                    next_flush = time.monotonic() + self.flush_seconds
        finally:
            self._require_index().close()

    def _take(self) -> None:
        """Indexes and buffers whatever is queued now."""
        batch: list[DecisionRecord] = []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        self.counters.depth(self._queue.qsize())
        if not batch:
            return
        try:
            self._require_index().add_lines(
                (*key, r.decided_at) for r in batch for key in index_keys(r)
            )
        except Exception:
            log.exception("cannot index decision records")
            self.counters.errors()
        for done, record in enumerate(batch, 1):
            day = record.day.date()
            if self._day is not None and day != self._day:
                self._flush()  # one partition per day
            self._day = day
            found = rows(record)
            self._pending += found
            self._rows += len(found)
            self._records += 1
            if self._rows >= self.max_file_records:
                self._flush()
            elif done % _CHUNK_RECORDS == 0:
                self._convert()
                # Lets the event loop take the GIL now: a call arriving while this thread
                # works would otherwise wait for the interpreter's switch interval (5 ms).
                time.sleep(0)
        self._convert()

    def _convert(self) -> None:
        """Turns the pending rows into Arrow now, in small pieces: Python tuples held until
        the flush would be long-lived objects for the collector to walk, and converting a
        whole file's rows at once held the GIL for ~0.2 s."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self.counters.rows(pending)
        except Exception:
            log.exception("cannot update the drift metrics")
        self._tables.append(to_table(pending))

    def _run_commands(self) -> bool:
        """Runs waiting commands; False once the log is stopped."""
        while True:
            try:
                job, future = self._commands.get_nowait()
            except queue.Empty:
                return True
            self._take()  # records queued before the command come first
            try:
                future.set_result(job())
            except Exception as exc:  # noqa: BLE001 - the caller's await raises it
                self.counters.errors()
                future.set_exception(exc)
            if job == self._stop:
                return False

    def _stop(self) -> None:
        self._take()
        self._flush()

    def _flush(self) -> None:
        self._convert()
        if not self._tables or self._day is None:
            return
        tables, rows_count, records = self._tables, self._rows, self._records
        self._tables, self._rows, self._records = [], 0, 0
        directory = partition_dir(self.directory, self._day)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"part-{stamp}-{os.getpid()}-{next(self._sequence):06d}.parquet"
        try:
            table = pa.concat_tables(tables)
            directory.mkdir(parents=True, exist_ok=True)
            # Written under a name readers skip, then renamed: a part file is always whole.
            partial = directory / f".{name}.partial"
            pq.write_table(table, partial, compression="zstd")
            partial.rename(directory / name)
        except Exception:
            log.exception("cannot write decision records", extra={"rows": rows_count})
            self.counters.errors()
            return
        self.counters.written(records)
