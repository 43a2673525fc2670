"""An empty TriageService servicer: the baseline a service's figures are divided by.

`python -m bench.empty_service` runs it on the shared runtime (supervisor, workers,
interceptor) like a real service; `--bare` runs it on a plain grpc.aio server with no
interceptor and prints {"port": N}, to show what the runtime itself costs.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import grpc
from retail.triage.v1 import triage_pb2, triage_pb2_grpc

from services.common.cli import main as cli_main
from services.common.errors import Unimplemented
from services.common.metrics import ServiceMetrics
from services.common.server import Closer, ServiceSpec
from services.common.settings import ServiceSettings
from services.triage.settings import TriageSettings

Context = grpc.aio.ServicerContext[Any, Any]
EMPTY = triage_pb2.TriageMessageResponse()


class EmptyServicer(triage_pb2_grpc.TriageServiceServicer):
    async def TriageMessage(  # noqa: N802 - RPC name
        self, request: triage_pb2.TriageMessageRequest, context: Context
    ) -> triage_pb2.TriageMessageResponse:
        return EMPTY

    async def TriageMessages(  # noqa: N802 - RPC name
        self, request: triage_pb2.TriageMessagesRequest, context: Context
    ) -> triage_pb2.TriageMessagesResponse:
        raise Unimplemented("the empty servicer has no batch form")


async def _attach(
    server: grpc.aio.Server, settings: ServiceSettings, metrics: ServiceMetrics
) -> Closer | None:
    triage_pb2_grpc.add_TriageServiceServicer_to_server(EmptyServicer(), server)
    return None


SPEC = ServiceSpec(
    name="empty",
    service_names=(triage_pb2.DESCRIPTOR.services_by_name["TriageService"].full_name,),
    settings_cls=TriageSettings,
    attach=_attach,
)


async def _bare() -> None:
    server = grpc.aio.server()
    triage_pb2_grpc.add_TriageServiceServicer_to_server(EmptyServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(json.dumps({"port": port}), flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    if "--bare" in sys.argv:
        asyncio.run(_bare())
    else:
        raise SystemExit(cli_main("bench.empty_service:SPEC", "empty servicer (benchmarks only)"))
