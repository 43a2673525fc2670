"""Every policy feature and every outcome through the generated stubs: a real server on
port 0 serving small test policies (one tenant per feature, written below), the real
durable_rules and the tiny LightGBM models trained by conftest's `registry`.

The risk models are never mocked. Where a test needs a risk band or score, it picks
request inputs the real models score that way and first asserts the band or score it
relies on, so a retrained model that scores differently fails with a clear message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import REQUESTED, ago, item, request, stamp, usd
from services.returns_decision.server import SPEC
from services.returns_decision.settings import ReturnsSettings
from tests.integration.harness import serving
from tests.integration.returns_decision.conftest import Stub

# ---------------------------------------------------------------- test policies

DOCUMENTS: dict[str, dict[str, Any]] = {}

IN_WINDOW = {
    "id": "in-window",
    "when": {"item.days_over_window": {"lte": 0}},
    "then": {"outcome": "APPROVE", "reason": "WITHIN_RETURN_POLICY"},
}
# Nothing resells and a kept item costs nothing: every approved line is worth keeping
# rather than taking back, so only the keep-it limits and risk decide.
NOTHING_RESELLS = {
    "defaults": {
        "grade_mix": {"resell_as_new": 0, "open_box": 0, "refurbish": 0, "liquidate": 1},
        "liquidation_rate": 0,
        "abuse_leak_rate": 0,
    }
}


def policy(tenant: str, *rules: dict[str, Any], in_window: bool = True, **sections: Any) -> str:
    """Registers a policy document for `tenant` (30 days from delivery, in-window lines
    approved unless `in_window=False`, free return shipping, then `rules`) and returns the
    tenant id."""
    document: dict[str, Any] = {
        "schema_version": 1,
        "tenant": tenant,
        "label": f"{tenant} test",
        "currency": "USD",
        "return_window": {"days": 30},
        "rules": [IN_WINDOW, *rules] if in_window else list(rules),
    }
    document.update(sections)
    DOCUMENTS[tenant] = document
    return tenant


def rule(rule_id: str, when: dict[str, Any] | None, **then: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": rule_id, "then": then}
    if when is not None:
        entry["when"] = when
    return entry


def text(tenant: str) -> str:
    return yaml.safe_dump(DOCUMENTS[tenant], sort_keys=False)


WINDOWS = policy(
    "pf-windows",
    return_window={
        "days": 30,
        "clock": "delivery",
        "transit_buffer_days": 4,
        "overrides": [
            {"id": "footwear-window", "categories": ["Footwear"], "days": 60},
            {"id": "clearance-window", "tags": ["clearance"], "days": 7},
            {"id": "dress-window", "product_types": ["dress"], "days": 45},
        ],
        "holiday_extensions": [
            {
                "id": "holiday-2024",
                "purchased_from": date(2024, 11, 1),
                "purchased_to": date(2024, 12, 24),
                "return_by": date(2025, 3, 15),
            }
        ],
    },
)
FULFILMENT = policy(
    "pf-fulfilment",
    return_window={"days": 30, "clock": "fulfilment", "transit_buffer_days": 5},
)
FINAL_SALE = policy(
    "pf-final-sale",
    rule(
        "final-sale",
        {"item.final_sale": True},
        outcome="DENY",
        reason="FINAL_SALE",
        message_key="returns.final_sale.not_returnable",
    ),
)
FINAL_SALE_EXCHANGE = policy(
    "pf-final-sale-exchange",
    rule(
        "final-sale-exchange-only",
        {"item.final_sale": True},
        outcome="EXCHANGE_ONLY",
        reason="FINAL_SALE_EXCHANGE_ONLY",
    ),
    exchange={"enabled": True, "bonus_credit": {"percent": 10}},
    fees={
        "return_shipping": "flat",
        "return_shipping_amount": 595,
        "free_shipping_for_exchanges": True,
    },
)
ELIGIBILITY = policy(
    "pf-eligibility",
    rule(
        "intimates-need-tags",
        {
            "all": [
                {"item.category": {"in": ["swimwear", "underwear"]}},
                {"item.condition": {"not_in": ["sealed", "unworn_with_tags"]}},
            ]
        },
        outcome="DENY",
        reason="HYGIENE_ITEM",
    ),
    rule("hygiene", {"item.category": "hygiene"}, outcome="DENY", reason="HYGIENE_ITEM"),
    rule(
        "personalised",
        {"item.tags": {"contains_any": ["personalised", "engraved"]}},
        outcome="DENY",
        reason="PERSONALIZED_ITEM",
    ),
    rule(
        "gift-cards",
        {"any": [{"item.category": "gift_card"}, {"item.tags": {"contains": "gift-card"}}]},
        outcome="DENY",
        reason="GIFT_CARD",
    ),
    rule(
        "perishables",
        {"item.category": {"in": ["food", "flowers"]}},
        outcome="DENY",
        reason="NON_RETURNABLE_CATEGORY",
    ),
    rule(
        "sealed-audio",
        {"all": [{"item.product_type": "headphones"}, {"item.condition": {"ne": "sealed"}}]},
        outcome="DENY",
        reason="CONDITION_NOT_MET",
    ),
)
RESTOCKING = policy(
    "pf-restocking",
    rule(
        "restock-opened",
        {"item.condition": {"in": ["unworn_without_tags", "like_new"]}},
        restocking_fee_percent=10,
        reason="RESTOCKING_FEE",
    ),
    rule(
        "restock-electronics",
        {"item.category": "electronics"},
        restocking_fee_percent=12.5,
        reason="RESTOCKING_FEE",
    ),
    rule(
        "our-mistake",
        {"item.reason": {"in": ["defective", "damaged", "wrong_item"]}},
        outcome="APPROVE",
        reason="MERCHANT_ERROR",
        waive_fees=["restocking"],
    ),
    rule("final-sale", {"item.final_sale": True}, outcome="DENY", reason="FINAL_SALE"),
)
FLAT_SHIPPING = policy(
    "pf-ship-flat",
    rule("final-sale", {"item.final_sale": True}, outcome="DENY", reason="FINAL_SALE"),
    rule(
        "our-mistake",
        {"item.reason": "defective"},
        outcome="APPROVE",
        reason="MERCHANT_ERROR",
        waive_fees=["return_shipping", "handling"],
    ),
    fees={"return_shipping": "flat", "return_shipping_amount": 595, "handling_amount": 101},
)
FREE_SHIPPING = policy("pf-ship-free", fees={"return_shipping": "free", "handling_amount": 250})
CUSTOMER_PAID = policy("pf-ship-customer", fees={"return_shipping": "customer_paid"})
PAID_EXCHANGE_LABEL = policy(
    "pf-ship-exchange",
    exchange={"enabled": True},
    fees={
        "return_shipping": "flat",
        "return_shipping_amount": 500,
        "free_shipping_for_exchanges": False,
    },
)
KEEP_IT = {
    "enabled": True,
    "max_item_value": 2500,
    "max_return_value": 4000,
    "limit": "once_per_product",
    "allowed_risk_bands": ["LOW", "MEDIUM"],
    "require_risk_assessment": True,
}
KEEP_IT_PER_PRODUCT = policy("pf-keep-it", keep_it=KEEP_IT, economics=NOTHING_RESELLS)
KEEP_IT_PER_CUSTOMER = policy(
    "pf-keep-it-once",
    keep_it={**KEEP_IT, "limit": "once_per_customer"},
    economics=NOTHING_RESELLS,
)
EXCHANGE = policy(
    "pf-exchange",
    rule(
        "serial-returner",
        {"customer.returns_last_90_days": {"gte": 6}},
        refund_method="store_credit",
        reason="SERIAL_RETURNER",
    ),
    defaults={"refund_method": "store_credit"},
    exchange={
        "enabled": True,
        "offer_for_reasons": ["size_too_small", "size_too_large", "poor_fit"],
        "bonus_credit": {"percent": 10, "flat": 100, "max_amount": 700},
    },
    store_credit={"bonus_credit": {"percent": 5, "max_amount": 1000}},
)
ABUSER_EMAIL_SHA256 = hashlib.sha256(b"abuser@example.com").hexdigest()
LISTS = policy(
    "pf-lists",
    rule(
        "blocked-customer",
        {"customer.lists": {"contains": "blocked"}},
        outcome="DENY",
        reason="CUSTOMER_BLOCKED",
    ),
    rule(
        "eligible-countries",
        {"order.country": {"not_in": ["US", "CA", "NO"]}},
        outcome="DENY",
        reason="COUNTRY_NOT_ELIGIBLE",
    ),
    rule(
        "restock-no-tags",
        {"item.condition": {"in": ["unworn_without_tags", "like_new"]}},
        restocking_fee_percent=10,
        reason="RESTOCKING_FEE",
    ),
    rule(
        "vip-grace",
        {"all": [{"customer.lists": {"contains": "vip"}}, {"item.days_over_window": {"lte": 14}}]},
        outcome="APPROVE",
        reason="EXEMPTION_APPLIED",
        exempt_from=["return_window", "restock-no-tags"],
    ),
    rule(
        "vip-free-shipping",
        {"customer.lists": {"contains": "vip"}},
        reason="FEES_WAIVED",
        waive_fees=["return_shipping"],
    ),
    customer_lists={
        "blocked": {
            "customer_ids": ["cust-banned-001"],
            "email_sha256": [ABUSER_EMAIL_SHA256],
            "customer_tags": ["return-abuse"],
        },
        "vip": {"customer_ids": ["cust-vip-7"], "customer_tags": ["VIP"]},
    },
    fees={"return_shipping": "flat", "return_shipping_amount": 595},
)
RISK_BANDS = policy(
    "pf-risk",
    rule(
        "fraud-review",
        {"risk.fraud_band": {"in": ["HIGH", "CRITICAL"]}},
        outcome="MANUAL_REVIEW",
        reason="HIGH_FRAUD_RISK",
    ),
    rule(
        "fraud-watch",
        {"risk.fraud_band": "MEDIUM"},
        forbid_keep_it=True,
        reason="KEEP_IT_NOT_ALLOWED",
    ),
    rule(
        "wardrobing-inspect",
        {"risk.wardrobing_band": {"not_in": ["LOW"]}},  # false when not scored
        require_inspection=True,
        reason="INSPECTION_REQUIRED",
    ),
    rule("unscored", {"risk.assessed": False}, outcome="MANUAL_REVIEW", reason="RISK_NOT_ASSESSED"),
    keep_it={**KEEP_IT, "limit": "unlimited", "allowed_risk_bands": ["LOW", "MEDIUM", "HIGH"]},
    economics=NOTHING_RESELLS,
)
RISK_SCORES = policy(
    "pf-risk-scores",
    rule(
        "fraud-score-review",
        {"risk.fraud_score": {"gte": 0.2}},
        outcome="MANUAL_REVIEW",
        reason="HIGH_FRAUD_RISK",
    ),
    rule(
        "wardrobing-score-inspect",
        {"risk.wardrobing_score": {"gte": 0.02}},
        require_inspection=True,
        forbid_keep_it=True,
        reason="HIGH_WARDROBING_RISK",
    ),
    keep_it={**KEEP_IT, "allowed_risk_bands": ["LOW", "MEDIUM", "HIGH", "CRITICAL"]},
    economics=NOTHING_RESELLS,
)
CONDITIONS = policy(
    "pf-conditions",
    rule(
        "high-value-review",
        {
            "all": [
                {"order.total": {"gte": 50000}},
                {
                    "any": [
                        {"customer.account_age_days": {"lt": 30}},
                        {"order.payment_method": {"in": ["buy_now_pay_later", "gift_card"]}},
                    ]
                },
            ]
        },
        outcome="MANUAL_REVIEW",
        reason="HIGH_VALUE_REVIEW",
    ),
    rule(
        "discount-abuse",
        {
            "any": [
                {"order.discount_codes": {"contains_any": ["staff50"]}},
                {"all": [{"order.discounted": True}, {"item.reason": "better_price"}]},
            ]
        },
        outcome="DENY",
        reason="POLICY_DENIED",
        message_key="returns.policy.discount_abuse",
    ),
    rule(
        "marketplace-electronics",
        {"all": [{"order.channel": "marketplace"}, {"item.category": "electronics"}]},
        refund_method="store_credit",
        reason="STORE_CREDIT_ONLY",
    ),
    rule(
        "bulk-return-review",
        {
            "all": [
                {"request.item_count": {"gte": 3}},
                {"request.return_value": {"gt": 20000}},
                {"customer.returns_last_90_days": {"gte": 2}},
            ]
        },
        outcome="MANUAL_REVIEW",
        reason="SERIAL_RETURNER",
    ),
)

OUTCOMES = policy(
    "pf-outcomes",
    rule(
        "review-furniture",
        {"item.category": "furniture"},
        outcome="MANUAL_REVIEW",
        reason="POLICY_REVIEW",
    ),
    rule(
        "perishables",
        {"item.category": "food"},
        outcome="DENY",
        reason="NON_RETURNABLE_CATEGORY",
    ),
    keep_it={**KEEP_IT, "max_return_value": 100000},
    exchange={"enabled": True},
    economics=NOTHING_RESELLS,
)

# No rule approves every in-window line here, so a line outside "tops" is decided by
# defaults.no_match_outcome: left unset (MANUAL_REVIEW, the documented default), and DENY.
NO_MATCH = policy(
    "pf-no-match",
    rule("tops-only", {"item.category": "tops"}, outcome="APPROVE", reason="WITHIN_RETURN_POLICY"),
    in_window=False,
)
NO_MATCH_DENY = policy("pf-no-match-deny", in_window=False, defaults={"no_match_outcome": "DENY"})


# ---------------------------------------------------------------- servers


@contextmanager
def serving_policies(registry: Path, directory: Path, *, risk_enabled: bool) -> Iterator[Stub]:
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=directory,
        models_registry=registry,
        risk_enabled=risk_enabled,
        policy_reload_seconds=60,
        decision_log_dir=directory.parent / "decision-log",
    )
    with serving(SPEC, settings) as thread, grpc.insecure_channel(thread.target) as channel:
        yield Stub(channel)


@pytest.fixture(scope="module")
def feature_policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("feature-policies")
    for tenant in DOCUMENTS:
        (directory / f"{tenant}.yaml").write_text(text(tenant))
    return directory


@pytest.fixture(scope="module")
def stub(registry: Path, feature_policies: Path) -> Iterator[Stub]:
    """One server for the whole module (instead of conftest's server per test), serving
    every test policy above, with the real models."""
    with serving_policies(registry, feature_policies, risk_enabled=True) as client:
        for tenant in DOCUMENTS:  # a broken test policy would otherwise show as NOT_FOUND
            reply = client.ValidatePolicy(
                pb.ValidatePolicyRequest(tenant_id=tenant, policy_document=text(tenant))
            )
            assert reply.valid, (tenant, [(e.path, e.message) for e in reply.errors])
        yield client


@pytest.fixture(scope="module")
def unscored_stub(registry: Path, feature_policies: Path) -> Iterator[Stub]:
    """The same policies with risk scoring switched off."""
    with serving_policies(registry, feature_policies, risk_enabled=False) as client:
        yield client


# ---------------------------------------------------------------- helpers


def decide(stub: Stub, message: pb.DecideReturnRequest) -> pb.ReturnDecision:
    decision: pb.ReturnDecision = stub.DecideReturn(message).decision
    return decision


def explained(reasons: Any) -> set[tuple[str, str]]:
    """(code, rule id) of every reason."""
    return {(r.code, r.rule_id) for r in reasons}


def the_reason(reasons: Any, code: str) -> pb.Reason:
    found = [r for r in reasons if r.code == code]
    assert len(found) == 1, (code, [(r.code, r.rule_id) for r in reasons])
    reason: pb.Reason = found[0]
    return reason


def day(stamp_: Any) -> date:
    moment = stamp_.ToDatetime(tzinfo=UTC)
    assert (moment.hour, moment.minute, moment.second) == (23, 59, 59)  # end of the day
    result: date = moment.date()
    return result


def outcomes(decision: pb.ReturnDecision) -> list[int]:
    return [line.outcome for line in decision.items]


def refunds(decision: pb.ReturnDecision) -> list[int]:
    return [line.refund.amount.amount_minor for line in decision.items]


def dated(
    message: pb.DecideReturnRequest,
    *,
    placed: datetime,
    fulfilled: datetime | None = None,
    delivered: datetime | None = None,
    requested: datetime = REQUESTED,
) -> pb.DecideReturnRequest:
    """The request with the order's dates replaced (None: unknown)."""
    order = message.order
    order.placed_at.CopyFrom(stamp(placed))
    order.ClearField("fulfilled_at")
    order.ClearField("delivered_at")
    if fulfilled is not None:
        order.fulfilled_at.CopyFrom(stamp(fulfilled))
    if delivered is not None:
        order.delivered_at.CopyFrom(stamp(delivered))
    message.requested_at.CopyFrom(stamp(requested))
    return message


def candidate(
    line: str, price: int = 6000, stock: int = 3, cost: int = 2400
) -> pb.ExchangeCandidate:
    return pb.ExchangeCandidate(
        line_item_id=line,
        sku=f"SKU-{line}-ALT",
        unit_price=usd(price),
        unit_cost=usd(cost),
        available_quantity=stock,
        variant_attributes={"size": f"M-{line}"},
    )


def at(year: int, month: int, day_: int) -> datetime:
    return datetime(year, month, day_, 12, 0, tzinfo=UTC)


NEW_ACCOUNT = {"account_age_days": 0, "lifetime_orders": 1}  # the models score it as fraud
APPROVE = pb.OUTCOME_APPROVE_RETURN
KEEP = pb.OUTCOME_APPROVE_RETURNLESS_REFUND
EXCHANGE_OFFER = pb.OUTCOME_OFFER_EXCHANGE
REVIEW = pb.OUTCOME_MANUAL_REVIEW
DENY = pb.OUTCOME_DENY


# ---------------------------------------------------------------- return windows


def test_window_overrides_by_category_tag_and_product_type_first_match_wins(stub: Stub) -> None:
    # Delivered 2025-01-29, 40 days before the request (2025-03-10).
    decision = decide(
        stub,
        request(
            item("L1", category="footwear", tags=["clearance"]),  # footwear (60) listed first
            item("L2", tags=["CLEARANCE"]),  # 7 days; labels compare case-insensitively
            item("L3", product_type="Dress"),  # 45 days
            item("L4"),  # the default 30 days
            tenant=WINDOWS,
            days_since_delivery=40,
        ),
    )
    assert outcomes(decision) == [APPROVE, DENY, APPROVE, DENY]
    assert decision.outcome == DENY
    assert [day(line.return_by) for line in decision.items] == [
        date(2025, 3, 30),
        date(2025, 2, 5),
        date(2025, 3, 15),
        date(2025, 2, 28),
    ]
    footwear, clearance, dress, default = decision.items
    assert explained(footwear.reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert explained(dress.reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert explained(clearance.reasons) == {("OUTSIDE_RETURN_WINDOW", "clearance-window")}
    late = the_reason(clearance.reasons, "OUTSIDE_RETURN_WINDOW")
    assert late.message_key == "returns.reason.outside_return_window"
    assert dict(late.params) == {"window_days": "7", "return_by": "2025-02-05", "days_over": "33"}
    assert explained(default.reasons) == {("OUTSIDE_RETURN_WINDOW", "return_window")}
    assert the_reason(default.reasons, "OUTSIDE_RETURN_WINDOW").params["days_over"] == "10"
    assert refunds(decision) == [6000, 0, 6000, 0]
    assert clearance.refund.method == pb.REFUND_METHOD_NONE
    assert decision.refund_total == usd(12000)
    assert decision.policy.tenant_id == WINDOWS
    assert decision.policy.label == "pf-windows test"
    expected_hash = hashlib.sha256(text(WINDOWS).encode()).hexdigest()
    assert decision.policy.content_hash == f"sha256:{expected_hash}"


def test_window_counted_from_delivery_to_its_last_day(stub: Stub) -> None:
    last_day = decide(stub, request(tenant=WINDOWS, days_since_delivery=30))
    assert last_day.outcome == APPROVE
    assert day(last_day.items[0].return_by) == REQUESTED.date()
    one_over = decide(stub, request(tenant=WINDOWS, days_since_delivery=31))
    assert one_over.outcome == DENY
    late = the_reason(one_over.items[0].reasons, "OUTSIDE_RETURN_WINDOW")
    assert (late.rule_id, dict(late.params)) == (
        "return_window",
        {"window_days": "30", "return_by": "2025-03-09", "days_over": "1"},
    )


def test_delivery_clock_without_a_delivery_date_uses_fulfilment_plus_buffer(stub: Stub) -> None:
    # pf-windows counts from delivery with a 4-day transit buffer.
    inside = dated(request(tenant=WINDOWS), placed=ago(36), fulfilled=ago(34))
    decision = decide(stub, inside)
    assert decision.outcome == APPROVE
    assert day(decision.items[0].return_by) == date(2025, 3, 10)  # 2025-02-04 + 4 + 30
    outside = dated(request(tenant=WINDOWS), placed=ago(36), fulfilled=ago(35))
    late = decide(stub, outside)
    assert late.outcome == DENY
    assert the_reason(late.items[0].reasons, "OUTSIDE_RETURN_WINDOW").params["days_over"] == "1"


def test_fulfilment_clock_adds_the_transit_buffer_and_ignores_delivery(stub: Stub) -> None:
    # Fulfilled 36 days ago, delivered 2 days ago: the window started 31 days ago.
    late = decide(
        stub, dated(request(tenant=FULFILMENT), placed=ago(37), fulfilled=ago(36), delivered=ago(2))
    )
    assert late.outcome == DENY
    reason = the_reason(late.items[0].reasons, "OUTSIDE_RETURN_WINDOW")
    assert dict(reason.params) == {"window_days": "30", "return_by": "2025-03-09", "days_over": "1"}
    # Fulfilled 35 days ago, delivered 34 days ago: the last day is today, not 2025-04-05.
    inside = decide(
        stub,
        dated(request(tenant=FULFILMENT), placed=ago(36), fulfilled=ago(35), delivered=ago(34)),
    )
    assert inside.outcome == APPROVE
    assert day(inside.items[0].return_by) == date(2025, 3, 10)
    # Neither date known: the order date plus the buffer.
    placed_only = decide(stub, dated(request(tenant=FULFILMENT), placed=ago(35)))
    assert placed_only.outcome == APPROVE
    assert day(placed_only.items[0].return_by) == date(2025, 3, 10)


def test_holiday_extension_keeps_holiday_orders_returnable(stub: Stub) -> None:
    holiday_order = {"placed": at(2024, 12, 20), "delivered": at(2024, 12, 23)}
    # Normal window ended 2025-01-22; the extension runs to 2025-03-15.
    decision = decide(stub, dated(request(tenant=WINDOWS), **holiday_order))
    assert decision.outcome == APPROVE
    (line,) = decision.items
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("HOLIDAY_WINDOW_APPLIED", "holiday-2024"),
    }
    holiday = the_reason(line.reasons, "HOLIDAY_WINDOW_APPLIED")
    assert holiday.message_key == "returns.reason.holiday_window_applied"
    assert dict(holiday.params) == {"return_by": "2025-03-15"}
    assert day(line.return_by) == date(2025, 3, 15)
    assert line.refund.amount == usd(6000)

    # Within the normal window the extension is not what keeps the item returnable.
    early = decide(stub, dated(request(tenant=WINDOWS), **holiday_order, requested=at(2025, 1, 10)))
    assert explained(early.items[0].reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert day(early.items[0].return_by) == date(2025, 3, 15)

    # After the extended end, the extension is the rule that set the window.
    after = decide(stub, dated(request(tenant=WINDOWS), **holiday_order, requested=at(2025, 3, 16)))
    assert after.outcome == DENY
    late = the_reason(after.items[0].reasons, "OUTSIDE_RETURN_WINDOW")
    assert (late.rule_id, dict(late.params)) == (
        "holiday-2024",
        {"window_days": "82", "return_by": "2025-03-15", "days_over": "1"},
    )

    january = decide(
        stub, dated(request(tenant=WINDOWS), placed=at(2025, 1, 5), delivered=at(2025, 1, 8))
    )
    assert january.outcome == DENY
    assert explained(january.items[0].reasons) == {("OUTSIDE_RETURN_WINDOW", "return_window")}
    assert day(january.items[0].return_by) == date(2025, 2, 7)


# ---------------------------------------------------------------- eligibility


def test_final_sale_item_is_not_returnable(stub: Stub) -> None:
    decision = decide(stub, request(item("L1", final_sale=True), item("L2"), tenant=FINAL_SALE))
    assert outcomes(decision) == [DENY, APPROVE]
    assert decision.outcome == DENY  # the most restrictive item outcome
    final, regular = decision.items
    assert explained(final.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("FINAL_SALE", "final-sale"),
    }
    assert the_reason(final.reasons, "FINAL_SALE").message_key == (
        "returns.final_sale.not_returnable"
    )
    assert the_reason(final.reasons, "WITHIN_RETURN_POLICY").message_key == (
        "returns.reason.within_return_policy"
    )
    assert final.refund.amount == usd(0)
    assert final.refund.method == pb.REFUND_METHOD_NONE
    assert not final.label_required
    assert regular.refund.amount == usd(6000)
    assert regular.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT
    assert regular.label_required
    assert decision.label_required
    assert decision.refund_total == usd(6000)


def test_final_sale_item_is_exchange_only_without_bonus(stub: Stub) -> None:
    message = request(item("L1", final_sale=True), tenant=FINAL_SALE_EXCHANGE)
    message.exchange_candidates.append(candidate("L1"))
    decision = decide(stub, message)
    (line,) = decision.items
    assert line.outcome == EXCHANGE_OFFER
    assert decision.outcome == EXCHANGE_OFFER
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("FINAL_SALE_EXCHANGE_ONLY", "final-sale-exchange-only"),
    }
    assert line.exchange_offer.sku == "SKU-L1-ALT"
    assert line.exchange_offer.unit_price == usd(6000)
    assert line.refund.amount == usd(0)
    assert line.refund.method == pb.REFUND_METHOD_NONE
    assert line.bonus_credit == usd(0)  # exchange-only needs no incentive
    assert line.label_required
    assert line.net_recovery.HasField("exchange_value")
    # Only an exchange ships back, and exchanges ship free: no fee at all.
    assert line.fees.total == usd(0)
    assert not decision.reasons

    # With a regular item in the same return, that item pays the return shipping.
    mixed = request(item("L1", final_sale=True), item("L2"), tenant=FINAL_SALE_EXCHANGE)
    mixed.exchange_candidates.append(candidate("L1"))
    both = decide(stub, mixed)
    assert outcomes(both) == [EXCHANGE_OFFER, APPROVE]
    assert both.outcome == EXCHANGE_OFFER
    assert [line.fees.return_shipping.amount_minor for line in both.items] == [0, 595]
    assert refunds(both) == [0, 6000 - 595]
    assert explained(both.reasons) == {("RETURN_SHIPPING_FEE", "fees.return_shipping")}


def test_condition_requirements_and_non_returnable_categories(stub: Stub) -> None:
    decision = decide(
        stub,
        request(
            item(
                "L1", category="swimwear", reported_condition=pb.ITEM_CONDITION_UNWORN_WITHOUT_TAGS
            ),
            item("L2", category="swimwear", reported_condition=pb.ITEM_CONDITION_UNWORN_WITH_TAGS),
            item("L3", category="Hygiene", reported_condition=pb.ITEM_CONDITION_SEALED),
            item("L4", tags=["Engraved"]),
            item("L5", category="accessories", tags=["gift-card"]),
            item("L6", product_type="headphones", reported_condition=pb.ITEM_CONDITION_LIKE_NEW),
            item("L7", product_type="headphones", reported_condition=pb.ITEM_CONDITION_SEALED),
            item("L8", category="food"),
            tenant=ELIGIBILITY,
        ),
    )
    in_window = ("WITHIN_RETURN_POLICY", "in-window")
    expected = {
        "L1": (DENY, ("HYGIENE_ITEM", "intimates-need-tags")),
        "L2": (APPROVE, None),
        "L3": (DENY, ("HYGIENE_ITEM", "hygiene")),
        "L4": (DENY, ("PERSONALIZED_ITEM", "personalised")),
        "L5": (DENY, ("GIFT_CARD", "gift-cards")),
        "L6": (DENY, ("CONDITION_NOT_MET", "sealed-audio")),
        "L7": (APPROVE, None),
        "L8": (DENY, ("NON_RETURNABLE_CATEGORY", "perishables")),
    }
    for line in decision.items:
        outcome, denial = expected[line.line_item_id]
        assert line.outcome == outcome, line.line_item_id
        wanted = {in_window, denial} if denial else {in_window}
        assert explained(line.reasons) == wanted, line.line_item_id
        assert line.refund.amount == usd(0 if denial else 6000), line.line_item_id
    assert decision.outcome == DENY
    assert decision.refund_total == usd(12000)


# ---------------------------------------------------------------- fees


def test_restocking_fee_by_category_and_condition_takes_the_highest(stub: Stub) -> None:
    decision = decide(
        stub,
        request(
            item(
                "L1",
                category="electronics",
                unit_price=usd(3333),
                reported_condition=pb.ITEM_CONDITION_LIKE_NEW,
            ),
            item(
                "L2", unit_price=usd(2000), reported_condition=pb.ITEM_CONDITION_UNWORN_WITHOUT_TAGS
            ),
            item("L3"),
            item(
                "L4",
                category="electronics",
                unit_price=usd(5000),
                reason=pb.RETURN_REASON_DEFECTIVE,
            ),
            item("L5", category="electronics", final_sale=True),
            tenant=RESTOCKING,
        ),
    )
    assert outcomes(decision) == [APPROVE, APPROVE, APPROVE, APPROVE, DENY]
    opened, worn, pristine, defective, denied = decision.items
    # 12.5 % of $33.33 is $4.16625: rounded once, to $4.17.
    assert opened.fees.restocking == usd(417)
    assert opened.fees.total == usd(417)
    assert opened.refund.amount == usd(3333 - 417)
    assert {
        (r.rule_id, r.params["percent"]) for r in opened.reasons if r.code == "RESTOCKING_FEE"
    } == {
        ("restock-opened", "10"),
        ("restock-electronics", "12.5"),
    }
    assert worn.fees.restocking == usd(200)
    assert worn.refund.amount == usd(1800)
    assert explained(worn.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("RESTOCKING_FEE", "restock-opened"),
    }
    assert pristine.fees.total == usd(0)
    assert explained(pristine.reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert defective.fees.restocking == usd(0)  # waived: our mistake
    assert defective.refund.amount == usd(5000)
    assert ("MERCHANT_ERROR", "our-mistake") in explained(defective.reasons)
    assert denied.fees.total == usd(0)  # a denied item pays no fee
    assert decision.fees_total == usd(617)
    assert decision.refund_total == usd(3333 - 417 + 1800 + 6000 + 5000)
    assert not decision.reasons  # restocking is per item, not per request


def test_flat_return_shipping_and_handling_split_over_refunded_items(stub: Stub) -> None:
    decision = decide(stub, request(item("L1"), item("L2"), tenant=FLAT_SHIPPING))
    assert outcomes(decision) == [APPROVE, APPROVE]
    assert [line.fees.return_shipping.amount_minor for line in decision.items] == [298, 297]
    assert [line.fees.handling.amount_minor for line in decision.items] == [51, 50]
    assert [line.fees.total.amount_minor for line in decision.items] == [349, 347]
    assert refunds(decision) == [6000 - 349, 6000 - 347]
    assert decision.fees_total == usd(696)
    assert decision.refund_total == usd(12000 - 696)
    assert decision.label_required
    shipping = the_reason(decision.reasons, "RETURN_SHIPPING_FEE")
    handling = the_reason(decision.reasons, "HANDLING_FEE")
    assert (shipping.rule_id, shipping.message_key, dict(shipping.params)) == (
        "fees.return_shipping",
        "returns.reason.return_shipping_fee",
        {"amount_minor": "595", "currency": "USD"},
    )
    assert (handling.rule_id, handling.message_key, dict(handling.params)) == (
        "fees.handling",
        "returns.reason.handling_fee",
        {"amount_minor": "101", "currency": "USD"},
    )

    # A denied item pays nothing: the only refunded item carries both fees.
    partly = decide(stub, request(item("L1"), item("L2", final_sale=True), tenant=FLAT_SHIPPING))
    assert outcomes(partly) == [APPROVE, DENY]
    assert [line.fees.total.amount_minor for line in partly.items] == [696, 0]
    assert refunds(partly) == [6000 - 696, 0]

    # Our mistake waives shipping and handling for the whole return.
    waived = decide(
        stub,
        request(item("L1", reason=pb.RETURN_REASON_DEFECTIVE), item("L2"), tenant=FLAT_SHIPPING),
    )
    assert outcomes(waived) == [APPROVE, APPROVE]
    assert waived.fees_total == usd(0)
    assert waived.refund_total == usd(12000)
    assert not waived.reasons


def test_free_return_shipping_with_a_handling_fee(stub: Stub) -> None:
    decision = decide(stub, request(tenant=FREE_SHIPPING))
    (line,) = decision.items
    assert line.outcome == APPROVE
    assert line.label_required  # a prepaid label, at no charge
    assert line.fees.return_shipping == usd(0)
    assert line.fees.handling == usd(250)
    assert line.refund.amount == usd(5750)
    assert explained(decision.reasons) == {("HANDLING_FEE", "fees.handling")}


def test_customer_paid_return_shipping_needs_no_label(stub: Stub) -> None:
    decision = decide(stub, request(item("L1"), item("L2"), tenant=CUSTOMER_PAID))
    assert outcomes(decision) == [APPROVE, APPROVE]
    assert [line.label_required for line in decision.items] == [False, False]
    assert not decision.label_required
    assert decision.fees_total == usd(0)
    assert decision.refund_total == usd(12000)
    assert not decision.reasons


def test_paid_return_label_on_an_exchange(stub: Stub) -> None:
    message = request(
        item("L1", reason=pb.RETURN_REASON_SIZE_TOO_LARGE), tenant=PAID_EXCHANGE_LABEL
    )
    message.exchange_candidates.append(candidate("L1"))
    decision = decide(stub, message)
    (line,) = decision.items
    assert line.outcome == EXCHANGE_OFFER
    # No refund to take it from: the exchange line carries the fee, the customer owes it.
    assert line.fees.return_shipping == usd(500)
    assert line.fees.total == usd(500)
    assert line.refund.amount == usd(0)
    assert decision.fees_total == usd(500)
    assert decision.amount_due == usd(500)
    assert explained(decision.reasons) == {("RETURN_SHIPPING_FEE", "fees.return_shipping")}
    assert decision.label_required


# ---------------------------------------------------------------- keep it


def test_returnless_refund_when_taking_the_item_back_is_worth_less(stub: Stub) -> None:
    decision = decide(stub, request(item("L1", unit_price=usd(2000)), tenant=KEEP_IT_PER_PRODUCT))
    (line,) = decision.items
    assert line.outcome == KEEP
    assert decision.outcome == KEEP
    value = line.net_recovery
    assert value.take_back_value.amount_minor < value.keep_it_value.amount_minor == 0
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("RETURNLESS_REFUND", "keep_it"),
    }
    kept = the_reason(line.reasons, "RETURNLESS_REFUND")
    assert kept.message_key == "returns.reason.returnless_refund"
    assert dict(kept.params) == {
        "take_back_value": str(value.take_back_value.amount_minor),
        "keep_it_value": "0",
    }
    assert line.refund.amount == usd(2000)
    assert line.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT
    assert line.fees.total == usd(0)
    assert not line.label_required
    assert not decision.label_required


def test_keep_it_item_and_return_value_limits(stub: Stub) -> None:
    dear = decide(stub, request(item("L1", unit_price=usd(3000)), tenant=KEEP_IT_PER_PRODUCT))
    (line,) = dear.items
    assert line.outcome == APPROVE
    assert line.label_required
    limit = the_reason(line.reasons, "KEEP_IT_VALUE_LIMIT")
    assert (limit.rule_id, dict(limit.params)) == ("keep_it.max_item_value", {"limit": "2500"})
    assert limit.message_key == "returns.reason.keep_it_value_limit"

    # $20 + $25 (each within the item limit) is over the $40 request limit.
    two = decide(
        stub,
        request(
            item("L1", unit_price=usd(2000)),
            item("L2", unit_price=usd(2500)),
            tenant=KEEP_IT_PER_PRODUCT,
        ),
    )
    assert outcomes(two) == [APPROVE, APPROVE]
    for line in two.items:
        limit = the_reason(line.reasons, "KEEP_IT_VALUE_LIMIT")
        assert (limit.rule_id, dict(limit.params)) == (
            "keep_it.max_return_value",
            {"limit": "4000"},
        )


def test_keep_it_once_per_product(stub: Stub) -> None:
    kept_before = {"returnless_refunds": 1, "returnless_refund_product_ids": ["P-L1"]}
    decision = decide(
        stub,
        request(
            item("L1", unit_price=usd(1500)),
            item("L2", unit_price=usd(1500)),
            tenant=KEEP_IT_PER_PRODUCT,
            customer=kept_before,
        ),
    )
    assert outcomes(decision) == [APPROVE, KEEP]
    limit = the_reason(decision.items[0].reasons, "KEEP_IT_LIMIT_REACHED")
    assert (limit.rule_id, dict(limit.params)) == ("keep_it.limit", {"limit": "once_per_product"})
    assert decision.outcome == APPROVE
    # The same product twice in one request: only the first line is kept.
    same = decide(
        stub,
        request(
            item("L1", unit_price=usd(1500), product_id="P-9"),
            item("L2", unit_price=usd(1500), product_id="P-9"),
            tenant=KEEP_IT_PER_PRODUCT,
        ),
    )
    assert outcomes(same) == [KEEP, APPROVE]
    assert ("KEEP_IT_LIMIT_REACHED", "keep_it.limit") in explained(same.items[1].reasons)


def test_keep_it_once_per_customer(stub: Stub) -> None:
    cheap = item("L1", unit_price=usd(1500))
    returning = decide(
        stub, request(cheap, tenant=KEEP_IT_PER_CUSTOMER, customer={"returnless_refunds": 1})
    )
    assert returning.outcome == APPROVE
    limit = the_reason(returning.items[0].reasons, "KEEP_IT_LIMIT_REACHED")
    assert (limit.rule_id, dict(limit.params)) == ("keep_it.limit", {"limit": "once_per_customer"})
    first_time = decide(
        stub, request(cheap, item("L2", unit_price=usd(1500)), tenant=KEEP_IT_PER_CUSTOMER)
    )
    assert outcomes(first_time) == [KEEP, APPROVE]
    assert ("KEEP_IT_LIMIT_REACHED", "keep_it.limit") in explained(first_time.items[1].reasons)
    assert [line.label_required for line in first_time.items] == [False, True]


def test_keep_it_never_for_risky_customers(stub: Stub) -> None:
    cheap = item("L1", unit_price=usd(1500))
    trusted = decide(stub, request(cheap, tenant=KEEP_IT_PER_PRODUCT))
    assert trusted.outcome == KEEP
    risky = decide(stub, request(cheap, tenant=KEEP_IT_PER_PRODUCT, customer=NEW_ACCOUNT))
    # The policy allows LOW and MEDIUM; the real fraud model puts a brand-new account higher.
    assert risky.fraud.band in (pb.RISK_BAND_HIGH, pb.RISK_BAND_CRITICAL), risky.fraud
    (line,) = risky.items
    assert line.outcome == APPROVE
    assert line.label_required
    assert line.refund.amount == usd(1500)
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("KEEP_IT_RISK", "keep_it.allowed_risk_bands"),
    }


def test_keep_it_needs_a_risk_assessment(unscored_stub: Stub) -> None:
    decision = decide(
        unscored_stub, request(item("L1", unit_price=usd(1500)), tenant=KEEP_IT_PER_PRODUCT)
    )
    assert not decision.HasField("fraud")
    assert not decision.HasField("wardrobing")
    assert decision.outcome == APPROVE
    assert ("KEEP_IT_RISK", "keep_it.require_risk_assessment") in explained(
        decision.items[0].reasons
    )


# ---------------------------------------------------------------- exchanges and store credit


def test_exchange_offered_for_size_and_fit_with_capped_bonus_credit(stub: Stub) -> None:
    message = request(
        item("L1", unit_price=usd(4000), reason=pb.RETURN_REASON_SIZE_TOO_SMALL),
        item("L2", unit_price=usd(9000), reason=pb.RETURN_REASON_POOR_FIT),
        item("L3", reason=pb.RETURN_REASON_CHANGED_MIND),
        item("L4", reason=pb.RETURN_REASON_SIZE_TOO_LARGE),
        tenant=EXCHANGE,
    )
    message.exchange_candidates.extend(
        [
            candidate("L1", price=4000, cost=1500),
            candidate("L2", price=9000, stock=1),
            candidate("L3"),
            candidate("L4", stock=0),  # out of stock
        ]
    )
    decision = decide(stub, message)
    assert outcomes(decision) == [EXCHANGE_OFFER, EXCHANGE_OFFER, APPROVE, APPROVE]
    assert decision.outcome == EXCHANGE_OFFER
    small, fit, changed_mind, no_stock = decision.items
    # 10 % + $1, capped at $7: $5 for the $40 line, $7 (not $10) for the $90 one.
    assert [line.bonus_credit.amount_minor for line in decision.items] == [500, 700, 0, 0]
    assert decision.bonus_credit_total == usd(1200)
    assert explained(small.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("EXCHANGE_OFFERED", "exchange"),
        ("EXCHANGE_BONUS_CREDIT", "exchange.bonus_credit"),
    }
    assert dict(the_reason(small.reasons, "EXCHANGE_OFFERED").params) == {"sku": "SKU-L1-ALT"}
    bonus = the_reason(small.reasons, "EXCHANGE_BONUS_CREDIT")
    assert (bonus.message_key, dict(bonus.params)) == (
        "returns.reason.exchange_bonus_credit",
        {"amount_minor": "500"},
    )
    assert small.exchange_offer.sku == "SKU-L1-ALT"
    assert dict(small.exchange_offer.variant_attributes) == {"size": "M-L1"}
    assert small.exchange_offer.unit_cost == usd(1500)
    assert small.refund.amount == usd(0)
    assert small.label_required
    terms = {t.name: t.amount.amount_minor for t in small.net_recovery.terms}
    assert terms["exchange_margin"] == 4000 - 1500
    assert terms["exchange_bonus_credit"] == -500
    assert fit.exchange_offer.sku == "SKU-L2-ALT"
    assert explained(changed_mind.reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert not changed_mind.HasField("exchange_offer")
    assert not changed_mind.net_recovery.HasField("exchange_value")
    assert explained(no_stock.reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert refunds(decision) == [0, 0, 6000, 6000]
    # The customer asked for original payment: no store credit, no store-credit bonus.
    assert changed_mind.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT


def test_exchange_offered_whatever_the_reason_when_the_customer_asks_for_one(stub: Stub) -> None:
    message = request(tenant=EXCHANGE, requested_resolution=pb.RESOLUTION_EXCHANGE)
    message.exchange_candidates.append(candidate("L1"))
    (line,) = decide(stub, message).items
    assert line.outcome == EXCHANGE_OFFER
    assert line.bonus_credit == usd(700)  # $6 + $1 = $7, the cap


def test_store_credit_bonus_when_the_customer_chooses_store_credit(stub: Stub) -> None:
    decision = decide(
        stub,
        request(
            item("L1"),
            item("L2", unit_price=usd(30000)),
            tenant=EXCHANGE,
            requested_resolution=pb.RESOLUTION_STORE_CREDIT,
        ),
    )
    assert outcomes(decision) == [APPROVE, APPROVE]
    first, _ = decision.items
    assert [line.refund.method for line in decision.items] == [pb.REFUND_METHOD_STORE_CREDIT] * 2
    assert refunds(decision) == [6000, 30000]
    # 5 % of the refund, capped at $10.
    assert [line.bonus_credit.amount_minor for line in decision.items] == [300, 1000]
    assert decision.bonus_credit_total == usd(1300)
    bonus = the_reason(first.reasons, "STORE_CREDIT_BONUS")
    assert (bonus.rule_id, bonus.message_key, dict(bonus.params)) == (
        "store_credit.bonus_credit",
        "returns.reason.store_credit_bonus",
        {"amount_minor": "300"},
    )
    # 15 % of the credit issued (refund + bonus) is never redeemed.
    assert first.net_recovery.store_credit_breakage == usd(945)


def test_store_credit_imposed_by_a_rule_or_the_default_gets_no_bonus(stub: Stub) -> None:
    serial = decide(
        stub,
        request(tenant=EXCHANGE, customer={"returns_last_90_days": 7, "returns_last_365_days": 9}),
    )
    (line,) = serial.items
    assert line.refund.method == pb.REFUND_METHOD_STORE_CREDIT
    assert line.refund.amount == usd(6000)
    assert line.bonus_credit == usd(0)
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("SERIAL_RETURNER", "serial-returner"),
    }
    # The customer asked nothing: the policy's default method (store credit), no bonus.
    default = decide(stub, request(tenant=EXCHANGE, requested_resolution=pb.RESOLUTION_UNSPECIFIED))
    assert default.items[0].refund.method == pb.REFUND_METHOD_STORE_CREDIT
    assert default.bonus_credit_total == usd(0)
    assert "STORE_CREDIT_BONUS" not in {r.code for r in default.items[0].reasons}


# ---------------------------------------------------------------- customer lists and countries


@pytest.mark.parametrize(
    "customer",
    [
        {"customer_id": "cust-banned-001"},
        {"email_sha256": hashlib.sha256(b"abuser@example.com").hexdigest()},
        {"tags": ["Return-Abuse"]},
    ],
    ids=["customer-id", "email-hash", "customer-tag"],
)
def test_block_list_denies_by_id_email_hash_and_tag(stub: Stub, customer: dict[str, Any]) -> None:
    decision = decide(stub, request(item("L1"), item("L2"), tenant=LISTS, customer=customer))
    assert outcomes(decision) == [DENY, DENY]
    assert decision.outcome == DENY
    for line in decision.items:
        assert explained(line.reasons) == {
            ("WITHIN_RETURN_POLICY", "in-window"),
            ("CUSTOMER_BLOCKED", "blocked-customer"),
        }
        assert line.refund.amount == usd(0)
        assert not line.label_required
    assert decision.fees_total == usd(0)
    assert not decision.reasons  # nothing ships back: no shipping fee


def test_customers_not_on_the_block_list_are_approved(stub: Stub) -> None:
    other_email = hashlib.sha256(b"someone@example.com").hexdigest()
    decision = decide(stub, request(tenant=LISTS, customer={"email_sha256": other_email}))
    assert decision.outcome == APPROVE
    assert explained(decision.items[0].reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    assert decision.items[0].refund.amount == usd(6000 - 595)


@pytest.mark.parametrize(
    "vip", [{"tags": ["vip"]}, {"customer_id": "cust-vip-7"}], ids=["tag", "customer-id"]
)
def test_allow_list_exempts_from_the_window_and_fees(stub: Stub, vip: dict[str, Any]) -> None:
    unworn = item("L1", reported_condition=pb.ITEM_CONDITION_UNWORN_WITHOUT_TAGS)
    # Ten days late: a VIP is within the 14-day grace, with no restocking or shipping fee.
    grace = decide(stub, request(unworn, tenant=LISTS, customer=vip, days_since_delivery=40))
    (line,) = grace.items
    assert line.outcome == APPROVE
    assert explained(line.reasons) == {
        ("EXEMPTION_APPLIED", "vip-grace"),
        ("FEES_WAIVED", "vip-free-shipping"),
    }
    assert line.fees.total == usd(0)
    assert line.refund.amount == usd(6000)
    assert line.label_required
    assert not grace.reasons
    # The same return from anyone else is late, and would pay the restocking fee.
    regular = decide(stub, request(unworn, tenant=LISTS, days_since_delivery=40))
    assert regular.outcome == DENY
    assert explained(regular.items[0].reasons) == {
        ("OUTSIDE_RETURN_WINDOW", "return_window"),
        ("RESTOCKING_FEE", "restock-no-tags"),
    }
    # Twenty days late is past the grace, VIP or not.
    too_late = decide(stub, request(unworn, tenant=LISTS, customer=vip, days_since_delivery=50))
    assert too_late.outcome == DENY
    assert ("OUTSIDE_RETURN_WINDOW", "return_window") in explained(too_late.items[0].reasons)


def test_country_rules(stub: Stub) -> None:
    for country in ("US", "CA", "no"):  # countries compare upper-cased
        decision = decide(stub, request(tenant=LISTS, country=country))
        assert decision.outcome == APPROVE, country
    abroad = decide(stub, request(tenant=LISTS, country="FR"))
    assert abroad.outcome == DENY
    assert explained(abroad.items[0].reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("COUNTRY_NOT_ELIGIBLE", "eligible-countries"),
    }
    assert abroad.refund_total == usd(0)


# ---------------------------------------------------------------- risk rules (real models)


def test_high_fraud_band_sends_the_return_to_manual_review(stub: Stub) -> None:
    decision = decide(stub, request(tenant=RISK_BANDS, customer=NEW_ACCOUNT))
    assert decision.fraud.band in (pb.RISK_BAND_HIGH, pb.RISK_BAND_CRITICAL), decision.fraud
    (line,) = decision.items
    assert line.outcome == REVIEW
    assert decision.outcome == REVIEW
    assert ("HIGH_FRAUD_RISK", "fraud-review") in explained(line.reasons)
    assert the_reason(line.reasons, "HIGH_FRAUD_RISK").message_key == (
        "returns.reason.high_fraud_risk"
    )
    assert line.refund.amount == usd(0)
    assert line.refund.method == pb.REFUND_METHOD_NONE
    assert not line.label_required
    assert not line.inspection_required  # nothing ships back yet
    assert decision.refund_total == usd(0)


def test_medium_fraud_band_forbids_keep_it(stub: Stub) -> None:
    cheap = item("L1", unit_price=usd(1500))
    trusted = decide(stub, request(cheap, tenant=RISK_BANDS, days_since_delivery=3))
    assert (trusted.fraud.band, trusted.wardrobing.band) == (pb.RISK_BAND_LOW,) * 2
    assert trusted.outcome == KEEP
    # Keep-it refunds and a chargeback before: the real fraud model says MEDIUM.
    history = {"returnless_refunds": 3, "chargebacks": 1}
    watched = decide(
        stub, request(cheap, tenant=RISK_BANDS, days_since_delivery=3, customer=history)
    )
    assert watched.fraud.band == pb.RISK_BAND_MEDIUM, watched.fraud
    assert watched.wardrobing.band == pb.RISK_BAND_LOW, watched.wardrobing
    (line,) = watched.items
    assert line.outcome == APPROVE
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("KEEP_IT_NOT_ALLOWED", "fraud-watch"),
    }
    assert line.label_required
    assert not line.inspection_required
    assert line.refund.amount == usd(1500)


def test_wardrobing_band_requires_inspection_before_refund(stub: Stub) -> None:
    # A cheap accessory scores MEDIUM for wardrobing with the real model.
    decision = decide(
        stub, request(item("L1", category="accessories", unit_price=usd(1500)), tenant=RISK_BANDS)
    )
    assert decision.fraud.band == pb.RISK_BAND_LOW, decision.fraud
    assert decision.wardrobing.band == pb.RISK_BAND_MEDIUM, decision.wardrobing
    (line,) = decision.items
    assert line.outcome == APPROVE  # cheap enough to keep, but it must be inspected
    assert line.inspection_required
    assert line.label_required
    assert line.refund.amount == usd(1500)
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("INSPECTION_REQUIRED", "wardrobing-inspect"),
    }


def test_score_thresholds_in_the_policy(stub: Stub) -> None:
    # pf-risk-scores: fraud >= 0.2 goes to review; wardrobing >= 0.02 needs inspection.
    plain = decide(stub, request(tenant=RISK_SCORES))
    assert plain.fraud.score < 0.2, plain.fraud
    assert plain.wardrobing.score >= 0.02, plain.wardrobing
    (line,) = plain.items
    assert line.outcome == APPROVE
    assert line.inspection_required
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("HIGH_WARDROBING_RISK", "wardrobing-score-inspect"),
    }
    review = decide(stub, request(tenant=RISK_SCORES, customer=NEW_ACCOUNT))
    assert review.fraud.score >= 0.2, review.fraud
    assert review.outcome == REVIEW
    assert ("HIGH_FRAUD_RISK", "fraud-score-review") in explained(review.items[0].reasons)
    # Cheap and delivered yesterday: a low wardrobing score, no inspection, kept.
    quick = decide(
        stub, request(item("L1", unit_price=usd(1500)), tenant=RISK_SCORES, days_since_delivery=1)
    )
    assert quick.wardrobing.score < 0.02, quick.wardrobing
    assert quick.outcome == KEEP
    assert not quick.items[0].inspection_required


