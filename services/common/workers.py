"""The supervisor: N worker processes sharing one port, each restarted if it dies.

Workers are started with the `spawn` method: grpc does not survive fork, and each
worker must load its own engines (durable_rules and LightGBM state is per process).
All workers bind the same address with SO_REUSEPORT and the kernel spreads incoming
connections over them. The supervisor serves the workers' summed metrics and, on
SIGTERM or SIGINT, passes the signal on and waits for the workers to drain.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from prometheus_client.multiprocess import mark_process_dead

from services.common.errors import CannotStart
from services.common.logs import configure_logging
from services.common.metrics import MULTIPROC_ENV, prepare_multiprocess_dir, serve_metrics
from services.common.server import ServiceSpec, serve_worker
from services.common.settings import ServiceSettings

log = logging.getLogger("services.supervisor")

READY_TIMEOUT_SECONDS = 600.0  # first start may build default models
# A worker dying this soon after it started, this many times in a row, means it can
# not start at all (bad settings, missing engine): give up instead of spinning.
CRASH_LOOP_SECONDS = 5.0
CRASH_LOOP_LIMIT = 5
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Native thread pools sized from the environment when numpy and friends are imported."""


@dataclass
class _Worker:
    process: BaseProcess
    started: float


def _worker_main(spec_ref: str, settings_data: dict[str, Any], ready: Any) -> None:
    spec = load_spec(spec_ref)
    settings = spec.settings_cls.model_validate(settings_data)
    configure_logging(spec.name, settings.log_level)

    def on_ready(port: int) -> None:
        ready.send((os.getpid(), port))
        ready.close()

    try:
        serve_worker(spec, settings, on_ready)
    except CannotStart as exc:
        log.error("cannot start", extra={"reason": str(exc)})
        raise SystemExit(1) from None


def load_spec(ref: str) -> ServiceSpec:
    """Import `package.module:ATTRIBUTE` (a ServiceSpec); spawned workers need a name."""
    module_name, _, attribute = ref.partition(":")
    spec = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(spec, ServiceSpec):
        raise TypeError(f"{ref} is not a ServiceSpec")
    return spec


def _reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) a SO_REUSEPORT socket, to learn the port when 0 is asked
    and to hold it while the workers bind it too.

    A plain bind first: with SO_REUSEPORT alone, a second copy of the service started
    by mistake would silently share the port with the first instead of failing."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    address = (host.strip("[]"), port)
    if port != 0:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind(address)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def limit_worker_threads(worker_count: int) -> dict[str, str]:
    """Size the workers' BLAS/OpenMP pools to their share of the CPUs, in this process's
    environment (spawned workers inherit it before they import numpy). Left alone: a
    value the operator set. Each library otherwise starts a pool for the whole machine
    in every worker, and N workers then oversubscribe the cores N times."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = str(max(1, (cpus or 1) // max(1, worker_count)))
    return {name: os.environ.setdefault(name, threads) for name in THREAD_ENV}


class Supervisor:
    def __init__(self, spec_ref: str, settings: ServiceSettings) -> None:
        self.spec_ref = spec_ref
        self.spec = load_spec(spec_ref)
        self.settings = settings
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._stopping = False
        self._fast_crashes = 0

    def _spawn(self, settings_data: dict[str, Any]) -> tuple[_Worker, Any]:
        receiver, sender = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_worker_main,
            args=(self.spec_ref, settings_data, sender),
            name=f"{self.spec.name}-worker",
            daemon=False,
        )
        process.start()
        sender.close()
        return _Worker(process, time.monotonic()), receiver

    def run(self) -> int:
        configure_logging(self.spec.name, self.settings.log_level)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            reserved = _reserve_port(self.settings.host, self.settings.port)
        except OSError as exc:
            log.error(
                "cannot bind the gRPC address",
                extra={"address": f"{self.settings.host}:{self.settings.port}", "error": str(exc)},
            )
            return 2
        metrics_dir = Path(tempfile.mkdtemp(prefix=f"{self.spec.name}-metrics-"))
        os.environ[MULTIPROC_ENV] = str(metrics_dir)  # inherited by spawned workers
        limit_worker_threads(self.settings.worker_count)
        registry = prepare_multiprocess_dir(metrics_dir)
        port = reserved.getsockname()[1]
        data = self.settings.model_dump(mode="json") | {"port": port}
        metrics_http = None
        metrics_port: int | None = None
        try:
            if self.settings.metrics_enabled:
                try:
                    metrics_http, metrics_port = serve_metrics(
                        registry, self.settings.metrics_host, self.settings.metrics_port
                    )
                except OSError as exc:
                    log.error(
                        "cannot bind the metrics address",
                        extra={"port": self.settings.metrics_port, "error": str(exc)},
                    )
                    return 2
            pending = [self._spawn(data) for _ in range(self.settings.worker_count)]
            self._workers = [w for w, _ in pending]
            pids = self._wait_ready([r for _, r in pending])
            if pids is None:
                return 1
            log.info(
                "ready",
                extra={
                    "host": self.settings.host,
                    "port": port,
                    "metrics_port": metrics_port,
                    "workers": pids,
                },
            )
            print(
                f"{self.spec.name}: gRPC on {self.settings.host}:{port} "
                f"({len(pids)} workers), metrics on "
                + (
                    f"http://{self.settings.metrics_host}:{metrics_port}/metrics"
                    if metrics_port
                    else "off"
                ),
                flush=True,
            )
            return self._watch(data)
        finally:
            self._stop_all()
            reserved.close()
            if metrics_http is not None:
                metrics_http.shutdown()
            for path in metrics_dir.glob("*"):
                path.unlink()
            metrics_dir.rmdir()

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._stopping = True

    def _wait_ready(self, receivers: list[Any]) -> list[int] | None:
        pids: list[int] = []
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        waiting = list(receivers)
        while waiting and not self._stopping and time.monotonic() < deadline:
            for receiver in multiprocessing.connection.wait(waiting, timeout=0.2):
                assert isinstance(receiver, multiprocessing.connection.Connection)
                try:
                    pid, _port = receiver.recv()
                    pids.append(pid)
                except EOFError:
                    log.error("a worker exited before it was ready; see its log lines above")
                    return None
                waiting.remove(receiver)
        return pids if not waiting else None

    def _watch(self, data: dict[str, Any]) -> int:
        while not self._stopping:
            time.sleep(0.2)
            for i, worker in enumerate(self._workers):
                if worker.process.is_alive() or self._stopping:
                    continue
                pid, code = worker.process.pid, worker.process.exitcode
                log.warning("worker exited", extra={"pid": pid, "exitcode": code})
                if pid is not None:
                    mark_process_dead(pid)  # type: ignore[no-untyped-call]
                lived = time.monotonic() - worker.started
                self._fast_crashes = self._fast_crashes + 1 if lived < CRASH_LOOP_SECONDS else 0
                if self._fast_crashes >= CRASH_LOOP_LIMIT:
                    log.error("workers keep dying at start; giving up")
                    return 1
                replacement, receiver = self._spawn(data)
                self._workers[i] = replacement
                ready = self._wait_ready([receiver])
                log.info(
                    "worker restarted", extra={"pid": replacement.process.pid, "ready": bool(ready)}
                )
        return 0

    def _stop_all(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive() and worker.process.pid is not None:
                os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 5.0
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning(
                    "worker did not stop in time; killing it", extra={"pid": worker.process.pid}
                )
                worker.process.kill()
                worker.process.join()
