"""Blanks Apertium adds before punctuation, taken out where the source has none."""

from __future__ import annotations

from services.translation.core import Translator
from services.translation.core.punctuation_spacing import drop_added_blanks
from services.translation.engines.base import Opaque, Slot


def test_an_added_blank_goes() -> None:
    assert drop_added_blanks(("I'm sorry.",), ("Lo siento .",)) == ("Lo siento.",)
    assert drop_added_blanks(("We are sorry, it is late.",), ("Lo sentimos , es tarde.",)) == (
        "Lo sentimos, es tarde.",
    )
    # After a slot too: the order number is kept, the blank before the mark is not.
    assert drop_added_blanks(("Order ", Opaque(0), "."), ("Pedido ", Slot(0), " .")) == (
        "Pedido ",
        Slot(0),
        ".",
    )


def test_blanks_the_source_has_stay() -> None:
    # The source spaces "?" (French style): the translation keeps its blank there, but
    # not before the comma, which the source does not space.
    assert drop_added_blanks(("Vraiment ? Oui, bien.",), ("Really ? Yes , well.",)) == (
        "Really ? Yes, well.",
    )
    # Never at the start of a segment, nor between two slots.
    assert drop_added_blanks(("...",), (" ...",)) == (" ...",)
    assert drop_added_blanks((Opaque(0), " ", Opaque(1)), (Slot(0), " ", Slot(1))) == (
        Slot(0),
        " ",
        Slot(1),
    )
    # Opening marks and blanks elsewhere are not touched.
    assert drop_added_blanks(("A (b) c.",), ("A (b) c .",)) == ("A (b) c.",)


def test_through_apertium(translator: Translator) -> None:
    # eng-spa's transfer writes a blank between "Lo siento" and the mark after it.
    assert translator.translate("I'm sorry.", "en", "es").text == "Lo siento."
    assert translator.translate("We are sorry, the order is late.", "en", "es").text.startswith(
        "Lo sentimos, "
    )
    # And the blank does not come back through a pivot.
    assert translator.translate("I'm sorry.", "en", "it").text.endswith("siedo.")
