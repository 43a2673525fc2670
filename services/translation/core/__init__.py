"""Translation core: plain typed domain logic, no gRPC.

The servicer builds one ``Translator`` per worker process and calls ``translate_batch``.
"""

from services.translation.core.errors import (
    EmptyTextError,
    EngineError,
    EngineTimeoutError,
    EngineUnavailableError,
    InvalidGlossaryError,
    InvalidRequestError,
    TextTooLongError,
    TranslationError,
    UnsupportedLanguagePairError,
)
from services.translation.core.glossary import Glossary, GlossaryEntry
from services.translation.core.routing import Route, RouteKind
from services.translation.core.segment_cache import CacheStats, SegmentCache
from services.translation.core.translator import Limits, TextFormat, TranslationResult, Translator

__all__ = [
    "CacheStats",
    "EmptyTextError",
    "EngineError",
    "EngineTimeoutError",
    "EngineUnavailableError",
    "Glossary",
    "GlossaryEntry",
    "InvalidGlossaryError",
    "InvalidRequestError",
    "Limits",
    "Route",
    "RouteKind",
    "SegmentCache",
    "TextFormat",
    "TextTooLongError",
    "TranslationError",
    "TranslationResult",
    "Translator",
    "UnsupportedLanguagePairError",
]
