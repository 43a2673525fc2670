"""The ctypes fast path must give exactly what Booster.predict gives."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest

from services.returns_decision.engines.risk.errors import FastPredictError
from services.returns_decision.engines.risk.fast_predict import FastBooster


def _rows(x: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(7)
    fresh = rng.normal(scale=3.0, size=(500, x.shape[1]))
    fresh[rng.random(fresh.shape) < 0.3] = np.nan
    # Categorical columns: seen codes, unseen codes, negative (= missing) and NaN.
    fresh[:, 2] = rng.choice([0, 3, 9, 12, 250, -1, np.nan], size=500)
    fresh[:, 7] = rng.choice([0, 1, 3, 4, -5, np.nan], size=500)
    fresh[0, :] = np.nan  # an all-missing row
    fresh[1, :] = 0.0  # zeros are skipped as sparse entries by the C API: must still match
    fresh[2, :] = 1e300
    return np.vstack([x[:500], fresh])


def test_predictions_equal_booster_predict(
    random_booster: tuple[lightgbm.Booster, np.ndarray],
) -> None:
    booster, x = random_booster
    rows = _rows(x)
    expected = booster.predict(rows, num_threads=1)
    fast = FastBooster(booster)
    got = np.array([fast.predict(row) for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert fast.num_features == rows.shape[1]


def test_raw_scores_equal_booster_predict(
    random_booster: tuple[lightgbm.Booster, np.ndarray],
) -> None:
    booster, x = random_booster
    rows = _rows(x)[:200]
    expected = booster.predict(rows, raw_score=True, num_threads=1)
    fast = FastBooster(booster)
    got = np.array([fast.predict_raw(row) for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_contributions_equal_pred_contrib(
    random_booster: tuple[lightgbm.Booster, np.ndarray],
) -> None:
    booster, x = random_booster
    rows = _rows(x)[::10]
    expected = booster.predict(rows, pred_contrib=True, num_threads=1)
    fast = FastBooster(booster)
    got = np.array([fast.contributions(row) for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # SHAP values plus the expected value add up to the raw score.
    raw = booster.predict(rows, raw_score=True, num_threads=1)
    np.testing.assert_allclose(got.sum(axis=1), raw, rtol=0, atol=1e-9)


def test_buffer_and_list_inputs(random_booster: tuple[lightgbm.Booster, np.ndarray]) -> None:
    booster, x = random_booster
    fast = FastBooster(booster)
    row = x[5]
    fast.input[:] = row
    assert fast.predict_buffer() == fast.predict(row.tolist()) == fast.predict(row)


def test_interleaved_predict_types_and_instances(
    random_booster: tuple[lightgbm.Booster, np.ndarray],
) -> None:
    booster, x = random_booster
    first, second = FastBooster(booster), FastBooster(booster)
    expected = booster.predict(x[:50], num_threads=1)
    for i, row in enumerate(x[:50]):
        first.contributions(row)
        assert abs(second.predict(row) - expected[i]) <= 1e-9
        assert abs(first.predict(row) - expected[i]) <= 1e-9


def test_wrong_length_is_refused(random_booster: tuple[lightgbm.Booster, np.ndarray]) -> None:
    booster, _ = random_booster
    fast = FastBooster(booster)
    with pytest.raises(FastPredictError, match="expects 12"):
        fast.predict([0.0] * 11)


def test_closed_booster_refuses_instead_of_crashing(
    random_booster: tuple[lightgbm.Booster, np.ndarray],
) -> None:
    booster, x = random_booster
    fast = FastBooster(booster)
    fast.close()
    fast.close()  # idempotent
    with pytest.raises(FastPredictError, match="closed"):
        fast.predict(x[0])
    with pytest.raises(FastPredictError, match="closed"):
        fast.predict_buffer()


def test_multiclass_is_refused() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = rng.integers(0, 3, 300)
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=3)
    with pytest.raises(FastPredictError, match="binary"):
        FastBooster(booster)
