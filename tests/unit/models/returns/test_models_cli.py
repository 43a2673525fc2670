"""`python -m models ...` end to end on tiny data in a temporary registry."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.returns.cli import main
from models.returns.dataset import synthetic_columns
from models.returns.defaults import build_defaults
from models.returns.registry import MODEL_NAMES, REGISTRY_ENV, resolve_root
from models.returns.table_io import write_table
from services.common.paths import REPO_ROOT
from services.returns_decision.engines.risk.artifact import (
    METADATA_FILE,
    MODEL_FILE,
    content_version,
    read_metadata,
    write_artifact,
)
from services.returns_decision.engines.risk.model import WARM_UP_INPUT
from services.returns_decision.engines.risk.registry import read_pointer
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer

TINY = ["--rows", "6000", "--seed", "3"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_list_show_promote_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = ["--registry", str(tmp_path)]
    code, out, err = run(capsys, *reg, "train", "fraud", *TINY, "--no-report", "--promote")
    assert code == 0
    first = out.strip()
    assert "round" in err  # progress
    assert "calibrated" in err
    assert "test: ROC-AUC" in err
    code, out, _ = run(
        capsys, *reg, "train", "fraud", "--rows", "6000", "--seed", "4", "--no-report"
    )
    second = out.strip()
    assert second != first

    code, out, _ = run(capsys, *reg, "list")
    lines = out.splitlines()
    assert len(lines) == 2
    assert any(line.startswith("*") and first in line for line in lines)
    assert "test AUC" in out
    assert "best achievable" in out

    code, out, _ = run(capsys, *reg, "show", "fraud")
    shown = json.loads(out)
    assert shown["version"] == first
    assert shown["active"] is True
    assert shown["bands"]["MEDIUM"] <= shown["bands"]["CRITICAL"]

    # Seed 4's tiny model misses its ROC-AUC target: the gate (test_models_gate.py) refuses.
    assert run(capsys, *reg, "promote", "returns_fraud", second)[0] == 1
    forced = ("--force", "--reason", "listing test")
    assert run(capsys, *reg, "promote", "returns_fraud", second, *forced)[0] == 0
    assert read_pointer(tmp_path, "returns_fraud").version == second
    code, out, _ = run(capsys, *reg, "show", "returns_fraud", first)
    assert json.loads(out)["active"] is False

    code, out, _ = run(capsys, *reg, "rollback", "fraud")
    assert code == 0
    assert first in out
    code, _, err = run(capsys, *reg, "rollback", "fraud")
    assert code == 2
    assert "no earlier version" in err


def test_train_from_file_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "returns.csv"
    assert run(capsys, "synth", "--out", str(table), *TINY)[0] == 0
    reg = ["--registry", str(tmp_path / "reg")]
    code, out, err = run(capsys, *reg, "train", "wardrobing", "--data", str(table))
    assert code == 0
    assert "warning" not in err  # the synth table has every optional column
    version_dir = tmp_path / "reg" / "returns_wardrobing" / out.strip()
    for name in ("model.txt", "metadata.json", "model_card.md", "model_card.json"):
        assert (version_dir / name).is_file(), name
    for plot in ("roc.png", "pr.png", "reliability.png", "importance.png"):
        assert (version_dir / "plots" / plot).read_bytes()[:4] == b"\x89PNG"
    card = json.loads((version_dir / "model_card.json").read_text())
    assert card["data"]["source"] == str(table)
    assert card["best_achievable"]["roc_auc"] > 0.5  # the synth table carries the posterior
    assert card["training_seconds"] > 0
    assert card["data"]["defaulted_columns"] == []
    assert card["trained_on"] == {"mode": "local"}
    markdown = (version_dir / "model_card.md").read_text()
    assert "best achievable" in markdown
    assert "CRITICAL" in markdown


def test_bad_input_file_names_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "returns.csv"
    run(capsys, "synth", "--out", str(table), "--rows", "200")
    header, *rows = table.read_text().splitlines()
    table.write_text("\n".join([header.replace('"channel"', '"sales_channel"'), *rows]) + "\n")
    code, _, err = run(capsys, "--registry", str(tmp_path), "train", "fraud", "--data", str(table))
    assert code == 2
    assert "missing column(s): 'channel'" in err


def test_promote_checks_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = ["--registry", str(tmp_path)]
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY, "--no-report")
    version = out.strip()
    (tmp_path / "returns_fraud" / version / MODEL_FILE).write_text("broken")
    code, _, err = run(capsys, *reg, "promote", "fraud", version)
    assert code == 2
    assert "cannot load" in err
    code, _, err = run(capsys, *reg, "promote", "fraud", "v123")
    assert code == 2
    assert "no version" in err
    code, _, err = run(capsys, *reg, "show", "wardrobing")
    assert code == 2
    assert "no active version" in err


def test_registry_root_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    assert resolve_root().parts[-3:] == ("var", "models", "registry")
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path))
    assert resolve_root() == tmp_path
    assert resolve_root(tmp_path / "x") == tmp_path / "x"


def test_build_defaults_small_is_deterministic_and_served(tmp_path: Path) -> None:
    built_a = build_defaults(tmp_path / "a", rows=6000, seed=9, write_report=False)
    built_b = build_defaults(tmp_path / "b", rows=6000, seed=9, write_report=False)
    assert [(b.name, b.version) for b in built_a] == [(b.name, b.version) for b in built_b]
    for b in built_a:
        for name in (MODEL_FILE, METADATA_FILE):
            one = tmp_path / "a" / b.name / b.version / name
            two = tmp_path / "b" / b.name / b.version / name
            assert one.read_bytes() == two.read_bytes()
    assert build_defaults(tmp_path / "a", rows=6000, seed=9, if_missing=True) == []
    again = build_defaults(tmp_path / "a", rows=6000, seed=9, write_report=False)
    assert [b.created for b in again] == [False, False]
    scorer = ReturnRiskScorer(tmp_path / "a")
    scorer.load()
    assert set(scorer.versions.values()) == {b.version for b in built_a}
    assert scorer.assess(WARM_UP_INPUT).fraud.model_name == MODEL_NAMES["fraud"]


def test_module_entry_point(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "models", "--registry", str(tmp_path), "list"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "no models" in result.stdout


@pytest.mark.slow
def test_build_defaults_full_size_same_bytes(tmp_path: Path) -> None:
    """The real `build-defaults` twice: same seed, same files (about a minute)."""
    for root in ("a", "b"):
        build_defaults(tmp_path / root, write_report=root == "a")
    for name in MODEL_NAMES.values():
        va = read_pointer(tmp_path / "a", name).version
        vb = read_pointer(tmp_path / "b", name).version
        assert va == vb
        for f in (MODEL_FILE, METADATA_FILE):
            assert (tmp_path / "a" / name / va / f).read_bytes() == (
                tmp_path / "b" / name / vb / f
            ).read_bytes()


def test_duplicated_header_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "returns.csv"
    run(capsys, "synth", "--out", str(table), "--rows", "200")
    header, *rows = table.read_text().splitlines()
    header = header.replace('"channel"', '"order_value"').replace('"chargebacks"', '"is_fraud"')
    table.write_text("\n".join([header, *rows]) + "\n")
    code, _, err = run(capsys, "--registry", str(tmp_path), "train", "fraud", "--data", str(table))
    assert code == 2
    assert err.splitlines() == [
        f"reading {table}",
        f"error: {table}: duplicated column name(s): 'order_value' (2 times), 'is_fraud' (2 times)",
    ]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_message(address: str, seconds: str) -> str:
    return (
        f"error: no dask scheduler answered at {address} within {seconds} s: is `dask "
        "scheduler` running there and reachable from this machine (address tcp://HOST:8786 "
        "by default)? --dask-timeout sets the wait"
    )


def test_unreachable_dask_scheduler_fails_within_the_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")  # imported up front: not part of the time measured
    address = f"tcp://127.0.0.1:{_closed_port()}"
    argv = ["--registry", str(tmp_path), "train", "fraud", *TINY, "--no-report"]
    started = time.perf_counter()
    code, out, err = run(capsys, *argv, "--dask-scheduler", address, "--dask-timeout", "1.5")
    elapsed = time.perf_counter() - started
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"connecting to the dask scheduler at {address}",
        _unreachable_message(address, "1.5"),
    ]
    assert 1.5 <= elapsed < 10  # distributed's own default is 30 s; the data is not read first
    assert not (tmp_path / "returns_fraud").exists()


def test_unreachable_dask_scheduler_exits_2_without_traceback(tmp_path: Path) -> None:
    """The real command line: exit status, and nothing more on stderr at exit."""
    address = f"tcp://127.0.0.1:{_closed_port()}"
    command = [sys.executable, "-m", "models", "--registry", str(tmp_path), "train", "fraud"]
    command += ["--no-report", "--dask-scheduler", address, "--dask-timeout", "1"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"connecting to the dask scheduler at {address}",
        _unreachable_message(address, "1"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be a positive number of seconds: '0'"),
        ("-1", "must be a positive number of seconds: '-1'"),
        ("inf", "must be a positive number of seconds: 'inf'"),
        ("soon", "not a number of seconds: 'soon'"),
    ],
)
def test_dask_timeout_must_be_positive_seconds(
    capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["train", "fraud", "--dask-scheduler", "tcp://127.0.0.1:1", "--dask-timeout", value])
    assert exited.value.code == 2
    assert f"argument --dask-timeout: {message}" in capsys.readouterr().err


def test_absent_optional_columns_warn_and_are_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = synthetic_columns(6000, 3)
    del columns["condition"], columns["multiple_sizes_ordered"]
    table = tmp_path / "returns.parquet"
    write_table(columns, table)
    reg = ["--registry", str(tmp_path / "reg")]
    code, out, err = run(capsys, *reg, "train", "fraud", "--data", str(table))
    assert code == 0
    assert [line for line in err.splitlines() if "warning" in line] == [
        f"warning: {table} has no column(s) condition, multiple_sizes_ordered: every row gets "
        "the default (condition='not_inspected', multiple_sizes_ordered=False), so the model "
        "will not learn from them (recorded as training.defaulted_columns)"
    ]
    version = out.strip()
    shown = json.loads(run(capsys, *reg, "show", "fraud", version)[1])
    assert shown["defaulted_columns"] == ["condition", "multiple_sizes_ordered"]
    assert shown["trained_on"] == {"mode": "local"}
    directory = tmp_path / "reg" / "returns_fraud" / version
    card = json.loads((directory / "model_card.json").read_text())
    assert card["data"]["defaulted_columns"] == ["condition", "multiple_sizes_ordered"]
    markdown = (directory / "model_card.md").read_text()
    assert "**defaulted columns**: `condition`, `multiple_sizes_ordered` were absent" in markdown


def test_versions_without_the_new_training_fields_still_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A version registered before `trained_on` and `defaulted_columns` were recorded."""
    reg = ["--registry", str(tmp_path)]
    _, out, _ = run(capsys, *reg, "train", "fraud", *TINY, "--no-report")
    new = tmp_path / "returns_fraud" / out.strip()
    meta = read_metadata(new)
    assert {"trained_on", "defaulted_columns"} <= set(meta.training)
    training = {
        k: v for k, v in meta.training.items() if k not in ("trained_on", "defaulted_columns")
    }
    model_text = (new / MODEL_FILE).read_text()
    old = dataclasses.replace(meta, training=training)
    old = dataclasses.replace(old, version=content_version(model_text, old))
    write_artifact(tmp_path / "returns_fraud" / old.version, model_text, old)

    code, _, err = run(capsys, *reg, "promote", "fraud", old.version)  # loads it as serving does
    assert code == 0, err
    code, out, _ = run(capsys, *reg, "list")
    assert code == 0
    assert old.version in out
    shown = json.loads(run(capsys, *reg, "show", "fraud")[1])
    assert shown["version"] == old.version
    assert shown["trained_on"] is None
    assert shown["defaulted_columns"] is None
