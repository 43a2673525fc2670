"""What the Locust process records of each call (loadtest/record.py), tested without
Locust: the module must never need it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import grpc

from loadtest.record import CONNECTION_ERROR, GrpcStatusError, Recorder, status_of


def test_grpc_statuses_are_named() -> None:
    assert status_of("grpc", object(), None) == "OK"
    error = GrpcStatusError(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many calls")
    assert status_of("grpc", None, error) == "RESOURCE_EXHAUSTED"
    assert str(error) == "RESOURCE_EXHAUSTED"  # one row per status in Locust's failures
    assert error.details == "too many calls"
    assert status_of("grpc", None, ValueError("client bug")) == "ValueError"


def test_http_calls_are_counted_by_code() -> None:
    assert status_of("POST", SimpleNamespace(status_code=200), None) == "200"
    assert status_of("POST", SimpleNamespace(status_code=503), RuntimeError()) == "503"
    # Locust's HTTP client reports a call that got no answer with status code 0.
    assert status_of("POST", SimpleNamespace(status_code=0), OSError()) == CONNECTION_ERROR
    assert status_of("POST", None, OSError()) == CONNECTION_ERROR


def test_the_recorder_keeps_every_latency_status_and_failure(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.start()
    recorder.add("grpc", "DecideReturn", 1.23456)
    recorder.add(
        "grpc",
        "DecideReturn",
        9.0,
        exception=GrpcStatusError(grpc.StatusCode.UNAVAILABLE, None),
    )
    recorder.add("POST", "POST /api/v1/messages", 40.0, SimpleNamespace(status_code=200))
    path = tmp_path / "calls.json"
    recorder.dump(path)
    data = json.loads(path.read_text())
    assert data["started"] <= data["ended"]
    assert data["endpoints"] == {
        "DecideReturn": {
            "type": "grpc",
            "latencies_ms": [1.235, 9.0],
            "statuses": {"OK": 1, "UNAVAILABLE": 1},
            "failures": 1,
        },
        "POST /api/v1/messages": {
            "type": "POST",
            "latencies_ms": [40.0],
            "statuses": {"200": 1},
            "failures": 0,
        },
    }
