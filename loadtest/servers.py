"""Starting what the harness drives when no deployment is given: the three services under
their supervisors (`python -m services.<name>` on free ports, started together) and the
support desk against them on a fresh store of demo data. Each one's stderr goes to
`<run>/logs/<name>.log`, which is where to look when one refuses to start."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from loadtest import health
from loadtest.endpoints import SERVICES
from services.common.paths import REPO_ROOT

START_SECONDS = 180.0  # a first start may build Apertium's helper library


def build_models() -> None:
    """The default models the services load, when absent. The harness calls it only when
    a service did not start: even with the models present it takes seconds."""
    commands = (
        ["models", "build-defaults", "--if-missing"],
        ["models.triage", "train", "--if-missing"],
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for args in commands
    ]
    for args, process in zip(commands, processes, strict=True):
        output, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"python -m {' '.join(args)} failed:\n{output}")


class NotStarted(RuntimeError):
    """A process exited (or said something else) instead of announcing its address."""


class _Child:
    """A started process whose stdout lines are read by a thread (so it never blocks on
    a full pipe) and whose stderr goes to a log file."""

    def __init__(self, name: str, module: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def first_line(self, deadline: float) -> str:
        try:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            line = ""
        if not line:
            raise NotStarted(f"{self.name} did not start{self.reason()}; its log: {self.log}")
        return line

    def reason(self) -> str:
        """The reason of a 'cannot start' log line (docs/operations.md), if any."""
        for line in reversed(self.log.read_text(errors="replace").splitlines()):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("msg") == "cannot start":
                return f" ({record.get('reason', 'no reason given')})"
        return ""

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a graceful stop

    def wait(self) -> None:
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        self.terminate()
        self.wait()


def _stop_together(children: list[_Child]) -> None:
    for child in children:
        child.terminate()
    for child in children:
        child.wait()


@contextmanager
def services(keys: list[str], workers: int, log_dir: Path) -> Iterator[dict[str, str]]:
    """Start the services named by `keys` (of SERVICES) on free ports, together; yield
    their targets once each answers SERVING; stop them (SIGTERM) at the end."""
    children: dict[str, _Child] = {}
    try:
        for key in keys:
            service = SERVICES[key]
            p = service.env_prefix
            env = {
                f"{p}PORT": "0",
                f"{p}WORKERS": str(workers),
                f"{p}METRICS_PORT": "0",
                f"{p}LOG_LEVEL": "WARNING",  # one log line per call would cost the server
            }
            children[key] = _Child(key, service.module, env, log_dir)
        deadline = time.monotonic() + START_SECONDS
        targets = {}
        for key, child in children.items():
            line = child.first_line(deadline)  # "<name>: gRPC on host:port (...)"
            if " gRPC on " not in line:
                raise NotStarted(f"{key} did not start: {line.strip()!r}; its log: {child.log}")
            address = line.split(" gRPC on ", 1)[1].split(" ", 1)[0]
            targets[key] = address.replace("0.0.0.0", "127.0.0.1")  # a HOST set to all
            status, _ = health.wait_serving(targets[key], SERVICES[key].full_name, 30.0)
            if status != "SERVING":
                raise RuntimeError(f"{key} at {targets[key]} answers {status}, not SERVING")
        yield targets
    finally:
        _stop_together(list(children.values()))


@contextmanager
def desk(targets: dict[str, str], log_dir: Path) -> Iterator[str]:
    """The support desk against `targets`, on a new SQLite store seeded with the demo
    data; yields its URL once its warm-up is done."""
    with tempfile.TemporaryDirectory(prefix="loadtest-desk-") as folder:
        env = {
            "SUPPORT_DESK_PORT": "0",
            "SUPPORT_DESK_DATABASE_URL": f"sqlite:///{Path(folder) / 'desk.db'}",
            "SUPPORT_DESK_RETURNS_TARGET": targets["returns"],
            "SUPPORT_DESK_TRIAGE_TARGET": targets["triage"],
            "SUPPORT_DESK_TRANSLATION_TARGET": targets["translation"],
            "SUPPORT_DESK_LOG_LEVEL": "WARNING",
        }
        child = _Child("desk", "frontend.support_desk", env, log_dir)
        try:
            deadline = time.monotonic() + START_SECONDS
            line = child.first_line(deadline)  # "support desk: http://host:port"
            if not line.startswith("support desk: "):
                raise RuntimeError(f"the desk did not start: {line.strip()!r}; log: {child.log}")
            url = line.split(": ", 1)[1].strip()
            while not httpx.get(f"{url}/healthz", timeout=5).json().get("warmed_up"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the desk's warm-up did not finish; log: {child.log}")
                time.sleep(0.2)
            yield url
        finally:
            child.stop()
