"""Errors of the policy layer: invalid documents and unknown tenants."""

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
    column: int | None = None  # 1-based column, when known

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '<document>'}: {self.message}"

    def describe(self) -> str:
        """ "line L, column C: path: message", with what is known."""
        where = f"line {self.line}, column {self.column}: " if self.line and self.column else ""
        return f"{where}{self.path or '<document>'}: {self.message}"


class PolicyInvalid(InvalidArgument):
    """A policy document that cannot be used; carries every error found in it.

    Each error is a violation of the request field that held the document
    (`document_field`), described with its place in the document."""

    def __init__(
        self, errors: Sequence[PolicyError], *, document_field: str = "policy_document"
    ) -> None:
        self.errors: tuple[PolicyError, ...] = tuple(errors)
        super().__init__(
            f"the policy document has {len(self.errors)} error(s)",
            [FieldViolation(document_field, e.describe()) for e in self.errors],
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
