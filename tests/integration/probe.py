"""A probe implementation of TriageService that exercises the shared runtime.

The message text says what the probe does, so a test drives every runtime path
(domain errors, unexpected errors, slow calls, cancellation) through the real
generated stubs. It is not the triage service: it only serves runtime tests.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.errors import FieldViolation, InvalidArgument, Unimplemented
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceSpec
from services.common.settings import ServiceSettings
from services.triage.settings import TriageSettings


class ProbeState:
    """What the probe saw, for tests to assert on (shared across the server thread)."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.completed_slow = threading.Event()


STATE = ProbeState()


class ProbeServicer(triage_pb2_grpc.TriageServiceServicer):
    def __init__(self, state: ProbeState) -> None:
        self.state = state

    async def TriageMessage(
        self, request: triage_pb2.TriageMessageRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> triage_pb2.TriageMessageResponse:
        text = request.text
        if text.startswith("sleep:"):
            try:
                await asyncio.sleep(float(text.removeprefix("sleep:")))
            except asyncio.CancelledError:
                self.state.cancelled.set()
                raise
            self.state.completed_slow.set()
        elif text.startswith("busy:"):
            # Holds the event loop like a synchronous handler (a returns decision does).
            time.sleep(float(text.removeprefix("busy:")))
        elif text == "invalid":
            raise InvalidArgument(
                "the message is not valid",
                [FieldViolation("text", "must not be the word 'invalid'")],
                reason="PROBE_INVALID",
            )
        elif text.startswith("boom"):
            raise RuntimeError(f"internal detail that must not leak: {text}")
        answer_id = context.peer() if text == "peer" else request.request_id
        return triage_pb2.TriageMessageResponse(
            triage=triage_pb2.TriageResult(request_id=answer_id)
        )

    async def TriageMessages(
        self, request: triage_pb2.TriageMessagesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> triage_pb2.TriageMessagesResponse:
        raise Unimplemented("the probe has no batch form")


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    triage_pb2_grpc.add_TriageServiceServicer_to_server(ProbeServicer(STATE), server)
    return None


SPEC = ServiceSpec(
    name="probe",
    service_names=(triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name,),
    settings_cls=TriageSettings,
    attach=attach,
)
