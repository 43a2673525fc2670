"""Settings of the translation service (environment variables prefixed TRANSLATION_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class TranslationSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRANSLATION_", extra="forbid", validate_default=True
    )

    port: int = Field(50053, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    metrics_port: int = Field(
        9103, ge=0, le=65535, description="Port of the metrics HTTP server; 0 picks a free one."
    )
