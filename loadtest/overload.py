"""The overload phase: for one RPC, its capacity with a few calls in flight, then what the
service does when far more calls are held in flight with short deadlines, and whether it
still answers its health check afterwards.

Holding 2,000 calls in flight is cheap for an asyncio loop and not for Locust's
greenlets, so this is a grpc.aio client in its own process: `python -m loadtest.overload
--target HOST:PORT --rpc DecideReturn` prints one JSON object (progress on stderr).
`run` is the harness's side: one such process per RPC, in turn.

Each phase keeps N callers busy: N loops, each sending its next call as soon as the last
one is answered (after the delay a RESOURCE_EXHAUSTED answer's RetryInfo asks for, as a
well-behaved gRPC client waits), until the phase's time is up; calls still in flight
then are waited for (their deadline bounds the wait) and counted. A CANCELLED answered
before the call's deadline is a refusal (gRPC's own, when a worker's queue of calls not
yet started is full), not a call that gave up: a call that runs out of time ends
DEADLINE_EXCEEDED on the client's own timer. Requests are the seeded mix,
serialised once, so the client spends its time on calls rather than on protobuf.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from loadtest import health, mix
from loadtest.endpoints import OVERLOAD_RPCS, SERVICES
from loadtest.summary import percentile
from services.common.paths import REPO_ROOT

REQUESTS_PER_RPC = 64
GIVING_UP = ("DEADLINE_EXCEEDED", "CANCELLED")
REFUSED_CANCELLED = "CANCELLED_BEFORE_DEADLINE"  # refused by gRPC's queue bound
_BUILDERS: dict[str, Callable[[Any, str], Message]] = {
    "DecideReturn": mix.returns_request,
    "TriageMessage": mix.triage_request,
    "TranslateText": lambda rng, _id: mix.translate_request(rng),
}


@dataclass
class Phase:
    """What one phase saw: every call's status, and the OK answers that came back before
    the phase's time was up (with their latencies)."""

    in_flight: int
    seconds: float
    deadline: float
    statuses: Counter[str] = field(default_factory=Counter)
    ok_latencies_ms: list[float] = field(default_factory=list)
    drained_seconds: float = 0.0

    @property
    def calls(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok_per_s(self) -> float:
        return len(self.ok_latencies_ms) / self.seconds

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.ok_latencies_ms)
        return {
            "in_flight": self.in_flight,
            "seconds": self.seconds,
            "deadline_s": self.deadline,
            "calls": self.calls,
            "ok": self.statuses["OK"],
            "ok_in_window": len(ordered),
            "ok_per_s": round(self.ok_per_s, 3),
            "ok_p50_ms": round(percentile(ordered, 0.5), 3) if ordered else None,
            "ok_p99_ms": round(percentile(ordered, 0.99), 3) if ordered else None,
            "drained_seconds": round(self.drained_seconds, 3),
            "statuses": dict(sorted(self.statuses.items())),
        }


def requests_for(rpc: str, seed: int, count: int = REQUESTS_PER_RPC) -> list[bytes]:
    rng = mix.rng_for(seed, f"overload-{rpc}", 0)
    build = _BUILDERS[rpc]
    return [build(rng, f"loadtest-overload-{n}").SerializeToString() for n in range(count)]


def _channels(target: str, count: int) -> list[grpc.aio.Channel]:
    # Separate connections (not one shared subchannel), so that a service's worker
    # processes, which share the port, each get some of the calls.
    options = [("grpc.use_local_subchannel_pool", 1)]
    return [grpc.aio.insecure_channel(target, options=options) for _ in range(count)]


