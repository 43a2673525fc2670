"""The stream format written and read in place of apertium-destxt/apertium-retxt."""

from __future__ import annotations

import subprocess

import pytest

from services.translation.engines.apertium_stream import (
    SEGMENT_SEPARATOR,
    decode_output,
    encode_segment,
    escape_text,
    person_names,
    unknown_words,
)
from services.translation.engines.base import Opaque, OpaqueKind, Slot


@pytest.mark.parametrize(
    "text",
    [
        "Hello world",
        "Special [chars] ^a$ {x} <b> \\ @ / ~ * # | & % + = _ `quotes`",
        "Spaces  and\ttabs and \r\n line\nbreaks and trailing space ",
        "No-break\u00a0space, em\u2003space, zero\u200bwidth",
        "Ünïcödé \u2013 \u201cquotes\u201d ¿qué? ¡sí! l'été",
    ],
)
def test_escape_text_matches_apertium_destxt(text: str) -> None:
    destxt = subprocess.run(
        ["apertium-destxt"], input=text.encode(), capture_output=True, check=True
    ).stdout.decode()
    # apertium-destxt ends its input with ".[]" before any trailing whitespace.
    body = text.rstrip(" ")
    trailing = text[len(body) :]
    assert destxt == escape_text(body) + ".[]" + trailing


def test_escape_text_drops_nul_which_would_end_the_request() -> None:
    assert escape_text("a\0b") == "ab"


def test_content_piece_becomes_a_number_and_markup_a_superblank() -> None:
    encoded = encode_segment(("Order ", Opaque(0), " is <", Opaque(1, OpaqueKind.MARKUP), ">"))
    assert encoded.stream == "Order 70718 is \\<[⟦p1⟧]\\>.[]"
    assert encoded.numbers == {"70718": 0}


def test_glued_content_piece_becomes_a_superblank() -> None:
    encoded = encode_segment(("Order", Opaque(0), ", then ", Opaque(1), Opaque(2), " ok"))
    assert encoded.numbers == {}
    assert encoded.stream == "Order[⟦p0⟧], then [⟦p1⟧][⟦p2⟧] ok.[]"


def test_placeholder_numbers_avoid_numbers_in_the_text() -> None:
    encoded = encode_segment(
        (
            "I have 70718 and ",
            Opaque(0),
            " items",
        )
    )
    assert "70718" not in encoded.numbers
    assert list(encoded.numbers.values()) == [0]


def test_decode_output_unescapes_and_finds_slots() -> None:
    raw = " Su orden 70718 \\[ok\\] [⟦p1⟧] [\t] está  aquí..[]"
    assert decode_output(raw, {"70718": 0}) == (
        "Su orden ",
        Slot(0),
        " [ok] ",
        Slot(1),
        " \t está aquí.",
    )


def test_decode_output_keeps_numbers_that_are_not_placeholders() -> None:
    assert decode_output("Cuesta 707180 y 70718..[]", {"70718": 3}) == (
        "Cuesta 707180 y ",
        Slot(3),
        ".",
    )


def test_unknown_words_reads_marked_units_only() -> None:
    stream = (
        "^El<det><def><m><sg>$ ^*fool$ ^\\^x<n>$ [\\^*not$] ^@bruise<n><sg>$"
        + SEGMENT_SEPARATOR
        + "^*xyzzy$"
    )
    assert unknown_words(stream) == ("fool", "bruise", "xyzzy")


def test_person_names_reads_first_names_and_surnames_only() -> None:
    stream = (
        "^Mona<np><ant><f><sg>$ ^Lisa<np><ant><f><sg>$ ^y<cnjcoo>$ ^Garz\\ón<np><cog>$"
        " ^Chile<np><loc><m><sg>$ ^ONU<np><org>$ ^*Nieto$ ^lisa<adj><f><sg>$"
        " [^Tom<np><ant>$]" + SEGMENT_SEPARATOR + "^Ana<np><ant><f><sg>$"
    )
    # Place names and organisations are translated; unknown words are not names we know.
    assert person_names(stream) == ("Mona", "Lisa", "Garzón", "Ana")


def test_a_code_becomes_a_code_built_alike() -> None:
    encoded = encode_segment(
        (
            "the ",
            Opaque(0, shape="a-9"),
            " rocket, order ",
            Opaque(1, shape="#9"),
            " or ",
            Opaque(2),
        )
    )
    assert encoded.stream == "the Zqxa-70718 rocket, order #71718 or 72718.[]"
    assert encoded.codes == {"Zqxa-70718": 0, "#71718": 1}
    assert encoded.numbers == {"72718": 2}
    assert encoded.code_words == {"zqxa"}
    # Spacing around separators and letter case may change; the code is found whole.
    out = "el ZQXA - 70718 cohete, orden #71718 o 72718..[]"
    assert decode_output(out, encoded.numbers, encoded.codes) == (
        "el ",
        Slot(0),
        " cohete, orden ",
        Slot(1),
        " o ",
        Slot(2),
        ".",
    )


def test_code_words_avoid_words_in_the_text_and_an_all_digit_code_is_a_number() -> None:
    encoded = encode_segment(("zqxa ", Opaque(0, shape="a"), " and ", Opaque(1, shape="9")))
    assert encoded.codes == {"Zqxb": 0}
    assert encoded.numbers == {"70718": 1}


def test_a_code_broken_apart_goes_where_its_first_part_is() -> None:
    encoded = encode_segment(("a ", Opaque(0, shape="a-9"), " b"))
    assert decode_output("Zqxa un 70718 b..[]", encoded.numbers, encoded.codes) == (
        Slot(0),
        " un b.",
    )
