"""Start-up without model artifacts: the service refuses to start, says which directory
and which command builds them, and trains nothing (serving never imports training)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.errors import CannotStart
from services.common.paths import REPO_ROOT
from services.triage.server import create_server
from services.triage.settings import TriageSettings

FIX = "The service does not train models: build them with `python -m models.triage train --out"

# Starts the server in this process exactly as a worker does, then reports what it raised
# and which modules of the training package got imported on the way.
IN_PROCESS = """
import asyncio, sys
from pathlib import Path
from services.common.errors import CannotStart
from services.triage.server import create_server
from services.triage.settings import TriageSettings

settings = TriageSettings(port=0, metrics_port=0, model_dir=Path(sys.argv[1]))
try:
    asyncio.run(create_server(settings))
except CannotStart as exc:
    print(exc)
    print("imported:", sorted(m for m in sys.modules if m.partition(".")[0] == "models"))
else:
    print("started")
"""


def test_create_server_refuses_an_empty_model_dir(tmp_path: Path) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    run = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(model_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    message, imported = run.stdout.strip().splitlines()[-2:]
    assert message.startswith(f"triage model artifacts in {model_dir} are not usable: ")
    assert "manifest.json not found" in message
    assert f"{FIX} {model_dir}`" in message
    assert imported == "imported: []"
    assert list(model_dir.iterdir()) == []


@pytest.mark.slow
def test_service_exits_with_the_fix_when_artifacts_are_missing(tmp_path: Path) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "services.triage", "--workers", "1", "--port", "0"],
        cwd=REPO_ROOT,
        env={**os.environ, "TRIAGE_MODEL_DIR": str(model_dir), "TRIAGE_METRICS_PORT": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert f"triage model artifacts in {model_dir} are not usable" in run.stderr
    assert f"{FIX} {model_dir}`" in run.stderr
    assert '"msg": "cannot start"' in run.stderr
    assert "Traceback" not in run.stderr  # a refusal, not a crash
    assert list(model_dir.iterdir()) == []


def test_an_invalid_tenant_configuration_is_refused_naming_file_and_place(
    tmp_path: Path, triage_model_dir: Path
) -> None:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "acme.yaml").write_text("priority:\n  base: 1\n  base: 2\n")
    settings = TriageSettings(
        port=0, metrics_port=0, model_dir=triage_model_dir, tenant_config_dir=tenants
    )
    with pytest.raises(CannotStart) as refused:
        asyncio.run(create_server(settings))
    assert "acme.yaml: priority.base: line 3, column 3: duplicate key" in str(refused.value)
