"""`python -m tools.policy simulate`: SimulatePolicy from a shell, on
the shipped apparel policy, real durable_rules and (in one test) tiny LightGBM models
trained here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from retail.returns_decision.v1 import returns_decision_pb2 as pb

from bench.returns_samples import APPAREL, item, request, usd
from models.returns import dataset
from models.returns.registry import promote, register
from models.returns.train import TrainConfig, train
from services.common.paths import REPO_ROOT
from services.returns_decision import converters
from services.returns_decision.core.policy.validation import content_hash
from services.returns_decision.core.returns import ReturnsCore
from services.returns_decision.engines.rules import engine
from services.returns_decision.engines.rules.store import PolicyStore
from tools.policy.__main__ import main
from tools.policy.simulate import combine

POLICIES = REPO_ROOT / "policies"
DAYS = range(5, 35)  # days from delivery to the request, one request each


def _history() -> list[str]:
    """30 requests made 5 to 34 days after delivery: the shipped policy's 30-day window
    denies the last 4, a 14-day one the last 20."""
    return [
        json_format.MessageToJson(
            request(item("L1"), request_id=f"h-{days}", days_since_delivery=days), indent=None
        )
        for days in DAYS
    ]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    candidate = tmp_path / "candidate.yaml"
    shipped = (POLICIES / "apparel.yaml").read_text()
    assert "\n  days: 30\n" in shipped
    candidate.write_text(shipped.replace("\n  days: 30\n", "\n  days: 14\n"))
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(_history()) + "\n")
    return {"candidate": candidate, "history": history}


def _simulate(files: dict[str, Path], *extra: str) -> int:
    return main(
        [
            "simulate",
            str(files["candidate"]),
            "--requests",
            str(files["history"]),
            "--policies",
            str(POLICIES),
            *extra,
        ]
    )


def _counts(summary: dict[str, Any]) -> dict[str, int]:
    return {entry["outcome"]: entry.get("count", 0) for entry in summary["outcomeCounts"]}


def test_compares_the_candidate_with_the_active_policy(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _simulate(files, "--no-risk", "--json") == 0
    response = json.loads(capsys.readouterr().out)
    assert response["active"]["decided"] == response["candidate"]["decided"] == 30
    assert _counts(response["active"])["OUTCOME_DENY"] == 4
    assert _counts(response["candidate"])["OUTCOME_DENY"] == 20
    changed = [c["requestId"] for c in response["changed"]]
    assert changed == [f"h-{days}" for days in range(15, 31)]
    assert {c["candidateOutcome"] for c in response["changed"]} == {"OUTCOME_DENY"}


def test_the_text_report_lists_totals_and_changes(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _simulate(files, "--no-risk", "--changed", "2") == 0
    out = capsys.readouterr().out
    assert f"tenant {APPAREL}" in out
    assert "16 requests change outcome" in out
    assert "  h-15: APPROVE_RETURN -> DENY" in out
    assert "  h-17:" not in out
    assert "... 14 more (--changed 0 lists all)" in out
    assert "refunds" in out
    assert "USD " in out


def test_every_invalid_line_is_reported_and_nothing_simulated_unless_asked(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [
        "{not json",
        json_format.MessageToJson(request(request_id="elsewhere", tenant="other"), indent=None),
        json_format.MessageToJson(
            request(item("L1", unit_price=usd(-5)), request_id="negative"), indent=None
        ),
    ]
    with files["history"].open("a") as history:
        history.write("\n" + "\n".join(bad) + "\n")
    assert _simulate(files, "--no-risk") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    name = files["history"]
    assert f"{name}:32: -: not a DecideReturnRequest in JSON" in captured.err  # line 31 blank
    assert f"{name}:33: elsewhere: tenant_id is 'other'" in captured.err
    assert f"{name}:34: negative: " in captured.err
    assert "items[0].unit_price.amount_minor: must not be negative" in captured.err
    assert "3 invalid lines; nothing simulated" in captured.err

    assert _simulate(files, "--no-risk", "--skip-invalid", "--json") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["candidate"]["decided"] == 30
    assert f"{name}:34: negative" in captured.err  # still reported


def test_an_invalid_candidate_is_reported_with_paths(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["candidate"].write_text(files["candidate"].read_text().replace("days: 14", "days: x"))
    assert _simulate(files, "--no-risk") == 1
    assert "return_window.days" in capsys.readouterr().err


def test_a_candidate_the_rules_engine_refuses_is_reported(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Valid documents the engine still refuses exist (its size limits): stand in for
    # durable_rules refusing the candidate's rulesets, and only those.
    digest = content_hash(files["candidate"].read_bytes()).removeprefix("sha256:")[:12]
    create = engine._native.create_ruleset

    def refuse_the_candidate(name: str, rules: str) -> int:
        if digest in name:
            raise engine.NativeError("Could not create ruleset, error code: 107")
        return int(create(name, rules))

    monkeypatch.setattr(engine._native, "create_ruleset", refuse_the_candidate)
    assert _simulate(files, "--no-risk") == 1
    err = capsys.readouterr().err
    assert f"{files['candidate']}: rules: the rules engine rejected the policy" in err
    assert "error code: 107" in err


def test_unusable_inputs_are_usage_errors(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.jsonl")
    args = ["simulate", str(files["candidate"]), "--policies", str(POLICIES)]
    assert main([*args, "--no-risk", "--requests", missing]) == 2
    assert "cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert main([*args, "--no-risk", "--requests", str(empty)]) == 2
    assert "no requests to simulate" in capsys.readouterr().err
    history = ["--requests", str(files["history"])]
    assert main([*args, *history, "--models-registry", str(tmp_path / "none")]) == 2
    assert "cannot load the risk models" in capsys.readouterr().err
    assert main([*args[:2], *history, "--no-risk", "--policies", missing]) == 2
    assert "not a directory of policies" in capsys.readouterr().err


def test_requests_are_scored_by_the_registry_models(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "registry"
    for task in ("fraud", "wardrobing"):
        config = TrainConfig(task=task, seed=11, max_rounds=30, early_stopping_rounds=10)
        result = train(dataset.from_synthetic(6000, 11), config, name=f"returns_{task}")
        register(registry, result, write_report=False)
        promote(registry, result.metadata.name, result.metadata.version)
    # A $15 item is worth less taken back than kept, and the apparel policy allows keep-it
    # only with a risk assessment in band LOW: unscored, it must be returned; scored by
    # these models (LOW for this request), it is kept.
    cheap = request(item("L1", unit_price=usd(1500)), request_id="cheap")
    files["history"].write_text(json_format.MessageToJson(cheap, indent=None) + "\n")
    assert _simulate(files, "--no-risk", "--json") == 0
    unscored = _counts(json.loads(capsys.readouterr().out)["candidate"])
    assert _simulate(files, "--models-registry", str(registry), "--json") == 0
    scored = _counts(json.loads(capsys.readouterr().out)["candidate"])
    assert unscored["OUTCOME_APPROVE_RETURN"] == 1
    assert scored["OUTCOME_APPROVE_RETURNLESS_REFUND"] == 1


def test_chunks_combine_to_the_report_of_the_whole_history(files: dict[str, Path]) -> None:
    store = PolicyStore(POLICIES)
    store.reload()
    try:
        core = ReturnsCore(store, None)
        document = files["candidate"].read_text()
        requests = [
            converters.return_request(json_format.Parse(line, pb.DecideReturnRequest()))
            for line in _history()
        ]
        whole = core.simulate(APPAREL, document, requests)
        halves = combine(
            core.simulate(APPAREL, document, requests[:11]),
            core.simulate(APPAREL, document, requests[11:]),
        )
    finally:
        store.close()
    # The candidate is compiled once per chunk: same document, same version.
    assert halves == whole


def test_the_other_policy_commands_start_without_the_engines() -> None:
    # `validate` is run by hand and in CI scripts: it must not pay for durable_rules and
    # LightGBM because `simulate` needs them.
    probe = (
        "import sys, tools.policy.__main__; "
        "print(sorted(m for m in ('lightgbm', 'durable', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
