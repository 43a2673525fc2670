"""Protobuf messages of retail.returns_decision.v1 to and from the returns domain types.

Enums map by name (`ITEM_CONDITION_SEALED` <-> `ItemCondition.SEALED`); an enum number
this version does not know (a newer client) and a required amount left unset are field
violations, reported together with every other violation of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast

from google.protobuf.timestamp_pb2 import Timestamp
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.type.v1 import money_pb2

from services.common.currency import Money
from services.common.errors import FieldViolation, InvalidArgument
from services.returns_decision.core.decisions import (
    Decision,
    ItemDecision,
    NetRecoveryValue,
    Outcome,
    PolicyVersion,
    Reason,
    RefundMethod,
)
from services.returns_decision.core.outcomes import Disposition, ReturnOutcome, validate_outcomes
from services.returns_decision.core.policy.errors import PolicyError
from services.returns_decision.core.policy.simulation import SimulationReport, SimulationSummary
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    Item,
    ItemCondition,
    LogisticsCosts,
    Order,
    PaymentMethod,
    Resolution,
    ReturnReason,
    ReturnRequest,
    SalesChannel,
)
from services.returns_decision.core.risk import RiskBand, RiskScore
from services.returns_decision.core.validation import InvalidRequest, validate_request

E = TypeVar("E", bound=StrEnum)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


class _Reader:
    """Collects the violations found while converting one request."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def money(self, message: Any, name: str, path: str, *, required: bool = False) -> Money | None:
        if not message.HasField(name):
            if required:
                self.violations.append(FieldViolation(path, "required"))
            return None
        value: money_pb2.Money = getattr(message, name)
        return Money(value.amount_minor, value.currency_code.upper())

    def instant(self, message: Any, name: str, path: str) -> datetime | None:
        if not message.HasField(name):
            return None
        stamp: Timestamp = getattr(message, name)
        seconds, nanos = stamp.seconds, stamp.nanos
        if not (_MIN_SECONDS <= seconds <= _MAX_SECONDS and 0 <= nanos < 1_000_000_000):
            self.violations.append(
                FieldViolation(path, "not a valid timestamp (years 1 to 9999, nanos 0 to 1e9)")
            )
            return None
        # Timestamp.ToDatetime(tzinfo=UTC) gives the same value at a quarter of the cost.
        return _EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)

    def enum(self, wrapper: Any, value: int, cls: type[E], prefix: str, path: str) -> E:
        table = _ENUM_TABLES.get(cls)
        if table is None:
            table = _ENUM_TABLES[cls] = {
                number: cls[name.removeprefix(prefix)] for name, number in wrapper.items()
            }
        found = table.get(value)
        if found is None:
            self.violations.append(FieldViolation(path, f"unknown value {value}"))
            return cls["UNSPECIFIED"]
        return cast(E, found)


# Per domain enum, wire number -> member; built on first use from the generated wrapper.
_ENUM_TABLES: dict[type[StrEnum], dict[int, StrEnum]] = {}


def return_request(message: pb.DecideReturnRequest) -> ReturnRequest:
    """The domain request, validated: raises InvalidRequest with every violation, those only
    the conversion can see (unset required amounts, unknown enum numbers) and the
    domain's."""
    request, violations = _convert(message)
    # A field the conversion rejected reached the domain as unset: what the domain says
    # of it, or of what it holds, is noise.
    rejected = tuple(v.field for v in violations)
    violations += [
        v
        for v in validate_request(request)
        if not any(v.field == r or v.field.startswith((f"{r}.", f"{r}[")) for r in rejected)
    ]
    if violations:
        raise InvalidRequest(violations)
    return request


def _convert(message: pb.DecideReturnRequest) -> tuple[ReturnRequest, list[FieldViolation]]:
    # The parts are read in field order, so violations come out in the order of the message.
    r = _Reader()
    for name in ("order", "customer"):  # unset: one violation, not one per field inside
        if not message.HasField(name):
            r.violations.append(FieldViolation(name, "required"))
    order = _order(r, message.order, total_required=message.HasField("order"))
    items = tuple(_item(r, item, f"items[{i}]") for i, item in enumerate(message.items))
    customer = _customer(r, message.customer)
    logistics = _logistics(r, message.logistics) if message.HasField("logistics") else None
    candidates = tuple(
        _exchange_candidate(r, x, f"exchange_candidates[{j}]")
        for j, x in enumerate(message.exchange_candidates)
    )
    request = ReturnRequest(
        tenant_id=message.tenant_id,
        request_id=message.request_id,
        order=order,
        items=items,
        customer=customer,
        requested_resolution=r.enum(
            pb.Resolution,
            message.requested_resolution,
            Resolution,
            "RESOLUTION_",
            "requested_resolution",
        ),
        logistics=logistics,
        exchange_candidates=candidates,
        requested_at=r.instant(message, "requested_at", "requested_at"),
    )
    return request, r.violations


