"""The translate function: validation, routing, glossary, batching and caching."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.common.errors import Code, InvalidArgument
from services.translation.core import (
    EmptyTextError,
    Glossary,
    InvalidGlossaryError,
    InvalidRequestError,
    Limits,
    RouteKind,
    SegmentCache,
    TextTooLongError,
    Translator,
    UnsupportedLanguagePairError,
)
from services.translation.engines.apertium_engine import ApertiumEngine


def test_supported_pairs_list_engine_and_direct_or_pivot(translator: Translator) -> None:
    routes = {(r.source, r.target): r for r in translator.supported_pairs()}
    assert routes[("en", "es")].kind is RouteKind.DIRECT
    assert routes[("en", "es")].engine == "apertium"
    assert routes[("fr", "en")].kind is RouteKind.PIVOT
    assert routes[("fr", "en")].pivot == "es"
    assert routes[("fr", "en")].languages == ("fr", "es", "en")
    assert ("es", "ro") not in routes  # Debian ships ro-es only
    assert ("ro", "en") in routes


def test_pivot_translation(translator: Translator) -> None:
    result = translator.translate("Où est ma commande?", "fr", "en")
    assert result.text == "Where is my commission?"  # Apertium's choice, through "comisión"
    assert result.route.languages == ("fr", "es", "en")


def test_people_s_names_pass_the_second_leg_of_a_pivot_untranslated(
    translator: Translator, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    # spa-ita reads "Lisa" as the adjective "lisa"; spa-eng reads the surname "Garzón"
    # as "waiter" and, with the name unknown, gives the capital to the verb after it.
    cases = [
        ("en", "it", "Who was Mona Lisa?", "Liscia", "Chi era Mona Lisa?"),
        ("fr", "en", "Baltazar Garzón a lancé une procédure.", "Waiter", "Baltazar Garzón "),
    ]
    for source, target, text, raw_word, expected in cases:
        spanish = raw_apertium(source, "es", [text])
        assert raw_word in raw_apertium("es", target, spanish)[0]
        result = translator.translate(text, source, target)
        assert result.text.startswith(expected), result.text
        assert raw_word not in result.text
    # A name the first leg translated ("Deus" -> "Dios") is left to the second: "God".
    assert translator.translate("Sami amava Deus.", "pt", "en").text == "Sami loved God."
    # Names in the second leg's slots do not disturb the caller's protected spans.
    result = translator.translate("Lisa wrote about order #12345.", "en", "it")
    assert result.text.startswith("Lisa "), result.text
    assert "#12345" in result.text


def test_same_language_is_returned_as_it_is(translator: Translator) -> None:
    result = translator.translate("Hola, ¿qué tal?", "es", "ES")
    assert result.text == "Hola, ¿qué tal?"
    assert result.route.kind is RouteKind.IDENTITY


def test_batch_keeps_order_whitespace_and_counts_unknown_words(translator: Translator) -> None:
    texts = ["  Where is my order?\n", "The fool saw a xyzzyq.", "12345 !!!"]
    results = translator.translate_batch(texts, "en", "es")
    assert [r.text for r in results] == [
        "  ¿Dónde es mi orden?\n",
        "El fool vio un xyzzyq.",
        "12345 !!!",
    ]
    assert [r.unknown_words for r in results] == [0, 2, 0]
    assert [r.segments for r in results] == [1, 1, 0]


def test_unknown_words_are_counted_once_through_a_pivot(translator: Translator) -> None:
    result = translator.translate("The xyzzyq is here.", "en", "fr")
    assert "xyzzyq" in result.text
    assert result.unknown_words == 1


def test_glossary_keeps_brands_and_forces_terms(translator: Translator) -> None:
    glossary = Glossary.of(["Blue Shirt"], {"refund": "devolución del dinero"})
    result = translator.translate(
        "I want a refund for the Blue Shirt.", "en", "es", glossary=glossary
    )
    assert "Blue Shirt" in result.text
    assert "devolución del dinero" in result.text
    assert result.protected_spans == 2
    assert result.misplaced_spans == 0


def test_cache_hits_share_a_template_across_different_spans(translator: Translator) -> None:
    first = translator.translate("Your order #12345 has shipped.", "en", "es")
    second = translator.translate("Your order #67890 has shipped.", "en", "es")
    assert first.text == "Vuestro orden #12345 ha embarcado."
    assert second.text == "Vuestro orden #67890 ha embarcado."
    assert (first.cached_segments, second.cached_segments) == (0, 1)
    stats = translator.cache_stats()
    assert (stats.hits, stats.misses, stats.size) == (1, 1, 1)
    assert stats.hit_rate == 0.5


def test_cache_evicts_least_recently_used() -> None:
    from services.translation.core.segment_cache import CachedTranslation

    cache = SegmentCache(2)
    for key in ("a", "b"):
        cache.put(key, CachedTranslation((key,), 0))
    assert cache.get("a") is not None
    cache.put("c", CachedTranslation(("c",), 0))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.stats().size == 2


@pytest.mark.parametrize(
    ("texts", "error", "reason", "field"),
    [
        ([], InvalidArgument, "BATCH_SIZE", "texts"),
        (["ok", "  \n"], EmptyTextError, "EMPTY_TEXT", "texts[1]"),
        (["x" * 101], TextTooLongError, "TEXT_TOO_LONG", "texts[0]"),
        (["x" * 60, "y" * 60], TextTooLongError, "TEXT_TOO_LONG", "texts"),
        (["a"] * 4, InvalidArgument, "BATCH_SIZE", "texts"),
    ],
)
def test_bad_batches_raise_typed_errors(
    engine: ApertiumEngine,
    texts: list[str],
    error: type[InvalidArgument],
    reason: str,
    field: str,
) -> None:
    limited = Translator(
        [engine], limits=Limits(max_batch_texts=3, max_text_chars=100, max_batch_chars=110)
    )
    with pytest.raises(error) as raised:
        limited.translate_batch(texts, "en", "es")
    assert raised.value.reason == reason
    assert [v.field for v in raised.value.violations] == [field]
    assert raised.value.code == Code.INVALID_ARGUMENT


def test_unsupported_pair_lists_what_is_supported(translator: Translator) -> None:
    with pytest.raises(UnsupportedLanguagePairError) as raised:
        translator.translate("Hola", "es", "ro")
    assert raised.value.reason == "UNSUPPORTED_LANGUAGE_PAIR"
    assert raised.value.field == "target_language"
    assert "en->es" in raised.value.message
    assert ("es", "en") in raised.value.supported
    with pytest.raises(UnsupportedLanguagePairError) as unknown_source:
        translator.translate("Hallo", "de", "en")
    assert unknown_source.value.field == "source_language"


def test_malformed_language_code(translator: Translator) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        translator.translate("Hola", "español", "en")
    assert raised.value.field == "source_language"


def test_bad_glossary(translator: Translator) -> None:
    with pytest.raises(InvalidGlossaryError) as raised:
        translator.translate("Hi", "en", "es", glossary=Glossary.of(["ok", " "]))
    assert raised.value.field == "glossary.do_not_translate[1]"
    assert raised.value.reason == "INVALID_GLOSSARY"
