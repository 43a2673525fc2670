"""A decision as the request path hands it to the log, and as the writer thread turns it
into rows (schema.py's columns).

The request path only builds a ``DecisionRecord``: references to the frozen request,
decision and scores, which nothing changes afterwards, so the writer thread can read them
safely; every conversion happens on that thread.

What a record keeps of the request is ids, codes, amounts and the model input: never the
customer's reason text, e-mail hash, tags or variant attributes. Ids a caller may have
filled with personal data (request, order, customer) pass through ``loggable_id`` as the
logs do; RecordOutcomes looks request ids up through the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.common.redaction import loggable_id
from services.returns_decision.core.decisions import Decision
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment, RiskScore
from services.returns_decision.engines.decision_log.schema import COLUMNS, INPUT_COLUMNS
from services.returns_decision.engines.risk.features import SCHEMA_VERSION as FEATURE_SCHEMA

log_key = loggable_id  # how a request id is stored and looked up


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    request: ReturnRequest
    decision: Decision
    items: Sequence[RiskAssessment]  # per item, in item order; empty when not scored
    decided_at: float  # time.time() when the decision was made

    @property
    def day(self) -> datetime:
        return datetime.fromtimestamp(self.decided_at, UTC)


def empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in COLUMNS}


def _score(score: RiskScore | None) -> tuple[float | None, float | None, str | None]:
    if score is None:
        return None, None, None
    return score.probability, score.raw_probability, score.band.value


def append_rows(record: DecisionRecord, columns: dict[str, list[Any]]) -> int:
    """Appends the record's rows (one per item) to ``columns``; returns how many."""
    request, decision = record.request, record.decision
    fraud_version = record.items[0].fraud.model_version if record.items else None
    wardrobing_version = record.items[0].wardrobing.model_version if record.items else None
    shared = {
        "request_id": log_key(request.request_id),
        "tenant_id": request.tenant_id,
        "decided_at": record.day,
        "evaluated_at": decision.evaluated_at,
        "order_id": loggable_id(request.order.order_id),
        "customer_id": loggable_id(request.customer.customer_id),
        "policy_label": decision.policy.label,
        "policy_hash": decision.policy.content_hash,
        "fraud_model_version": fraud_version,
        "wardrobing_model_version": wardrobing_version,
        "request_outcome": decision.outcome.value,
        "refund_total_minor": decision.refund_total.amount_minor,
        "currency": decision.refund_total.currency,
    }
    for index, item in enumerate(decision.items):
        scored = record.items[index] if index < len(record.items) else None
        row = scored.row if scored is not None else None
        fraud = _score(scored.fraud if scored is not None else None)
        wardrobing = _score(scored.wardrobing if scored is not None else None)
        values: dict[str, Any] = {
            **shared,
            "line_item_id": item.line_item_id,
            "item_index": index,
            "item_outcome": item.outcome.value,
            "refund_method": item.refund.method.value,
            "refund_minor": item.refund.amount.amount_minor,
            "exchange_offered": item.exchange_offer is not None,
            "label_required": item.label_required,
            "inspection_required": item.inspection_required,
            "net_recovery_minor": item.net_recovery.chosen_value.amount_minor,
            "reason_codes": [r.code.value for r in item.reasons],
            "fraud_score": fraud[0],
            "fraud_raw_score": fraud[1],
            "fraud_band": fraud[2],
            "wardrobing_score": wardrobing[0],
            "wardrobing_raw_score": wardrobing[1],
            "wardrobing_band": wardrobing[2],
            "feature_schema": FEATURE_SCHEMA if row is not None else None,
            "features": list(row.features) if row is not None else None,
        }
        for name in INPUT_COLUMNS:
            values[name] = getattr(row.inputs, name) if row is not None else None
        for name, column in columns.items():
            column.append(values[name])
    return len(decision.items)


def index_keys(record: DecisionRecord) -> list[tuple[str, str, str]]:
    """(tenant, stored request id, line) of every item the record logs."""
    tenant, request_id = record.request.tenant_id, log_key(record.request.request_id)
    return [(tenant, request_id, item.line_item_id) for item in record.decision.items]
