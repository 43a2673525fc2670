"""Request validation in the core: field violations with paths, unknown tenants."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.common.currency import Money
from services.common.errors import FieldViolation
from services.returns_decision.core.decide import decide
from services.returns_decision.core.policy.errors import PolicyNotFound
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    ItemCondition,
    ReturnReason,
)
from services.returns_decision.core.risk import RiskAssessment, RiskScore
from services.returns_decision.core.validation import InvalidRequest, validate_request
from tests.unit.returns_decision.returns_builders import (
    item,
    policy,
    request,
    risk,
    store_with,
    usd,
)


def paths(violations: Sequence[FieldViolation]) -> set[str]:
    return {v.field for v in violations}


def test_a_good_request_has_no_violations() -> None:
    assert validate_request(request(item("L1"), item("L2")), risk()) == []


def test_every_violation_is_reported_with_its_field_path() -> None:
    base = request(item("L1"))
    order = dataclasses.replace(
        base.order,
        order_id="",
        country_code="USA",
        total=Money(-5, "USD"),
        delivered_at=base.order.placed_at - timedelta(days=2) if base.order.placed_at else None,
    )
    broken_items = (
        item("L1", unit_price=Money(-100, "EUR")),
        item("L1", price=10**9, quantity=0, condition=ItemCondition.UNSPECIFIED),
        dataclasses.replace(
            item("L3"), sku="", reason=ReturnReason.UNSPECIFIED, unit_price=Money(100, "EUR")
        ),
    )
    bad = dataclasses.replace(
        base,
        request_id="",
        order=order,
        items=broken_items,
        customer=Customer("", email_sha256="not-a-hash", returns_last_90_days=-1),
        exchange_candidates=(ExchangeCandidate("L9", "X", usd(100), -1),),
    )
    bad_risk = RiskAssessment(
        fraud=RiskScore("f", "1", 1.5, risk().fraud.band),
        wardrobing=RiskScore("w", "1", float("nan"), risk().wardrobing.band),
    )
    found = paths(validate_request(bad, bad_risk))
    assert found == {
        "request_id",
        "order.order_id",
        "order.country_code",
        "order.total.amount_minor",
        "order.delivered_at",
        "customer.customer_id",
        "customer.email_sha256",
        "customer.returns_last_90_days",
        "items[0].unit_price.amount_minor",
        "items[0].unit_price.currency_code",
        "items[1].line_item_id",
        "items[1].unit_price.amount_minor",
        "items[1].quantity",
        "items[1].reported_condition",
        "items[2].sku",
        "items[2].reason",
        "items[2].unit_price.currency_code",
        "exchange_candidates[0].line_item_id",
        "exchange_candidates[0].available_quantity",
        "risk.fraud.probability",
        "risk.wardrobing.probability",
    }


def test_missing_placed_at_naive_times_and_empty_items() -> None:
    base = request()
    naive = dataclasses.replace(
        base,
        items=(),
        requested_at=datetime(2025, 3, 1),  # naive: the point of the test
        order=dataclasses.replace(base.order, placed_at=None),
    )
    assert paths(validate_request(naive)) == {"items", "requested_at", "order.placed_at"}


def test_decide_raises_invalid_request_and_policy_not_found(tmp_path: Path) -> None:
    with store_with(tmp_path, policy()) as store:
        with pytest.raises(InvalidRequest) as caught:
            decide(request(item("L1", price=-1)), risk(), store=store)
        assert {v.field for v in caught.value.violations} == {
            "items[0].unit_price.amount_minor",
            "order.total.amount_minor",
        }
        assert caught.value.code.name == "INVALID_ARGUMENT"
        with pytest.raises(PolicyNotFound) as missing:
            decide(request(tenant="nobody"), risk(), store=store)
        assert missing.value.code.name == "NOT_FOUND"
        eur = request(item("L1", unit_price=Money(100, "EUR")))
        eur = dataclasses.replace(
            eur, order=dataclasses.replace(eur.order, total=Money(100, "EUR"))
        )
        with pytest.raises(InvalidRequest) as currency:
            decide(eur, risk(), store=store)
        assert [v.field for v in currency.value.violations] == ["order.total.currency_code"]


def test_a_request_before_the_order_is_invalid() -> None:
    early = request(
        requested_at=datetime(2025, 3, 10, tzinfo=UTC), placed_at=datetime(2025, 3, 11, tzinfo=UTC)
    )
    assert "requested_at" in paths(validate_request(early))
