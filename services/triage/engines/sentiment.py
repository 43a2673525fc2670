"""Sentiment runtime: loads the trained SentimentClassifier and scores batches of text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from services.triage.core.types import ModelVersion
from services.triage.engines.artifacts import SENTIMENT, ArtifactEntry, load_model, read_manifest
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

    def __init__(self, model_dir: Path, entry: ArtifactEntry | None = None) -> None:
        """`entry` names the file in `model_dir` (a registry version); else its manifest does."""
        self.model_dir = model_dir
        self.entry = entry
        self._model: SentimentClassifier | None = None
        self.model = ModelVersion(self.name, "unloaded")

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the model has its own weights for (ISO 639-1)."""
        return self._model.languages if self._model is not None else ()

    def load(self, *, warm_up: bool = True) -> None:
        """Loads the model; with `warm_up`, also runs one prediction (see `warm_up`).

        Without it the engine is safe to load on another thread while a loaded engine
        predicts: the sentence encoder both share is then left alone."""
        entry = self.entry or read_manifest(self.model_dir)[SENTIMENT]
        model = load_model(self.model_dir, entry, SentimentClassifier)
        # Unpickling does not run __init__: a model from before `layout` existed has none.
        layout = getattr(model, "layout", 1)
        if layout != SentimentClassifier.LAYOUT:
            raise ArtifactsMissingError(
                self.model_dir,
                f"{entry.file} has sentiment model layout {layout}, this code reads layout "
                f"{SentimentClassifier.LAYOUT}",
            )
        self._model = model
        self.model = ModelVersion(self.name, entry.version)
        if warm_up:
            self.warm_up()

    def warm_up(self) -> None:
        """One prediction: loads the sentence encoder (~1 s, once per process) now rather
        than in a first call, and proves the model predicts."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        languages = self._model.languages
        self._model.predict_proba(["ok"], [languages[0] if languages else "en"])

    @property
    def uses_embeddings(self) -> bool:
        """Whether `predict` needs the texts' sentence embeddings (computed if not given)."""
        return self._model is not None and self._model.uses_embeddings

    def predict(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        embeddings: FloatArray | None = None,
    ) -> FloatArray:
        """(n, 3) probabilities (negative, neutral, positive); `languages` are ISO 639-1;
        `embeddings`, the texts' sentence embeddings when the caller has them.

        Each row is what the text alone would get, within BATCH_TOLERANCE."""
        if self._model is None:
            raise EngineNotLoadedError(self.model)
        if len(texts) != len(languages):
            raise ValueError("texts and languages differ in length")
        return self._model.predict_proba(texts, languages, embeddings)
