"""The intent classifier: char + word TF-IDF and a multinomial logistic regression.

Support requests are short and typo-ridden ("wher is my oder"); character n-grams make the
model robust to that and give some cover for the other Latin-script languages, whose
examples share sub-words with each other ("reembolso", "remboursement", "rimborso").
The "other" class is trained on out-of-scope questions (CLINC150); the decision rule that
also answers "other" below a confidence floor lives in `core.intent`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from services.triage.engines.text_features import (
    FastTfidf,
    drop_pruned_terms,
    normalize_social_text,
)

FloatArray = npt.NDArray[np.float64]


class IntentClassifier:
    """Multiclass intent model; `classes` gives the column order of `predict_proba`."""

    def __init__(self, c: float = 10.0) -> None:
        self.c = c
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            preprocessor=normalize_social_text,
            dtype=np.float64,
        )
        self._word = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            preprocessor=normalize_social_text,
            dtype=np.float64,
        )
        # Balanced weights: the team-written intents have ~50 examples, Bitext ones ~250+.
        self._model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        self._fast: tuple[FastTfidf, FastTfidf] | None = None
        self.classes: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, object]:
        # The fast transforms hold closures; they are rebuilt from the vectorizers on load.
        return {**self.__dict__, "_fast": None}

    def _features(self, texts: Sequence[str]) -> csr_matrix:
        if self._fast is None:
            self._fast = (FastTfidf(self._char), FastTfidf(self._word))
        char, word = self._fast
        return csr_matrix(hstack([char.transform(texts), word.transform(texts)], format="csr"))

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        self._char.fit(texts)
        self._word.fit(texts)
        self._fast = None
        self._model.fit(self._features(texts), np.asarray(labels))
        self.classes = tuple(str(c) for c in self._model.classes_)
        drop_pruned_terms(self._char, self._word)
        return self

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """(n, len(classes)) probabilities; rows sum to 1."""
        if not self.classes:
            raise RuntimeError("IntentClassifier used before fit()")
        if not texts:
            return np.zeros((0, len(self.classes)))
        return np.asarray(self._model.predict_proba(self._features(texts)), dtype=np.float64)
