"""Starting servers for benchmarks: a service under its real supervisor, and the
baselines it is compared with (an empty servicer on the same runtime, and the same
empty servicer on a bare grpc.aio server with no interceptor)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from services.common.paths import REPO_ROOT

REPO = REPO_ROOT
_METRICS: dict[str, str] = {}  # gRPC target -> metrics URL, of the servers started here


def handling_seconds(target: str, method: str) -> tuple[float, int]:
    """The server's own `grpc_server_handling_seconds` (sum, count) for one method so far:
    the time from a call's arrival in the interceptor to its answer, without the client
    and the transport."""
    url = _METRICS[target]
    text = urllib.request.urlopen(url, timeout=5).read().decode()  # noqa: S310 - local URL
    total, count = 0.0, 0
    for line in text.splitlines():
        if f'grpc_method="{method}"' not in line:
            continue
        if line.startswith("grpc_server_handling_seconds_sum"):
            total += float(line.rsplit(" ", 1)[1])
        elif line.startswith("grpc_server_handling_seconds_count"):
            count += int(float(line.rsplit(" ", 1)[1]))
    return total, count


@contextmanager
def supervised(
    module: str, env_prefix: str, workers: int, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run `python -m <module>` with N workers on a free port; yield its target."""
    env = {
        **os.environ,
        f"{env_prefix}PORT": "0",
        f"{env_prefix}WORKERS": str(workers),
        f"{env_prefix}METRICS_PORT": "0",
        f"{env_prefix}LOG_LEVEL": "WARNING",  # one log line per call would dominate
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "<name>: gRPC on host:port (...)"
        if " gRPC on " not in line:
            raise RuntimeError(f"{module} did not start: {line!r}")
        address = line.split(" gRPC on ", 1)[1].split(" ", 1)[0]
        _METRICS[address] = line.rsplit(" metrics on ", 1)[-1].strip()
        yield address
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def bare_server() -> Iterator[str]:
    """The empty servicer on a plain grpc.aio server: no interceptor, no runtime."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.empty_service", "--bare"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = json.loads(process.stdout.readline())["port"]
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
