"""Paired bootstrap of the comparison metrics, computed on resample counts.

A resample is a vector of counts (how often each row was drawn); every metric is computed
from the counts as weights, which gives exactly what ``metrics`` computes on the resampled
rows (ties in ROC-AUC counted half, average precision over distinct thresholds), without
materialising the rows. Rows are sorted once per model; each resample then costs a few
vectorised passes. "Paired": both models are scored on the same resamples, so their
difference gets an interval of its own (not the two intervals' overlap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int8]
# (resamples x rows) counts -> one value per resample
Metric = Callable[[FloatArray], FloatArray]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
CONFIDENCE = 0.95
_CHUNK = 100  # resamples held in memory at once (100 x rows float64)


def resample_counts(rows: int, resamples: int, seed: int) -> Iterator[FloatArray]:
    """Chunks of (resamples x rows) draw counts, from one seeded generator."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < resamples:
        size = min(_CHUNK, resamples - done)
        draws = rng.integers(0, rows, size=(size, rows))
        counts = np.zeros((size, rows), dtype=np.float64)
        for i in range(size):
            counts[i] = np.bincount(draws[i], minlength=rows)
        done += size
        yield counts


def _groups(sorted_scores: FloatArray) -> npt.NDArray[np.intp]:
    """Start index of each run of equal scores in a sorted array."""
    starts: npt.NDArray[np.intp] = np.r_[0, np.nonzero(np.diff(sorted_scores))[0] + 1].astype(
        np.intp
    )
    return starts


def roc_auc(scores: FloatArray, labels: Labels) -> Metric:
    order = np.argsort(scores, kind="mergesort")
    starts = _groups(scores[order])
    pos = labels[order].astype(np.float64)
    neg = 1.0 - pos

    def metric(w: FloatArray) -> FloatArray:
        ws = w[:, order]
        pos_g = np.add.reduceat(ws * pos, starts, axis=1)
        neg_g = np.add.reduceat(ws * neg, starts, axis=1)
        below = np.cumsum(neg_g, axis=1) - neg_g  # negatives scoring strictly lower
        n_pos, n_neg = pos_g.sum(axis=1), neg_g.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: FloatArray = (pos_g * (below + 0.5 * neg_g)).sum(axis=1) / (n_pos * n_neg)
        return result

    return metric


def average_precision(scores: FloatArray, labels: Labels) -> Metric:
    order = np.argsort(-scores, kind="mergesort")
    starts = _groups(scores[order])
    pos = labels[order].astype(np.float64)

    def metric(w: FloatArray) -> FloatArray:
        ws = w[:, order]
        pos_g = np.add.reduceat(ws * pos, starts, axis=1)
        all_g = np.add.reduceat(ws, starts, axis=1)
        tp, flagged = np.cumsum(pos_g, axis=1), np.cumsum(all_g, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(flagged > 0, tp / flagged, 0.0)
            result: FloatArray = (pos_g * precision).sum(axis=1) / pos_g.sum(axis=1)
        return result

    return metric


def brier(probabilities: FloatArray, labels: Labels) -> Metric:
    squared = (probabilities - labels) ** 2

    def metric(w: FloatArray) -> FloatArray:
        result: FloatArray = (w @ squared) / w.sum(axis=1)
        return result

    return metric


def ece_bins(probabilities: FloatArray, bins: int = 10) -> npt.NDArray[np.intp]:
    """Bin of each row: equal-count bins of predicted probability, fixed on the full set
    (as ``metrics.reliability_curve``: almost every return scores low)."""
    order = np.argsort(probabilities, kind="mergesort")
    assignment = np.empty(len(probabilities), dtype=np.intp)
    for b, part in enumerate(np.array_split(order, bins)):
        assignment[part] = b
    return assignment


def expected_calibration_error(probabilities: FloatArray, labels: Labels, bins: int = 10) -> Metric:
    """Sum over bins of (bin share) x |mean predicted - observed rate|."""
    assignment = ece_bins(probabilities, bins)
    onehot = np.zeros((len(probabilities), bins), dtype=np.float64)
    onehot[np.arange(len(probabilities)), assignment] = 1.0

    def metric(w: FloatArray) -> FloatArray:
        weight = w @ onehot
        predicted = (w * probabilities) @ onehot
        observed = (w * labels) @ onehot
        gap = np.abs(predicted - observed)  # = weight x |mean predicted - observed rate|
        result: FloatArray = gap.sum(axis=1) / weight.sum(axis=1)
        return result

    return metric


def precision_at(probabilities: FloatArray, labels: Labels, threshold: float) -> Metric:
    flagged = (probabilities >= threshold).astype(np.float64)
    hits = flagged * labels

    def metric(w: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            result: FloatArray = (w @ hits) / (w @ flagged)
        return result

    return metric


def recall_at(probabilities: FloatArray, labels: Labels, threshold: float) -> Metric:
    hits = (probabilities >= threshold).astype(np.float64) * labels
    positives = labels.astype(np.float64)

    def metric(w: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            result: FloatArray = (w @ hits) / (w @ positives)
        return result

    return metric


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None
    undefined: int  # resamples where the metric was undefined (e.g. nothing flagged)

    def to_json(self) -> dict[str, float | int | None]:
        return {"low": self.low, "high": self.high, "undefined_resamples": self.undefined}

    def contains(self, value: float) -> bool:
        return self.low is not None and self.high is not None and self.low <= value <= self.high


def interval(values: FloatArray, confidence: float = CONFIDENCE) -> Interval:
    """Percentile interval over the resamples where the metric is defined."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return Interval(None, None, len(values))
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return Interval(float(low), float(high), len(values) - len(finite))
