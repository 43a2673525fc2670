"""Wiring of the triage service onto the shared runtime."""

from __future__ import annotations

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.triage.servicer import TriageServiceServicer
from services.triage.settings import TriageSettings

SERVICE_NAME = triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    triage_pb2_grpc.add_TriageServiceServicer_to_server(TriageServiceServicer(), server)
    return None


SPEC = ServiceSpec(
    name="triage",
    service_names=(SERVICE_NAME,),
    settings_cls=TriageSettings,
    attach=attach,
)


async def create_server(settings: TriageSettings) -> tuple[ServiceServer, int]:
    """Build and start the triage server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
