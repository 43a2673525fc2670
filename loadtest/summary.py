"""From what the Locust process recorded (loadtest/record.py) to summary.json's figures
per endpoint, and the short table printed at the end of a run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from loadtest.endpoints import ENDPOINT_PART


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (`q` in 0..1) of sorted samples: a latency some call
    actually had, never an interpolation."""
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def endpoint_stats(recorded: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Count, throughput, latency percentiles (ms), errors and statuses of one endpoint."""
    ordered = sorted(recorded["latencies_ms"])
    count = len(ordered)
    failures = int(recorded["failures"])
    stats: dict[str, Any] = {
        "type": recorded["type"],
        "count": count,
        "failures": failures,
        "error_rate": round(failures / count, 6) if count else 0.0,
        "throughput_rps": round(count / seconds, 3) if seconds > 0 else 0.0,
        "statuses": dict(sorted(recorded["statuses"].items())),
    }
    for label, q in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99), ("max_ms", 1.0)):
        stats[label] = round(percentile(ordered, q), 3) if count else None
    return stats


def summarize(recorded: dict[str, Any]) -> dict[str, Any]:
    """Per-endpoint figures over the run's window (first user started to last answer),
    and the totals."""
    started, ended = recorded.get("started"), recorded.get("ended")
    seconds = (ended - started) if started is not None and ended is not None else 0.0
    endpoints = {
        name: {"part": ENDPOINT_PART.get(name, "?"), **endpoint_stats(data, seconds)}
        for name, data in recorded["endpoints"].items()
    }
    count = sum(e["count"] for e in endpoints.values())
    failures = sum(e["failures"] for e in endpoints.values())
    return {
        "window_seconds": round(seconds, 3),
        "endpoints": endpoints,
        "total": {
            "count": count,
            "failures": failures,
            "error_rate": round(failures / count, 6) if count else 0.0,
            "throughput_rps": round(count / seconds, 3) if seconds > 0 else 0.0,
        },
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(summary: dict[str, Any]) -> list[str]:
    """The endpoints' figures, one line each, then the total."""
    lines = [
        f"{'endpoint':<24} {'calls':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}  statuses"
    ]
    for name, e in summary["endpoints"].items():
        statuses = ", ".join(f"{k} {v}" for k, v in e["statuses"].items())
        lines.append(
            f"{name:<24} {e['count']:>7} {e['throughput_rps']:>8.1f} {_ms(e['p50_ms']):>8} "
            f"{_ms(e['p95_ms']):>8} {_ms(e['p99_ms']):>8} {e['error_rate']:>7.2%}  {statuses}"
        )
    total = summary["total"]
    lines.append(
        f"{'total':<24} {total['count']:>7} {total['throughput_rps']:>8.1f} {'':>8} {'':>8} "
        f"{'':>8} {total['error_rate']:>7.2%}"
    )
    return lines
