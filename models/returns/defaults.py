"""``python -m models build-defaults``: the fraud and wardrobing models the service ships with.

Both train on one synthetic data set from a fixed seed, so the same seed gives the same
model bytes and the same versions on any machine; both are then promoted through the
promotion gate (``gate.py``): they must meet their own targets, and not lose to an active
version. ``make models`` and the run command call this when the registry has no active
models.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from models.returns import dataset as datasets
from models.returns.dataset import TASKS
from models.returns.gate import promote_gated
from models.returns.registry import MODEL_NAMES, has_active, register
from models.returns.train import Progress, TrainConfig, TrainResult, train

DEFAULT_SEED: Final = 20240601
DEFAULT_ROWS: Final = 100_000
HOLDOUT_ROWS: Final = 100_000  # fresh sample for the report's model-vs-Bayes comparison


@dataclass(frozen=True)
class Built:
    name: str
    version: str
    created: bool  # False: that exact version was already registered
    seconds: float


def build_defaults(
    root: Path,
    *,
    seed: int = DEFAULT_SEED,
    rows: int = DEFAULT_ROWS,
    if_missing: bool = False,
    write_report: bool = True,
    progress: Progress = lambda _: None,
    on_registered: Callable[[TrainResult, Path, float], None] | None = None,
) -> list[Built]:
    """``on_registered(result, version directory, training seconds)`` runs after each
    model is registered (the CLI logs it to MLflow there)."""
    if if_missing and all(has_active(root, MODEL_NAMES[t]) for t in TASKS):
        progress(f"active models present under {root}; nothing to build")
        return []
    started = time.perf_counter()
    progress(f"generating {rows} synthetic return requests (seed {seed})")
    data = datasets.from_synthetic(rows, seed)
    holdout = datasets.from_synthetic(HOLDOUT_ROWS, seed + 1) if write_report else None
    progress(f"  generated in {time.perf_counter() - started:.1f} s")
    built: list[Built] = []
    for task in TASKS:
        t0 = time.perf_counter()
        result = train(
            data, TrainConfig(task=task, seed=seed), name=MODEL_NAMES[task], progress=progress
        )
        seconds = time.perf_counter() - t0
        directory, created = register(
            root, result, write_report=write_report, trained_seconds=seconds, holdout=holdout
        )
        if on_registered is not None:
            on_registered(result, directory, seconds)
        promote_gated(
            root,
            result.metadata.name,
            result.metadata.version,
            via="build-defaults",
            command=f"python -m models promote {result.metadata.name} {result.metadata.version}",
            progress=progress,
        )
        progress(
            f"{result.metadata.name} {result.metadata.version}: "
            f"{'registered' if created else 'already registered'} at {directory}, active"
        )
        built.append(
            Built(result.metadata.name, result.metadata.version, created, time.perf_counter() - t0)
        )
    progress(f"done in {time.perf_counter() - started:.1f} s")
    return built
