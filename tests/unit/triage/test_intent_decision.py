from __future__ import annotations

import numpy as np

from services.triage.core.intent import intent_results
from services.triage.core.intents import Intent
from services.triage.core.types import ModelVersion

MODEL = ModelVersion("test", "0")
LABELS = (Intent.ORDER_STATUS, Intent.OTHER, Intent.RETURN_REQUEST, Intent.REFUND_STATUS)


def test_confident_best_intent_wins_with_ranked_candidates() -> None:
    [result] = intent_results(np.array([[0.1, 0.05, 0.8, 0.05]]), LABELS, MODEL, 0.3, top_k=2)
    assert result.intent is Intent.RETURN_REQUEST
    assert result.confidence == 0.8
    assert [c.intent for c in result.candidates] == [Intent.RETURN_REQUEST, Intent.ORDER_STATUS]


def test_below_the_floor_is_other_but_keeps_the_candidates() -> None:
    [result] = intent_results(np.array([[0.28, 0.22, 0.27, 0.23]]), LABELS, MODEL, 0.3)
    assert result.intent is Intent.OTHER
    assert result.confidence == 0.72
    assert result.candidates[0].intent is Intent.ORDER_STATUS


def test_other_class_itself() -> None:
    [result] = intent_results(np.array([[0.05, 0.9, 0.03, 0.02]]), LABELS, MODEL, 0.3)
    assert (result.intent, result.confidence) == (Intent.OTHER, 0.9)


def test_the_floor_is_the_callers() -> None:
    row = np.array([[0.55, 0.15, 0.2, 0.1]])
    [above] = intent_results(row, LABELS, MODEL, 0.5)
    [below] = intent_results(row, LABELS, MODEL, 0.6)
    assert (above.intent, below.intent) == (Intent.ORDER_STATUS, Intent.OTHER)
    assert below.confidence == 0.45
