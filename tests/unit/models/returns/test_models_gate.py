"""The promotion gate: targets, champion comparison, --force --reason, promotions.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.returns.cli import main
from models.returns.defaults import build_defaults
from models.returns.registry import PROMOTIONS_FILE, promote, read_promotions
from models.returns.targets import PromotionTargets, check_targets, targets_for
from services.returns_decision.engines.risk.registry import read_pointer
from tests.unit.models.returns.test_models_compare import shuffled_labels

TINY = ["--rows", "6000", "--seed", "3"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def champion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A registry whose active fraud model is a tiny good one, promoted by `train --promote`
    (the first version: no champion to lose to)."""
    code, out, err = run(
        capsys, "--registry", str(tmp_path), "train", "fraud", *TINY, "--promote", "--no-report"
    )
    assert code == 0, err
    version = out.strip()
    assert "promoted returns_fraud" in err
    (entry,) = read_promotions(tmp_path, "returns_fraud")
    assert entry["via"] == "train --promote"
    assert entry["gate"]["passed"] is True
    assert entry["gate"]["champion"] is None
    assert entry["previous"] is None
    return tmp_path, version


def shuffled_model(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    table = root.parent / f"{root.name}-returns.csv"
    shuffled = root.parent / f"{root.name}-shuffled.csv"
    assert main(["synth", "--out", str(table), *TINY]) == 0
    shuffled_labels(table, shuffled)
    code, out, err = run(
        capsys, "--registry", str(root), "train", "fraud", "--data", str(shuffled), "--no-report"
    )
    assert code == 0, err
    return out.strip()


def test_gate_refuses_a_worse_challenger_and_force_needs_a_reason(
    champion: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, active = champion
    worse = shuffled_model(root, capsys)
    reg = ["--registry", str(root)]

    code, out, err = run(capsys, *reg, "promote", "fraud", worse)
    assert code == 1
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"refused: returns_fraud {worse}: test ROC-AUC: 0.")
    assert "< target 0.8500" in line
    assert f"ROC-AUC vs active {active}: cannot compare" in line  # trained on other data
    assert f'python -m models promote fraud {worse} --force --reason "why"' in line
    assert read_pointer(root, "returns_fraud").version == active

    code, _, err = run(capsys, *reg, "promote", "fraud", worse, "--force")
    assert code == 2
    assert "--force needs --reason" in err
    assert read_pointer(root, "returns_fraud").version == active
    assert len(read_promotions(root, "returns_fraud")) == 1  # refusals move nothing

    code, out, err = run(
        capsys, *reg, "promote", "fraud", worse, "--force", "--reason", "label audit, ticket 42"
    )
    assert code == 0
    assert "overridden with --force" in out
    assert read_pointer(root, "returns_fraud").version == worse
    entry = read_promotions(root, "returns_fraud")[-1]
    assert entry["version"] == worse
    assert entry["previous"] == active
    assert entry["forced"] is True
    assert entry["reason"] == "label audit, ticket 42"
    assert entry["gate"]["passed"] is False
    assert [c["name"] for c in entry["gate"]["checks"] if not c["passed"]] == [
        "test ROC-AUC",
        f"ROC-AUC vs active {active}",
    ]
    code, out, _ = run(capsys, *reg, "show", "fraud")
    shown = json.loads(out)
    assert shown["promotions"][-1]["reason"] == "label audit, ticket 42"

    # Rollback stays ungated, and is logged too.
    assert run(capsys, *reg, "rollback", "fraud")[0] == 0
    entry = read_promotions(root, "returns_fraud")[-1]
    assert (entry["action"], entry["version"], entry["gate"]) == ("rollback", active, None)
    lines = (root / "returns_fraud" / PROMOTIONS_FILE).read_text().splitlines()
    assert len(lines) == 3  # appended, never rewritten


def test_gate_refuses_a_challenger_that_loses_to_the_champion(
    champion: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, active = champion
    reg = ["--registry", str(root)]
    # Same data, isotonic calibration: meets the targets on its own, but its step
    # function ties scores and costs ROC-AUC on the shared test split.
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY, "--calibration", "isotonic")
    challenger = out.strip()
    code, _, err = run(capsys, *reg, "promote", "fraud", challenger)
    assert code == 1
    # Progress of the comparison, then the verdict: one line.
    *progress, line = err.splitlines()
    assert "bootstrap: 1000/1000 resamples" in progress[-1]
    assert not any(p.startswith("refused") for p in progress)
    assert "test ROC-AUC" not in line  # its own targets are met
    assert f"ROC-AUC vs active {active}: 0.8712 vs 0.8910" in line
    assert "on 900 rows (test_split); loses by more than the tolerance 0.005" in line
    assert read_pointer(root, "returns_fraud").version == active


def test_gate_accepts_a_better_challenger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ["--registry", str(tmp_path)]
    worse = shuffled_model(tmp_path, capsys)
    promote(tmp_path, "returns_fraud", worse)  # an old champion, from before the gate
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY, "--no-report")
    better = out.strip()
    fresh = tmp_path.parent / f"{tmp_path.name}-fresh.csv"
    assert main(["synth", "--out", str(fresh), "--rows", "6000", "--seed", "77"]) == 0
    code, out, err = run(capsys, *reg, "promote", "fraud", better, "--data", str(fresh))
    assert code == 0, err
    assert f"returns_fraud: active {better} (gate: 3/3 checks passed)" in out
    assert f"ok ROC-AUC vs active {worse}" in err
    entry = read_promotions(tmp_path, "returns_fraud")[-1]
    assert entry["forced"] is False
    assert entry["reason"] is None
    comparison = entry["gate"]["comparison"]
    assert comparison["rows"]["kind"] == "table"
    assert comparison["roc_auc"] > comparison["champion_roc_auc"] + 0.2
    assert comparison["difference_ci"]["low"] > 0


