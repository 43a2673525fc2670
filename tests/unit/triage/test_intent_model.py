"""The intent classifier's own scoring against scikit-learn's predict_proba."""

from __future__ import annotations

import numpy as np

from services.triage.engines.intent_model import IntentClassifier

TEXTS = [
    "where is my order",
    "my parcel has not arrived yet",
    "I want a refund please",
    "refund my money now",
    "how do I change my address",
    "update the delivery address",
    "what is the weather tomorrow",
    "tell me a joke",
]
LABELS = ["wismo", "wismo", "refund", "refund", "address", "address", "other", "other"]


def test_probabilities_equal_scikit_learns() -> None:
    model = IntentClassifier().fit(TEXTS, LABELS)
    texts = ["wher is my oder", "refund", "address change", "", "joke about weather"]
    ours = model.predict_proba(texts)
    theirs = model._model.predict_proba(model._tfidf.transform(texts))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert model.classes == ("address", "other", "refund", "wismo")
    assert model.classes[int(ours[0].argmax())] == "wismo"


def test_binary_model_still_sums_to_one() -> None:
    model = IntentClassifier().fit(TEXTS[:4], LABELS[:4])
    ours = model.predict_proba(["where is my parcel", "refund please"])
    theirs = model._model.predict_proba(
        model._tfidf.transform(["where is my parcel", "refund please"])
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
