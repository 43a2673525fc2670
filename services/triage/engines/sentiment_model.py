"""The multilingual sentiment classifier: NB-weighted n-grams plus VADER, blended with a
logistic regression on multilingual sentence embeddings.

Why this shape (the data, what else was tried, and the cross-validation figures behind
each choice: models/triage/README.md):
- 1,839 labelled tweets a language are too few for six good separate models, and plain
  VADER reads only English. So one model serves every language: each n-gram (char 1-5
  word-bounded and word 1-2 TF-IDF, scaled by its naive-Bayes log-count ratio) is given
  twice, in a block shared by all languages and in the block of the text's own language.
  Related languages share evidence, yet an n-gram can weigh differently in one of them;
  an unlisted language gets the shared block only.
- VADER's scores and the lexicon features (VADER's lexicon translated into es, fr, pt,
  it) enter the same way, so the model learns how far to trust them in each language.
- Machine translations of other languages' tweets (`fit(..., shared=...)`) train their
  target language's block only.
- What the tweets cannot teach (that "me encanta" and "adoro" mean much the same) comes
  from a pretrained multilingual sentence encoder: a second model on its embeddings,
  whose probabilities are blended with the n-gram model's.
At inference the NB ratios are folded into the weights, so a batch costs two TF-IDF
vectorisations, VADER, the lexicon look-ups, a gather of the shared and the language's
weight rows, and one sentence-encoder pass over the batch (most of the time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from services.triage.engines.text_features import (
    WORD_PATTERN,
    CharWordTfidf,
    LexiconFeatures,
    VaderFeatures,
    normalize_social_text,
    shared_sentence_embeddings,
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


def embedding_blocks(
    embeddings: FloatArray, slots: npt.NDArray[np.int64], n_languages: int
) -> FloatArray:
    """[e | e in the block of each row's language]: shape (n, (1 + n_languages) * width).

    The dense counterpart of `augment_by_language`; a row with slot 0 has the shared block
    only.
    """
    n, width = embeddings.shape
    out = np.zeros((n, (1 + n_languages) * width), dtype=np.float64)
    out[:, :width] = embeddings
    for row, slot in enumerate(slots.tolist()):
        if slot:
            out[row, slot * width : (slot + 1) * width] = embeddings[row]
    return out


def _nb_log_ratio(x: csr_matrix, positive: npt.NDArray[np.bool_], alpha: float = 1.0) -> FloatArray:
    """Naive-Bayes log-count ratio of each feature for one class against the rest."""
    present = (x > 0).astype(np.float64)
    p = np.asarray(present[positive].sum(axis=0)).ravel() + alpha
    q = np.asarray(present[~positive].sum(axis=0)).ravel() + alpha
    return np.asarray(np.log((p / p.sum()) / (q / q.sum())), dtype=np.float64)


def _slots(languages: Sequence[str], known: Sequence[str]) -> npt.NDArray[np.int64]:
    """Block of each text: 1 + the index of its language in `known`, 0 when unlisted."""
    slot = {code: i + 1 for i, code in enumerate(known)}
    return np.fromiter((slot.get(code, 0) for code in languages), np.int64, len(languages))


def augment_by_language(
    x: csr_matrix,
    slots: npt.NDArray[np.int64],
    n_languages: int,
    shared: npt.NDArray[np.bool_] | None = None,
) -> csr_matrix:
    """[x | x in the block of each row's language]: shape (n, (1 + n_languages) * width).

    Block 0 is shared by every row (or only by the rows where `shared` is true); a row with
    slot s > 0 also has its features copied into block s. A row with slot 0 (unlisted
    language) has the shared block only.
    """
    x = csr_matrix(x)
    width = x.shape[1]
    counts = np.diff(x.indptr)
    keep = np.repeat(slots > 0, counts)
    shifted = csr_matrix(
        (
            x.data * keep,
            x.indices + np.repeat(slots * width, counts),
            x.indptr,
        ),
        shape=(x.shape[0], (1 + n_languages) * width),
    )
    in_shared = x.data if shared is None else x.data * np.repeat(shared, counts)
    out = csr_matrix(csr_matrix((in_shared, x.indices, x.indptr), shape=shifted.shape) + shifted)
    out.eliminate_zeros()
    return out


class SentimentClassifier:
    """Three-class (negative, neutral, positive) classifier over several languages."""

    LAYOUT = 4
    """Shape of the fitted attributes; a pickle of another layout is refused on load.

    1: one weight matrix shared by all languages; 2: shared + per-language weight blocks;
    3: as 2, with the vectorizers in one `CharWordTfidf`; 4: as 3, plus a sentence-embedding
    model whose probabilities are blended with the n-gram model's.
    """

    def __init__(
        self,
        languages: Sequence[str],
        c: float = 3.0,
        lexicons: Mapping[str, Mapping[str, float]] | None = None,
        blend: float = 1.0,
        embedding_c: float = 0.3,
    ) -> None:
        """`blend` is the weight of the n-gram model's probabilities, 1 - `blend` that of
        the sentence-embedding model (1.0: no embedding model); `embedding_c` is the
        latter's inverse regularisation strength."""
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must be within [0, 1], not {blend}")
        self.layout = self.LAYOUT
        self.languages = tuple(languages)
        self.c = c
        self.blend = blend
        self.embedding_c = embedding_c
        self._lexicon = LexiconFeatures(lexicons or {})
        self._tfidf = CharWordTfidf(
            char=TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(1, 5),
                min_df=2,
                max_df=0.5,
                sublinear_tf=True,
                preprocessor=normalize_social_text,
                dtype=np.float64,
            ),
            word=TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                min_df=1,
                max_df=0.5,
                sublinear_tf=True,
                preprocessor=normalize_social_text,
                token_pattern=WORD_PATTERN,
                dtype=np.float64,
            ),
        )
        self._text_weights: FloatArray | None = None
        """(n_text_features, 3): the shared block's weights."""
        self._language_rows: npt.NDArray[np.int32] | None = None
        """(n_languages, n_text_features): row of `_language_weights` of each n-gram in each
        language, -1 where the language's block has no weight for it (never seen there)."""
        self._language_weights: FloatArray | None = None
        """(rows, 3): the non-zero rows of every language's block, stacked."""
        self._dense_weights: FloatArray | None = None
        self._bias: FloatArray | None = None
        self._embedding_weights: FloatArray | None = None
        """(1 + n_languages, 512, 3): the shared block's, then each language's weights of the
        sentence-embedding model (None when `blend` is 1)."""
        self._embedding_bias: FloatArray | None = None

    def _dense_features(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        slots: npt.NDArray[np.int64],
        shared: npt.NDArray[np.bool_] | None = None,
    ) -> FloatArray:
        """VADER scores and lexicon features in the shared slot (where `shared`) and in the
        slot of the text's language."""
        dense = np.hstack(
            [
                _vader().transform(texts) * VADER_SCALE,
                self._lexicon.transform(texts, languages),
            ]
        )
        width = dense.shape[1]
        out = np.zeros((len(texts), width * (1 + len(self.languages))), dtype=np.float64)
        out[:, :width] = dense if shared is None else dense * shared[:, None]
        for row, slot in enumerate(slots.tolist()):
            if slot:
                out[row, slot * width : (slot + 1) * width] = dense[row]
        return out

    def fit(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        labels: npt.NDArray[np.int64],
        shared: npt.NDArray[np.bool_] | None = None,
    ) -> SentimentClassifier:
        """Fit on texts with their language codes and labels 0/1/2 (see CLASSES).

        `shared` (default: every row) marks the rows that also train the shared block;
        machine translations train their target language's block only.
        """
        if shared is not None and len(shared) != len(texts):
            raise ValueError("shared and texts differ in length")
        slots = _slots(languages, self.languages)
        x = self._tfidf.fit(texts).transform(texts)
        width = x.shape[1]
        augmented = augment_by_language(x, slots, len(self.languages), shared)
        dense = csr_matrix(self._dense_features(texts, languages, slots, shared))
        text_weights = np.zeros((augmented.shape[1], len(CLASSES)))
        dense_weights = np.zeros((dense.shape[1], len(CLASSES)))
        bias = np.zeros(len(CLASSES))
        for k in range(len(CLASSES)):
            positive = labels == k
            ratio = _nb_log_ratio(augmented, positive)
            features = hstack([augmented.multiply(ratio).tocsr(), dense]).tocsr()
            # liblinear's dual solver: the same L2 logistic regression as lbfgs (but for a
            # lightly regularised intercept) in seconds rather than minutes on ~1.7M
            # columns; its coordinate order is seeded, so the result is reproducible.
            model = LogisticRegression(
                C=self.c, solver="liblinear", dual=True, max_iter=1000, random_state=0
            )
            model.fit(features, positive.astype(np.int64))
            coef = model.coef_.ravel()
            # Fold the NB scaling into the weights: (x * r) @ w == x @ (r * w).
            text_weights[:, k] = ratio * coef[: augmented.shape[1]]
            dense_weights[:, k] = coef[augmented.shape[1] :]
            bias[k] = float(model.intercept_[0])
        # A language block is zero but for the n-grams seen in that language: keep only
        # those rows, found through a lookup, so that scoring is a gather, not a sparse product.
        self._text_weights = text_weights[:width].copy()
        lookup = np.full((len(self.languages), width), -1, dtype=np.int32)
        blocks: list[FloatArray] = []
        offset = 0
        for i in range(len(self.languages)):
            block = text_weights[(i + 1) * width : (i + 2) * width]
            used = np.flatnonzero(np.any(block != 0.0, axis=1))
            lookup[i, used] = np.arange(offset, offset + len(used), dtype=np.int32)
            blocks.append(block[used])
            offset += len(used)
        self._language_rows = lookup
        self._language_weights = np.vstack(blocks)
        self._dense_weights, self._bias = dense_weights, bias
        self._embedding_weights = self._embedding_bias = None
        if self.blend < 1.0:
            self._fit_embedding_model(texts, slots, labels, shared)
        return self

    def _fit_embedding_model(
        self,
        texts: Sequence[str],
        slots: npt.NDArray[np.int64],
        labels: npt.NDArray[np.int64],
        shared: npt.NDArray[np.bool_] | None,
    ) -> None:
        """A multinomial logistic regression on the texts' sentence embeddings, each in the
        shared block and in its language's block. Machine translations (not `shared`) are
        left out: their embeddings are close to the originals'."""
        rows = np.arange(len(texts)) if shared is None else np.flatnonzero(shared)
        embeddings = shared_sentence_embeddings().transform([texts[i] for i in rows.tolist()])
        model = LogisticRegression(C=self.embedding_c, max_iter=3000)
        model.fit(embedding_blocks(embeddings, slots[rows], len(self.languages)), labels[rows])
        if model.classes_.tolist() != list(range(len(CLASSES))):
            raise ValueError("the sentence-embedding model needs examples of every class")
        width = embeddings.shape[1]
        self._embedding_weights = np.ascontiguousarray(
            model.coef_.T.reshape(1 + len(self.languages), width, len(CLASSES)), dtype=np.float64
        )
        self._embedding_bias = np.asarray(model.intercept_, dtype=np.float64)

    @property
    def uses_embeddings(self) -> bool:
        """Whether `predict_proba` needs the texts' sentence embeddings."""
        return self.blend < 1.0

    def _embedding_proba(
        self,
        texts: Sequence[str],
        slots: npt.NDArray[np.int64],
        embeddings: FloatArray | None = None,
    ) -> FloatArray:
        """(n, 3) probabilities of the sentence-embedding model; `embeddings` are the
        texts' (computed when not given)."""
        if self._embedding_weights is None or self._embedding_bias is None:
            raise RuntimeError("SentimentClassifier has no sentence-embedding model")
        if embeddings is None:
            embeddings = shared_sentence_embeddings().transform(texts)
        elif embeddings.shape[0] != len(texts):
            raise ValueError("texts and embeddings differ in length")
        logits = embeddings @ self._embedding_weights[0] + self._embedding_bias
        own = np.flatnonzero(slots > 0)
        logits[own] += np.einsum("nd,ndk->nk", embeddings[own], self._embedding_weights[slots[own]])
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return np.asarray(
            probabilities / probabilities.sum(axis=1, keepdims=True), dtype=np.float64
        )

    def decision_function(self, texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
        """(n, 3) one-vs-rest logits in CLASSES order."""
        if (
            self._text_weights is None
            or self._language_rows is None
            or self._language_weights is None
            or self._dense_weights is None
            or self._bias is None
        ):
            raise RuntimeError("SentimentClassifier used before fit()")
        slots = _slots(languages, self.languages)
        row_of_entry, column, value = self._tfidf.entries(texts)
        contributions = value[:, None] * self._text_weights[column]
        slot_of_entry = slots[row_of_entry]
        own = np.flatnonzero(slot_of_entry > 0)
        found = self._language_rows[slot_of_entry[own] - 1, column[own]]
        hit = found >= 0
        own, found = own[hit], found[hit]
        contributions[own] += value[own, None] * self._language_weights[found]
        logits = np.stack(
            [
                np.bincount(row_of_entry, weights=contributions[:, k], minlength=len(texts))
                for k in range(len(CLASSES))
            ],
            axis=1,
        )
        return np.asarray(
            logits
            + self._dense_features(texts, languages, slots) @ self._dense_weights
            + self._bias,
            dtype=np.float64,
        )

    def predict_proba(
        self,
        texts: Sequence[str],
        languages: Sequence[str],
        embeddings: FloatArray | None = None,
    ) -> FloatArray:
        """(n, 3) probabilities in CLASSES order; rows sum to 1.

        The n-gram model's normalised one-vs-rest probabilities, blended with the
        sentence-embedding model's (weights `blend` and 1 - `blend`) when it has one.
        `embeddings`: the texts' sentence embeddings, when the caller already has them.
        """
        scores = 1.0 / (1.0 + np.exp(-self.decision_function(texts, languages)))
        probabilities = scores / scores.sum(axis=1, keepdims=True)
        if self.blend < 1.0:
            embedded = self._embedding_proba(texts, _slots(languages, self.languages), embeddings)
            probabilities = self.blend * probabilities + (1.0 - self.blend) * embedded
        return np.asarray(probabilities, dtype=np.float64)
