"""Protobuf messages of retail.returns_decision.v1 to and from the returns domain types.

Enums map by name (`ITEM_CONDITION_SEALED` <-> `ItemCondition.SEALED`); an enum number
this version does not know (a newer client) and a required amount left unset are field
violations, reported together with every other violation of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.type.v1 import money_pb2

from services.common.errors import FieldViolation
from services.returns_decision import domain as d
from services.returns_decision.policy.simulation import SimulationReport, SimulationSummary
from services.returns_decision.risk import RiskScore

E = TypeVar("E", bound=StrEnum)


class _Reader:
    """Collects the violations found while converting one request."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def money(
        self, message: Any, name: str, path: str, *, required: bool = False
    ) -> d.Money | None:
        if not message.HasField(name):
            if required:
                self.violations.append(FieldViolation(path, "required"))
            return None
        value: money_pb2.Money = getattr(message, name)
        return d.Money(value.amount_minor, value.currency_code.upper())

    def instant(self, message: Any, name: str) -> datetime | None:
        if not message.HasField(name):
            return None
        stamp: Timestamp = getattr(message, name)
        return stamp.ToDatetime(tzinfo=UTC)

    def enum(self, wrapper: Any, value: int, cls: type[E], prefix: str, path: str) -> E:
        try:
            name = wrapper.Name(value)
        except ValueError:
            self.violations.append(FieldViolation(path, f"unknown value {value}"))
            return cls["UNSPECIFIED"]
        return cls[name.removeprefix(prefix)]


def return_request(message: pb.DecideReturnRequest) -> d.ReturnRequest:
    """The domain request, validated: raises InvalidRequest with every violation, those only
    the conversion can see (unset required amounts, unknown enum numbers) and the
    domain's."""
    request, violations = _convert(message)
    violations += d.validate_request(request)
    if violations:
        raise d.InvalidRequest(violations)
    return request


