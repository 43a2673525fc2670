"""Returns risk engine: LightGBM fraud and wardrobing scores on the C API fast path.

Typical use by the service (one instance per worker process, on its event-loop thread)::

    scorer = ReturnRiskScorer(registry_root)
    scorer.load()                       # at start-up; raises RiskModelError
    assessment = scorer.assess(risk_input, top_k=3)  # top features by path attribution
    await scorer.maybe_reload_in_thread()  # every second or so, from the event loop
"""

from pathlib import Path

from models.returns.features import FeatureError, RiskInput, build_features
from services.returns_decision.risk.bands import Band, ScoreBands
from services.returns_decision.risk.errors import (
    ExplanationError,
    FastPredictError,
    ModelArtifactError,
    ModelNotFoundError,
    RiskModelError,
    SchemaMismatchError,
)
from services.returns_decision.risk.fast_predict import FastBooster
from services.returns_decision.risk.model import FeatureContribution, RiskModel, RiskScore
from services.returns_decision.risk.path_attribution import ExplanationMethod, PathExplainer
from services.returns_decision.risk.registry import active_version_dir, read_pointer
from services.returns_decision.risk.scorer import (
    FRAUD_MODEL,
    WARDROBING_MODEL,
    ReturnRiskScorer,
    RiskAssessment,
)
from services.returns_decision.risk.watcher import ModelWatcher

__all__ = [
    "FRAUD_MODEL",
    "WARDROBING_MODEL",
    "Band",
    "ExplanationError",
    "ExplanationMethod",
    "FastBooster",
    "FastPredictError",
    "FeatureContribution",
    "FeatureError",
    "ModelArtifactError",
    "ModelNotFoundError",
    "ModelWatcher",
    "PathExplainer",
    "ReturnRiskScorer",
    "RiskAssessment",
    "RiskInput",
    "RiskModel",
    "RiskModelError",
    "RiskScore",
    "SchemaMismatchError",
    "ScoreBands",
    "active_version_dir",
    "build_features",
    "load_active_model",
    "read_pointer",
]


def load_active_model(registry_root: Path, name: str) -> RiskModel:
    """The active version of one model, loaded, schema-checked and warmed up."""
    return RiskModel.load(active_version_dir(registry_root, name))
