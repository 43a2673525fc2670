"""The one feature definition: values, validation, schema comparison."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pytest

from services.returns_decision.engines.risk.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    FEATURE_SCHEMA,
    FEATURES,
    FeatureError,
    RiskInput,
    build_features,
    days_since_event,
    feature_value_label,
)

BASE: dict[str, Any] = {
    "requested_on": dt.date(2024, 1, 5),
    "order_value": 200.0,
    "item_price": 150.0,
    "item_category": "formalwear",
    "final_sale": False,
    "reason_code": "changed_mind",
    "days_order_to_delivery": 2,
    "days_delivery_to_request": 10,
    "account_age_days": 365.0,
    "lifetime_orders": 4,
    "lifetime_spend": 400.0,
    "returns_90d": 1,
    "returns_365d": 2,
    "keep_it_refunds": 0,
    "chargebacks": 0,
    "payment_method": "card",
    "channel": "web",
    "discount_share": 0.2,
}


def make(**change: Any) -> RiskInput:
    return RiskInput(**{**BASE, **change})


def test_vector_follows_the_schema() -> None:
    row = build_features(make(condition="worn", items_in_order=2, multiple_sizes_ordered=True))
    assert len(row) == len(FEATURES) == len(FEATURE_NAMES)
    named = dict(zip(FEATURE_NAMES, row, strict=True))
    assert named["item_share_of_order"] == 0.75
    assert named["avg_order_value"] == 100.0
    assert named["returns_per_order"] == 0.5
    assert named["multiple_sizes_ordered"] == 1.0
    assert named["items_in_order"] == 2.0
    assert named["final_sale"] == 0.0
    assert feature_value_label(FEATURE_NAMES.index("condition"), named["condition"]) == "worn"
    assert feature_value_label(FEATURE_NAMES.index("item_category"), named["item_category"]) == (
        "formalwear"
    )
    assert set(CATEGORICAL_FEATURES) == {
        "item_category",
        "condition",
        "reason_code",
        "payment_method",
        "channel",
    }


def test_unknowns_become_missing() -> None:
    row = dict(
        zip(
            FEATURE_NAMES,
            build_features(make(days_order_to_delivery=None, days_delivery_to_request=None)),
            strict=True,
        )
    )
    assert math.isnan(row["days_order_to_delivery"])
    assert math.isnan(row["days_delivery_to_request"])
    assert math.isnan(row["event_in_wear_window"])
    assert feature_value_label(0, float("nan")) is None


def test_event_features() -> None:
    # New Year's Eve is 5 days before 5 January; delivered 10 days before: worn at the party.
    named = dict(zip(FEATURE_NAMES, build_features(make()), strict=True))
    assert named["days_since_event"] == 5.0
    assert named["event_in_wear_window"] == 1.0
    named = dict(zip(FEATURE_NAMES, build_features(make(days_delivery_to_request=3)), strict=True))
    assert named["event_in_wear_window"] == 0.0
    assert days_since_event(dt.date(2024, 2, 14)) == 0
    assert days_since_event(dt.date(2024, 2, 13)) == 44  # from 31 December
    assert days_since_event(dt.date(2024, 1, 1)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"item_category": "spaceship"}, "item_category"),
        ({"condition": "WORN"}, "condition"),
        ({"channel": ""}, "channel"),
        ({"order_value": -1.0}, "order_value"),
        ({"item_price": float("nan")}, "item_price"),
        ({"days_delivery_to_request": float("inf")}, "days_delivery_to_request"),
        ({"lifetime_orders": "4"}, "lifetime_orders"),
        ({"chargebacks": True}, "chargebacks"),
        ({"discount_share": 1.5}, "discount_share"),
        ({"items_in_order": 0}, "items_in_order"),
        ({"returns_90d": 3}, "returns_90d"),
        ({"requested_on": "2024-01-05"}, "requested_on"),
    ],
)
def test_bad_values_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(FeatureError) as info:
        make(**change)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_schema_differences() -> None:
    stored = FEATURE_SCHEMA.to_json()
    assert FEATURE_SCHEMA.differences(stored) == []
    reordered = {**stored, "features": list(reversed(stored["features"]))}
    assert FEATURE_SCHEMA.differences(reordered) == ["features are in a different order"]
    other = dataclasses.replace(FEATURE_SCHEMA, event_calendar=((1, 1),))
    assert other.fingerprint != FEATURE_SCHEMA.fingerprint
    assert any("event_calendar" in p for p in FEATURE_SCHEMA.differences(other.to_json()))
    assert FEATURE_SCHEMA.differences({"version": stored["version"]})[-1].startswith("features")
