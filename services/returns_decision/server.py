"""Wiring of the returns_decision service onto the shared runtime."""

from __future__ import annotations

import grpc
from retail.returns_decision.v1 import returns_decision_pb2, returns_decision_pb2_grpc

from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.returns_decision.servicer import ReturnsDecisionServiceServicer
from services.returns_decision.settings import ReturnsSettings

SERVICE_NAME = returns_decision_pb2.DESCRIPTOR.services_by_name["ReturnsDecisionService"].full_name


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    returns_decision_pb2_grpc.add_ReturnsDecisionServiceServicer_to_server(
        ReturnsDecisionServiceServicer(), server
    )
    return None


SPEC = ServiceSpec(
    name="returns_decision",
    service_names=(SERVICE_NAME,),
    settings_cls=ReturnsSettings,
    attach=attach,
)


async def create_server(settings: ReturnsSettings) -> tuple[ServiceServer, int]:
    """Build and start the returns_decision server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
