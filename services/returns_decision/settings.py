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
    decision_log_enabled: bool = Field(
        True,
        description=(
            "Log every decision (the scored feature rows, scores, bands, versions and "
            "outcome, ids only) as Parquet under decision_log_dir, off the request path, "
            "and accept RecordOutcomes for them (docs/decision-log.md)."
        ),
    )
    decision_log_dir: Path = Field(
        VAR_DIR / "decision-log",
        description=(
            "Directory of the decision log: decisions/date=YYYY-MM-DD/part-*.parquet and "
            "index.sqlite (the logged lines and their outcomes), shared by the workers."
        ),
    )
    decision_log_queue_size: int = Field(
        10_000,
        ge=1,
        description=(
            "Decisions waiting for the log's writer thread, at most; beyond it they are "
            "dropped and counted (returns_decision_log_dropped_total), never waited for."
        ),
    )
    decision_log_flush_seconds: float = Field(
        60.0, gt=0, description="How often buffered decisions are written as a Parquet file."
    )
    decision_log_max_file_records: int = Field(
        10_000,
        ge=1,
        description="Rows (one per returned item) per Parquet file: the buffer's bound.",
    )
