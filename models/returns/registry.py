"""Model registry operations behind ``python -m models list|show|promote|rollback``.

The layout and the atomic pointer live in ``services.returns_decision.engines.risk.registry`` so
the writer here and the service's reader cannot disagree. A version appears atomically
too: it is written into a staging directory and renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from models.returns.dataset import ReturnsDataset, Task
from models.returns.train import TrainResult
from services.common.paths import VAR_DIR
from services.returns_decision.engines.risk.artifact import (
    MODEL_FILE,
    read_metadata,
    write_artifact,
)
from services.returns_decision.engines.risk.errors import ModelNotFoundError, RiskModelError
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.registry import (
    POINTER_FILE,
    Pointer,
    check_name,
    locked,
    model_dir,
    read_pointer,
    version_dir,
    write_pointer,
)
from services.returns_decision.engines.risk.scorer import FRAUD_MODEL, WARDROBING_MODEL

# Build outputs, git-ignored (/var/): never committed.
DEFAULT_REGISTRY_ROOT: Final = VAR_DIR / "models" / "registry"
REGISTRY_ENV: Final = "MODELS_REGISTRY_ROOT"
REGISTERED_FILE: Final = "registered.json"
MODEL_NAMES: Final[dict[Task, str]] = {"fraud": FRAUD_MODEL, "wardrobing": WARDROBING_MODEL}
MAX_HISTORY: Final = 50


class RegistryError(RiskModelError):
    """A registry operation that cannot be carried out as asked."""


def resolve_root(value: str | os.PathLike[str] | None = None) -> Path:
    """``--registry`` if given, else ``$MODELS_REGISTRY_ROOT``, else ``var/models/registry``."""
    if value:
        return Path(value)
    env = os.environ.get(REGISTRY_ENV)
    return Path(env) if env else DEFAULT_REGISTRY_ROOT


def resolve_name(name: str) -> str:
    """Accepts the task as shorthand: ``fraud`` -> ``returns_fraud``."""
    for task, model in MODEL_NAMES.items():
        if name == task:
            return model
    return name


def register(
    root: Path,
    result: TrainResult,
    *,
    write_report: bool = True,
    trained_seconds: float = 0.0,
    holdout: ReturnsDataset | None = None,
) -> tuple[Path, bool]:
    """Stores a trained model as a new version. Returns (directory, newly created)."""
    name, version = result.metadata.name, result.metadata.version
    final = version_dir(root, name, version)
    if final.exists():
        # The version is a content hash: the same name means the same model.
        if (final / MODEL_FILE).read_text(encoding="utf-8") != result.model_text:
            raise RegistryError(f"{final} exists with different content")
        return final, False
    parent = model_dir(root, name)
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    try:
        write_artifact(staging, result.model_text, result.metadata)
        if write_report:
            from models.returns.report import write_report as write  # matplotlib: only here

            write(staging, result, trained_seconds=trained_seconds, holdout=holdout)
        stamp = {"registered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        (staging / REGISTERED_FILE).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if final.exists():  # another process registered the same content first
            return final, False
        raise
    return final, True


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    task: str
    active: bool
    registered_at: str
    test_roc_auc: float | None
    best_roc_auc: float | None


def _registered_at(directory: Path) -> str:
    try:
        data = json.loads((directory / REGISTERED_FILE).read_text(encoding="utf-8"))
        return str(data["registered_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def list_versions(root: Path, name: str | None = None) -> list[VersionInfo]:
    names = (
        [check_name("name", name)]
        if name
        else sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if root.is_dir()
        else []
    )
    rows: list[VersionInfo] = []
    for model in names:
        directory = model_dir(root, model)
        if not directory.is_dir():
            raise ModelNotFoundError(f"no model {model!r} under {root}")
        try:
            active: str | None = read_pointer(root, model).version
        except ModelNotFoundError:
            active = None
        for version in directory.iterdir():
            if not version.is_dir() or version.name.startswith("."):
                continue
            try:
                meta = read_metadata(version)
            except RiskModelError:
                continue  # not a model version (or a broken one: `show` explains)
            best = meta.training.get("best_achievable") or {}
            rows.append(
                VersionInfo(
                    name=model,
                    version=version.name,
                    task=meta.task,
                    active=version.name == active,
                    registered_at=_registered_at(version),
                    test_roc_auc=meta.training.get("test_metrics", {}).get("roc_auc"),
                    best_roc_auc=best.get("roc_auc"),
                )
            )
    rows.sort(key=lambda r: (r.name, r.registered_at, r.version))
    return rows


def show(root: Path, name: str, version: str | None = None) -> dict[str, Any]:
    """Metadata summary of a version (the active one by default) and its pointer state."""
    try:
        pointer: Pointer | None = read_pointer(root, name)
    except ModelNotFoundError:
        pointer = None
    if version is None:
        if pointer is None:
            raise ModelNotFoundError(f"model {name!r} has no active version; name one")
        version = pointer.version
    directory = version_dir(root, name, version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    meta = read_metadata(directory)
    training = meta.training
    test = training.get("test_metrics", {})
    fresh = None
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fresh = json.loads((directory / "model_card.json").read_text(encoding="utf-8")).get(
            "fresh_sample"
        )
    return {
        "name": meta.name,
        "version": meta.version,
        "path": str(directory),
        "active": pointer is not None and pointer.version == version,
        "active_version": pointer.version if pointer else None,
        "history": list(pointer.history) if pointer else [],
        "registered_at": _registered_at(directory),
        "task": meta.task,
        "schema_fingerprint": meta.schema_fingerprint,
        "data_source": training.get("data_source"),
        "data_fingerprint": training.get("data_fingerprint"),
        # None for versions trained before these were recorded.
        "defaulted_columns": training.get("defaulted_columns"),
        "trained_on": training.get("trained_on"),
        "best_iteration": training.get("best_iteration"),
        "calibration": meta.calibration.get("method"),
        "bands": meta.bands,
        "test_roc_auc": test.get("roc_auc"),
        "test_pr_auc": test.get("pr_auc"),
        "test_brier": test.get("brier"),
        "best_achievable": training.get("best_achievable"),
        "fresh_sample": fresh,
        "model_card": str(directory / "model_card.md")
        if (directory / "model_card.md").exists()
        else None,
    }


def promote(root: Path, name: str, version: str, *, check: bool = True) -> Pointer:
    """Makes ``version`` active. With ``check``, first loads it as the service would."""
    directory = version_dir(root, name, version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    if check:
        RiskModel.load(directory).close()  # raises on schema mismatch or a broken artifact
    with locked(root, name):
        try:
            current: Pointer | None = read_pointer(root, name)
        except ModelNotFoundError:
            current = None
        if current is not None and current.version == version:
            return current
        history = () if current is None else (*current.history, current.version)[-MAX_HISTORY:]
        pointer = Pointer(version, history)
        write_pointer(root, name, pointer)
        return pointer


def rollback(root: Path, name: str) -> Pointer:
    """Re-activates the previously active version."""
    with locked(root, name):
        current = read_pointer(root, name)
        if not current.history:
            raise RegistryError(f"model {name!r}: no earlier version to roll back to")
        previous = current.history[-1]
        if not version_dir(root, name, previous).is_dir():
            raise ModelNotFoundError(f"model {name!r}: earlier version {previous} is gone")
        pointer = Pointer(previous, current.history[:-1])
        write_pointer(root, name, pointer)
        return pointer


def has_active(root: Path, name: str) -> bool:
    """True when the pointer exists and names a version directory that exists."""
    with contextlib.suppress(ModelNotFoundError):
        pointer = read_pointer(root, name)
        return version_dir(root, name, pointer.version).is_dir()
    return False


__all__ = [
    "DEFAULT_REGISTRY_ROOT",
    "MODEL_NAMES",
    "POINTER_FILE",
    "REGISTRY_ENV",
    "RegistryError",
    "VersionInfo",
    "has_active",
    "list_versions",
    "promote",
    "register",
    "resolve_name",
    "resolve_root",
    "rollback",
    "show",
]
