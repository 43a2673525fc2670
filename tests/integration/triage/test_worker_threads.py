"""The supervisor sizes each worker's BLAS/OpenMP pools from the worker count, through the
environment the spawned workers start with (read back from /proc/<pid>/environ)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.common.workers import THREAD_ENV
from tests.integration.harness import SupervisorProcess

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc"),
]


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(entry.partition("=")[::2] for entry in raw.split("\0") if entry)


def test_two_workers_each_get_their_share_of_the_cpus(triage_model_dir: Path) -> None:
    cpus = len(os.sched_getaffinity(0))
    share = str(max(1, cpus // 2))
    env = {
        "TRIAGE_PORT": "0",
        "TRIAGE_METRICS_PORT": "0",
        "TRIAGE_MODEL_DIR": str(triage_model_dir),
        "OPENBLAS_NUM_THREADS": "3",  # the operator's value is kept
    }
    # A value already in the test's environment is the operator's too.
    expected = {name: os.environ.get(name, share) for name in THREAD_ENV} | {
        "OPENBLAS_NUM_THREADS": "3"
    }
    supervisor = SupervisorProcess(["-m", "services.triage", "--workers", "2"], env)
    try:
        workers = supervisor.wait_for("ready", timeout=120)["workers"]
        assert len(workers) == 2
        for pid in workers:
            environ = _environ(pid)
            assert {name: environ.get(name) for name in THREAD_ENV} == expected
    finally:
        supervisor.stop()
