"""What the core needs from the engines, as protocols.

The core never imports durable_rules or LightGBM: the rules engine's compiled policies
and policy store (engines/rules) and the risk scorer (engines/risk) satisfy these, and
tests or tools may pass anything else that does.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from services.returns_decision.core.decisions import Decision, PolicyVersion
from services.returns_decision.core.outcomes import ReturnOutcome
from services.returns_decision.core.policy.context import ItemContext
from services.returns_decision.core.policy.model import Policy
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment


class RuleMatcher(Protocol):
    """One policy version, ready to say which of its rules each returned line matches."""

    @property
    def policy(self) -> Policy: ...

    @property
    def version(self) -> PolicyVersion: ...

    def match(self, contexts: Sequence[ItemContext]) -> list[tuple[str, ...]]:
        """Per line, the ids of the rules it matched, in policy order."""
        ...


class PolicySource(Protocol):
    """The tenants' active policies, and candidates compiled for a simulation."""

    def get(self, tenant_id: str) -> RuleMatcher:
        """The tenant's active policy; raises PolicyNotFound."""
        ...

    def candidate(self, document: str | bytes) -> AbstractContextManager[RuleMatcher]:
        """A policy document compiled for the duration of a block; raises PolicyInvalid."""
        ...


class RiskScorer(Protocol):
    """The fraud and wardrobing models behind one call."""

    def assess_items(
        self, request: ReturnRequest, requested_at: datetime, *, top_k: int
    ) -> list[RiskAssessment]:
        """Both models' scores for each item of a validated request, in item order."""
        ...


class DecisionLog(Protocol):
    """Where decisions are recorded for retraining, and outcomes learned later joined."""

    def record(
        self, request: ReturnRequest, decision: Decision, items: Sequence[RiskAssessment]
    ) -> None:
        """Called on the request path after each decision: must not block or raise (a
        record that cannot be taken is dropped and counted). ``items``: each item's
        scores, in item order; empty when risk is not scored."""
        ...

    async def record_outcomes(
        self, tenant_id: str, outcomes: Sequence[ReturnOutcome]
    ) -> list[ReturnOutcome | None]:
        """Merges each outcome over what is stored for its line; per entry, the stored
        outcome, or None when the tenant's request and line were never logged."""
        ...
