"""grpc.aio clients of the three services, called only through the generated stubs.

Every call carries the message's request id (in the request's `request_id` field where
it has one, and as `x-request-id` metadata), the API key for that service when one is
set, and a timeout that ends at its stage's share of the message budget. UNAVAILABLE
and RESOURCE_EXHAUSTED are retried within that time (see retry.py); any other failure,
or retries that run out, raise UpstreamError, on which the flow degrades.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import SecretStr
from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb
from retail.returns_decision.v1 import returns_decision_pb2_grpc as returns_grpc
from retail.translation.v1 import translation_pb2 as translation_pb
from retail.translation.v1 import translation_pb2_grpc as translation_grpc
from retail.triage.v1 import triage_pb2 as triage_pb
from retail.triage.v1 import triage_pb2_grpc as triage_grpc

from frontend.support_desk.metrics import DeskMetrics
from frontend.support_desk.settings import DeskSettings
from frontend.support_desk.upstream.retry import RetryPolicy

log = logging.getLogger("support_desk.upstream")

Response = TypeVar("Response")

RETURNS = "returns_decision"
TRIAGE = "triage"
TRANSLATION = "translation"

SERVICE_NAMES = {
    RETURNS: "retail.returns_decision.v1.ReturnsDecisionService",
    TRIAGE: "retail.triage.v1.TriageService",
    TRANSLATION: "retail.translation.v1.TranslationService",
}


class UpstreamError(Exception):
    """An upstream call failed for good (after any retries)."""

    def __init__(self, service: str, rpc: str, code: grpc.StatusCode | None, details: str) -> None:
        super().__init__(f"{service}.{rpc}: {code.name if code else 'ERROR'}: {details}")
        self.service = service
        self.rpc = rpc
        self.code = code


@dataclass(frozen=True)
class Candidate:
    language: str
    confidence: float


def _credentials(settings: DeskSettings) -> grpc.ChannelCredentials | None:
    if settings.tls_ca_file is None:
        return None
    key = settings.tls_key_file.read_bytes() if settings.tls_key_file else None
    chain = settings.tls_cert_file.read_bytes() if settings.tls_cert_file else None
    return grpc.ssl_channel_credentials(
        root_certificates=settings.tls_ca_file.read_bytes(),
        private_key=key,
        certificate_chain=chain,
    )


# A restarted upstream is reached again within a second or two, not after gRPC's
# default reconnect backoff (up to two minutes), during which every call fails at once.
_CHANNEL_OPTIONS: list[tuple[str, str | int]] = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


def _channel(target: str, settings: DeskSettings) -> grpc.aio.Channel:
    credentials = _credentials(settings)
    options = list(_CHANNEL_OPTIONS)
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=options)
    if settings.tls_server_name:
        options.append(("grpc.ssl_target_name_override", settings.tls_server_name))
    return grpc.aio.secure_channel(target, credentials, options=options)


def _key(secret: SecretStr | None) -> tuple[tuple[str, str], ...]:
    if secret is None:
        return ()
    return (("authorization", f"Bearer {secret.get_secret_value()}"),)


class Upstreams:
    """The three channels and stubs. Create inside the event loop that will use them."""

    def __init__(self, settings: DeskSettings, metrics: DeskMetrics) -> None:
        self._metrics = metrics
        self._policy = RetryPolicy(
            max_attempts=settings.retry_max_attempts,
            initial_backoff=settings.retry_initial_backoff_seconds,
            max_backoff=settings.retry_max_backoff_seconds,
            resource_exhausted_pause=settings.resource_exhausted_pause_seconds,
        )
        self._channels = {
            RETURNS: _channel(settings.returns_target, settings),
            TRIAGE: _channel(settings.triage_target, settings),
            TRANSLATION: _channel(settings.translation_target, settings),
        }
        self._keys = {
            RETURNS: _key(settings.returns_api_key),
            TRIAGE: _key(settings.triage_api_key),
            TRANSLATION: _key(settings.translation_api_key),
        }
        self._returns = returns_grpc.ReturnsDecisionServiceStub(self._channels[RETURNS])
        self._triage = triage_grpc.TriageServiceStub(self._channels[TRIAGE])
        self._translation = translation_grpc.TranslationServiceStub(self._channels[TRANSLATION])

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close(None)

    async def _call(
        self,
        service: str,
        rpc: str,
        invoke: Callable[[float, grpc.aio.Metadata], Awaitable[Response]],
        deadline: float,
        request_id: str,
    ) -> Response:
        # A Metadata object, not tuples: grpc.aio then skips converting them on every call.
        metadata = grpc.aio.Metadata(("x-request-id", request_id), *self._keys[service])
        attempt = 0
        while True:
            attempt += 1
            timeout = deadline - time.monotonic()
            if timeout <= 0.001:
                self._metrics.upstream_errors.labels(service, rpc, "DEADLINE_EXCEEDED").inc()
                raise UpstreamError(service, rpc, grpc.StatusCode.DEADLINE_EXCEEDED, "no time left")
            started = time.perf_counter()
            try:
                response = await invoke(timeout, metadata)
            except grpc.aio.AioRpcError as error:
                self._metrics.upstream_seconds.labels(service, rpc).observe(
                    time.perf_counter() - started
                )
                code = error.code()
                self._metrics.upstream_errors.labels(service, rpc, code.name).inc()
                delay = self._policy.delay(code, attempt)
                if delay is None or time.monotonic() + delay >= deadline:
                    log.warning(
                        "upstream call failed",
                        extra={
                            "request_id": request_id,
                            "upstream": service,
                            "rpc": rpc,
                            "code": code.name,
                            "attempts": attempt,
                        },
                    )
                    raise UpstreamError(service, rpc, code, error.details() or "") from error
                self._metrics.upstream_retries.labels(service, rpc, code.name).inc()
                await asyncio.sleep(delay)
                continue
            self._metrics.upstream_seconds.labels(service, rpc).observe(
                time.perf_counter() - started
            )
            return response

    async def triage(
        self, request: triage_pb.TriageMessageRequest, deadline: float, request_id: str
    ) -> triage_pb.TriageResult:
        request.request_id = request_id
        response: triage_pb.TriageMessageResponse = await self._call(
            TRIAGE,
            "TriageMessage",
            lambda timeout, md: self._triage.TriageMessage(request, timeout=timeout, metadata=md),
            deadline,
            request_id,
        )
        return response.triage

    async def detect_language(
        self, texts: Sequence[str], deadline: float, request_id: str
    ) -> list[list[Candidate] | None]:
        """Candidates per text, most likely first; None for a text the service refused."""
        request = translation_pb.DetectLanguageRequest(texts=list(texts), max_candidates=3)
        response: translation_pb.DetectLanguageResponse = await self._call(
            TRANSLATION,
            "DetectLanguage",
            lambda timeout, md: self._translation.DetectLanguage(
                request, timeout=timeout, metadata=md
            ),
            deadline,
            request_id,
        )
        results: list[list[Candidate] | None] = []
        for result in response.results:
            if result.WhichOneof("result") == "detection":
                results.append(
                    [Candidate(c.language, c.confidence) for c in result.detection.candidates]
                )
            else:
                results.append(None)
        return results

    async def translate(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        deadline: float,
        request_id: str,
    ) -> list[str | None]:
        """Each text in `target`; None for a text the service could not translate."""
        if source == target:
            return list(texts)
        request = translation_pb.TranslateTextRequest(
            texts=list(texts), source_language=source, target_language=target
        )
        response: translation_pb.TranslateTextResponse = await self._call(
            TRANSLATION,
            "TranslateText",
            lambda timeout, md: self._translation.TranslateText(
                request, timeout=timeout, metadata=md
            ),
            deadline,
            request_id,
        )
        return [
            r.translation.translated_text if r.WhichOneof("result") == "translation" else None
            for r in response.results
        ]

    async def decide_return(
        self, request: returns_pb.DecideReturnRequest, deadline: float, request_id: str
    ) -> returns_pb.ReturnDecision:
        response: returns_pb.DecideReturnResponse = await self._call(
            RETURNS,
            "DecideReturn",
            lambda timeout, md: self._returns.DecideReturn(request, timeout=timeout, metadata=md),
            deadline,
            request_id,
        )
        return response.decision

    async def health(self, timeout: float = 1.0) -> dict[str, bool]:
        """Whether each service answers SERVING to a grpc.health.v1 check."""

        async def check(name: str) -> bool:
            stub = health_pb2_grpc.HealthStub(self._channels[name])
            try:
                reply = await stub.Check(
                    health_pb2.HealthCheckRequest(service=SERVICE_NAMES[name]), timeout=timeout
                )
            except grpc.aio.AioRpcError:
                return False
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

        names = list(self._channels)
        results = await asyncio.gather(*(check(n) for n in names))
        return dict(zip(names, results, strict=True))
