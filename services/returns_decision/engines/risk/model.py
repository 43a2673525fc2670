"""One loaded risk model: booster on the fast path, calibration, bands, explanations.

Explanations (``RiskScore.top_features``) are per-feature contributions to the model's raw
score (log-odds, before calibration). By default they come from path attribution
(``path_attribution``: exact-additive, ~10-13 us per model for all contributions);
TreeSHAP stays available per call with ``explainer="shap"`` (Shapley values, better
theoretical properties, ~75-115 us per model on the production fraud model). The service
reports path attribution: see ``models/returns/README.md`` for why, and how the two differ.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import lightgbm
import numpy as np
import numpy.typing as npt

from services.returns_decision.core.risk import (
    EXPLANATION_METHODS,
    ExplanationMethod,
    FeatureContribution,
    RiskScore,
)
from services.returns_decision.engines.risk.artifact import MODEL_FILE, ModelMetadata, read_metadata
from services.returns_decision.engines.risk.bands import ScoreBands
from services.returns_decision.engines.risk.calibration import Calibrator, calibrator_from_json
from services.returns_decision.engines.risk.errors import (
    ExplanationError,
    ModelArtifactError,
    RiskModelError,
    SchemaMismatchError,
)
from services.returns_decision.engines.risk.fast_predict import FastBooster
from services.returns_decision.engines.risk.features import (
    FEATURE_NAMES,
    FEATURE_SCHEMA,
    FeatureSchema,
    RiskInput,
    build_features,
    feature_value_label,
)
from services.returns_decision.engines.risk.path_attribution import PathExplainer
from services.returns_decision.engines.risk.registry import active_version_dir

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
                "services.returns_decision.engines.risk.features"
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
        try:
            self._paths = PathExplainer(booster)
        except ExplanationError as exc:
            self._fast.close()
            raise ExplanationError(f"model {metadata.name} {metadata.version}: {exc}") from None

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
        """Runs every path once and checks the fast path against ``Booster.predict``.

        Also checks both explanation methods: the fast path's leaf indices against
        ``Booster.predict(pred_leaf=True)``, and base + contributions against the raw score.
        """
        row = build_features(WARM_UP_INPUT)
        fast = self._fast.predict(row)
        slow = float(self.booster.predict(np.array([row]), num_threads=1)[0])
        if not abs(fast - slow) <= WARM_UP_TOLERANCE:
            raise RiskModelError(
                f"model {self.name} {self.version}: fast path gives {fast!r}, "
                f"Booster.predict gives {slow!r}"
            )
        # Path attribution: LightGBM's leaves through the fast path must be Booster.predict's,
        # and bias + contributions must give back the raw score.
        leaves = self._fast.leaf_indices(row)
        slow_leaves = self.booster.predict(np.array([row]), pred_leaf=True, num_threads=1)[0]
        if not np.array_equal(leaves, slow_leaves):
            raise ExplanationError(
                f"model {self.name} {self.version}: leaf indices from the fast path differ "
                "from Booster.predict(pred_leaf=True)"
            )
        raw = self._fast.predict_raw(row)
        for method in EXPLANATION_METHODS:
            contributions, base = self.explain(row, explainer=method)
            total = base + float(contributions.sum())
            if not abs(total - raw) <= WARM_UP_TOLERANCE:
                raise ExplanationError(
                    f"model {self.name} {self.version}: {method} contributions add up to "
                    f"{total!r}, the raw score is {raw!r}"
                )
            score = self.score_features(row, top_k=3, explainer=method)
            raw_probability = score.raw_probability
            if raw_probability is None or not abs(raw_probability - slow) <= WARM_UP_TOLERANCE:
                raise RiskModelError(
                    f"model {self.name} {self.version}: scoring with {method} explanations "
                    f"gives {score.raw_probability!r}, Booster.predict gives {slow!r}"
                )
            if not (math.isfinite(score.probability) and 0.0 <= score.probability <= 1.0):
                raise RiskModelError(
                    f"model {self.name} {self.version}: calibrated probability "
                    f"{score.probability!r}"
                )

    def predict_row(self, row: Sequence[float]) -> float:
        """What ``Booster.predict`` returns for one feature row, through the fast path."""
        return self._fast.predict(row)

    def score(
        self, inp: RiskInput, *, top_k: int = 5, explainer: ExplanationMethod = "path"
    ) -> RiskScore:
        return self.score_features(build_features(inp), top_k=top_k, explainer=explainer)

    def score_features(
        self, row: Sequence[float], *, top_k: int = 5, explainer: ExplanationMethod = "path"
    ) -> RiskScore:
        """Scores a row built by ``build_features``; ``top_k=0`` skips explanations.

        ``explainer`` picks how ``top_features`` are computed: ``"path"`` (path attribution,
        the default, ~10-13 us) or ``"shap"`` (TreeSHAP, ~75-115 us). Building the top-k
        list from either adds a few microseconds more.
        """
        sigmoid = self._paths.sigmoid
        method: ExplanationMethod | None = explainer if top_k > 0 else None
        if method == "path" and sigmoid is not None:
            # One call into LightGBM: the leaves give both the contributions and the raw
            # score, and a binary model's probability is sigmoid(raw), as LightGBM computes
            # it (warm_up checks the result against Booster.predict).
            self._fast.load(row)
            contributions, raw_score = self._paths.contributions_and_raw(
                self._fast.leaf_indices_buffer()
            )
            raw = 1.0 / (1.0 + math.exp(-sigmoid * raw_score))
            top = self._top_features(contributions, row, top_k)
        else:
            raw = self._fast.predict(row)  # also leaves the row in the fast path's input buffer
            top = (
                self._top_features(self._contributions_loaded(row, explainer), row, top_k)
                if method
                else ()
            )
        probability = self.calibrator(raw)
        return RiskScore(
            model_name=self.name,
            model_version=self.version,
            probability=probability,
            raw_probability=raw,
            band=self.bands.band(probability),
            top_features=top,
            explanation_method=method,
        )

    def explain(
        self, row: Sequence[float], *, explainer: ExplanationMethod = "path"
    ) -> tuple[npt.NDArray[np.float64], float]:
        """Every feature's contribution for this row (log-odds), and the base value.

        ``base + contributions.sum()`` equals the raw score for either method. The base is
        the sum of the trees' root values for ``"path"`` and TreeSHAP's expected value for
        ``"shap"``; they differ.
        """
        if explainer == "shap":
            shap = self._fast.contributions(row)
            return shap[:-1], float(shap[-1])
        self._fast.load(row)
        return self._contributions_loaded(row, explainer), self._paths.bias

    def _contributions_loaded(
        self, row: Sequence[float], explainer: ExplanationMethod
    ) -> npt.NDArray[np.float64]:
        """Contributions for ``row``, which is already in the fast path's input buffer."""
        if explainer == "path":
            return self._paths.contributions(self._fast.leaf_indices_buffer())
        if explainer == "shap":
            return self._fast.contributions(row)[:-1]  # last entry is the expected value
        raise ValueError(f"explainer must be one of {EXPLANATION_METHODS}, not {explainer!r}")

    def top_features(
        self, row: Sequence[float], k: int, *, explainer: ExplanationMethod = "path"
    ) -> tuple[FeatureContribution, ...]:
        """The ``k`` features with the largest absolute contribution for this row.

        Ties keep feature order. When fewer than ``k`` features moved the score, the rest
        are listed with a contribution of 0.
        """
        self._fast.load(row)
        return self._top_features(self._contributions_loaded(row, explainer), row, k)

    @staticmethod
    def _top_features(
        contrib: npt.NDArray[np.float64], row: Sequence[float], k: int
    ) -> tuple[FeatureContribution, ...]:
        # Python ints and floats from here on: indexing numpy arrays per element is slower.
        order: list[int] = (-np.abs(contrib)).argsort(kind="stable")[:k].tolist()
        values: list[float] = contrib.tolist()
        return tuple(
            FeatureContribution(
                name=FEATURE_NAMES[i],
                value=feature_value_label(i, float(row[i])),
                contribution=values[i],
            )
            for i in order
        )

    def close(self) -> None:
        self._fast.close()


def load_active_model(registry_root: Path, name: str) -> RiskModel:
    """The active version of one model, loaded, schema-checked and warmed up."""
    return RiskModel.load(active_version_dir(registry_root, name))
