"""Platt scaling on data whose scores separate the classes almost perfectly."""

from __future__ import annotations

import numpy as np

from models.returns.calibrate import fit_platt


def test_platt_fit_on_saturated_scores_is_finite_and_monotone() -> None:
    # Scores at the clip bounds, classes nearly separated: the fit grows steep, and the
    # logistic function written as 1 / (1 + exp(-x)) overflowed on the far side (a
    # RuntimeWarning, an error under the suite's filterwarnings).
    rng = np.random.default_rng(5)
    negatives = rng.uniform(0.0, 1e-12, 3000)
    positives = 1.0 - rng.uniform(0.0, 1e-12, 300)
    probabilities = np.concatenate([negatives, positives, [0.5, 0.4]])
    labels = np.concatenate([np.zeros(3000), np.ones(300), [0, 1]]).astype(np.int8)
    platt = fit_platt(probabilities, labels)
    assert np.isfinite(platt.a)
    assert np.isfinite(platt.b)
    assert platt.a > 0  # strictly increasing: the AUC is unchanged
