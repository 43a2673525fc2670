"""Settings of the returns_decision service (environment variables prefixed RETURNS_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.paths import REPO_ROOT, VAR_DIR
from services.common.settings import ServiceSettings


class ReturnsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNS_", extra="forbid", validate_default=True)

    port: int = Field(50051, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    metrics_port: int = Field(
        9101, ge=0, le=65535, description="Port of the metrics HTTP server; 0 picks a free one."
    )
    policies_dir: Path = Field(
        REPO_ROOT / "policies",
        description=(
            "Directory of merchant policies, one YAML document per tenant "
            "(docs/policy-reference.md). Watched: a changed file is validated and swapped in; "
            "a broken one never replaces the policy being served."
        ),
    )
    policy_reload_seconds: float = Field(
        2.0, ge=0.1, description="How often the policies directory is checked for changes."
    )
    risk_enabled: bool = Field(
        True,
        description=(
            "Score fraud and wardrobing with the registry's active models. Off: decisions "
            "are made without scores (risk rules see RISK_NOT_ASSESSED)."
        ),
    )
    models_registry: Path = Field(
        VAR_DIR / "models" / "registry",
        description=(
            "Model registry root (python -m models --help). The active fraud and wardrobing "
            "models are watched and hot-swapped on promote or rollback."
        ),
    )
    model_reload_seconds: float = Field(
        1.0, ge=0.1, description="How often the registry's active pointers are checked."
    )
    top_features: int = Field(
        3, ge=0, le=20, description="Contributing features reported with each risk score."
    )
