"""Promotion targets: what a model version must reach on its own test split to go live.

One place for the figures. ``report.build_card`` records them in each model card
(``promotion_targets``), and the promotion gate (``gate.py``) checks a version against the
targets its card recorded, or against these defaults when it has no card (``--no-report``).
The default models (``build-defaults``: fraud test ROC-AUC 0.930, wardrobing 0.900) clear
them with a margin; a model trained on a few thousand rows may not, which is the point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from models.returns.dataset import Task

# A band's precision on fewer flagged test rows than this is noise (a handful of rows
# moves it by tens of points): the gate reports it as not judged instead of failing it.
MIN_FLAGGED_TO_JUDGE: Final = 10


@dataclass(frozen=True)
class PromotionTargets:
    min_roc_auc: float  # test split, calibrated probabilities
    # "band or above" precision on the test split, per band (as in the card's band table).
    min_band_precision: Mapping[str, float] = field(
        default_factory=lambda: {"CRITICAL": 0.50, "HIGH": 0.30}
    )
    # Against the active version on the same rows: the challenger may trail by at most this.
    max_roc_auc_loss: float = 0.005
    min_flagged_to_judge: int = MIN_FLAGGED_TO_JUDGE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["min_band_precision"] = dict(self.min_band_precision)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PromotionTargets:
        return cls(
            min_roc_auc=float(data["min_roc_auc"]),
            min_band_precision={
                str(k): float(v) for k, v in dict(data["min_band_precision"]).items()
            },
            max_roc_auc_loss=float(data["max_roc_auc_loss"]),
            min_flagged_to_judge=int(data.get("min_flagged_to_judge", MIN_FLAGGED_TO_JUDGE)),
        )


DEFAULT_TARGETS: Final[Mapping[Task, PromotionTargets]] = {
    "fraud": PromotionTargets(min_roc_auc=0.85),
    "wardrobing": PromotionTargets(min_roc_auc=0.80),
}


def targets_for(task: str) -> PromotionTargets:
    try:
        return DEFAULT_TARGETS[task]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"no promotion targets for task {task!r}") from None


@dataclass(frozen=True)
class Check:
    """One line of the gate's verdict."""

    name: str
    passed: bool
    detail: str
    judged: bool = True  # False: too little data to say (counts as passed)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_targets(test_metrics: Mapping[str, Any], targets: PromotionTargets) -> list[Check]:
    """The version's own test-split figures (``metadata.training.test_metrics``) against
    ``targets``."""
    checks: list[Check] = []
    auc = test_metrics.get("roc_auc")
    if not isinstance(auc, int | float) or not math.isfinite(auc):
        checks.append(Check("test ROC-AUC", False, "not recorded in the version's metadata"))
    else:
        checks.append(
            Check(
                "test ROC-AUC",
                auc >= targets.min_roc_auc,
                f"{auc:.4f} {'>=' if auc >= targets.min_roc_auc else '<'} "
                f"target {targets.min_roc_auc:.4f}",
            )
        )
    rows = int(test_metrics.get("rows") or 0)
    bands = test_metrics.get("bands") or {}
    for band, minimum in targets.min_band_precision.items():
        name = f"test {band} precision"
        row = bands.get(band)
        if row is None:
            checks.append(Check(name, False, "not recorded in the version's metadata"))
            continue
        flagged = round(float(row["flagged"]) * rows)
        precision = row["precision"]
        if flagged < targets.min_flagged_to_judge or precision is None:
            checks.append(
                Check(
                    name,
                    True,
                    f"not judged: {flagged} test row(s) flagged (< {targets.min_flagged_to_judge})",
                    judged=False,
                )
            )
            continue
        ok = precision >= minimum
        checks.append(
            Check(
                name,
                ok,
                f"{precision:.3f} {'>=' if ok else '<'} target {minimum:.3f} "
                f"({flagged} rows flagged)",
            )
        )
    return checks
