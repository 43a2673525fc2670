"""A wheel of the project carries the support desk's templates, static files and data
files, so that a non-editable install serves its pages and finds its words."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
DESK = REPO / "frontend" / "support_desk"


@pytest.mark.slow
def test_the_wheel_carries_the_desks_files(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    for package in ("services", "models", "frontend", "tools"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--quiet",
            "--wheel-dir",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = dist.glob("retail_support_services-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    wanted = {
        path.relative_to(REPO).as_posix()
        for pattern in (
            "web/templates/*.html",
            "web/static/*",
            "carriers/*.json",
            "flow/*.yaml",
            "replies/*.yaml",
            "store/*.yaml",
        )
        for path in DESK.glob(pattern)
    }
    assert {
        "frontend/support_desk/flow/lexicon.yaml",
        "frontend/support_desk/replies/templates.yaml",
        "frontend/support_desk/store/demo.yaml",
        "frontend/support_desk/web/templates/chat.html",
        "frontend/support_desk/web/static/desk.css",
        "frontend/support_desk/carriers/ups.json",
    } <= wanted
    assert wanted <= packed, sorted(wanted - packed)
