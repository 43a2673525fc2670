"""A promoted model is swapped into the running service under concurrent calls, with no
failed call, and a rollback swaps the previous one back (through the CLI, as a data
scientist would)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from bench.returns_samples import request
from models.returns import dataset
from models.returns.registry import register
from models.returns.train import TrainConfig, train
from services.common.paths import REPO_ROOT
from services.returns_decision.server import SPEC
from services.returns_decision.settings import ReturnsSettings
from tests.integration.harness import ServerThread, serving
from tests.integration.returns_decision.conftest import Stub
from tests.integration.returns_decision.load import calling


@pytest.fixture
def own_registry(registry: Path, tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    shutil.copytree(registry, root)
    return root


@pytest.fixture
def swap_server(own_registry: Path, policies: Path) -> Iterator[ServerThread]:
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=policies,
        models_registry=own_registry,
        model_reload_seconds=0.1,
        decision_log_dir=own_registry.parent / "decision-log",
    )
    with serving(SPEC, settings) as thread:
        yield thread


def models_cli(root: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "models", "--registry", str(root), *args],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )


def test_promoted_model_is_swapped_in_under_load_and_rolled_back(
    swap_server: ServerThread, own_registry: Path
) -> None:
    # A second fraud model (another seed), registered but not active yet.
    config = TrainConfig(task="fraud", seed=23, max_rounds=60, early_stopping_rounds=20)
    result = train(dataset.from_synthetic(6000, 23), config, name="returns_fraud")
    register(own_registry, result, write_report=False)
    new_version = result.metadata.version

    with grpc.insecure_channel(swap_server.target) as channel:
        stub = Stub(channel)
        old_version = stub.DecideReturn(request()).decision.fraud.model_version
        assert old_version != new_version
        with calling(lambda: stub.DecideReturn(request()).decision.fraud.model_version) as calls:
            # Forced: this test is about the swap, not whether a tiny model passes the gate.
            models_cli(
                own_registry, "promote", "fraud", new_version, "--force", "--reason", "swap test"
            )
            calls.wait_for(new_version)
            models_cli(own_registry, "rollback", "fraud")
            calls.wait_for(old_version)
    assert not calls.failures, calls.failures[:3]
    # Old, then new, then old again (threads append in completion order, so only the
    # ends and membership are exact).
    versions = calls.answers
    assert versions[0] == old_version
    assert new_version in versions
    assert versions[-1] == old_version
    assert set(versions) == {old_version, new_version}
