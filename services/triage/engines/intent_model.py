"""The intent classifier: char + word TF-IDF and a logistic regression, blended with a
logistic regression on multilingual sentence embeddings, then calibrated.

Support requests are short and typo-ridden ("wher is my oder"); character n-grams make the
model robust to that. But nearly all of its training text is English: n-grams alone got
0.58-0.75 macro-F1 outside English on team-written messages. The Universal Sentence
Encoder multilingual embedding (the one the sentiment model already computes) maps
"où est ma commande" near "where is my order", so a second model on it carries the English
examples into the other languages; their probabilities are averaged (`blend`).
The "other" class is trained on out-of-scope questions (CLINC150's, and team-written ones
in six languages). Averaging two models
flattens probabilities, so they are sharpened by a temperature fitted on a calibration
split held out of fitting (models/triage/training.py); the model carries the confidence
floor below which the service answers "other" (`min_confidence`, chosen on a development
set: models/triage/README.md), applied in `core.intent`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from services.triage.engines.text_features import (
    CharWordTfidf,
    normalize_social_text,
    shared_sentence_embeddings,
)

FloatArray = npt.NDArray[np.float64]


def _softmax(logits: FloatArray) -> FloatArray:
    logits = logits - logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def _linear_proba(model: LogisticRegression, x: object) -> FloatArray:
    """What LogisticRegression.predict_proba computes, without its per-call input
    validation, which cost about as much as the product itself on one message."""
    if len(model.classes_) == 2:  # binary: one coefficient row and a sigmoid, not softmax
        return np.asarray(model.predict_proba(x), dtype=np.float64)
    logits = np.asarray(x @ model.coef_.T, dtype=np.float64) + np.asarray(
        model.intercept_, dtype=np.float64
    )
    return _softmax(logits)


class IntentClassifier:
    """Multiclass intent model; `classes` gives the column order of `predict_proba`."""

    LAYOUT = 2
    """Shape of the fitted attributes; a pickle of another layout is refused on load.

    1 (no `layout` attribute): TF-IDF model only; 2: plus the sentence-embedding model,
    `temperature` and `min_confidence`."""

    def __init__(
        self,
        c: float = 10.0,
        embedding_c: float = 10.0,
        blend: float = 0.5,
        min_confidence: float = 0.3,
    ) -> None:
        """`blend` is the weight of the n-gram model's probabilities, 1 - `blend` that of
        the sentence-embedding model (1.0: none); `min_confidence` is the calibrated
        best-intent probability under which the answer is "other"."""
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must be within [0, 1], not {blend}")
        self.layout = self.LAYOUT
        self.c = c
        self.embedding_c = embedding_c
        self.blend = blend
        self.min_confidence = min_confidence
        self.temperature = 1.0
        """Calibrated probabilities are the blend's raised to 1 / temperature, renormalised."""
        self._tfidf = CharWordTfidf(
            char=TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                min_df=2,
                sublinear_tf=True,
                preprocessor=normalize_social_text,
                dtype=np.float64,
            ),
            word=TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                sublinear_tf=True,
                preprocessor=normalize_social_text,
                dtype=np.float64,
            ),
        )
        # Balanced weights: the team-written intents have ~50 examples, Bitext ones ~250+.
        self._model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        self._embedding_model: LogisticRegression | None = None
        self.classes: tuple[str, ...] = ()

    @property
    def uses_embeddings(self) -> bool:
        """Whether `predict_proba` needs the texts' sentence embeddings."""
        return self.blend < 1.0

    def _embeddings(self, texts: Sequence[str], embeddings: FloatArray | None) -> FloatArray:
        if embeddings is None:
            return shared_sentence_embeddings().transform(texts)
        if embeddings.shape[0] != len(texts):
            raise ValueError("texts and embeddings differ in length")
        return embeddings

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: FloatArray | None = None,
    ) -> IntentClassifier:
        """Fit both models; `embeddings` (the texts' sentence embeddings) are computed
        when not given."""
        y = np.asarray(labels)
        self._model.fit(self._tfidf.fit(texts).transform(texts), y)
        self.classes = tuple(str(c) for c in self._model.classes_)
        self._embedding_model = None
        if self.uses_embeddings:
            model = LogisticRegression(C=self.embedding_c, max_iter=3000, class_weight="balanced")
            model.fit(self._embeddings(texts, embeddings), y)
            self._embedding_model = model
        return self

    def raw_proba(self, texts: Sequence[str], embeddings: FloatArray | None = None) -> FloatArray:
        """(n, len(classes)) blended probabilities before calibration."""
        if not self.classes:
            raise RuntimeError("IntentClassifier used before fit()")
        if not texts:
            return np.zeros((0, len(self.classes)))
        probabilities = _linear_proba(self._model, self._tfidf.transform(texts))
        if self._embedding_model is not None:
            embedded = _linear_proba(self._embedding_model, self._embeddings(texts, embeddings))
            probabilities = self.blend * probabilities + (1.0 - self.blend) * embedded
        return probabilities

    def predict_proba(
        self, texts: Sequence[str], embeddings: FloatArray | None = None
    ) -> FloatArray:
        """(n, len(classes)) calibrated probabilities; rows sum to 1."""
        return calibrate(self.raw_proba(texts, embeddings), self.temperature)


def calibrate(probabilities: FloatArray, temperature: float) -> FloatArray:
    """Probabilities raised to 1 / temperature and renormalised (temperature scaling)."""
    if temperature == 1.0:
        return probabilities
    return _softmax(np.log(np.maximum(probabilities, 1e-300)) / temperature)
