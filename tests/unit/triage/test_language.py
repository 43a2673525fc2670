from __future__ import annotations

import pytest

from services.triage.core.language import is_too_short_to_detect, resolve_language
from services.triage.core.types import LanguageSource, Message
from services.triage.engines.bundle import TriageEngines


def _resolve(engines: TriageEngines, message: Message) -> tuple[str, LanguageSource]:
    candidates = engines.language.predict([message.text])[0]
    result = resolve_language(message, candidates, engines.language.model)
    return result.code, result.source


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Where is my order? It should have arrived last week.", "en"),
        ("Hola, todavía no he recibido mi pedido de la semana pasada.", "es"),
        ("Bonjour, je n'ai toujours pas reçu ma commande.", "fr"),
        ("Olá, ainda não recebi a minha encomenda da semana passada.", "pt"),
        ("Ciao, non ho ancora ricevuto il mio ordine della settimana scorsa.", "it"),
        ("Hallo, ich habe meine Bestellung von letzter Woche noch nicht erhalten.", "de"),
    ],
)
def test_long_text_is_detected_whatever_the_hint(
    engines: TriageEngines, text: str, code: str
) -> None:
    assert _resolve(engines, Message(text, language_hint="nl")) == (code, LanguageSource.DETECTED)


def test_short_text_prefers_hint_then_last_known(engines: TriageEngines) -> None:
    assert _resolve(engines, Message("merci", language_hint="fr", last_known_language="es")) == (
        "fr",
        LanguageSource.HINT,
    )
    assert _resolve(engines, Message("ok", last_known_language="pt-BR")) == (
        "pt",
        LanguageSource.LAST_KNOWN,
    )


def test_short_text_without_hints_keeps_the_detector_guess(engines: TriageEngines) -> None:
    code, source = _resolve(engines, Message("Danke schön"))
    assert (code, source) == ("de", LanguageSource.DETECTED)


def test_nothing_to_go_on_is_undetermined(engines: TriageEngines) -> None:
    message = Message("👍 12345")
    candidates = engines.language.predict([message.text])[0]
    result = resolve_language(message, candidates, engines.language.model)
    assert (result.code, result.source, result.confidence) == (
        "und",
        LanguageSource.UNDETERMINED,
        0.0,
    )


def test_hint_confidence_is_the_detector_score_for_that_language(engines: TriageEngines) -> None:
    message = Message("mi pedido", language_hint="es")
    candidates = engines.language.predict([message.text])[0]
    result = resolve_language(message, candidates, engines.language.model)
    assert result.code == "es"
    assert result.confidence == pytest.approx({c.code: c.confidence for c in candidates}["es"])
    assert result.detected_code in {"es", "pt"}


@pytest.mark.parametrize(
    ("text", "short"),
    [("ok", True), ("mi pedido", True), ("a b c d", True), ("where is my order", False)],
)
def test_short_text_rule(text: str, short: bool) -> None:
    assert is_too_short_to_detect(text) is short


def test_batch_detection_matches_single(engines: TriageEngines) -> None:
    texts = ["Where is my parcel?", "Où est mon colis ?", "Wo ist mein Paket?"]
    batch = engines.language.predict(texts)
    for text, candidates in zip(texts, batch, strict=True):
        [single] = engines.language.predict([text])
        assert [c.code for c in candidates] == [c.code for c in single]
        assert [c.confidence for c in candidates] == pytest.approx([c.confidence for c in single])
