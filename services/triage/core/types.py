"""Plain domain types that triage analysis takes and returns (no grpc, no numpy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services.triage.core.intents import Intent

UNDETERMINED_LANGUAGE = "und"
"""ISO 639-2 code for "could not be determined", used when nothing else is known."""


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """Which model produced a result: a registry name and an artifact version."""

    name: str
    version: str


@dataclass(frozen=True, slots=True)
class Message:
    """One customer message to analyse.

    `language_hint` is a per-message hint from the caller (UI locale, channel setting);
    `last_known_language` is what this customer wrote in before. Both are ISO 639-1 codes
    and are only used when the text itself is too short to tell (see `core.language`).
    """

    text: str
    language_hint: str | None = None
    last_known_language: str | None = None


class LanguageSource(StrEnum):
    """Where the reported language came from."""

    DETECTED = "detected"
    HINT = "hint"
    LAST_KNOWN = "last_known"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """The language a message is taken to be in.

    `code` is ISO 639-1 (or "und"); `confidence` is the detector's confidence for `code`
    on this text (0 when the detector had nothing to go on). `detected_code` is what the
    detector alone said, kept for explanation when a hint won.
    """

    code: str
    confidence: float
    source: LanguageSource
    detected_code: str
    detected_confidence: float
    model: ModelVersion


class Polarity(StrEnum):
    """Three-way polarity, the granularity sentiment is evaluated at."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class SentimentLevel(StrEnum):
    """Five-level sentiment reported to callers."""

    VERY_NEGATIVE = "very_negative"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    VERY_POSITIVE = "very_positive"

    @property
    def polarity(self) -> Polarity:
        """The three-way polarity this level belongs to."""
        if self in (SentimentLevel.VERY_NEGATIVE, SentimentLevel.NEGATIVE):
            return Polarity.NEGATIVE
        if self in (SentimentLevel.POSITIVE, SentimentLevel.VERY_POSITIVE):
            return Polarity.POSITIVE
        return Polarity.NEUTRAL


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """Sentiment of one message.

    `score` is P(positive) - P(negative) in [-1, 1]; `confidence` is the probability of the
    polarity the level belongs to.
    """

    level: SentimentLevel
    score: float
    confidence: float
    model: ModelVersion


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One candidate intent with the classifier's probability for it."""

    intent: Intent
    confidence: float


@dataclass(frozen=True, slots=True)
class IntentResult:
    """Intent of one message: the decision plus the ranked candidates behind it.

    `intent` is OTHER when the best candidate is below the confidence floor, even though
    `candidates` still lists what the classifier leaned towards.
    """

    intent: Intent
    confidence: float
    candidates: tuple[IntentScore, ...]
    model: ModelVersion


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    """Everything the ML core says about one message."""

    language: LanguageResult
    sentiment: SentimentResult
    intent: IntentResult
    reasons: tuple[str, ...] = field(default=())
