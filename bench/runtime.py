"""Benchmark of the shared runtime itself: what the interceptor, metrics and logging
add to an empty call, and how throughput scales with worker processes."""

from __future__ import annotations

from retail.triage.v1 import triage_pb2

from bench.grpc_load import serial_latency, throughput
from bench.servers import bare_server, supervised

METHOD = "/retail.triage.v1.TriageService/TriageMessage"


def run(quick: bool = False) -> list[str]:
    request = triage_pb2.TriageMessageRequest(tenant_id="acme", text="hello").SerializeToString()
    calls = 1000 if quick else 5000
    seconds = 1.5 if quick else 3.0
    with bare_server() as target:
        bare_latency = serial_latency(target, METHOD, request, calls)
        bare_rate = throughput(target, METHOD, request, seconds=seconds)
    with supervised("bench.empty_service", "TRIAGE_", workers=1) as target:
        one_latency = serial_latency(target, METHOD, request, calls)
        # What a caller at a realistic pace sees: the server idle 10 ms before each call.
        paced_latency = serial_latency(target, METHOD, request, calls // 10, pause=0.010)
        one_rate = throughput(target, METHOD, request, seconds=seconds)
    with supervised("bench.empty_service", "TRIAGE_", workers=2) as target:
        two_rate = throughput(target, METHOD, request, seconds=seconds)
    return [
        "runtime (empty servicer):",
        f"  bare grpc.aio, serial:            {bare_latency}",
        f"  shared runtime, 1 worker, serial: {one_latency}"
        f"  -> p50 {one_latency.p50_ms / bare_latency.p50_ms:.2f}x bare",
        f"  the same, a call 10 ms after the last answer: {paced_latency}"
        f"  -> p50 {paced_latency.p50_ms / one_latency.p50_ms:.2f}x back to back",
        f"  bare grpc.aio throughput:         {bare_rate:,.0f} calls/s",
        f"  runtime, 1 worker throughput:     {one_rate:,.0f} calls/s"
        f"  -> {one_rate / bare_rate:.2f}x bare",
        f"  runtime, 2 workers throughput:    {two_rate:,.0f} calls/s"
        f"  -> {two_rate / one_rate:.2f}x 1 worker",
    ]
