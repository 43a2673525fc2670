"""Language detection for triage: the shared lingua engine (services/common/language.py)
over the languages triage serves plus a few common others, behind the triage engines'
interface (a model version, EngineNotLoadedError before `load()`)."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.language import LanguageCandidate, LanguageDetectorEngine
from services.triage.core.types import ModelVersion
from services.triage.engines.base import EngineNotLoadedError

SERVED_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "pt", "it", "de")
"""Languages sentiment and intent are trained for (ISO 639-1)."""

COMMON_OTHER_LANGUAGES: tuple[str, ...] = ("nl", "pl", "tr", "ru", "ar", "zh", "ja", "sv")
"""Detected so that they are not forced onto a served language, but not analysed further."""

__all__ = ["LanguageCandidate", "TriageLanguageDetector"]


class TriageLanguageDetector:
    """The shared lingua engine with triage's languages; models preloaded at `load()`."""

    name = "lingua-language-detector"

    def __init__(
        self,
        languages: Sequence[str] = SERVED_LANGUAGES + COMMON_OTHER_LANGUAGES,
        top_k: int = 3,
    ) -> None:
        self._engine = LanguageDetectorEngine(languages)
        self._top_k = top_k
        self.model = ModelVersion(self.name, self._engine.version)

    @property
    def loaded(self) -> bool:
        return self._engine.loaded

    def load(self) -> None:
        """Build the detector with all language models in memory (~2 s, once)."""
        self._engine.load()

    def predict(self, texts: Sequence[str]) -> list[tuple[LanguageCandidate, ...]]:
        """Top candidates per text, best first; empty when the text has no letters."""
        if not self._engine.loaded:
            raise EngineNotLoadedError(self.model)
        return self._engine.detect(texts, top_k=self._top_k)
