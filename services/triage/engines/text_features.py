"""Text normalisation and lexicon features shared by training and inference.

Training and serving must turn text into features the same way, so both import this.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_ELONGATION = re.compile(r"(.)\1{3,}")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_LONG_NUMBER = re.compile(r"\d{4,}")


def normalize_social_text(text: str) -> str:
    """Lower-case; mentions, URLs, e-mails and long numbers (order ids) become placeholders.

    Elongations ("soooooo") are cut to three letters so they share n-grams with each other
    but stay distinct from the plain word.
    """
    text = _EMAIL.sub(" email ", text)
    text = _URL.sub(" http ", text)
    text = _MENTION.sub("@user", text)
    text = _LONG_NUMBER.sub(" 000 ", text)
    return _ELONGATION.sub(r"\1\1\1", text.lower())


WORD_PATTERN = r"(?u)\b\w+\b|[^\w\s]"
"""Words plus single punctuation/emoji characters: "!!" and emoji carry sentiment."""


class VaderFeatures:
    """VADER compound, positive and negative scores as three dense features.

    VADER is English, but its emoji/emoticon handling and the many English words in
    tweets of every language make it a useful feature everywhere; the model learns a
    separate weight per language for it.
    """

    n_features = 3

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, text: str) -> float:
        scores: dict[str, float] = self._analyzer.polarity_scores(text)
        return float(scores["compound"])

    def transform(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        out = np.empty((len(texts), self.n_features), dtype=np.float64)
        for i, text in enumerate(texts):
            scores: dict[str, float] = self._analyzer.polarity_scores(text)
            out[i] = (scores["compound"], scores["pos"], scores["neg"])
        return out


def drop_pruned_terms(*vectorizers: object) -> None:
    """Delete what makes a fitted TfidfVectorizer pickle differently on every run.

    `stop_words_` (the terms min_df/max_df pruned) is only there for introspection, is
    large, and is a set, whose pickled order changes with hash randomisation.
    `_stop_words_id` is a memory address cached to skip a re-check; sklearn recomputes it.
    """
    for vectorizer in vectorizers:
        for attribute in ("stop_words_", "_stop_words_id"):
            if hasattr(vectorizer, attribute):
                delattr(vectorizer, attribute)


class FastTfidf:
    """The transform of a fitted TfidfVectorizer, without scikit-learn's per-call overhead.

    sklearn spends ~0.5-0.8 ms per call on validation and sparse bookkeeping, which dwarfs
    the work for one short message. This does the same computation (same analyzer and
    vocabulary, raw counts -> optional 1 + log -> idf -> l2 norm) in a few tens of
    microseconds; tests check it matches the vectorizer's own output.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        params = vectorizer.get_params()
        if params["binary"] or not params["use_idf"] or params["norm"] != "l2":
            raise ValueError("FastTfidf supports binary=False, use_idf=True, norm='l2' only")
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._sublinear = bool(params["sublinear_tf"])
        self.n_features = len(self._vocabulary)

    def entries(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The non-zero TF-IDF values as (entries per text, column indices, values).

        What `transform` returns without building a sparse matrix, which costs more than
        the arithmetic for one short message.
        """
        lengths = np.zeros(len(texts), dtype=np.int64)
        indices: list[npt.NDArray[np.int64]] = []
        values: list[npt.NDArray[np.float64]] = []
        vocabulary = self._vocabulary
        for row, text in enumerate(texts):
            counts = Counter(j for j in map(vocabulary.get, self._analyze(text)) if j is not None)
            if counts:
                idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                if self._sublinear:
                    tf = np.log(tf) + 1.0
                weights = tf * self._idf[idx]
                weights /= np.sqrt(np.dot(weights, weights))
                lengths[row] = len(idx)
                indices.append(idx)
                values.append(weights)
        if not indices:
            return lengths, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return lengths, np.concatenate(indices), np.concatenate(values)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        lengths, indices, values = self.entries(texts)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        return csr_matrix((values, indices, indptr), shape=(len(texts), self.n_features))
