"""The capital a translated sentence lost, put back."""

from __future__ import annotations

from services.translation.core import Translator
from services.translation.core.sentence_case import restore_initial_capital
from services.translation.engines.base import Opaque, Slot


def test_a_lost_capital_comes_back() -> None:
    assert restore_initial_capital(("I don't know.",), ("ne sais pas.",)) == ("Ne sais pas.",)
    # Leading punctuation and elisions keep their place.
    assert restore_initial_capital(('"Would you?"',), ('" te gusta?"',)) == ('" Te gusta?"',)
    assert restore_initial_capital(("Argentina, ...",), ("l'Argentine, ...",)) == (
        "L'Argentine, ...",
    )


def test_left_alone() -> None:
    # The source starts in lower case, the translation already has its capital, or an
    # opaque piece comes before the first letter on either side.
    assert restore_initial_capital(("iPhone cases.",), ("iPhone fundas.",)) == ("iPhone fundas.",)
    assert restore_initial_capital(("Hello.",), ("Hola.",)) == ("Hola.",)
    assert restore_initial_capital((Opaque(0), " is late."), (Slot(0), " llega tarde.")) == (
        Slot(0),
        " llega tarde.",
    )
    assert restore_initial_capital(("Order ", Opaque(0), " is late."), (Slot(0), " tarde.")) == (
        Slot(0),
        " tarde.",
    )
    assert restore_initial_capital(("123.",), ("123.",)) == ("123.",)


def test_through_apertium(translator: Translator) -> None:
    # eng-spa drops "Would" and starts the translation in lower case.
    raw_like = translator.translate("Would you like to play basketball with us?", "en", "es")
    assert raw_like.text.startswith("¿Te gusta")
    # Through the pivot: "I don't know" loses its capital in es-fr.
    assert translator.translate("I don't know what you're looking for.", "en", "fr").text[0] == (
        "N"
    )
