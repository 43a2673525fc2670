from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

from models.triage.datasets import DEFAULT_DATA_DIR, load_umsab
from services.triage.engines.text_features import (
    WORD_PATTERN,
    FastTfidf,
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
