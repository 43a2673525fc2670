"""The translate function: validate, cut into segments, translate what the cache lacks, rebuild.

Every segment of a batch that misses the cache goes to the engine in one call per leg, so
a 1,000-text batch is one pass through each pipeline. Calls block; from an asyncio server
run them in a thread (``asyncio.to_thread``) and pass the call's remaining time as
``timeout`` so that work stops at the deadline.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.limits import check_batch_size
from services.translation.core.errors import (
    EmptyTextError,
    TextTooLongError,
    TranslationError,
)
from services.translation.core.glossary import Glossary
from services.translation.core.html_text import html_atoms
from services.translation.core.pivot_names import hide_names, name_shape, show_names
from services.translation.core.punctuation_spacing import drop_added_blanks
from services.translation.core.routing import Route, Router, normalize_language
from services.translation.core.segment_cache import CachedTranslation, CacheStats, SegmentCache
from services.translation.core.segmentation import Atom, Part, Unit, build_document, fill_template
from services.translation.core.sentence_case import restore_initial_capital
from services.translation.core.spanish_marks import add_opening_marks
from services.translation.engines.base import (
    EngineOutput,
    Opaque,
    OpaqueKind,
    Piece,
    Segment,
    TranslationEngine,
)


class TextFormat(enum.Enum):
    PLAIN = "plain"
    HTML = "html"


@dataclass(frozen=True)
class Limits:
    max_batch_texts: int = 1_000
    max_text_chars: int = 20_000
    max_batch_chars: int = 1_000_000
    max_glossary_terms: int = 500
    max_term_chars: int = 200


@dataclass(frozen=True)
class TranslationResult:
    text: str
    source_language: str
    target_language: str
    route: Route
    unknown_words: int
    """Words the engine did not know and passed through untranslated."""
    protected_spans: int
    """Opaque pieces (protected spans, glossary terms, inline markup) carried through."""
    misplaced_spans: int
    """Opaque pieces the engine dropped or repeated, put back by us (normally 0)."""
    segments: int
    cached_segments: int


class Translator:
    def __init__(
        self,
        engines: Sequence[TranslationEngine],
        *,
        limits: Limits | None = None,
        cache: SegmentCache | None = None,
        pivot: str = "es",
        split_sentences: bool = True,
    ) -> None:
        self._engines = tuple(engines)
        self._router = Router(self._engines, pivot=pivot)
        self.limits = limits or Limits()
        self.cache = cache if cache is not None else SegmentCache()
        self._split_sentences = split_sentences

    def load(self) -> None:
        for engine in self._engines:
            engine.load()

    def close(self) -> None:
        for engine in self._engines:
            engine.close()

    def supported_pairs(self) -> list[Route]:
        """Every supported (source, target) with its engine and direct/pivot route."""
        return self._router.routes()

    def route(self, source_language: str, target_language: str) -> Route:
        return self._router.route(
            normalize_language(source_language, "source_language"),
            normalize_language(target_language, "target_language"),
        )

    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    def translate(
        self,
        text: str,
        source_language: str,
        target_language: str,
        *,
        text_format: TextFormat = TextFormat.PLAIN,
        glossary: Glossary | None = None,
        timeout: float | None = None,
    ) -> TranslationResult:
        return self.translate_batch(
            [text],
            source_language,
            target_language,
            text_format=text_format,
            glossary=glossary,
            timeout=timeout,
            field="text",
        )[0]

    def translate_batch(
        self,
        texts: Sequence[str],
        source_language: str,
        target_language: str,
        *,
        text_format: TextFormat = TextFormat.PLAIN,
        glossary: Glossary | None = None,
        timeout: float | None = None,
        field: str = "texts",
    ) -> list[TranslationResult]:
        """Translate every text; results are in request order."""
        self.validate(texts, glossary, field)
        route = self.route(source_language, target_language)
        deadline = None if timeout is None else time.monotonic() + timeout
        if not route.legs:
            return [
                TranslationResult(t, route.source, route.target, route, 0, 0, 0, 0, 0)
                for t in texts
            ]
        matcher = glossary.matcher() if glossary else None
        documents = [
            build_document(
                self._atoms(t, text_format), matcher, split_sentences=self._split_sentences
            )
            for t in texts
        ]
        units = {p.segment: p for d in documents for p in d if isinstance(p, Unit)}
        known: dict[Segment, CachedTranslation] = {}
        cached: set[Segment] = set()
        for segment in units:
            hit = self.cache.get((route.cache_key, segment))
            if hit is not None:
                known[segment] = hit
                cached.add(segment)
        missing = [s for s in units if s not in known]
        for segment, translation in zip(
            missing, self._translate(missing, route, deadline), strict=True
        ):
            known[segment] = translation
            self.cache.put((route.cache_key, segment), translation)
        return [self._result(d, known, cached, route) for d in documents]

    def validate(self, texts: Sequence[str], glossary: Glossary | None, field: str) -> None:
        """Raise the first error of the batch as a whole, then of any of its texts."""
        self.check_batch(texts, glossary, field)
        for i, text in enumerate(texts):
            error = self.text_error(text, field if field == "text" else f"{field}[{i}]")
            if error is not None:
                raise error

    def check_batch(self, texts: Sequence[str], glossary: Glossary | None, field: str) -> None:
        """Raise what fails the batch as a whole: no texts, too many, too many characters
        together, a bad glossary."""
        limits = self.limits
        check_batch_size(len(texts), limits.max_batch_texts, field)
        total = sum(len(t) for t in texts)
        if total > limits.max_batch_chars:
            raise TextTooLongError(
                f"a batch is at most {limits.max_batch_chars} characters; got {total}", field=field
            )
        if glossary:
            glossary.validate(
                max_terms=limits.max_glossary_terms, max_term_chars=limits.max_term_chars
            )

    def text_error(self, text: str, field: str) -> TranslationError | None:
        """What is wrong with one text (empty, too long), or None."""
        if not text.strip():
            return EmptyTextError("the text is empty", field=field)
        if len(text) > self.limits.max_text_chars:
            return TextTooLongError(
                f"a text is at most {self.limits.max_text_chars} characters; got {len(text)}",
                field=field,
            )
        return None

    @staticmethod
    def _atoms(text: str, text_format: TextFormat) -> list[Atom]:
        return html_atoms(text) if text_format is TextFormat.HTML else [text]

    def _translate(
        self, segments: list[Segment], route: Route, deadline: float | None
    ) -> list[CachedTranslation]:
        if not segments:
            return []
        opaque = [{p.slot: p for p in s if isinstance(p, Opaque)} for s in segments]
        # Slots numbered from here up hold names carried through a pivot (`pivot_names`).
        free_slot = [1 + max(k, default=-1) for k in opaque]
        kept: list[dict[int, str]] = [{} for _ in segments]
        current = segments
        seen_unknown: list[Counter[str]] = [Counter() for _ in segments]
        counts = [0] * len(segments)
        outputs: list[EngineOutput] = []
        for number, leg in enumerate(route.legs, 1):
            outputs = leg.engine.translate(current, leg.source, leg.target, deadline=deadline)
            for i, output in enumerate(outputs):
                # A word unknown on the first leg comes back unknown on the second: count it once.
                fresh = Counter(output.unknown) - seen_unknown[i]
                counts[i] += sum(fresh.values())
                seen_unknown[i] += Counter(output.unknown)
            if number < len(route.legs):
                current = [
                    _next_leg_segment(o, s, k, kept[i], free_slot[i] + len(kept[i]))
                    for i, (o, s, k) in enumerate(zip(outputs, segments, opaque, strict=True))
                ]
        templates = [
            drop_added_blanks(s, restore_initial_capital(s, show_names(o.template, names)))
            for s, o, names in zip(segments, outputs, kept, strict=True)
        ]
        if route.target == "es":
            templates = [add_opening_marks(t) for t in templates]
        return [CachedTranslation(t, n) for t, n in zip(templates, counts, strict=True)]

    @staticmethod
    def _result(
        document: list[Part],
        known: dict[Segment, CachedTranslation],
        cached: set[Segment],
        route: Route,
    ) -> TranslationResult:
        out: list[str] = []
        unknown = spans = misplaced = segments = hits = 0
        for part in document:
            if isinstance(part, str):
                out.append(part)
                continue
            translation = known[part.segment]
            text, repaired = fill_template(translation.template, part.fills)
            out.append(text)
            misplaced += repaired
            unknown += translation.unknown_words
            spans += len(part.fills)
            segments += 1
            hits += part.segment in cached
        return TranslationResult(
            "".join(out),
            route.source,
            route.target,
            route,
            unknown,
            spans,
            misplaced,
            segments,
            hits,
        )


def _next_leg_segment(
    output: EngineOutput,
    source: Segment,
    opaque: dict[int, Opaque],
    kept: dict[int, str],
    free_slot: int,
) -> Segment:
    """A translation fed to the next leg of a pivot: its slots opaque again, and the names
    the leg reported hidden in slots of their own (added to ``kept``)."""
    text = " ".join(p for p in source if isinstance(p, str))
    template, names = hide_names(output.template, output.names, text, free_slot)
    kept.update(names)
    pieces: list[Piece] = []
    for piece in template:
        if isinstance(piece, str | Opaque):
            pieces.append(piece)
        elif piece.index in kept:
            pieces.append(Opaque(piece.index, OpaqueKind.CONTENT, name_shape(kept[piece.index])))
        else:
            pieces.append(opaque.get(piece.index, Opaque(piece.index, OpaqueKind.CONTENT)))
    return tuple(pieces)
