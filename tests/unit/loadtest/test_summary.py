"""summary.json's figures from what the Locust process recorded (loadtest/summary.py)."""

from __future__ import annotations

from typing import Any

import pytest

from loadtest.summary import endpoint_stats, percentile, summarize, table


def test_percentile_is_the_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]  # 1..100
    assert percentile(samples, 0.50) == 50.0
    assert percentile(samples, 0.95) == 95.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([1.0, 2.0], 0.0) == 1.0
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def _recorded(latencies: list[float], statuses: dict[str, int], failures: int) -> dict[str, Any]:
    return {"type": "grpc", "latencies_ms": latencies, "statuses": statuses, "failures": failures}


def test_an_endpoint_gets_counts_rates_percentiles_and_statuses() -> None:
    latencies = [float(n) for n in range(100, 0, -1)]  # unsorted on purpose
    stats = endpoint_stats(_recorded(latencies, {"OK": 97, "UNAVAILABLE": 3}, 3), seconds=4.0)
    assert stats == {
        "type": "grpc",
        "count": 100,
        "failures": 3,
        "error_rate": 0.03,
        "throughput_rps": 25.0,
        "statuses": {"OK": 97, "UNAVAILABLE": 3},
        "p50_ms": 50.0,
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "max_ms": 100.0,
    }


def test_an_endpoint_without_calls_has_no_percentiles() -> None:
    stats = endpoint_stats(_recorded([], {}, 0), seconds=2.0)
    assert stats["count"] == 0
    assert stats["error_rate"] == 0.0
    assert stats["p99_ms"] is None


def test_summarize_uses_the_recorded_window_for_every_endpoint_and_the_total() -> None:
    recorded = {
        "started": 1000.0,
        "ended": 1010.0,
        "endpoints": {
            "DecideReturn": _recorded([1.0] * 50, {"OK": 50}, 0),
            "POST /api/v1/messages": {
                "type": "POST",
                "latencies_ms": [10.0] * 10,
                "statuses": {"200": 8, "503": 2},
                "failures": 2,
            },
        },
    }
    summary = summarize(recorded)
    assert summary["window_seconds"] == 10.0
    returns = summary["endpoints"]["DecideReturn"]
    desk = summary["endpoints"]["POST /api/v1/messages"]
    assert (returns["part"], returns["throughput_rps"]) == ("returns", 5.0)
    assert (desk["part"], desk["throughput_rps"], desk["error_rate"]) == ("desk", 1.0, 0.2)
    assert desk["statuses"] == {"200": 8, "503": 2}
    assert summary["total"] == {
        "count": 60,
        "failures": 2,
        "error_rate": round(2 / 60, 6),
        "throughput_rps": 6.0,
    }


def test_a_run_with_no_calls_summarises_to_zeros() -> None:
    summary = summarize({"started": None, "ended": None, "endpoints": {}})
    assert summary["window_seconds"] == 0.0
    assert summary["total"]["count"] == 0
    assert summary["total"]["throughput_rps"] == 0.0


def test_table_has_a_line_per_endpoint_and_the_total() -> None:
    summary = summarize(
        {
            "started": 0.0,
            "ended": 2.0,
            "endpoints": {"TriageMessage": _recorded([3.0, 5.0], {"OK": 1, "INTERNAL": 1}, 1)},
        }
    )
    lines = table(summary)
    assert lines[0].split()[:3] == ["endpoint", "calls", "req/s"]
    assert lines[1].split() == [
        "TriageMessage", "2", "1.0", "3.0", "5.0", "5.0", "50.00%", "INTERNAL", "1,", "OK", "1",
    ]  # fmt: skip
    assert lines[2].split() == ["total", "2", "1.0", "50.00%"]
