"""Triage model registry operations behind ``python -m models.triage
train|register|list|show|promote|rollback``.

The layout and the atomic pointer are services/common/model_registry.py's, the triage
version format services/triage/engines/registry.py's, so the writer here and the
service's reader cannot disagree. Training writes the usual artifact directory (manifest
and one joblib file per model); `register_artifacts` turns each of its models into a
version of its own registry name, staged and renamed into place when complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import sklearn  # type: ignore[import-untyped]

from services.common.model_registry import (
    DEFAULT_ROOT,
    ModelNotFoundError,
    Pointer,
    RegistryError,
    activate,
    check_name,
    has_active,
    model_dir,
    read_pointer,
    step_back,
    version_dir,
)
from services.triage.engines.artifacts import FORMAT_VERSION, INTENT, SENTIMENT, read_manifest
from services.triage.engines.registry import (
    MODEL_FILE,
    REGISTRY_NAMES,
    read_metadata,
    version_entry,
)
from services.triage.engines.watcher import load_intent, load_sentiment

REGISTRY_ENV: Final = "MODELS_REGISTRY_ROOT"
METADATA_FILE: Final = "metadata.json"
KINDS: Final = {name: kind for kind, name in REGISTRY_NAMES.items()}
"""Artifact name (sentiment, intent) of each registry name."""


def resolve_root(value: str | os.PathLike[str] | None = None) -> Path:
    """``--registry`` if given, else ``$MODELS_REGISTRY_ROOT``, else ``var/models/registry``."""
    if value:
        return Path(value)
    env = os.environ.get(REGISTRY_ENV)
    return Path(env) if env else DEFAULT_ROOT


def resolve_name(name: str) -> str:
    """Accepts the model as shorthand: ``intent`` -> ``triage_intent``."""
    return REGISTRY_NAMES.get(name, name)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Registered:
    name: str
    version: str
    directory: Path
    created: bool  # False: the same content was registered before


def register_artifacts(
    root: Path,
    artifact_dir: Path,
    *,
    training: dict[str, Any],
    evaluation: dict[str, dict[str, Any]] | None = None,
) -> list[Registered]:
    """Registers each model of a trained artifact directory as a version.

    `training` (what was trained on, settings, when) is recorded with every model;
    `evaluation` holds each model's figures keyed by artifact name (None: not evaluated).
    The manifest's own `info` is kept under `training.manifest`."""
    entries = read_manifest(artifact_dir)  # ArtifactsMissingError when not a usable set
    manifest = json.loads((artifact_dir / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for kind in (SENTIMENT, INTENT):
        entry, name = entries[kind], REGISTRY_NAMES[kind]
        source = artifact_dir / entry.file
        content = source.read_bytes()
        # The version is the file's content hash (artifacts.write_model): check it, so a
        # version name never stands for other bytes.
        digest = hashlib.sha256(content).hexdigest()[:12]
        if entry.version != f"{FORMAT_VERSION}.{digest}":
            raise RegistryError(f"{source}: content does not match version {entry.version}")
        final = version_dir(root, name, entry.version)
        if final.exists():
            if (final / MODEL_FILE).read_bytes() != content:
                raise RegistryError(f"{final} exists with different content")
            out.append(Registered(name, entry.version, final, False))
            continue
        parent = model_dir(root, name)
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
        try:
            shutil.copyfile(source, staging / MODEL_FILE)
            metadata = {
                "format_version": FORMAT_VERSION,
                "sklearn_version": manifest.get("sklearn_version", sklearn.__version__),
                "name": name,
                "model": kind,
                "version": entry.version,
                "registered_at": _now(),
                "training": {**training, "manifest": manifest.get("info", {})},
                "evaluation": None if evaluation is None else evaluation.get(kind),
            }
            text = json.dumps(metadata, indent=2, sort_keys=True) + "\n"
            (staging / METADATA_FILE).write_text(text, encoding="utf-8")
            staging.chmod(0o755)  # mkdtemp makes it owner-only: the service may be another user
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if final.exists():  # another process registered the same content first
                out.append(Registered(name, entry.version, final, False))
                continue
            raise
        out.append(Registered(name, entry.version, final, True))
    return out


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    active: bool
    registered_at: str
    summary: str  # the headline evaluation figure, or ""


def _summary(kind: str, evaluation: Any) -> str:
    if not isinstance(evaluation, dict):
        return ""
    if kind == SENTIMENT and isinstance(evaluation.get("macro_f1"), dict):
        scores = evaluation["macro_f1"]
        mean = sum(scores.values()) / len(scores) if scores else 0.0
        return f"val macro-F1 {mean:.4f} (mean of {len(scores)} languages)"
    if kind == INTENT and "heldout_macro_f1" in evaluation:
        return f"held-out macro-F1 {evaluation['heldout_macro_f1']:.4f}"
    return ""


def list_versions(root: Path, name: str | None = None) -> list[VersionInfo]:
    names = [check_name("name", name)] if name else list(KINDS)
    rows: list[VersionInfo] = []
    for model in names:
        if model not in KINDS:
            raise ModelNotFoundError(f"no triage model {model!r} (names: {', '.join(KINDS)})")
        directory = model_dir(root, model)
        if not directory.is_dir():
            continue
        try:
            active: str | None = read_pointer(root, model).version
        except ModelNotFoundError:
            active = None
        for version in directory.iterdir():
            if not version.is_dir() or version.name.startswith("."):
                continue
            try:
                meta = read_metadata(version)
            except ModelNotFoundError:
                continue  # not a model version (or a broken one: `show` explains)
            rows.append(
                VersionInfo(
                    name=model,
                    version=version.name,
                    active=version.name == active,
                    registered_at=str(meta.get("registered_at", "")),
                    summary=_summary(KINDS[model], meta.get("evaluation")),
                )
            )
    rows.sort(key=lambda r: (r.name, r.registered_at, r.version))
    return rows


def show(root: Path, name: str, version: str | None = None) -> dict[str, Any]:
    """Metadata of a version (the active one by default) and its pointer state."""
    if name not in KINDS:
        raise ModelNotFoundError(f"no triage model {name!r} (names: {', '.join(KINDS)})")
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
    return {
        **meta,
        "path": str(directory),
        "active": pointer is not None and pointer.version == version,
        "active_version": pointer.version if pointer else None,
        "history": list(pointer.history) if pointer else [],
    }


def promote(root: Path, name: str, version: str, *, check: bool = True) -> Pointer:
    """Makes ``version`` active. With ``check``, first loads it as the service would (and
    runs one prediction)."""
    if name not in KINDS:
        raise ModelNotFoundError(f"no triage model {name!r} (names: {', '.join(KINDS)})")
    directory = version_dir(root, name, version)
    if not directory.is_dir():
        raise ModelNotFoundError(f"model {name!r} has no version {version!r}")
    if check:
        version_entry(directory)  # UnusableVersionError with the reason
        if KINDS[name] == SENTIMENT:
            load_sentiment(directory)
        else:
            load_intent(directory).predict(["ok"])
    return activate(root, name, version)


def rollback(root: Path, name: str) -> Pointer:
    """Re-activates the previously active version."""
    if name not in KINDS:
        raise ModelNotFoundError(f"no triage model {name!r} (names: {', '.join(KINDS)})")
    return step_back(root, name)


def has_active_models(root: Path) -> bool:
    """True when every triage model has an active version."""
    return all(has_active(root, name) for name in KINDS)
