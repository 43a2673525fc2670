"""The overload phase's figures for one RPC (loadtest/overload.py `report`), from phases
built by hand."""

from __future__ import annotations

from collections import Counter

import grpc
import grpc.aio
import pytest

from loadtest.overload import Phase, report, requests_for, retry_delay, table


def _phase(in_flight: int, seconds: float, statuses: dict[str, int], ok_in_window: int) -> Phase:
    phase = Phase(in_flight, seconds, deadline=1.0, statuses=Counter(statuses))
    phase.ok_latencies_ms = [float(n + 1) for n in range(ok_in_window)]
    return phase


def test_goodput_is_a_ratio_of_capacity_and_the_shares_add_up() -> None:
    capacity = _phase(32, 2.0, {"OK": 400}, ok_in_window=400)  # 200 OK/s
    overload = _phase(
        2000,
        2.0,
        {
            "OK": 120,
            "RESOURCE_EXHAUSTED": 600,
            "DEADLINE_EXCEEDED": 250,
            "CANCELLED": 20,
            "CANCELLED_BEFORE_DEADLINE": 50,
            "UNAVAILABLE": 10,
        },
        ok_in_window=100,  # 20 more came back during the drain
    )
    r = report("DecideReturn", "127.0.0.1:1", capacity, overload, "SERVING", 0.01)
    assert r["capacity_ok_per_s"] == 200.0
    assert r["goodput_ok_per_s"] == 50.0
    assert r["goodput_ratio"] == 0.25
    assert r["overload"]["cancelled_before_deadline"] == 50
    assert r["overload"]["calls"] == 1050
    assert r["overload"]["ok"] == 120
    assert r["overload"]["resource_exhausted"] == 600
    assert r["overload"]["deadline_exceeded_or_cancelled"] == 270
    assert r["overload"]["other"] == 10
    assert r["resource_exhausted_share"] == round(600 / 1050, 6)
    assert r["cancelled_before_deadline_share"] == round(50 / 1050, 6)
    assert r["deadline_exceeded_or_cancelled_share"] == round(270 / 1050, 6)
    shares = (
        "ok_share",
        "resource_exhausted_share",
        "cancelled_before_deadline_share",
        "deadline_exceeded_or_cancelled_share",
        "other_share",
    )
    assert sum(r[s] for s in shares) == pytest.approx(1.0, abs=1e-5)
    assert r["serving_after"] is True
    assert r["overload"]["ok_p50_ms"] == 50.0


def test_a_service_that_answered_nothing_has_no_ratio_and_is_not_serving() -> None:
    nothing = _phase(32, 2.0, {"UNAVAILABLE": 5}, ok_in_window=0)
    r = report("TriageMessage", "127.0.0.1:1", nothing, nothing, "UNAVAILABLE", 10.0)
    assert r["goodput_ratio"] is None
    assert r["other_share"] == 1.0
    assert r["serving_after"] is False
    assert r["capacity"]["ok_p50_ms"] is None


def test_the_table_has_a_line_per_rpc() -> None:
    capacity = _phase(32, 1.0, {"OK": 10}, 10)
    overload = _phase(100, 1.0, {"OK": 5, "RESOURCE_EXHAUSTED": 5}, 5)
    phase = {
        "settings": {"seconds": 1.0, "capacity_in_flight": 32, "in_flight": 100, "deadline_s": 1.0},
        "rpcs": {"TranslateText": report("TranslateText", "t", capacity, overload, "SERVING", 0)},
    }
    lines = table(phase)
    assert lines[0].startswith("overload: 100 in flight with 1 s deadlines for 1 s")
    assert lines[2].split() == [
        "TranslateText", "10.0", "5.0", "0.50", "50.0%", "0.0%", "0.0%", "0.0%", "SERVING",
    ]  # fmt: skip


def test_a_retry_delay_is_read_from_the_status_details() -> None:
    # The delay the services put in RESOURCE_EXHAUSTED (google.rpc.RetryInfo).
    from google.protobuf import any_pb2, duration_pb2
    from google.rpc import error_details_pb2, status_pb2

    packed = any_pb2.Any()
    packed.Pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=50_000_000)))
    details = status_pb2.Status(code=8, message="busy", details=[packed]).SerializeToString()
    error = grpc.aio.AioRpcError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(("grpc-status-details-bin", details)),
        "busy",
        None,
    )
    assert retry_delay(error) == 0.05
    plain = grpc.aio.AioRpcError(
        grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.aio.Metadata(), grpc.aio.Metadata(), "busy", None
    )
    assert retry_delay(plain) == 0.0


def test_the_overload_requests_are_seeded() -> None:
    for rpc in ("DecideReturn", "TriageMessage", "TranslateText"):
        assert requests_for(rpc, 3, 8) == requests_for(rpc, 3, 8)
        assert requests_for(rpc, 3, 8) != requests_for(rpc, 4, 8)
