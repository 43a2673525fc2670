"""Sentiment cross-validation on the train splits (how the settings were chosen)."""

from __future__ import annotations

import pytest

from models.triage.evaluation import format_cross_validation, sentiment_cross_validation


@pytest.mark.slow
def test_cross_validation_reports_every_language() -> None:
    cv = sentiment_cross_validation(folds=3, max_per_language=60)
    assert list(cv.macro_f1) == ["en", "es", "fr", "pt", "it", "de"]
    assert all(0.0 <= f1 <= 1.0 for f1 in cv.macro_f1.values())
    assert all(len(per_fold) == 3 for per_fold in cv.fold_macro_f1.values())
    assert "out-of-fold" in format_cross_validation(cv)
