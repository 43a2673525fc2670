"""Every policy feature and every outcome, through `decide` and the real durable_rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from services.returns_decision.core.decide import decide
from services.returns_decision.core.decisions import Decision, Outcome, RefundMethod
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    ItemCondition,
    Resolution,
    ReturnReason,
    ReturnRequest,
)
from services.returns_decision.core.risk import RiskAssessment, RiskBand
from tests.unit.returns_decision.returns_builders import (
    NOW,
    codes,
    item,
    policy,
    reason_pairs,
    request,
    risk,
    store_with,
    usd,
)

APPROVE = {"outcome": "APPROVE", "reason": "WITHIN_RETURN_POLICY"}


def run(
    tmp_path: Path, doc: dict[str, Any], req: ReturnRequest, rsk: RiskAssessment | None = None
) -> Decision:
    with store_with(tmp_path, doc) as store:
        return decide(req, rsk if rsk is not None else risk(), store=store)


def rule(rule_id: str, when: dict[str, Any] | None, **then: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule_id, "then": then}
    if when is not None:
        out["when"] = when
    return out


# ---------------------------------------------------------------- return windows


def test_window_counts_from_delivery(tmp_path: Path) -> None:
    inside = run(tmp_path, policy(), request(delivered_days_ago=30))
    assert inside.outcome is Outcome.APPROVE_RETURN
    assert inside.items[0].return_by == date(2025, 3, 10)
    outside = run(tmp_path, policy(), request(delivered_days_ago=31))
    assert outside.outcome is Outcome.DENY
    assert reason_pairs(outside.items[0]) == {("OUTSIDE_RETURN_WINDOW", "return_window")}
    assert outside.items[0].reasons[0].params["days_over"] == "1"


def test_window_from_fulfilment_plus_transit_buffer(tmp_path: Path) -> None:
    doc = policy(return_window={"days": 30, "clock": "fulfilment", "transit_buffer_days": 5})
    # Fulfilled 35 days ago + 5 days of transit: day 30 of the window.
    assert run(tmp_path, doc, request(delivered_days_ago=None, fulfilled_days_ago=35)).outcome is (
        Outcome.APPROVE_RETURN
    )
    late = run(
        tmp_path, doc, request(delivered_days_ago=1, fulfilled_days_ago=36, placed_days_ago=40)
    )
    assert late.outcome is Outcome.DENY  # the fulfilment clock ignores the delivery date


def test_unknown_delivery_falls_back_to_fulfilment_then_order_date(tmp_path: Path) -> None:
    doc = policy(return_window={"days": 10, "transit_buffer_days": 3})
    only_order = request(delivered_days_ago=None, placed_days_ago=13)
    assert run(tmp_path, doc, only_order).items[0].return_by == date(2025, 3, 10)


def test_window_overrides_by_category_tag_and_product_type_first_match_wins(tmp_path: Path) -> None:
    doc = policy(
        return_window={
            "days": 30,
            "overrides": [
                {"id": "footwear", "categories": ["Footwear"], "days": 60},
                {"id": "clearance", "tags": ["clearance"], "days": 7},
                {"id": "dresses", "product_types": ["dress"], "days": 45},
            ],
        }
    )
    req = request(
        item("L1", category="footwear", tags=("clearance",)),
        item("L2", category="tops", tags=("CLEARANCE",)),
        item("L3", category="tops", product_type="Dress"),
        item("L4"),
        delivered_days_ago=40,
    )
    d = run(tmp_path, doc, req)
    assert [i.outcome for i in d.items] == [
        Outcome.APPROVE_RETURN,
        Outcome.DENY,
        Outcome.APPROVE_RETURN,
        Outcome.DENY,
    ]
    assert reason_pairs(d.items[1]) == {("OUTSIDE_RETURN_WINDOW", "clearance")}
    assert reason_pairs(d.items[3]) == {("OUTSIDE_RETURN_WINDOW", "return_window")}


def test_holiday_purchases_get_the_extended_window(tmp_path: Path) -> None:
    doc = policy(
        return_window={
            "days": 30,
            "holiday_extensions": [
                {
                    "id": "holiday",
                    "purchased_from": date(2024, 11, 1),
                    "purchased_to": date(2024, 12, 24),
                    "return_by": date(2025, 3, 15),
                }
            ],
        }
    )
    holiday_order = request(placed_at=datetime(2024, 12, 20, tzinfo=UTC), delivered_days_ago=70)
    d = run(tmp_path, doc, holiday_order)
    assert d.outcome is Outcome.APPROVE_RETURN
    assert ("HOLIDAY_WINDOW_APPLIED", "holiday") in reason_pairs(d.items[0])
    assert d.items[0].return_by == date(2025, 3, 15)
    january_order = request(placed_at=datetime(2025, 1, 5, tzinfo=UTC), delivered_days_ago=60)
    assert run(tmp_path, doc, january_order).outcome is Outcome.DENY


# ---------------------------------------------------------------- eligibility rules


def test_final_sale_not_returnable(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule("final-sale", {"item.final_sale": True}, outcome="DENY", reason="FINAL_SALE")
        ]
    )
    d = run(tmp_path, doc, request(item("L1", final_sale=True), item("L2")))
    assert [i.outcome for i in d.items] == [Outcome.DENY, Outcome.APPROVE_RETURN]
    assert d.outcome is Outcome.DENY  # the most restrictive item outcome
    assert d.items[0].refund.method is RefundMethod.NONE
    assert d.items[0].refund.amount.amount_minor == 0


def test_final_sale_exchange_only(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule(
                "final-sale",
                {"item.final_sale": True},
                outcome="EXCHANGE_ONLY",
                reason="FINAL_SALE_EXCHANGE_ONLY",
            )
        ]
    )
    candidate = ExchangeCandidate("L1", "SKU-L1-M", usd(4000), available_quantity=3)
    d = run(tmp_path, doc, request(item("L1", final_sale=True), candidates=(candidate,)))
    line = d.items[0]
    assert line.outcome is Outcome.OFFER_EXCHANGE
    assert line.exchange_offer == candidate
    assert line.refund.amount.amount_minor == 0
    assert line.bonus_credit.amount_minor == 0  # exchange-only needs no incentive
    assert line.label_required


def test_several_reasons_at_once_out_of_window_and_final_sale(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule("final-sale", {"item.final_sale": True}, outcome="DENY", reason="FINAL_SALE")
        ]
    )
    d = run(tmp_path, doc, request(item("L1", final_sale=True), delivered_days_ago=45))
    assert reason_pairs(d.items[0]) == {
        ("OUTSIDE_RETURN_WINDOW", "return_window"),
        ("FINAL_SALE", "final-sale"),
    }
    assert d.items[0].matched_rule_ids == ("return_window", "final-sale")


def test_condition_requirements_and_non_returnable_categories(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule(
                "intimates-tags",
                {
                    "all": [
                        {"item.category": {"in": ["swimwear", "underwear"]}},
                        {"item.condition": {"not_in": ["sealed", "unworn_with_tags"]}},
                    ]
                },
                outcome="DENY",
                reason="HYGIENE_ITEM",
            ),
            rule("gift-cards", {"item.category": "gift_card"}, outcome="DENY", reason="GIFT_CARD"),
            rule(
                "personalised",
                {"item.tags": {"contains_any": ["personalised", "engraved"]}},
                outcome="DENY",
                reason="PERSONALIZED_ITEM",
            ),
            rule(
                "sealed-audio",
                {
                    "all": [
                        {"item.product_type": "headphones"},
                        {"item.condition": {"ne": "sealed"}},
                    ]
                },
                outcome="DENY",
                reason="CONDITION_NOT_MET",
            ),
        ]
    )
    req = request(
        item("L1", category="swimwear", condition=ItemCondition.UNWORN_WITHOUT_TAGS),
        item("L2", category="swimwear", condition=ItemCondition.UNWORN_WITH_TAGS),
        item("L3", category="gift_card"),
        item("L4", tags=("Engraved",)),
        item("L5", product_type="headphones", condition=ItemCondition.LIKE_NEW),
        item("L6", product_type="headphones", condition=ItemCondition.SEALED),
    )
    d = run(tmp_path, doc, req)
    assert [i.outcome for i in d.items] == [
        Outcome.DENY,
        Outcome.APPROVE_RETURN,
        Outcome.DENY,
        Outcome.DENY,
        Outcome.DENY,
        Outcome.APPROVE_RETURN,
    ]
    assert "HYGIENE_ITEM" in codes(d.items[0])
    assert "GIFT_CARD" in codes(d.items[2])
    assert "PERSONALIZED_ITEM" in codes(d.items[3])
    assert "CONDITION_NOT_MET" in codes(d.items[4])


def test_no_rule_matched_is_explicit_with_the_policy_default(tmp_path: Path) -> None:
    doc = policy(
        rules=[rule("apparel-only", {"item.category": "tops"}, **APPROVE)],
        defaults={"no_match_outcome": "MANUAL_REVIEW"},
    )
    d = run(tmp_path, doc, request(item("L1"), item("L2", category="furniture")))
    assert d.items[0].outcome is Outcome.APPROVE_RETURN
    assert d.items[1].outcome is Outcome.MANUAL_REVIEW
    assert reason_pairs(d.items[1]) == {("NO_RULE_MATCHED", "defaults.no_match_outcome")}
    assert d.items[1].matched_rule_ids == ()
    assert d.outcome is Outcome.MANUAL_REVIEW

    deny_doc = policy(rules=[], defaults={"no_match_outcome": "DENY"})
    denied = run(tmp_path, deny_doc, request())
    assert denied.outcome is Outcome.DENY
    assert codes(denied.items[0]) == {"NO_RULE_MATCHED"}


def test_rules_without_outcome_do_not_count_as_a_match(tmp_path: Path) -> None:
    doc = policy(
        rules=[
            rule(
                "restock",
                {"item.category": "tops"},
                restocking_fee_percent=10,
                reason="RESTOCKING_FEE",
            )
        ],
        defaults={"no_match_outcome": "APPROVE_RETURN"},
    )
    d = run(tmp_path, doc, request())
    assert d.outcome is Outcome.APPROVE_RETURN
    assert codes(d.items[0]) == {"RESTOCKING_FEE", "NO_RULE_MATCHED"}
    assert d.items[0].fees.restocking.amount_minor == 400


# ---------------------------------------------------------------- lists and countries


def test_block_list_by_customer_id_email_hash_and_tag(tmp_path: Path) -> None:
    sha = "a" * 64
    doc = policy(
        customer_lists={
            "blocked": {
                "customer_ids": ["bad-1"],
                "email_sha256": [sha],
                "customer_tags": ["Abuser"],
            }
        },
        extra_rules=[
            rule(
                "blocked",
                {"customer.lists": {"contains": "blocked"}},
                outcome="DENY",
                reason="CUSTOMER_BLOCKED",
            )
        ],
    )
    for customer in (
        Customer("bad-1"),
        Customer("c2", email_sha256=sha),
        Customer("c3", tags=("abuser",)),
    ):
        d = run(tmp_path, doc, request(customer=customer))
        assert d.outcome is Outcome.DENY
        assert ("CUSTOMER_BLOCKED", "blocked") in reason_pairs(d.items[0])
    assert run(tmp_path, doc, request(customer=Customer("good"))).outcome is Outcome.APPROVE_RETURN


def test_allow_list_exempts_from_rules(tmp_path: Path) -> None:
    doc = policy(
        customer_lists={"vip": {"customer_tags": ["vip"]}},
        extra_rules=[
            rule("restock", None, restocking_fee_percent=15, reason="RESTOCKING_FEE"),
            rule(
                "vip",
                {"customer.lists": {"contains": "vip"}},
                reason="EXEMPTION_APPLIED",
                exempt_from=["restock", "return_window"],
                outcome="APPROVE",
            ),
        ],
    )
    vip = run(tmp_path, doc, request(customer=Customer("v", tags=("VIP",)), delivered_days_ago=50))
    line = vip.items[0]
    assert line.outcome is Outcome.APPROVE_RETURN
    assert line.exempted_rule_ids == ("return_window", "restock")
    assert codes(line) == {"EXEMPTION_APPLIED"}
    assert line.fees.restocking.amount_minor == 0
    regular = run(tmp_path, doc, request(delivered_days_ago=50))
    assert regular.outcome is Outcome.DENY
    assert codes(regular.items[0]) == {"OUTSIDE_RETURN_WINDOW", "RESTOCKING_FEE"}


def test_an_exempted_rule_cannot_exempt(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule("a", None, reason="POLICY_REVIEW", exempt_from=["b"]),
            rule("b", None, reason="POLICY_DENIED", outcome="DENY", exempt_from=["a"]),
        ]
    )
    d = run(tmp_path, doc, request())
    assert d.items[0].exempted_rule_ids == ("b",)  # document order: a comes first
    assert d.outcome is Outcome.APPROVE_RETURN


def test_country_rules(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule(
                "countries",
                {"order.country": {"not_in": ["US", "NO"]}},
                outcome="DENY",
                reason="COUNTRY_NOT_ELIGIBLE",
            )
        ]
    )
    assert run(tmp_path, doc, request(country="no")).outcome is Outcome.APPROVE_RETURN
    denied = run(tmp_path, doc, request(country="DE"))
    assert ("COUNTRY_NOT_ELIGIBLE", "countries") in reason_pairs(denied.items[0])


# ---------------------------------------------------------------- fees


def test_restocking_fee_by_category_and_condition_takes_the_highest(tmp_path: Path) -> None:
    doc = policy(
        extra_rules=[
            rule(
                "shoes",
                {"item.category": "shoes"},
                restocking_fee_percent=10,
                reason="RESTOCKING_FEE",
            ),
            rule(
                "opened",
                {"item.condition": "like_new"},
                restocking_fee_percent=12.5,
                reason="RESTOCKING_FEE",
            ),
        ]
    )
    req = request(
        item("L1", price=3333, category="shoes", condition=ItemCondition.LIKE_NEW),
        item("L2", price=2000, category="shoes"),
    )
    d = run(tmp_path, doc, req)
    assert d.items[0].fees.restocking.amount_minor == 417  # 12.5% of 33.33 = 4.166 -> 4.17
    assert d.items[1].fees.restocking.amount_minor == 200
    assert d.items[0].refund.amount.amount_minor == 3333 - 417
    assert {r.params.get("percent") for r in d.items[0].reasons} >= {"10", "12.5"}
    assert d.fees_total.amount_minor == 617


def test_flat_return_shipping_and_handling_split_over_refunded_items(tmp_path: Path) -> None:
    doc = policy(
        fees={"return_shipping": "flat", "return_shipping_amount": 595, "handling_amount": 101}
    )
    d = run(tmp_path, doc, request(item("L1"), item("L2")))
    assert [i.fees.return_shipping.amount_minor for i in d.items] == [298, 297]
    assert [i.fees.handling.amount_minor for i in d.items] == [51, 50]
    assert d.refund_total.amount_minor == 8000 - 595 - 101
    assert d.fees_total.amount_minor == 696
    assert {r.code.value for r in d.reasons} == {"RETURN_SHIPPING_FEE", "HANDLING_FEE"}
    assert d.label_required


def test_free_and_customer_paid_shipping(tmp_path: Path) -> None:
    free = run(tmp_path, policy(fees={"return_shipping": "free"}), request())
    assert free.fees_total.amount_minor == 0
    assert free.label_required
    paid = run(tmp_path, policy(fees={"return_shipping": "customer_paid"}), request())
    assert paid.fees_total.amount_minor == 0
    assert not paid.label_required
    assert not paid.items[0].label_required


def test_fee_waivers(tmp_path: Path) -> None:
    doc = policy(
        fees={"return_shipping": "flat", "return_shipping_amount": 500, "handling_amount": 100},
        extra_rules=[
            rule("restock", None, restocking_fee_percent=10, reason="RESTOCKING_FEE"),
            rule(
                "defective",
                {"item.reason": "defective"},
                outcome="APPROVE",
                reason="MERCHANT_ERROR",
                waive_fees=["return_shipping", "handling", "restocking"],
            ),
        ],
    )
    d = run(tmp_path, doc, request(item("L1", reason=ReturnReason.DEFECTIVE), item("L2")))
    assert d.items[0].fees.total.amount_minor == 0
    assert d.items[1].fees.total.amount_minor == 400  # its own restocking fee stays
    assert d.reasons == ()


def test_paid_label_on_an_exchange_is_amount_due(tmp_path: Path) -> None:
    doc = policy(
        fees={
            "return_shipping": "flat",
            "return_shipping_amount": 500,
            "free_shipping_for_exchanges": False,
        },
        exchange={"enabled": True},
    )
    candidate = ExchangeCandidate("L1", "SKU-L1-L", usd(4000), 1)
    d = run(
        tmp_path,
        doc,
        request(item("L1", reason=ReturnReason.SIZE_TOO_SMALL), candidates=(candidate,)),
    )
    assert d.outcome is Outcome.OFFER_EXCHANGE
    assert d.amount_due.amount_minor == 500
    assert d.refund_total.amount_minor == 0


# ---------------------------------------------------------------- keep it


KEEP_IT = {
    "enabled": True,
    "max_item_value": 2500,
    "max_return_value": 5000,
    "limit": "once_per_product",
}


def test_keep_it_for_items_not_worth_taking_back(tmp_path: Path) -> None:
    doc = policy(keep_it=KEEP_IT)
    d = run(tmp_path, doc, request(item("L1", price=1200), item("L2", price=3000)))
    cheap, dear = d.items
    assert cheap.outcome is Outcome.APPROVE_RETURNLESS_REFUND
    assert ("RETURNLESS_REFUND", "keep_it") in reason_pairs(cheap)
    assert (
        cheap.net_recovery.take_back_value.amount_minor
        < cheap.net_recovery.keep_it_value.amount_minor
    )
    assert not cheap.label_required
    assert cheap.refund.amount.amount_minor == 1200
    assert dear.outcome is Outcome.APPROVE_RETURN
    assert d.outcome is Outcome.APPROVE_RETURN


def test_keep_it_value_limits(tmp_path: Path) -> None:
    doc = policy(keep_it={**KEEP_IT, "max_item_value": 1000, "max_return_value": 1500})
    over_item = run(tmp_path, doc, request(item("L1", price=1200)))
    assert over_item.outcome is Outcome.APPROVE_RETURN
    assert ("KEEP_IT_VALUE_LIMIT", "keep_it.max_item_value") in reason_pairs(over_item.items[0])
    over_request = run(tmp_path, doc, request(item("L1", price=900), item("L2", price=900)))
    assert ("KEEP_IT_VALUE_LIMIT", "keep_it.max_return_value") in reason_pairs(
        over_request.items[0]
    )


def test_limited_keep_it_first_per_product_and_first_per_customer(tmp_path: Path) -> None:
    per_product = policy(keep_it=KEEP_IT)
    kept_before = Customer("c", returnless_refunds=1, returnless_refund_product_ids=("P1",))
    d = run(
        tmp_path,
        per_product,
        request(item("L1", price=1200, product_id="P1"), customer=kept_before),
    )
    assert d.outcome is Outcome.APPROVE_RETURN
    assert ("KEEP_IT_LIMIT_REACHED", "keep_it.limit") in reason_pairs(d.items[0])
    other_product = run(
        tmp_path,
        per_product,
        request(item("L1", price=1200, product_id="P2"), customer=kept_before),
    )
    assert other_product.outcome is Outcome.APPROVE_RETURNLESS_REFUND

    per_customer = policy(keep_it={**KEEP_IT, "limit": "once_per_customer"})
    assert run(
        tmp_path,
        per_customer,
        request(item("L1", price=1200, product_id="P2"), customer=kept_before),
    ).outcome is (Outcome.APPROVE_RETURN)
    two_cheap = run(tmp_path, per_customer, request(item("L1", price=1200), item("L2", price=1100)))
    assert [i.outcome for i in two_cheap.items] == [
        Outcome.APPROVE_RETURNLESS_REFUND,
        Outcome.APPROVE_RETURN,
    ]


def test_never_keep_it_for_risky_or_unscored_customers(tmp_path: Path) -> None:
    doc = policy(keep_it=KEEP_IT)
    cheap = request(item("L1", price=1200))
    risky = run(tmp_path, doc, cheap, risk(RiskBand.MEDIUM, fraud_probability=0.3))
    assert risky.outcome is Outcome.APPROVE_RETURN
    assert ("KEEP_IT_RISK", "keep_it.allowed_risk_bands") in reason_pairs(risky.items[0])
    wardrober = run(tmp_path, doc, cheap, risk(wardrobing=RiskBand.HIGH))
    assert wardrober.outcome is Outcome.APPROVE_RETURN
    with store_with(tmp_path, doc) as store:
        unscored = decide(cheap, None, store=store)
    assert ("KEEP_IT_RISK", "keep_it.require_risk_assessment") in reason_pairs(unscored.items[0])


def test_abuse_leak_lowers_the_value_of_keep_it(tmp_path: Path) -> None:
    doc = policy(keep_it={**KEEP_IT, "allowed_risk_bands": ["LOW", "MEDIUM"]})
    low = run(tmp_path, doc, request(item("L1", price=1200)), risk(fraud_probability=0.01))
    high = run(
        tmp_path, doc, request(item("L1", price=1200)), risk(RiskBand.MEDIUM, fraud_probability=0.9)
    )
    assert low.items[0].net_recovery.keep_it_value.amount_minor == -12
    assert high.items[0].net_recovery.keep_it_value.amount_minor == -1080
    assert low.outcome is Outcome.APPROVE_RETURNLESS_REFUND
    assert high.outcome is Outcome.APPROVE_RETURN  # letting it go now costs more


# ---------------------------------------------------------------- exchanges and store credit


def test_exchange_offered_for_size_and_fit_with_bonus(tmp_path: Path) -> None:
    doc = policy(exchange={"enabled": True, "bonus_credit": {"percent": 10, "max_amount": 300}})
    candidate = ExchangeCandidate(
        "L1", "SKU-L1-L", usd(4000), available_quantity=2, unit_cost=usd(1500)
    )
    out_of_stock = ExchangeCandidate("L2", "SKU-L2-L", usd(4000), available_quantity=0)
    req = request(
        item("L1", reason=ReturnReason.SIZE_TOO_SMALL),
        item("L2", reason=ReturnReason.POOR_FIT),
        item("L3", reason=ReturnReason.CHANGED_MIND),
        candidates=(candidate, out_of_stock),
    )
    d = run(tmp_path, doc, req)
    first, second, third = d.items
    assert first.outcome is Outcome.OFFER_EXCHANGE
    assert first.exchange_offer == candidate
    assert first.bonus_credit.amount_minor == 300  # 10% of 40.00 capped at 3.00
    assert {"EXCHANGE_OFFERED", "EXCHANGE_BONUS_CREDIT"} <= codes(first)
    value = first.net_recovery
    assert value.exchange_value is not None
    terms = {t.name: t.amount.amount_minor for t in value.terms}
    assert terms["exchange_margin"] == 2500
    assert terms["exchange_bonus_credit"] == -300
    assert (
        value.exchange_value.amount_minor
        == value.take_back_value.amount_minor + 2500 - 300 + terms["outbound_shipping_cost"]
    )
    assert second.outcome is Outcome.APPROVE_RETURN  # no stock
    assert third.outcome is Outcome.APPROVE_RETURN  # not a size or fit reason
    assert d.outcome is Outcome.OFFER_EXCHANGE


def test_store_credit_bonus_and_breakage(tmp_path: Path) -> None:
    doc = policy(store_credit={"bonus_credit": {"percent": 5}})
    d = run(tmp_path, doc, request(item("L1", price=10000), resolution=Resolution.STORE_CREDIT))
    line = d.items[0]
    assert line.refund.method is RefundMethod.STORE_CREDIT
    assert line.bonus_credit.amount_minor == 500
    assert ("STORE_CREDIT_BONUS", "store_credit.bonus_credit") in reason_pairs(line)
    assert line.net_recovery.store_credit_breakage.amount_minor == round(10500 * 0.15)
    plain = run(tmp_path, doc, request(item("L1", price=10000)))
    assert plain.items[0].refund.method is RefundMethod.ORIGINAL_PAYMENT
    assert plain.items[0].bonus_credit.amount_minor == 0


def test_store_credit_forced_by_a_rule_or_the_default_gets_no_bonus(tmp_path: Path) -> None:
    doc = policy(
        store_credit={"bonus_credit": {"percent": 5}},
        extra_rules=[
            rule(
                "serial",
                {"customer.returns_last_90_days": {"gte": 5}},
                refund_method="store_credit",
                reason="SERIAL_RETURNER",
            )
        ],
    )
    d = run(tmp_path, doc, request(customer=Customer("c", returns_last_90_days=7)))
    assert d.items[0].refund.method is RefundMethod.STORE_CREDIT
    assert d.items[0].bonus_credit.amount_minor == 0
    default_credit = policy(defaults={"refund_method": "store_credit"})
    assert (
        run(tmp_path, default_credit, request()).items[0].refund.method is RefundMethod.STORE_CREDIT
    )


# ---------------------------------------------------------------- risk rules


RISK_RULES = [
    rule(
        "fraud-review",
        {"risk.fraud_band": {"in": ["HIGH", "CRITICAL"]}},
        outcome="MANUAL_REVIEW",
        reason="HIGH_FRAUD_RISK",
    ),
    rule(
        "fraud-score", {"risk.fraud_score": {"gte": 0.95}}, outcome="DENY", reason="HIGH_FRAUD_RISK"
    ),
    rule(
        "wardrobing",
        {"risk.wardrobing_band": {"in": ["MEDIUM", "HIGH"]}},
        require_inspection=True,
        forbid_keep_it=True,
        reason="HIGH_WARDROBING_RISK",
    ),
    rule("unscored", {"risk.assessed": False}, outcome="MANUAL_REVIEW", reason="RISK_NOT_ASSESSED"),
]


def test_risk_bands_send_to_review_deny_or_inspection(tmp_path: Path) -> None:
    doc = policy(keep_it=KEEP_IT, extra_rules=RISK_RULES)
    review = run(tmp_path, doc, request(), risk(RiskBand.HIGH, fraud_probability=0.7))
    assert review.outcome is Outcome.MANUAL_REVIEW
    assert review.items[0].refund.amount.amount_minor == 0
    assert not review.label_required
    denied = run(tmp_path, doc, request(), risk(RiskBand.CRITICAL, fraud_probability=0.97))
    assert denied.outcome is Outcome.DENY  # DENY outranks MANUAL_REVIEW
    assert codes(denied.items[0]) == {"HIGH_FRAUD_RISK", "WITHIN_RETURN_POLICY"}
    assert {r.rule_id for r in denied.items[0].reasons} == {
        "in-window",
        "fraud-review",
        "fraud-score",
    }
    inspected = run(
        tmp_path, doc, request(item("L1", price=1200)), risk(wardrobing=RiskBand.MEDIUM)
    )
    assert inspected.outcome is Outcome.APPROVE_RETURN  # cheap, but keep-it is forbidden
    assert inspected.items[0].inspection_required
    with store_with(tmp_path, doc) as store:
        unscored = decide(request(), None, store=store)
    assert ("RISK_NOT_ASSESSED", "unscored") in reason_pairs(unscored.items[0])


# ---------------------------------------------------------------- outcomes and determinism


def test_every_outcome_and_the_overall_precedence(tmp_path: Path) -> None:
    doc = policy(
        keep_it={**KEEP_IT, "max_return_value": 100_000},
        exchange={"enabled": True},
        extra_rules=[
            rule(
                "review-shoes",
                {"item.category": "shoes"},
                outcome="MANUAL_REVIEW",
                reason="POLICY_REVIEW",
            ),
            rule("deny-hats", {"item.category": "hats"}, outcome="DENY", reason="POLICY_DENIED"),
        ],
    )
    candidate = ExchangeCandidate("L3", "SKU-L3-M", usd(4000), 1)
    lines = {
        "L1": item("L1", price=6000),
        "L2": item("L2", price=1200),
        "L3": item("L3", reason=ReturnReason.SIZE_TOO_LARGE),
        "L4": item("L4", category="shoes"),
        "L5": item("L5", category="hats"),
    }
    expected = {
        "L1": Outcome.APPROVE_RETURN,
        "L2": Outcome.APPROVE_RETURNLESS_REFUND,
        "L3": Outcome.OFFER_EXCHANGE,
        "L4": Outcome.MANUAL_REVIEW,
        "L5": Outcome.DENY,
    }
    every = run(tmp_path, doc, request(*lines.values(), candidates=(candidate,)))
    assert {i.line_item_id: i.outcome for i in every.items} == expected
    assert every.outcome is Outcome.DENY
    order = ["L5", "L4", "L3", "L1", "L2"]  # DENY, REVIEW, EXCHANGE, RETURN, KEEP-IT
    for n, line in enumerate(order):
        subset = [lines[x] for x in order[n:]]
        offered = (candidate,) if "L3" in order[n:] else ()
        d = run(tmp_path, doc, request(*subset, candidates=offered))
        assert d.outcome is expected[line], line


def test_decisions_are_deterministic_and_report_the_policy_version(tmp_path: Path) -> None:
    doc = policy(keep_it=KEEP_IT, extra_rules=RISK_RULES)
    req = request(item("L1", price=1200), item("L2"), item("L3", category="shoes"))
    with store_with(tmp_path, doc) as store:
        first = decide(req, risk(), store=store)
        again = [decide(req, risk(), store=store) for _ in range(5)]
        version = store.get("t1").version
    assert all(d == first for d in again)
    assert first.policy == version
    assert first.policy.content_hash.startswith("sha256:")
    assert first.evaluated_at == NOW


def test_requested_at_missing_uses_the_callers_now(tmp_path: Path) -> None:
    later = datetime(2025, 4, 30, tzinfo=UTC)
    with store_with(tmp_path, policy()) as store:
        d = decide(request(requested_at=None), risk(), store=store, now=later)
    assert d.evaluated_at == later
    assert d.outcome is Outcome.DENY  # counted to `now`: far outside the window
