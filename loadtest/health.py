"""grpc.health.v1 checks: waiting for a started service, and asking an overloaded one
whether it still answers SERVING."""

from __future__ import annotations

import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(target: str, service: str, timeout: float = 2.0) -> str:
    """The status a Check for `service` answers (e.g. SERVING), or the call's gRPC
    status name when it fails (e.g. DEADLINE_EXCEEDED, UNAVAILABLE)."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as error:
            return error.code().name
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def wait_serving(target: str, service: str, within: float) -> tuple[str, float]:
    """Check until the answer is SERVING or `within` seconds have passed; the last answer
    and the seconds it took."""
    started = time.monotonic()
    while True:
        left = within - (time.monotonic() - started)
        status = check(target, service, timeout=max(0.1, min(2.0, left)))
        if status == "SERVING" or time.monotonic() - started >= within:
            return status, time.monotonic() - started
        time.sleep(0.2)