async def hold(
    target: str,
    method: str,
    requests: list[bytes],
    *,
    in_flight: int,
    seconds: float,
    deadline: float,
    channels: int,
) -> Phase:
    """Keep `in_flight` calls of `method` in flight for `seconds`, then let the last
    ones finish."""
    phase = Phase(in_flight, seconds, deadline)
    opened = _channels(target, channels)
    calls = [c.unary_unary(method, None, None) for c in opened]  # raw bytes
    loop = asyncio.get_running_loop()
    started = loop.time()
    stop_at = started + seconds

    async def one_slot(slot: int) -> None:
        call = calls[slot % len(calls)]
        n = slot
        while loop.time() < stop_at:
            request = requests[n % len(requests)]
            n += in_flight
            sent = loop.time()
            pause = 0.0
            try:
                await call(request, timeout=deadline)
                status = "OK"
            except grpc.aio.AioRpcError as error:
                status = error.code().name
                pause = retry_delay(error)
            answered = loop.time()
            if status == "CANCELLED" and answered - sent < deadline:
                status = REFUSED_CANCELLED
            phase.statuses[status] += 1
            if status == "OK" and answered <= stop_at:
                phase.ok_latencies_ms.append((answered - sent) * 1000)
            if pause:
                await asyncio.sleep(pause)

    try:
        await asyncio.gather(*(one_slot(slot) for slot in range(in_flight)))
    finally:
        phase.drained_seconds = max(0.0, loop.time() - stop_at)
        for channel in opened:
            await channel.close(None)
    return phase


def retry_delay(error: grpc.aio.AioRpcError) -> float:
    """The RetryInfo delay in a failed call's status details (seconds), or 0."""
    metadata: Any = error.trailing_metadata() or ()
    for key, value in metadata:
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    return float(info.retry_delay.ToNanoseconds()) / 1e9
    return 0.0


async def _warm_up(target: str, method: str, requests: list[bytes]) -> None:
    """Each request once, a few at a time, uncounted: a translation direction's first
    call starts its pipelines, which is not what capacity means."""
    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary(method, None, None)
        for start in range(0, len(requests), 8):
            batch = requests[start : start + 8]
            await asyncio.gather(*(call(r, timeout=30) for r in batch), return_exceptions=True)


def report(
    rpc: str, target: str, capacity: Phase, overload: Phase, health_status: str, health_s: float
) -> dict[str, Any]:
    """The phase's figures for one RPC: goodput under overload as a ratio of capacity, and
    how the overloaded calls ended (the five shares add up to 1)."""
    calls = overload.calls
    ok = overload.statuses["OK"]
    exhausted = overload.statuses["RESOURCE_EXHAUSTED"]
    refused = overload.statuses[REFUSED_CANCELLED]
    gave_up = sum(overload.statuses[s] for s in GIVING_UP)
    other = calls - ok - exhausted - refused - gave_up

    def share(count: int) -> float:
        return round(count / calls, 6) if calls else 0.0

    return {
        "rpc": rpc,
        "target": target,
        "capacity": capacity.to_json(),
        "overload": {
            **overload.to_json(),
            "resource_exhausted": exhausted,
            "cancelled_before_deadline": refused,
            "deadline_exceeded_or_cancelled": gave_up,
            "other": other,
        },
        "capacity_ok_per_s": round(capacity.ok_per_s, 3),
        "goodput_ok_per_s": round(overload.ok_per_s, 3),
        "goodput_ratio": round(overload.ok_per_s / capacity.ok_per_s, 4)
        if capacity.ok_per_s
        else None,
        "ok_share": share(ok),
        "resource_exhausted_share": share(exhausted),
        "cancelled_before_deadline_share": share(refused),
        "deadline_exceeded_or_cancelled_share": share(gave_up),
        "other_share": share(other),
        "health_after": health_status,
        "serving_after": health_status == "SERVING",
        "health_seconds": round(health_s, 3),
    }