def _order(r: _Reader, message: pb.Order, *, total_required: bool) -> Order:
    return Order(
        order_id=message.order_id,
        placed_at=r.instant(message, "placed_at", "order.placed_at"),
        country_code=message.country_code.upper(),
        total=r.money(message, "total", "order.total", required=total_required) or Money(0, ""),
        fulfilled_at=r.instant(message, "fulfilled_at", "order.fulfilled_at"),
        delivered_at=r.instant(message, "delivered_at", "order.delivered_at"),
        channel=r.enum(
            pb.SalesChannel, message.channel, SalesChannel, "SALES_CHANNEL_", "order.channel"
        ),
        payment_method=r.enum(
            pb.PaymentMethod,
            message.payment_method,
            PaymentMethod,
            "PAYMENT_METHOD_",
            "order.payment_method",
        ),
        discount_total=r.money(message, "discount_total", "order.discount_total"),
        discount_codes=tuple(message.discount_codes),
    )


def _customer(r: _Reader, c: pb.Customer) -> Customer:
    return Customer(
        customer_id=c.customer_id,
        email_sha256=c.email_sha256,
        account_age_days=c.account_age_days,
        tags=tuple(c.tags),
        lifetime_orders=c.lifetime_orders,
        lifetime_spend=r.money(c, "lifetime_spend", "customer.lifetime_spend"),
        returns_last_90_days=c.returns_last_90_days,
        returns_last_365_days=c.returns_last_365_days,
        returnless_refunds=c.returnless_refunds,
        returnless_refund_product_ids=tuple(c.returnless_refund_product_ids),
        chargebacks=c.chargebacks,
    )


def _logistics(r: _Reader, lg: pb.LogisticsCosts) -> LogisticsCosts:
    return LogisticsCosts(
        return_label=r.money(lg, "return_label", "logistics.return_label"),
        outbound_shipping=r.money(lg, "outbound_shipping", "logistics.outbound_shipping"),
        receiving_and_inspection=r.money(
            lg, "receiving_and_inspection", "logistics.receiving_and_inspection"
        ),
        handling=r.money(lg, "handling", "logistics.handling"),
    )


def _exchange_candidate(r: _Reader, x: pb.ExchangeCandidate, path: str) -> ExchangeCandidate:
    return ExchangeCandidate(
        line_item_id=x.line_item_id,
        sku=x.sku,
        unit_price=r.money(x, "unit_price", f"{path}.unit_price", required=True) or Money(0, ""),
        available_quantity=x.available_quantity,
        unit_cost=r.money(x, "unit_cost", f"{path}.unit_cost"),
        variant_attributes=tuple(sorted(x.variant_attributes.items())),
    )


def _item(r: _Reader, item: pb.ReturnItem, path: str) -> Item:
    return Item(
        line_item_id=item.line_item_id,
        sku=item.sku,
        unit_price=r.money(item, "unit_price", f"{path}.unit_price", required=True) or Money(0, ""),
        reported_condition=r.enum(
            pb.ItemCondition,
            item.reported_condition,
            ItemCondition,
            "ITEM_CONDITION_",
            f"{path}.reported_condition",
        ),
        reason=r.enum(
            pb.ReturnReason, item.reason, ReturnReason, "RETURN_REASON_", f"{path}.reason"
        ),
        quantity=item.quantity,
        product_id=item.product_id,
        product_type=item.product_type,
        category=item.category,
        tags=tuple(item.tags),
        final_sale=item.final_sale,
        unit_cost=r.money(item, "unit_cost", f"{path}.unit_cost"),
    )


# ---------------------------------------------------------------------------- out


def money(value: Money) -> money_pb2.Money:
    return money_pb2.Money(currency_code=value.currency, amount_minor=value.amount_minor)


# The response is written field by field into the message being built: constructing
# sub-messages and passing them to a parent's constructor copies each one again, and the
# output conversion was a third of a decision's cost before (make bench).


def _set_money(target: money_pb2.Money, value: Money) -> None:
    target.currency_code = value.currency
    target.amount_minor = value.amount_minor


def _set_timestamp(target: Timestamp, value: datetime) -> None:
    # Timestamp.FromDatetime, without its checks and conversions: value is timezone-aware.
    delta = value - _EPOCH
    target.seconds = delta.days * 86_400 + delta.seconds
    target.nanos = delta.microseconds * 1000


