"""Which engine translates which pair: built from a JSON mapping (TRANSLATION_NEURAL_MODELS).

    {"en-de": {"engine": "ctranslate2", "model_dir": "/models/opus-mt-en-de"},
     "en-fr": {"model_dir": "/models/nllb-600M", "source_prefix": ["eng_Latn"],
               "source_suffix": ["</s>"], "target_prefix": ["fra_Latn"]}}

Keys are ``source-target`` ISO 639-1 codes. ``engine`` defaults to ``"ctranslate2"``;
``"apertium"`` (the default for every pair it has) is accepted so that an entry can be
switched back without deleting it. The neural engine comes first in the list the router
tries, so a configured pair is translated by its model; every other pair, and pivots
through Spanish, stay with Apertium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.base import TranslationEngine
from services.translation.engines.ctranslate2_engine import (
    CTranslate2Engine,
    EngineConfigError,
    NeuralModelConfig,
)

_PAIR = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")


class EngineEntry(BaseModel):
    """The configuration of one pair (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["ctranslate2", "apertium"] = "ctranslate2"
    model_dir: Path | None = None
    source_spm: Path | None = None
    target_spm: Path | None = None
    source_prefix: tuple[str, ...] = ()
    source_suffix: tuple[str, ...] = ()
    target_prefix: tuple[str, ...] = ()
    beam_size: int = Field(4, ge=1, le=16)
    max_decoding_length: int = Field(256, ge=1, le=4096)
    compute_type: str = "default"

    @model_validator(mode="after")
    def _model_dir_for_neural(self) -> EngineEntry:
        if self.engine == "ctranslate2" and self.model_dir is None:
            raise ValueError("model_dir is required for the ctranslate2 engine")
        if self.engine == "apertium" and len(self.model_fields_set - {"engine"}) > 0:
            raise ValueError("the apertium engine takes no other settings")
        return self

    def neural(self) -> NeuralModelConfig:
        assert self.model_dir is not None  # checked by the validator
        return NeuralModelConfig(
            model_dir=self.model_dir,
            source_spm=self.source_spm,
            target_spm=self.target_spm,
            source_prefix=self.source_prefix,
            source_suffix=self.source_suffix,
            target_prefix=self.target_prefix,
            beam_size=self.beam_size,
            max_decoding_length=self.max_decoding_length,
            compute_type=self.compute_type,
        )


def parse_engine_mapping(
    raw: str | Mapping[str, Any] | None,
) -> dict[tuple[str, str], EngineEntry]:
    """The mapping (JSON text or already decoded) per (source, target) pair.

    Raises EngineConfigError naming the offending pair and field.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EngineConfigError(f"the engine mapping is not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise EngineConfigError("the engine mapping must be a JSON object keyed by pair")
    entries: dict[tuple[str, str], EngineEntry] = {}
    for key, value in raw.items():
        match = _PAIR.fullmatch(str(key))
        if match is None or match.group(1) == match.group(2):
            raise EngineConfigError(
                f"{key!r}: keys are 'source-target' language codes such as 'en-de'"
            )
        try:
            entries[(match.group(1), match.group(2))] = EngineEntry.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise EngineConfigError(f"{key}: {problems}") from exc
    return entries


def neural_models(
    entries: Mapping[tuple[str, str], EngineEntry],
) -> dict[tuple[str, str], NeuralModelConfig]:
    return {pair: e.neural() for pair, e in entries.items() if e.engine == "ctranslate2"}


def build_engines(
    raw: str | Mapping[str, Any] | None,
    *,
    apertium: ApertiumEngine | None = None,
    device: str = "cpu",
    intra_threads: int = 1,
) -> list[TranslationEngine]:
    """The engines in the order the router tries them: the neural one (if any pair has a
    model), then Apertium. Nothing is loaded yet: call ``Translator.load()``."""
    models = neural_models(parse_engine_mapping(raw))
    engines: list[TranslationEngine] = []
    if models:
        engines.append(CTranslate2Engine(models, device=device, intra_threads=intra_threads))
    engines.append(apertium if apertium is not None else ApertiumEngine())
    return engines


__all__ = [
    "EngineConfigError",
    "EngineEntry",
    "build_engines",
    "neural_models",
    "parse_engine_mapping",
]
