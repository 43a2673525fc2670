from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

from services.triage.engines.artifacts import (
    MANIFEST_FILE,
    SENTIMENT,
    load_model,
    read_manifest,
    write_model,
)
from services.triage.engines.base import ArtifactsMissingError
from services.triage.engines.sentiment import SentimentEngine
from services.triage.engines.sentiment_model import (
    SentimentClassifier,
    augment_by_language,
    embedding_blocks,
)


def test_augmentation_copies_features_into_the_language_block() -> None:
    x = csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0], [4.0, 0.0, 0.0]]))
    slots = np.array([2, 0, 1], dtype=np.int64)
    augmented = augment_by_language(x, slots, n_languages=2).toarray()
    assert augmented.shape == (3, 9)
    np.testing.assert_array_equal(augmented[:, :3], x.toarray())  # shared block: every row
    np.testing.assert_array_equal(augmented[0], [1, 0, 2, 0, 0, 0, 1, 0, 2])
    np.testing.assert_array_equal(augmented[1], [0, 3, 0, 0, 0, 0, 0, 0, 0])  # unlisted
    np.testing.assert_array_equal(augmented[2], [4, 0, 0, 4, 0, 0, 0, 0, 0])


def _toy_data() -> tuple[list[str], list[str], np.ndarray]:
    """'blorp' is positive in xx and negative in yy; 'zub' is neutral in both."""
    texts: list[str] = []
    languages: list[str] = []
    labels: list[int] = []
    for i in range(30):
        for lang, blorp in (("xx", 2), ("yy", 0)):
            texts += [f"blorp item{i}", f"zub item{i}", f"grak item{i}"]
            languages += [lang] * 3
            labels += [blorp, 1, 2 - blorp]
    return texts, languages, np.asarray(labels, dtype=np.int64)


def test_a_word_can_weigh_differently_per_language() -> None:
    texts, languages, labels = _toy_data()
    model = SentimentClassifier(languages=["xx", "yy"]).fit(texts, languages, labels)
    p = model.predict_proba(["blorp thing", "blorp thing", "blorp thing"], ["xx", "yy", "zz"])
    assert p[0].argmax() == 2
    assert p[1].argmax() == 0
    # An unlisted language has the shared weights only, where 'blorp' is ambiguous.
    assert abs(p[2, 2] - p[2, 0]) < abs(p[0, 2] - p[0, 0])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_unfitted_model_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        SentimentClassifier(languages=["en"]).predict_proba(["hi"], ["en"])


def test_artifact_of_an_older_layout_is_refused(triage_model_dir: Path, tmp_path: Path) -> None:
    entry = read_manifest(triage_model_dir)[SENTIMENT]
    model = load_model(triage_model_dir, entry, SentimentClassifier)
    del model.layout  # what a model pickled before layouts existed looks like
    for name in ("intent.joblib", MANIFEST_FILE):
        shutil.copy(triage_model_dir / name, tmp_path / name)
    old = write_model(tmp_path, SENTIMENT, model)
    manifest = (tmp_path / MANIFEST_FILE).read_text().replace(entry.version, old.version)
    (tmp_path / MANIFEST_FILE).write_text(manifest)
    with pytest.raises(ArtifactsMissingError, match="layout 1"):
        SentimentEngine(tmp_path).load()


def test_rows_left_out_of_the_shared_block_train_their_language_block_only() -> None:
    x = csr_matrix(np.array([[1.0, 2.0], [3.0, 0.0]]))
    slots = np.array([1, 2], dtype=np.int64)
    shared = np.array([True, False])
    augmented = augment_by_language(x, slots, n_languages=2, shared=shared).toarray()
    np.testing.assert_array_equal(augmented[0], [1, 2, 1, 2, 0, 0])
    np.testing.assert_array_equal(augmented[1], [0, 0, 0, 0, 3, 0])


def test_embedding_blocks_copy_each_row_into_its_language_block() -> None:
    embeddings = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = embedding_blocks(embeddings, np.array([2, 0], dtype=np.int64), n_languages=2)
    np.testing.assert_array_equal(out[0], [1, 2, 0, 0, 1, 2])
    np.testing.assert_array_equal(out[1], [3, 4, 0, 0, 0, 0])  # unlisted: shared block only


def test_sentence_embedding_model_is_blended_in() -> None:
    texts, languages, labels = _toy_data()
    model = SentimentClassifier(languages=["xx", "yy"], blend=0.4).fit(texts, languages, labels)
    query, query_languages = ["blorp thing", "blorp thing", "zub"], ["xx", "yy", "zz"]
    p = model.predict_proba(query, query_languages)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0].argmax() == 2
    assert p[1].argmax() == 0
    ngrams = SentimentClassifier(languages=["xx", "yy"]).fit(texts, languages, labels)
    slots = np.array([1, 2, 0], dtype=np.int64)
    np.testing.assert_allclose(
        p,
        0.4 * ngrams.predict_proba(query, query_languages)
        + 0.6 * model._embedding_proba(query, slots),
    )
