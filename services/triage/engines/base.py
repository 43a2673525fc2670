"""What every triage engine shares: a name and version, and a typed load error."""

from __future__ import annotations

from pathlib import Path

from services.triage.core.types import ModelVersion


class ArtifactsMissingError(FileNotFoundError):
    """Model artifacts are absent or were built by an incompatible version.

    The message names the directory and the command that builds the artifacts.
    """

    def __init__(self, model_dir: Path, detail: str) -> None:
        super().__init__(
            f"triage model artifacts in {model_dir} are not usable: {detail}. "
            f"Build them with `python -m models.triage train --out {model_dir}` "
            "(or call services.triage.engines.bundle.ensure_artifacts)."
        )
        self.model_dir = model_dir


class EngineNotLoadedError(RuntimeError):
    """`predict()` was called before `load()`."""

    def __init__(self, engine: ModelVersion) -> None:
        super().__init__(f"engine {engine.name} {engine.version} used before load()")