def _convert(message: pb.DecideReturnRequest) -> tuple[d.ReturnRequest, list[FieldViolation]]:
    r = _Reader()
    order_message = message.order
    order = d.Order(
        order_id=order_message.order_id,
        placed_at=r.instant(order_message, "placed_at"),
        country_code=order_message.country_code.upper(),
        total=r.money(order_message, "total", "order.total", required=True) or d.Money(0, ""),
        fulfilled_at=r.instant(order_message, "fulfilled_at"),
        delivered_at=r.instant(order_message, "delivered_at"),
        channel=r.enum(
            pb.SalesChannel,
            order_message.channel,
            d.SalesChannel,
            "SALES_CHANNEL_",
            "order.channel",
        ),
        payment_method=r.enum(
            pb.PaymentMethod,
            order_message.payment_method,
            d.PaymentMethod,
            "PAYMENT_METHOD_",
            "order.payment_method",
        ),
        discount_total=r.money(order_message, "discount_total", "order.discount_total"),
        discount_codes=tuple(order_message.discount_codes),
    )
    items = tuple(_item(r, item, f"items[{i}]") for i, item in enumerate(message.items))
    c = message.customer
    customer = d.Customer(
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
    logistics = None
    if message.HasField("logistics"):
        lg = message.logistics
        logistics = d.LogisticsCosts(
            return_label=r.money(lg, "return_label", "logistics.return_label"),
            outbound_shipping=r.money(lg, "outbound_shipping", "logistics.outbound_shipping"),
            receiving_and_inspection=r.money(
                lg, "receiving_and_inspection", "logistics.receiving_and_inspection"
            ),
            handling=r.money(lg, "handling", "logistics.handling"),
        )
    candidates = tuple(
        d.ExchangeCandidate(
            line_item_id=x.line_item_id,
            sku=x.sku,
            unit_price=r.money(
                x, "unit_price", f"exchange_candidates[{j}].unit_price", required=True
            )
            or d.Money(0, ""),
            available_quantity=x.available_quantity,
            unit_cost=r.money(x, "unit_cost", f"exchange_candidates[{j}].unit_cost"),
        )
        for j, x in enumerate(message.exchange_candidates)
    )
    request = d.ReturnRequest(
        tenant_id=message.tenant_id,
        request_id=message.request_id,
        order=order,
        items=items,
        customer=customer,
        requested_resolution=r.enum(
            pb.Resolution,
            message.requested_resolution,
            d.Resolution,
            "RESOLUTION_",
            "requested_resolution",
        ),
        logistics=logistics,
        exchange_candidates=candidates,
        requested_at=r.instant(message, "requested_at"),
    )
    return request, r.violations


def _item(r: _Reader, item: pb.ReturnItem, path: str) -> d.Item:
    return d.Item(
        line_item_id=item.line_item_id,
        sku=item.sku,
        unit_price=r.money(item, "unit_price", f"{path}.unit_price", required=True)
        or d.Money(0, ""),
        reported_condition=r.enum(
            pb.ItemCondition,
            item.reported_condition,
            d.ItemCondition,
            "ITEM_CONDITION_",
            f"{path}.reported_condition",
        ),
        reason=r.enum(
            pb.ReturnReason, item.reason, d.ReturnReason, "RETURN_REASON_", f"{path}.reason"
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


def money(value: d.Money) -> money_pb2.Money:
    return money_pb2.Money(currency_code=value.currency, amount_minor=value.amount_minor)


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def _end_of_day(day: date) -> Timestamp:
    return _timestamp(datetime.combine(day, time(23, 59, 59), tzinfo=UTC))


def policy_version(version: d.PolicyVersion) -> pb.PolicyVersion:
    return pb.PolicyVersion(
        tenant_id=version.tenant_id, label=version.label, content_hash=version.content_hash
    )


def _reason(reason: d.Reason) -> pb.Reason:
    return pb.Reason(
        code=reason.code.value,
        rule_id=reason.rule_id,
        message_key=reason.message_key,
        params=dict(reason.params),
    )


def _outcome(outcome: d.Outcome) -> pb.Outcome.ValueType:
    return pb.Outcome.Value(f"OUTCOME_{outcome.value}")


_REFUND_METHODS = {
    d.RefundMethod.NONE: pb.REFUND_METHOD_UNSPECIFIED,
    d.RefundMethod.ORIGINAL_PAYMENT: pb.REFUND_METHOD_ORIGINAL_PAYMENT,
    d.RefundMethod.STORE_CREDIT: pb.REFUND_METHOD_STORE_CREDIT,
}


def _net_recovery(value: d.NetRecoveryValue) -> pb.NetRecoveryValue:
    message = pb.NetRecoveryValue(
        expected_recovery=money(value.expected_recovery),
        return_cost=money(value.return_cost),
        fees=money(value.fees),
        take_back_value=money(value.take_back_value),
        keep_it_value=money(value.keep_it_value),
        store_credit_breakage=money(value.store_credit_breakage),
        terms=[pb.ValueTerm(name=t.name, amount=money(t.amount)) for t in value.terms],
    )
    if value.exchange_value is not None:
        message.exchange_value.CopyFrom(money(value.exchange_value))
    return message


def _item_decision(item: d.ItemDecision) -> pb.ItemDecision:
    message = pb.ItemDecision(
        line_item_id=item.line_item_id,
        outcome=_outcome(item.outcome),
        reasons=[_reason(r) for r in item.reasons],
        refund=pb.Refund(
            amount=money(item.refund.amount), method=_REFUND_METHODS[item.refund.method]
        ),
        fees=pb.Fees(
            restocking=money(item.fees.restocking),
            return_shipping=money(item.fees.return_shipping),
            handling=money(item.fees.handling),
            total=money(item.fees.total),
        ),
        bonus_credit=money(item.bonus_credit),
        label_required=item.label_required,
        inspection_required=item.inspection_required,
        net_recovery=_net_recovery(item.net_recovery),
    )
    if item.exchange_offer is not None:
        offer = item.exchange_offer
        message.exchange_offer.CopyFrom(
            pb.ExchangeCandidate(
                line_item_id=offer.line_item_id,
                sku=offer.sku,
                unit_price=money(offer.unit_price),
                available_quantity=offer.available_quantity,
            )
        )
        if offer.unit_cost is not None:
            message.exchange_offer.unit_cost.CopyFrom(money(offer.unit_cost))
    if item.return_by is not None:
        message.return_by.CopyFrom(_end_of_day(item.return_by))
    return message


def risk_assessment(score: RiskScore | None) -> pb.RiskAssessment | None:
    if score is None:
        return None
    return pb.RiskAssessment(
        model_name=score.model_name,
        model_version=score.model_version,
        score=score.probability,
        band=pb.RiskBand.Value(f"RISK_BAND_{score.band.value}"),
        top_features=[
            pb.FeatureContribution(
                feature=f.name, value=_feature_value(f.value), contribution=f.contribution
            )
            for f in score.top_features
        ],
    )


def _feature_value(value: float | str | None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    return f"{value:g}" if isinstance(value, float) else value


def decision(
    result: d.Decision,
    evaluated_at: datetime,
    fraud: RiskScore | None,
    wardrobing: RiskScore | None,
) -> pb.ReturnDecision:
    message = pb.ReturnDecision(
        request_id=result.request_id,
        tenant_id=result.tenant_id,
        outcome=_outcome(result.outcome),
        items=[_item_decision(i) for i in result.items],
        reasons=[_reason(r) for r in result.reasons],
        refund_total=money(result.refund_total),
        fees_total=money(result.fees_total),
        bonus_credit_total=money(result.bonus_credit_total),
        label_required=result.label_required,
        policy=policy_version(result.policy),
        evaluated_at=_timestamp(evaluated_at),
    )
    for field, score in (("fraud", fraud), ("wardrobing", wardrobing)):
        assessment = risk_assessment(score)
        if assessment is not None:
            getattr(message, field).CopyFrom(assessment)
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


def policy_errors(errors: Sequence[tuple[str, str]]) -> list[pb.PolicyError]:
    return [pb.PolicyError(path=path, message=text) for path, text in errors]
