"""Validation of a return request: every violation at once, each with its field path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from services.common.currency import CURRENCY_EXPONENTS, Money
from services.common.errors import FieldViolation, InvalidArgument
from services.returns_decision.core.requests import (
    Customer,
    ExchangeCandidate,
    Item,
    ItemCondition,
    LogisticsCosts,
    Order,
    ReturnReason,
    ReturnRequest,
)
from services.returns_decision.core.risk import RiskAssessment, RiskBand

# A unit price above this many major units is a data error, not a luxury good.
MAX_UNIT_PRICE_MAJOR = 1_000_000
MAX_ITEMS_PER_REQUEST = 100
MAX_QUANTITY = 1_000


class InvalidRequest(InvalidArgument):
    """The request breaks the API's rules; every violation is listed with its field path."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        super().__init__(
            f"the return request has {len(violations)} invalid field(s)",
            violations,
            reason="INVALID_RETURN_REQUEST",
        )


class _Violations:
    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, path: str, description: str) -> None:
        self.items.append(FieldViolation(path, description))

    def required(self, path: str, value: object) -> None:
        if value is None or value == "":
            self.add(path, "required")

    def money(self, path: str, money: Money | None, currency: str, *, unit: bool) -> None:
        if money is None:
            return
        if money.currency not in CURRENCY_EXPONENTS:
            self.add(f"{path}.currency_code", f"unknown ISO-4217 currency code {money.currency!r}")
        elif currency in CURRENCY_EXPONENTS and money.currency != currency:
            self.add(f"{path}.currency_code", f"must be the order currency {currency}")
        if money.amount_minor < 0:
            self.add(f"{path}.amount_minor", "must not be negative")
        elif unit:
            exponent = CURRENCY_EXPONENTS.get(money.currency, 2)
            if money.amount_minor > MAX_UNIT_PRICE_MAJOR * 10**exponent:
                self.add(f"{path}.amount_minor", f"above {MAX_UNIT_PRICE_MAJOR} major units")

    def counts(self, prefix: str, obj: object, names: Sequence[str]) -> None:
        for name in names:
            if getattr(obj, name) < 0:
                self.add(f"{prefix}.{name}", "must not be negative")

    def instant(self, path: str, value: datetime | None) -> None:
        if value is not None and value.utcoffset() is None:
            self.add(path, "must carry a timezone")


def validate_request(
    request: ReturnRequest, risk: RiskAssessment | None = None
) -> list[FieldViolation]:
    """Every violation in the request at once, each with the path of the offending field."""
    v = _Violations()
    v.required("tenant_id", request.tenant_id)
    v.required("request_id", request.request_id)
    v.instant("requested_at", request.requested_at)
    currency = request.order.total.currency  # every amount must be in the order's currency
    _order(v, request.order, request.requested_at)
    _customer(v, request.customer, currency)
    lines = _items(v, request.items, currency)
    # A reference is checked against the items only when every item can be named.
    items_named = bool(request.items) and all(i.line_item_id for i in request.items)
    _exchange_candidates(v, request.exchange_candidates, lines if items_named else None, currency)
    if request.logistics is not None:
        _logistics(v, request.logistics, currency)
    if risk is not None:
        _risk(v, risk)
    return v.items


def _order(v: _Violations, order: Order, requested_at: datetime | None) -> None:
    v.required("order.order_id", order.order_id)
    v.required("order.placed_at", order.placed_at)
    for name in ("placed_at", "fulfilled_at", "delivered_at"):
        v.instant(f"order.{name}", getattr(order, name))
    currency = order.total.currency
    if len(order.country_code) != 2 or not order.country_code.isalpha():
        v.add("order.country_code", "must be an ISO-3166 alpha-2 country code")
    v.money("order.total", order.total, currency, unit=False)
    v.money("order.discount_total", order.discount_total, currency, unit=False)
    # Naive and aware instants cannot be compared: a naive one is reported above.
    naive = any(
        t is not None and t.utcoffset() is None
        for t in (requested_at, order.placed_at, order.fulfilled_at, order.delivered_at)
    )
    if naive:
        return
    if order.placed_at is not None:
        for name in ("fulfilled_at", "delivered_at"):
            instant: datetime | None = getattr(order, name)
            if instant is not None and instant < order.placed_at:
                v.add(f"order.{name}", "must not be before placed_at")
        if requested_at is not None and requested_at < order.placed_at:
            v.add("requested_at", "must not be before order.placed_at")
    if (
        order.fulfilled_at is not None
        and order.delivered_at is not None
        and order.delivered_at < order.fulfilled_at
    ):
        v.add("order.delivered_at", "must not be before fulfilled_at")


