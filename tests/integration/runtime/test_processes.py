"""The supervisor and worker processes, run for real as `python -m ...` subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from tests.integration.harness import SupervisorProcess

pytestmark = pytest.mark.slow

ENV = {"TRIAGE_PORT": "0", "TRIAGE_METRICS_PORT": "0", "TRIAGE_SHUTDOWN_GRACE_SECONDS": "10"}


# What the README recommends to clients: retry UNAVAILABLE and wait for the channel to
# be ready. A connection that sits in a worker's accept queue at the instant the
# worker is killed is reset (SO_REUSEPORT does not move it to another listener); the
# retry waits for the reconnection, which the kernel gives to a live worker.
RETRY_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [{}],
                "retryPolicy": {
                    "maxAttempts": 3,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "0.5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)


def fresh_channel(target: str, retry: bool = False) -> grpc.Channel:
    # A channel of its own (no shared subchannel) makes a new TCP connection, which
    # the kernel may hand to any worker listening on the port.
    options: list[tuple[str, Any]] = [("grpc.use_local_subchannel_pool", 1)]
    if retry:
        options += [("grpc.enable_retries", 1), ("grpc.service_config", RETRY_CONFIG)]
    return grpc.insecure_channel(target, options=options)


def test_sigterm_goes_not_serving_and_drains_in_flight_calls() -> None:
    supervisor = SupervisorProcess(["-m", "tests.integration.probe_main", "--workers", "1"], ENV)
    try:
        ready = supervisor.wait_for("ready")
        target = f"127.0.0.1:{ready['port']}"
        with fresh_channel(target) as channel, ThreadPoolExecutor(1) as pool:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""))
            statuses: list[Any] = []

            def follow() -> None:
                # The stream ends with UNAVAILABLE when the server finally stops.
                with contextlib.suppress(grpc.RpcError):
                    statuses.extend(reply.status for reply in watch)

            watcher = threading.Thread(target=follow)
            watcher.start()
            stub = triage_pb2_grpc.TriageServiceStub(channel)
            in_flight = pool.submit(
                stub.TriageMessage, triage_pb2.TriageMessageRequest(text="sleep:2")
            )
            time.sleep(0.5)  # the slow call is running in the worker
            supervisor.process.send_signal(signal.SIGTERM)
            supervisor.wait_for("shutting down", timeout=10)
            # The in-flight call finishes normally during the grace period.
            assert in_flight.result(15).triage is not None
            watcher.join(15)
            # Watch saw SERVING first, then NOT_SERVING once SIGTERM arrived.
            assert statuses[:2] == [
                health_pb2.HealthCheckResponse.SERVING,
                health_pb2.HealthCheckResponse.NOT_SERVING,
            ]
            # And no new call is accepted after the drain.
            with pytest.raises(grpc.RpcError):
                stub.TriageMessage(triage_pb2.TriageMessageRequest(text="ok"), timeout=2)
        assert supervisor.process.wait(20) == 0
        supervisor.wait_for("stopped", timeout=5)
    finally:
        supervisor.stop()


def test_killed_worker_is_replaced_while_the_others_keep_serving() -> None:
    supervisor = SupervisorProcess(["-m", "tests.integration.probe_main", "--workers", "2"], ENV)
    try:
        ready = supervisor.wait_for("ready")
        target = f"127.0.0.1:{ready['port']}"
        victim, survivor = ready["workers"]
        stop_calling = threading.Event()
        outcomes: list[str] = []

        def keep_calling() -> None:
            while not stop_calling.is_set():
                with fresh_channel(target, retry=True) as channel:
                    try:
                        reply = health_pb2_grpc.HealthStub(channel).Check(
                            health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True
                        )
                        outcomes.append(
                            health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
                        )
                    except grpc.RpcError as error:
                        outcomes.append(f"{error.code()}: {error.details()}")

        caller = threading.Thread(target=keep_calling)
        caller.start()
        time.sleep(0.3)
        mark = len(supervisor.lines)
        os.kill(victim, signal.SIGKILL)
        exited = supervisor.wait_for("worker exited", after=mark, timeout=10)
        restarted = supervisor.wait_for("worker restarted", after=mark, timeout=60)
        time.sleep(0.3)
        stop_calling.set()
        caller.join(10)
        assert exited["pid"] == victim
        assert restarted["ready"] is True
        new_pid = restarted["pid"]
        assert new_pid not in (victim, survivor)
        os.kill(new_pid, 0)  # the replacement is alive
        os.kill(survivor, 0)  # and the survivor was never touched
        # Every call made on a fresh connection while the worker died and came back
        # was answered: the kernel only hands connections to live listeners.
        assert outcomes
        assert set(outcomes) == {"SERVING"}, outcomes
    finally:
        supervisor.stop()


def test_second_copy_on_a_taken_port_fails_instead_of_sharing_it() -> None:
    first = SupervisorProcess(["-m", "tests.integration.probe_main", "--workers", "1"], ENV)
    try:
        port = first.wait_for("ready")["port"]
        second = SupervisorProcess(
            ["-m", "tests.integration.probe_main", "--workers", "1", "--port", str(port)], ENV
        )
        try:
            assert second.process.wait(30) == 2
            error = second.wait_for("cannot bind the gRPC address", timeout=5)
            assert error["address"] == f"127.0.0.1:{port}"
        finally:
            second.stop()
    finally:
        first.stop()
