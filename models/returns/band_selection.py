"""Choosing score-band thresholds for target precision and recall, on the validation split.

CRITICAL is for automatic action (hold the refund until inspection): high precision, and
at most ~1 % of returns, as production fraud systems flag. HIGH asks for a human look:
moderate precision. MEDIUM catches most abuse for softer measures (no instant refund):
a recall target, capped so that MEDIUM and above stays a minority of returns. LOW is
everything else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from models.returns.metrics import PrecisionRecall, precision_recall, precision_recall_at
from services.returns_decision.engines.risk.bands import ScoreBands

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BandTargets:
    critical_precision: float = 0.80
    critical_max_flagged: float = 0.01
    high_precision: float = 0.50
    medium_recall: float = 0.90
    medium_max_flagged: float = 0.15  # a band that flags half of all returns helps no one
    min_true_positives: int = 5  # a threshold resting on fewer hits is noise


def _lowest_threshold(
    pr: PrecisionRecall, precision: float, max_flagged: float, min_tp: int, n_pos: int
) -> float | None:
    ok = (
        (pr.precision >= precision)
        & (pr.flagged <= max_flagged)
        & (pr.recall * n_pos >= min_tp - 1e-9)
    )
    idx = np.nonzero(ok)[0]
    return None if len(idx) == 0 else float(pr.thresholds[idx[-1]])


def choose_bands(
    probabilities: FloatArray, labels: npt.NDArray[np.int8], targets: BandTargets
) -> tuple[ScoreBands, dict[str, Any]]:
    """Thresholds meeting the targets where the data allow; the report says which did."""
    pr = precision_recall(probabilities, labels)
    n_pos = int(np.asarray(labels).sum())
    notes: dict[str, Any] = {"targets": asdict(targets)}

    critical = _lowest_threshold(
        pr,
        targets.critical_precision,
        targets.critical_max_flagged,
        targets.min_true_positives,
        n_pos,
    )
    notes["critical_target_met"] = critical is not None
    if critical is None:
        # Unreachable precision: fall back to the flag-rate cap with the best precision.
        capped = np.nonzero(pr.flagged <= targets.critical_max_flagged)[0]
        best = capped[np.argmax(pr.precision[capped])] if len(capped) else 0
        critical = float(pr.thresholds[best])

    high = _lowest_threshold(pr, targets.high_precision, 1.0, targets.min_true_positives, n_pos)
    notes["high_target_met"] = high is not None
    high = critical if high is None else min(high, critical)

    reach = np.nonzero(
        (pr.recall >= targets.medium_recall) & (pr.flagged <= targets.medium_max_flagged)
    )[0]
    notes["medium_target_met"] = len(reach) > 0
    if len(reach):
        medium = float(pr.thresholds[reach[0]])
    else:  # the recall target costs too many flags: take as much recall as the cap allows
        capped = np.nonzero(pr.flagged <= targets.medium_max_flagged)[0]
        medium = float(pr.thresholds[capped[-1]]) if len(capped) else float(pr.thresholds[0])
    medium = min(medium, high)

    bands = ScoreBands(medium=medium, high=high, critical=critical)
    notes["validation"] = band_table(probabilities, labels, bands)
    return bands, notes


def band_table(
    probabilities: FloatArray, labels: npt.NDArray[np.int8], bands: ScoreBands
) -> dict[str, dict[str, float | None]]:
    """Precision, recall and share flagged of "band or above", for each band.

    Precision is None where the band flags nothing (JSON has no NaN).
    """
    table: dict[str, dict[str, float | None]] = {}
    for name, threshold in bands.to_json().items():
        precision, recall, flagged = precision_recall_at(probabilities, labels, threshold)
        table[name] = {
            "threshold": threshold,
            "precision": None if np.isnan(precision) else precision,
            "recall": recall,
            "flagged": flagged,
        }
    return table
