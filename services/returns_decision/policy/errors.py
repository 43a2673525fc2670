"""Errors of the policy layer: invalid documents, unknown tenants, misuse of the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.errors import FieldViolation, InvalidArgument, NotFound


@dataclass(frozen=True, slots=True)
class PolicyError:
    """One problem in a policy document: where (e.g. `rules[3].when.item.category`) and what."""

    path: str  # "" for the document as a whole
    message: str
    line: int | None = None  # 1-based line in the YAML text, when known

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '<document>'}: {self.message}"


class PolicyInvalid(InvalidArgument):
    """A policy document that cannot be used; carries every error found in it."""

    def __init__(self, errors: Sequence[PolicyError]) -> None:
        self.errors: tuple[PolicyError, ...] = tuple(errors)
        super().__init__(
            f"the policy document has {len(self.errors)} error(s)",
            [FieldViolation(e.path or "<document>", e.message) for e in self.errors],
            reason="INVALID_POLICY",
        )


class PolicyNotFound(NotFound):
    """No active policy for the tenant."""

    def __init__(self, tenant_id: str) -> None:
        super().__init__(
            "no return policy is loaded for this tenant",
            reason="POLICY_NOT_FOUND",
            metadata={"tenant_id": tenant_id},
        )
        self.tenant_id = tenant_id


class EngineThreadError(RuntimeError):
    """durable_rules was called from a thread other than the one that owns the engine."""
