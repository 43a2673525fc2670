from __future__ import annotations

import numpy as np
import pytest

from services.triage.core.sentiment import sentiment_level, sentiment_results
from services.triage.core.types import ModelVersion, Polarity, SentimentLevel

MODEL = ModelVersion("test", "0")


@pytest.mark.parametrize(
    ("probabilities", "level"),
    [
        ((0.9, 0.05, 0.05), SentimentLevel.VERY_NEGATIVE),
        ((0.5, 0.3, 0.2), SentimentLevel.NEGATIVE),
        ((0.2, 0.6, 0.2), SentimentLevel.NEUTRAL),
        ((0.1, 0.3, 0.6), SentimentLevel.POSITIVE),
        ((0.02, 0.08, 0.9), SentimentLevel.VERY_POSITIVE),
    ],
)
def test_levels(probabilities: tuple[float, float, float], level: SentimentLevel) -> None:
    assert sentiment_level(*probabilities) is level


def test_level_polarity_is_always_the_most_probable_class() -> None:
    # The 3-class evaluation relies on this: five levels map back onto the argmax.
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(3), size=2000)
    polarities = (Polarity.NEGATIVE, Polarity.NEUTRAL, Polarity.POSITIVE)
    for row, result in zip(probabilities, sentiment_results(probabilities, MODEL), strict=True):
        assert result.level.polarity is polarities[int(row.argmax())]
        assert -1.0 <= result.score <= 1.0
        assert result.confidence == pytest.approx(row.max(), abs=1e-4)
