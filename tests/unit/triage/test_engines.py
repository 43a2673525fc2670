from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from models.triage.training import INTENT_MIN_CONFIDENCE
from services.triage.core.analysis import REASON_INTENT_LOW_CONFIDENCE, analyze_message
from services.triage.core.intents import Intent
from services.triage.core.types import Message
from services.triage.engines.artifacts import (
    FORMAT_VERSION,
    INTENT,
    MANIFEST_FILE,
    SENTIMENT,
    artifacts_present,
    load_model,
    read_manifest,
    write_manifest,
    write_model,
)
from services.triage.engines.base import ArtifactsMissingError, EngineNotLoadedError
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.intent import IntentEngine
from services.triage.engines.intent_model import IntentClassifier
from services.triage.engines.language import TriageLanguageDetector
from services.triage.engines.sentiment import BATCH_TOLERANCE, SentimentEngine
from services.triage.engines.text_features import shared_sentence_embeddings
from services.triage.paths import DEFAULT_MODEL_DIR


def test_missing_artifacts_error_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ArtifactsMissingError, match=r"python -m models\.triage train --out"):
        TriageEngines.load(tmp_path)
    assert not artifacts_present(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing trained


def test_missing_default_artifacts_error_names_make_models() -> None:
    message = str(ArtifactsMissingError(DEFAULT_MODEL_DIR, "manifest.json not found"))
    assert message == (
        f"triage model artifacts in {DEFAULT_MODEL_DIR} are not usable: manifest.json not "
        "found. The service does not train models: build them with `make models` or "
        "`python -m models.triage train` (`make run` builds them when absent)."
    )


def test_manifest_from_another_format_is_refused(triage_model_dir: Path, tmp_path: Path) -> None:
    manifest = (triage_model_dir / MANIFEST_FILE).read_text()
    (tmp_path / MANIFEST_FILE).write_text(
        manifest.replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 0')
    )
    with pytest.raises(ArtifactsMissingError, match="format version"):
        SentimentEngine(tmp_path).load()


def test_predict_before_load_is_an_error(triage_model_dir: Path) -> None:
    with pytest.raises(EngineNotLoadedError):
        SentimentEngine(triage_model_dir).predict(["hi"], ["en"])
    with pytest.raises(EngineNotLoadedError):
        IntentEngine(triage_model_dir).predict(["hi"])
    with pytest.raises(EngineNotLoadedError):
        TriageLanguageDetector().predict(["hi"])


def test_versions_come_from_the_manifest(engines: TriageEngines, triage_model_dir: Path) -> None:
    versions = engines.versions
    assert set(versions) == {
        "lingua-language-detector",
        "sentiment-nb-logreg-use",
        "intent-tfidf-logreg",
    }
    manifest = (triage_model_dir / MANIFEST_FILE).read_text()
    assert engines.sentiment.model.version in manifest
    assert engines.intent.model.version in manifest


def test_sentiment_batch_matches_single_calls(engines: TriageEngines) -> None:
    texts = ["I love it, thank you so much! 😍", "Esto es una vergüenza, nunca más", "ok"]
    languages = ["en", "es", "und"]
    batch = engines.sentiment.predict(texts, languages)
    assert batch.shape == (3, 3)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0)
    for i, (text, lang) in enumerate(zip(texts, languages, strict=True)):
        np.testing.assert_allclose(
            engines.sentiment.predict([text], [lang])[0], batch[i], rtol=0, atol=BATCH_TOLERANCE
        )
    assert engines.sentiment.predict([], []).shape == (0, 3)


def test_intent_probabilities_cover_the_taxonomy(engines: TriageEngines) -> None:
    assert set(engines.intent.labels) == set(Intent)
    probabilities = engines.intent.predict(["where is my order", "how is glue made"])
    assert probabilities.shape == (2, len(Intent))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def _with_intent_model(
    source: Path, target: Path, change: Callable[[IntentClassifier], None]
) -> None:
    """A copy of `source` whose intent model has been changed by `change`."""
    entries = read_manifest(source)
    shutil.copy(source / entries[SENTIMENT].file, target / entries[SENTIMENT].file)
    model = load_model(source, entries[INTENT], IntentClassifier)
    change(model)
    entries[INTENT] = write_model(target, INTENT, model)
    write_manifest(target, entries, info={})


def test_the_confidence_floor_is_the_models(
    engines: TriageEngines, triage_model_dir: Path, tmp_path: Path
) -> None:
    assert engines.intent.min_confidence == INTENT_MIN_CONFIDENCE
    _with_intent_model(triage_model_dir, tmp_path, lambda m: setattr(m, "min_confidence", 1.01))
    strict = IntentEngine(tmp_path)
    strict.load()
    assert strict.min_confidence == 1.01  # above any probability: always OTHER
    message = Message("I want to cancel my order")
    assert analyze_message(engines, message).intent.intent is Intent.CANCEL_ORDER
    answer = analyze_message(replace(engines, intent=strict), message)
    assert answer.intent.intent is Intent.OTHER
    assert answer.intent.candidates[0].intent is Intent.CANCEL_ORDER
    assert REASON_INTENT_LOW_CONFIDENCE in answer.reasons


def test_an_intent_model_of_another_layout_is_refused(
    triage_model_dir: Path, tmp_path: Path
) -> None:
    _with_intent_model(triage_model_dir, tmp_path, lambda m: delattr(m, "layout"))
    with pytest.raises(ArtifactsMissingError, match="intent model layout 1"):
        IntentEngine(tmp_path).load()


def test_embeddings_handed_in_are_the_ones_each_engine_would_compute(
    engines: TriageEngines,
) -> None:
    texts = ["¿Dónde está mi pedido?", "the mug arrived broken"]
    assert engines.sentiment.uses_embeddings
    assert engines.intent.uses_embeddings
    embeddings = shared_sentence_embeddings().transform(texts)
    np.testing.assert_array_equal(
        engines.sentiment.predict(texts, ["es", "en"], embeddings),
        engines.sentiment.predict(texts, ["es", "en"]),
    )
    np.testing.assert_array_equal(
        engines.intent.predict(texts, embeddings), engines.intent.predict(texts)
    )
