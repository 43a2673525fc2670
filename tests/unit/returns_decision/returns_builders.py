"""Builders for return requests, risk inputs and small policies used by the tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from services.common.currency import Money
from services.common.paths import REPO_ROOT
from services.returns_decision.core.decisions import ItemDecision
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    Item,
    ItemCondition,
    Order,
    Resolution,
    ReturnReason,
    ReturnRequest,
)
from services.returns_decision.core.risk import RiskAssessment, RiskBand, RiskScore
from services.returns_decision.engines.rules.store import PolicyStore

POLICIES = REPO_ROOT / "policies"
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

# A small policy: 30-day window, everything in window approved. Tests copy and extend it.
BASE_POLICY: dict[str, Any] = {
    "schema_version": 1,
    "tenant": "t1",
    "label": "v1",
    "currency": "USD",
    "return_window": {"days": 30},
    "rules": [
        {
            "id": "in-window",
            "when": {"item.days_over_window": {"lte": 0}},
            "then": {"outcome": "APPROVE", "reason": "WITHIN_RETURN_POLICY"},
        }
    ],
}


# A policy with an error in almost every section (17 of them); its line numbers matter.
BROKEN = """\
schema_version: 2
tenant: Bad Tenant
label: x
currency: XYZ
return_window:
  days: -3
  clok: delivery
rules:
  - id: a
    when: {item.categry: shoes, item.final_sale: "yes"}
    then: {outcome: REJECT, reason: FINAL_SALE}
  - id: a
    when:
      any: []
    then: {reason: NO_RULE_MATCHED, exempt_from: [zzz]}
  - id: c
    when: {customer.lists: {contains: nope}, item.unit_price: {gt: -1}}
    then: {reason: FINAL_SALE, restocking_fee_percent: 150}
fees:
  return_shipping: flat
keep_it: {enabled: yes}
"""


def usd(amount: int) -> Money:
    return Money(amount, "USD")


def item(
    line: str = "L1",
    *,
    price: int = 4000,
    category: str = "tops",
    condition: ItemCondition = ItemCondition.UNWORN_WITH_TAGS,
    reason: ReturnReason = ReturnReason.CHANGED_MIND,
    **fields: Any,
) -> Item:
    values: dict[str, Any] = {
        "line_item_id": line,
        "sku": f"SKU-{line}",
        "unit_price": usd(price),
        "reported_condition": condition,
        "reason": reason,
        "category": category,
    }
    values.update(fields)
    return Item(**values)


def request(
    *items: Item,
    tenant: str = "t1",
    request_id: str = "req-1",
    delivered_days_ago: int | None = 10,
    fulfilled_days_ago: int | None = None,
    placed_days_ago: int | None = None,
    placed_at: datetime | None = None,
    country: str = "US",
    customer: Customer | None = None,
    candidates: tuple[ExchangeCandidate, ...] = (),
    resolution: Resolution = Resolution.UNSPECIFIED,
    requested_at: datetime | None = NOW,
    **order_fields: Any,
) -> ReturnRequest:
    lines = items or (item(),)
    total = sum(i.unit_price.amount_minor * i.quantity for i in lines)
    at = requested_at or NOW

    def ago(days: int | None) -> datetime | None:
        return None if days is None else at - timedelta(days=days)

    if placed_days_ago is None:  # a few days before fulfilment or delivery
        placed_days_ago = max(delivered_days_ago or 0, fulfilled_days_ago or 0) + 5
    order = Order(
        order_id="o-1",
        placed_at=placed_at or at - timedelta(days=placed_days_ago),
        country_code=country,
        total=usd(total),
        fulfilled_at=ago(fulfilled_days_ago),
        delivered_at=ago(delivered_days_ago),
        **order_fields,
    )
    return ReturnRequest(
        tenant_id=tenant,
        request_id=request_id,
        order=order,
        items=lines,
        customer=customer or Customer("cust-1", lifetime_orders=5),
        requested_resolution=resolution,
        exchange_candidates=candidates,
        requested_at=requested_at,
    )


def risk(
    fraud: RiskBand = RiskBand.LOW,
    wardrobing: RiskBand = RiskBand.LOW,
    *,
    fraud_probability: float = 0.02,
    wardrobing_probability: float = 0.02,
) -> RiskAssessment:
    return RiskAssessment(
        fraud=RiskScore("returns_fraud", "f-1", fraud_probability, fraud),
        wardrobing=RiskScore("returns_wardrobing", "w-1", wardrobing_probability, wardrobing),
    )


def codes(decision: ItemDecision) -> set[str]:
    return {r.code.value for r in decision.reasons}


def reason_pairs(decision: ItemDecision) -> set[tuple[str, str]]:
    return {(r.code.value, r.rule_id) for r in decision.reasons}


def policy(**changes: Any) -> dict[str, Any]:
    """BASE_POLICY with top-level sections replaced; `extra_rules` are appended."""
    doc = copy.deepcopy(BASE_POLICY)
    extra = changes.pop("extra_rules", [])
    doc.update(copy.deepcopy(changes))
    doc["rules"] = [*doc["rules"], *extra]
    return doc


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def write_policy(directory: Path, doc: dict[str, Any], name: str | None = None) -> Path:
    path = directory / (name or f"{doc['tenant']}.yaml")
    path.write_text(dump(doc))
    return path


@contextmanager
def store_with(directory: Path, *docs: dict[str, Any]) -> Iterator[PolicyStore]:
    for doc in docs:
        write_policy(directory, doc)
    store = PolicyStore.open(directory)
    assert not store.problems, store.problems
    try:
        yield store
    finally:
        store.close()
