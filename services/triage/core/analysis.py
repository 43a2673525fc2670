"""Analyse customer messages: language, sentiment and intent, batched.

This is the entry point the servicer calls. Every engine call is made once per batch, so
a list of messages costs little more than one.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.triage.core.intent import intent_results
from services.triage.core.intents import Intent
from services.triage.core.language import resolve_language
from services.triage.core.sentiment import sentiment_results
from services.triage.core.types import (
    IntentResult,
    LanguageResult,
    LanguageSource,
    Message,
    MessageAnalysis,
)
from services.triage.engines.bundle import TriageEngines
from services.triage.engines.text_features import shared_sentence_embeddings

# Reason codes: stable strings the caller can show or count.
REASON_LANGUAGE_FROM_HINT = "language_from_hint"
REASON_LANGUAGE_FROM_LAST_KNOWN = "language_from_last_known"
REASON_LANGUAGE_UNDETERMINED = "language_undetermined"
REASON_LANGUAGE_NOT_TRAINED = "language_not_trained"
REASON_INTENT_LOW_CONFIDENCE = "intent_below_confidence_floor"


def _reasons(
    language: LanguageResult, intent: IntentResult, trained: tuple[str, ...]
) -> tuple[str, ...]:
    reasons = []
    if language.source is LanguageSource.HINT:
        reasons.append(REASON_LANGUAGE_FROM_HINT)
    elif language.source is LanguageSource.LAST_KNOWN:
        reasons.append(REASON_LANGUAGE_FROM_LAST_KNOWN)
    elif language.source is LanguageSource.UNDETERMINED:
        reasons.append(REASON_LANGUAGE_UNDETERMINED)
    if language.source is not LanguageSource.UNDETERMINED and language.code not in trained:
        # Sentiment and intent still answer, from shared features only: less reliable.
        reasons.append(REASON_LANGUAGE_NOT_TRAINED)
    if intent.intent is Intent.OTHER and intent.candidates[0].intent is not Intent.OTHER:
        reasons.append(REASON_INTENT_LOW_CONFIDENCE)
    return tuple(reasons)


def analyze_messages(engines: TriageEngines, messages: Sequence[Message]) -> list[MessageAnalysis]:
    """Language, sentiment and intent of each message, in input order."""
    if not messages:
        return []
    texts = [m.text for m in messages]
    candidates = engines.language.predict(texts)
    languages = [
        resolve_language(m, c, engines.language.model)
        for m, c in zip(messages, candidates, strict=True)
    ]
    # One sentence-encoder pass (most of a message's cost) serves both models.
    embeddings = (
        shared_sentence_embeddings().transform(texts)
        if engines.sentiment.uses_embeddings or engines.intent.uses_embeddings
        else None
    )
    sentiments = sentiment_results(
        engines.sentiment.predict(texts, [lang.code for lang in languages], embeddings),
        engines.sentiment.model,
    )
    intents = intent_results(
        engines.intent.predict(texts, embeddings),
        engines.intent.labels,
        engines.intent.model,
        engines.intent.min_confidence,
    )
    trained = engines.sentiment.languages
    return [
        MessageAnalysis(lang, sentiment, intent, _reasons(lang, intent, trained))
        for lang, sentiment, intent in zip(languages, sentiments, intents, strict=True)
    ]


def analyze_message(engines: TriageEngines, message: Message) -> MessageAnalysis:
    """Analyse one message (a batch of one)."""
    return analyze_messages(engines, [message])[0]
