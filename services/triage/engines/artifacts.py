"""On-disk layout of the triage model artifacts and its manifest.

A model directory holds one joblib file per trained model and `manifest.json` naming
them with their versions. Versions are a content hash, so a retrained but identical model
keeps its version and any change of data or code shows up as a new one.

joblib files are pickles: load only directories this service's own `train` built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import joblib  # type: ignore[import-untyped]
import sklearn  # type: ignore[import-untyped]

from services.triage.engines.base import ArtifactsMissingError

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 4
"""Bumped when the classes pickled into the artifacts change shape.

2: sentiment model with per-language weight blocks; 3: both models keep their char and
word vectorizers in one `text_features.CharWordTfidf`; 4: the sentiment model carries a
sentence-embedding model blended with its n-gram one.
"""

SENTIMENT = "sentiment"
INTENT = "intent"
REQUIRED_MODELS = (SENTIMENT, INTENT)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ArtifactEntry:
    """One model file in a model directory."""

    file: str
    version: str


def write_model(model_dir: Path, name: str, model: object) -> ArtifactEntry:
    """Dump `model` as `<name>.joblib` and return its entry (version = content hash)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / f"{name}.joblib"
    joblib.dump(model, path, compress=3)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return ArtifactEntry(file=path.name, version=f"{FORMAT_VERSION}.{digest}")


def write_manifest(
    model_dir: Path, entries: dict[str, ArtifactEntry], info: dict[str, Any]
) -> None:
    """Write the manifest last, so a directory with a manifest is a complete one."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "models": {name: {"file": e.file, "version": e.version} for name, e in entries.items()},
        "info": info,
    }
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(model_dir: Path) -> dict[str, ArtifactEntry]:
    """Entries of a usable model directory; ArtifactsMissingError says why it is not."""
    path = model_dir / MANIFEST_FILE
    if not path.is_file():
        raise ArtifactsMissingError(model_dir, f"{MANIFEST_FILE} not found")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ArtifactsMissingError(model_dir, f"{MANIFEST_FILE} is not valid JSON") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactsMissingError(
            model_dir,
            f"format version {manifest.get('format_version')} != expected {FORMAT_VERSION}",
        )
    # Pickled scikit-learn objects are only guaranteed to load in the version that made them.
    if manifest.get("sklearn_version") != sklearn.__version__:
        raise ArtifactsMissingError(
            model_dir,
            f"built with scikit-learn {manifest.get('sklearn_version')}, "
            f"running {sklearn.__version__}",
        )
    entries = {
        name: ArtifactEntry(file=str(e["file"]), version=str(e["version"]))
        for name, e in manifest.get("models", {}).items()
    }
    for name in REQUIRED_MODELS:
        if name not in entries or not (model_dir / entries[name].file).is_file():
            raise ArtifactsMissingError(model_dir, f"model {name!r} missing")
    return entries


def artifacts_present(model_dir: Path) -> bool:
    """True when `model_dir` holds a complete, loadable set of artifacts."""
    try:
        read_manifest(model_dir)
    except ArtifactsMissingError:
        return False
    return True


def load_model(model_dir: Path, entry: ArtifactEntry, expected: type[T]) -> T:
    """Load one model file and check it is of the expected class."""
    model = joblib.load(model_dir / entry.file)
    if not isinstance(model, expected):
        raise ArtifactsMissingError(
            model_dir, f"{entry.file} holds {type(model).__name__}, not {expected.__name__}"
        )
    return model
