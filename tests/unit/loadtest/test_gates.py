"""SLO gates (loadtest/gates.py): which endpoints breach which limit, and why."""

from __future__ import annotations

from typing import Any

from loadtest.gates import Gates, breaches


def _endpoint(count: int, p99: float | None, failures: int = 0) -> dict[str, Any]:
    return {
        "count": count,
        "p99_ms": p99,
        "failures": failures,
        "error_rate": failures / count if count else 0.0,
    }


ENDPOINTS = {
    "DecideReturn": _endpoint(1000, 12.5, failures=1),
    "TriageMessage": _endpoint(400, 80.0),
    "POST /api/v1/messages": _endpoint(50, 150.0, failures=5),
}


def test_no_gates_never_breach() -> None:
    assert breaches(ENDPOINTS, Gates()) == []
    assert not Gates().active


def test_limits_at_or_above_every_figure_pass() -> None:
    assert breaches(ENDPOINTS, Gates(max_p99_ms=150.0, max_error_rate=0.1)) == []


def test_each_endpoint_over_the_p99_limit_gets_its_own_line() -> None:
    reasons = breaches(ENDPOINTS, Gates(max_p99_ms=50.0))
    assert reasons == [
        "TriageMessage: p99 80.000 ms is over the --max-p99-ms limit of 50 ms",
        "POST /api/v1/messages: p99 150.000 ms is over the --max-p99-ms limit of 50 ms",
    ]


def test_the_error_rate_is_held_per_endpoint_not_over_the_total() -> None:
    # 6 failures in 1,450 calls is 0.4% overall, but the desk alone fails 10%.
    reasons = breaches(ENDPOINTS, Gates(max_error_rate=0.01))
    assert reasons == [
        "POST /api/v1/messages: error rate 0.1000 (5 of 50 calls) is over the "
        "--max-error-rate limit of 0.01"
    ]


def test_both_limits_breached_give_two_lines() -> None:
    reasons = breaches({"DecideReturn": _endpoint(10, 9.0, 10)}, Gates(1.0, 0.0))
    assert len(reasons) == 2
    assert reasons[0].startswith("DecideReturn: p99")
    assert reasons[1].startswith("DecideReturn: error rate 1.0000 (10 of 10 calls)")


def test_an_endpoint_without_calls_is_skipped_but_a_run_without_any_breaches() -> None:
    quiet = {"DetectLanguage": _endpoint(0, None), "DecideReturn": _endpoint(5, 1.0)}
    assert breaches(quiet, Gates(max_p99_ms=10.0)) == []
    assert breaches({"DecideReturn": _endpoint(0, None)}, Gates(max_error_rate=0.5)) == [
        "no calls were made, so no gate can pass"
    ]