async def _both_phases(args: argparse.Namespace, method: str) -> tuple[Phase, Phase]:
    requests = requests_for(args.rpc, args.seed)
    await _warm_up(args.target, method, requests)
    common = {"seconds": args.seconds, "channels": args.channels}
    print(f"overload {args.rpc}: {args.capacity_in_flight} in flight", file=sys.stderr)
    capacity = await hold(
        args.target,
        method,
        requests,
        in_flight=args.capacity_in_flight,
        deadline=args.capacity_deadline,
        **common,
    )
    print(
        f"overload {args.rpc}: {args.in_flight} in flight, {args.deadline:g} s deadlines",
        file=sys.stderr,
    )
    overload = await hold(
        args.target, method, requests, in_flight=args.in_flight, deadline=args.deadline, **common
    )
    return capacity, overload


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.overload",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", required=True, help="the service, host:port")
    parser.add_argument("--rpc", required=True, choices=sorted(OVERLOAD_RPCS))
    parser.add_argument("--seconds", type=float, default=10.0, help="each phase's length")
    parser.add_argument("--capacity-in-flight", type=int, default=32, metavar="N")
    parser.add_argument("--capacity-deadline", type=float, default=10.0, metavar="S")
    parser.add_argument("--in-flight", type=int, default=2000, metavar="N")
    parser.add_argument("--deadline", type=float, default=1.0, metavar="S")
    parser.add_argument("--channels", type=int, default=4, help="connections the calls share")
    parser.add_argument("--health-within", type=float, default=10.0, metavar="S")
    parser.add_argument("--seed", type=int, default=mix.DEFAULT_SEED)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    service = SERVICES[OVERLOAD_RPCS[args.rpc]]
    capacity, overload = asyncio.run(_both_phases(args, service.method(args.rpc)))
    status, took = health.wait_serving(args.target, service.full_name, args.health_within)
    print(json.dumps(report(args.rpc, args.target, capacity, overload, status, took)))
    return 0


@dataclass(frozen=True)
class Settings:
    seconds: float
    capacity_in_flight: int
    in_flight: int
    deadline: float
    seed: int


def run(targets: dict[str, str], settings: Settings) -> dict[str, Any]:
    """The phase for every RPC whose service is in `targets`, one process each, in turn."""
    results: dict[str, Any] = {}
    for rpc, part in OVERLOAD_RPCS.items():
        if part not in targets:
            continue
        argv = [
            *("--target", targets[part], "--rpc", rpc, "--seconds", f"{settings.seconds:g}"),
            *("--capacity-in-flight", str(settings.capacity_in_flight)),
            *("--in-flight", str(settings.in_flight), "--deadline", f"{settings.deadline:g}"),
            *("--seed", str(settings.seed)),
        ]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "loadtest.overload", *argv],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
            timeout=2 * settings.seconds + 180,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the overload client failed for {rpc} (exit {done.returncode})")
        results[rpc] = json.loads(done.stdout)
        print(f"overload {rpc}: done in {time.monotonic() - started:.1f} s", flush=True)
    return {
        "settings": {
            "seconds": settings.seconds,
            "capacity_in_flight": settings.capacity_in_flight,
            "in_flight": settings.in_flight,
            "deadline_s": settings.deadline,
        },
        "rpcs": results,
    }


def table(overload: dict[str, Any]) -> list[str]:
    s = overload["settings"]
    lines = [
        f"overload: {s['in_flight']} in flight with {s['deadline_s']:g} s deadlines for "
        f"{s['seconds']:g} s, against capacity with {s['capacity_in_flight']} in flight",
        f"{'rpc':<16} {'capacity/s':>10} {'goodput/s':>10} {'ratio':>6} {'EXHAUSTED':>10} "
        f"{'CANC early':>12} {'DEADLINE/CANC':>13} {'other':>6}  health after",
    ]
    for rpc, r in overload["rpcs"].items():
        ratio = "-" if r["goodput_ratio"] is None else f"{r['goodput_ratio']:.2f}"
        lines.append(
            f"{rpc:<16} {r['capacity_ok_per_s']:>10.1f} {r['goodput_ok_per_s']:>10.1f} "
            f"{ratio:>6} {r['resource_exhausted_share']:>10.1%} "
            f"{r['cancelled_before_deadline_share']:>12.1%} "
            f"{r['deadline_exceeded_or_cancelled_share']:>13.1%} {r['other_share']:>6.1%}  "
            f"{r['health_after']}"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
