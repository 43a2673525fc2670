"""Policy document validation: every error at once, each with its path."""

from __future__ import annotations

import pytest

from services.returns_decision.core.policy.conditions import MAX_LIST_VALUES
from services.returns_decision.core.policy.errors import PolicyInvalid
from services.returns_decision.core.policy.sections import MAX_ALTERNATIVES_PER_RULE
from services.returns_decision.core.policy.validation import parse_policy, validate_policy
from tests.unit.returns_decision.returns_builders import BROKEN, POLICIES, dump, policy


def errors_of(text: str) -> dict[str, str]:
    return {e.path: e.message for e in validate_policy(text).errors}


def test_every_error_is_reported_with_its_path() -> None:
    found = errors_of(BROKEN)
    assert set(found) == {
        "schema_version",
        "tenant",
        "currency",
        "return_window.days",
        "return_window.clok",
        "rules[0].when.item.categry",
        "rules[0].when.item.final_sale",
        "rules[0].then.outcome",
        "rules[1].id",
        "rules[1].when.any",
        "rules[1].then.reason",
        "rules[1].then.exempt_from[0]",
        "rules[2].when.customer.lists.contains",
        "rules[2].when.item.unit_price.gt",
        "rules[2].then.restocking_fee_percent",
        "fees.return_shipping_amount",
        "keep_it.enabled",
    }
    assert "did you mean 'clock'" in found["return_window.clok"]
    assert "did you mean 'item.category'" in found["rules[0].when.item.categry"]
    assert "duplicate id 'a'" in found["rules[1].id"]
    assert "produced by the core" in found["rules[1].then.reason"]
    assert "unknown rule id 'zzz'" in found["rules[1].then.exempt_from[0]"]
    assert "between 0 and 100" in found["rules[2].then.restocking_fee_percent"]


def test_errors_carry_line_numbers() -> None:
    lines = {e.path: e.line for e in validate_policy(BROKEN).errors}
    assert lines["schema_version"] == 1
    assert lines["rules[0].then.outcome"] == 11
    assert lines["fees.return_shipping_amount"] == 20  # missing key: its parent's line


def test_unknown_fields_are_errors_at_every_level() -> None:
    doc = policy(surprise=1)
    doc["rules"][0]["then"]["colour"] = "red"
    doc["return_window"]["extra"] = True
    found = errors_of(dump(doc))
    assert set(found) == {"surprise", "rules[0].then.colour", "return_window.extra"}


def test_yaml_pitfalls() -> None:
    duplicate = dump(policy()) + "label: again\n"
    assert errors_of(duplicate) == {"label": "duplicate key"}
    norway = dump(
        policy(
            extra_rules=[
                {"id": "no", "when": {"order.country": "NO"}, "then": {"reason": "POLICY_REVIEW"}}
            ]
        )
    )
    assert validate_policy(norway.replace("'NO'", "NO")).valid  # NO stays a country code
    broken = validate_policy("rules: [unclosed\n")
    assert broken.errors[0].path == ""
    assert "not valid YAML" in broken.errors[0].message
    assert broken.errors[0].line is not None
    assert errors_of("") == {"": "the document is empty"}
    assert "must be a mapping" in errors_of("- a list\n")[""]


def test_type_and_value_checks_in_conditions() -> None:
    rules = [
        {"id": "r1", "when": {"item.condition": "worn"}, "then": {"reason": "POLICY_REVIEW"}},
        {"id": "r2", "when": {"item.tags": {"gt": 3}}, "then": {"reason": "POLICY_REVIEW"}},
        {
            "id": "r3",
            "when": {"risk.fraud_score": {"gte": "high"}},
            "then": {"reason": "POLICY_REVIEW"},
        },
        {"id": "r4", "when": {"item.category": {"in": []}}, "then": {"reason": "POLICY_REVIEW"}},
        {"id": "r5", "when": {"item.final_sale": 1}, "then": {"reason": "POLICY_REVIEW"}},
        {"id": "r6", "when": {}, "then": {"reason": "POLICY_REVIEW"}},
        {"id": "keep_it", "then": {"reason": "POLICY_REVIEW"}},
        {"id": "r8", "then": {"reason": "POLICY_REVIEW", "waive_fees": ["postage"]}},
    ]
    found = errors_of(dump(policy(extra_rules=rules)))
    assert "unknown value for item.condition 'worn'" in found["rules[1].when.item.condition"]
    assert "unknown operator" in found["rules[2].when.item.tags.gt"]
    assert "must be a number" in found["rules[3].when.risk.fraud_score.gte"]
    assert "non-empty list" in found["rules[4].when.item.category.in"]
    assert "true or false" in found["rules[5].when.item.final_sale"]
    assert "must be a mapping of field tests" in found["rules[6].when"]
    assert "reserved" in found["rules[7].id"]
    assert "unknown value 'postage'" in found["rules[8].then.waive_fees[0]"]


