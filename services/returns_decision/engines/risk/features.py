"""The one feature definition for the returns risk models.

Training (``models.returns``, which imports it from here) and the service's risk engine
both turn a ``RiskInput`` into floats with ``build_features`` below, row by row, so the
two can never drift apart. The schema (names, kinds, categories, the event calendar) is
stored with every model; the service refuses a model whose stored schema differs from
``FEATURE_SCHEMA``, so a change here forces a retrain instead of silently shifting columns.

Standard library only: the service builds every request's row with it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

SCHEMA_VERSION: Final = "returns-risk-features/1"

ITEM_CATEGORIES: Final = (
    "other",
    "apparel",
    "formalwear",
    "footwear",
    "accessories",
    "electronics",
    "jewelry",
    "home",
    "beauty",
    "sports",
    "toys",
)
CONDITIONS: Final = (
    "not_inspected",
    "new_sealed",
    "like_new",
    "worn",
    "damaged",
    "missing_parts",
    "empty_box",
    "wrong_item",
)
REASON_CODES: Final = (
    "other",
    "changed_mind",
    "wrong_size",
    "defective",
    "not_as_described",
    "arrived_damaged",
    "wrong_item_sent",
    "not_received",
    "late_delivery",
)
PAYMENT_METHODS: Final = (
    "other",
    "card",
    "paypal",
    "bnpl",
    "gift_card",
    "bank_transfer",
    "cash_on_delivery",
)
CHANNELS: Final = ("other", "web", "app", "marketplace", "store", "phone")

# Fields of RiskInput that hold a category label, and the labels each accepts.
CATEGORY_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "item_category": ITEM_CATEGORIES,
    "condition": CONDITIONS,
    "reason_code": REASON_CODES,
    "payment_method": PAYMENT_METHODS,
    "channel": CHANNELS,
}

# Occasions people buy for, wear once and return after (month, day). Wardrobing clusters in
# the days after these; the synthetic generator uses the same calendar. Black Friday moves
# each year; the 27th of November is close enough for a "days since" feature.
EVENT_CALENDAR: Final = (
    (2, 14),  # Valentine's Day
    (5, 15),  # prom season
    (6, 20),  # midsummer weddings and parties
    (10, 31),  # Halloween
    (11, 27),  # Black Friday
    (12, 20),  # office Christmas parties
    (12, 31),  # New Year's Eve
)
# A wear window longer than this is not "bought for the event" any more.
MAX_WEAR_WINDOW_DAYS: Final = 30


class FeatureError(ValueError):
    """A RiskInput field holds a value the features cannot be built from; names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class RiskInput:
    """What the service knows about a return request when it scores it.

    Money is in the merchant's currency. ``None`` means unknown; it becomes a missing value
    (NaN), which LightGBM routes on its own learned branch.
    """

    requested_on: dt.date  # day the return was requested; drives the event features
    order_value: float  # whole order, after discounts
    item_price: float  # price paid for the returned item
    item_category: str  # one of ITEM_CATEGORIES
    final_sale: bool  # sold as final sale (not normally returnable)
    reason_code: str  # one of REASON_CODES, as the customer stated it
    days_order_to_delivery: float | None  # None: no delivery scan
    days_delivery_to_request: float | None  # None: delivery date unknown
    account_age_days: float
    lifetime_orders: int
    lifetime_spend: float
    returns_90d: int  # earlier returns, not counting this one
    returns_365d: int
    keep_it_refunds: int  # earlier refunds granted without taking the item back
    chargebacks: int
    payment_method: str  # one of PAYMENT_METHODS
    channel: str  # one of CHANNELS
    discount_share: float  # share of the item's list price covered by discounts, 0..1
    condition: str = "not_inspected"  # condition on receipt, one of CONDITIONS
    items_in_order: int = 1
    multiple_sizes_ordered: bool = False  # same item in several sizes ("bracketing")

    def __post_init__(self) -> None:
        for name in _NON_NEGATIVE:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FeatureError(name, f"expected a number, got {type(value).__name__}")
            if not 0 <= value < math.inf:  # also false for NaN
                raise FeatureError(name, f"must be a finite number >= 0, got {value!r}")
        if self.discount_share > 1:
            raise FeatureError("discount_share", f"must be within 0..1, got {self.discount_share}")
        if self.items_in_order < 1:
            raise FeatureError("items_in_order", f"must be >= 1, got {self.items_in_order}")
        if self.returns_90d > self.returns_365d:
            raise FeatureError("returns_90d", "cannot exceed returns_365d")
        for name, codes in _CODES.items():
            if (label := getattr(self, name)) not in codes:
                allowed = CATEGORY_FIELDS[name]
                raise FeatureError(name, f"unknown value {label!r}; expected one of {allowed}")
        if not isinstance(self.requested_on, dt.date):
            raise FeatureError("requested_on", "expected a date")


