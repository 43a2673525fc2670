"""Running a real server in a background thread's event loop, so tests can call it
with ordinary blocking stubs, and running a supervisor as a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import IO, Any

from services.common.paths import REPO_ROOT
from services.common.server import ServiceServer, ServiceSpec, create_server
from services.common.settings import ServiceSettings

REPO = REPO_ROOT


class ServerThread:
    """A started server whose event loop runs in a daemon thread."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.server, self.port = self.run(create_server(spec, settings))

    def run(self, coroutine: Any, timeout: float = 60.0) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> ServiceServer:
        server: ServiceServer = self.server
        return server

    def metrics(self) -> str:
        """The server's Prometheus /metrics page."""
        port = self.running.metrics_port
        assert port, "the server was started without a metrics port"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            text: str = reply.read().decode()
        return text

    def stop(self, grace: float = 0.0) -> None:
        self.run(self.server.shutdown(grace))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@contextmanager
def serving(spec: ServiceSpec, settings: ServiceSettings) -> Iterator[ServerThread]:
    thread = ServerThread(spec, settings)
    try:
        yield thread
    finally:
        thread.stop()


class SupervisorProcess:
    """`python -m <module>` as a subprocess, its JSON log lines collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._lock = threading.Lock()
        stream: IO[str] | None = self.process.stderr
        assert stream is not None
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._lock:
                self.raw.append(line)
                try:
                    self.lines.append(json.loads(line))
                except ValueError:
                    continue

    def wait_for(self, msg: str, timeout: float = 60.0, after: int = 0) -> dict[str, Any]:
        """The first log line with this `msg` at or after index `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self.lines[after:]:
                    if line.get("msg") == msg:
                        return line
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {msg!r} log line; stderr so far:\n{''.join(self.raw)[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
        if self.process.stderr is not None:
            self.process.stderr.close()
