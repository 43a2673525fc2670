"""Errors raised by the risk engine.

They carry no gRPC code on purpose: the risk engine is core code, and the servicer layer
decides how a failed model load or a bad artifact surfaces (usually as a health state, not
as a per-call error).
"""

from __future__ import annotations

from services.common import model_registry


class RiskModelError(Exception):
    """Base class: a risk model could not be loaded, validated or used."""


class ModelArtifactError(RiskModelError):
    """A model directory is missing a file or holds metadata this code cannot read."""


class SchemaMismatchError(RiskModelError):
    """The model was trained on other features than the ones this code builds."""


class ModelNotFoundError(RiskModelError, model_registry.ModelNotFoundError):
    """The registry has no such model, version, or active pointer."""


class FastPredictError(RiskModelError):
    """The LightGBM C API reported an error on the fast prediction path."""


class ExplanationError(RiskModelError):
    """A model's per-request explanations cannot be computed (or disagree with its scores)."""
