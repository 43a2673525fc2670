from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from models.triage.datasets import DEFAULT_DATA_DIR, load_umsab
from services.triage.engines.text_features import (
    WORD_PATTERN,
    CharWordTfidf,
    FastTfidf,
    LexiconFeatures,
    normalize_social_text,
)


@pytest.mark.parametrize(
    "vectorizer",
    [
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 5), min_df=2, max_df=0.5, sublinear_tf=True,
            preprocessor=normalize_social_text,
        ),
        TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
            preprocessor=normalize_social_text, token_pattern=WORD_PATTERN,
        ),
        TfidfVectorizer(analyzer="word"),
    ],
)  # fmt: skip
def test_fast_tfidf_matches_scikit_learn(vectorizer: TfidfVectorizer) -> None:
    train = load_umsab(DEFAULT_DATA_DIR, "french", "train").texts[:400]
    texts = [*load_umsab(DEFAULT_DATA_DIR, "french", "val").texts[:100], "", "🙂", "zzzzqqq"]
    vectorizer.fit(train)
    expected = vectorizer.transform(texts).toarray()
    np.testing.assert_allclose(
        FastTfidf(vectorizer).transform(texts).toarray(), expected, atol=1e-12
    )


def test_normalisation_masks_identifiers() -> None:
    text = "@Shop order 123456789 for bob@example.com NOOOOOO http://x.co/a"
    assert normalize_social_text(text) == "@user order  000  for  email  nooo  http "


def _char_word() -> CharWordTfidf:
    return CharWordTfidf(
        char=TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, max_df=0.5,
                             sublinear_tf=True, preprocessor=normalize_social_text),
        word=TfidfVectorizer(analyzer="word", min_df=2, preprocessor=normalize_social_text,
                             token_pattern=WORD_PATTERN),
    )  # fmt: skip


def test_char_word_tfidf_stacks_both_vectorizers() -> None:
    train = load_umsab(DEFAULT_DATA_DIR, "italian", "train").texts[:300]
    texts = [*train[:20], "", "🙂 ok", "zzzzqqq"]
    pair = _char_word().fit(train)
    expected = np.hstack(
        [pair.char.transform(texts).toarray(), pair.word.transform(texts).toarray()]
    )
    assert pair.n_features == expected.shape[1]
    np.testing.assert_allclose(pair.transform(texts).toarray(), expected, atol=1e-12)
    rows, columns, values = pair.entries(texts)
    dense = np.zeros_like(expected)
    np.add.at(dense, (rows, columns), values)
    np.testing.assert_allclose(dense, expected, atol=1e-12)


def test_char_word_tfidf_pickles_the_same_bytes_after_use() -> None:
    train = load_umsab(DEFAULT_DATA_DIR, "italian", "train").texts[:300]
    pair = _char_word().fit(train)
    before = pickle.dumps(pair)
    pair.transform(train[:5])  # builds the fast transforms and sklearn's caches
    assert pickle.dumps(pair) == before
    again = pickle.loads(before)
    np.testing.assert_allclose(
        again.transform(train[:5]).toarray(), pair.transform(train[:5]).toarray()
    )


def test_lexicon_features_count_the_words_of_the_texts_language() -> None:
    features = LexiconFeatures({"es": {"feliz": 2.0, "triste": -3.0}})
    out = features.transform(
        ["Muy FELIZ hoy 😀", "feliz pero triste", "feliz", "nada"], ["es", "es", "en", "es"]
    )
    np.testing.assert_allclose(out[0], [2 / np.sqrt(4 + 15), 0.5, 0.0, 1])
    np.testing.assert_allclose(out[1], [-1 / np.sqrt(1 + 15), 0.5, 0.75, 2])
    np.testing.assert_array_equal(out[2], 0.0)  # no English lexicon here
    np.testing.assert_array_equal(out[3], 0.0)
