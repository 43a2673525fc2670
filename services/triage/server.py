"""Wiring of the triage service onto the shared runtime."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.errors import CannotStart
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceServer, ServiceSpec
from services.common.server import create_server as create_common_server
from services.common.settings import ServiceSettings
from services.triage.settings import TriageSettings

if TYPE_CHECKING:  # the supervisor imports this module without the models' libraries
    from services.triage.engines.watcher import TriageModelWatcher
    from services.triage.servicer import TriageServiceServicer

SERVICE_NAME = triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name


async def attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    # Imported here, not at the top: the supervisor imports this module for SPEC and never
    # serves, so it does without scikit-learn, lingua and the models (~160 MiB per process).
    from services.common.model_registry import ModelNotFoundError
    from services.triage.core.config import TriageConfigStore
    from services.triage.core.documents import ConfigInvalid
    from services.triage.engines.base import ArtifactsMissingError
    from services.triage.engines.bundle import TriageEngines
    from services.triage.engines.watcher import TriageModelWatcher
    from services.triage.servicer import TriageServiceServicer

    assert isinstance(settings, TriageSettings)
    try:
        configs = TriageConfigStore.load(settings.config_file, settings.tenant_config_dir)
    except ConfigInvalid as exc:
        raise CannotStart(str(exc)) from exc
    watcher = None
    try:
        if settings.model_dir is not None:
            engines = await asyncio.to_thread(TriageEngines.load, settings.model_dir)
        else:
            watcher = TriageModelWatcher(settings.models_registry)
            engines = await asyncio.to_thread(watcher.load)
    except (ArtifactsMissingError, ModelNotFoundError) as exc:
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
    task = None
    if watcher is not None:
        task = asyncio.get_running_loop().create_task(
            _watch(watcher, servicer, settings.model_reload_seconds, metrics)
        )

    async def close() -> None:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(servicer.close)

    return close


async def _watch(
    watcher: TriageModelWatcher,
    servicer: TriageServiceServicer,
    every_seconds: float,
    metrics: ServiceMetrics,
) -> None:
    """Swaps promoted (or rolled back) model versions in, in this worker process."""
    swaps = metrics.counter("triage_model_swaps", "Triage models swapped in by hot reload.")
    failures = metrics.counter(
        "triage_model_reload_failures", "Promoted triage models refused (old version kept)."
    )
    while True:
        await asyncio.sleep(every_seconds)
        refused = watcher.reload_failures
        current = servicer.engines
        engines = await watcher.maybe_reload_in_thread(current)
        if engines is not None:
            try:
                await servicer.install(engines)
            except Exception as exc:  # noqa: BLE001 - a model that cannot predict: keep the old one
                watcher.refused(f"warm-up failed: {type(exc).__name__}: {exc}")
            else:
                watcher.swapped(current, engines)
                swaps.inc()
                for model in engines.versions.values():
                    metrics.set_component_version(model.name, model.version)
        failures.inc(watcher.reload_failures - refused)


SPEC = ServiceSpec(
    name="triage",
    service_names=(SERVICE_NAME,),
    settings_cls=TriageSettings,
    attach=attach,
)


async def create_server(settings: TriageSettings) -> tuple[ServiceServer, int]:
    """Build and start the triage server; returns it and its bound port."""
    return await create_common_server(SPEC, settings)
