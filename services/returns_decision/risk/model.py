"""One loaded risk model: booster on the fast path, calibration, bands, explanations."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import lightgbm
import numpy as np

from models.returns.features import (
    FEATURE_NAMES,
    FEATURE_SCHEMA,
    FeatureSchema,
    RiskInput,
    build_features,
    feature_value_label,
)
from services.returns_decision.risk.artifact import MODEL_FILE, ModelMetadata, read_metadata
from services.returns_decision.risk.bands import Band, ScoreBands
from services.returns_decision.risk.calibration import Calibrator, calibrator_from_json
from services.returns_decision.risk.errors import (
    ModelArtifactError,
    RiskModelError,
    SchemaMismatchError,
)
from services.returns_decision.risk.fast_predict import FastBooster

# Scored at load time through both paths; a disagreement means the artifact or the fast
# path is broken, and the model is refused before it serves anything.
WARM_UP_INPUT: Final = RiskInput(
    requested_on=dt.date(2024, 1, 3),
    order_value=240.0,
    item_price=180.0,
    item_category="formalwear",
    final_sale=False,
    reason_code="changed_mind",
    days_order_to_delivery=3,
    days_delivery_to_request=12,
    account_age_days=400,
    lifetime_orders=9,
    lifetime_spend=820.0,
    returns_90d=2,
    returns_365d=5,
    keep_it_refunds=0,
    chargebacks=0,
    payment_method="bnpl",
    channel="app",
    discount_share=0.1,
    condition="like_new",
    items_in_order=2,
)
WARM_UP_TOLERANCE: Final = 1e-9


@dataclass(frozen=True, slots=True)
class FeatureContribution:
    """One feature's share of a score: SHAP value in log-odds of the uncalibrated model."""

    name: str
    value: float | str | None  # category label for categorical features; None if missing
    contribution: float


@dataclass(frozen=True, slots=True)
class RiskScore:
    model_name: str
    model_version: str
    probability: float  # calibrated: an estimate of how often such returns are abusive
    raw_probability: float  # the booster's output, equal to Booster.predict
    band: Band
    top_features: tuple[FeatureContribution, ...]  # largest |contribution| first


class RiskModel:
    """A model version from a registry directory, checked against this code's features.

    Not thread-safe (see ``fast_predict``): use it from one thread.
    """

    def __init__(
        self,
        booster: lightgbm.Booster,
        metadata: ModelMetadata,
        *,
        expected_schema: FeatureSchema = FEATURE_SCHEMA,
    ) -> None:
        problems = expected_schema.differences(metadata.feature_schema)
        if problems:
            raise SchemaMismatchError(
                f"model {metadata.name} {metadata.version} was trained on features this code "
                f"does not build ({'; '.join(problems)}); retrain it with the current "
                "models.returns.features"
            )
        names = tuple(booster.feature_name())
        expected_names = tuple(f.name for f in expected_schema.features)
        if names != expected_names:
            raise SchemaMismatchError(
                f"model {metadata.name} {metadata.version}: booster feature names {names} "
                f"differ from the schema's {expected_names}"
            )
        self.name = metadata.name
        self.version = metadata.version
        self.metadata = metadata
        self.booster = booster
        self.bands = ScoreBands.from_json(metadata.bands)
        self.calibrator: Calibrator = calibrator_from_json(metadata.calibration)
        self._fast = FastBooster(booster)

    @classmethod
    def load(cls, directory: Path, *, expected_schema: FeatureSchema = FEATURE_SCHEMA) -> RiskModel:
        metadata = read_metadata(directory)
        if metadata.version != directory.name:
            raise ModelArtifactError(
                f"{directory}: metadata says version {metadata.version!r}, "
                f"the directory is {directory.name!r}"
            )
        path = directory / MODEL_FILE
        if not path.is_file():
            raise ModelArtifactError(f"{path}: missing")
        try:
            booster = lightgbm.Booster(model_file=str(path))
        except lightgbm.basic.LightGBMError as exc:
            raise ModelArtifactError(f"{path}: LightGBM cannot load it: {exc}") from None
        model = cls(booster, metadata, expected_schema=expected_schema)
        model.warm_up()
        return model

    def warm_up(self) -> None:
        """Runs every path once and checks the fast path against ``Booster.predict``."""
        row = build_features(WARM_UP_INPUT)
        fast = self._fast.predict(row)
        slow = float(self.booster.predict(np.array([row]), num_threads=1)[0])
        if not abs(fast - slow) <= WARM_UP_TOLERANCE:
            raise RiskModelError(
                f"model {self.name} {self.version}: fast path gives {fast!r}, "
                f"Booster.predict gives {slow!r}"
            )
        score = self.score_features(row, top_k=3)
        if not (math.isfinite(score.probability) and 0.0 <= score.probability <= 1.0):
            raise RiskModelError(
                f"model {self.name} {self.version}: calibrated probability {score.probability!r}"
            )

    def score(self, inp: RiskInput, *, top_k: int = 5) -> RiskScore:
        return self.score_features(build_features(inp), top_k=top_k)

    def score_features(self, row: Sequence[float], *, top_k: int = 5) -> RiskScore:
        """Scores a row built by ``build_features``; ``top_k=0`` skips explanations."""
        raw = self._fast.predict(row)
        probability = self.calibrator(raw)
        top = self.top_features(row, top_k) if top_k > 0 else ()
        return RiskScore(
            model_name=self.name,
            model_version=self.version,
            probability=probability,
            raw_probability=raw,
            band=self.bands.band(probability),
            top_features=top,
        )

    def top_features(self, row: Sequence[float], k: int) -> tuple[FeatureContribution, ...]:
        """The ``k`` features with the largest absolute SHAP value for this row."""
        contrib = self._fast.contributions(row)[:-1]  # last entry is the expected value
        order = np.argsort(-np.abs(contrib), kind="stable")[:k]
        return tuple(
            FeatureContribution(
                name=FEATURE_NAMES[i],
                value=feature_value_label(int(i), float(row[i])),
                contribution=float(contrib[i]),
            )
            for i in order
        )

    def close(self) -> None:
        self._fast.close()
