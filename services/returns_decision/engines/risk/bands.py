"""Score bands: the calibrated probability cut into LOW / MEDIUM / HIGH / CRITICAL.

The thresholds are chosen at training time for target precision and recall (see
``models.returns.band_selection``) and stored with the model, so a retrained model brings
its own cut-offs and callers act on the band, not on raw numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.returns_decision.core.risk import RiskBand
from services.returns_decision.engines.risk.errors import ModelArtifactError


@dataclass(frozen=True, slots=True)
class ScoreBands:
    """Lower bounds (inclusive) of the three upper bands, on the calibrated probability."""

    medium: float
    high: float
    critical: float

    def __post_init__(self) -> None:
        values = (self.medium, self.high, self.critical)
        if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values):
            raise ModelArtifactError(f"band thresholds must be within 0..1, got {values}")
        if not self.medium <= self.high <= self.critical:
            raise ModelArtifactError(f"band thresholds must not decrease, got {values}")

    def band(self, probability: float) -> RiskBand:
        if probability >= self.critical:
            return RiskBand.CRITICAL
        if probability >= self.high:
            return RiskBand.HIGH
        if probability >= self.medium:
            return RiskBand.MEDIUM
        return RiskBand.LOW

    def to_json(self) -> dict[str, float]:
        return {"MEDIUM": self.medium, "HIGH": self.high, "CRITICAL": self.critical}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoreBands:
        try:
            return cls(float(data["MEDIUM"]), float(data["HIGH"]), float(data["CRITICAL"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelArtifactError(f"bad band thresholds {dict(data)!r}: {exc}") from None
