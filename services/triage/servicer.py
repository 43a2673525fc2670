"""gRPC servicer of the triage service: converts messages and calls the core.

The models run on one dedicated thread per worker: calls never run the engines
concurrently (no thread-safety assumptions about them), and the event loop stays free
to answer health checks and accept calls while a batch is analysed.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from retail.triage.v1 import triage_pb2 as pb
from retail.triage.v1 import triage_pb2_grpc

from services.common.calls import check_deadline
from services.common.errors import DomainError
from services.common.limits import check_batch_size
from services.common.status import to_status_proto
from services.triage import converters
from services.triage.core.config import TriageConfigStore
from services.triage.core.triage import TriageOutcome, TriageRequest, triage_messages, validate
from services.triage.engines.bundle import TriageEngines

Context = grpc.aio.ServicerContext[Any, Any]


class TriageServiceServicer(triage_pb2_grpc.TriageServiceServicer):
    def __init__(
        self,
        engines: TriageEngines,
        configs: TriageConfigStore,
        *,
        max_text_length: int,
        max_batch_size: int,
    ) -> None:
        self.engines = engines
        self.configs = configs
        self.max_text_length = max_text_length
        self.max_batch_size = max_batch_size
        self._models = ThreadPoolExecutor(1, thread_name_prefix="triage-models")

    def close(self) -> None:
        self._models.shutdown(wait=True)

    async def install(self, engines: TriageEngines) -> None:
        """Swaps in newly loaded engines between two calls: they are warmed up on the model
        thread first (queued behind the calls already started, which finish on the old
        ones); each call reads `self.engines` once, so it sees one set throughout."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._models, engines.warm_up)
        self.engines = engines

    def _request(self, message: pb.TriageMessageRequest, prefix: str = "") -> TriageRequest:
        request = converters.triage_request(message, prefix)
        validate(request, max_text_chars=self.max_text_length, field_prefix=prefix)
        return request

    async def _triage(
        self, engines: TriageEngines, tenant_id: str, requests: list[TriageRequest]
    ) -> list[TriageOutcome]:
        config = self.configs.for_tenant(tenant_id)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._models, triage_messages, engines, config, requests)

    async def TriageMessage(
        self, request: pb.TriageMessageRequest, context: Context
    ) -> pb.TriageMessageResponse:
        (outcome,) = await self._triage(self.engines, request.tenant_id, [self._request(request)])
        return pb.TriageMessageResponse(triage=converters.triage_result(outcome))

    async def TriageMessages(
        self, request: pb.TriageMessagesRequest, context: Context
    ) -> pb.TriageMessagesResponse:
        size = len(request.messages)
        check_batch_size(size, self.max_batch_size, "messages")
        results: list[pb.TriageMessagesResult | None] = [None] * size
        engines = self.engines  # one set of models for the whole batch, even across a swap
        by_tenant: dict[str, list[tuple[int, TriageRequest]]] = {}
        for i, message in enumerate(request.messages):
            try:
                # Paths name the field as TriageMessage would, so entry errors match it.
                triage_request = self._request(message)
            except DomainError as error:
                results[i] = pb.TriageMessagesResult(error=to_status_proto(error))
                continue
            by_tenant.setdefault(message.tenant_id, []).append((i, triage_request))
        for tenant_id, entries in by_tenant.items():
            check_deadline()
            outcomes = await self._triage(engines, tenant_id, [r for _, r in entries])
            for (i, _), outcome in zip(entries, outcomes, strict=True):
                results[i] = pb.TriageMessagesResult(triage=converters.triage_result(outcome))
        return pb.TriageMessagesResponse(results=[r for r in results if r is not None])