def test_targets_recorded_in_the_card_are_the_ones_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ["--registry", str(tmp_path)]
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY)
    directory = tmp_path / "returns_fraud" / out.strip()
    card = json.loads((directory / "model_card.json").read_text())
    assert card["promotion_targets"] == targets_for("fraud").to_json()
    assert "## Promotion targets" in (directory / "model_card.md").read_text()
    # A stricter target written into the card is what the gate holds the version to.
    card["promotion_targets"]["min_roc_auc"] = 0.99
    (directory / "model_card.json").write_text(json.dumps(card))
    code, _, err = run(capsys, *reg, "promote", "fraud", out.strip())
    assert code == 1
    assert "< target 0.9900" in err


def test_band_precision_is_judged_only_on_enough_flagged_rows() -> None:
    targets = PromotionTargets(min_roc_auc=0.8)
    bands = {
        "CRITICAL": {"precision": 0.2, "flagged": 5 / 1000},
        "HIGH": {"precision": 0.2, "flagged": 50 / 1000},
    }
    checks = check_targets({"roc_auc": 0.9, "rows": 1000, "bands": bands}, targets)
    by_name = {c.name: c for c in checks}
    assert by_name["test ROC-AUC"].passed
    assert by_name["test CRITICAL precision"].passed
    assert not by_name["test CRITICAL precision"].judged
    assert not by_name["test HIGH precision"].passed
    assert "0.200 < target 0.300 (50 rows flagged)" in by_name["test HIGH precision"].detail


def test_build_defaults_pass_the_gate(tmp_path: Path) -> None:
    built = build_defaults(tmp_path, rows=6000, seed=9, write_report=False)
    for b in built:
        (entry,) = read_promotions(tmp_path, b.name)
        assert entry["via"] == "build-defaults"
        assert entry["gate"]["passed"] is True
    # Built again over themselves: the same versions, already active, nothing logged.
    again = build_defaults(tmp_path, rows=6000, seed=9, write_report=False)
    assert [(b.name, b.version, b.created) for b in again] == [
        (b.name, b.version, False) for b in built
    ]
    for b in built:
        assert len(read_promotions(tmp_path, b.name)) == 1
