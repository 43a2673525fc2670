"""Path attribution: exact-additive, LightGBM's own leaves, equal to a plain tree walk."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest

from services.returns_decision.engines.risk.errors import ExplanationError
from services.returns_decision.engines.risk.fast_predict import FastBooster
from services.returns_decision.engines.risk.features import (
    FEATURE_NAMES,
    build_features,
    feature_value_label,
)
from services.returns_decision.engines.risk.model import WARM_UP_INPUT, load_active_model
from services.returns_decision.engines.risk.path_attribution import PathExplainer, tables_from_dump
from services.returns_decision.engines.risk.scorer import ReturnRiskScorer

CATEGORICAL = (2, 7)
ZERO_THRESHOLD = 1.0000000180025095e-35  # LightGBM's kZeroThreshold (1e-35f)

# Tiny models covering what changes the path a row takes: missing values as NaN, as zero,
# or not handled; categorical splits; deep unbalanced trees splitting a feature repeatedly;
# random-forest mode (its probability averages the trees; its raw score, as LightGBM
# reports it, and so the contributions, still add them).
VARIANTS: dict[str, dict[str, Any]] = {
    "nan_missing": {},
    "zero_as_missing": {"zero_as_missing": True},
    "no_missing": {"use_missing": False},
    "deep": {"num_leaves": 48, "max_depth": -1, "min_data_in_leaf": 5},
    "random_forest": {"boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1},
}


def _data(seed: int = 1, n: int = 1500, f: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, f))
    x[:, 2] = rng.integers(0, 10, n)
    x[:, 7] = rng.integers(0, 4, n)
    x[:, 4] = np.where(rng.random(n) < 0.3, 0.0, x[:, 4])  # zeros, for zero_as_missing
    x[rng.random((n, f)) < 0.15] = np.nan
    logit = (
        np.nan_to_num(x[:, 0])
        + 1.5 * (x[:, 2] == 3)
        - (x[:, 7] == 1)
        + (x[:, 4] == 0)
        + rng.normal(size=n)
    )
    return x, (logit > 0.8).astype(np.float64)


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def booster(request: pytest.FixtureRequest) -> lightgbm.Booster:
    x, y = _data()
    params: dict[str, Any] = {
        "objective": "binary",
        "verbose": -1,
        "num_threads": 1,
        "num_leaves": 15,
        "seed": 3,
        **VARIANTS[request.param],
    }
    data = lightgbm.Dataset(x, y, categorical_feature=list(CATEGORICAL), params={"verbose": -1})
    return lightgbm.train(params, data, num_boost_round=40)


def _rows(n: int = 600) -> np.ndarray:
    """Training-like rows, then extreme ones: NaN, zeros, unseen and negative categories."""
    x, _ = _data(seed=2, n=n)
    rng = np.random.default_rng(7)
    fresh = rng.normal(scale=3.0, size=(n, x.shape[1]))
    fresh[rng.random(fresh.shape) < 0.3] = np.nan
    fresh[:, 2] = rng.choice([0, 3, 9, 12, 250, -1, np.nan], size=n)
    fresh[:, 7] = rng.choice([0, 1, 3, 4, -5, np.nan], size=n)
    fresh[:, 4] = rng.choice([0.0, -0.0, 1e-40, np.nan, 2.0], size=n)
    fresh[0, :] = np.nan
    fresh[1, :] = 0.0
    fresh[2, :] = 1e300
    return np.vstack([x, fresh])


# -- (1) additivity ---------------------------------------------------------------------


def test_contributions_plus_bias_equal_raw_score(booster: lightgbm.Booster) -> None:
    rows = _rows()
    fast = FastBooster(booster)
    explainer = PathExplainer(booster)
    expected = booster.predict(rows, raw_score=True, num_threads=1)
    got = np.array(
        [explainer.bias + explainer.contributions(fast.leaf_indices(row)).sum() for row in rows]
    )
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # The tables' leaf values give the raw score too: the leaves are the ones LightGBM used.
    leaf_sums = [explainer.leaf_sum(fast.leaf_indices(row)) for row in rows[::25]]
    np.testing.assert_allclose(leaf_sums, expected[::25], rtol=0, atol=1e-9)


# -- (2) leaf indices -------------------------------------------------------------------


def test_fast_leaf_indices_equal_pred_leaf(booster: lightgbm.Booster) -> None:
    rows = _rows()
    fast = FastBooster(booster)
    expected = np.asarray(booster.predict(rows, pred_leaf=True, num_threads=1))
    got = np.array([fast.leaf_indices(row) for row in rows])
    assert got.shape == expected.shape == (len(rows), booster.num_trees())
    np.testing.assert_array_equal(got, expected)
    # The buffer variant reads the row already loaded, and answers the same.
    fast.load(rows[3])
    np.testing.assert_array_equal(fast.leaf_indices_buffer(), expected[3])


def test_integer_leaves_from_pred_leaf_are_accepted(booster: lightgbm.Booster) -> None:
    rows = _rows()[:50]
    explainer = PathExplainer(booster)
    leaves = booster.predict(rows, pred_leaf=True, num_threads=1)
    raw = booster.predict(rows, raw_score=True, num_threads=1)
    for i in range(len(rows)):
        total = explainer.bias + explainer.contributions(leaves[i]).sum()
        assert abs(total - raw[i]) <= 1e-9


# -- (3) against a plain walk of the dump -----------------------------------------------


def _goes_left(node: Mapping[str, Any], x: float) -> bool:
    """LightGBM's Tree::Decision on a raw value (include/LightGBM/tree.h)."""
    if node["decision_type"] == "==":
        # NaN and negative codes go right; so do codes past int range (what x86 does).
        if math.isnan(x) or not -1.0 < x < 2.0**31:
            return False
        return math.trunc(x) in {int(c) for c in str(node["threshold"]).split("||")}
    missing = node["missing_type"]
    if math.isnan(x) and missing != "NaN":
        x = 0.0
    if (missing == "Zero" and abs(x) <= ZERO_THRESHOLD) or (missing == "NaN" and math.isnan(x)):
        return bool(node["default_left"])
    return x <= float(node["threshold"])


