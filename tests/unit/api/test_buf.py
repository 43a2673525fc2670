"""buf lint passes, and `buf breaking` against the v1.0.0 image (what `make lint` runs)
passes as shipped and fails on a breaking change."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from services.common.paths import REPO_ROOT

BUF = str(REPO_ROOT / ".venv" / "bin" / "buf")
BASELINE = REPO_ROOT / "protos" / "v1.0.0.binpb"


def buf(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BUF, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_lint_and_breaking_pass_as_shipped() -> None:
    assert buf("lint").returncode == 0
    result = buf("breaking", "--against", str(BASELINE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_breaking_catches_a_renamed_field(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "buf.yaml", tmp_path)
    shutil.copytree(REPO_ROOT / "protos", tmp_path / "protos")
    proto = tmp_path / "protos" / "retail" / "triage" / "v1" / "triage.proto"
    proto.write_text(proto.read_text().replace("TriageResult triage = 1;", "TriageResult res = 1;"))
    result = buf("breaking", "--against", str(BASELINE), cwd=tmp_path)
    assert result.returncode != 0
    assert 'changed name from "triage" to "res"' in result.stdout
