"""Drift: PSI per feature of a decision log against training data, through the CLI. A
shifted feature is flagged and the rest are not; --fail-above turns it into a gate; the
training profile registered with a version is the default reference."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from models.returns import dataset
from models.returns.cli import main
from models.returns.drift import MAJOR, MODERATE, profile, psi
from models.returns.registry import promote, register
from models.returns.table_io import write_table
from models.returns.train import TrainConfig, train
from services.returns_decision.engines.decision_log.schema import DECISION_SCHEMA, partition_dir
from services.returns_decision.engines.risk.features import FEATURE_NAMES, SCHEMA_VERSION
from services.returns_decision.engines.risk.profile import PROFILE_FILE, numeric_bin

ORDER_VALUE = FEATURE_NAMES.index("order_value")


def write_log(directory: Path, features: np.ndarray, day: dt.date = dt.date(2026, 12, 1)) -> Path:
    """A decision log part file with the columns drift reads (as the writer types them)."""
    n = len(features)
    names = ["feature_schema", "features", "fraud_model_version", "fraud_score"]
    names += ["wardrobing_model_version", "wardrobing_score"]
    values = {
        "feature_schema": [SCHEMA_VERSION] * n,
        "features": features.tolist(),
        "fraud_model_version": ["v-live"] * n,
        "fraud_score": [0.1] * n,
        "wardrobing_model_version": ["v-live"] * n,
        "wardrobing_score": [0.1] * n,
    }
    table = pa.table({k: pa.array(values[k], type=DECISION_SCHEMA.field(k).type) for k in names})
    part = partition_dir(directory, day)
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, part / "part-1.parquet")
    return directory


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A registry whose active fraud model trained on seed 3, and that table."""
    root = tmp_path_factory.mktemp("registry")
    data = dataset.from_synthetic(6000, 3)
    config = TrainConfig(task="fraud", seed=3, max_rounds=20, early_stopping_rounds=10)
    result = train(data, config, name="returns_fraud")
    register(root, result, write_report=False)
    promote(root, "returns_fraud", result.metadata.version, check=False)
    table = root.parent / "train.parquet"
    write_table(dataset.synthetic_columns(6000, 3), table)
    return root, table


def live_features(shift: float) -> np.ndarray:
    features = dataset.from_synthetic(3000, 4).feature_matrix()  # same generator, other seed
    features[:, ORDER_VALUE] *= shift
    return features


def run(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["--registry", str(root), "drift", *args])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("source", ["data", "profile"])
def test_a_shifted_feature_is_flagged_and_the_others_are_not(
    reference: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
) -> None:
    root, table = reference
    given = ["--data", str(table)] if source == "data" else []  # default: the active profile
    for shift, log in ((1.0, tmp_path / "same"), (3.0, tmp_path / "shifted")):
        write_log(log, live_features(shift))
        status, out = run(root, "--log", str(log), *given, "--json", capsys=capsys)
        assert status == 0  # a report, not a gate
        found = {e["feature"]: e for e in json.loads(out)["features"]}
        assert found.keys() == set(FEATURE_NAMES)
        others = [e["psi"] for name, e in found.items() if name != "order_value"]
        assert max(others) < MODERATE, sorted(others)[-3:]
        if shift == 1.0:
            assert found["order_value"]["psi"] < MODERATE
            assert found["order_value"]["flag"] == ""
        else:
            assert found["order_value"]["psi"] > MAJOR
            assert found["order_value"]["flag"] == "major"
            # Sorted by PSI, largest first.
            assert json.loads(out)["features"][0]["feature"] == "order_value"


def test_fail_above_gates_and_the_table_names_the_flag(
    reference: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = reference
    shifted = write_log(tmp_path / "shifted", live_features(3.0))
    same = write_log(tmp_path / "same", live_features(1.0))
    status, out = run(root, "--log", str(shifted), "--fail-above", "0.25", capsys=capsys)
    assert status == 1
    first = out.splitlines()[5]
    assert first.startswith("order_value")
    assert "major" in first
    assert run(root, "--log", str(same), "--fail-above", "0.25", capsys=capsys)[0] == 0
    # --since leaves out older partitions.
    status = main(["--registry", str(root), "drift", "--log", str(same), "--since", "2026-12-02"])
    assert status == 2


def test_psi_and_the_profile_bins() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert psi([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4 * np.log(0.9 / 0.5) + 0.4 * np.log(5))
    features = dataset.from_synthetic(2000, 1).feature_matrix()
    found = profile(features, np.linspace(0, 1, len(features)), None)
    order_value = found["features"]["order_value"]
    assert len(order_value["edges"]) == 9
    assert order_value["shares"] == pytest.approx([0.1] * 10, abs=0.01)
    # The service bins a value as the profile counted it.
    edges = order_value["edges"]
    counts = np.bincount([numeric_bin(edges, v) for v in features[:, ORDER_VALUE]], minlength=10)
    assert (counts / len(features)).tolist() == pytest.approx(order_value["shares"])
    assert numeric_bin(edges, float("nan")) == -1


def test_registration_writes_the_profile(reference: tuple[Path, Path]) -> None:
    root, _ = reference
    (version,) = [p for p in (root / "returns_fraud").iterdir() if p.is_dir()]
    stored = json.loads((version / PROFILE_FILE).read_text())
    assert stored["feature_schema"] == SCHEMA_VERSION
    assert set(stored["features"]) == set(FEATURE_NAMES)
    assert stored["features"]["item_category"]["kind"] == "categorical"
