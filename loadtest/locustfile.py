"""Locust users of the load harness: one class per part driven (the three gRPC services and
the support desk's JSON API), each sending its seeded mix (loadtest/mix.py).

Only ever run by Locust in its own process (`python -m loadtest` starts it): importing
locust patches the standard library with gevent, so nothing else may import this module.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import grpc
import grpc.experimental.gevent as grpc_gevent  # type: ignore[import-not-found]  # no stub
from google.protobuf.message import Message
from locust import HttpUser, User, constant, constant_throughput, task
from locust import events as locust_events
from locust.stats import CSV_STATS_INTERVAL_SEC
from retail.returns_decision.v1 import returns_decision_pb2_grpc
from retail.translation.v1 import translation_pb2_grpc
from retail.triage.v1 import triage_pb2_grpc

from loadtest import mix
from loadtest.endpoints import DESK_ENDPOINT
from loadtest.locust_run import UserConfig
from loadtest.record import GrpcStatusError, Recorder

# gRPC must be told to cooperate with gevent before any channel exists (channels are made
# in on_start); Locust patched the standard library before loading this file.
grpc_gevent.init_gevent()

CONFIG = UserConfig.from_env()
RECORDER = Recorder()
EVENTS: Any = locust_events  # Locust's event hooks have no type annotations


def _started(**_: Any) -> None:
    RECORDER.start()


def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    RECORDER.add(request_type, name, response_time, response, exception)


def _dump(**_: Any) -> None:
    if CONFIG.calls_file:
        RECORDER.dump(Path(CONFIG.calls_file))
    # Locust writes its CSV files once a second and not again when it quits, so they
    # would miss the run's last second; this (gevent's) sleep lets its writer run once more.
    time.sleep(CSV_STATS_INTERVAL_SEC + 0.2)


EVENTS.test_start.add_listener(_started)
EVENTS.request.add_listener(_record)
EVENTS.quitting.add_listener(_dump)


def _wait_time() -> Callable[[User], float]:
    """Each user's pace: `--rate` shared out among the users, else back to back."""
    if CONFIG.user_rate:
        return constant_throughput(CONFIG.user_rate)
    return constant(0)


class _GrpcUser(User):
    """A user with its own channel to one service, reporting each call to Locust."""

    abstract = True
    wait_time = _wait_time()
    part: ClassVar[str]
    indexes: ClassVar[Iterator[int]]

    def on_start(self) -> None:
        self.index = next(self.indexes)
        self.rng = mix.rng_for(CONFIG.seed, self.part, self.index)
        self.calls = itertools.count()
        self.channel = grpc.insecure_channel(CONFIG.targets[self.part])

    def on_stop(self) -> None:
        self.channel.close()

    def request_id(self) -> str:
        return f"loadtest-{self.part}-{self.index}-{next(self.calls)}"

    def call(self, name: str, method: Callable[..., Message], request: Message) -> None:
        started = time.perf_counter()
        response: Message | None = None
        exception: GrpcStatusError | None = None
        try:
            response = method(request, timeout=CONFIG.timeout)
        except grpc.RpcError as error:
            exception = GrpcStatusError(error.code(), error.details())
        EVENTS.request.fire(
            request_type="grpc",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=response.ByteSize() if response is not None else 0,
            response=response,
            exception=exception,
            context={},
        )


class ReturnsUser(_GrpcUser):
    part = "returns"
    indexes = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        self.stub = returns_decision_pb2_grpc.ReturnsDecisionServiceStub(self.channel)

    @task
    def decide_return(self) -> None:
        request = mix.returns_request(self.rng, self.request_id())
        self.call("DecideReturn", self.stub.DecideReturn, request)


class TriageUser(_GrpcUser):
    part = "triage"
    indexes = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        self.stub = triage_pb2_grpc.TriageServiceStub(self.channel)

    @task
    def triage_message(self) -> None:
        request = mix.triage_request(self.rng, self.request_id())
        self.call("TriageMessage", self.stub.TriageMessage, request)


class TranslationUser(_GrpcUser):
    part = "translation"
    indexes = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        self.stub = translation_pb2_grpc.TranslationServiceStub(self.channel)

    @task
    def translate_or_detect(self) -> None:
        # Chosen by the user's own generator, not Locust's task weights, so that the
        # sequence of calls follows from the seed.
        if self.rng.random() < 0.7:
            self.call("TranslateText", self.stub.TranslateText, mix.translate_request(self.rng))
        else:
            self.call("DetectLanguage", self.stub.DetectLanguage, mix.detect_request(self.rng))


class DeskUser(HttpUser):
    """A customer writing to the support desk: each message a new conversation."""

    host = CONFIG.targets.get("desk")
    wait_time = _wait_time()
    indexes: ClassVar[Iterator[int]] = itertools.count()

    def on_start(self) -> None:
        self.rng = mix.rng_for(CONFIG.seed, "desk", next(self.indexes))

    @task
    def post_message(self) -> None:
        self.client.post(
            mix.DESK_PATH,
            json=mix.desk_message(self.rng),
            name=DESK_ENDPOINT,
            timeout=CONFIG.timeout,
        )
