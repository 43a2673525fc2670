"""The multilingual sentiment classifier: NB-weighted n-grams plus VADER, blended with a
logistic regression on multilingual sentence embeddings.

Every choice below was made by 5-fold cross-validation on the pooled UMSAB train splits
(`python -m models.triage.evaluation cv`); the val splits are read only by
`python -m models.triage eval`.
- Plain VADER is English-only: macro-F1 ~0.60 on English tweets but 0.28-0.44 elsewhere.
- TF-IDF char (1-5, word-bounded) + word (1-2) n-grams, each scaled by its naive-Bayes
  log-count ratio (NBSVM, Wang & Manning 2012), with one-vs-rest logistic regressions.
- Every n-gram is given twice: once in a block shared by all languages and once in the
  block of the text's own language ("frustratingly easy" domain adaptation, Daume 2007).
  The shared block lets related languages (es/pt/it) share sub-words and emoji evidence;
  the language block lets an n-gram weigh differently in one language without a separate,
  six-times-smaller model. An unlisted language gets the shared block only.
- VADER's compound/pos/neg scores are added the same way (shared + per-language slot), so
  the model learns how much to trust VADER in each language.
- C = 3: with language blocks, C 1 / 3 / 10 gave CV mean 0.621 / 0.624 / 0.620.
- Spanish is also trained on the English, French, Portuguese and Italian train tweets
  machine-translated into Spanish by Apertium (`models.triage.translations`), with their
  labels. Those rows train the Spanish block only: in the shared block too they cost the
  other languages (en -0.010, fr -0.014; mean 0.620)*. In CV a translation always sits in
  the fold of the tweet it translates, or it would leak that tweet's label.
- Four lexicon features (`LexiconFeatures`) from VADER's lexicon translated word by word
  into es, fr, pt and it, added like VADER's (shared + per-language slot).
CV macro-F1 (en es fr pt it de, mean), before (no translations, no lexicon) -> this:
  seed 0: .635 .556 .625 .607 .634 .680 (.623) -> .634 .574 .630 .608 .628 .679 (.625)
  seed 1: .630 .546 .612 .605 .615 .677 (.614) -> .633 .576 .619 .603 .625 .676 (.622)
  seed 2: .627 .550 .629 .611 .635 .683 (.623) -> .632 .592 .631 .607 .634 .678 (.629)
  translations alone: seed 0 .573 es (.624 mean), seed 1 .572 (.618), seed 2 .583 (.626);
  the lexicon on top: +0.001 / +0.004 / +0.003 mean, fr +0.005..+0.008 on every seed.
On val (324 tweets a language, measured once after these choices) the change did not
show: es 0.594 -> 0.576, pt 0.582 -> 0.584, it 0.603 -> 0.589, fr 0.634 -> 0.618, de
0.722 -> 0.710 (German, which neither change is aimed at, moved by 0.012: val differences
of this size are noise; CV, on 5.7 times more tweets, is the better estimate).
What CV rejected (not used): per-language class-prior / neutral-band offsets on the
log-probabilities (tuned on four folds' out-of-fold predictions, applied to the fifth:
+0.001 with a neutral offset per language, -0.006 with neutral and positive-vs-negative
offsets); averaging or stacking (logistic regression or LightGBM over the probabilities
plus length/punctuation/emoji features) with per-language-only models, plain TF-IDF LR,
a linear SVM, char-only and word-only models (0.619-0.626, no gain); an ordinal
(cumulative) decomposition (0.563); the VADER ground truth as extra English data (no gain
outside English); accent stripping, negation marking, char (not word-bounded) n-grams,
min_df 2 for words (all within +-0.007); class_weight="balanced" in the one-vs-rest fits
(0.623 against 0.624: the data has 613 tweets per language and class). With the
translations (seed 0 unless said): translating between all five Apertium languages
(through Spanish where no direct pair exists; 5x the rows, 300 s a CV run) or from
Spanish into each other language (pt 0.597-0.603, it 0.623-0.630: Apertium into pt/it/fr
does not help them)*; round-trip paraphrases (X -> es -> X) as extra rows of each language
(mean 0.617); a block shared by es/pt/it/fr (0.620); scaling the language blocks against
the shared one by 0.7 or 1.4 (0.623, 0.620); naive-Bayes ratios normalised per block, or
vectorizers fitted on the original tweets only (seed 2: 0.626, 0.625 against 0.626).
Not adopted though CV liked it: VADER on each tweet's Apertium translation into English as
three more features (seed 0 mean 0.632; fr +0.037, es +0.017, it +0.009, pt -0.003)*,
which would put Apertium in the request path of the triage service. Re-measured with
per-tweet translations, seeds 0/1/2 averaged: en .636 es .594 fr .660 pt .610 it .640 de
.675 (mean .636 against .625), still es < 0.60; blending in an English model trained on
all tweets translated into English and a Spanish one on the Spanish translations gave es
.599 with weights chosen on four folds and applied to the fifth. The cost: 2 ms (es->en)
to 6-8 ms (it->es->en) of Apertium per message and four resident pipelines. Rejected on
seed 0: the translation's n-grams through the English or the Spanish block (.621-.631),
a second translation through Catalan, the translated lexicon on the Spanish translation.
(* with a first, line-by-line translation in which Apertium could move words across tweet
boundaries; the adopted per-tweet translation gave Spanish 0.573 where that one gave 0.579.)
Spanish stayed under 0.60 in CV with all of the above; what it lacked was pretrained
multilingual knowledge, which a sentence encoder brings:
- A second model: multinomial logistic regression (C 0.3, chosen among 0.1 / 0.3 / 1) on
  the 512-d Universal Sentence Encoder multilingual v3 embedding of each original tweet
  (`text_features.SentenceEmbeddings`), again in a shared and a per-language block. The
  Apertium translations are left out of it: their embeddings sit close to the originals'.
- Its probabilities are blended with the n-gram model's: 0.6 embedding, 0.4 n-gram. The
  weight chosen on four folds' out-of-fold predictions and applied to the fifth was 0.4
  in 12 of 15 folds (seeds 0-2).
CV macro-F1 (en es fr pt it de, mean), n-gram model alone (above) -> blend:
  seed 0: .634 .574 .630 .608 .628 .679 (.625) -> .665 .616 .669 .638 .664 .716 (.661)
  seed 1: .633 .576 .619 .603 .625 .676 (.622) -> .671 .627 .665 .636 .664 .716 (.663)
  seed 2: .632 .592 .631 .607 .634 .678 (.629) -> .677 .620 .667 .629 .664 .713 (.662)
Rejected: the embeddings as 512 more features of the n-gram model (shared block: seed 0
mean .652, es .609; shared and language blocks: .653); multilingual-e5-small embeddings
as such features (seed 0 mean .671, es .620, about the blend's) at 26-42 ms a message on
this machine's two cores against USE's ~2 ms, and 13 minutes to embed the training set.
At inference the NB ratios are folded into the weights, so a batch costs two TF-IDF
vectorisations, VADER, the lexicon look-ups, a gather of the shared and the language's
weight rows, and one sentence-encoder pass per text (most of the time: 2-3 ms a tweet).
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
    SentenceEmbeddings,
    VaderFeatures,
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


@cache
def _sentence_embeddings() -> SentenceEmbeddings:
    # One encoder per process (~100 MB of weights), never pickled with the model.
    return SentenceEmbeddings()


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
        left out: in CV they did not help it (their embeddings are close to the originals')."""
        rows = np.arange(len(texts)) if shared is None else np.flatnonzero(shared)
        embeddings = _sentence_embeddings().transform([texts[i] for i in rows.tolist()])
        model = LogisticRegression(C=self.embedding_c, max_iter=3000)
        model.fit(embedding_blocks(embeddings, slots[rows], len(self.languages)), labels[rows])
        if model.classes_.tolist() != list(range(len(CLASSES))):
            raise ValueError("the sentence-embedding model needs examples of every class")
        width = embeddings.shape[1]
        self._embedding_weights = np.ascontiguousarray(
            model.coef_.T.reshape(1 + len(self.languages), width, len(CLASSES)), dtype=np.float64
        )
        self._embedding_bias = np.asarray(model.intercept_, dtype=np.float64)

    def _embedding_proba(self, texts: Sequence[str], slots: npt.NDArray[np.int64]) -> FloatArray:
        """(n, 3) probabilities of the sentence-embedding model."""
        if self._embedding_weights is None or self._embedding_bias is None:
            raise RuntimeError("SentimentClassifier has no sentence-embedding model")
        embeddings = _sentence_embeddings().transform(texts)
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

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> FloatArray:
        """(n, 3) probabilities in CLASSES order; rows sum to 1.

        The n-gram model's normalised one-vs-rest probabilities, blended with the
        sentence-embedding model's (weights `blend` and 1 - `blend`) when it has one.
        """
        scores = 1.0 / (1.0 + np.exp(-self.decision_function(texts, languages)))
        probabilities = scores / scores.sum(axis=1, keepdims=True)
        if self.blend < 1.0:
            embedded = self._embedding_proba(texts, _slots(languages, self.languages))
            probabilities = self.blend * probabilities + (1.0 - self.blend) * embedded
        return np.asarray(probabilities, dtype=np.float64)
