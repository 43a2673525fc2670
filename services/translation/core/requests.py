"""What one TranslateText or DetectLanguage call does, above the Translator: detect the
source language per text when the caller did not give it, and translate each group of
texts that share a source language in one batch.

Calls block (Apertium pipelines are subprocess I/O); the servicer runs them in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.language import LanguageCandidate, LanguageDetectorEngine
from services.translation.core.errors import UnsupportedLanguagePairError
from services.translation.core.glossary import Glossary
from services.translation.core.routing import Route, normalize_language
from services.translation.core.translator import TextFormat, TranslationResult, Translator


@dataclass(frozen=True)
class Translated:
    result: TranslationResult
    source_confidence: float  # 1.0 when the caller named the source language


class TranslationRequests:
    def __init__(self, translator: Translator, detector: LanguageDetectorEngine) -> None:
        self.translator = translator
        self.detector = detector

    def close(self) -> None:
        self.translator.close()

    def pairs(self) -> list[Route]:
        return self.translator.supported_pairs()

    def detect(self, texts: Sequence[str], top_k: int) -> list[tuple[LanguageCandidate, ...]]:
        self.translator.validate(texts, None, "texts")
        return self.detector.detect(texts, top_k)

    def translate(
        self,
        texts: Sequence[str],
        source_language: str | None,
        target_language: str,
        *,
        text_format: TextFormat,
        glossary: Glossary | None,
        timeout: float | None,
    ) -> list[Translated]:
        if source_language:
            results = self.translator.translate_batch(
                texts,
                source_language,
                target_language,
                text_format=text_format,
                glossary=glossary,
                timeout=timeout,
            )
            return [Translated(r, 1.0) for r in results]
        self.translator.validate(texts, glossary, "texts")
        target = normalize_language(target_language, "target_language")
        sources = self._detected_sources(texts, target)
        # One batch per detected source language, so each pipeline sees one pass.
        groups: dict[str, list[int]] = {}
        for i, (language, _) in enumerate(sources):
            groups.setdefault(language, []).append(i)
        out: list[Translated | None] = [None] * len(texts)
        for language, indices in groups.items():
            results = self.translator.translate_batch(
                [texts[i] for i in indices],
                language,
                target,
                text_format=text_format,
                glossary=glossary,
                timeout=timeout,
            )
            for i, result in zip(indices, results, strict=True):
                out[i] = Translated(result, sources[i][1])
        return [t for t in out if t is not None]

    def _detected_sources(self, texts: Sequence[str], target: str) -> list[tuple[str, float]]:
        """(language, confidence) per text; a text with no letters (an order number
        alone) is taken as already in the target language."""
        translatable = {p.source for p in self.translator.supported_pairs()} | {target}
        sources = []
        for i, candidates in enumerate(self.detector.detect(texts, top_k=1)):
            if not candidates:
                sources.append((target, 0.0))
                continue
            best = candidates[0]
            if best.code not in translatable:
                supported = [(p.source, p.target) for p in self.translator.supported_pairs()]
                raise UnsupportedLanguagePairError(
                    best.code, target, supported, field=f"texts[{i}]"
                )
            sources.append((best.code, best.confidence))
        return sources
