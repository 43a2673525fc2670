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
    pipelines_per_direction: int = Field(
        1,
        ge=1,
        le=16,
        description=(
            "Persistent Apertium pipelines per translation direction in each worker. "
            "Each holds 100-270 MB; calls beyond them wait for a free one."
        ),
    )
    preload_directions: list[str] = Field(
        default_factory=lambda: ["en-es", "es-en"],
        description=(
            "Directions whose pipelines start with the worker, as JSON, e.g. "
            '["en-es","es-en"]; the others start on first use.'
        ),
    )
    cache_segments: int = Field(
        20_000, ge=0, description="Segment translations kept in each worker's LRU cache."
    )
    pivot_language: str = Field(
        "es", description="Language that directions without a direct pair go through."
    )
    neural_models: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description=(
            "Pairs translated by a CTranslate2 model instead of Apertium, as JSON: "
            '{"en-de": {"model_dir": "/models/opus-mt-en-de", "source_spm": "source.spm", '
            '"target_spm": "target.spm"}} (README: neural engine). Other pairs, and pivots, '
            "stay with Apertium."
        ),
    )
    extra_detectable_languages: list[str] = Field(
        default_factory=lambda: ["de", "nl", "pl", "sv", "tr", "ru", "ar", "zh", "ja"],
        description=(
            "ISO 639-1 languages detected besides the translatable ones, as JSON, so that "
            "a message in them is recognised (and refused clearly) rather than mistaken."
        ),
    )
