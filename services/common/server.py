"""Building and running one gRPC server process of a service.

`create_server(spec, settings)` builds and starts a server and returns it with its
bound port (tests call it on port 0, in process); `serve_worker` runs one worker
process until SIGTERM or SIGINT. Several workers share a port under the supervisor
in services.common.workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from services.common.auth import ApiKeys, server_credentials
from services.common.interceptor import CallInterceptor
from services.common.metrics import ServiceMetrics, multiprocess_mode, serve_metrics
from services.common.reflection import enable_reflection
from services.common.settings import ServiceSettings

log = logging.getLogger("services.server")

Closer = Callable[[], Awaitable[None]]
# Adds the service's servicers to the server (loading its engines) and returns what
# to call on shutdown to release them (pipelines, watchers), if anything.
Attach = Callable[[grpc.aio.Server, ServiceSettings, ServiceMetrics], Awaitable[Closer | None]]


@dataclass(frozen=True)
class ServiceSpec:
    """What the shared runtime needs to know about a service."""

    name: str  # short name for logs and process titles, e.g. "triage"
    service_names: tuple[str, ...]  # full gRPC names, for health and reflection
    settings_cls: type[ServiceSettings]
    attach: Attach


@dataclass
class ServiceServer:
    """A started server and what belongs to it."""

    spec: ServiceSpec
    grpc_server: grpc.aio.Server
    health: HealthServicer
    metrics: ServiceMetrics
    metrics_port: int | None
    _closers: list[Closer] = field(default_factory=list)
    _metrics_http: Any = None

    async def shutdown(self, grace: float) -> None:
        """Health NOT_SERVING, refuse new calls, let in-flight calls finish within
        `grace` seconds, then release the engines."""
        await self.health.enter_graceful_shutdown()
        await self.grpc_server.stop(grace)
        for close in self._closers:
            await close()
        if self._metrics_http is not None:
            self._metrics_http.shutdown()
            self._metrics_http.server_close()


async def create_server(spec: ServiceSpec, settings: ServiceSettings) -> tuple[ServiceServer, int]:
    """Build, start and return the server with its bound gRPC port."""
    metrics = ServiceMetrics()
    api_keys = ApiKeys.load(settings.api_keys_file) if settings.api_keys_file else None
    interceptor = CallInterceptor(
        service_names=frozenset(spec.service_names),
        metrics=metrics,
        max_concurrent_rpcs=settings.max_concurrent_rpcs,
        retry_after_seconds=settings.retry_after_seconds,
        api_keys=api_keys,
    )
    age: list[tuple[str, int]] = []
    if settings.max_connection_age_seconds > 0:
        age = [
            ("grpc.max_connection_age_ms", round(settings.max_connection_age_seconds * 1000)),
            ("grpc.max_connection_age_grace_ms", 30_000),
        ]
    server = grpc.aio.server(
        interceptors=[interceptor],
        options=[
            *age,
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.so_reuseport", 1),
            # grpc.aio takes calls out of gRPC's queue one at a time, as the event loop
            # gets to them, so under overload they wait there, where Python cannot count
            # them; bounding that queue is what keeps them from expiring in it.
            ("grpc.server.max_pending_requests", settings.max_pending_calls),
            ("grpc.server.max_pending_requests_hard_limit", 2 * settings.max_pending_calls),
        ],
    )
    closer = await spec.attach(server, settings, metrics)
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    for name in ("", *spec.service_names):
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    enable_reflection(
        server, (*spec.service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name)
    )
    address = f"{settings.host}:{settings.port}"
    if settings.tls_cert_file is not None and settings.tls_key_file is not None:
        credentials = server_credentials(
            settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file
        )
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"could not bind {address}")
    await server.start()
    running = ServiceServer(spec, server, health, metrics, None)
    if closer is not None:
        running._closers.append(closer)
    # With several workers the supervisor serves the summed metrics instead.
    if settings.metrics_enabled and not multiprocess_mode():
        running._metrics_http, running.metrics_port = serve_metrics(
            metrics.registry, settings.metrics_host, settings.metrics_port
        )
    return running, port


async def _serve(
    spec: ServiceSpec, settings: ServiceSettings, on_ready: Callable[[int], None]
) -> None:
    running, port = await create_server(spec, settings)
    # What start-up loaded (models, policies, modules) lives as long as the process: out
    # of the collector's sight, a full collection walks only what serving allocates. It
    # walked ~150k start-up objects before, a 50-130 ms pause on the serving thread.
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    on_ready(port)
    await stop.wait()
    log.info("shutting down", extra={"grace_seconds": settings.shutdown_grace_seconds})
    await running.shutdown(settings.shutdown_grace_seconds)
    log.info("stopped")


def serve_worker(
    spec: ServiceSpec, settings: ServiceSettings, on_ready: Callable[[int], None]
) -> None:
    """Run one server in this process until SIGTERM or SIGINT, then drain and return."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(spec, settings, on_ready))
