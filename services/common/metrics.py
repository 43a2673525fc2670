"""Prometheus metrics of a service: per-RPC counts by status code, latency, in-flight
calls, and the versions of the models and policies loaded.

With several worker processes, each worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (set by the supervisor before the workers start) and the
supervisor serves the sum over workers on one HTTP port. With one in-process server
(tests, `workers=1` debugging), values live in memory and the server serves them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
COMPONENT_INFO = "retail_component_info"
# Sub-millisecond buckets: a returns decision is expected well under 1 ms.
LATENCY_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip


class ServiceMetrics:
    """The metrics one server records. Each server gets its own registry so that several
    in-process servers (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("grpc_service", "grpc_method")
        self.handled = Counter(
            "grpc_server_handled",
            "RPCs completed, by status code.",
            (*labels, "grpc_code"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "grpc_server_handling_seconds",
            "Time from a call's arrival to its answer.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "grpc_server_in_flight",
            "Calls being handled now.",
            labels,
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.component_info = Gauge(
            COMPONENT_INFO,
            "Loaded models and policies: 1 for each (component, version) in use.",
            ("component", "version"),
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self._versions: dict[str, str] = {}

    def set_component_version(self, component: str, version: str) -> None:
        """Record the version of a model or policy now in use (replacing the previous)."""
        previous = self._versions.get(component)
        if previous is not None and previous != version:
            # With several workers the value lives in a shared file that removing a
            # label does not touch: 0 there marks it unused, and the supervisor's
            # collector leaves out unused versions (_InUseVersionsOnly).
            if multiprocess_mode():
                self.component_info.labels(component, previous).set(0)
            else:
                self.component_info.remove(component, previous)
        self._versions[component] = version
        self.component_info.labels(component, version).set(1)

    def gauge(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
        """A service-specific gauge on this registry (e.g. a cache hit rate)."""
        return Gauge(
            name, documentation, labels, registry=self.registry, multiprocess_mode="livesum"
        )

    def counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        """A service-specific counter on this registry (e.g. model swaps)."""
        return Counter(name, documentation, labels, registry=self.registry)

    def histogram(
        self,
        name: str,
        documentation: str,
        labels: tuple[str, ...] = (),
        buckets: tuple[float, ...] = LATENCY_BUCKETS,
    ) -> Histogram:
        """A service-specific histogram on this registry (e.g. a score distribution)."""
        return Histogram(name, documentation, labels, buckets=buckets, registry=self.registry)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> tuple[Any, int]:
    """Start the metrics HTTP server in a daemon thread; returns (server, bound port)."""
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server, int(server.server_port)


def prepare_multiprocess_dir(path: Path) -> CollectorRegistry:
    """Empty the directory the workers will write to and return a registry that sums
    them, for the supervisor to serve."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    registry = CollectorRegistry()
    registry.register(_InUseVersionsOnly(MultiProcessCollector(None, path=str(path))))  # type: ignore[no-untyped-call]
    return registry


class _InUseVersionsOnly(Collector):
    """The workers' summed metrics without the component versions they set to 0 (the
    ones a reload replaced)."""

    def __init__(self, inner: MultiProcessCollector) -> None:
        self._inner = inner

    def collect(self) -> Iterable[Metric]:
        for metric in self._inner.collect():  # type: ignore[no-untyped-call]
            if metric.name == COMPONENT_INFO:
                metric.samples = [s for s in metric.samples if s.value != 0]
            yield metric
