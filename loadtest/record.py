"""What the Locust process records of each call, beyond Locust's own statistics: the exact
latency (Locust rounds its percentiles into buckets) and the status, a gRPC status name
or an HTTP code. The Locust process dumps it as JSON when it quits; the harness reads it
back to write summary.json. Nothing here imports Locust."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

CONNECTION_ERROR = "CONNECTION_ERROR"  # an HTTP call that got no answer at all


class GrpcStatusError(Exception):
    """A call answered with a status other than OK. Its text is the status name alone,
    so Locust's failure table has one row per status rather than one per message."""

    def __init__(self, code: grpc.StatusCode, details: str | None) -> None:
        super().__init__(code.name)
        self.code = code
        self.details = details or ""


def status_of(request_type: str, response: Any, exception: BaseException | None) -> str:
    """The status to count for one call: the gRPC status name, or the HTTP code."""
    if request_type == "grpc":
        if exception is None:
            return "OK"
        if isinstance(exception, GrpcStatusError):
            return exception.code.name
        return type(exception).__name__  # the client itself failed
    code = getattr(response, "status_code", 0) or 0
    return str(code) if code else CONNECTION_ERROR


@dataclass
class Endpoint:
    request_type: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: int = 0


@dataclass
class Recorder:
    """Every call's latency and status, by endpoint name."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    started: float | None = None
    ended: float | None = None

    def start(self) -> None:
        self.started = time.time()

    def add(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        endpoint = self.endpoints.setdefault(name, Endpoint(request_type))
        endpoint.latencies_ms.append(round(response_time, 3))
        endpoint.statuses[status_of(request_type, response, exception)] += 1
        endpoint.failures += exception is not None
        self.ended = time.time()

    def to_json(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "ended": self.ended,
            "endpoints": {
                name: {
                    "type": e.request_type,
                    "latencies_ms": e.latencies_ms,
                    "statuses": dict(e.statuses),
                    "failures": e.failures,
                }
                for name, e in sorted(self.endpoints.items())
            },
        }

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")))
