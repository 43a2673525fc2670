"""Calibration maps and score bands as stored in model metadata."""

from __future__ import annotations

import math

import numpy as np
import pytest

from services.returns_decision.core.risk import RiskBand
from services.returns_decision.engines.risk.bands import ScoreBands
from services.returns_decision.engines.risk.calibration import (
    IdentityCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    calibrator_from_json,
)
from services.returns_decision.engines.risk.errors import ModelArtifactError


def test_platt_matches_formula_and_round_trips() -> None:
    cal = PlattCalibrator(a=0.8, b=-1.3)
    for p in (1e-12, 0.01, 0.3, 0.5, 0.97, 1.0 - 1e-12, 0.0, 1.0):
        q = min(max(p, 1e-15), 1 - 1e-15)
        z = 0.8 * math.log(q / (1 - q)) - 1.3
        assert math.isclose(cal(p), 1 / (1 + math.exp(-z)), rel_tol=1e-12)
    assert calibrator_from_json(cal.to_json()) == cal


def test_isotonic_interpolates_like_numpy() -> None:
    x, y = (0.1, 0.2, 0.3, 0.5, 0.9), (0.0, 0.05, 0.05, 0.4, 0.8)
    cal = IsotonicCalibrator(x=x, y=y)
    probe = np.linspace(0, 1, 101)
    got = [cal(float(p)) for p in probe]
    np.testing.assert_allclose(got, np.interp(probe, x, y), atol=1e-12)
    assert calibrator_from_json(cal.to_json()) == cal
    # A repeated x is a step: the right-hand value from that x on.
    step = IsotonicCalibrator(x=(0.1, 0.2, 0.2), y=(0.0, 0.05, 0.1))
    assert step(0.2) == 0.1
    assert math.isclose(step(0.15), 0.025)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "magic"}, "unknown calibration"),
        ({"method": "platt", "a": "1"}, "numbers"),
        ({"method": "isotonic", "x": [0.2, 0.1], "y": [0, 1]}, "sorted"),
        ({"method": "isotonic", "x": [0.1], "y": []}, "as many"),
    ],
)
def test_bad_calibration_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ModelArtifactError, match=message):
        calibrator_from_json(data)


def test_identity() -> None:
    assert calibrator_from_json({"method": "none"})(0.25) == 0.25
    assert IdentityCalibrator().to_json() == {"method": "none"}


def test_bands_boundaries_are_inclusive() -> None:
    bands = ScoreBands(medium=0.05, high=0.3, critical=0.8)
    assert bands.band(0.0) is RiskBand.LOW
    assert bands.band(0.05) is RiskBand.MEDIUM
    assert bands.band(0.2999) is RiskBand.MEDIUM
    assert bands.band(0.3) is RiskBand.HIGH
    assert bands.band(0.8) is RiskBand.CRITICAL
    assert ScoreBands.from_json(bands.to_json()) == bands


@pytest.mark.parametrize(
    "data",
    [
        {"MEDIUM": 0.5, "HIGH": 0.3, "CRITICAL": 0.8},
        {"MEDIUM": 0.1, "HIGH": 0.3, "CRITICAL": 1.5},
        {"MEDIUM": 0.1, "HIGH": 0.3},
        {"MEDIUM": "x", "HIGH": 0.3, "CRITICAL": 0.4},
    ],
)
def test_bad_bands_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ModelArtifactError):
        ScoreBands.from_json(data)