_END_OF_DAY = time(23, 59, 59)


def policy_version(version: PolicyVersion) -> pb.PolicyVersion:
    return pb.PolicyVersion(
        tenant_id=version.tenant_id, label=version.label, content_hash=version.content_hash
    )


def _add_reason(target: pb.Reason, reason: Reason) -> None:
    target.code = reason.code.value
    target.rule_id = reason.rule_id
    target.message_key = reason.message_key
    if reason.params:
        target.params.update(reason.params)


_OUTCOMES: dict[Outcome, pb.Outcome.ValueType] = {
    o: pb.Outcome.Value(f"OUTCOME_{o.value}") for o in Outcome
}
_BANDS: dict[str, pb.RiskBand.ValueType] = {
    b.value: pb.RiskBand.Value(f"RISK_BAND_{b.value}") for b in RiskBand
}


def _outcome(outcome: Outcome) -> pb.Outcome.ValueType:
    return _OUTCOMES[outcome]


_REFUND_METHODS = {
    RefundMethod.NONE: pb.REFUND_METHOD_NONE,
    RefundMethod.ORIGINAL_PAYMENT: pb.REFUND_METHOD_ORIGINAL_PAYMENT,
    RefundMethod.STORE_CREDIT: pb.REFUND_METHOD_STORE_CREDIT,
}


def _set_net_recovery(target: pb.NetRecoveryValue, value: NetRecoveryValue) -> None:
    _set_money(target.expected_recovery, value.expected_recovery)
    _set_money(target.return_cost, value.return_cost)
    _set_money(target.fees, value.fees)
    _set_money(target.take_back_value, value.take_back_value)
    _set_money(target.keep_it_value, value.keep_it_value)
    _set_money(target.store_credit_breakage, value.store_credit_breakage)
    _set_money(target.chosen_value, value.chosen_value)
    for term in value.terms:
        entry = target.terms.add()
        entry.name = term.name
        _set_money(entry.amount, term.amount)
    if value.exchange_value is not None:
        _set_money(target.exchange_value, value.exchange_value)


def _set_item_decision(message: pb.ItemDecision, item: ItemDecision) -> None:
    message.line_item_id = item.line_item_id
    message.outcome = _OUTCOMES[item.outcome]
    for reason in item.reasons:
        _add_reason(message.reasons.add(), reason)
    _set_money(message.refund.amount, item.refund.amount)
    message.refund.method = _REFUND_METHODS[item.refund.method]
    fees = message.fees
    _set_money(fees.restocking, item.fees.restocking)
    _set_money(fees.return_shipping, item.fees.return_shipping)
    _set_money(fees.handling, item.fees.handling)
    _set_money(fees.total, item.fees.total)
    _set_money(message.bonus_credit, item.bonus_credit)
    message.label_required = item.label_required
    message.inspection_required = item.inspection_required
    _set_net_recovery(message.net_recovery, item.net_recovery)
    if item.exchange_offer is not None:
        offer, target = item.exchange_offer, message.exchange_offer
        target.line_item_id = offer.line_item_id
        target.sku = offer.sku
        _set_money(target.unit_price, offer.unit_price)
        target.available_quantity = offer.available_quantity
        if offer.variant_attributes:
            target.variant_attributes.update(offer.variant_attributes)
        if offer.unit_cost is not None:
            _set_money(target.unit_cost, offer.unit_cost)
    if item.return_by is not None:
        _set_timestamp(message.return_by, datetime.combine(item.return_by, _END_OF_DAY, tzinfo=UTC))


def _set_risk_assessment(target: pb.RiskAssessment, score: RiskScore) -> None:
    target.model_name = score.model_name
    target.model_version = score.model_version
    target.score = score.probability
    target.band = _BANDS[score.band.value]
    for feature in score.top_features:
        entry = target.top_features.add()
        entry.feature = feature.name
        entry.value = _feature_value(feature.value)
        entry.contribution = feature.contribution