def _value(node: Mapping[str, Any]) -> float:
    return float(node["leaf_value"] if "leaf_value" in node else node["internal_value"])


def _walk(dump: Mapping[str, Any], row: np.ndarray) -> tuple[list[int], np.ndarray, float]:
    """Leaves, Saabas contributions and bias, by walking every tree of the dump."""
    trees = dump["tree_info"]
    contributions = np.zeros(dump["max_feature_idx"] + 1)
    bias = 0.0
    leaves = []
    for tree in trees:
        node = tree["tree_structure"]
        bias += _value(node)
        while "leaf_value" not in node:
            child = node[
                "left_child" if _goes_left(node, row[node["split_feature"]]) else "right_child"
            ]
            contributions[node["split_feature"]] += _value(child) - _value(node)
            node = child
        leaves.append(int(node.get("leaf_index", 0)))
    return leaves, contributions, bias


def test_equals_a_plain_walk_of_the_dump(booster: lightgbm.Booster) -> None:
    rows = _rows()
    # Ordinary rows, then all-NaN, all-zero, and mixed missing / unseen-category rows.
    sample = np.vstack([rows[:5], rows[600:603], rows[610:616]])
    dump = booster.dump_model(num_iteration=-1)
    fast = FastBooster(booster)
    explainer = PathExplainer(booster)
    for row in sample:
        leaves, contributions, bias = _walk(dump, row)
        assert leaves == fast.leaf_indices(row).tolist()
        np.testing.assert_allclose(
            explainer.contributions(fast.leaf_indices(row)), contributions, rtol=0, atol=1e-12
        )
        assert abs(explainer.bias - bias) <= 1e-12


# -- (4) top-k in the model -------------------------------------------------------------


