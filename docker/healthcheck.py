"""Container health probe: `python healthcheck.py HOST:PORT [SERVICE]`.

Calls grpc.health.v1.Health/Check (no API key needed) and exits 0 when the answer is
SERVING, 1 otherwise. SERVICE defaults to "" (the whole server). Plaintext only: with
TLS on, probe through your orchestrator's TLS-capable check instead.
"""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    target, service = argv[0], argv[1] if len(argv) == 2 else ""
    try:
        with grpc.insecure_channel(target) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=3.0
            )
    except grpc.RpcError as error:
        print(f"{target}: {error.code().name} {error.details()}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{target} {service or '(server)'}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
