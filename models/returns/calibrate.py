"""Fitting the calibration maps that ``services.returns_decision.engines.risk.calibration`` applies.

Fitted on the validation split (the test split stays untouched for the report). Platt
scaling is the default: two parameters, strictly monotone (so the AUC is unchanged), and
exactly the right shape for undoing positive-class weighting, which shifts log-odds.
Isotonic regression is available for models whose miscalibration is not a shift.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from services.returns_decision.engines.risk.calibration import IsotonicCalibrator, PlattCalibrator

FloatArray = npt.NDArray[np.float64]

_P_MIN = 1e-15


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, _P_MIN, 1.0 - _P_MIN)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def fit_platt(probabilities: FloatArray, labels: npt.NDArray[np.int8]) -> PlattCalibrator:
    """Logistic regression of the label on logit(p), by Newton's method (deterministic)."""
    z = _logit(np.asarray(probabilities, dtype=np.float64))
    y = np.asarray(labels, dtype=np.float64)
    a, b = 1.0, 0.0
    ridge = 1e-6 * len(z)  # keeps the Hessian invertible when the classes separate
    for _ in range(100):
        # The logistic function as tanh: no overflow where a * z + b is far below zero
        # (1 / (1 + exp(-x)) overflows for x < -709, which a steep fit reaches).
        q = 0.5 * (1.0 + np.tanh(0.5 * (a * z + b)))
        w = q * (1.0 - q)
        grad = np.array([((q - y) * z).sum() + ridge * (a - 1.0), (q - y).sum()])
        hess = np.array(
            [[(w * z * z).sum() + ridge, (w * z).sum()], [(w * z).sum(), w.sum() + 1e-12]]
        )
        step = np.linalg.solve(hess, grad)
        a, b = a - float(step[0]), b - float(step[1])
        if float(np.abs(step).max()) < 1e-12:
            break
    return PlattCalibrator(a, b)


def fit_isotonic(probabilities: FloatArray, labels: npt.NDArray[np.int8]) -> IsotonicCalibrator:
    """Pool-adjacent-violators on (p, label), kept as the end points of each pooled block."""
    order = np.argsort(probabilities, kind="mergesort")
    x = np.asarray(probabilities, dtype=np.float64)[order]
    y = np.asarray(labels, dtype=np.float64)[order]
    # Merge equal x first so ties share one value.
    ux, start = np.unique(x, return_index=True)
    counts = np.diff(np.r_[start, len(x)]).astype(np.float64)
    sums = np.add.reduceat(y, start)
    means: list[float] = []
    weights: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    for xv, s, c in zip(ux.tolist(), sums.tolist(), counts.tolist(), strict=True):
        means.append(s / c)
        weights.append(c)
        lows.append(xv)
        highs.append(xv)
        while len(means) > 1 and means[-2] >= means[-1]:
            m2, w2, h2 = means.pop(), weights.pop(), highs.pop()
            lows.pop()
            means[-1] = (means[-1] * weights[-1] + m2 * w2) / (weights[-1] + w2)
            weights[-1] += w2
            highs[-1] = h2
    xs: list[float] = []
    ys: list[float] = []
    for lo, hi, m in zip(lows, highs, means, strict=True):
        xs.append(lo)
        ys.append(m)
        if hi != lo:
            xs.append(hi)
            ys.append(m)
    return IsotonicCalibrator(tuple(xs), tuple(ys))
