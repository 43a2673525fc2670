"""Classification metrics for the evaluation report, in plain numpy.

Definitions follow scikit-learn's (ROC-AUC with tied scores counted half, average
precision as the step-wise area under the precision-recall curve) so figures compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int8]


def _check(scores: FloatArray, labels: Labels) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError("scores and labels must be 1-d arrays of the same length")
    if y.all() or not y.any():
        raise ValueError("both classes must be present")
    return s, y


def roc_auc(scores: FloatArray, labels: Labels) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    s, y = _check(scores, labels)
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # Average rank within each group of tied scores.
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


@dataclass(frozen=True)
class PrecisionRecall:
    thresholds: FloatArray  # descending distinct scores
    precision: FloatArray  # of "score >= threshold"
    recall: FloatArray
    flagged: FloatArray  # share of rows with score >= threshold


def precision_recall(scores: FloatArray, labels: Labels) -> PrecisionRecall:
    s, y = _check(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    y_sorted = y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    # Keep the last position of each distinct score: thresholds are "score >= t".
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]
    tp_at = tp[last].astype(np.float64)
    fp_at = fp[last].astype(np.float64)
    return PrecisionRecall(
        thresholds=s_sorted[last],
        precision=tp_at / (tp_at + fp_at),
        recall=tp_at / float(y.sum()),
        flagged=(tp_at + fp_at) / float(len(y)),
    )


def roc_curve(scores: FloatArray, labels: Labels) -> tuple[FloatArray, FloatArray]:
    """(false positive rate, true positive rate) at each distinct threshold, from (0, 0)."""
    s, y = _check(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], len(s_sorted) - 1]
    tp = np.cumsum(y_sorted)[last] / float(y.sum())
    fp = np.cumsum(~y_sorted)[last] / float(len(y) - y.sum())
    return np.r_[0.0, fp], np.r_[0.0, tp]


def average_precision(scores: FloatArray, labels: Labels) -> float:
    """Area under the precision-recall curve, summed as sum((R_n - R_{n-1}) * P_n)."""
    pr = precision_recall(scores, labels)
    recall_steps = np.diff(np.r_[0.0, pr.recall])
    return float((recall_steps * pr.precision).sum())


def brier(probabilities: FloatArray, labels: Labels) -> float:
    p, y = _check(probabilities, labels)
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class Reliability:
    mean_predicted: FloatArray
    observed_rate: FloatArray
    count: npt.NDArray[np.int64]


def reliability_curve(probabilities: FloatArray, labels: Labels, bins: int = 10) -> Reliability:
    """Observed positive rate per bin of predicted probability (equal-count bins).

    Equal-count bins because almost all returns score low: fixed-width bins would leave
    the upper range with a handful of rows each.
    """
    p, y = _check(probabilities, labels)
    order = np.argsort(p, kind="mergesort")
    groups = [g for g in np.array_split(order, bins) if len(g)]
    return Reliability(
        mean_predicted=np.array([p[g].mean() for g in groups]),
        observed_rate=np.array([y[g].mean() for g in groups]),
        count=np.array([len(g) for g in groups], dtype=np.int64),
    )


def precision_recall_at(
    scores: FloatArray, labels: Labels, threshold: float
) -> tuple[float, float, float]:
    """(precision, recall, share flagged) of the rule ``score >= threshold``."""
    s, y = _check(scores, labels)
    flagged = s >= threshold
    n_flagged = int(flagged.sum())
    tp = int((flagged & y).sum())
    precision = tp / n_flagged if n_flagged else float("nan")
    return precision, tp / int(y.sum()), n_flagged / len(y)
