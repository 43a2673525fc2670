"""`python -m frontend.support_desk.run` (make run): the three services and the desk.

Starts `python -m services.run_all` as a subprocess, waits until each service answers
its gRPC health check, then serves the desk and prints its URL. Ctrl-C or SIGTERM stops
the desk (in-flight requests finish) and then the services, gracefully; if the services
exit, the desk stops too.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from frontend.support_desk.logs import configure_logging
from frontend.support_desk.server import bind, make_server, url
from frontend.support_desk.settings import DeskSettings
from frontend.support_desk.upstream.clients import SERVICE_NAMES

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 300.0
TARGET_SETTINGS = {
    "returns_decision": "returns_target",
    "triage": "triage_target",
    "translation": "translation_target",
}


def _lines(stream: object) -> Iterator[str]:
    yield from stream  # type: ignore[misc]


def start_services() -> tuple[subprocess.Popen[str], dict[str, str]]:
    """run_all as a subprocess; its services' addresses from the lines it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "services.run_all"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def forward() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.put(line)

    threading.Thread(target=forward, daemon=True).start()
    targets: dict[str, str] = {}
    deadline = time.monotonic() + START_SECONDS
    while len(targets) < len(SERVICE_NAMES):
        if process.poll() is not None:
            raise RuntimeError(f"the services exited with code {process.returncode}")
        try:
            line = lines.get(timeout=max(0.1, min(1.0, deadline - time.monotonic())))
        except queue.Empty:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {sorted(targets)} started in {START_SECONDS:.0f} s"
                ) from None
            continue
        name, found, rest = line.partition(": gRPC on ")
        if found and name in SERVICE_NAMES:
            targets[name] = rest.split(" ", 1)[0].replace("0.0.0.0", "127.0.0.1")
    return process, targets


def wait_healthy(targets: dict[str, str], timeout: float = 60.0) -> None:
    """Until every service answers SERVING to grpc.health.v1."""
    deadline = time.monotonic() + timeout
    for name, target in targets.items():
        with grpc.insecure_channel(target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                try:
                    reply = stub.Check(
                        health_pb2.HealthCheckRequest(service=SERVICE_NAMES[name]), timeout=2
                    )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} at {target} is not healthy")
                time.sleep(0.2)


def stop_services(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m frontend.support_desk.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="address the desk listens on")
    parser.add_argument("--port", type=int, help="the desk's HTTP port (0: any free port)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    settings = DeskSettings(**overrides)
    configure_logging(settings.log_level)
    sock = bind(settings.host, settings.port)  # taken first: a busy port fails fast
    stopping = threading.Event()

    def early_stop(_signum: int, _frame: object) -> None:
        stopping.set()

    # Kept for the whole run: uvicorn takes SIGINT and SIGTERM while it serves and hands
    # them on to these handlers when it has stopped, which must not kill the process
    # before the services are stopped.
    signal.signal(signal.SIGTERM, early_stop)
    signal.signal(signal.SIGINT, early_stop)
    try:
        process, targets = start_services()
    except RuntimeError as error:
        print(f"support desk: {error}", file=sys.stderr)
        return 1
    try:
        wait_healthy(targets)
        if stopping.is_set():
            return stop_services(process)
        settings = settings.model_copy(
            update={TARGET_SETTINGS[name]: target for name, target in targets.items()}
        )
        server = make_server(settings, sock, f"support desk: {url(sock, settings.host)}")

        def watch() -> None:  # the services died: stop the desk too
            process.wait()
            server.should_exit = True

        threading.Thread(target=watch, daemon=True).start()
        server.run(sockets=[sock])  # uvicorn handles SIGINT and SIGTERM from here
    finally:
        code = stop_services(process)
    return 0 if code == 0 else code


if __name__ == "__main__":
    raise SystemExit(main())
