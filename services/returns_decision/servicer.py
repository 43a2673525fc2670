"""gRPC servicer of the returns_decision service: converts messages and calls the core.

Until the service's own issue lands, every RPC answers UNIMPLEMENTED: an honest
answer, where a made-up one would not be.
"""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
from retail.returns_decision.v1 import returns_decision_pb2, returns_decision_pb2_grpc

from services.common.errors import Unimplemented

Context = grpc.aio.ServicerContext[Any, Any]


def _unimplemented(method: str) -> NoReturn:
    raise Unimplemented(f"{method} is not implemented yet")


class ReturnsDecisionServiceServicer(returns_decision_pb2_grpc.ReturnsDecisionServiceServicer):
    async def DecideReturn(
        self, request: returns_decision_pb2.DecideReturnRequest, context: Context
    ) -> NoReturn:
        _unimplemented("DecideReturn")

    async def DecideReturns(
        self, request: returns_decision_pb2.DecideReturnsRequest, context: Context
    ) -> NoReturn:
        _unimplemented("DecideReturns")

    async def ValidatePolicy(
        self, request: returns_decision_pb2.ValidatePolicyRequest, context: Context
    ) -> NoReturn:
        _unimplemented("ValidatePolicy")

    async def SimulatePolicy(
        self, request: returns_decision_pb2.SimulatePolicyRequest, context: Context
    ) -> NoReturn:
        _unimplemented("SimulatePolicy")
