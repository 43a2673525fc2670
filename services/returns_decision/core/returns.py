"""The returns decision service's core: risk scoring, policy decision, validation and
simulation, composed for the servicer. No grpc here.

Everything runs on one thread (the event loop's): the rules engine is not thread-safe and
the risk scorer's fast path reuses preallocated buffers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.calls import check_deadline
from services.common.errors import FailedPrecondition
from services.returns_decision.core.decide import decide_under
from services.returns_decision.core.decisions import Decision
from services.returns_decision.core.interfaces import DecisionLog, PolicySource, RiskScorer
from services.returns_decision.core.outcomes import ReturnOutcome
from services.returns_decision.core.policy.simulation import SimulationReport, simulate
from services.returns_decision.core.policy.validation import ValidationResult, validate_policy
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment, RiskScore
from services.returns_decision.core.validation import InvalidRequest, validate_request


@dataclass(frozen=True, slots=True)
class DecisionResult:
    decision: Decision
    evaluated_at: datetime
    fraud: RiskScore | None
    wardrobing: RiskScore | None


def _riskiest(assessments: Sequence[RiskAssessment]) -> RiskAssessment | None:
    """The riskiest item's score per model: a request is as risky as its worst item."""
    if not assessments:
        return None
    fraud = max((a.fraud for a in assessments), key=lambda s: s.probability)
    wardrobing = max((a.wardrobing for a in assessments), key=lambda s: s.probability)
    return RiskAssessment(fraud=fraud, wardrobing=wardrobing)


class ReturnsCore:
    def __init__(
        self,
        store: PolicySource,
        scorer: RiskScorer | None,
        top_features: int = 3,
        decision_log: DecisionLog | None = None,
    ):
        self.store = store
        self.scorer = scorer
        self.top_features = top_features
        self.decision_log = decision_log

    def _assess_items(self, request: ReturnRequest, evaluated_at: datetime) -> list[RiskAssessment]:
        if self.scorer is None:
            return []
        return self.scorer.assess_items(request, evaluated_at, top_k=self.top_features)

    def assess(self, request: ReturnRequest, evaluated_at: datetime) -> RiskAssessment | None:
        """The riskiest item's score per model: a request is as risky as its worst item."""
        return _riskiest(self._assess_items(request, evaluated_at))

    def decide(
        self, request: ReturnRequest, now: datetime | None = None, *, validated: bool = False
    ) -> DecisionResult:
        """Decides a request; `validated=True` when the caller already ran validate_request
        on it (converters.return_request does). Raises InvalidRequest or PolicyNotFound."""
        if not validated:
            violations = validate_request(request)
            if violations:
                raise InvalidRequest(violations)
        evaluated_at = request.requested_at or now or datetime.now(UTC)
        compiled = self.store.get(request.tenant_id)
        items = self._assess_items(request, evaluated_at)
        risk = _riskiest(items)
        # The scores come from this process's own models: nothing to validate in them.
        decision = decide_under(compiled, request, risk, now=evaluated_at, validated=True)
        if self.decision_log is not None:
            self.decision_log.record(request, decision, items)  # queued, never blocks
        return DecisionResult(
            decision,
            evaluated_at,
            risk.fraud if risk else None,
            risk.wardrobing if risk else None,
        )

    async def record_outcomes(
        self, tenant_id: str, outcomes: Sequence[ReturnOutcome]
    ) -> list[ReturnOutcome | None]:
        """Outcomes of logged decisions, validated by the caller (converters.outcomes);
        per entry the stored outcome, or None for a request and line never logged."""
        if self.decision_log is None:
            raise FailedPrecondition(
                "the decision log is off (RETURNS_DECISION_LOG_ENABLED=false): there are no "
                "decisions to record outcomes for",
                reason="DECISION_LOG_DISABLED",
            )
        return await self.decision_log.record_outcomes(tenant_id, outcomes)

    def validate(self, tenant_id: str, document: str) -> ValidationResult:
        return validate_policy(document, expected_tenant=tenant_id or None)

    def simulate(
        self,
        tenant_id: str,
        document: str,
        requests: Sequence[ReturnRequest],
        now: datetime | None = None,
    ) -> SimulationReport:
        moment = now or datetime.now(UTC)
        risks = []
        for request in requests:
            check_deadline()
            risks.append(self.assess(request, request.requested_at or moment))
        return simulate(self.store, document, requests, risks, tenant_id=tenant_id, now=moment)
