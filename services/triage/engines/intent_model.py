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
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from services.triage.engines.text_features import CharWordTfidf, normalize_social_text

FloatArray = npt.NDArray[np.float64]


class IntentClassifier:
    """Multiclass intent model; `classes` gives the column order of `predict_proba`."""

    def __init__(self, c: float = 10.0) -> None:
        self.c = c
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
        self.classes: tuple[str, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        self._model.fit(self._tfidf.fit(texts).transform(texts), np.asarray(labels))
        self.classes = tuple(str(c) for c in self._model.classes_)
        return self

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """(n, len(classes)) probabilities; rows sum to 1."""
        if not self.classes:
            raise RuntimeError("IntentClassifier used before fit()")
        if not texts:
            return np.zeros((0, len(self.classes)))
        if len(self.classes) == 2:  # binary: one coefficient row and a sigmoid, not softmax
            return np.asarray(
                self._model.predict_proba(self._tfidf.transform(texts)), dtype=np.float64
            )
        # What LogisticRegression.predict_proba computes for a multinomial model (softmax of
        # X @ coef.T + intercept), without its per-call input validation, which cost about
        # as much as the product itself on one message.
        logits = np.asarray(
            self._tfidf.transform(texts) @ self._model.coef_.T, dtype=np.float64
        ) + np.asarray(self._model.intercept_, dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits
