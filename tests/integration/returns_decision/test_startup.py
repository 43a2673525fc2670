"""Start-up without risk models: the service refuses to start and says how to fix it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.common.errors import CannotStart
from services.common.paths import REPO_ROOT
from services.returns_decision.server import create_server
from services.returns_decision.settings import ReturnsSettings


def test_an_empty_model_registry_is_refused_with_the_fix(tmp_path: Path) -> None:
    settings = ReturnsSettings(
        port=0, metrics_port=0, policies_dir=REPO_ROOT / "policies", models_registry=tmp_path
    )
    with pytest.raises(CannotStart) as refused:
        asyncio.run(create_server(settings))
    message = str(refused.value)
    assert f"cannot load the risk models from {tmp_path}" in message
    assert "make models" in message
    assert "RETURNS_RISK_ENABLED=false" in message


def test_a_decision_log_that_cannot_be_written_is_refused_with_the_fix(
    tmp_path: Path, registry: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    settings = ReturnsSettings(
        port=0,
        metrics_port=0,
        policies_dir=REPO_ROOT / "policies",
        models_registry=registry,
        decision_log_dir=blocked / "decision-log",
    )
    with pytest.raises(CannotStart) as refused:
        asyncio.run(create_server(settings))
    message = str(refused.value)
    assert f"cannot start the decision log in {blocked / 'decision-log'}" in message
    assert "RETURNS_DECISION_LOG_ENABLED=false" in message
