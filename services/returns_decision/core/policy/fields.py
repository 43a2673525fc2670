"""The fields a policy condition can test, their types, and how each is read from a line.

Every field becomes a key of the fact sent to durable_rules (dots become underscores);
a fact only carries the fields its policy tests. A field with no value for a request
(e.g. `risk.fraud_band` when no risk score was given) is left out of the fact, and
durable_rules never matches a test on a missing field, `ne` included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from services.returns_decision.core.policy.context import ItemContext, utc_day
from services.returns_decision.core.requests import (
    ItemCondition,
    PaymentMethod,
    Resolution,
    ReturnReason,
    SalesChannel,
)
from services.returns_decision.core.risk import RiskBand

FactValue = str | int | float | bool | list[str]


class Kind(StrEnum):
    STRING = "string"
    ENUM = "enum"
    INTEGER = "integer"
    MONEY = "money"  # integer minor units of the policy currency
    NUMBER = "number"
    BOOLEAN = "boolean"
    LIST = "list"  # of strings


OPERATORS: dict[Kind, frozenset[str]] = {
    Kind.STRING: frozenset({"eq", "ne", "in", "not_in"}),
    Kind.ENUM: frozenset({"eq", "ne", "in", "not_in"}),
    Kind.INTEGER: frozenset({"eq", "ne", "lt", "lte", "gt", "gte"}),
    Kind.MONEY: frozenset({"eq", "ne", "lt", "lte", "gt", "gte"}),
    Kind.NUMBER: frozenset({"lt", "lte", "gt", "gte"}),
    Kind.BOOLEAN: frozenset({"eq", "ne"}),
    Kind.LIST: frozenset({"contains", "contains_any", "contains_all", "contains_none"}),
}

# Lists in facts always hold this element, so "contains_none" holds on an empty list
# (durable_rules' $iall is false on an empty array). Policy values can never be "".
LIST_SENTINEL = ""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    doc: str
    get: Callable[[ItemContext], FactValue | None]
    values: tuple[str, ...] = ()  # allowed values of an ENUM
    case: str = "lower"  # how STRING/LIST values compare: "lower", "upper" or "exact"

    @property
    def fact_key(self) -> str:
        return self.name.replace(".", "_")

    def normalise(self, text: str) -> str:
        if self.case == "lower":
            return text.strip().lower()
        if self.case == "upper":
            return text.strip().upper()
        return text


def _enum_values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum if m.name != "UNSPECIFIED")


def _tags(values: tuple[str, ...]) -> list[str]:
    return [LIST_SENTINEL, *values]


def _risk(model: str, attribute: str) -> Callable[[ItemContext], FactValue | None]:
    def get(c: ItemContext) -> FactValue | None:
        risk = c.shared.risk
        if risk is None:
            return None
        score = getattr(risk, model)
        return float(score.probability) if attribute == "score" else str(score.band).upper()

    return get


def _days_since_order(c: ItemContext) -> int:
    placed_at = c.shared.request.order.placed_at
    return (c.shared.evaluated_on - utc_day(placed_at)).days if placed_at else 0


def _return_rate(c: ItemContext) -> float:
    customer = c.shared.request.customer
    return customer.returns_last_365_days / max(1, customer.lifetime_orders)


_FIELDS = (
    # item
    Field("item.sku", Kind.STRING, "SKU of the line", lambda c: c.item.sku, case="exact"),
    Field(
        "item.product_id",
        Kind.STRING,
        "product id (the SKU when not given)",
        lambda c: c.item.product_id or c.item.sku,
        case="exact",
    ),
    Field("item.product_type", Kind.STRING, "merchant product type", lambda c: c.product_type),
    Field("item.category", Kind.STRING, "merchant category", lambda c: c.category),
    Field("item.tags", Kind.LIST, "product tags", lambda c: _tags(c.tags)),
    Field(
        "item.unit_price",
        Kind.MONEY,
        "price paid per unit",
        lambda c: c.item.unit_price.amount_minor,
    ),
    Field("item.line_value", Kind.MONEY, "unit price x quantity", lambda c: c.line_value),
    Field("item.quantity", Kind.INTEGER, "units returned", lambda c: c.item.quantity),
    Field("item.final_sale", Kind.BOOLEAN, "sold as final sale", lambda c: c.item.final_sale),
    Field(
        "item.condition",
        Kind.ENUM,
        "condition the customer reports",
        lambda c: c.item.reported_condition.value,
        values=_enum_values(ItemCondition),
    ),
    Field(
        "item.reason",
        Kind.ENUM,
        "return reason",
        lambda c: c.item.reason.value,
        values=_enum_values(ReturnReason),
    ),
    Field(
        "item.days_since_delivery",
        Kind.INTEGER,
        "days from the window's start (delivery, or fulfilment + transit buffer)",
        lambda c: c.days_since_delivery,
    ),
    Field("item.window_days", Kind.INTEGER, "length of the item's window", lambda c: c.window_days),
    Field(
        "item.days_over_window",
        Kind.INTEGER,
        "days past the last day of the window (0 or less: in window)",
        lambda c: c.days_over_window,
    ),
    Field(
        "item.previously_kept",
        Kind.BOOLEAN,
        "the customer already kept this product in a returnless refund",
        lambda c: c.previously_kept,
    ),
    Field(
        "item.has_exchange_candidate",
        Kind.BOOLEAN,
        "an in-stock exchange candidate was given for the line",
        lambda c: c.exchange_candidate is not None,
    ),
    # order
    Field(
        "order.country",
        Kind.STRING,
        "ISO-3166 alpha-2 shipping country",
        lambda c: c.shared.request.order.country_code.upper(),
        case="upper",
    ),
    Field(
        "order.channel",
        Kind.ENUM,
        "sales channel",
        lambda c: c.shared.request.order.channel.value,
        values=_enum_values(SalesChannel),
    ),
    Field(
        "order.payment_method",
        Kind.ENUM,
        "payment method",
        lambda c: c.shared.request.order.payment_method.value,
        values=_enum_values(PaymentMethod),
    ),
    Field(
        "order.total",
        Kind.MONEY,
        "order total",
        lambda c: c.shared.request.order.total.amount_minor,
    ),
    Field(
        "order.discounted",
        Kind.BOOLEAN,
        "any discount was applied",
        lambda c: (
            bool(
                c.shared.request.order.discount_total
                and c.shared.request.order.discount_total.amount_minor > 0
            )
            or bool(c.shared.request.order.discount_codes)
        ),
    ),
    Field(
        "order.discount_codes",
        Kind.LIST,
        "discount codes used",
        lambda c: _tags(tuple(sorted({x.lower() for x in c.shared.request.order.discount_codes}))),
    ),
    Field(
        "order.days_since_order",
        Kind.INTEGER,
        "days from the order to the request",
        _days_since_order,
    ),
    # customer
    Field(
        "customer.id",
        Kind.STRING,
        "customer id",
        lambda c: c.shared.request.customer.customer_id,
        case="exact",
    ),
    Field("customer.tags", Kind.LIST, "customer tags", lambda c: _tags(c.shared.customer_tags)),
    Field(
        "customer.lists",
        Kind.LIST,
        "names of the policy's customer_lists the customer is on",
        lambda c: _tags(c.shared.customer_lists),
        case="exact",
    ),
    Field(
        "customer.account_age_days",
        Kind.INTEGER,
        "days since the account was created (0: guest)",
        lambda c: c.shared.request.customer.account_age_days,
    ),
    Field(
        "customer.lifetime_orders",
        Kind.INTEGER,
        "orders over the customer's lifetime",
        lambda c: c.shared.request.customer.lifetime_orders,
    ),
    Field(
        "customer.returns_last_90_days",
        Kind.INTEGER,
        "returns in the last 90 days",
        lambda c: c.shared.request.customer.returns_last_90_days,
    ),
    Field(
        "customer.returns_last_365_days",
        Kind.INTEGER,
        "returns in the last 365 days",
        lambda c: c.shared.request.customer.returns_last_365_days,
    ),
    Field(
        "customer.return_rate",
        Kind.NUMBER,
        "returns in the last 365 days / lifetime orders",
        _return_rate,
    ),
    Field(
        "customer.returnless_refunds",
        Kind.INTEGER,
        "keep-it refunds the customer already had",
        lambda c: c.shared.request.customer.returnless_refunds,
    ),
    Field(
        "customer.chargebacks",
        Kind.INTEGER,
        "chargebacks filed",
        lambda c: c.shared.request.customer.chargebacks,
    ),
    # request
    Field(
        "request.item_count",
        Kind.INTEGER,
        "lines in the request",
        lambda c: len(c.shared.request.items),
    ),
    Field(
        "request.return_value",
        Kind.MONEY,
        "sum of the line values",
        lambda c: c.shared.request_value,
    ),
    Field(
        "request.resolution",
        Kind.ENUM,
        "resolution the customer asked for",
        lambda c: c.shared.request.requested_resolution.value,
        values=_enum_values(Resolution),
    ),
    # risk
    Field(
        "risk.assessed", Kind.BOOLEAN, "risk scores were given", lambda c: c.shared.risk is not None
    ),
    Field("risk.fraud_score", Kind.NUMBER, "fraud probability", _risk("fraud", "score")),
    Field(
        "risk.fraud_band",
        Kind.ENUM,
        "fraud band",
        _risk("fraud", "band"),
        values=_enum_values(RiskBand),
        case="upper",
    ),
    Field(
        "risk.wardrobing_score", Kind.NUMBER, "wardrobing probability", _risk("wardrobing", "score")
    ),
    Field(
        "risk.wardrobing_band",
        Kind.ENUM,
        "wardrobing band",
        _risk("wardrobing", "band"),
        values=_enum_values(RiskBand),
        case="upper",
    ),
)

FIELDS: dict[str, Field] = {f.name: f for f in _FIELDS}
