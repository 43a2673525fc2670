"""SimulatePolicy: replay past requests under a candidate policy and the active one.

Both policies see exactly the same requests and risk scores. A request that fails
validation counts as `failed` under that policy and is listed with its violations; it
does not stop the replay. Requests should carry `requested_at` so windows count to the
day they were made (otherwise `now` is used, which shifts every window).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.common.currency import Money
from services.common.errors import FieldViolation, InvalidArgument
from services.common.limits import check_batch_size
from services.returns_decision.core.decide import decide_under
from services.returns_decision.core.decisions import Decision, Outcome, PolicyVersion, ReasonCode
from services.returns_decision.core.interfaces import PolicySource, RuleMatcher
from services.returns_decision.core.policy.errors import PolicyError, PolicyInvalid, PolicyNotFound
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment
from services.returns_decision.core.validation import InvalidRequest

MAX_SIMULATED_REQUESTS = 10_000
CANDIDATE_FIELD = "candidate_policy_document"


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    policy: PolicyVersion
    decided: int
    failed: int
    outcome_counts: tuple[tuple[Outcome, int], ...]  # every outcome, in Outcome order
    item_outcome_counts: tuple[tuple[Outcome, int], ...]
    no_rule_matched_items: int
    refund_total: Money
    fees_total: Money
    bonus_credit_total: Money
    net_recovery_total: Money


@dataclass(frozen=True, slots=True)
class ChangedOutcome:
    request_id: str
    active_outcome: Outcome
    candidate_outcome: Outcome


@dataclass(frozen=True, slots=True)
class FailedRequest:
    request_id: str
    violations: tuple[FieldViolation, ...]


@dataclass(frozen=True, slots=True)
class SimulationReport:
    active: SimulationSummary | None  # None when the tenant has no active policy yet
    candidate: SimulationSummary
    changed: tuple[ChangedOutcome, ...]  # in request order
    failed: tuple[FailedRequest, ...]  # under the candidate policy


def _replay(
    compiled: RuleMatcher,
    requests: Sequence[ReturnRequest],
    risks: Sequence[RiskAssessment | None],
    now: datetime | None,
) -> tuple[list[Decision | None], list[FailedRequest]]:
    decisions: list[Decision | None] = []
    failed = []
    for request, risk in zip(requests, risks, strict=True):
        try:
            decisions.append(decide_under(compiled, request, risk, now=now))
        except InvalidRequest as exc:
            decisions.append(None)
            failed.append(FailedRequest(request.request_id, exc.violations))
    return decisions, failed


def _summarise(
    version: PolicyVersion, currency: str, decisions: list[Decision | None]
) -> SimulationSummary:
    done = [d for d in decisions if d is not None]
    outcomes = Counter(d.outcome for d in done)
    item_outcomes = Counter(item.outcome for d in done for item in d.items)
    no_match = sum(
        1
        for d in done
        for item in d.items
        for r in item.reasons
        if r.code is ReasonCode.NO_RULE_MATCHED
    )

    def total(amounts: list[int]) -> Money:
        return Money(sum(amounts), currency)

    return SimulationSummary(
        policy=version,
        decided=len(done),
        failed=len(decisions) - len(done),
        outcome_counts=tuple((o, outcomes[o]) for o in Outcome),
        item_outcome_counts=tuple((o, item_outcomes[o]) for o in Outcome),
        no_rule_matched_items=no_match,
        refund_total=total([d.refund_total.amount_minor for d in done]),
        fees_total=total([d.fees_total.amount_minor for d in done]),
        bonus_credit_total=total([d.bonus_credit_total.amount_minor for d in done]),
        net_recovery_total=total([d.net_recovery_total.amount_minor for d in done]),
    )


def simulate(
    store: PolicySource,
    candidate_document: str | bytes,
    requests: Sequence[ReturnRequest],
    risks: Sequence[RiskAssessment | None] | None = None,
    *,
    tenant_id: str | None = None,
    now: datetime | None = None,
) -> SimulationReport:
    """Replays `requests` (with `risks[i]` for request i, or none) under the candidate
    document and under the tenant's active policy.

    Raises PolicyInvalid for a broken candidate, InvalidArgument when the candidate is
    for another tenant than `tenant_id` or there are too many requests. Runs on the
    engine's thread; the candidate's ruleset is deleted before returning.
    """
    check_batch_size(len(requests), MAX_SIMULATED_REQUESTS, "requests")
    risk_list: Sequence[RiskAssessment | None] = (
        risks if risks is not None else [None] * len(requests)
    )
    if len(risk_list) != len(requests):
        raise InvalidArgument(
            "one risk assessment (or none) per request",
            [FieldViolation("risks", "must have one entry per request")],
        )
    if not candidate_document:
        raise InvalidArgument(
            "candidate_policy_document is required",
            [FieldViolation(CANDIDATE_FIELD, "required")],
        )
    try:
        with store.candidate(candidate_document) as candidate:
            return _compare(store, candidate, requests, risk_list, tenant_id, now)
    except PolicyInvalid as invalid:
        raise PolicyInvalid(invalid.errors, document_field=CANDIDATE_FIELD) from None


def _compare(
    store: PolicySource,
    candidate: RuleMatcher,
    requests: Sequence[ReturnRequest],
    risk_list: Sequence[RiskAssessment | None],
    tenant_id: str | None,
    now: datetime | None,
) -> SimulationReport:
    tenant = candidate.version.tenant_id
    if tenant_id is not None and tenant != tenant_id:
        message = f"is {tenant!r}, but the simulation is for {tenant_id!r}"
        raise PolicyInvalid([PolicyError("tenant", message)])
    try:
        active: RuleMatcher | None = store.get(tenant)
    except PolicyNotFound:
        active = None
    candidate_decisions, candidate_failed = _replay(candidate, requests, risk_list, now)
    active_decisions: list[Decision | None] = []
    if active is not None:
        active_decisions, _ = _replay(active, requests, risk_list, now)
    changed = []
    if active is not None:
        for request, before, after in zip(
            requests, active_decisions, candidate_decisions, strict=True
        ):
            if before is not None and after is not None and before.outcome is not after.outcome:
                changed.append(ChangedOutcome(request.request_id, before.outcome, after.outcome))
    return SimulationReport(
        active=(
            _summarise(active.version, active.policy.currency, active_decisions)
            if active is not None
            else None
        ),
        candidate=_summarise(candidate.version, candidate.policy.currency, candidate_decisions),
        changed=tuple(changed),
        failed=tuple(candidate_failed),
    )
