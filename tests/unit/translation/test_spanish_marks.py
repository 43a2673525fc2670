"""Spanish opening marks added to translations into Spanish."""

from __future__ import annotations

import pytest

from services.translation.core import Translator
from services.translation.core.spanish_marks import add_opening_marks
from services.translation.engines.base import Slot


@pytest.mark.parametrize(
    ("translated", "expected"),
    [
        ("Tienes un perro?", "¿Tienes un perro?"),
        ("Qué día lindo!", "¡Qué día lindo!"),
        # An unaccented interrogative opening a question is accented.
        ("Donde queda la Cabília?", "¿Dónde queda la Cabília?"),
        ("como estás?", "¿cómo estás?"),
        # The question after a comma, colon or semicolon, when an accented word opens it.
        ("Hola, cómo estás?", "Hola, ¿cómo estás?"),
        ("Si no llega mañana: por qué pagué?", "Si no llega mañana: ¿por qué pagué?"),
        ("Vaya, qué bonito!", "Vaya, ¡qué bonito!"),
        # Otherwise the whole segment, inside opening quotes; nothing else is accented.
        ('"Por qué no?"', '"¿Por qué no?"'),
        ("Tom, me quieres?", "¿Tom, me quieres?"),
        ("Sé como es, verdad?", "¿Sé como es, verdad?"),
        ("Donde vives?)", "¿Dónde vives?)"),
        ("Qué?", "¿Qué?"),
        # Left alone: already marked, no closing mark, or both closing marks.
        ("¿Dónde está?", "¿Dónde está?"),
        ("Hola, ¿qué tal?", "Hola, ¿qué tal?"),
        ("Está aquí.", "Está aquí."),
        ("En serio?!", "En serio?!"),
    ],
)
def test_opening_marks_in_plain_segments(translated: str, expected: str) -> None:
    assert add_opening_marks((translated,)) == (expected,)


def test_slots_are_kept_and_the_mark_goes_before_a_leading_slot() -> None:
    # "{{name}} is here?" -> slot first: the mark goes before it, the slot is untouched.
    assert add_opening_marks((Slot(0), " está aquí?")) == ("¿", Slot(0), " está aquí?")
    # "Order {0}, where is it?": the clause after the comma, in the piece holding it.
    assert add_opening_marks(("Pedido ", Slot(0), ", dónde está?")) == (
        "Pedido ",
        Slot(0),
        ", ¿dónde está?",
    )
    # A segment that ends with a slot has no closing mark of its own.
    assert add_opening_marks(("Dónde está ", Slot(0))) == ("Dónde está ", Slot(0))


def test_only_translations_into_spanish_get_them(translator: Translator) -> None:
    assert translator.translate("Where is my order #12345?", "en", "es").text == (
        "¿Dónde es mi orden #12345?"
    )
    assert translator.translate("Onde está o meu pedido?", "pt", "es").text == (
        "¿Dónde está mi pedido?"
    )
    # Into Catalan and English: no opening marks.
    assert "¿" not in translator.translate("Where is my order?", "en", "ca").text
    assert translator.translate("¿Dónde está mi pedido?", "es", "en").text.endswith("?")
    assert "¿" not in translator.translate("¿Dónde está mi pedido?", "es", "en").text
