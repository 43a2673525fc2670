"""Training: determinism, calibration shared with serving, bands, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.returns import dataset
from models.returns.band_selection import BandTargets, choose_bands
from models.returns.dataset import DataError
from models.returns.registry import register
from models.returns.train import TrainConfig, TrainResult, train
from services.returns_decision.engines.risk.artifact import METADATA_FILE, MODEL_FILE
from services.returns_decision.engines.risk.model import RiskModel

ROWS = 6000


@pytest.fixture(scope="module")
def data() -> dataset.ReturnsDataset:
    return dataset.from_synthetic(ROWS, seed=31)


def _train(data: dataset.ReturnsDataset, seed: int = 31, **kw: object) -> TrainResult:
    config = TrainConfig(task="fraud", seed=seed, max_rounds=80, early_stopping_rounds=20, **kw)  # type: ignore[arg-type]
    return train(data, config, name="returns_fraud")


def test_same_seed_same_bytes(data: dataset.ReturnsDataset, tmp_path: Path) -> None:
    first, second = _train(data), _train(data)
    assert first.model_text == second.model_text
    assert first.metadata == second.metadata
    dir_a, _ = register(tmp_path / "a", first, write_report=False)
    dir_b, _ = register(tmp_path / "b", second, write_report=False)
    for name in (MODEL_FILE, METADATA_FILE):
        assert (dir_a / name).read_bytes() == (dir_b / name).read_bytes()
    assert dir_a.name == dir_b.name == first.metadata.version
    assert "deterministic: 1" in first.model_text or "[deterministic: 1]" in first.model_text
    other = _train(data, seed=32)
    assert other.metadata.version != first.metadata.version


def test_serving_applies_the_same_calibration(data: dataset.ReturnsDataset, tmp_path: Path) -> None:
    result = _train(data)
    directory, created = register(tmp_path, result, write_report=False)
    assert created
    assert register(tmp_path, result, write_report=False) == (directory, False)
    model = RiskModel.load(directory)
    test = result.splits["test"]
    for i in range(0, len(test.labels), 37):
        score = model.score_features(test.features[i].tolist(), top_k=0)
        assert abs(score.raw_probability - result.raw_scores["test"][i]) <= 1e-9
        assert score.probability == result.probabilities["test"][i]


def test_metadata_contents(data: dataset.ReturnsDataset) -> None:
    result = _train(data, calibration="isotonic")
    meta = result.metadata
    assert meta.calibration["method"] == "isotonic"
    training = meta.training
    assert training["params"]["deterministic"] is True
    assert training["params"]["force_row_wise"] is True
    assert training["params"]["num_threads"] == 1
    splits = training["splits"]
    assert splits["train"]["last_day"] <= splits["valid"]["first_day"]
    assert splits["valid"]["last_day"] <= splits["test"]["first_day"]
    assert sum(s["rows"] for s in splits.values()) == ROWS
    assert 0.5 < training["test_metrics"]["roc_auc"] <= 1.0
    assert training["best_achievable"]["roc_auc"] > 0.8
    bands = meta.bands
    assert bands["MEDIUM"] <= bands["HIGH"] <= bands["CRITICAL"]


def test_bands_meet_targets_on_validation() -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(20_000) < 0.03).astype(np.int8)
    p = np.clip(0.03 + 0.5 * y * rng.random(20_000) + 0.05 * rng.random(20_000), 0, 1)
    bands, notes = choose_bands(p, y, BandTargets())
    valid = notes["validation"]
    assert notes["critical_target_met"]
    assert valid["CRITICAL"]["precision"] >= 0.8
    assert valid["CRITICAL"]["flagged"] <= 0.01
    assert valid["HIGH"]["precision"] >= 0.5
    assert valid["MEDIUM"]["recall"] >= 0.9
    assert bands.medium <= bands.high <= bands.critical


def test_unreachable_critical_target_is_reported() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(5000) < 0.05).astype(np.int8)
    p = rng.random(5000)  # no signal at all
    bands, notes = choose_bands(p, y, BandTargets())
    assert notes["critical_target_met"] is False
    assert bands.medium <= bands.high <= bands.critical


def test_too_few_positives_is_a_clear_error() -> None:
    small = dataset.from_synthetic(300, seed=1)
    with pytest.raises(DataError, match="needs at least 10 positive"):
        train(small, TrainConfig(task="wardrobing"), name="returns_wardrobing")