def _feature_value(value: float | str | None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    return f"{value:g}" if isinstance(value, float) else value


def set_decision(
    message: pb.ReturnDecision,
    result: Decision,
    evaluated_at: datetime,
    fraud: RiskScore | None,
    wardrobing: RiskScore | None,
) -> None:
    """Writes the decision into `message` (an empty ReturnDecision, e.g. a response's)."""
    message.request_id = result.request_id
    message.tenant_id = result.tenant_id
    message.outcome = _OUTCOMES[result.outcome]
    for item in result.items:
        _set_item_decision(message.items.add(), item)
    for reason in result.reasons:
        _add_reason(message.reasons.add(), reason)
    _set_money(message.refund_total, result.refund_total)
    _set_money(message.fees_total, result.fees_total)
    _set_money(message.bonus_credit_total, result.bonus_credit_total)
    _set_money(message.amount_due, result.amount_due)
    _set_money(message.net_recovery_total, result.net_recovery_total)
    message.label_required = result.label_required
    version, target = result.policy, message.policy
    target.tenant_id = version.tenant_id
    target.label = version.label
    target.content_hash = version.content_hash
    _set_timestamp(message.evaluated_at, evaluated_at)
    if fraud is not None:
        _set_risk_assessment(message.fraud, fraud)
    if wardrobing is not None:
        _set_risk_assessment(message.wardrobing, wardrobing)


def decision(
    result: Decision,
    evaluated_at: datetime,
    fraud: RiskScore | None,
    wardrobing: RiskScore | None,
) -> pb.ReturnDecision:
    message = pb.ReturnDecision()
    set_decision(message, result, evaluated_at, fraud, wardrobing)
    return message


def _summary(summary: SimulationSummary) -> pb.SimulationSummary:
    return pb.SimulationSummary(
        policy=policy_version(summary.policy),
        decided=summary.decided,
        failed=summary.failed,
        outcome_counts=[
            pb.OutcomeCount(outcome=_outcome(o), count=n) for o, n in summary.outcome_counts
        ],
        refund_totals=[money(summary.refund_total)],
        fee_totals=[money(summary.fees_total)],
        net_recovery_totals=[money(summary.net_recovery_total)],
    )


def simulation(report: SimulationReport) -> pb.SimulatePolicyResponse:
    message = pb.SimulatePolicyResponse(
        candidate=_summary(report.candidate),
        changed=[
            pb.ChangedOutcome(
                request_id=c.request_id,
                active_outcome=_outcome(c.active_outcome),
                candidate_outcome=_outcome(c.candidate_outcome),
            )
            for c in report.changed
        ],
    )
    if report.active is not None:
        message.active.CopyFrom(_summary(report.active))
    return message


def policy_errors(errors: Sequence[PolicyError]) -> list[pb.PolicyError]:
    return [
        pb.PolicyError(path=e.path, message=e.message, line=e.line or 0, column=e.column or 0)
        for e in errors
    ]


def outcomes(message: pb.RecordOutcomesRequest) -> list[ReturnOutcome]:
    """The domain outcomes, validated: raises InvalidArgument naming every bad field."""
    r = _Reader()
    found = []
    for i, entry in enumerate(message.outcomes):
        path = f"outcomes[{i}]"
        condition = r.enum(
            pb.ItemCondition,
            entry.inspected_condition,
            ItemCondition,
            "ITEM_CONDITION_",
            f"{path}.inspected_condition",
        )
        disposition = r.enum(
            pb.Disposition, entry.disposition, Disposition, "DISPOSITION_", f"{path}.disposition"
        )
        found.append(
            ReturnOutcome(
                request_id=entry.request_id,
                line_item_id=entry.line_item_id,
                received=entry.received if entry.HasField("received") else None,
                inspected_condition=None if condition is ItemCondition.UNSPECIFIED else condition,
                disposition=None if disposition is Disposition.UNSPECIFIED else disposition,
                charged_back=entry.charged_back if entry.HasField("charged_back") else None,
                fraud_confirmed=entry.fraud_confirmed
                if entry.HasField("fraud_confirmed")
                else None,
                wardrobing_confirmed=(
                    entry.wardrobing_confirmed if entry.HasField("wardrobing_confirmed") else None
                ),
            )
        )
    violations = validate_outcomes(found) + r.violations
    if violations:
        violations.sort(key=lambda v: v.field)
        raise InvalidArgument("the outcomes are not valid", violations)
    return found


def set_outcome(target: pb.ReturnOutcome, outcome: ReturnOutcome) -> None:
    target.request_id = outcome.request_id
    target.line_item_id = outcome.line_item_id
    for name in ("received", "charged_back", "fraud_confirmed", "wardrobing_confirmed"):
        value = getattr(outcome, name)
        if value is not None:
            setattr(target, name, value)
    if outcome.inspected_condition is not None:
        target.inspected_condition = pb.ItemCondition.Value(
            f"ITEM_CONDITION_{outcome.inspected_condition.name}"
        )
    if outcome.disposition is not None:
        target.disposition = pb.Disposition.Value(f"DISPOSITION_{outcome.disposition.name}")
