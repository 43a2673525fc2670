"""The one server interceptor every service runs behind.

For each unary call of the service's own API it, in order: authenticates the API key,
refuses the call when the worker is at its concurrency limit, refuses an already
expired deadline, decodes the request itself (so undecodable bytes get a plain
INVALID_ARGUMENT instead of grpc's default answer, which echoes the exception),
checks that the key may act for every tenant the request names, runs the servicer,
maps domain errors to statuses with details and anything unexpected to a generic
INTERNAL, and records metrics and one JSON log line. Health and reflection pass
through untouched so that probes and grpcurl need no key.

It is one interceptor rather than a chain because every layer of the chain costs a
coroutine per call, and a returns decision must answer in well under a millisecond.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import status_pb2
from grpc_status import rpc_status

from services.common.auth import ANONYMOUS, ApiKeys, Principal, check_tenant
from services.common.calls import deadline_var, request_id_var
from services.common.errors import (
    Code,
    DomainError,
    InvalidArgument,
    ResourceExhausted,
    Unimplemented,
)
from services.common.metrics import ServiceMetrics
from services.common.redaction import loggable_id
from services.common.status import internal_status_proto, to_status_proto

log = logging.getLogger("services.calls")

Behavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
Metadata = tuple[tuple[str, str | bytes], ...]

# grpc-stubs declares these generic; at run time they are plain classes.
if TYPE_CHECKING:
    Handler = grpc.RpcMethodHandler[Any, Any]
    _Interceptor = grpc.aio.ServerInterceptor[Any, Any]
else:
    Handler = grpc.RpcMethodHandler
    _Interceptor = grpc.aio.ServerInterceptor


class CallInterceptor(_Interceptor):
    def __init__(
        self,
        *,
        service_names: frozenset[str],
        metrics: ServiceMetrics,
        max_concurrent_rpcs: int,
        api_keys: ApiKeys | None,
        retry_after_seconds: float = 0.05,
    ) -> None:
        self._services = service_names
        self._metrics = metrics
        self._limit = max_concurrent_rpcs
        self._retry_after = retry_after_seconds
        self._api_keys = api_keys
        self._in_flight = 0
        self._wrapped: dict[str, Handler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        method = handler_call_details.method
        wrapped = self._wrapped.get(method)
        if wrapped is not None:
            return wrapped
        handler = await continuation(handler_call_details)
        service, _, name = method.lstrip("/").rpartition("/")
        if handler is None or service not in self._services or handler.unary_unary is None:
            return handler
        wrapped = grpc.unary_unary_rpc_method_handler(
            self._wrap(service, name, handler),
            request_deserializer=None,  # raw bytes: we decode, to answer bad bytes ourselves
            response_serializer=handler.response_serializer,
        )
        self._wrapped[method] = wrapped
        return wrapped

    def _wrap(self, service: str, name: str, handler: Handler) -> Behavior:
        behavior = cast(Behavior, handler.unary_unary)
        decode = cast(Callable[[bytes], Message], handler.request_deserializer)
        tenant_paths: list[tuple[str, ...]] | None = None
        latency = self._metrics.latency.labels(service, name)
        in_flight = self._metrics.in_flight.labels(service, name)
        handled = self._metrics.handled

        async def call(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            nonlocal tenant_paths
            started = time.perf_counter()
            metadata = cast(Metadata, context.invocation_metadata() or ())
            request_id = _metadata_value(metadata, "x-request-id") or uuid.uuid4().hex
            tenant = ""
            principal = ANONYMOUS
            status: status_pb2.Status | None = None
            response: Any = None
            self._in_flight += 1
            in_flight.inc()
            try:
                if self._api_keys is not None:
                    principal = self._api_keys.authenticate(metadata)
                if self._in_flight > self._limit:
                    raise ResourceExhausted(
                        f"this worker is at its limit of {self._limit} concurrent calls; "
                        "retry with backoff",
                        reason="CONCURRENCY_LIMIT",
                        retry_after=self._retry_after,
                    )
                remaining = context.time_remaining()
                if remaining is not None:
                    if remaining <= 0:
                        raise asyncio.CancelledError  # nothing to do for an expired call
                    deadline_var.set(time.monotonic() + remaining)
                request = _decode(decode, raw)
                request_id = getattr(request, "request_id", "") or request_id
                request_id_var.set(request_id)
                if tenant_paths is None:
                    tenant_paths = list(_tenant_paths(request.DESCRIPTOR))
                tenants = list(_tenants(request, tenant_paths))
                tenant = tenants[0] if tenants else ""
                for tenant_id in tenants:
                    check_tenant(principal, tenant_id)
                response = await behavior(request, context)
            except DomainError as exc:
                status = to_status_proto(exc)
            except NotImplementedError:
                status = to_status_proto(Unimplemented(f"{name} is not implemented yet"))
            except asyncio.CancelledError:
                code = "DEADLINE_EXCEEDED" if _expired(context) else "CANCELLED"
                self._finish(service, name, code, started, request_id, tenant, principal)
                raise
            except Exception:
                log.exception(
                    "unexpected error",
                    extra={"method": name, "request_id": loggable_id(request_id)},
                )
                status = internal_status_proto()
            finally:
                self._in_flight -= 1
                in_flight.dec()
            latency.observe(time.perf_counter() - started)
            if status is None:
                code_name = "OK"
                context.set_trailing_metadata((("x-request-id", request_id),))
            else:
                code_name = Code(status.code).name
            handled.labels(service, name, code_name).inc()
            self._log(name, code_name, started, request_id, tenant, principal)
            if status is not None:
                grpc_status = rpc_status.to_status(status)
                await context.abort(
                    grpc_status.code,
                    grpc_status.details,
                    (*grpc_status.trailing_metadata, ("x-request-id", request_id)),
                )
            return response

        return call

    def _finish(
        self,
        service: str,
        name: str,
        code: str,
        started: float,
        request_id: str,
        tenant: str,
        principal: Principal,
    ) -> None:
        self._metrics.latency.labels(service, name).observe(time.perf_counter() - started)
        self._metrics.handled.labels(service, name, code).inc()
        self._log(name, code, started, request_id, tenant, principal)

    @staticmethod
    def _log(
        method: str, code: str, started: float, request_id: str, tenant: str, principal: Principal
    ) -> None:
        log.info(
            "call",
            extra={
                "method": method,
                "status": code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "request_id": loggable_id(request_id),
                "tenant": loggable_id(tenant),
                "principal": principal.name,
            },
        )


def _decode(decode: Callable[[bytes], Message], raw: bytes) -> Message:
    try:
        return decode(raw)
    except Exception as exc:
        raise InvalidArgument(
            "the request bytes could not be decoded as this method's request message",
            reason="UNDECODABLE_REQUEST",
        ) from exc


def _metadata_value(metadata: Any, key: str) -> str:
    for k, v in metadata:
        if k == key:
            return v.decode() if isinstance(v, bytes) else str(v)
    return ""


def _expired(context: grpc.aio.ServicerContext[Any, Any]) -> bool:
    remaining = context.time_remaining()
    return remaining is not None and remaining <= 0


def _tenant_paths(descriptor: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Paths to every `tenant_id` string field, at the top level and inside repeated or
    singular message fields one level down (batch requests)."""
    for field in descriptor.fields:
        if field.name == "tenant_id" and field.type == FieldDescriptor.TYPE_STRING:
            yield (*prefix, field.name)
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not prefix and field.message_type:
            yield from _tenant_paths(field.message_type, (field.name,))


def _tenants(request: Message, paths: list[tuple[str, ...]]) -> Iterator[str]:
    seen: set[str] = set()
    for path in paths:
        if len(path) == 1:
            values = [getattr(request, path[0])]
        else:
            container = getattr(request, path[0])
            children = container if _is_repeated(container) else [container]
            values = [getattr(child, path[1]) for child in children]
        for value in values:
            if value and value not in seen:
                seen.add(value)
                yield value


def _is_repeated(value: Any) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, Message)