def test_unscored_requests_meet_the_risk_not_assessed_rule(unscored_stub: Stub) -> None:
    decision = decide(unscored_stub, request(tenant=RISK_BANDS, customer=NEW_ACCOUNT))
    assert not decision.HasField("fraud")
    (line,) = decision.items
    assert line.outcome == REVIEW
    # Band rules see no band: only the risk.assessed rule matches.
    assert explained(line.reasons) == {
        ("WITHIN_RETURN_POLICY", "in-window"),
        ("RISK_NOT_ASSESSED", "unscored"),
    }


# ---------------------------------------------------------------- AND / OR conditions


@pytest.mark.parametrize(
    ("total", "customer", "payment", "expected"),
    [
        (60000, {"account_age_days": 10}, pb.PAYMENT_METHOD_CARD, REVIEW),
        (60000, {}, pb.PAYMENT_METHOD_BUY_NOW_PAY_LATER, REVIEW),
        (60000, {}, pb.PAYMENT_METHOD_CARD, APPROVE),
        (6000, {"account_age_days": 10}, pb.PAYMENT_METHOD_BUY_NOW_PAY_LATER, APPROVE),
    ],
    ids=["dear-and-new-account", "dear-and-bnpl", "dear-only", "new-and-bnpl-but-cheap"],
)
def test_all_of_an_order_field_and_any_of_customer_or_payment(
    stub: Stub,
    total: int,
    customer: dict[str, Any],
    payment: pb.PaymentMethod.ValueType,
    expected: pb.Outcome.ValueType,
) -> None:
    message = request(item("L1", unit_price=usd(total)), tenant=CONDITIONS, customer=customer)
    message.order.payment_method = payment
    decision = decide(stub, message)
    assert decision.outcome == expected
    matched = ("HIGH_VALUE_REVIEW", "high-value-review") in explained(decision.items[0].reasons)
    assert matched == (expected == REVIEW)


