"""Fixtures for the risk engine: real LightGBM models trained tiny at test time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lightgbm
import numpy as np
import pytest

from models.returns import dataset
from models.returns.registry import promote, register
from models.returns.train import TrainConfig, train

TINY_ROWS = 6000


@pytest.fixture(scope="session")
def random_booster() -> tuple[lightgbm.Booster, np.ndarray]:
    """A booster on random data with missing values and two categorical features."""
    rng = np.random.default_rng(1)
    n, f = 3000, 12
    x = rng.normal(size=(n, f))
    x[:, 2] = rng.integers(0, 10, n)
    x[:, 7] = rng.integers(0, 4, n)
    x[rng.random((n, f)) < 0.15] = np.nan
    logit = np.nan_to_num(x[:, 0]) + 1.5 * (x[:, 2] == 3) - (x[:, 7] == 1) + rng.normal(size=n)
    y = (logit > 0.8).astype(np.float64)
    data = lightgbm.Dataset(x, y, categorical_feature=[2, 7], params={"verbose": -1})
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "num_leaves": 15, "seed": 3}
    booster = lightgbm.train(params, data, num_boost_round=80)
    return booster, x


def train_into(root: Path, task: dataset.Task, seed: int, *, promote_it: bool = True) -> str:
    data = dataset.from_synthetic(TINY_ROWS, seed)
    config = TrainConfig(task=task, seed=seed, max_rounds=60, early_stopping_rounds=20)
    result = train(data, config, name=f"returns_{task}")
    register(root, result, write_report=False)
    if promote_it:
        promote(root, result.metadata.name, result.metadata.version)
    return result.metadata.version


TrainInto = Callable[[Path, dataset.Task, int], str]


@pytest.fixture(scope="session")
def train_unpromoted() -> TrainInto:
    """Trains and registers a tiny model without promoting it; returns its version."""

    def run(root: Path, task: dataset.Task, seed: int) -> str:
        return train_into(root, task, seed, promote_it=False)

    return run


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with both models trained (seed 11) and promoted; copy it before changing it."""
    root = tmp_path_factory.mktemp("registry")
    train_into(root, "fraud", 11)
    train_into(root, "wardrobing", 11)
    return root


@pytest.fixture
def registry(registry_template: Path, tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "registry"
    shutil.copytree(registry_template, root)
    return root
