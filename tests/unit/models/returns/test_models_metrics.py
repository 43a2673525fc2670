"""Metrics and calibration fits against brute-force definitions."""

from __future__ import annotations

import numpy as np

from models.returns import metrics
from models.returns.calibrate import fit_isotonic, fit_platt


def _labels(rng: np.random.Generator, n: int) -> np.ndarray:
    y = (rng.random(n) < 0.2).astype(np.int8)
    y[:2] = (0, 1)
    return y


def test_roc_auc_counts_pairs_and_ties() -> None:
    rng = np.random.default_rng(0)
    y = _labels(rng, 300)
    s = np.round(rng.random(300) + 0.3 * y, 1)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert np.isclose(metrics.roc_auc(s, y), pairs / (len(pos) * len(neg)))
    fpr, tpr = metrics.roc_curve(s, y)
    assert np.isclose(np.trapezoid(tpr, fpr), metrics.roc_auc(s, y))


def test_average_precision_definition() -> None:
    rng = np.random.default_rng(1)
    y = _labels(rng, 200)
    s = rng.random(200) + 0.5 * y
    order = np.argsort(-s)
    hits = np.cumsum(y[order])
    precision_at_hits = hits[y[order] == 1] / (np.nonzero(y[order] == 1)[0] + 1)
    assert np.isclose(metrics.average_precision(s, y), precision_at_hits.mean())


def test_brier_reliability_and_thresholds() -> None:
    p = np.array([0.1, 0.2, 0.8, 0.9])
    y = np.array([0, 0, 1, 1], dtype=np.int8)
    assert np.isclose(metrics.brier(p, y), (0.01 + 0.04 + 0.04 + 0.01) / 4)
    curve = metrics.reliability_curve(p, y, bins=2)
    np.testing.assert_allclose(curve.observed_rate, [0.0, 1.0])
    assert metrics.precision_recall_at(p, y, 0.5) == (1.0, 1.0, 0.5)


def test_platt_recovers_its_parameters() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(scale=2.0, size=50_000)
    raw = 1 / (1 + np.exp(-z))
    truth = 1 / (1 + np.exp(-(0.6 * z - 1.5)))
    y = (rng.random(z.size) < truth).astype(np.int8)
    cal = fit_platt(raw, y)
    assert abs(cal.a - 0.6) < 0.05
    assert abs(cal.b + 1.5) < 0.08


def test_isotonic_is_monotone_and_matches_pooled_means() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(2000)
    y = (rng.random(2000) < p**2).astype(np.int8)
    cal = fit_isotonic(p, y)
    assert list(cal.x) == sorted(cal.x)
    assert all(b >= a for a, b in zip(cal.y, cal.y[1:], strict=False))
    fitted = np.array([cal(float(v)) for v in p])
    # Isotonic regression preserves the mean of the labels.
    assert np.isclose(fitted.mean(), y.mean())
    tiny = fit_isotonic(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1], dtype=np.int8))
    assert tiny.y == (0.0, 0.5, 0.5, 1.0)
