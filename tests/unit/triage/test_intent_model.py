"""The intent classifier: its own scoring against scikit-learn's, the sentence-embedding
model that carries English examples into other languages, and calibration."""

from __future__ import annotations

import numpy as np
import pytest

from services.triage.engines.intent_model import IntentClassifier, calibrate
from services.triage.engines.text_features import shared_sentence_embeddings

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

# A tiny English training set, and requests in other languages that share almost no
# n-grams with it: only the multilingual sentence embedding can route them.
ENGLISH = [
    ("where is my order", "wismo"),
    ("my parcel has not arrived yet", "wismo"),
    ("when will my package be delivered", "wismo"),
    ("I want a refund please", "refund"),
    ("refund my money now", "refund"),
    ("give me my money back", "refund"),
    ("how do I change my address", "address"),
    ("update the delivery address", "address"),
    ("ship it to a different address", "address"),
    ("what is the weather tomorrow", "other"),
    ("tell me a joke", "other"),
    ("who won the game last night", "other"),
]
ELSEWHERE = [
    ("wann kommt meine Lieferung an?", "wismo"),
    ("Wo ist meine Bestellung", "wismo"),
    ("dov'è il mio pacco", "wismo"),
    ("quiero que me devuelvan el dinero", "refund"),
    ("rimborsatemi subito", "refund"),
    ("je dois modifier mon adresse de livraison", "address"),
    ("wie wird das Wetter morgen", "other"),
    ("qual è la capitale della Francia", "other"),
]


def test_ngram_probabilities_equal_scikit_learns() -> None:
    model = IntentClassifier(blend=1.0).fit(TEXTS, LABELS)
    texts = ["wher is my oder", "refund", "address change", "", "joke about weather"]
    ours = model.predict_proba(texts)
    theirs = model._model.predict_proba(model._tfidf.transform(texts))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert model.classes == ("address", "other", "refund", "wismo")
    assert model.classes[int(ours[0].argmax())] == "wismo"
    assert not model.uses_embeddings


def test_binary_model_still_sums_to_one() -> None:
    model = IntentClassifier().fit(TEXTS[:4], LABELS[:4])
    ours = model.predict_proba(["where is my parcel", "refund please"])
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    ngrams = IntentClassifier(blend=1.0).fit(TEXTS[:4], LABELS[:4])
    theirs = ngrams._model.predict_proba(
        ngrams._tfidf.transform(["where is my parcel", "refund please"])
    )
    np.testing.assert_allclose(ngrams.predict_proba(["where is my parcel", "refund please"]),
                               theirs, rtol=0, atol=1e-12)  # fmt: skip


def test_sentence_embeddings_route_other_languages_the_ngrams_cannot() -> None:
    texts, labels = [t for t, _ in ENGLISH], [label for _, label in ENGLISH]
    probes, gold = [t for t, _ in ELSEWHERE], [label for _, label in ELSEWHERE]

    def routed(model: IntentClassifier) -> int:
        probabilities = model.predict_proba(probes)
        predicted = [model.classes[int(i)] for i in probabilities.argmax(axis=1)]
        return sum(p == g for p, g in zip(predicted, gold, strict=True))

    assert routed(IntentClassifier(blend=1.0).fit(texts, labels)) <= len(gold) // 2
    assert routed(IntentClassifier(blend=0.5).fit(texts, labels)) == len(gold)


def test_given_embeddings_are_the_ones_it_would_compute() -> None:
    model = IntentClassifier().fit(TEXTS, LABELS)
    texts = ["où est mon colis", "rembolso por favor"]
    embeddings = np.array(shared_sentence_embeddings().transform(texts))
    np.testing.assert_array_equal(
        model.predict_proba(texts, embeddings), model.predict_proba(texts)
    )
    with pytest.raises(ValueError, match="differ in length"):
        model.predict_proba(texts, embeddings[:1])


def test_temperature_sharpens_without_reordering() -> None:
    model = IntentClassifier().fit(TEXTS, LABELS)
    texts = ["where is my parcel", "refund", "joke"]
    raw = model.raw_proba(texts)
    model.temperature = 0.5
    calibrated = model.predict_proba(texts)
    np.testing.assert_allclose(calibrated, calibrate(raw, 0.5))
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)
    np.testing.assert_array_equal(calibrated.argmax(axis=1), raw.argmax(axis=1))
    assert np.all(calibrated.max(axis=1) > raw.max(axis=1))
    # p ** 2 renormalised, by hand, for one row.
    expected = raw[0] ** 2 / (raw[0] ** 2).sum()
    np.testing.assert_allclose(calibrated[0], expected)
