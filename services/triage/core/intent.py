"""From intent probabilities to a decision: best intent, or OTHER when nothing fits.

The classifier has an explicit "other" class trained on out-of-scope questions, and on
top of it a confidence floor: a support message the model is unsure about is better sent
to a general queue than to the wrong specialised one. The floor belongs to the trained
model (`IntentEngine.min_confidence`): it is chosen for its calibrated probabilities
(how: models/triage/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from services.triage.core.intents import Intent
from services.triage.core.types import IntentResult, IntentScore, ModelVersion

TOP_K = 3


def intent_results(
    probabilities: npt.NDArray[np.float64],
    labels: Sequence[Intent],
    model: ModelVersion,
    min_confidence: float,
    top_k: int = TOP_K,
) -> list[IntentResult]:
    """One result per row: decision, its confidence and the top-k candidates; OTHER when
    the best probability is under `min_confidence`."""
    results = []
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top_k]
    for row, ranked in zip(probabilities, order, strict=True):
        candidates = tuple(IntentScore(labels[i], round(float(row[i]), 4)) for i in ranked)
        best = candidates[0]
        intent = best.intent if best.confidence >= min_confidence else Intent.OTHER
        confidence = best.confidence
        if intent is Intent.OTHER and best.intent is not Intent.OTHER:
            # Confidence that it is none of the known intents.
            confidence = round(1.0 - best.confidence, 4)
        results.append(IntentResult(intent, confidence, candidates, model))
    return results
