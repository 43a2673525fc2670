"""The machine-translated sentiment training data and how training and CV use it."""

from __future__ import annotations

import numpy as np
import pytest

from models.triage import evaluation
from models.triage.datasets import DEFAULT_DATA_DIR, UMSAB_LANGUAGES, load_umsab
from models.triage.training import (
    SentimentTrainingData,
    fit_sentiment,
    sentiment_training_data,
)
from models.triage.translations import (
    AUGMENTATION,
    LEXICON_LANGUAGES,
    load_translated_lexicons,
    load_translation,
    translation_path,
)
from services.triage.engines.sentiment_model import SentimentClassifier


def test_committed_translations_are_aligned_with_their_train_tweets() -> None:
    for target, sources in AUGMENTATION.items():
        assert target not in sources
        for source in sources:
            assert translation_path(DEFAULT_DATA_DIR, source, target).is_file()
            translated = load_translation(DEFAULT_DATA_DIR, source, target)
            original = load_umsab(DEFAULT_DATA_DIR, source, "train").texts
            assert len(translated) == len(original)
            assert all(t.strip() for t in translated)
            # Translated, not copied: most tweets changed.
            assert sum(a != b for a, b in zip(translated, original, strict=True)) > 0.9 * len(
                original
            )


def test_translations_are_target_language_rows_with_their_source_labels() -> None:
    n = 20
    data = sentiment_training_data(max_per_language=n)
    plain = sentiment_training_data(max_per_language=n, use_translations=False)
    originals = len(plain.texts)
    assert data.texts[:originals] == plain.texts
    assert data.shared[:originals].all()
    assert not data.shared[originals:].any()
    np.testing.assert_array_equal(data.source[:originals], np.arange(originals))
    expected = sum(len(sources) for sources in AUGMENTATION.values()) * n
    assert len(data.texts) == originals + expected
    for row in range(originals, len(data.texts)):
        source = int(data.source[row])
        assert data.labels[row] == data.labels[source]
        assert data.languages[row] != data.languages[source]
        assert data.languages[row] in {UMSAB_LANGUAGES[t] for t in AUGMENTATION}
    spanish_from_english = load_translation(DEFAULT_DATA_DIR, "english", "spanish")[:n]
    assert data.texts[originals : originals + n] == spanish_from_english


def test_cv_never_trains_on_a_translation_of_a_scored_tweet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fits: list[SentimentTrainingData] = []

    def recording_fit(data: SentimentTrainingData, use_embeddings: bool) -> SentimentClassifier:
        fits.append(data)
        return fit_sentiment(data, use_embeddings)

    monkeypatch.setattr(evaluation, "fit_sentiment", recording_fit)
    full = sentiment_training_data(max_per_language=30)
    evaluation.sentiment_cross_validation(folds=3, max_per_language=30)
    assert len(fits) == 3
    originals = set(range(int(full.shared.sum())))
    for fold in fits:
        trained_sources = set(fold.source.tolist())
        # Every original tweet is either trained on (with its translations) or scored.
        trained_originals = set(fold.source[fold.shared].tolist())
        assert trained_sources == trained_originals
        assert trained_originals < originals
        assert (~fold.shared).sum() > 0


def test_translated_lexicons_carry_vaders_polarity() -> None:
    lexicons = load_translated_lexicons()
    assert set(lexicons) == set(LEXICON_LANGUAGES)
    assert all(len(words) > 2000 for words in lexicons.values())
    assert lexicons["es"]["feliz"] > 1.0
    assert lexicons["it"]["felice"] > 1.0
    assert lexicons["pt"]["triste"] < -1.0
    assert lexicons["fr"]["triste"] < -1.0
