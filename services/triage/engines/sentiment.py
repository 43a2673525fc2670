"""Sentiment runtime: loads the trained SentimentClassifier and scores batches of text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from services.triage.core.types import ModelVersion
from services.triage.engines.artifacts import SENTIMENT, load_model, read_manifest
from services.triage.engines.base import ArtifactsMissingError, EngineNotLoadedError
from services.triage.engines.sentiment_model import CLASSES, FloatArray, SentimentClassifier

BATCH_TOLERANCE = 1e-6
"""Largest difference between a text's probabilities in a batch and alone: the sentence
encoder works in float32 and a vector's last bits depend on its batchmates (measured at
most 2.8e-7 on the 1,944 UMSAB val texts in six languages, in batches of 32 and 256).
Reported scores are rounded to 4 places: equal, unless a raw score is within 1e-6 of a
rounding boundary, then 1e-4 apart (none of those texts was)."""


class SentimentEngine:
    """Three-class sentiment probabilities for texts in a known language."""

    name = "sentiment-nb-logreg-use"
    classes = CLASSES

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._model: SentimentClassifier | None = None
        self.model = ModelVersion(self.name, "unloaded")

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the model has its own weights for (ISO 639-1)."""
        return self._model.languages if self._model is not None else ()

    def load(self) -> None:
        entry = read_manifest(self.model_dir)[SENTIMENT]
        model = load_model(self.model_dir, entry, SentimentClassifier)
        # Unpickling does not run __init__: a model from before `layout` existed has none.
        layout = getattr(model, "layout", 1)
        if layout != SentimentClassifier.LAYOUT:
            raise ArtifactsMissingError(
                self.model_dir,
                f"{entry.file} has sentiment model layout {layout}, this code reads layout "
                f"{SentimentClassifier.LAYOUT}",
            )
        # One prediction loads the sentence encoder (~1 s) now rather than in a first call.
        model.predict_proba(["ok"], [model.languages[0] if model.languages else "en"])
        self._model = model
        self.model = ModelVersion(self.name, entry.version)

    def predict(self, texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
        """(n, 3) probabilities (negative, neutral, positive); `languages` are ISO 639-1.

        Each row is what the text alone would get, within BATCH_TOLERANCE."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        if len(texts) != len(languages):
            raise ValueError("texts and languages differ in length")
        return self._model.predict_proba(texts, languages)
