"""Both returns risk models behind one call: what the returns decision core uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Final

from services.returns_decision.core.requests import ReturnRequest
from services.returns_decision.core.risk import ExplanationMethod, RiskAssessment, ScoredRow
from services.returns_decision.engines.risk.features import RiskInput, build_features
from services.returns_decision.engines.risk.request_inputs import risk_inputs
from services.returns_decision.engines.risk.watcher import ModelWatcher

FRAUD_MODEL: Final = "returns_fraud"
WARDROBING_MODEL: Final = "returns_wardrobing"


class ReturnRiskScorer:
    """Scores a return request with the active fraud and wardrobing models.

    Builds the feature row once for both. One thread per instance (see ``fast_predict``).
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

    def load(self) -> None:
        """Loads both active models; raises ``RiskModelError`` if either cannot be loaded."""
        self.fraud.load()
        self.wardrobing.load()

    async def maybe_reload_in_thread(self) -> bool:
        """Polls both pointers, loading a promoted version on a worker thread (see
        ModelWatcher); True if either model was swapped."""
        swapped_fraud = await self.fraud.maybe_reload_in_thread()
        swapped_wardrobing = await self.wardrobing.maybe_reload_in_thread()
        return swapped_fraud or swapped_wardrobing

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
        return RiskAssessment(
            fraud=self.fraud.model.score_features(row, top_k=top_k, explainer=explainer),
            wardrobing=self.wardrobing.model.score_features(row, top_k=top_k, explainer=explainer),
            row=ScoredRow(inp, row),
        )

    def assess_items(
        self, request: ReturnRequest, requested_at: datetime, *, top_k: int = 3
    ) -> list[RiskAssessment]:
        """Both scores for each item of a validated request, in item order."""
        return [self.assess(i, top_k=top_k) for i in risk_inputs(request, requested_at)]

    @property
    def versions(self) -> dict[str, str | None]:
        return {self.fraud.name: self.fraud.version, self.wardrobing.name: self.wardrobing.version}
