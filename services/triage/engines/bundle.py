"""All triage engines together: what a service worker loads once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.triage.core.types import ModelVersion
from services.triage.engines.artifacts import artifacts_present
from services.triage.engines.intent import IntentEngine
from services.triage.engines.language import TriageLanguageDetector
from services.triage.engines.sentiment import SentimentEngine
from services.triage.paths import DEFAULT_MODEL_DIR


@dataclass(frozen=True, slots=True)
class TriageEngines:
    """Loaded, ready-to-predict engines."""

    language: TriageLanguageDetector
    sentiment: SentimentEngine
    intent: IntentEngine

    @classmethod
    def load(cls, model_dir: Path = DEFAULT_MODEL_DIR) -> TriageEngines:
        """Load every engine; raises ArtifactsMissingError (with the fix) if not built."""
        sentiment = SentimentEngine(model_dir)
        sentiment.load()
        intent = IntentEngine(model_dir)
        intent.load()
        language = TriageLanguageDetector()
        language.load()
        return cls(language=language, sentiment=sentiment, intent=intent)

    @property
    def versions(self) -> dict[str, ModelVersion]:
        """Registry of the loaded models keyed by engine name (for metrics and replies)."""
        return {e.model.name: e.model for e in (self.language, self.sentiment, self.intent)}


def ensure_artifacts(
    model_dir: Path = DEFAULT_MODEL_DIR,
    data_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> bool:
    """Build the artifacts into `model_dir` if they are absent; True if it built them.

    Training takes a minute or two on two cores and is deterministic. Call this at start-up
    in the parent process, before forking workers, so that they do not all train at once.
    """
    if artifacts_present(model_dir):
        return False
    # Imported here: the service only needs the training code when it must build.
    from models.triage.training import train_all

    train_all(model_dir, data_dir=data_dir, progress=progress)
    return True
