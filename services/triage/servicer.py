"""gRPC servicer of the triage service: converts messages and calls the core.

Until the service's own issue lands, every RPC answers UNIMPLEMENTED: an honest
answer, where a made-up one would not be.
"""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.errors import Unimplemented

Context = grpc.aio.ServicerContext[Any, Any]


def _unimplemented(method: str) -> NoReturn:
    raise Unimplemented(f"{method} is not implemented yet")


class TriageServiceServicer(triage_pb2_grpc.TriageServiceServicer):
    async def TriageMessage(
        self, request: triage_pb2.TriageMessageRequest, context: Context
    ) -> NoReturn:
        _unimplemented("TriageMessage")

    async def TriageMessages(
        self, request: triage_pb2.TriageMessagesRequest, context: Context
    ) -> NoReturn:
        _unimplemented("TriageMessages")