def test_any_of_a_code_or_all_of_a_discount_and_an_item_reason(stub: Stub) -> None:
    def with_discount(message: pb.DecideReturnRequest, codes: list[str]) -> pb.DecideReturnRequest:
        message.order.discount_total.CopyFrom(usd(500))
        message.order.discount_codes.extend(codes)
        return message

    staff = decide(stub, with_discount(request(tenant=CONDITIONS), ["staff50"]))
    assert staff.outcome == DENY
    denied = the_reason(staff.items[0].reasons, "POLICY_DENIED")
    assert (denied.rule_id, denied.message_key) == (
        "discount-abuse",
        "returns.policy.discount_abuse",
    )
    # Discounted order: the line returned for a better price is denied, the other is not.
    mixed = decide(
        stub,
        with_discount(
            request(
                item("L1", reason=pb.RETURN_REASON_BETTER_PRICE),
                item("L2", reason=pb.RETURN_REASON_CHANGED_MIND),
                tenant=CONDITIONS,
            ),
            ["SPRING10"],
        ),
    )
    assert outcomes(mixed) == [DENY, APPROVE]
    assert ("POLICY_DENIED", "discount-abuse") in explained(mixed.items[0].reasons)
    assert explained(mixed.items[1].reasons) == {("WITHIN_RETURN_POLICY", "in-window")}
    # Full price: a better price elsewhere is an ordinary return.
    full_price = decide(
        stub, request(item("L1", reason=pb.RETURN_REASON_BETTER_PRICE), tenant=CONDITIONS)
    )
    assert full_price.outcome == APPROVE


