"""Intent runtime: loads the trained IntentClassifier and scores batches of text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from services.triage.core.intents import Intent
from services.triage.core.types import ModelVersion
from services.triage.engines.artifacts import INTENT, ArtifactEntry, load_model, read_manifest
from services.triage.engines.base import ArtifactsMissingError, EngineNotLoadedError
from services.triage.engines.intent_model import FloatArray, IntentClassifier


class IntentEngine:
    """Probabilities over the intent taxonomy; `labels` gives the column order."""

    name = "intent-tfidf-logreg"

    def __init__(self, model_dir: Path, entry: ArtifactEntry | None = None) -> None:
        """`entry` names the file in `model_dir` (a registry version); else its manifest does."""
        self.model_dir = model_dir
        self.entry = entry
        self._model: IntentClassifier | None = None
        self.labels: tuple[Intent, ...] = ()
        self.model = ModelVersion(self.name, "unloaded")

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def min_confidence(self) -> float:
        """The model's confidence floor: below it the answer is OTHER (`core.intent`)."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        return self._model.min_confidence

    def load(self) -> None:
        entry = self.entry or read_manifest(self.model_dir)[INTENT]
        model = load_model(self.model_dir, entry, IntentClassifier)
        # Unpickling does not run __init__: a model from before `layout` existed has none.
        layout = getattr(model, "layout", 1)
        if layout != IntentClassifier.LAYOUT:
            raise ArtifactsMissingError(
                self.model_dir,
                f"{entry.file} has intent model layout {layout}, this code reads layout "
                f"{IntentClassifier.LAYOUT}",
            )
        try:
            labels = tuple(Intent(c) for c in model.classes)
        except ValueError as exc:
            # The taxonomy changed since the model was trained: retrain, do not guess.
            raise ArtifactsMissingError(self.model_dir, f"intent model: {exc}") from exc
        self._model, self.labels = model, labels
        self.model = ModelVersion(self.name, entry.version)

    @property
    def uses_embeddings(self) -> bool:
        """Whether `predict` needs the texts' sentence embeddings (computed if not given)."""
        return self._model is not None and self._model.uses_embeddings

    def predict(self, texts: Sequence[str], embeddings: FloatArray | None = None) -> FloatArray:
        """(n, len(labels)) calibrated probabilities; `embeddings`, the texts' sentence
        embeddings when the caller has them (the sentiment model uses the same ones)."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        return self._model.predict_proba(texts, embeddings)
