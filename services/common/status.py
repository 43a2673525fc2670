"""Turning domain errors into google.rpc.Status messages (AIP-193).

Used by the interceptor for whole calls and by batch servicers for per-entry errors,
so a batch entry fails exactly as the single call would have.
"""

from __future__ import annotations

from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from services.common.errors import (
    ERROR_DOMAIN,
    Code,
    DomainError,
    InvalidArgument,
    ResourceExhausted,
)

INTERNAL_MESSAGE = "internal error; the service logged the details under this call's request id"


def to_status_proto(error: DomainError) -> status_pb2.Status:
    """The google.rpc.Status for a domain error: ErrorInfo always, BadRequest when fields
    are at fault, RetryInfo when the caller should retry after a delay."""
    info = error_details_pb2.ErrorInfo(
        reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata
    )
    details = [_pack(info)]
    if isinstance(error, InvalidArgument) and error.violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
        details.append(_pack(bad_request))
    if isinstance(error, ResourceExhausted) and error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(round(error.retry_after * 1e9))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(code=int(error.code), message=error.message, details=details)


def internal_status_proto() -> status_pb2.Status:
    """The status for an unexpected error: generic text, never the exception's."""
    info = error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN)
    return status_pb2.Status(
        code=int(Code.INTERNAL), message=INTERNAL_MESSAGE, details=[_pack(info)]
    )


def _pack(
    message: error_details_pb2.ErrorInfo
    | error_details_pb2.BadRequest
    | error_details_pb2.RetryInfo,
) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
