"""The multilingual sentiment classifier: NB-weighted n-grams plus VADER, one linear model.

Why this design (measured on UMSAB, see models/triage and `python -m models.triage eval`):
- Plain VADER is English-only: macro-F1 ~0.60 on English tweets but 0.28-0.44 elsewhere.
- TF-IDF char (1-5, word-bounded) + word (1-2) n-grams with a linear model reach ~0.57-0.68
  per language; one model trained on all six languages pooled is as good as six models and
  lets related languages (es/pt/it) share sub-words and emoji evidence.
- Scaling each n-gram by its naive-Bayes log-count ratio (NBSVM, Wang & Manning 2012)
  before the linear model gave the best worst-language score of what we tried (plain
  TF-IDF LR, linear SVM, per-language models, lexicon projection through Tatoeba,
  pseudo-labelled parallel sentences).
- VADER's compound/pos/neg scores are added twice: once shared by all languages and once
  in a per-language slot, so the model learns how much to trust VADER in each language and
  an unlisted language still gets the shared weight.
One-vs-rest logistic regressions give three scores that are normalised to probabilities.
Where it stands (UMSAB val, trained on train only): en 0.68, es 0.61, fr 0.62, pt 0.60,
it 0.59, de 0.68, against plain VADER at 0.28-0.61. That is about the ceiling of n-gram
models on ~1,800 tweets a language; reaching >= 0.65 everywhere needs pretrained
multilingual knowledge (a sentence encoder) or more labelled data.
At inference the NB ratios are folded into the weights, so a batch costs two sparse
vectorisations, VADER, and one sparse matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from services.triage.engines.text_features import (
    WORD_PATTERN,
    FastTfidf,
    VaderFeatures,
    drop_pruned_terms,
    normalize_social_text,
)

FloatArray = npt.NDArray[np.float64]

CLASSES: tuple[str, str, str] = ("negative", "neutral", "positive")
"""Column order of `predict_proba`."""

VADER_SCALE = 2.0
"""VADER features are multiplied by this so that they are not drowned by ~250k n-grams."""


@cache
def _vader() -> VaderFeatures:
    # One analyzer per process, never pickled with the model.
    return VaderFeatures()


def _nb_log_ratio(x: csr_matrix, positive: npt.NDArray[np.bool_], alpha: float = 1.0) -> FloatArray:
    """Naive-Bayes log-count ratio of each feature for one class against the rest."""
    present = (x > 0).astype(np.float64)
    p = np.asarray(present[positive].sum(axis=0)).ravel() + alpha
    q = np.asarray(present[~positive].sum(axis=0)).ravel() + alpha
    return np.asarray(np.log((p / p.sum()) / (q / q.sum())), dtype=np.float64)


class SentimentClassifier:
    """Three-class (negative, neutral, positive) classifier over several languages."""

    def __init__(self, languages: Sequence[str], c: float = 1.0) -> None:
        self.languages = tuple(languages)
        self.c = c
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 5),
            min_df=2,
            max_df=0.5,
            sublinear_tf=True,
            preprocessor=normalize_social_text,
            dtype=np.float64,
        )
        self._word = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            min_df=1,
            max_df=0.5,
            sublinear_tf=True,
            preprocessor=normalize_social_text,
            token_pattern=WORD_PATTERN,
            dtype=np.float64,
        )
        self._fast: tuple[FastTfidf, FastTfidf] | None = None
        self._text_weights: FloatArray | None = None
        self._dense_weights: FloatArray | None = None
        self._bias: FloatArray | None = None

    def _dense_features(self, texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
        """VADER scores in the shared slot and in the slot of the text's language."""
        vader = _vader().transform(texts) * VADER_SCALE
        width = VaderFeatures.n_features
        out = np.zeros((len(texts), width * (1 + len(self.languages))), dtype=np.float64)
        out[:, :width] = vader
        slot = {code: i + 1 for i, code in enumerate(self.languages)}
        for row, code in enumerate(languages):
            i = slot.get(code)
            if i is not None:
                out[row, i * width : (i + 1) * width] = vader[row]
        return out

    def __getstate__(self) -> dict[str, object]:
        # The fast transforms hold closures; they are rebuilt from the vectorizers on load.
        return {**self.__dict__, "_fast": None}

    def _text_features(self, texts: Sequence[str]) -> csr_matrix:
        if self._fast is None:
            self._fast = (FastTfidf(self._char), FastTfidf(self._word))
        char, word = self._fast
        return csr_matrix(hstack([char.transform(texts), word.transform(texts)], format="csr"))

    def fit(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        labels: npt.NDArray[np.int64],
    ) -> SentimentClassifier:
        """Fit on texts with their language codes and labels 0/1/2 (see CLASSES)."""
        self._char.fit(texts)
        self._word.fit(texts)
        self._fast = None
        x = self._text_features(texts)
        dense = self._dense_features(texts, languages)
        text_weights = np.zeros((x.shape[1], len(CLASSES)))
        dense_weights = np.zeros((dense.shape[1], len(CLASSES)))
        bias = np.zeros(len(CLASSES))
        for k in range(len(CLASSES)):
            positive = labels == k
            ratio = _nb_log_ratio(x, positive)
            features = hstack([x.multiply(ratio).tocsr(), csr_matrix(dense)]).tocsr()
            model = LogisticRegression(C=self.c, max_iter=3000)
            model.fit(features, positive.astype(np.int64))
            coef = model.coef_.ravel()
            # Fold the NB scaling into the weights: (x * r) @ w == x @ (r * w).
            text_weights[:, k] = ratio * coef[: x.shape[1]]
            dense_weights[:, k] = coef[x.shape[1] :]
            bias[k] = float(model.intercept_[0])
        self._text_weights, self._dense_weights, self._bias = text_weights, dense_weights, bias
        drop_pruned_terms(self._char, self._word)
        return self

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
        """(n, 3) probabilities in CLASSES order; rows sum to 1."""
        if self._text_weights is None or self._dense_weights is None or self._bias is None:
            raise RuntimeError("SentimentClassifier used before fit()")
        if not texts:
            return np.zeros((0, len(CLASSES)))
        logits = (
            np.asarray(self._text_features(texts) @ self._text_weights)
            + self._dense_features(texts, languages) @ self._dense_weights
            + self._bias
        )
        scores = 1.0 / (1.0 + np.exp(-logits))
        return np.asarray(scores / scores.sum(axis=1, keepdims=True), dtype=np.float64)
