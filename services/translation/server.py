"""Wiring of the translation service onto the shared runtime."""

from __future__ import annotations

import grpc
from retail.translation.v1 import translation_pb2, translation_pb2_grpc

from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.translation.servicer import TranslationServiceServicer
from services.translation.settings import TranslationSettings

SERVICE_NAME = translation_pb2.DESCRIPTOR.services_by_name["TranslationService"].full_name


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    translation_pb2_grpc.add_TranslationServiceServicer_to_server(
        TranslationServiceServicer(), server
    )
    return None


SPEC = ServiceSpec(
    name="translation",
    service_names=(SERVICE_NAME,),
    settings_cls=TranslationSettings,
    attach=attach,
)


async def create_server(settings: TranslationSettings) -> tuple[ServiceServer, int]:
    """Build and start the translation server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