def _customer(v: _Violations, customer: Customer, currency: str) -> None:
    v.required("customer.customer_id", customer.customer_id)
    sha = customer.email_sha256
    if sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
        v.add("customer.email_sha256", "must be 64 lowercase hexadecimal digits")
    v.counts(
        "customer",
        customer,
        (
            "account_age_days",
            "lifetime_orders",
            "returns_last_90_days",
            "returns_last_365_days",
            "returnless_refunds",
            "chargebacks",
        ),
    )
    v.money("customer.lifetime_spend", customer.lifetime_spend, currency, unit=False)


def _items(v: _Violations, items: Sequence[Item], currency: str) -> set[str]:
    """Checks the items; returns their line item ids."""
    if not items:
        v.add("items", "at least one item is required")
    elif len(items) > MAX_ITEMS_PER_REQUEST:
        v.add("items", f"at most {MAX_ITEMS_PER_REQUEST} items per request")
    lines: set[str] = set()
    for i, item in enumerate(items):
        p = f"items[{i}]"
        v.required(f"{p}.line_item_id", item.line_item_id)
        if item.line_item_id and item.line_item_id in lines:
            v.add(f"{p}.line_item_id", f"duplicate line item id {item.line_item_id!r}")
        lines.add(item.line_item_id)
        v.required(f"{p}.sku", item.sku)
        v.money(f"{p}.unit_price", item.unit_price, currency, unit=True)
        v.money(f"{p}.unit_cost", item.unit_cost, currency, unit=True)
        if not 1 <= item.quantity <= MAX_QUANTITY:
            v.add(f"{p}.quantity", f"must be between 1 and {MAX_QUANTITY}")
        if item.reported_condition is ItemCondition.UNSPECIFIED:
            v.add(f"{p}.reported_condition", "required")
        if item.reason is ReturnReason.UNSPECIFIED:
            v.add(f"{p}.reason", "required")
    return lines


def _exchange_candidates(
    v: _Violations,
    candidates: Sequence[ExchangeCandidate],
    lines: set[str] | None,
    currency: str,
) -> None:
    """`lines`: the returned line item ids, None when some item has none to check against."""
    for j, candidate in enumerate(candidates):
        p = f"exchange_candidates[{j}]"
        v.required(f"{p}.line_item_id", candidate.line_item_id)
        if candidate.line_item_id and lines is not None and candidate.line_item_id not in lines:
            v.add(f"{p}.line_item_id", "must name a returned line item")
        v.required(f"{p}.sku", candidate.sku)
        v.money(f"{p}.unit_price", candidate.unit_price, currency, unit=True)
        v.money(f"{p}.unit_cost", candidate.unit_cost, currency, unit=True)
        if candidate.available_quantity < 0:
            v.add(f"{p}.available_quantity", "must not be negative")


def _logistics(v: _Violations, logistics: LogisticsCosts, currency: str) -> None:
    for name in ("return_label", "outbound_shipping", "receiving_and_inspection", "handling"):
        v.money(f"logistics.{name}", getattr(logistics, name), currency, unit=True)


def _valid_probability(score: float) -> bool:
    return math.isfinite(score) and 0.0 <= score <= 1.0


def _risk(v: _Violations, risk: RiskAssessment) -> None:
    for model in ("fraud", "wardrobing"):
        score = getattr(risk, model)
        if not _valid_probability(score.probability):
            v.add(f"risk.{model}.probability", "must be a probability between 0 and 1")
        if str(score.band).upper() not in RiskBand.__members__:
            v.add(f"risk.{model}.band", "must be LOW, MEDIUM, HIGH or CRITICAL")