def test_all_of_an_order_and_an_item_field_per_item(stub: Stub) -> None:
    message = request(item("L1", category="electronics"), item("L2"), tenant=CONDITIONS)
    message.order.channel = pb.SALES_CHANNEL_MARKETPLACE
    decision = decide(stub, message)
    assert outcomes(decision) == [APPROVE, APPROVE]
    electronics, tops = decision.items
    assert electronics.refund.method == pb.REFUND_METHOD_STORE_CREDIT
    assert ("STORE_CREDIT_ONLY", "marketplace-electronics") in explained(electronics.reasons)
    assert electronics.bonus_credit == usd(0)
    assert tops.refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT
    own_store = decide(stub, request(item("L1", category="electronics"), tenant=CONDITIONS))
    assert own_store.items[0].refund.method == pb.REFUND_METHOD_ORIGINAL_PAYMENT


def test_all_of_request_and_customer_fields(stub: Stub) -> None:
    lines = [item(f"L{n}", unit_price=usd(8000)) for n in (1, 2, 3)]
    frequent = {"returns_last_90_days": 3, "returns_last_365_days": 5}
    bulk = decide(stub, request(*lines, tenant=CONDITIONS, customer=frequent))
    assert outcomes(bulk) == [REVIEW] * 3
    assert all(
        ("SERIAL_RETURNER", "bulk-return-review") in explained(line.reasons) for line in bulk.items
    )
    assert decide(stub, request(*lines[:2], tenant=CONDITIONS, customer=frequent)).outcome == (
        APPROVE  # two lines
    )
    assert decide(stub, request(*lines, tenant=CONDITIONS)).outcome == APPROVE  # one recent return
    cheap = [item(f"L{n}", unit_price=usd(6000)) for n in (1, 2, 3)]  # $180, not over $200
    assert decide(stub, request(*cheap, tenant=CONDITIONS, customer=frequent)).outcome == APPROVE


