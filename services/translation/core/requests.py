"""What one TranslateText or DetectLanguage call does, above the Translator: check the
batch as a whole, answer each text with its result or its own error, detect the source
language per text when the caller did not give it, and translate each group of texts
that share a source language in one batch.

Calls block (Apertium pipelines are subprocess I/O); the servicer runs them in a thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.common.errors import DomainError
from services.common.language import LanguageCandidate, LanguageDetectorEngine
from services.translation.core.errors import UnsupportedLanguagePairError
from services.translation.core.glossary import Glossary
from services.translation.core.routing import Route, normalize_language
from services.translation.core.translator import TextFormat, TranslationResult, Translator

FIELD = "texts"


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

    def detect(
        self, texts: Sequence[str], top_k: int
    ) -> list[tuple[LanguageCandidate, ...] | DomainError]:
        """Candidates per text, or the text's own error (empty, too long)."""
        self.translator.check_batch(texts, None, FIELD)
        errors = self._text_errors(texts)
        valid = [i for i, error in enumerate(errors) if error is None]
        found = dict(
            zip(valid, self.detector.detect([texts[i] for i in valid], top_k), strict=True)
        )
        return [found[i] if error is None else error for i, error in enumerate(errors)]

    def translate(
        self,
        texts: Sequence[str],
        source_language: str | None,
        target_language: str,
        *,
        text_format: TextFormat,
        glossary: Glossary | None,
        timeout: float | None,
    ) -> list[Translated | DomainError]:
        """A translation per text, or the text's own error (empty, too long, a detected
        language that cannot be translated). What concerns every text (the batch's size,
        the glossary, the target language, a given source language) raises."""
        self.translator.check_batch(texts, glossary, FIELD)
        target = normalize_language(target_language, "target_language")
        out: list[Translated | DomainError | None] = list(self._text_errors(texts))
        pending = [i for i, entry in enumerate(out) if entry is None]
        if source_language:
            self.translator.route(source_language, target)  # raises for an unsupported pair
            groups = {source_language: [(i, 1.0) for i in pending]} if pending else {}
        else:
            groups = self._by_detected_source(texts, pending, target, out)
        # One batch per source language, so each pipeline sees one pass.
        for language, entries in groups.items():
            results = self.translator.translate_batch(
                [texts[i] for i, _ in entries],
                language,
                target,
                text_format=text_format,
                glossary=glossary,
                timeout=timeout,
            )
            for (i, confidence), result in zip(entries, results, strict=True):
                out[i] = Translated(result, confidence)
        return [entry for entry in out if entry is not None]

    def _text_errors(self, texts: Sequence[str]) -> list[DomainError | None]:
        """Each text's own error, or None when it is fine."""
        return [self.translator.text_error(t, f"{FIELD}[{i}]") for i, t in enumerate(texts)]

    def _by_detected_source(
        self,
        texts: Sequence[str],
        pending: list[int],
        target: str,
        out: list[Translated | DomainError | None],
    ) -> dict[str, list[tuple[int, float]]]:
        """Texts grouped by detected language, with the detection's confidence. A text
        with no letters (an order number alone) is taken as already in the target
        language; one in a language that cannot be translated gets its error in `out`."""
        translatable = {p.source for p in self.translator.supported_pairs()} | {target}
        groups: dict[str, list[tuple[int, float]]] = {}
        detections = self.detector.detect([texts[i] for i in pending], top_k=1)
        for i, candidates in zip(pending, detections, strict=True):
            if not candidates:
                groups.setdefault(target, []).append((i, 0.0))
                continue
            best = candidates[0]
            if best.code not in translatable:
                supported = [(p.source, p.target) for p in self.translator.supported_pairs()]
                out[i] = UnsupportedLanguagePairError(
                    best.code, target, supported, field=f"{FIELD}[{i}]"
                )
                continue
            groups.setdefault(best.code, []).append((i, best.confidence))
        return groups
