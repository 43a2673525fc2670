"""Model registry operations behind ``python -m models list|show|promote|rollback``.

The layout and the atomic pointer live in ``services.returns_decision.engines.risk.registry`` so
the writer here and the service's reader cannot disagree. A version appears atomically
too: it is written into a staging directory and renamed into place when complete.

Every move of the pointer (promotion or rollback) is appended to
``<root>/<name>/promotions.jsonl``, one JSON object per line, never rewritten: when, which
version, the one it replaced, and for promotions the gate's verdict and any override
(``gate.py``); so is every move of the shadow mark (``shadow.json``: a version the service
scores beside the active one and logs, never serves). The service never reads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from models.returns.dataset import ReturnsDataset, Task
from models.returns.drift import profile
from models.returns.train import TrainResult
from services.common.paths import VAR_DIR
from services.returns_decision.engines.risk.artifact import (
    MODEL_FILE,
    read_metadata,
    write_artifact,
)
from services.returns_decision.engines.risk.errors import ModelNotFoundError, RiskModelError
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.profile import write_profile
from services.returns_decision.engines.risk.registry import (
    POINTER_FILE,
    Pointer,
    check_name,
    locked,
    model_dir,
    read_pointer,
    read_shadow,
    version_dir,
    write_pointer,
    write_shadow,
)
from services.returns_decision.engines.risk.scorer import FRAUD_MODEL, WARDROBING_MODEL

# Build outputs, git-ignored (/var/): never committed.
DEFAULT_REGISTRY_ROOT: Final = VAR_DIR / "models" / "registry"
REGISTRY_ENV: Final = "MODELS_REGISTRY_ROOT"
REGISTERED_FILE: Final = "registered.json"
MODEL_NAMES: Final[dict[Task, str]] = {"fraud": FRAUD_MODEL, "wardrobing": WARDROBING_MODEL}
MAX_HISTORY: Final = 50
PROMOTIONS_FILE: Final = "promotions.jsonl"


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
        # The reference drift is measured against (not part of the version's hash).
        train_split = result.splits["train"]
        write_profile(
            staging,
            profile(
                train_split.features,
                result.probabilities["train"],
                result.metadata.training.get("data_fingerprint"),
            ),
        )
        if write_report:
            from models.returns.report import write_report as write  # matplotlib: only here

            write(staging, result, trained_seconds=trained_seconds, holdout=holdout)
        stamp = {"registered_at": _now()}
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
    shadow: bool
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
        try:
            shadow = read_shadow(root, model)
        except ModelNotFoundError:
            shadow = None
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
                    shadow=version.name == shadow,
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
    shadow = read_shadow(root, name)
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
        "shadow": shadow == version,
        "shadow_version": shadow,
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
        # Every promotion and rollback to this version, oldest first (promotions.jsonl).
        "promotions": [p for p in read_promotions(root, name) if p.get("version") == version],
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _append_promotion(root: Path, name: str, entry: Mapping[str, Any]) -> None:
    """One line appended to the model's log (called under ``locked``, so lines never mix)."""
    path = model_dir(root, name) / PROMOTIONS_FILE
    line = json.dumps(dict(entry), sort_keys=True, allow_nan=False) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_promotions(root: Path, name: str) -> list[dict[str, Any]]:
    """The model's promotion log, oldest first ([] when it has none)."""
    path = model_dir(root, name) / PROMOTIONS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def promote(
    root: Path,
    name: str,
    version: str,
    *,
    check: bool = True,
    record: Mapping[str, Any] | None = None,
) -> Pointer:
    """Makes ``version`` active. With ``check``, first loads it as the service would.

    The move is logged in ``promotions.jsonl`` with ``record`` (the gate's verdict,
    forced, reason; ``gate.promote_gated`` fills it). Re-promoting the active version
    changes nothing and logs nothing.
    """
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
        entry: dict[str, Any] = {"gate": None, "forced": False, "reason": None, "via": None}
        entry.update(record or {})
        if read_shadow(root, name) == version:
            # Promoted from shadow: scoring it beside itself would tell nothing.
            write_shadow(root, name, None)
            entry["shadow_cleared"] = True
        entry.update(
            at=_now(),
            action="promote",
            version=version,
            previous=None if current is None else current.version,
        )
        _append_promotion(root, name, entry)
        return pointer


def set_shadow(root: Path, name: str, version: str | None, *, check: bool = True) -> str | None:
    """Marks ``version`` shadow (None: clears the mark); returns the version marked before.

    With ``check``, first loads the version as the service would. The active version
    cannot be its own shadow. Logged in ``promotions.jsonl``."""
    if version is not None:
        directory = version_dir(root, name, version)
        if not directory.is_dir():
            raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
        if check:
            RiskModel.load(directory).close()
    with locked(root, name):
        previous = read_shadow(root, name)
        if version is not None:
            with contextlib.suppress(ModelNotFoundError):
                if read_pointer(root, name).version == version:
                    raise RegistryError(f"model {name!r}: {version} is the active version")
        if previous == version:
            return previous
        write_shadow(root, name, version)
        _append_promotion(
            root,
            name,
            {
                "at": _now(),
                "action": "shadow" if version is not None else "clear_shadow",
                "version": version,
                "previous": previous,
            },
        )
        return previous


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
        _append_promotion(
            root,
            name,
            {
                "at": _now(),
                "action": "rollback",
                "version": previous,
                "previous": current.version,
                "gate": None,  # not gated: the emergency exit
                "forced": False,
                "reason": None,
                "via": "rollback",
            },
        )
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
    "PROMOTIONS_FILE",
    "REGISTRY_ENV",
    "RegistryError",
    "VersionInfo",
    "has_active",
    "list_versions",
    "promote",
    "read_promotions",
    "register",
    "resolve_name",
    "resolve_root",
    "rollback",
    "set_shadow",
    "show",
]
