"""Triage models in the model registry (services/common/model_registry.py's layout).

Each trained model is a registry name of its own, promoted and rolled back on its own:

    <root>/triage_sentiment/<version>/model.joblib, metadata.json
    <root>/triage_intent/<version>/model.joblib, metadata.json

The version is the model file's content hash as `artifacts.write_model` names it (what
replies already report per model), so the same training run always registers the same
version. `metadata.json` (written by `python -m models.triage train`) says what the model
was trained on, when, and its evaluation figures; serving reads only the fields that
decide whether it can load the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import sklearn  # type: ignore[import-untyped]

from services.common.model_registry import ModelNotFoundError, active_version_dir
from services.triage.engines.artifacts import FORMAT_VERSION, INTENT, SENTIMENT, ArtifactEntry

SENTIMENT_MODEL: Final = "triage_sentiment"
INTENT_MODEL: Final = "triage_intent"
REGISTRY_NAMES: Final = {SENTIMENT: SENTIMENT_MODEL, INTENT: INTENT_MODEL}
"""Registry name of each trained model, keyed by the artifact name (`artifacts.SENTIMENT`)."""
MODEL_FILE: Final = "model.joblib"
METADATA_FILE: Final = "metadata.json"
BUILD_FIX: Final = (
    "build and promote them with `make models` (python -m models.triage train), or promote "
    "a registered version with `python -m models.triage promote NAME VERSION`"
)


class UnusableVersionError(ModelNotFoundError):
    """A registry version of a triage model that this code cannot load."""


def read_metadata(directory: Path) -> dict[str, Any]:
    path = directory / METADATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnusableVersionError(f"{path}: unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise UnusableVersionError(f"{path}: not a JSON object")
    return data


def version_entry(directory: Path) -> ArtifactEntry:
    """The model file of one version, once its metadata says this code can load it."""
    meta = read_metadata(directory)
    if meta.get("format_version") != FORMAT_VERSION:
        raise UnusableVersionError(
            f"{directory}: artifact format {meta.get('format_version')!r}, this code reads "
            f"{FORMAT_VERSION}: retrain"
        )
    # Pickled scikit-learn objects are only guaranteed to load in the version that made them.
    if meta.get("sklearn_version") != sklearn.__version__:
        raise UnusableVersionError(
            f"{directory}: built with scikit-learn {meta.get('sklearn_version')}, running "
            f"{sklearn.__version__}: retrain"
        )
    if not (directory / MODEL_FILE).is_file():
        raise UnusableVersionError(f"{directory}: {MODEL_FILE} missing")
    return ArtifactEntry(file=MODEL_FILE, version=directory.name)


def active_directories(root: Path) -> dict[str, Path]:
    """The active version's directory of each triage model; ModelNotFoundError (with the
    fix) when one has none."""
    directories = {}
    for kind, name in REGISTRY_NAMES.items():
        try:
            directories[kind] = active_version_dir(root, name)
        except ModelNotFoundError as exc:
            raise ModelNotFoundError(
                f"no usable triage model in the registry {root}: {exc}; {BUILD_FIX}"
            ) from None
    return directories
