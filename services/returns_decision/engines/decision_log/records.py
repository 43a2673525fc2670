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

import pyarrow as pa  # type: ignore[import-untyped]

from services.common.redaction import loggable_id
from services.returns_decision.core.decisions import Decision
from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import RiskAssessment, RiskScore
from services.returns_decision.engines.decision_log.schema import (
    COLUMNS,
    DECISION_SCHEMA,
    INPUT_COLUMNS,
)
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


def _score(score: RiskScore | None) -> tuple[float | None, float | None, str | None]:
    if score is None:
        return None, None, None
    return score.probability, score.raw_probability, score.band.value


def _shadow(score: RiskScore | None) -> tuple[Any, ...]:
    if score is None:
        return _NO_SHADOW
    return score.model_version, score.probability, score.raw_probability, score.band.value


_NO_INPUTS: tuple[None, ...] = (None,) * len(INPUT_COLUMNS)
_NOT_SCORED = (None, None, None)
_NO_SHADOW = (None, None, None, None)


def rows(record: DecisionRecord) -> list[tuple[Any, ...]]:
    """The record's rows, one per item, as tuples in ``COLUMNS`` order (built as tuples,
    not dicts: this runs for every decision, on the writer thread)."""
    request, decision, scored = record.request, record.decision, record.items
    shared = (
        log_key(request.request_id),
        request.tenant_id,
        record.day,
        decision.evaluated_at,
        loggable_id(request.order.order_id),
        loggable_id(request.customer.customer_id),
        decision.policy.label,
        decision.policy.content_hash,
        scored[0].fraud.model_version if scored else None,
        scored[0].wardrobing.model_version if scored else None,
        decision.outcome.value,
        decision.refund_total.amount_minor,
        decision.refund_total.currency,
    )
    found = []
    for index, item in enumerate(decision.items):
        assessment = scored[index] if index < len(scored) else None
        row = assessment.row if assessment is not None else None
        inputs = row.inputs if row is not None else None
        found.append(
            (
                *shared,
                item.line_item_id,
                index,
                item.outcome.value,
                item.refund.method.value,
                item.refund.amount.amount_minor,
                item.exchange_offer is not None,
                item.label_required,
                item.inspection_required,
                item.net_recovery.chosen_value.amount_minor,
                [r.code.value for r in item.reasons],
                *(_score(assessment.fraud) if assessment is not None else _NOT_SCORED),
                *(_score(assessment.wardrobing) if assessment is not None else _NOT_SCORED),
                FEATURE_SCHEMA if row is not None else None,
                row.features if row is not None else None,
                *(
                    _NO_INPUTS
                    if inputs is None
                    else tuple(getattr(inputs, name) for name in INPUT_COLUMNS)
                ),
                *(_shadow(assessment.fraud_shadow) if assessment is not None else _NO_SHADOW),
                *(_shadow(assessment.wardrobing_shadow) if assessment is not None else _NO_SHADOW),
            )
        )
    return found


def to_table(buffered: list[tuple[Any, ...]]) -> Any:
    """Buffered rows as an Arrow table of ``DECISION_SCHEMA``."""
    columns = zip(*buffered, strict=True) if buffered else ((),) * len(COLUMNS)
    arrays = [
        pa.array(column, type=field.type)
        for column, field in zip(columns, DECISION_SCHEMA, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=DECISION_SCHEMA)


def index_keys(record: DecisionRecord) -> list[tuple[str, str, str]]:
    """(tenant, stored request id, line) of every item the record logs."""
    tenant, request_id = record.request.tenant_id, log_key(record.request.request_id)
    return [(tenant, request_id, item.line_item_id) for item in record.decision.items]
