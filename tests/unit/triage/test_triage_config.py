from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from services.triage.core.config import (
    DEFAULT_CONFIG_PATH,
    ConfigInvalid,
    CustomerTier,
    EscalationReason,
    PriorityLevel,
    Queue,
    TriageConfigStore,
    load_config,
    parse_config,
)
from services.triage.core.intents import Intent


def _store(tmp_path: Path, **files: str) -> TriageConfigStore:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    for name, text in files.items():
        (tenants / name).write_text(text)
    return TriageConfigStore.load(DEFAULT_CONFIG_PATH, tenants)


def _issues(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        _store(tmp_path, **files)
    return [str(issue) for issue in info.value.issues]


def test_default_file_is_valid_and_covers_every_intent() -> None:
    config = load_config()
    assert config.currency == "USD"
    assert set(config.routing.queues) == set(Intent)
    assert set(config.routing.sla_seconds) == set(PriorityLevel)
    assert set(config.escalation.reasons) == set(EscalationReason)
    assert config.version.startswith("default-2025.1@")
    assert load_config().version == config.version  # content hash: stable


def test_tenant_override_merges_over_the_defaults(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        **{
            "acme.yaml": (
                'label: "acme-1"\n'
                "currency: EUR\n"
                "exchange_rates: {USD: 0.9}\n"
                "priority:\n"
                "  tiers: {vip: 25}\n"
                "  levels: {P1: 80}\n"
                "escalation:\n"
                "  lost_item_min_order_value: 300\n"
                "routing:\n"
                "  queues: {complaint: escalations}\n"
            ),
            "README.txt": "not a config",
        },
    )
    default = store.default
    acme = store.for_tenant("acme")
    assert store.tenants == ("acme",)
    assert store.for_tenant("someone-else") is default
    assert acme.priority.tiers[CustomerTier.VIP] == 25
    assert acme.priority.tiers[CustomerTier.LOYAL] == default.priority.tiers[CustomerTier.LOYAL]
    assert (acme.priority.levels.P1, acme.priority.levels.P2) == (80, default.priority.levels.P2)
    assert acme.escalation.lost_item_min_order_value == 300
    assert acme.routing.queues[Intent.COMPLAINT] is Queue.ESCALATIONS
    assert acme.routing.queues[Intent.ORDER_STATUS] is Queue.SHIPPING
    assert acme.version.startswith("acme-1@")
    assert acme.to_config_currency(Decimal("100"), "EUR") == 100.0
    assert acme.to_config_currency(Decimal("100"), "usd") == pytest.approx(90.0)
    assert acme.to_config_currency(Decimal("100"), "JPY") is None


def test_broken_tenant_config_names_file_and_field(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path,
        **{
            "acme.yaml": (
                "priority:\n"
                "  levels: {P1: 40}\n"
                "  intents: {where_is_it: 5, order_status: '7'}\n"
                "  flags: {legal_threat: 250}\n"
                "  order_value: [{min: 500, points: 5}, {min: 100, points: 3}]\n"
                "escalation:\n"
                "  lost_item_min_order_value: -1\n"
                "routing:\n"
                "  self_service: {min_intent_confidence: true}\n"
                "  sla_seconds: {P5: 10}\n"
                "colour: blue\n"
            ),
            "globex.yaml": "routing: {queues: {order_status: warehouse}}\n",
        },
    )
    expected = [
        "acme.yaml: priority.intents.where_is_it: unknown key",
        "acme.yaml: priority.intents.order_status: Input should be a valid integer",
        "acme.yaml: priority.flags.legal_threat: Input should be less than or equal to 100",
        "acme.yaml: priority.levels: thresholds must decrease from P1 to P3",
        "acme.yaml: priority.order_value: bands must be listed by increasing",
        "acme.yaml: escalation.lost_item_min_order_value: Input should be greater than or",
        "acme.yaml: routing.sla_seconds.P5: unknown key",
        "acme.yaml: routing.self_service.min_intent_confidence: Input should be a valid number",
        "acme.yaml: colour: unknown key",
        "globex.yaml: routing.queues.order_status: Input should be 'returns'",
    ]
    for prefix in expected:
        assert any(issue.startswith(prefix) for issue in issues), (prefix, issues)


def test_every_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    issues = _issues(
        tmp_path,
        **{
            "dup.yaml": "priority:\n  base: 1\n  base: 2\n",
            "syntax.yaml": "priority: [unclosed\n",
            "list.yaml": "- a\n- b\n",
            "Bad Name.yaml": "label: x\n",
            "ok.yaml": "label: fine\n",
        },
    )
    assert len(issues) == 4
    assert "dup.yaml: priority.base: line 3, column 3: duplicate key" in issues
    assert any(
        i.startswith("syntax.yaml: <document>: line 2, column 1: not valid YAML") for i in issues
    )
    assert "list.yaml: <document>: must be a mapping of keys to values" in issues
    assert any(i.startswith("Bad Name.yaml: <document>: file name must be") for i in issues)


def test_null_disables_optional_rules_but_not_required_numbers() -> None:
    defaults = load_config().model_dump(mode="json")
    config = parse_config(
        {
            "priority": {"min_level_when_escalated": None},
            "flags": {"fraud_intent_min_confidence": None},
        },
        "t.yaml",
        defaults,
    )
    assert config.priority.min_level_when_escalated is None
    assert config.flags.fraud_intent_min_confidence is None
    with pytest.raises(ConfigInvalid) as info:
        parse_config({"priority": {"base": None}}, "t.yaml", defaults)
    assert [i.path for i in info.value.issues] == ["priority.base"]


def test_missing_sla_level_is_an_error() -> None:
    defaults = load_config().model_dump(mode="json")
    routing = dict(defaults["routing"])
    routing["sla_seconds"] = {"P1": 60, "P2": 120}
    with pytest.raises(ConfigInvalid) as info:
        parse_config({**defaults, "routing": routing}, "t.yaml")
    [issue] = info.value.issues
    assert issue.path == "routing.sla_seconds"
    assert "missing: P3, P4" in issue.message


def test_missing_default_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigInvalid, match=r"nope\.yaml: <document>: cannot be read"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigInvalid, match="is not a directory"):
        TriageConfigStore.load(DEFAULT_CONFIG_PATH, tmp_path / "missing")
