"""Return requests as protobuf messages against the shipped apparel policy, built from a
few arguments: for `make bench`, the soak script and the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from retail.returns_decision.v1 import returns_decision_pb2 as pb
from retail.type.v1.money_pb2 import Money

APPAREL = "northwind-apparel"
REQUESTED = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def usd(cents: int) -> Money:
    return Money(currency_code="USD", amount_minor=cents)


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def ago(days: float, moment: datetime = REQUESTED) -> datetime:
    """The instant `days` days before `moment` (by default, the requests' requested_at)."""
    return moment - timedelta(days=days)


def item(line: str = "L1", **overrides: Any) -> pb.ReturnItem:
    fields: dict[str, Any] = {
        "line_item_id": line,
        "sku": f"SKU-{line}",
        "product_id": f"P-{line}",
        "product_type": "shirt",
        "category": "tops",
        "unit_price": usd(6000),
        "unit_cost": usd(2400),
        "quantity": 1,
        "reported_condition": pb.ITEM_CONDITION_UNWORN_WITH_TAGS,
        "reason": pb.RETURN_REASON_CHANGED_MIND,
    }
    fields.update(overrides)
    return pb.ReturnItem(**fields)


def request(
    *items: pb.ReturnItem,
    days_since_delivery: int = 10,
    tenant: str = APPAREL,
    request_id: str = "req-1",
    customer: dict[str, Any] | None = None,
    country: str = "US",
    **overrides: Any,
) -> pb.DecideReturnRequest:
    delivered = REQUESTED - timedelta(days=days_since_delivery)
    fields: dict[str, Any] = {
        "tenant_id": tenant,
        "request_id": request_id,
        "order": pb.Order(
            order_id="ORD-1",
            placed_at=stamp(delivered - timedelta(days=4)),
            fulfilled_at=stamp(delivered - timedelta(days=3)),
            delivered_at=stamp(delivered),
            country_code=country,
            channel=pb.SALES_CHANNEL_ONLINE_STORE,
            payment_method=pb.PAYMENT_METHOD_CARD,
            total=usd(sum(i.unit_price.amount_minor for i in items) or 6000),
        ),
        "items": list(items) or [item()],
        "customer": pb.Customer(
            **{
                "customer_id": "cust-1",
                "account_age_days": 900,
                "lifetime_orders": 12,
                "lifetime_spend": usd(120000),
                "returns_last_90_days": 0,
                "returns_last_365_days": 1,
                **(customer or {}),  # may replace the defaults above
            }
        ),
        "requested_resolution": pb.RESOLUTION_REFUND_ORIGINAL_PAYMENT,
        "requested_at": stamp(REQUESTED),
    }
    fields.update(overrides)
    return pb.DecideReturnRequest(**fields)
