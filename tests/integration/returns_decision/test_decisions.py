"""DecideReturn and DecideReturns through the generated stubs: outcomes, reasons with
their rules, fees and refunds, risk scores with explanations, and bad input."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import APPAREL, REQUESTED, item, request, usd
from services.returns_decision.server import SPEC
from tests.integration.harness import ServerThread
from tests.integration.returns_decision.conftest import Stub
from tests.integration.service_checks import assert_health_and_reflection


def codes(reasons: Any) -> dict[str, str]:
    return {r.code: r.rule_id for r in reasons}


def violations(error: Any) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None
    found: dict[str, str] = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found.update({v.field: v.description for v in bad.field_violations})
    return found


def decide(stub: Stub, message: pb.DecideReturnRequest) -> pb.ReturnDecision:
    return stub.DecideReturn(message).decision


def test_in_window_return_is_approved_and_fully_explained(stub: Stub) -> None:
    decision = decide(stub, request())
    assert decision.outcome == pb.OUTCOME_APPROVE_RETURN
    (line,) = decision.items
    assert codes(line.reasons)["WITHIN_RETURN_POLICY"] == "standard-return"
    assert line.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT
    assert line.label_required
    assert decision.label_required
    # Flat $5.95 return shipping comes off the refund.
    assert line.fees.return_shipping == usd(595)
    assert line.refund.amount.amount_minor == 6000 - line.fees.total.amount_minor
    assert decision.refund_total == line.refund.amount
    assert decision.policy.tenant_id == APPAREL
    assert decision.policy.label == "2025.2 spring"
    assert decision.policy.content_hash.startswith("sha256:")
    assert decision.evaluated_at.ToDatetime().replace(tzinfo=REQUESTED.tzinfo) == REQUESTED
    assert line.return_by.seconds > 0
    value = line.net_recovery
    assert value.take_back_value.amount_minor == (
        value.expected_recovery.amount_minor
        - value.return_cost.amount_minor
        + value.fees.amount_minor
    )
    assert value.terms


def test_risk_scores_carry_model_versions_bands_and_top_features(stub: Stub) -> None:
    decision = decide(stub, request())
    for assessment, name in (
        (decision.fraud, "returns_fraud"),
        (decision.wardrobing, "returns_wardrobing"),
    ):
        assert assessment.model_name == name
        assert assessment.model_version
        assert 0.0 <= assessment.score <= 1.0
        assert assessment.band != pb.RISK_BAND_UNSPECIFIED
        assert len(assessment.top_features) == 3
        magnitudes = [abs(f.contribution) for f in assessment.top_features]
        assert magnitudes == sorted(magnitudes, reverse=True)


def test_several_reasons_at_once_each_with_its_rule(stub: Stub) -> None:
    # Out of window AND final sale AND worn: every reason is reported.
    decision = decide(
        stub,
        request(
            item(final_sale=True, reported_condition=pb.ITEM_CONDITION_USED),
            days_since_delivery=60,
        ),
    )
    reasons = codes(decision.items[0].reasons)
    assert {"OUTSIDE_RETURN_WINDOW", "FINAL_SALE_EXCHANGE_ONLY", "CONDITION_NOT_MET"} <= set(
        reasons
    )
    assert reasons["FINAL_SALE_EXCHANGE_ONLY"] == "final-sale-exchange-only"
    assert reasons["CONDITION_NOT_MET"] == "worn-items"
    assert decision.outcome == pb.OUTCOME_DENY


def test_blocked_customer_and_country_are_denied(stub: Stub) -> None:
    blocked = decide(stub, request(customer={"tags": ["return-abuse"]}))
    assert blocked.outcome == pb.OUTCOME_DENY
    assert codes(blocked.items[0].reasons)["CUSTOMER_BLOCKED"] == "blocked-customer"
    abroad = decide(stub, request(country="FR"))
    assert abroad.outcome == pb.OUTCOME_DENY
    assert codes(abroad.items[0].reasons)["COUNTRY_NOT_ELIGIBLE"] == "ships-to-eligible-country"


def test_size_return_with_stock_is_offered_an_exchange_with_bonus(stub: Stub) -> None:
    message = request(item(reason=pb.RETURN_REASON_SIZE_TOO_SMALL))
    message.exchange_candidates.append(
        pb.ExchangeCandidate(
            line_item_id="L1",
            sku="SKU-L1-L",
            unit_price=usd(6000),
            unit_cost=usd(2400),
            available_quantity=5,
        )
    )
    decision = decide(stub, message)
    (line,) = decision.items
    assert line.outcome == pb.OUTCOME_OFFER_EXCHANGE
    assert line.exchange_offer.sku == "SKU-L1-L"
    assert line.bonus_credit.amount_minor > 0
    assert line.net_recovery.HasField("exchange_value")


def test_cheap_item_is_refunded_without_a_return(stub: Stub) -> None:
    decision = decide(stub, request(item(unit_price=usd(1500), unit_cost=usd(500))))
    (line,) = decision.items
    assert line.outcome == pb.OUTCOME_APPROVE_RETURNLESS_REFUND, [r.code for r in line.reasons]
    assert not line.label_required
    assert "RETURNLESS_REFUND" in codes(line.reasons)


def test_batch_gives_the_same_results_as_single_calls(stub: Stub) -> None:
    messages = [
        request(request_id="a"),
        request(item(final_sale=True), request_id="b", days_since_delivery=45),
        request(item(unit_price=usd(-5)), request_id="c"),
        request(customer={"tags": ["return-abuse"]}, request_id="d"),
    ]
    batch = stub.DecideReturns(pb.DecideReturnsRequest(requests=messages)).results
    assert len(batch) == 4
    kinds = [result.WhichOneof("result") for result in batch]
    assert kinds == ["decision", "decision", "error", "decision"]
    for message, result in zip(messages, batch, strict=True):
        single = single_outcome(stub, message)
        if isinstance(single, pb.ReturnDecision):
            assert result.decision == single
        else:
            assert (result.error.code, result.error.message) == single


def single_outcome(
    stub: Stub, message: pb.DecideReturnRequest
) -> pb.ReturnDecision | tuple[int, str]:
    try:
        return stub.DecideReturn(message).decision
    except grpc.RpcError as error:
        failure: Any = error
        return failure.code().value[0], failure.details()


def test_same_request_gives_the_same_decision(stub: Stub) -> None:
    message = request(item(), item("L2", category="footwear"), request_id="det")
    assert decide(stub, message) == decide(stub, message)


def deliver_before_placing(message: pb.DecideReturnRequest) -> None:
    placed = message.order.placed_at.seconds
    message.order.delivered_at.seconds = placed - 86_400
    message.order.ClearField("fulfilled_at")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m.items[0].unit_price.CopyFrom(usd(-100)), "items[0].unit_price.amount_minor"),
        (lambda m: m.items[0].ClearField("unit_price"), "items[0].unit_price"),
        (lambda m: m.items[0].unit_price.CopyFrom(usd(10**12)), "items[0].unit_price.amount_minor"),
        (lambda m: setattr(m.order.total, "currency_code", "XXX"), "order.total.currency_code"),
        (deliver_before_placing, "order.delivered_at"),
        (lambda m: m.ClearField("items"), "items"),
        (lambda m: m.customer.ClearField("customer_id"), "customer.customer_id"),
        (lambda m: setattr(m.items[0], "reason", 999), "items[0].reason"),
    ],
    ids=["negative-price", "missing-price", "absurd-price", "unknown-currency",
         "delivered-before-ordered", "no-items", "no-customer-id", "unknown-enum"],
)  # fmt: skip
def test_bad_input_is_invalid_argument_naming_the_field(
    stub: Stub, change: Any, field: str
) -> None:
    message = request()
    change(message)
    with pytest.raises(grpc.RpcError) as caught:
        stub.DecideReturn(message)
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in violations(error), violations(error)


def test_unknown_tenant_is_not_found(stub: Stub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.DecideReturn(request(tenant="no-such-merchant"))
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_serves_health_and_reflection(server: ServerThread) -> None:
    assert_health_and_reflection(server.target, SPEC)
