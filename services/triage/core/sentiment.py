"""From three-class probabilities to the five sentiment levels callers see.

The polarity is the most probable of negative/neutral/positive, so the five levels map
back onto exactly what the classifier was evaluated on. Within a polarity, "very" is
decided by the score P(pos) - P(neg): a message is very negative when the model is both
sure it is negative and sees no positive side to it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.triage.core.types import ModelVersion, SentimentLevel, SentimentResult

VERY_THRESHOLD = 0.6
"""|score| at or above which a negative/positive message is very negative/positive."""


def sentiment_level(p_negative: float, p_neutral: float, p_positive: float) -> SentimentLevel:
    """The five-level label for one row of probabilities."""
    score = p_positive - p_negative
    if p_negative >= p_neutral and p_negative >= p_positive:
        return SentimentLevel.VERY_NEGATIVE if score <= -VERY_THRESHOLD else SentimentLevel.NEGATIVE
    if p_positive > p_neutral:
        return SentimentLevel.VERY_POSITIVE if score >= VERY_THRESHOLD else SentimentLevel.POSITIVE
    return SentimentLevel.NEUTRAL


def sentiment_results(
    probabilities: npt.NDArray[np.float64], model: ModelVersion
) -> list[SentimentResult]:
    """One result per row of (negative, neutral, positive) probabilities."""
    results = []
    for p_neg, p_neu, p_pos in probabilities.tolist():
        level = sentiment_level(p_neg, p_neu, p_pos)
        results.append(
            SentimentResult(
                level=level,
                score=round(p_pos - p_neg, 4),
                confidence=round(max(p_neg, p_neu, p_pos), 4),
                model=model,
            )
        )
    return results
