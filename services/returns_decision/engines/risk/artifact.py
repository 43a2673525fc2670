"""On-disk format of one model version: what training writes and the service reads.

A version directory holds ``model.txt`` (LightGBM's text format, trimmed to the best
iteration) and ``metadata.json`` (feature schema, calibration, score bands, training
parameters). Both are byte-for-byte deterministic for a given seed and data; reports and
plots written next to them (model card, PNGs, timings) are not part of the artifact.
The version name is a hash of the two files' content, so the same training run always
yields the same version and a different model can never reuse a name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from services.returns_decision.engines.risk.errors import ModelArtifactError

FORMAT_VERSION: Final = 1
MODEL_FILE: Final = "model.txt"
METADATA_FILE: Final = "metadata.json"


@dataclass(frozen=True)
class ModelMetadata:
    name: str
    version: str
    task: str  # what the label means, e.g. "fraud" or "wardrobing"
    feature_schema: dict[
        str, Any
    ]  # services.returns_decision.engines.risk.features.FeatureSchema.to_json()
    schema_fingerprint: str
    calibration: dict[str, Any]  # calibration.calibrator_from_json() reads it
    bands: dict[str, float]  # bands.ScoreBands.from_json() reads it
    training: dict[str, Any]  # parameters, seed, data fingerprint, split sizes, metrics
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "name": self.name,
            "version": self.version,
            "task": self.task,
            "feature_schema": self.feature_schema,
            "schema_fingerprint": self.schema_fingerprint,
            "calibration": self.calibration,
            "bands": self.bands,
            "training": self.training,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelMetadata:
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelArtifactError(
                f"metadata format_version {data.get('format_version')!r} is not supported "
                f"(this code reads {FORMAT_VERSION})"
            )
        expected = {
            "name": str,
            "version": str,
            "task": str,
            "feature_schema": dict,
            "schema_fingerprint": str,
            "calibration": dict,
            "bands": dict,
            "training": dict,
        }
        for key, kind in expected.items():
            if not isinstance(data.get(key), kind):
                raise ModelArtifactError(f"metadata field {key!r} missing or not a {kind.__name__}")
        return cls(
            name=data["name"],
            version=data["version"],
            task=data["task"],
            feature_schema=data["feature_schema"],
            schema_fingerprint=data["schema_fingerprint"],
            calibration=data["calibration"],
            bands=data["bands"],
            training=data["training"],
        )


def dumps(data: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, fixed indentation, so equal content gives equal bytes."""
    return json.dumps(data, sort_keys=True, indent=2, allow_nan=False) + "\n"


def content_version(model_text: str, metadata: ModelMetadata) -> str:
    """Version name from the content (metadata hashed with its version field blanked)."""
    blank = ModelMetadata(**{**metadata.__dict__, "version": ""})
    digest = hashlib.sha256(model_text.encode())
    digest.update(dumps(blank.to_json()).encode())
    return "v" + digest.hexdigest()[:12]


def write_artifact(directory: Path, model_text: str, metadata: ModelMetadata) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MODEL_FILE).write_text(model_text, encoding="utf-8")
    (directory / METADATA_FILE).write_text(dumps(metadata.to_json()), encoding="utf-8")


def read_metadata(directory: Path) -> ModelMetadata:
    path = directory / METADATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtifactError(f"{path}: missing") from None
    except (OSError, ValueError) as exc:
        raise ModelArtifactError(f"{path}: unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise ModelArtifactError(f"{path}: expected a JSON object")
    return ModelMetadata.from_json(data)
