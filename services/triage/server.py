"""Wiring of the triage service onto the shared runtime."""

from __future__ import annotations

import asyncio

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.errors import CannotStart
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.triage.settings import TriageSettings

SERVICE_NAME = triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    # Imported here, not at the top: the supervisor imports this module for SPEC and never
    # serves, so it does without scikit-learn, lingua and the models (~160 MiB per process).
    from services.triage.core.config import TriageConfigStore
    from services.triage.core.documents import ConfigInvalid
    from services.triage.engines.base import ArtifactsMissingError
    from services.triage.engines.bundle import TriageEngines
    from services.triage.servicer import TriageServiceServicer

    assert isinstance(settings, TriageSettings)
    try:
        configs = TriageConfigStore.load(settings.config_file, settings.tenant_config_dir)
    except ConfigInvalid as exc:
        raise CannotStart(str(exc)) from exc
    try:
        engines = await asyncio.to_thread(TriageEngines.load, settings.model_dir)
    except ArtifactsMissingError as exc:
        # Serving never trains: refuse to start, saying how to build the models.
        raise CannotStart(str(exc)) from exc
    for model in engines.versions.values():
        metrics.set_component_version(model.name, model.version)
    metrics.set_component_version("priority_config", configs.default.label)
    servicer = TriageServiceServicer(
        engines,
        configs,
        max_text_length=settings.max_text_length,
        max_batch_size=settings.max_batch_size,
    )
    triage_pb2_grpc.add_TriageServiceServicer_to_server(servicer, server)

    async def close() -> None:
        await asyncio.to_thread(servicer.close)

    return close


SPEC = ServiceSpec(
    name="triage",
    service_names=(SERVICE_NAME,),
    settings_cls=TriageSettings,
    attach=attach,
)


async def create_server(settings: TriageSettings) -> tuple[ServiceServer, int]:
    """Build and start the triage server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
