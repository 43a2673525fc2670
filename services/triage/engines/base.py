"""What every triage engine shares: a name and version, and a typed load error."""

from __future__ import annotations

from pathlib import Path

from services.triage.core.types import ModelVersion
from services.triage.paths import DEFAULT_MODEL_DIR


class ArtifactsMissingError(FileNotFoundError):
    """Model artifacts are absent or were built by an incompatible version.

    The service never trains (training code is not part of serving): the message names
    the directory and the commands that build the artifacts.
    """

    def __init__(self, model_dir: Path, detail: str) -> None:
        super().__init__(
            f"triage model artifacts in {model_dir} are not usable: {detail}. "
            f"The service does not train models: build them with {build_command(model_dir)}."
        )
        self.model_dir = model_dir
        self.detail = detail


def build_command(model_dir: Path) -> str:
    """How to build the artifacts into `model_dir`, as a person would type it."""
    if model_dir.resolve() == DEFAULT_MODEL_DIR.resolve():
        return (
            "`make models` or `python -m models.triage train` (`make run` builds them when absent)"
        )
    return f"`python -m models.triage train --out {model_dir}`"


class EngineNotLoadedError(RuntimeError):
    """`predict()` was called before `load()`."""

    def __init__(self, engine: ModelVersion) -> None:
        super().__init__(f"engine {engine.name} {engine.version} used before load()")
