"""Load generation against a running gRPC server, for `make bench`.

Requests go as pre-serialised bytes through a raw unary call, so the client's own
protobuf work is the same whatever the service, and figures compare servers only.
Throughput runs its clients in separate processes so that they do not share a GIL
with each other or with the bench process.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p90_ms: float
    p99_ms: float
    calls: int

    def __str__(self) -> str:
        return f"p50 {self.p50_ms:.3f} ms, p90 {self.p90_ms:.3f} ms, p99 {self.p99_ms:.3f} ms"


def serial_latency(
    target: str, method: str, request: bytes, calls: int, warmup: int = 200, pause: float = 0.0
) -> Latency:
    """One call at a time over one channel: the latency a lone caller sees, calling back
    to back or `pause` seconds after each answer (the server idle in between)."""
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary(method, None, None)
        for _ in range(warmup):
            call(request, timeout=5)
        samples = []
        for _ in range(calls):
            if pause:
                time.sleep(pause)
            started = time.perf_counter()
            call(request, timeout=5)
            samples.append(time.perf_counter() - started)
    quantiles = statistics.quantiles(samples, n=100)
    return Latency(quantiles[49] * 1e3, quantiles[89] * 1e3, quantiles[98] * 1e3, calls)


def native_serial_latency(
    client: Path, target: str, method: str, request: bytes, calls: int, warmup: int = 200
) -> Latency:
    """`serial_latency` from the native client (bench/native/unary_client.cc): the same
    calls without the Python client's own CPU time in them."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as body:
        body.write(request)
        body.flush()
        done = subprocess.run(
            [str(client), target, method, body.name, str(calls), str(warmup)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{client.name} failed: {done.stderr.strip()}")
    figures = json.loads(done.stdout)
    return Latency(figures["p50_ms"], figures["p90_ms"], figures["p99_ms"], figures["calls"])


async def _drive(target: str, method: str, request: bytes, concurrency: int, seconds: float) -> int:
    # One channel per process with `concurrency` calls in flight on it; separate
    # processes open separate connections, which SO_REUSEPORT spreads over workers.
    options = [("grpc.use_local_subchannel_pool", 1)]
    async with grpc.aio.insecure_channel(target, options=options) as channel:
        call = channel.unary_unary(method, None, None)
        await call(request, timeout=5)
        done = 0
        stop_at = time.perf_counter() + seconds

        async def loop() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await call(request, timeout=5)
                done += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return done


def _client_process(args: tuple[str, str, bytes, int, float]) -> int:
    return asyncio.run(_drive(*args))


def throughput(
    target: str,
    method: str,
    request: bytes,
    *,
    clients: int = 2,
    concurrency: int = 16,
    seconds: float = 3.0,
) -> float:
    """Calls per second completed by `clients` processes with `concurrency` calls each
    in flight."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(clients) as pool:
        # Each client times its own loop, so process start-up is not counted.
        counts = pool.map(
            _client_process, [(target, method, request, concurrency, seconds)] * clients
        )
    return sum(counts) / seconds
