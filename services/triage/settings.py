"""Settings of the triage service (environment variables prefixed TRIAGE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.model_registry import DEFAULT_ROOT
from services.common.settings import ServiceSettings
from services.triage.core.config import DEFAULT_CONFIG_PATH


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="forbid", validate_default=True)

    port: int = Field(50052, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    metrics_port: int = Field(
        9102, ge=0, le=65535, description="Port of the metrics HTTP server; 0 picks a free one."
    )
    # A message takes ~7 ms of a worker's one model thread: 32 started calls take ~0.25 s
    # (at 64 a queued call waited ~1.3 s under overload, past a 1 s deadline). Calls still
    # in gRPC's queue keep the common bound: a caller with 32 in flight is never refused.
    max_concurrent_rpcs: int = Field(
        32,
        ge=1,
        description=(
            "Calls one worker has started and not answered; more are answered "
            "RESOURCE_EXHAUSTED at once instead of queueing without bound."
        ),
    )
    models_registry: Path = Field(
        DEFAULT_ROOT,
        description=(
            "Model registry root (python -m models.triage --help). The active triage_sentiment "
            "and triage_intent versions are served, watched and hot-swapped on promote or "
            "rollback; the service does not start without them (`make models` builds them)."
        ),
    )
    model_reload_seconds: float = Field(
        1.0, ge=0.1, description="How often the registry's active pointers are checked."
    )
    model_dir: Path | None = Field(
        None,
        description=(
            "Serve this fixed artifact directory (`python -m models.triage train --out DIR`) "
            "instead of the registry's active versions; never reloaded."
        ),
    )
    config_file: Path = Field(
        DEFAULT_CONFIG_PATH,
        description="Priority, escalation and routing configuration (docs/triage-priority.md).",
    )
    tenant_config_dir: Path | None = Field(
        None,
        description="Directory of per-tenant overrides, <tenant_id>.yaml, merged over config_file.",
    )
