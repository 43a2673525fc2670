"""Protobuf messages of retail.translation.v1 to and from the translation core's types."""

from __future__ import annotations

from retail.translation.v1 import translation_pb2

from services.common.errors import DomainError
from services.common.language import LanguageCandidate
from services.common.status import to_status_proto
from services.translation.core import (
    Glossary,
    GlossaryEntry,
    InvalidRequestError,
    Route,
    RouteKind,
    TextFormat,
)
from services.translation.core.requests import Translated
from services.translation.core.translator import TranslationResult

_FORMATS = {
    translation_pb2.TEXT_FORMAT_UNSPECIFIED: TextFormat.PLAIN,
    translation_pb2.TEXT_FORMAT_PLAIN: TextFormat.PLAIN,
    translation_pb2.TEXT_FORMAT_HTML: TextFormat.HTML,
}
_ROUTES = {
    RouteKind.DIRECT: translation_pb2.PAIR_ROUTE_DIRECT,
    RouteKind.PIVOT: translation_pb2.PAIR_ROUTE_PIVOT,
}


def text_format(value: translation_pb2.TextFormat.ValueType) -> TextFormat:
    try:
        return _FORMATS[value]
    except KeyError:
        raise InvalidRequestError(f"unknown text format {value}", field="format") from None


def glossary(message: translation_pb2.Glossary) -> Glossary | None:
    if not message.do_not_translate and not message.entries:
        return None
    return Glossary(
        do_not_translate=tuple(message.do_not_translate),
        entries=tuple(GlossaryEntry(e.source, e.target) for e in message.entries),
    )


def translation(result: TranslationResult, confidence: float) -> translation_pb2.Translation:
    return translation_pb2.Translation(
        translated_text=result.text,
        source_language=result.source_language,
        source_language_confidence=confidence,
        engine=result.route.engine if result.route.legs else "none",
        route=list(result.route.languages),
        unknown_words=result.unknown_words,
    )


def translate_text_result(entry: Translated | DomainError) -> translation_pb2.TranslateTextResult:
    if isinstance(entry, DomainError):
        return translation_pb2.TranslateTextResult(error=to_status_proto(entry))
    return translation_pb2.TranslateTextResult(
        translation=translation(entry.result, entry.source_confidence)
    )


def detect_language_result(
    entry: tuple[LanguageCandidate, ...] | DomainError,
) -> translation_pb2.DetectLanguageResult:
    if isinstance(entry, DomainError):
        return translation_pb2.DetectLanguageResult(error=to_status_proto(entry))
    return translation_pb2.DetectLanguageResult(detection=detection(entry))


def detection(candidates: tuple[LanguageCandidate, ...]) -> translation_pb2.Detection:
    return translation_pb2.Detection(
        candidates=[
            translation_pb2.LanguageCandidate(language=c.code, confidence=c.confidence)
            for c in candidates
        ]
    )


def language_pair(route: Route) -> translation_pb2.LanguagePair:
    return translation_pb2.LanguagePair(
        source_language=route.source,
        target_language=route.target,
        engine=route.engine,
        route=_ROUTES[route.kind],
        pivot_language=route.pivot or "",
    )