def test_limits_that_keep_durable_rules_safe() -> None:
    many_values = [f"c{n}" for n in range(MAX_LIST_VALUES + 1)]
    wide_any = {"any": [{"item.category": f"c{n}"} for n in range(MAX_ALTERNATIVES_PER_RULE + 1)]}
    rules = [
        {
            "id": "wide",
            "when": {"item.category": {"in": many_values}},
            "then": {"reason": "POLICY_REVIEW"},
        },
        {"id": "split", "when": wide_any, "then": {"reason": "POLICY_REVIEW"}},
    ]
    found = errors_of(dump(policy(extra_rules=rules)))
    assert "at most 50 values" in found["rules[1].when.item.category.in"]
    assert "expands to 17 alternatives" in found["rules[2].when"]
    too_many = [{"id": f"r{n}", "then": {"reason": "POLICY_REVIEW"}} for n in range(101)]
    assert "at most 100 rules" in errors_of(dump(policy(rules=too_many)))["rules"]


def test_cross_references_and_sections() -> None:
    doc = policy(
        currency="EUR",
        customer_lists={"vip": {"customer_tags": ["vip"]}, "Bad Name": {"customer_ids": ["x"]}},
        return_window={
            "days": 30,
            "overrides": [{"id": "o1", "days": 10}],
            "holiday_extensions": [
                {
                    "id": "h1",
                    "purchased_from": "2025-12-01",
                    "purchased_to": "2025-11-01",
                    "return_by": "2026-01-01",
                }
            ],
        },
        economics={
            "defaults": {
                "grade_mix": {"resell_as_new": 0.9, "open_box": 0.2, "refurbish": 0, "liquidate": 0}
            }
        },
        extra_rules=[{"id": "self", "then": {"reason": "POLICY_REVIEW", "exempt_from": ["self"]}}],
    )
    found = errors_of(dump(doc))
    assert "list names" in found["customer_lists.Bad Name"]
    assert "name at least one of" in found["return_window.overrides[0]"]
    assert (
        "must not be before purchased_from"
        in found["return_window.holiday_extensions[0].purchased_to"]
    )
    assert "sum to 1" in found["economics.defaults.grade_mix"]
    assert "cannot exempt from itself" in found["rules[1].then.exempt_from[0]"]
    assert "policy currency is EUR" in found["economics.defaults.return_label_cost"]


def test_parse_policy_raises_policy_invalid_with_every_error() -> None:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(BROKEN)
    assert len(caught.value.errors) == 17
    assert caught.value.code.name == "INVALID_ARGUMENT"
    # Each error is a violation of the request field that held the document, described
    # with its place in the document.
    assert {v.field for v in caught.value.violations} == {"policy_document"}
    described = [v.description for v in caught.value.violations]
    assert any(d.startswith("line ") and ": tenant: " in d for d in described), described
    assert any(": rules[1].id: " in d for d in described), described


def test_expected_tenant_and_version() -> None:
    text = dump(policy())
    result = validate_policy(text, expected_tenant="t1")
    assert result.valid
    assert result.version is not None
    assert result.version.label == "v1"
    assert result.version.content_hash.startswith("sha256:")
    wrong = validate_policy(text, expected_tenant="other")
    assert [e.path for e in wrong.errors] == ["tenant"]


def test_example_policies_are_valid() -> None:
    for path in sorted(POLICIES.glob("*.yaml")):
        result = validate_policy(path.read_bytes())
        assert result.valid, (path.name, result.errors)
