"""Intent runtime: loads the trained IntentClassifier and scores batches of text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from services.triage.core.intents import Intent
from services.triage.core.types import ModelVersion
from services.triage.engines.artifacts import INTENT, load_model, read_manifest
from services.triage.engines.base import ArtifactsMissingError, EngineNotLoadedError
from services.triage.engines.intent_model import FloatArray, IntentClassifier


class IntentEngine:
    """Probabilities over the intent taxonomy; `labels` gives the column order."""

    name = "intent-tfidf-logreg"

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._model: IntentClassifier | None = None
        self.labels: tuple[Intent, ...] = ()
        self.model = ModelVersion(self.name, "unloaded")

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        entry = read_manifest(self.model_dir)[INTENT]
        model = load_model(self.model_dir, entry, IntentClassifier)
        try:
            labels = tuple(Intent(c) for c in model.classes)
        except ValueError as exc:
            # The taxonomy changed since the model was trained: retrain, do not guess.
            raise ArtifactsMissingError(self.model_dir, f"intent model: {exc}") from exc
        self._model, self.labels = model, labels
        self.model = ModelVersion(self.name, entry.version)

    def predict(self, texts: Sequence[str]) -> FloatArray:
        """(n, len(labels)) probabilities."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        return self._model.predict_proba(texts)
