"""All triage engines together: what a service worker loads once at start-up.

Serving only loads: it never trains. The service loads the registry's active versions
(engines/watcher.py); `TriageEngines.load` loads a plain artifact directory (`python -m
models.triage train --out DIR`) and, without usable artifacts, raises
ArtifactsMissingError, whose message names the directory and the command that builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from services.triage.core.types import ModelVersion
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

    def replacing(self, *, sentiment: SentimentEngine, intent: IntentEngine) -> TriageEngines:
        """The same engines with these models (the language detector is shared)."""
        return replace(self, sentiment=sentiment, intent=intent)

    def warm_up(self) -> None:
        """One prediction through each trained model: run it on the thread that will serve
        them, before they serve (see SentimentEngine.load)."""
        self.sentiment.warm_up()
        self.intent.predict(["ok"])

    @property
    def versions(self) -> dict[str, ModelVersion]:
        """Registry of the loaded models keyed by engine name (for metrics and replies)."""
        return {e.model.name: e.model for e in (self.language, self.sentiment, self.intent)}
