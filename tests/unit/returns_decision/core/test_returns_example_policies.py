"""The example policies in policies/ decide realistic requests as their authors intend."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.returns_decision.core.decide import decide
from services.returns_decision.core.decisions import Outcome, RefundMethod
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    ItemCondition,
    ReturnReason,
)
from services.returns_decision.core.risk import RiskBand
from services.returns_decision.engines.rules.store import PolicyStore
from tests.unit.returns_decision.returns_builders import (
    POLICIES,
    codes,
    item,
    reason_pairs,
    request,
    risk,
    usd,
)

APPAREL = "northwind-apparel"
ELECTRONICS = "volt-electronics"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicyStore]:
    directory = tmp_path_factory.mktemp("policies")
    for path in POLICIES.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    store = PolicyStore.open(directory)
    assert store.problems == ()
    yield store
    store.close()


def test_apparel_mixed_basket(store: PolicyStore) -> None:
    candidate = ExchangeCandidate("L2", "DRESS-M", usd(7900), available_quantity=4)
    req = request(
        item("L1", price=1000, category="tops"),
        item("L2", price=7900, category="dresses", reason=ReturnReason.SIZE_TOO_SMALL),
        item("L3", price=4500, category="swimwear", condition=ItemCondition.UNWORN_WITHOUT_TAGS),
        item("L4", price=6000, category="jeans", condition=ItemCondition.LIKE_NEW),
        tenant=APPAREL,
        candidates=(candidate,),
    )
    d = decide(req, risk(), store=store)
    assert [i.outcome for i in d.items] == [
        Outcome.APPROVE_RETURN,  # cheap, but the whole return is over keep-it's $40
        Outcome.OFFER_EXCHANGE,
        Outcome.DENY,
        Outcome.APPROVE_RETURN,
    ]
    assert d.outcome is Outcome.DENY
    assert ("KEEP_IT_VALUE_LIMIT", "keep_it.max_return_value") in reason_pairs(d.items[0])
    assert d.items[1].bonus_credit.amount_minor == 790
    assert ("HYGIENE_ITEM", "intimates-need-tags") in reason_pairs(d.items[2])
    jeans = d.items[3]
    assert jeans.fees.restocking.amount_minor == 600
    assert [i.fees.return_shipping.amount_minor for i in d.items] == [298, 0, 0, 297]
    assert jeans.refund.amount.amount_minor == 6000 - 600 - 297
    assert d.policy.tenant_id == APPAREL


def test_apparel_keep_it_for_a_cheap_single_item(store: PolicyStore) -> None:
    d = decide(request(item("L1", price=1200), tenant=APPAREL), risk(), store=store)
    assert d.outcome is Outcome.APPROVE_RETURNLESS_REFUND
    assert not d.label_required
    assert d.refund_total.amount_minor == 1200
    # At $18 the $5.95 return-shipping fee the customer would pay tips it to a return.
    dearer = decide(request(item("L1", price=1800), tenant=APPAREL), risk(), store=store)
    assert dearer.outcome is Outcome.APPROVE_RETURN


def test_apparel_final_sale_late_and_vip_grace(store: PolicyStore) -> None:
    late_final = request(item("L1", final_sale=True), tenant=APPAREL, delivered_days_ago=40)
    d = decide(late_final, risk(), store=store)
    assert d.outcome is Outcome.DENY
    assert reason_pairs(d.items[0]) >= {
        ("OUTSIDE_RETURN_WINDOW", "return_window"),
        ("FINAL_SALE_EXCHANGE_ONLY", "final-sale-exchange-only"),
    }
    vip = request(
        item("L1"), tenant=APPAREL, delivered_days_ago=40, customer=Customer("v", tags=("VIP",))
    )
    graced = decide(vip, risk(), store=store)
    assert graced.outcome is Outcome.APPROVE_RETURN
    assert graced.items[0].exempted_rule_ids == ("return_window",)
    assert graced.fees_total.amount_minor == 0  # VIPs ship free
    footwear = request(item("L1", category="footwear"), tenant=APPAREL, delivered_days_ago=40)
    assert decide(footwear, risk(), store=store).outcome is Outcome.APPROVE_RETURN


def test_apparel_holiday_orders(store: PolicyStore) -> None:
    req = request(
        item("L1", price=6000),
        tenant=APPAREL,
        placed_at=datetime(2025, 12, 10, tzinfo=UTC),
        delivered_days_ago=None,
        fulfilled_days_ago=None,
        requested_at=datetime(2026, 1, 25, tzinfo=UTC),
    )
    d = decide(req, risk(), store=store)
    assert d.outcome is Outcome.APPROVE_RETURN
    assert ("HOLIDAY_WINDOW_APPLIED", "holiday-2025") in reason_pairs(d.items[0])


def test_apparel_risk_and_our_mistakes(store: PolicyStore) -> None:
    fraud = decide(
        request(item("L1"), tenant=APPAREL), risk(RiskBand.HIGH, fraud_probability=0.8), store=store
    )
    assert fraud.outcome is Outcome.MANUAL_REVIEW
    worn_defective = request(
        item("L1", condition=ItemCondition.USED, reason=ReturnReason.DEFECTIVE, price=6000),
        tenant=APPAREL,
    )
    d = decide(worn_defective, risk(wardrobing=RiskBand.MEDIUM), store=store)
    line = d.items[0]
    assert line.outcome is Outcome.APPROVE_RETURN
    assert line.exempted_rule_ids == ("worn-items",)
    assert line.inspection_required
    assert line.fees.total.amount_minor == 0
    assert {"MERCHANT_ERROR", "HIGH_WARDROBING_RISK"} <= codes(line)
    blocked = request(item("L1"), tenant=APPAREL, customer=Customer("cust-banned-001"))
    assert decide(blocked, risk(), store=store).outcome is Outcome.DENY
    abroad = request(item("L1"), tenant=APPAREL, country="FR")
    assert "COUNTRY_NOT_ELIGIBLE" in codes(decide(abroad, risk(), store=store).items[0])


def test_electronics_opened_items_pay_restocking_and_customers_ship(store: PolicyStore) -> None:
    req = request(
        item(
            "L1",
            price=29900,
            category="audio",
            product_type="speaker",
            condition=ItemCondition.LIKE_NEW,
        ),
        tenant=ELECTRONICS,
        delivered_days_ago=None,
        fulfilled_days_ago=12,
    )
    d = decide(req, risk(), store=store)
    line = d.items[0]
    assert line.outcome is Outcome.APPROVE_RETURN
    assert line.fees.restocking.amount_minor == 4485  # 15%
    assert not d.label_required  # customer_paid shipping
    assert line.refund.method is RefundMethod.ORIGINAL_PAYMENT
    late = request(
        item("L1", category="audio"),
        tenant=ELECTRONICS,
        delivered_days_ago=None,
        fulfilled_days_ago=20,
    )
    assert decide(late, risk(), store=store).outcome is Outcome.DENY


def test_electronics_sealed_audio_high_value_and_defects(store: PolicyStore) -> None:
    opened_buds = request(
        item("L1", price=19900, product_type="earbuds", condition=ItemCondition.LIKE_NEW),
        tenant=ELECTRONICS,
    )
    assert "HYGIENE_ITEM" in codes(decide(opened_buds, risk(), store=store).items[0])
    laptop = request(item("L1", price=149900, category="computers"), tenant=ELECTRONICS)
    unscored = decide(laptop, None, store=store)
    assert unscored.outcome is Outcome.MANUAL_REVIEW
    assert ("RISK_NOT_ASSESSED", "high-value-unscored") in reason_pairs(unscored.items[0])
    scored = decide(laptop, risk(), store=store)
    assert scored.outcome is Outcome.APPROVE_RETURN
    assert scored.items[0].inspection_required
    broken = request(
        item(
            "L1",
            price=19900,
            product_type="earbuds",
            reason=ReturnReason.DEFECTIVE,
            condition=ItemCondition.DEFECTIVE,
        ),
        tenant=ELECTRONICS,
        candidates=(ExchangeCandidate("L1", "BUDS-NEW", usd(19900), 10, unit_cost=usd(12000)),),
    )
    swapped = decide(broken, risk(), store=store)
    assert swapped.outcome is Outcome.OFFER_EXCHANGE
    assert swapped.items[0].bonus_credit.amount_minor == 500


def test_electronics_cheap_cable_keep_it_once_per_customer(store: PolicyStore) -> None:
    cable = request(item("L1", price=1299, category="cables"), tenant=ELECTRONICS)
    assert decide(cable, risk(), store=store).outcome is Outcome.APPROVE_RETURNLESS_REFUND
    again = request(
        item("L1", price=1299, category="cables"),
        tenant=ELECTRONICS,
        customer=Customer("c", returnless_refunds=1),
    )
    d = decide(again, risk(), store=store)
    assert d.outcome is Outcome.APPROVE_RETURN
    assert "KEEP_IT_LIMIT_REACHED" in codes(d.items[0])
    medium = decide(cable, risk(RiskBand.MEDIUM, fraud_probability=0.3), store=store)
    assert ("KEEP_IT_NOT_ALLOWED", "fraud-medium-no-keep") in reason_pairs(medium.items[0])
    assert medium.outcome is Outcome.APPROVE_RETURN