def test_top_k_ordered_by_magnitude_with_names_and_values(registry: Path) -> None:
    row = build_features(WARM_UP_INPUT)
    for name in ("returns_fraud", "returns_wardrobing"):
        model = load_active_model(registry, name)
        contributions, bias = model.explain(row)
        raw = model.booster.predict(np.array([row]), raw_score=True, num_threads=1)[0]
        assert abs(bias + contributions.sum() - raw) <= 1e-9

        top = model.top_features(row, 5)
        assert len(top) == 5
        order = np.argsort(-np.abs(contributions), kind="stable")[:5]
        assert [f.name for f in top] == [FEATURE_NAMES[i] for i in order]
        assert [f.contribution for f in top] == [float(contributions[i]) for i in order]
        assert [f.value for f in top] == [feature_value_label(int(i), row[i]) for i in order]
        magnitudes = [abs(f.contribution) for f in top]
        assert magnitudes == sorted(magnitudes, reverse=True)

        everything = {f.name: f for f in model.top_features(row, len(FEATURE_NAMES))}
        assert everything["item_category"].value == "formalwear"
        assert everything["payment_method"].value == "bnpl"
        assert math.isclose(
            sum(f.contribution for f in everything.values()) + bias, raw, abs_tol=1e-9
        )

        score = model.score(WARM_UP_INPUT, top_k=3)
        assert score.explanation_method == "path"
        assert score.top_features == top[:3]
        assert model.score(WARM_UP_INPUT, top_k=0).explanation_method is None


def test_shap_stays_available_and_differs_from_path(registry: Path) -> None:
    model = load_active_model(registry, "returns_fraud")
    row = build_features(WARM_UP_INPUT)
    batch = np.array([row])
    expected = model.booster.predict(batch, pred_contrib=True, num_threads=1)[0]
    shap, expected_value = model.explain(row, explainer="shap")
    np.testing.assert_allclose(shap, expected[:-1], rtol=0, atol=1e-9)
    assert abs(expected_value - expected[-1]) <= 1e-9

    score = model.score(WARM_UP_INPUT, top_k=3, explainer="shap")
    assert score.explanation_method == "shap"
    order = np.argsort(-np.abs(expected[:-1]), kind="stable")[:3]
    assert [f.name for f in score.top_features] == [FEATURE_NAMES[i] for i in order]

    # Both add up to the raw score, from different bases: they are different explanations.
    path, bias = model.explain(row)
    raw = model.booster.predict(batch, raw_score=True, num_threads=1)[0]
    assert abs(bias + path.sum() - raw) <= 1e-9
    assert abs(expected_value + shap.sum() - raw) <= 1e-9
    assert abs(bias - expected_value) > 1e-3
    assert not np.allclose(path, shap)


def test_unknown_explainer_is_refused(registry: Path) -> None:
    model = load_active_model(registry, "returns_fraud")
    with pytest.raises(ValueError, match="explainer must be one of"):
        model.score(WARM_UP_INPUT, top_k=3, explainer="lime")  # type: ignore[arg-type]


def test_scorer_reports_path_by_default(registry: Path) -> None:
    scorer = ReturnRiskScorer(registry)
    scorer.load()
    default = scorer.assess(WARM_UP_INPUT)
    assert default.fraud.explanation_method == default.wardrobing.explanation_method == "path"
    assert len(default.fraud.top_features) == 3
    shap = scorer.assess(WARM_UP_INPUT, explainer="shap")
    assert shap.fraud.explanation_method == "shap"
    assert shap.fraud.probability == default.fraud.probability


# -- models it cannot explain, and edge cases -------------------------------------------


def test_single_leaf_trees() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] > 0).astype(np.float64)
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 500}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=3)
    explainer = PathExplainer(booster)
    leaves = FastBooster(booster).leaf_indices(x[0])
    assert explainer.contributions(leaves).tolist() == [0.0, 0.0, 0.0]
    raw = booster.predict(x[:1], raw_score=True, num_threads=1)[0]
    assert abs(explainer.bias - raw) <= 1e-12


def test_linear_trees_are_refused() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + rng.normal(size=400) > 0).astype(np.float64)
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "linear_tree": True}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=3)
    with pytest.raises(ExplanationError, match="linear trees"):
        PathExplainer(booster)


def test_wrong_number_of_leaves_is_refused(booster: lightgbm.Booster) -> None:
    explainer = PathExplainer(booster)
    with pytest.raises(ExplanationError, match="leaf indices for"):
        explainer.contributions(np.zeros(booster.num_trees() + 1))


def test_multiclass_dump_is_refused() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, rng.integers(0, 3, 300)), 2)
    with pytest.raises(ExplanationError, match="single-output"):
        tables_from_dump(booster.dump_model())
