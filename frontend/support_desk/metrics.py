"""The desk's Prometheus metrics, in a registry of its own (one per app, so that tests can
run several apps in one process).

Containment (conversations resolved without a person, by the intent of their first
message) comes from the store at scrape time, so it survives restarts; the rest are
counters and histograms of this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from frontend.support_desk.store.repository import IntentCounts

LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class RpcStats:
    service: str
    rpc: str
    calls: int
    errors: int
    mean_seconds: float


class _ContainmentCollector(Collector):
    def __init__(self, counts: Callable[[], list[IntentCounts]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        conversations = GaugeMetricFamily(
            "support_desk_conversations",
            "Conversations in the store by the intent of their first message and who resolved "
            "them (automation, or a human once one took over).",
            labels=["intent", "handled_by"],
        )
        containment = GaugeMetricFamily(
            "support_desk_containment_ratio",
            "Share of conversations resolved without a human, by first intent.",
            labels=["intent"],
        )
        for row in self._counts():
            conversations.add_metric([row.intent, "automation"], row.automation)
            conversations.add_metric([row.intent, "human"], row.human)
            containment.add_metric([row.intent], row.containment)
        yield conversations
        yield containment

    def describe(self) -> Iterator[Metric]:
        return iter(())  # collected lazily: the store may not exist yet at registration


class DeskMetrics:
    """Every metric the desk exports."""

    def __init__(self, counts: Callable[[], list[IntentCounts]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "support_desk_messages",
            "Customer messages handled, by channel, intent and who handles them.",
            ["channel", "intent", "handled_by"],
            registry=self.registry,
        )
        self.message_seconds = Histogram(
            "support_desk_message_seconds",
            "Time to handle one customer message, store and upstream calls included.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.escalations = Counter(
            "support_desk_escalations",
            "Messages handed to the human queue, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "support_desk_upstream_seconds",
            "Latency of each upstream call attempt, by service and RPC.",
            ["service", "rpc"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "support_desk_upstream_errors",
            "Failed upstream call attempts, by service, RPC and gRPC status code.",
            ["service", "rpc", "code"],
            registry=self.registry,
        )
        self.upstream_retries = Counter(
            "support_desk_upstream_retries",
            "Upstream call attempts retried, by service, RPC and the code that caused it.",
            ["service", "rpc", "code"],
            registry=self.registry,
        )
        self.degraded = Counter(
            "support_desk_degraded",
            "Messages answered without an upstream service, by the service missing.",
            ["service"],
            registry=self.registry,
        )
        if counts is not None:
            self.registry.register(_ContainmentCollector(counts))

    def rpc_stats(self) -> list[RpcStats]:
        """Calls, errors and mean latency per RPC, for the dashboard."""
        calls: dict[tuple[str, str], tuple[float, float]] = {}
        errors: dict[tuple[str, str], float] = {}
        for metric in self.registry.collect():
            if metric.name == "support_desk_upstream_seconds":
                for sample in metric.samples:
                    key = (sample.labels["service"], sample.labels["rpc"])
                    count, total = calls.get(key, (0.0, 0.0))
                    if sample.name.endswith("_count"):
                        calls[key] = (sample.value, total)
                    elif sample.name.endswith("_sum"):
                        calls[key] = (count, sample.value)
            elif metric.name == "support_desk_upstream_errors":
                for sample in metric.samples:
                    if sample.name.endswith("_total"):
                        key = (sample.labels["service"], sample.labels["rpc"])
                        errors[key] = errors.get(key, 0.0) + sample.value
        return [
            RpcStats(
                service,
                rpc,
                int(count),
                int(errors.get((service, rpc), 0)),
                total / count if count else 0.0,
            )
            for (service, rpc), (count, total) in sorted(calls.items())
        ]

    def counter_values(self, name: str, label: str) -> dict[str, float]:
        """A counter's totals by one label, for the dashboard."""
        values: dict[str, float] = {}
        for metric in self.registry.collect():
            if metric.name != name:
                continue
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    key = sample.labels[label]
                    values[key] = values.get(key, 0.0) + sample.value
        return values
