"""Risk scores: what the risk models produce and what a decision takes as its risk input.

One type for both, so a score reaches the decision and the response as the model gave it.
A score built by hand (a test, a benchmark) may leave out what only a model knows: the
uncalibrated probability and the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal


class RiskBand(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


ExplanationMethod = Literal["path", "shap"]
"""``"path"``: path attribution, the default. ``"shap"``: TreeSHAP."""

EXPLANATION_METHODS: Final[tuple[ExplanationMethod, ...]] = ("path", "shap")


@dataclass(frozen=True, slots=True)
class FeatureContribution:
    """One feature's share of a score, in log-odds (raw score) of the uncalibrated model.

    Positive raises the risk. Computed by path attribution unless the caller asked for
    TreeSHAP; ``RiskScore.explanation_method`` says which.
    """

    name: str
    value: float | str | None  # category label for categorical features; None if missing
    contribution: float


@dataclass(frozen=True, slots=True)
class RiskScore:
    model_name: str
    model_version: str
    probability: float  # calibrated: an estimate of how often such returns are abusive
    band: RiskBand
    # The booster's output before calibration, equal to Booster.predict; None when the
    # score did not come from a model.
    raw_probability: float | None = None
    top_features: tuple[FeatureContribution, ...] = ()  # largest |contribution| first
    # How top_features were computed: "path" (path attribution) or "shap" (TreeSHAP);
    # None when no explanation was asked for (top_k=0).
    explanation_method: ExplanationMethod | None = None


@dataclass(frozen=True, slots=True)
class ScoredRow:
    """What the models scored for one item, kept as the engine built it for the decision
    log, which turns it into training rows off the request path."""

    inputs: object  # the engine's model input (engines/risk RiskInput)
    features: Sequence[float]  # the feature row both models scored


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """Both models' scores for one request (or one item of it)."""

    fraud: RiskScore
    wardrobing: RiskScore
    row: ScoredRow | None = None  # an item's scored row; None for a request's summary
    # The versions marked shadow, scored on the same row for the decision log only: never
    # part of a decision or a response. None when no shadow is set.
    fraud_shadow: RiskScore | None = None
    wardrobing_shadow: RiskScore | None = None
