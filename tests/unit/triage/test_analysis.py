from __future__ import annotations

import pytest

from services.triage.core.analysis import (
    REASON_LANGUAGE_FROM_HINT,
    REASON_LANGUAGE_NOT_TRAINED,
    analyze_message,
    analyze_messages,
)
from services.triage.core.intents import Intent
from services.triage.core.types import LanguageSource, Message, Polarity
from services.triage.engines.bundle import TriageEngines


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my order 1234567? I ordered it a week ago", Intent.ORDER_STATUS),
        ("I want to cancel my order", Intent.CANCEL_ORDER),
        ("the lamp arrived broken, the glass is shattered", Intent.DAMAGED_OR_WRONG_ITEM),
        ("I'd like to talk to a real person", Intent.REQUEST_HUMAN),
        ("what is the formula for the area of a circle", Intent.OTHER),
    ],
)
def test_intents_of_clear_requests(engines: TriageEngines, text: str, intent: Intent) -> None:
    assert analyze_message(engines, Message(text)).intent.intent is intent


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("I love it, thank you so much, you are amazing! 😍", Polarity.POSITIVE),
        ("This is the worst service ever, I hate you, disgusting 😡", Polarity.NEGATIVE),
    ],
)
def test_sentiment_of_clear_messages(engines: TriageEngines, text: str, polarity: Polarity) -> None:
    result = analyze_message(engines, Message(text)).sentiment
    assert result.level.polarity is polarity
    assert (result.score > 0) is (polarity is Polarity.POSITIVE)


def test_batch_keeps_order_and_explains_language_choices(engines: TriageEngines) -> None:
    messages = [
        Message("Ik wil mijn bestelling annuleren, het duurt veel te lang."),
        Message("merci", language_hint="fr"),
        Message("Where is my parcel? It is two weeks late and nobody answers."),
    ]
    results = analyze_messages(engines, messages)
    assert [r.language.code for r in results] == ["nl", "fr", "en"]
    assert REASON_LANGUAGE_NOT_TRAINED in results[0].reasons
    assert results[1].language.source is LanguageSource.HINT
    assert REASON_LANGUAGE_FROM_HINT in results[1].reasons
    assert results[2].reasons == ()
    assert all(r.sentiment.model.name == "sentiment-nb-logreg-use" for r in results)
    assert analyze_messages(engines, []) == []
