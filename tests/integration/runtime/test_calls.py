"""The shared runtime's per-call behaviour, through a real in-process server on port 0."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.logs import JsonFormatter
from services.common.status import INTERNAL_MESSAGE
from services.triage.settings import TriageSettings
from tests.integration import probe
from tests.integration.harness import ServerThread, serving

METHOD = "/retail.triage.v1.TriageService/TriageMessage"


def settings(**overrides: Any) -> TriageSettings:
    return TriageSettings(port=0, metrics_port=0, workers=1, **overrides)


@pytest.fixture
def server() -> Iterator[ServerThread]:
    probe.STATE = probe.ProbeState()
    with serving(probe.SPEC, settings()) as thread:
        yield thread


@pytest.fixture
def stub(server: ServerThread) -> Iterator[triage_pb2_grpc.TriageServiceStub]:
    with grpc.insecure_channel(server.target) as channel:
        yield triage_pb2_grpc.TriageServiceStub(channel)


def message(text: str, **fields: Any) -> triage_pb2.TriageMessageRequest:
    return triage_pb2.TriageMessageRequest(text=text, **fields)


def test_ok_call_answers_and_returns_request_id(stub: triage_pb2_grpc.TriageServiceStub) -> None:
    response, call = stub.TriageMessage.with_call(message("ok", request_id="req-1"))
    assert response.triage.request_id == "req-1"
    assert ("x-request-id", "req-1") in call.trailing_metadata()


def test_domain_error_arrives_with_code_error_info_and_field_violations(
    stub: triage_pb2_grpc.TriageServiceStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.TriageMessage(message("invalid"))
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "the message is not valid"
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info)
    assert status.details[1].Unpack(bad_request)
    assert info.reason == "PROBE_INVALID"
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("text", "must not be the word 'invalid'")
    ]


def test_unexpected_error_is_internal_without_its_text(
    stub: triage_pb2_grpc.TriageServiceStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.TriageMessage(message("boom secret-token-123"))
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == INTERNAL_MESSAGE
    assert "secret-token-123" not in error.details()
    assert "secret-token-123" not in str(error.trailing_metadata())


def test_undecodable_request_bytes_are_invalid_argument_with_a_plain_message(
    server: ServerThread,
) -> None:
    with grpc.insecure_channel(server.target) as channel:
        raw_call = channel.unary_unary(METHOD, None, None)  # no serializer: raw bytes
        with pytest.raises(grpc.RpcError) as caught:
            raw_call(b"\xff\xff\xff\xff not a protobuf")
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == (
        "the request bytes could not be decoded as this method's request message"
    )
    status = rpc_status.from_call(error)
    info = error_details_pb2.ErrorInfo()
    assert status is not None
    assert status.details[0].Unpack(info)
    assert info.reason == "UNDECODABLE_REQUEST"


def test_expired_deadline_stops_the_work(server: ServerThread) -> None:
    with grpc.insecure_channel(server.target) as channel:
        stub = triage_pb2_grpc.TriageServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.TriageMessage(message("sleep:3"), timeout=0.3)
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # The server-side handler was cancelled, not left running to completion.
    assert probe.STATE.cancelled.wait(2.0)
    assert not probe.STATE.completed_slow.is_set()


def test_concurrency_limit_answers_resource_exhausted() -> None:
    probe.STATE = probe.ProbeState()
    with (
        serving(probe.SPEC, settings(max_concurrent_rpcs=2)) as server,
        grpc.insecure_channel(server.target) as channel,
        ThreadPoolExecutor(2) as pool,
    ):
        stub = triage_pb2_grpc.TriageServiceStub(channel)
        slow = [pool.submit(stub.TriageMessage, message("sleep:1.5")) for _ in range(2)]
        _wait_in_flight(server, 2)
        with pytest.raises(grpc.RpcError) as caught:
            stub.TriageMessage(message("ok"))
        error: Any = caught.value
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        status = rpc_status.from_call(error)
        assert status is not None
        info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
        assert status.details[0].Unpack(info)
        assert info.reason == "CONCURRENCY_LIMIT"
        assert status.details[1].Unpack(retry)
        assert retry.retry_delay.ToMilliseconds() == 50  # retry_after_seconds' default
        assert all(f.result(10).triage is not None for f in slow)
        # Capacity frees up again once the slow calls are done.
        assert stub.TriageMessage(message("ok"), timeout=5).triage is not None


def test_calls_past_the_grpc_queue_bound_are_refused_at_once() -> None:
    # Handlers that hold the event loop (as a synchronous decision does) leave the calls
    # waiting in gRPC's queue: past twice max_pending_calls, gRPC refuses the rest at
    # once (CANCELLED) instead of letting them wait out their deadline.
    calls = 60
    with (
        serving(probe.SPEC, settings(max_pending_calls=2)) as server,
        grpc.insecure_channel(server.target) as channel,
        ThreadPoolExecutor(calls) as pool,
    ):
        stub = triage_pb2_grpc.TriageServiceStub(channel)

        def one(_: int) -> grpc.StatusCode:
            try:
                stub.TriageMessage(message("busy:0.05"), timeout=30)
            except grpc.RpcError as error:
                code: grpc.StatusCode = error.code()
                return code
            return grpc.StatusCode.OK

        codes = list(pool.map(one, range(calls)))
        assert codes.count(grpc.StatusCode.CANCELLED) > 0, codes
        assert codes.count(grpc.StatusCode.OK) > 0, codes
        # No call waited out its 30 s deadline: each was answered or refused.
        assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.CANCELLED}, codes
        assert stub.TriageMessage(message("ok"), timeout=5).triage is not None


def test_connections_are_closed_after_their_age_and_calls_carry_on() -> None:
    # Clients reconnect (and resolve the name again, reaching new replicas) while
    # every call still succeeds.
    with (
        serving(probe.SPEC, settings(max_connection_age_seconds=0.3)) as server,
        grpc.insecure_channel(server.target) as channel,
    ):
        stub = triage_pb2_grpc.TriageServiceStub(channel)
        peers = set()
        for _ in range(8):
            peers.add(stub.TriageMessage(message("peer"), timeout=5).triage.request_id)
            threading.Event().wait(0.2)
        assert len(peers) >= 2, peers  # the client came back from another local port


def _wait_in_flight(server: ServerThread, count: int) -> None:
    gauge = server.running.metrics.in_flight.labels(
        "retail.triage.v1.TriageService", "TriageMessage"
    )
    event = threading.Event()
    for _ in range(200):
        if gauge._value.get() >= count:
            return
        event.wait(0.02)
    raise AssertionError("calls never got in flight")


def test_metrics_count_calls_by_method_and_status(
    server: ServerThread, stub: triage_pb2_grpc.TriageServiceStub
) -> None:
    stub.TriageMessage(message("ok"))
    stub.TriageMessage(message("ok"))
    with pytest.raises(grpc.RpcError):
        stub.TriageMessage(message("invalid"))
    text = server.metrics()

    def sample(code: str) -> float:
        pattern = (
            r'grpc_server_handled_total\{grpc_code="' + code + r'",grpc_method="TriageMessage",'
            r'grpc_service="retail.triage.v1.TriageService"\} (\S+)'
        )
        found = re.search(pattern, text)
        assert found, text
        return float(found.group(1))

    assert sample("OK") == 2.0
    assert sample("INVALID_ARGUMENT") == 1.0
    assert re.search(
        r'grpc_server_handling_seconds_count\{grpc_method="TriageMessage",'
        r'grpc_service="retail.triage.v1.TriageService"\} 3.0',
        text,
    )
    assert "grpc_server_in_flight" in text


def test_logs_one_json_line_per_call_without_email_or_phone(
    stub: triage_pb2_grpc.TriageServiceStub,
) -> None:
    email, phone = "jane.doe@example.com", "+44 20 7946 0958"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter("probe"))
    calls_log = logging.getLogger("services.calls")
    calls_log.addHandler(handler)
    calls_log.setLevel(logging.INFO)
    try:
        stub.TriageMessage(
            message(f"write to {email} or call {phone}", request_id=email, tenant_id=phone)
        )
        with pytest.raises(grpc.RpcError):
            stub.TriageMessage(message(f"boom {email} {phone}", request_id=phone))
    finally:
        calls_log.removeHandler(handler)
    output = buffer.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    calls = [line for line in lines if line["msg"] == "call"]
    assert [c["status"] for c in calls] == ["OK", "INTERNAL"]
    assert all(c["method"] == "TriageMessage" and c["latency_ms"] >= 0 for c in calls)
    assert calls[0]["request_id"].startswith("sha256:")  # correlatable, not readable
    for secret in (email, phone, "jane.doe", "7946"):
        assert secret not in output
