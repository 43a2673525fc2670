"""Domain errors: what a core raises when a request cannot be served.

Cores never import grpc; each error carries the google.rpc.Code it maps to, and the
server interceptor (services.common.interceptor) turns it into a gRPC status with
google.rpc.Status details (ErrorInfo, and BadRequest field violations for
INVALID_ARGUMENT), following AIP-193.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ERROR_DOMAIN = "retail-support.decision-services"


class Code(enum.IntEnum):
    """google.rpc.Code values (the canonical gRPC status codes) used by the cores."""

    CANCELLED = 1
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One invalid field: its path in the request (e.g. `items[0].unit_price`) and why."""

    field: str
    description: str


class DomainError(Exception):
    """Base of every error a caller is meant to see. The message is shown to callers,
    so it must not contain customer text or personal data."""

    code: Code = Code.FAILED_PRECONDITION
    reason: str = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})


class InvalidArgument(DomainError):
    code = Code.INVALID_ARGUMENT
    reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        violations: Sequence[FieldViolation] = (),
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.violations: tuple[FieldViolation, ...] = tuple(violations)


class NotFound(DomainError):
    code = Code.NOT_FOUND
    reason = "NOT_FOUND"


class FailedPrecondition(DomainError):
    code = Code.FAILED_PRECONDITION
    reason = "FAILED_PRECONDITION"


class ResourceExhausted(DomainError):
    code = Code.RESOURCE_EXHAUSTED
    reason = "RESOURCE_EXHAUSTED"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after = retry_after  # seconds the caller should wait, when known


class Unauthenticated(DomainError):
    code = Code.UNAUTHENTICATED
    reason = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = Code.PERMISSION_DENIED
    reason = "PERMISSION_DENIED"


class Unavailable(DomainError):
    code = Code.UNAVAILABLE
    reason = "UNAVAILABLE"


class DeadlineExceeded(DomainError):
    code = Code.DEADLINE_EXCEEDED
    reason = "DEADLINE_EXCEEDED"


class Unimplemented(DomainError):
    """An RPC of the API whose implementation has not landed yet."""

    code = Code.UNIMPLEMENTED
    reason = "UNIMPLEMENTED"


class CannotStart(Exception):
    """A service cannot start as configured (its models are missing, say). The message
    says what is wrong and how to fix it; the worker logs it as one line, without a
    traceback, and exits."""