_NON_NEGATIVE: Final = (
    "order_value",
    "item_price",
    "days_order_to_delivery",
    "days_delivery_to_request",
    "account_age_days",
    "lifetime_orders",
    "lifetime_spend",
    "returns_90d",
    "returns_365d",
    "keep_it_refunds",
    "chargebacks",
    "discount_share",
    "items_in_order",
)
_CODES: Final[Mapping[str, Mapping[str, float]]] = {
    name: {label: float(i) for i, label in enumerate(labels)}
    for name, labels in CATEGORY_FIELDS.items()
}

FeatureKind = Literal["numeric", "categorical"]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    kind: FeatureKind
    categories: tuple[str, ...] = ()  # code i stands for categories[i]
    description: str = ""


def _num(name: str, description: str) -> FeatureSpec:
    return FeatureSpec(name, "numeric", (), description)


def _cat(name: str, description: str) -> FeatureSpec:
    return FeatureSpec(name, "categorical", CATEGORY_FIELDS[name], description)


# Order matters: it is the column order of the model. build_features must follow it.
FEATURES: Final = (
    _num("order_value", "whole order value"),
    _num("item_price", "price paid for the returned item"),
    _num("item_share_of_order", "item_price / order_value"),
    _cat("item_category", "item category"),
    _num("final_sale", "1 if sold as final sale"),
    _cat("condition", "condition on receipt"),
    _cat("reason_code", "stated return reason"),
    _num("days_order_to_delivery", "days from order to delivery scan; missing if none"),
    _num("days_delivery_to_request", "days from delivery to return request; missing if unknown"),
    _num("account_age_days", "customer account age"),
    _num("lifetime_orders", "orders placed over the account's life"),
    _num("lifetime_spend", "spend over the account's life"),
    _num("avg_order_value", "lifetime_spend / lifetime_orders"),
    _num("returns_90d", "earlier returns in the last 90 days"),
    _num("returns_365d", "earlier returns in the last 365 days"),
    _num("returns_per_order", "returns_365d / lifetime_orders"),
    _num("keep_it_refunds", "earlier refunds without a return"),
    _num("chargebacks", "earlier chargebacks"),
    _cat("payment_method", "payment method of the order"),
    _cat("channel", "sales channel"),
    _num("discount_share", "share of list price covered by discounts"),
    _num("items_in_order", "items in the order"),
    _num("multiple_sizes_ordered", "1 if the same item was ordered in several sizes"),
    _num("days_since_event", "days from the latest calendar event to the request"),
    _num("event_in_wear_window", "1 if an event fell between delivery and request"),
)
FEATURE_NAMES: Final = tuple(f.name for f in FEATURES)
CATEGORICAL_FEATURES: Final = tuple(f.name for f in FEATURES if f.kind == "categorical")


