"""Language detection engine shared by the services (lingua).

lingua is accurate on short texts, which customer messages often are, and bundles its
models in the package (nothing is downloaded). Restricting it to the languages a
service cares about keeps it fast (~0.1-0.5 ms a message) and its confidences
meaningful: they are relative among the configured languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder


def language_code(tag: str | None) -> str | None:
    """The ISO 639-1 code of a language tag as callers send it ("es", " PT-br ",
    "pt_BR" -> "pt"), or None when it names no two-letter language. The one rule every
    service reads language codes by."""
    if tag is None:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if len(primary) == 2 and primary.isascii() and primary.isalpha() else None


@dataclass(frozen=True, slots=True)
class LanguageCandidate:
    """One language the detector considers, with its relative confidence in [0, 1]."""

    code: str  # ISO 639-1
    confidence: float


class LanguageDetectorEngine:
    """lingua over a fixed set of ISO 639-1 languages; models preloaded by `load()`."""

    name = "lingua"

    def __init__(self, languages: Sequence[str]) -> None:
        unknown = [c for c in languages if not hasattr(IsoCode639_1, c.upper())]
        if unknown:
            raise ValueError(f"lingua does not know these ISO 639-1 codes: {unknown}")
        self.languages = tuple(sorted({c.lower() for c in languages}))
        self.version = version("lingua-language-detector")
        self._detector: LanguageDetector | None = None

    @property
    def loaded(self) -> bool:
        return self._detector is not None

    def load(self) -> None:
        """Build the detector with every language model in memory (a few seconds, once)."""
        codes = [getattr(IsoCode639_1, c.upper()) for c in self.languages]
        self._detector = (
            LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            .with_preloaded_language_models()
            .build()
        )

    def detect(self, texts: Sequence[str], top_k: int = 3) -> list[tuple[LanguageCandidate, ...]]:
        """The top candidates per text, best first; empty for a text with no letters."""
        if self._detector is None:
            raise RuntimeError("LanguageDetectorEngine.detect() called before load()")
        if len(texts) == 1:
            values = [self._detector.compute_language_confidence_values(texts[0])]
        else:
            values = self._detector.compute_language_confidence_values_in_parallel(list(texts))
        return [
            tuple(
                LanguageCandidate(v.language.iso_code_639_1.name.lower(), float(v.value))
                for v in per_text[:top_k]
                if v.value > 0.0
            )
            for per_text in values
        ]
