"""Probability calibration applied after the booster, identically in training and serving.

The booster is trained with positive-class weighting (see ``models.returns.train``), so its
raw probabilities overstate risk; a calibration map fitted on the validation split turns
them back into frequencies. The map is stored in the model's metadata as plain numbers
and applied here with the standard library only (a few hundred nanoseconds per row).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.returns_decision.engines.risk.errors import ModelArtifactError

_P_MIN = 1e-15  # keeps the logit finite for boosters that output exactly 0 or 1


class Calibrator(Protocol):
    def __call__(self, probability: float) -> float: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class IdentityCalibrator:
    def __call__(self, probability: float) -> float:
        return probability

    def to_json(self) -> dict[str, Any]:
        return {"method": "none"}


@dataclass(frozen=True, slots=True)
class PlattCalibrator:
    """sigmoid(a * logit(p) + b): monotone, so it keeps the ranking (and the AUC)."""

    a: float
    b: float

    def __call__(self, probability: float) -> float:
        p = min(max(probability, _P_MIN), 1.0 - _P_MIN)
        z = self.a * (math.log(p) - math.log1p(-p)) + self.b
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def to_json(self) -> dict[str, Any]:
        return {"method": "platt", "a": self.a, "b": self.b}


@dataclass(frozen=True, slots=True)
class IsotonicCalibrator:
    """Piecewise-linear through (x[i], y[i]), flat outside: what isotonic regression predicts."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y) or not self.x:
            raise ModelArtifactError("isotonic calibration needs as many x as y values, >= 1")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ModelArtifactError("isotonic calibration x values must be sorted")

    def __call__(self, probability: float) -> float:
        x, y = self.x, self.y
        if probability <= x[0]:
            return y[0]
        if probability >= x[-1]:
            return y[-1]
        i = bisect.bisect_right(x, probability)
        x0, x1 = x[i - 1], x[i]
        if x1 == x0:
            return y[i]
        return y[i - 1] + (y[i] - y[i - 1]) * (probability - x0) / (x1 - x0)

    def to_json(self) -> dict[str, Any]:
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}


def _floats(data: Mapping[str, Any], key: str) -> tuple[float, ...]:
    values = data.get(key)
    if not isinstance(values, Sequence) or not all(isinstance(v, int | float) for v in values):
        raise ModelArtifactError(f"calibration.{key} must be a list of numbers")
    return tuple(float(v) for v in values)


def calibrator_from_json(data: Mapping[str, Any]) -> Calibrator:
    method = data.get("method")
    if method == "none":
        return IdentityCalibrator()
    if method == "platt":
        a, b = data.get("a"), data.get("b")
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            raise ModelArtifactError("calibration a and b must be numbers")
        return PlattCalibrator(float(a), float(b))
    if method == "isotonic":
        return IsotonicCalibrator(_floats(data, "x"), _floats(data, "y"))
    raise ModelArtifactError(f"unknown calibration method {method!r}")
