"""Both returns risk models behind one call: what the returns decision core uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Final

from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import (
    ExplanationMethod,
    RiskAssessment,
    RiskScore,
    ScoredRow,
)
from services.returns_decision.engines.risk.features import RiskInput, build_features
from services.returns_decision.engines.risk.model import RiskModel
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.engines.risk.watcher import ModelWatcher, ShadowWatcher

FRAUD_MODEL: Final = "returns_fraud"
WARDROBING_MODEL: Final = "returns_wardrobing"


class ReturnRiskScorer:
    """Scores a return request with the active fraud and wardrobing models.

    Builds the feature row once for both. One thread per instance (see ``fast_predict``).
    A version marked shadow (``python -m models shadow``) is scored on the same row without
    explanations and kept beside the active scores for the decision log.
    """

    def __init__(
        self,
        registry_root: Path,
        *,
        fraud_model: str = FRAUD_MODEL,
        wardrobing_model: str = WARDROBING_MODEL,
    ) -> None:
        self.fraud = ModelWatcher(registry_root, fraud_model)
        self.wardrobing = ModelWatcher(registry_root, wardrobing_model)
        self.fraud_shadow = ShadowWatcher(registry_root, fraud_model)
        self.wardrobing_shadow = ShadowWatcher(registry_root, wardrobing_model)

    def load(self) -> None:
        """Loads both active models; raises ``RiskModelError`` if either cannot be loaded.
        Shadows marked now are loaded too (one that cannot be is refused, not fatal)."""
        self.fraud.load()
        self.wardrobing.load()
        self.fraud_shadow.load()
        self.wardrobing_shadow.load()

    async def maybe_reload_in_thread(self) -> bool:
        """Polls both pointers and both shadow marks, loading a new version on a worker
        thread (see ModelWatcher); True if any model or shadow changed."""
        changed = [
            await self.fraud.maybe_reload_in_thread(),
            await self.wardrobing.maybe_reload_in_thread(),
            await self.fraud_shadow.maybe_reload_in_thread(),
            await self.wardrobing_shadow.maybe_reload_in_thread(),
        ]
        return any(changed)

    def assess(
        self, inp: RiskInput, *, top_k: int = 3, explainer: ExplanationMethod = "path"
    ) -> RiskAssessment:
        """Both scores, each with its ``top_k`` features (``top_k=0``: none).

        The features come from path attribution by default: exact-additive (the bias plus
        all contributions give the raw score) and cheap enough for every request.
        ``explainer="shap"`` asks for TreeSHAP instead, several times dearer; see
        ``models/returns/README.md`` ("Explanations").
        """
        row = build_features(inp)
        fraud = self.fraud.model.score_features(row, top_k=top_k, explainer=explainer)
        wardrobing = self.wardrobing.model.score_features(row, top_k=top_k, explainer=explainer)
        return RiskAssessment(
            fraud=fraud,
            wardrobing=wardrobing,
            row=ScoredRow(inp, row),
            fraud_shadow=_shadow_score(self.fraud_shadow.model, fraud, row),
            wardrobing_shadow=_shadow_score(self.wardrobing_shadow.model, wardrobing, row),
        )

    def assess_items(
        self, request: ReturnRequest, requested_at: datetime, *, top_k: int = 3
    ) -> list[RiskAssessment]:
        """Both scores for each item of a validated request, in item order."""
        return [self.assess(i, top_k=top_k) for i in risk_inputs(request, requested_at)]

    @property
    def versions(self) -> dict[str, str | None]:
        return {self.fraud.name: self.fraud.version, self.wardrobing.name: self.wardrobing.version}

    @property
    def shadow_versions(self) -> dict[str, str | None]:
        return {
            self.fraud_shadow.name: self.fraud_shadow.version,
            self.wardrobing_shadow.name: self.wardrobing_shadow.version,
        }


def _shadow_score(
    shadow: RiskModel | None, active: RiskScore, row: list[float]
) -> RiskScore | None:
    # A shadow that has since been promoted would only repeat the active score.
    if shadow is None or shadow.version == active.model_version:
        return None
    return shadow.score_features(row, top_k=0)
