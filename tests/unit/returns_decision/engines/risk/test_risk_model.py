"""Loading a registered model, scoring a RiskInput, refusing a mismatched schema."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from services.returns_decision.core.risk import RiskBand
from services.returns_decision.engines.risk.artifact import METADATA_FILE, MODEL_FILE
from services.returns_decision.engines.risk.errors import (
    ModelArtifactError,
    ModelNotFoundError,
    SchemaMismatchError,
)
from services.returns_decision.engines.risk.features import FEATURE_NAMES, build_features
from services.returns_decision.engines.risk.model import WARM_UP_INPUT, RiskModel, load_active_model
from services.returns_decision.engines.risk.registry import active_version_dir
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer


def _edit_metadata(directory: Path, change: dict[str, object]) -> None:
    path = directory / METADATA_FILE
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data))


def test_score_result(registry: Path) -> None:
    model = load_active_model(registry, "returns_fraud")
    score = model.score(WARM_UP_INPUT, top_k=4)
    assert score.model_name == "returns_fraud"
    assert (
        score.model_version == model.version == active_version_dir(registry, "returns_fraud").name
    )
    expected_raw = model.booster.predict(np.array([build_features(WARM_UP_INPUT)]), num_threads=1)[
        0
    ]
    assert score.raw_probability is not None
    assert abs(score.raw_probability - expected_raw) <= 1e-9
    assert score.probability == model.calibrator(score.raw_probability)
    assert score.band == model.bands.band(score.probability)
    assert isinstance(score.band, RiskBand)
    assert len(score.top_features) == 4
    magnitudes = [abs(f.contribution) for f in score.top_features]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert {f.name for f in score.top_features} <= set(FEATURE_NAMES)


def test_top_features_carry_labels_and_add_up(registry: Path) -> None:
    # TreeSHAP here; path attribution's sum is checked in test_risk_path_attribution.
    model = load_active_model(registry, "returns_wardrobing")
    row = build_features(WARM_UP_INPUT)
    everything = model.top_features(row, len(FEATURE_NAMES), explainer="shap")
    by_name = {f.name: f for f in everything}
    assert by_name["item_category"].value == "formalwear"
    assert by_name["condition"].value == "like_new"
    assert by_name["order_value"].value == 240.0
    expected = model.booster.predict(np.array([row]), pred_contrib=True, num_threads=1)[0]
    total = sum(f.contribution for f in everything) + expected[-1]
    raw = model.booster.predict(np.array([row]), raw_score=True, num_threads=1)[0]
    assert math.isclose(total, raw, abs_tol=1e-9)


def test_top_k_zero_skips_explanations(registry: Path) -> None:
    model = load_active_model(registry, "returns_fraud")
    assert model.score(WARM_UP_INPUT, top_k=0).top_features == ()


def test_scorer_scores_both_models(registry: Path) -> None:
    scorer = ReturnRiskScorer(registry)
    scorer.load()
    result = scorer.assess(WARM_UP_INPUT, top_k=2)
    assert result.fraud.model_name == "returns_fraud"
    assert result.wardrobing.model_name == "returns_wardrobing"
    assert len(result.wardrobing.top_features) == 2
    assert set(scorer.versions) == {"returns_fraud", "returns_wardrobing"}


def test_schema_mismatch_is_refused_with_reasons(registry: Path) -> None:
    directory = active_version_dir(registry, "returns_fraud")
    schema = json.loads((directory / METADATA_FILE).read_text())["feature_schema"]
    schema["features"][3]["categories"] = ["other", "apparel"]
    schema["features"].pop()
    _edit_metadata(directory, {"feature_schema": schema})
    with pytest.raises(SchemaMismatchError) as info:
        RiskModel.load(directory)
    message = str(info.value)
    assert "event_in_wear_window" in message
    assert "'item_category' categories" in message
    assert "retrain" in message


def test_schema_checked_against_the_code(registry: Path) -> None:
    from services.returns_decision.engines.risk.features import FEATURE_SCHEMA

    directory = active_version_dir(registry, "returns_fraud")
    newer = dataclasses.replace(FEATURE_SCHEMA, version="returns-risk-features/2")
    with pytest.raises(SchemaMismatchError, match="version"):
        RiskModel.load(directory, expected_schema=newer)


def test_broken_artifacts_are_refused(registry: Path) -> None:
    directory = active_version_dir(registry, "returns_fraud")
    _edit_metadata(directory, {"version": "v000000000000"})
    with pytest.raises(ModelArtifactError, match="metadata says version"):
        RiskModel.load(directory)

    directory = active_version_dir(registry, "returns_wardrobing")
    (directory / MODEL_FILE).write_text("tree\nnot a model\n")
    with pytest.raises(ModelArtifactError, match="LightGBM cannot load"):
        RiskModel.load(directory)
    (directory / MODEL_FILE).unlink()
    with pytest.raises(ModelArtifactError, match="missing"):
        RiskModel.load(directory)


def test_missing_registry_entry(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no active version"):
        load_active_model(tmp_path, "returns_fraud")
    with pytest.raises(ModelNotFoundError, match="invalid model name"):
        load_active_model(tmp_path, "../etc")


def test_fast_path_matches_booster_on_generated_requests(registry: Path) -> None:
    from models.returns import dataset

    data = dataset.from_synthetic(2000, seed=77)
    features = data.feature_matrix()
    assert np.isnan(features).any()  # unknown delivery dates and the like
    for name in ("returns_fraud", "returns_wardrobing"):
        model = load_active_model(registry, name)
        expected = model.booster.predict(features, num_threads=1)
        got = np.array(
            [model.score_features(row.tolist(), top_k=0).raw_probability for row in features]
        )
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_benchmark_runs(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import returns_risk as benchmark

    args = ["--registry", str(registry), "--calls", "20", "--agreement-rows", "20"]
    assert benchmark.main(args) == 0
    out = capsys.readouterr().out
    assert "fast_predict" in out
    assert "fast path vs Booster.predict" in out
    assert "explanation cost per model" in out
    assert "assess_both_models_top3 (both models" in out
    assert "same top-3 set" in out