# ---------------------------------------------------------------- no rule matched


def test_no_rule_matched_is_an_explicit_reason_with_the_policy_default(stub: Stub) -> None:
    mixed = decide(stub, request(item("L1"), item("L2", category="furniture"), tenant=NO_MATCH))
    assert outcomes(mixed) == [APPROVE, REVIEW]
    assert explained(mixed.items[0].reasons) == {("WITHIN_RETURN_POLICY", "tops-only")}
    assert explained(mixed.items[1].reasons) == {("NO_RULE_MATCHED", "defaults.no_match_outcome")}
    assert mixed.items[1].reasons[0].message_key  # localisable like every other reason
    assert mixed.outcome == REVIEW
    assert refunds(mixed) == [6000, 0]

    denied = decide(stub, request(tenant=NO_MATCH_DENY))
    assert outcomes(denied) == [DENY]
    assert explained(denied.items[0].reasons) == {("NO_RULE_MATCHED", "defaults.no_match_outcome")}
    assert denied.refund_total == usd(0)


# ---------------------------------------------------------------- every outcome at once


def test_every_outcome_in_one_request_and_the_overall_precedence(stub: Stub) -> None:
    lines = {
        "L1": item("L1", unit_price=usd(1500)),  # kept
        "L2": item("L2", unit_price=usd(3000)),  # over the keep-it item limit: returned
        "L3": item("L3", reason=pb.RETURN_REASON_SIZE_TOO_SMALL),  # exchanged
        "L4": item("L4", category="furniture"),  # reviewed
        "L5": item("L5", category="food"),  # denied
    }
    expected = {"L1": KEEP, "L2": APPROVE, "L3": EXCHANGE_OFFER, "L4": REVIEW, "L5": DENY}

    def decide_lines(names: list[str]) -> pb.ReturnDecision:
        message = request(*(lines[n] for n in names), tenant=OUTCOMES)
        if "L3" in names:
            message.exchange_candidates.append(candidate("L3"))
        return decide(stub, message)

    every = decide_lines(list(lines))
    assert {line.line_item_id: line.outcome for line in every.items} == expected
    assert every.outcome == DENY
    reasons = {line.line_item_id: explained(line.reasons) for line in every.items}
    assert ("RETURNLESS_REFUND", "keep_it") in reasons["L1"]
    assert ("KEEP_IT_VALUE_LIMIT", "keep_it.max_item_value") in reasons["L2"]
    assert ("EXCHANGE_OFFERED", "exchange") in reasons["L3"]
    assert ("POLICY_REVIEW", "review-furniture") in reasons["L4"]
    assert ("NON_RETURNABLE_CATEGORY", "perishables") in reasons["L5"]
    assert refunds(every) == [1500, 3000, 0, 0, 0]
    assert every.refund_total == usd(4500)
    assert every.amount_due == usd(0)  # the refunds cover every fee
    chosen = [line.net_recovery.chosen_value.amount_minor for line in every.items]
    assert chosen[3:] == [0, 0]  # reviews and denials are valued 0
    assert every.net_recovery_total == usd(sum(chosen))
    # The overall outcome is the most restrictive one left as lines are taken away.
    order = ["L5", "L4", "L3", "L2", "L1"]
    for n, name in enumerate(order):
        assert decide_lines(order[n:]).outcome == expected[name], name
