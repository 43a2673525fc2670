"""Language detection runtime (lingua).

lingua is accurate on short texts, which support messages often are. Restricting it to
the languages we serve plus a few common ones keeps it fast (~0.3-0.5 ms a message) and
keeps its confidences meaningful: they are relative among the configured languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder

from services.triage.core.types import ModelVersion
from services.triage.engines.base import EngineNotLoadedError

SERVED_LANGUAGES: tuple[Language, ...] = (
    Language.ENGLISH,
    Language.SPANISH,
    Language.FRENCH,
    Language.PORTUGUESE,
    Language.ITALIAN,
    Language.GERMAN,
)
"""Languages sentiment and intent are trained for."""

COMMON_OTHER_LANGUAGES: tuple[Language, ...] = (
    Language.DUTCH,
    Language.POLISH,
    Language.TURKISH,
    Language.RUSSIAN,
    Language.ARABIC,
    Language.CHINESE,
    Language.JAPANESE,
    Language.SWEDISH,
)
"""Detected so that they are not forced onto a served language, but not analysed further."""


@dataclass(frozen=True, slots=True)
class LanguageCandidate:
    """One language the detector considers, with its relative confidence in [0, 1]."""

    code: str
    confidence: float


class LanguageDetectorEngine:
    """lingua detector over a fixed language set; models are preloaded at `load()`."""

    name = "lingua-language-detector"

    def __init__(
        self,
        languages: Sequence[Language] = SERVED_LANGUAGES + COMMON_OTHER_LANGUAGES,
        top_k: int = 3,
    ) -> None:
        self._languages = tuple(languages)
        self._top_k = top_k
        self._detector: LanguageDetector | None = None
        self.model = ModelVersion(self.name, version("lingua-language-detector"))

    @property
    def loaded(self) -> bool:
        return self._detector is not None

    def load(self) -> None:
        """Build the detector with all language models in memory (~2 s, once)."""
        self._detector = (
            LanguageDetectorBuilder.from_languages(*self._languages)
            .with_preloaded_language_models()
            .build()
        )

    def predict(self, texts: Sequence[str]) -> list[tuple[LanguageCandidate, ...]]:
        """Top candidates per text, best first; empty when the text has no letters."""
        if self._detector is None:
            raise EngineNotLoadedError(self.model)
        if len(texts) == 1:
            values = [self._detector.compute_language_confidence_values(texts[0])]
        else:
            values = self._detector.compute_language_confidence_values_in_parallel(list(texts))
        return [self._candidates(v) for v in values]

    def _candidates(self, values: Sequence[ConfidenceValue]) -> tuple[LanguageCandidate, ...]:
        return tuple(
            LanguageCandidate(v.language.iso_code_639_1.name.lower(), float(v.value))
            for v in values[: self._top_k]
            if v.value > 0.0
        )
