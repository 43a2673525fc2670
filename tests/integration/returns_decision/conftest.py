"""A returns_decision server on port 0 with the example policies (copied, so tests can
change them) and tiny fraud and wardrobing models trained at test time."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from retail.returns_decision.v1 import returns_decision_pb2_grpc

from services.common.paths import REPO_ROOT
from services.returns_decision.server import SPEC
from services.returns_decision.settings import ReturnsSettings
from tests.integration.harness import ServerThread, serving

Stub = returns_decision_pb2_grpc.ReturnsDecisionServiceStub


@pytest.fixture(scope="session")
def registry(returns_model_registry: Path) -> Path:
    return returns_model_registry


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", directory)
    return directory


@pytest.fixture
def server(policies: Path, registry: Path, tmp_path: Path) -> Iterator[ServerThread]:
    settings = ReturnsSettings(
        decision_log_dir=tmp_path / "decision-log",
        port=0,
        metrics_port=0,
        policies_dir=policies,
        models_registry=registry,
        policy_reload_seconds=0.1,
        max_batch_size=50,
    )
    with serving(SPEC, settings) as thread:
        yield thread


@pytest.fixture
def stub(server: ServerThread) -> Iterator[Stub]:
    with grpc.insecure_channel(server.target) as channel:
        yield Stub(channel)