@dataclass(frozen=True, slots=True)
class FeatureSchema:
    """What a model was trained on; stored in its metadata and compared at load time."""

    version: str
    features: tuple[FeatureSpec, ...]
    event_calendar: tuple[tuple[int, int], ...]
    max_wear_window_days: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "features": [
                {"name": f.name, "kind": f.kind, "categories": list(f.categories)}
                for f in self.features
            ],
            "event_calendar": [list(md) for md in self.event_calendar],
            "max_wear_window_days": self.max_wear_window_days,
        }

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def differences(self, stored: Mapping[str, Any]) -> list[str]:
        """Human-readable differences between a stored schema and this one (empty if equal)."""
        ours = self.to_json()
        problems: list[str] = []
        for key in ("version", "event_calendar", "max_wear_window_days"):
            if stored.get(key) != ours[key]:
                problems.append(f"{key}: model has {stored.get(key)!r}, code has {ours[key]!r}")
        theirs = stored.get("features")
        if not isinstance(theirs, list):
            return [*problems, "features: missing from the stored schema"]
        their_names = [f.get("name") if isinstance(f, dict) else None for f in theirs]
        our_names = [f["name"] for f in ours["features"]]
        missing = [n for n in our_names if n not in their_names]
        extra = [n for n in their_names if n not in our_names]
        if missing:
            problems.append(f"features the model lacks: {missing}")
        if extra:
            problems.append(f"features the code does not build: {extra}")
        if not missing and not extra and their_names != our_names:
            problems.append("features are in a different order")
        by_name = {f["name"]: f for f in theirs if isinstance(f, dict)}
        for spec in ours["features"]:
            other = by_name.get(spec["name"])
            if other is None:
                continue
            for key in ("kind", "categories"):
                if other.get(key) != spec[key]:
                    problems.append(
                        f"feature {spec['name']!r} {key}: model has {other.get(key)!r}, "
                        f"code has {spec[key]!r}"
                    )
        return problems


FEATURE_SCHEMA: Final = FeatureSchema(
    version=SCHEMA_VERSION,
    features=FEATURES,
    event_calendar=EVENT_CALENDAR,
    max_wear_window_days=MAX_WEAR_WINDOW_DAYS,
)

_NAN: Final = float("nan")


@functools.lru_cache(maxsize=4096)
def days_since_event(day: dt.date) -> int:
    """Days from the latest calendar event on or before ``day`` (0 on the day itself)."""
    best = 400
    for year in (day.year, day.year - 1):
        for month, dom in EVENT_CALENDAR:
            delta = (day - dt.date(year, month, dom)).days
            if 0 <= delta < best:
                best = delta
    return best


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else _NAN


def build_features(inp: RiskInput) -> list[float]:
    """The model's input row for one return request, in ``FEATURE_NAMES`` order."""
    since_event = days_since_event(inp.requested_on)
    wear_days = inp.days_delivery_to_request
    if wear_days is None:
        in_window = _NAN
    else:
        # An event in [delivery, request]: the item was at the customer's on the day.
        in_window = 1.0 if since_event <= min(wear_days, MAX_WEAR_WINDOW_DAYS) else 0.0
    codes = _CODES
    return [
        float(inp.order_value),
        float(inp.item_price),
        _ratio(inp.item_price, inp.order_value),
        codes["item_category"][inp.item_category],
        1.0 if inp.final_sale else 0.0,
        codes["condition"][inp.condition],
        codes["reason_code"][inp.reason_code],
        _NAN if inp.days_order_to_delivery is None else float(inp.days_order_to_delivery),
        _NAN if wear_days is None else float(wear_days),
        float(inp.account_age_days),
        float(inp.lifetime_orders),
        float(inp.lifetime_spend),
        _ratio(inp.lifetime_spend, inp.lifetime_orders),
        float(inp.returns_90d),
        float(inp.returns_365d),
        _ratio(inp.returns_365d, inp.lifetime_orders),
        float(inp.keep_it_refunds),
        float(inp.chargebacks),
        codes["payment_method"][inp.payment_method],
        codes["channel"][inp.channel],
        float(inp.discount_share),
        float(inp.items_in_order),
        1.0 if inp.multiple_sizes_ordered else 0.0,
        float(since_event),
        in_window,
    ]


def feature_value_label(index: int, value: float) -> float | str | None:
    """A feature value as a person reads it: the category label for categorical features."""
    if math.isnan(value):
        return None
    spec = FEATURES[index]
    if spec.kind == "categorical":
        code = int(value)
        return spec.categories[code] if 0 <= code < len(spec.categories) else None
    return value
