"""Component versions on /metrics: a replaced version disappears, with one process and
with several workers (whose values live in shared files the supervisor sums)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prometheus_client import generate_latest

from services.common.metrics import ServiceMetrics
from tests.integration.harness import REPO

MULTIPROCESS_SCRIPT = """
import os, sys
os.environ["PROMETHEUS_MULTIPROC_DIR"] = sys.argv[1]
from prometheus_client import generate_latest
from services.common.metrics import ServiceMetrics, prepare_multiprocess_dir
registry = prepare_multiprocess_dir(__import__("pathlib").Path(sys.argv[1]))
worker = ServiceMetrics()  # a worker writing to the shared directory
worker.set_component_version("policy:acme", "v1@aaa")
worker.set_component_version("policy:acme", "v2@bbb")
worker.set_component_version("returns_fraud", "7")
sys.stdout.write(generate_latest(registry).decode())
"""


def info_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("retail_component_info{")]


def test_a_replaced_version_disappears_in_one_process() -> None:
    metrics = ServiceMetrics()
    metrics.set_component_version("policy:acme", "v1@aaa")
    metrics.set_component_version("policy:acme", "v2@bbb")
    lines = info_lines(generate_latest(metrics.registry).decode())
    assert len(lines) == 1
    assert 'version="v2@bbb"' in lines[0]


def test_a_replaced_version_disappears_across_workers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT, str(tmp_path / "metrics")],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    lines = info_lines(result.stdout)
    assert len(lines) == 2, result.stdout
    assert any('component="policy:acme"' in x and 'version="v2@bbb"' in x for x in lines)
    assert any('component="returns_fraud"' in x for x in lines)
    assert not any("v1@aaa" in x for x in lines)
