"""Fixtures the whole suite shares: small real models, trained once per session in a
temporary directory (seconds each), for the services to load as they load the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

TRIAGE_EXAMPLES_PER_CLASS = 80
"""Tweets per language / Bitext examples per intent: enough to learn, a few seconds to fit."""


@pytest.fixture(scope="session", autouse=True)
def decision_log_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Returns services the tests start (in process or as subprocesses, which inherit the
    environment) log their decisions here, not in the repo's var/decision-log; a test that
    checks the log gives its server its own directory."""
    key = "RETURNS_DECISION_LOG_DIR"
    before = os.environ.get(key)
    os.environ[key] = str(tmp_path_factory.mktemp("decision-log"))
    yield
    if before is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = before


@pytest.fixture(scope="session")
def returns_model_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model registry with tiny fraud and wardrobing models, both promoted."""
    from models.returns import dataset
    from models.returns.registry import promote, register
    from models.returns.train import TrainConfig, train

    root = tmp_path_factory.mktemp("registry")
    for task in ("fraud", "wardrobing"):
        data = dataset.from_synthetic(6000, 11)
        config = TrainConfig(task=task, seed=11, max_rounds=60, early_stopping_rounds=20)
        result = train(data, config, name=f"returns_{task}")
        register(root, result, write_report=False)
        promote(root, result.metadata.name, result.metadata.version)
    return root


@pytest.fixture(scope="session")
def triage_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny sentiment and intent models in the layout the triage service loads."""
    from models.triage.training import train_all

    model_dir = tmp_path_factory.mktemp("triage-models")
    train_all(model_dir, max_examples_per_class=TRIAGE_EXAMPLES_PER_CLASS)
    return model_dir
